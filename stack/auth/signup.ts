// POST /signup: email + password sign-up (confirmed at once unless [auth.email] enable_confirmations), and
// anonymous sign-in when neither email nor phone is given.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { audit } from './audit.ts';
import { type AuthContext, clientInfo, rateLimit, readJson, sendJson } from './context.ts';
import { AuthError, badRequest, unprocessable } from './errors.ts';
import { assertPasswordStrength, hashPassword } from './password.ts';
import { sessionResponse, startSession } from './sessions.ts';
import {
  findUserByEmail,
  findUserById,
  insertIdentity,
  insertUser,
  mergeMetadata,
  userJson,
  validateEmail,
} from './users.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export async function signup(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const { settings } = ctx;
  const params = await readJson(req);
  const email = str(params.email);
  const phone = str(params.phone);
  const data = obj(params.data);
  if (email === '' && phone === '') {
    if (!settings.enableAnonymousSignIns)
      throw unprocessable('anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
    await rateLimit(ctx, ctx.limiters.anonymousUsers, req);
    return signupAnonymously(ctx, req, res, data);
  }
  await rateLimit(ctx, ctx.limiters.signInSignUps, req);
  if (!settings.enableSignup) throw unprocessable('signup_disabled', 'Signups not allowed for this instance');
  const password = str(params.password);
  if (password === '') throw badRequest('validation_failed', 'Signup requires a valid password');
  assertPasswordStrength(password, settings);
  if (email !== '' && phone !== '')
    throw badRequest(
      'validation_failed',
      'Only an email address or phone number should be provided on signup.',
    );
  if (phone !== '') throw unprocessable('phone_provider_disabled', 'Phone signups are disabled');
  if (!settings.emailEnabled) throw unprocessable('email_provider_disabled', 'Email signups are disabled');
  const address = validateEmail(email);

  const existing = await findUserByEmail(ctx.sql, address);
  if (existing) {
    if (settings.emailConfirmations && existing.email_confirmed_at) {
      // With confirmations on GoTrue does not reveal that the address is taken: it answers with a
      // look-alike user that has no identities and creates nothing.
      return sendJson(res, 200, obfuscatedUser(address, data));
    }
    throw unprocessable('user_already_exists', 'User already registered');
  }

  const encryptedPassword = await hashPassword(password);
  const autoconfirm = !settings.emailConfirmations;
  const client = await clientInfo(ctx, req);
  const answer = await ctx.sql
    .begin(async (tx) => {
      const userId = await insertUser(tx, {
        email: address,
        encryptedPassword,
        appMetadata: { provider: 'email', providers: ['email'] },
        userMetadata: data,
        emailConfirmed: false,
        confirmationSent: !autoconfirm,
      });
      const identityData = { sub: userId, email: address, email_verified: false, phone_verified: false };
      await insertIdentity(tx, userId, 'email', userId, identityData);
      const meta = mergeMetadata(data, { ...identityData, ...(autoconfirm ? { email_verified: true } : {}) });
      await tx`
      update auth.users set raw_user_meta_data = ${tx.json(meta as never)}, updated_at = now(),
        email_confirmed_at = ${autoconfirm ? tx`now()` : null}
      where id = ${userId}`;
      await audit(tx, 'user_signedup', { id: userId, username: address }, client.ip, {
        provider: 'email',
      });
      if (!autoconfirm) {
        const user = await findUserById(tx, userId);
        return { user: user ? userJson(user) : {} };
      }
      await audit(tx, 'login', { id: userId, username: address }, client.ip, {
        provider: 'email',
      });
      const { sessionId, refreshToken } = await startSession(tx, userId, 'password', client);
      return { session: await sessionResponse(ctx, tx, userId, sessionId, refreshToken) };
    })
    .catch((err: unknown) => {
      if (err instanceof AuthError) throw err;
      // A failing trigger on auth.users surfaces as GoTrue's generic message; the detail goes to the log.
      if ((err as { code?: string }).code === '23505')
        throw unprocessable('user_already_exists', 'User already registered');
      console.error('[auth] signup:', err);
      throw new AuthError(500, 'unexpected_failure', 'Database error saving new user');
    });
  return sendJson(res, 200, 'session' in answer ? answer.session : answer.user);
}

async function signupAnonymously(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  data: Record<string, unknown>,
) {
  if (!ctx.settings.enableSignup)
    throw unprocessable('signup_disabled', 'Signups not allowed for this instance');
  const client = await clientInfo(ctx, req);
  const session = await ctx.sql
    .begin(async (tx) => {
      const userId = await insertUser(tx, {
        email: null,
        encryptedPassword: '',
        appMetadata: { provider: 'anonymous', providers: ['anonymous'] },
        userMetadata: data,
        emailConfirmed: false,
        isAnonymous: true,
      });
      await audit(tx, 'user_signedup', { id: userId, username: '' }, client.ip, {
        provider: 'anonymous',
      });
      const { sessionId, refreshToken } = await startSession(tx, userId, 'anonymous', client);
      return sessionResponse(ctx, tx, userId, sessionId, refreshToken);
    })
    .catch((err: unknown) => {
      console.error('[auth] anonymous signup:', err);
      throw new AuthError(500, 'unexpected_failure', 'Database error creating anonymous user');
    });
  return sendJson(res, 200, session);
}

function obfuscatedUser(email: string, data: Record<string, unknown>) {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: 'authenticated',
    email,
    phone: '',
    confirmation_sent_at: now,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: data,
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  };
}
