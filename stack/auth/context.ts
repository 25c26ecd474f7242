// What every /auth/v1 endpoint needs: the database, settings, token signing and the per-IP limiters, plus
// the request plumbing GoTrue does for each call (JSON body, client address, bearer token, JSON answers).
import type http from 'node:http';
import { isIP } from 'node:net';
import type postgres from 'postgres';
import { type Claims, JwtError, verifyJwt } from '../jwt.ts';
import type { AuthSettings } from './config.ts';
import { AuthError, badRequest, forbidden } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ClientInfo, TokenContext } from './sessions.ts';
import { findUserById, type UserRow } from './users.ts';

export interface AuthContext extends TokenContext {
  sql: postgres.Sql;
  settings: AuthSettings;
  limiters: { signInSignUps: RateLimiter; tokenRefresh: RateLimiter; anonymousUsers: RateLimiter };
  adminRoles: string[];
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The JSON body as GoTrue reads request params: empty is `{}`, anything unparseable is bad_json. */
export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AuthError(413, 'request_timeout', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest('bad_json', `Could not parse request body as JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('bad_json', 'Could not parse request body as JSON: expected an object');
  return body as Record<string, unknown>;
}

const header = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const clientInfos = new WeakMap<http.IncomingMessage, Promise<ClientInfo>>();

/**
 * The caller's address, as the rate limits and the audit log count it. The gateway is this stack's edge, so
 * it is the socket's peer: an X-Forwarded-For header is only what the client says, and believing it would
 * give anyone a fresh allowance per request by changing it (Supabase's edge overwrites what clients send).
 * The exception is Supabase Auth's IP address forwarding: a server calling with the project's secret key
 * (here the service-role key, as `apikey`) may name the end user's address in `Sb-Forwarded-For`, so that
 * sign-ins a web server makes for its users count against each user's address, not all against its own. A
 * value that is not an IP address is ignored, as Auth does.
 */
export function clientInfo(ctx: AuthContext, req: http.IncomingMessage): Promise<ClientInfo> {
  let info = clientInfos.get(req);
  if (!info) {
    info = (async () => {
      const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '') || null;
      const userAgent = header(req, 'user-agent') ?? null;
      const forwarded = header(req, 'sb-forwarded-for')?.split(',')[0]?.trim() ?? '';
      if (forwarded === '' || isIP(forwarded) === 0) return { ip: peer, userAgent };
      const claims = await verifyJwt(header(req, 'apikey') ?? '', ctx.jwtSecret).catch(() => null);
      const trusted = typeof claims?.role === 'string' && ctx.adminRoles.includes(claims.role);
      return { ip: trusted ? forwarded.replace(/^::ffff:/, '') : peer, userAgent };
    })();
    clientInfos.set(req, info);
  }
  return info;
}

/** Throws 429 over_request_rate_limit when `limiter` has no room left for this caller. */
export async function rateLimit(
  ctx: AuthContext,
  limiter: RateLimiter,
  req: http.IncomingMessage,
): Promise<void> {
  if (!limiter.take((await clientInfo(ctx, req)).ip ?? 'unknown'))
    throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached');
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendNoContent(res: http.ServerResponse): void {
  res.writeHead(204);
  res.end();
}

const BEARER = /^[Bb]earer (\S+)$/;

const JWT_FAILURE: Record<JwtError['reason'], string> = {
  expired: 'token has invalid claims: token is expired',
  bad_signature: 'token signature is invalid: signature is invalid',
  unsupported_alg: 'token signature is invalid: signing method is invalid',
  malformed: 'token is malformed: could not decode the token',
};

/** The verified claims of the request's bearer token (401 without one, 403 bad_jwt when it does not verify). */
export async function bearerClaims(ctx: AuthContext, req: http.IncomingMessage): Promise<Claims> {
  const m = BEARER.exec(header(req, 'authorization') ?? '');
  if (!m?.[1]) throw new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token');
  try {
    return await verifyJwt(m[1], ctx.jwtSecret);
  } catch (err) {
    if (err instanceof JwtError)
      throw forbidden(
        'bad_jwt',
        `invalid JWT: unable to parse or verify signature, ${JWT_FAILURE[err.reason]}`,
      );
    throw err;
  }
}

export interface Authenticated {
  claims: Claims;
  user: UserRow;
  /** The session named by the token's session_id claim (null for tokens without one). */
  sessionId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GoTrue's requireAuthentication: a valid token whose user, and session if named, still exist. */
export async function requireUser(ctx: AuthContext, req: http.IncomingMessage): Promise<Authenticated> {
  const claims = await bearerClaims(ctx, req);
  if (typeof claims.sub !== 'string' || claims.sub === '')
    throw forbidden('bad_jwt', 'invalid claim: missing sub claim');
  if (!UUID.test(claims.sub)) throw badRequest('bad_jwt', 'invalid claim: sub claim must be a UUID');
  const user = await findUserById(ctx.sql, claims.sub);
  if (!user) throw forbidden('user_not_found', 'User from sub claim in JWT does not exist');
  const sid = claims.session_id;
  let sessionId: string | null = null;
  if (typeof sid === 'string' && sid !== '' && sid !== '00000000-0000-0000-0000-000000000000') {
    if (!UUID.test(sid)) throw forbidden('bad_jwt', 'invalid claim: session_id claim must be a UUID');
    const [s] = await ctx.sql`select id from auth.sessions where id = ${sid}`;
    if (!s) throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist');
    sessionId = sid;
  }
  return { claims, user, sessionId };
}

/** GoTrue's requireAdmin: a token whose role is one of the admin roles (service_role, supabase_admin). */
export async function requireAdmin(ctx: AuthContext, req: http.IncomingMessage): Promise<Claims> {
  const claims = await bearerClaims(ctx, req);
  if (typeof claims.role !== 'string' || !ctx.adminRoles.includes(claims.role))
    throw forbidden('not_admin', 'User not allowed');
  return claims;
}
