// Sessions, rotating refresh tokens and access tokens, with GoTrue's rules: each refresh revokes the presented
// token and issues a child; presenting the parent of the active token again returns the active one (a client
// that lost the answer); any other revoked token outside the reuse interval revokes the whole session's family.
import { randomBytes, randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { signJwt } from '../jwt.ts';
import { audit } from './audit.ts';
import type { AuthSettings } from './config.ts';
import { badRequest, OAuthError } from './errors.ts';
import { findUserById, NIL_UUID, type Sql, type UserRow, userJson } from './users.ts';

export type AuthMethod = 'password' | 'anonymous';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
  weak_password?: { message: string; reasons: string[] };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A short opaque refresh token like GoTrue's (12 characters, ~62 bits). */
function newRefreshToken(): string {
  const bytes = randomBytes(12);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

async function insertRefreshToken(tx: Sql, userId: string, sessionId: string, parent: string | null) {
  const token = newRefreshToken();
  await tx`
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (${NIL_UUID}, ${token}, ${userId}, false, now(), now(), ${parent}, ${sessionId})`;
  return token;
}

/** Opens a session for a user who just authenticated with `method`; returns its id and first refresh token. */
export async function startSession(
  tx: Sql,
  userId: string,
  method: AuthMethod,
  client: ClientInfo,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  await tx`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
    values (${sessionId}, ${userId}, now(), now(), 'aal1', ${client.userAgent}, ${client.ip})`;
  await tx`
    insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
    values (${sessionId}, now(), now(), ${method}, ${randomUUID()})`;
  await tx`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${userId}`;
  const refreshToken = await insertRefreshToken(tx, userId, sessionId, null);
  return { sessionId, refreshToken };
}

export interface TokenContext {
  settings: AuthSettings;
  jwtSecret: string;
  issuer: () => string;
}

/** Signs the access token with the claims Supabase puts in it. */
async function accessToken(
  ctx: TokenContext,
  tx: Sql,
  user: UserRow,
  sessionId: string,
): Promise<{ token: string; expiresAt: number }> {
  const amr = await tx<{ method: string; timestamp: number }[]>`
    select authentication_method as method, extract(epoch from updated_at)::int as timestamp
    from auth.mfa_amr_claims where session_id = ${sessionId} order by updated_at desc`;
  const [session] = await tx<{ aal: string | null }[]>`select aal from auth.sessions where id = ${sessionId}`;
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ctx.settings.jwtExpiry;
  const token = await signJwt(
    {
      aud: user.aud ?? 'authenticated',
      exp,
      iat,
      iss: ctx.issuer(),
      sub: user.id,
      email: user.email ?? '',
      phone: user.phone ?? '',
      app_metadata: user.raw_app_meta_data ?? {},
      user_metadata: user.raw_user_meta_data ?? {},
      role: user.role ?? 'authenticated',
      aal: session?.aal ?? 'aal1',
      amr: amr.map((a) => ({ method: a.method, timestamp: a.timestamp })),
      session_id: sessionId,
      is_anonymous: user.is_anonymous,
    },
    ctx.jwtSecret,
  );
  return { token, expiresAt: exp };
}

/** The session answer of /token and /signup, read after the writes so `user` shows them. */
export async function sessionResponse(
  ctx: TokenContext,
  tx: Sql,
  userId: string,
  sessionId: string,
  refreshToken: string,
): Promise<SessionResponse> {
  const user = await findUserById(tx, userId);
  if (!user) throw new Error(`user ${userId} vanished while issuing a session`);
  const { token, expiresAt } = await accessToken(ctx, tx, user, sessionId);
  return {
    access_token: token,
    token_type: 'bearer',
    expires_in: ctx.settings.jwtExpiry,
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: userJson(user),
  };
}

interface TokenRow {
  id: string;
  token: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  user_id: string;
  /** Whether the reuse interval after this token was rotated has passed. */
  reuse_expired: boolean;
}

/** The refresh_token grant. Runs in one transaction holding the token's and its session's rows. */
export async function refreshSession(
  ctx: TokenContext,
  sql: postgres.Sql,
  presented: string,
  client: ClientInfo,
): Promise<SessionResponse> {
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token required');
  // A detected reuse must commit its revocation and still answer with an error.
  let refusal: Error | null = null;
  const result = (await sql.begin(async (tx) => {
    const [token] = await tx<TokenRow[]>`
      select t.id, t.token, t.revoked, t.parent, t.session_id, t.user_id,
             now() > t.updated_at + make_interval(secs => ${ctx.settings.refreshTokenReuseInterval}) as reuse_expired
      from auth.refresh_tokens t where t.token = ${presented}
      for update of t`;
    if (!token) throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    const user = await findUserById(tx, token.user_id);
    if (!user) throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    if (user.banned_until && user.banned_until.getTime() > Date.now())
      throw badRequest('user_banned', 'Invalid Refresh Token: User Banned');
    const [session] = token.session_id
      ? await tx<{ id: string; not_after: Date | null }[]>`
          select id, not_after from auth.sessions where id = ${token.session_id} for update`
      : [];
    if (!session) {
      await tx`delete from auth.refresh_tokens where id = ${token.id}`;
      throw badRequest('session_not_found', 'Invalid Refresh Token: No Valid Session Found');
    }
    if (session.not_after && session.not_after.getTime() < Date.now())
      throw badRequest('session_expired', 'Invalid Refresh Token: Session Expired');

    let issued: string | null = null;
    if (token.revoked) {
      const [active] = await tx<{ token: string; parent: string | null }[]>`
        select token, parent from auth.refresh_tokens
        where session_id = ${session.id} and not revoked order by id desc limit 1`;
      if (active && active.parent === token.token) issued = active.token;
      else if (token.reuse_expired) {
        if (ctx.settings.refreshTokenRotation)
          await tx`
            update auth.refresh_tokens set revoked = true, updated_at = now()
            where session_id = ${session.id} and not revoked`;
        refusal = badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used');
        return null;
      }
    }
    const actor = { id: user.id, username: user.email ?? '' };
    if (!issued) {
      await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${token.id}`;
      issued = await insertRefreshToken(tx, user.id, session.id, token.token);
      await audit(tx, 'token_revoked', actor, client.ip);
    }
    await audit(tx, 'token_refreshed', actor, client.ip);
    await tx`
      update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now(),
        user_agent = ${client.userAgent}, ip = ${client.ip}
      where id = ${session.id}`;
    return sessionResponse(ctx, tx, user.id, session.id, issued);
  })) as SessionResponse | null;
  if (refusal) throw refusal;
  if (!result) throw new Error('refresh produced no session');
  return result;
}
