// POST /token: the password grant (sign-in) and the refresh_token grant (rotation).
import type http from 'node:http';
import { audit } from './audit.ts';
import { type AuthContext, clientInfo, rateLimit, readJson, sendJson } from './context.ts';
import { badRequest, unprocessable } from './errors.ts';
import { passwordMatches, passwordWeakness } from './password.ts';
import { refreshSession, sessionResponse, startSession } from './sessions.ts';
import { findUserByEmail } from './users.ts';

const INVALID_LOGIN = 'Invalid login credentials';
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export async function token(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  const grantType = url.searchParams.get('grant_type');
  if (grantType === 'password') {
    await rateLimit(ctx, ctx.limiters.signInSignUps, req);
    return passwordGrant(ctx, req, res);
  }
  if (grantType === 'refresh_token') {
    await rateLimit(ctx, ctx.limiters.tokenRefresh, req);
    const params = await readJson(req);
    return sendJson(
      res,
      200,
      await refreshSession(ctx, ctx.sql, str(params.refresh_token), await clientInfo(ctx, req)),
    );
  }
  throw badRequest('validation_failed', 'unsupported_grant_type');
}

async function passwordGrant(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const params = await readJson(req);
  const email = str(params.email);
  const phone = str(params.phone);
  const password = str(params.password);
  if (email !== '' && phone !== '')
    throw badRequest(
      'validation_failed',
      'Only an email address or phone number should be provided on login.',
    );
  if (phone !== '') throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
  if (email === '') throw badRequest('validation_failed', 'missing email or phone');
  if (!ctx.settings.emailEnabled) throw unprocessable('email_provider_disabled', 'Email logins are disabled');

  const user = await findUserByEmail(ctx.sql, email);
  // Unknown address and wrong password answer alike, so sign-in does not reveal who has an account.
  if (!user || !(await passwordMatches(password, user.encrypted_password)))
    throw badRequest('invalid_credentials', INVALID_LOGIN);
  if (user.banned_until && user.banned_until.getTime() > Date.now())
    throw badRequest('user_banned', 'User is banned');
  if (!user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');

  const client = await clientInfo(ctx, req);
  const session = await ctx.sql.begin(async (tx) => {
    await audit(tx, 'login', { id: user.id, username: user.email ?? '' }, client.ip, {
      provider: 'email',
    });
    const { sessionId, refreshToken } = await startSession(tx, user.id, 'password', client);
    return sessionResponse(ctx, tx, user.id, sessionId, refreshToken);
  });
  // A password that no longer meets the project's rules still signs in, with a warning the client can act on.
  const weakness = passwordWeakness(password, ctx.settings);
  sendJson(res, 200, weakness ? { ...session, weak_password: weakness } : session);
}
