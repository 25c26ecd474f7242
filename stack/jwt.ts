// HS256 JWTs with the project's secret, as Supabase issues and checks them. Shared by REST, Auth and Realtime
// so every service accepts and refuses exactly the same tokens.
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';

export type Claims = JWTPayload & { role?: string; [claim: string]: unknown };

export type JwtFailure = 'malformed' | 'bad_signature' | 'expired' | 'unsupported_alg';

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

const keyCache = new Map<string, Uint8Array>();
const keyOf = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keyCache.set(secret, key);
  }
  return key;
};

/** Verifies signature (HS256 only: `alg: none` and others are refused) and expiry; returns the claims. */
export async function verifyJwt(token: string, secret: string): Promise<Claims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'] });
    return payload as Claims;
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new JwtError('expired', 'JWT expired');
    if (err instanceof errors.JOSEAlgNotAllowed)
      throw new JwtError('unsupported_alg', 'JWT algorithm not allowed');
    if (err instanceof errors.JWSSignatureVerificationFailed)
      throw new JwtError('bad_signature', 'JWT signature does not match');
    throw new JwtError('malformed', 'JWT could not be decoded');
  }
}

/** Signs `claims` with HS256; `expiresIn` in seconds from now unless the claims carry `exp`. */
export async function signJwt(claims: Claims, secret: string, expiresIn = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + expiresIn, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(keyOf(secret));
}
