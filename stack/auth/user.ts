// GET/PUT /user (the signed-in user reads and changes themself) and POST /logout with its three scopes.
import type http from 'node:http';
import { audit } from './audit.ts';
import { type AuthContext, clientInfo, readJson, requireUser, sendJson, sendNoContent } from './context.ts';
import { badRequest, unprocessable } from './errors.ts';
import { assertPasswordStrength, hashPassword, passwordMatches } from './password.ts';
import {
  findUserByEmail,
  findUserById,
  insertIdentity,
  mergeMetadata,
  userJson,
  validateEmail,
} from './users.ts';

export async function getUser(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const { user } = await requireUser(ctx, req);
  sendJson(res, 200, userJson(user));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function updateUser(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse) {
  const { user, sessionId } = await requireUser(ctx, req);
  const params = await readJson(req);
  if (params.data !== undefined && params.data !== null && !isObject(params.data))
    throw badRequest('bad_json', 'Could not parse request body as JSON: data must be an object');
  const data = isObject(params.data) ? params.data : null;
  const password = typeof params.password === 'string' ? params.password : null;
  const rawEmail = typeof params.email === 'string' ? params.email : '';
  if (typeof params.phone === 'string' && params.phone !== '')
    throw unprocessable('phone_provider_disabled', 'Unsupported phone provider');

  let newHash: string | null = null;
  if (password !== null) {
    if (user.is_anonymous && !user.email && rawEmail === '')
      throw unprocessable(
        'validation_failed',
        'Updating password of an anonymous user without an email or phone is not allowed',
      );
    assertPasswordStrength(password, ctx.settings);
    if (await passwordMatches(password, user.encrypted_password))
      throw unprocessable('same_password', 'New password should be different from the old password.');
    newHash = await hashPassword(password);
  }
  let email: string | null = null;
  if (rawEmail !== '') {
    const address = validateEmail(rawEmail);
    if (address !== user.email) {
      const holder = await findUserByEmail(ctx.sql, address);
      if (holder && holder.id !== user.id)
        throw unprocessable('email_exists', 'A user with this email address has already been registered');
      email = address;
    }
  }

  await ctx.sql.begin(async (tx) => {
    const actor = { id: user.id, username: user.email ?? '' };
    await audit(
      tx,
      newHash ? 'user_updated_password' : 'user_modified',
      actor,
      (await clientInfo(ctx, req)).ip,
    );
    if (data) {
      await tx`
        update auth.users set raw_user_meta_data = ${tx.json(mergeMetadata(user.raw_user_meta_data, data) as never)},
          updated_at = now()
        where id = ${user.id}`;
    }
    if (newHash) {
      await tx`update auth.users set encrypted_password = ${newHash}, updated_at = now() where id = ${user.id}`;
      // As GoTrue: a new password signs the user out everywhere else.
      if (sessionId) await tx`delete from auth.sessions where user_id = ${user.id} and id <> ${sessionId}`;
      else await tx`delete from auth.sessions where user_id = ${user.id}`;
    }
    if (email) {
      // Email changes are confirmed at once when confirmations are off (the local default), as with
      // GoTrue's mailer autoconfirm; otherwise the change waits for confirmation in email_change.
      if (ctx.settings.emailConfirmations) {
        await tx`
          update auth.users set email_change = ${email}, email_change_sent_at = now(), updated_at = now()
          where id = ${user.id}`;
      } else {
        const [identity] = await tx`
          select id from auth.identities where user_id = ${user.id} and provider = 'email'`;
        if (identity)
          await tx`
            update auth.identities
            set identity_data = identity_data || ${tx.json({ email } as never)}, updated_at = now()
            where id = ${identity.id}`;
        else
          await insertIdentity(tx, user.id, 'email', user.id, {
            sub: user.id,
            email,
            email_verified: false,
            phone_verified: false,
          });
        const providers = new Set<string>(
          Array.isArray(user.raw_app_meta_data?.providers)
            ? (user.raw_app_meta_data.providers as string[])
            : [],
        );
        providers.delete('anonymous');
        providers.add('email');
        const appMeta = {
          ...(user.raw_app_meta_data ?? {}),
          provider: user.is_anonymous ? 'email' : (user.raw_app_meta_data?.provider ?? 'email'),
          providers: [...providers],
        };
        await tx`
          update auth.users set email = ${email}, email_confirmed_at = now(), email_change = '',
            is_anonymous = false, raw_app_meta_data = ${tx.json(appMeta as never)}, updated_at = now()
          where id = ${user.id}`;
      }
    }
  });
  const updated = await findUserById(ctx.sql, user.id);
  sendJson(res, 200, updated ? userJson(updated) : {});
}

export async function logout(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) {
  const { user, sessionId } = await requireUser(ctx, req);
  const scope = url.searchParams.get('scope') ?? 'global';
  if (scope !== 'global' && scope !== 'local' && scope !== 'others')
    throw badRequest('validation_failed', `Unsupported logout scope "${scope}"`);
  await audit(
    ctx.sql,
    'logout',
    { id: user.id, username: user.email ?? '' },
    (await clientInfo(ctx, req)).ip,
  );
  // Deleting a session takes its refresh tokens with it (on delete cascade).
  if (scope === 'global' || !sessionId) await ctx.sql`delete from auth.sessions where user_id = ${user.id}`;
  else if (scope === 'local') await ctx.sql`delete from auth.sessions where id = ${sessionId}`;
  else await ctx.sql`delete from auth.sessions where user_id = ${user.id} and id <> ${sessionId}`;
  sendNoContent(res);
}
