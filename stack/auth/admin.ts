// /admin/users for the service role: create, list (page/per_page with X-Total-Count and Link), get, update,
// delete (hard, or soft with should_soft_delete).
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import type postgres from 'postgres';
import { type Actor, adminActor, audit } from './audit.ts';
import { type AuthContext, clientInfo, readJson, requireAdmin, sendJson } from './context.ts';
import { AuthError, badRequest, notFound, unprocessable } from './errors.ts';
import { assertPasswordStrength, hashPassword } from './password.ts';
import {
  findUserByEmail,
  findUserById,
  insertIdentity,
  insertUser,
  mergeMetadata,
  type UserRow,
  userJson,
  validateEmail,
} from './users.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export async function adminUsers(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  userId: string | null,
) {
  const claims = await requireAdmin(ctx, req);
  const actor = adminActor(String(claims.role));
  if (userId === null) {
    if (req.method === 'GET') return listUsers(ctx, res, url);
    if (req.method === 'POST') return createUser(ctx, req, res, actor);
    throw new AuthError(405, 'method_not_allowed', 'Method Not Allowed');
  }
  if (!UUID.test(userId)) throw notFound('validation_failed', 'user_id must be an UUID');
  const user = await findUserById(ctx.sql, userId);
  if (!user) throw notFound('user_not_found', 'User not found');
  if (req.method === 'GET') return sendJson(res, 200, userJson(user));
  if (req.method === 'PUT') return updateUser(ctx, req, res, user, actor);
  if (req.method === 'DELETE') return deleteUser(ctx, req, res, user, actor);
  throw new AuthError(405, 'method_not_allowed', 'Method Not Allowed');
}

/** GoTrue's pagination: page from 1, per_page 50 by default; answers carry X-Total-Count and Link. */
async function listUsers(ctx: AuthContext, res: http.ServerResponse, url: URL) {
  const num = (name: string, dflt: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return dflt;
    if (!/^\d+$/.test(raw))
      throw badRequest('validation_failed', `Bad Pagination Parameters: invalid ${name}`);
    return Number(raw);
  };
  const page = Math.max(1, num('page', 1));
  const perPage = Math.max(1, num('per_page', 50));
  const filter = url.searchParams.get('filter') ?? '';
  const like = `%${filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where = ctx.sql`
    u.aud = 'authenticated'
    ${filter ? ctx.sql`and (u.email ilike ${like} or u.raw_user_meta_data->>'full_name' ilike ${like})` : ctx.sql``}`;
  const [{ count } = { count: 0 }] = await ctx.sql<{ count: number }[]>`
    select count(*)::int as count from auth.users u where ${where}`;
  const rows = await ctx.sql<UserRow[]>`
    select u.*, coalesce((select json_agg(i order by i.created_at, i.id) from auth.identities i
                          where i.user_id = u.id), '[]') as identities
    from auth.users u where ${where}
    order by u.created_at desc, u.id desc
    limit ${perPage} offset ${(page - 1) * perPage}`;
  const lastPage = Math.ceil(count / perPage);
  const link = (p: number) => `</admin/users?page=${p}&per_page=${perPage}>`;
  const links: string[] = [];
  if (page + 1 <= lastPage) links.push(`${link(page + 1)}; rel="next"`);
  links.push(`${link(lastPage)}; rel="last"`);
  res.setHeader('x-total-count', String(count));
  res.setHeader('link', links.join(', '));
  sendJson(res, 200, { users: rows.map(userJson), aud: 'authenticated' });
}

/** Go's time.ParseDuration for the units ban_duration uses; "none" lifts a ban. */
function parseBanDuration(v: string): number | null {
  if (v === 'none') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * (units[m[2] as string] ?? 0);
    matched = re.lastIndex;
  }
  if (matched !== v.length || v === '')
    throw badRequest('validation_failed', `invalid format for ban duration: time: invalid duration "${v}"`);
  return total;
}

async function createUser(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  actor: Actor,
) {
  const p = await readJson(req);
  const rawEmail = str(p.email);
  if (rawEmail === '' && str(p.phone) === '')
    throw badRequest('validation_failed', 'Cannot create a user without either an email or phone');
  if (str(p.phone) !== '') throw unprocessable('phone_provider_disabled', 'Phone signups are disabled');
  const email = validateEmail(rawEmail);
  if (await findUserByEmail(ctx.sql, email))
    throw unprocessable('email_exists', 'A user with this email address has already been registered');
  if (typeof p.password === 'string' && p.password !== '' && str(p.password_hash) !== '')
    throw badRequest('validation_failed', 'Only a password or a password hash should be provided');
  let encryptedPassword: string;
  if (str(p.password_hash) !== '') encryptedPassword = str(p.password_hash);
  else if (typeof p.password === 'string' && p.password !== '') {
    assertPasswordStrength(p.password, ctx.settings);
    encryptedPassword = await hashPassword(p.password);
  } else encryptedPassword = await hashPassword(randomBytes(32).toString('base64url'));
  if (p.id !== undefined && (typeof p.id !== 'string' || !UUID.test(p.id)))
    throw badRequest('validation_failed', 'ID must conform to the uuid v4 format');
  const ban = str(p.ban_duration) !== '' ? parseBanDuration(str(p.ban_duration)) : null;
  const emailConfirm = p.email_confirm === true;
  const userMeta = isObject(p.user_metadata) ? p.user_metadata : {};

  const id = await ctx.sql
    .begin(async (tx) => {
      const userId = await insertUser(tx, {
        id: typeof p.id === 'string' ? p.id : undefined,
        aud: str(p.aud) || 'authenticated',
        role: str(p.role) || 'authenticated',
        email,
        encryptedPassword,
        appMetadata: mergeMetadata(
          { provider: 'email', providers: ['email'] },
          isObject(p.app_metadata) ? p.app_metadata : {},
        ),
        userMetadata: userMeta,
        emailConfirmed: false,
      });
      await insertIdentity(tx, userId, 'email', userId, {
        sub: userId,
        email,
        email_verified: false,
        phone_verified: false,
      });
      await audit(tx, 'user_signedup', actor, (await clientInfo(ctx, req)).ip, {
        user_id: userId,
        user_email: email,
      });
      if (emailConfirm) await confirmEmail(tx, userId);
      if (ban !== null) await banUser(tx, userId, ban);
      return userId;
    })
    .catch((err: unknown) => {
      if ((err as { code?: string }).code === '23505')
        throw unprocessable('email_exists', 'A user with this email address has already been registered');
      console.error('[auth] admin create user:', err);
      throw new AuthError(500, 'unexpected_failure', 'Database error creating new user');
    });
  const user = await findUserById(ctx.sql, id);
  sendJson(res, 200, user ? userJson(user) : {});
}

type Tx = postgres.TransactionSql;

async function confirmEmail(tx: Tx, userId: string) {
  await tx`
    update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), confirmation_token = '',
      raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || '{"email_verified": true}', updated_at = now()
    where id = ${userId}`;
}

async function banUser(tx: Tx, userId: string, ms: number) {
  await tx`
    update auth.users
    set banned_until = ${ms === 0 ? null : tx`now() + make_interval(secs => ${ms / 1000})`}, updated_at = now()
    where id = ${userId}`;
  // A ban ends the user's sessions, as GoTrue's Ban does.
  if (ms > 0) await tx`delete from auth.sessions where user_id = ${userId}`;
}

async function updateUser(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  user: UserRow,
  actor: Actor,
) {
  const p = await readJson(req);
  const email = str(p.email) !== '' ? validateEmail(str(p.email)) : null;
  if (email && email !== user.email) {
    const holder = await findUserByEmail(ctx.sql, email);
    if (holder && holder.id !== user.id)
      throw unprocessable('email_exists', 'A user with this email address has already been registered');
  }
  const ban = str(p.ban_duration) !== '' ? parseBanDuration(str(p.ban_duration)) : null;
  let newHash: string | null = null;
  if (typeof p.password === 'string') {
    assertPasswordStrength(p.password, ctx.settings);
    newHash = await hashPassword(p.password);
  }
  await ctx.sql.begin(async (tx) => {
    await audit(tx, 'user_modified', actor, (await clientInfo(ctx, req)).ip, {
      user_id: user.id,
      user_email: user.email,
    });
    if (str(p.role) !== '') await tx`update auth.users set role = ${str(p.role)} where id = ${user.id}`;
    if (p.email_confirm === true) await confirmEmail(tx, user.id);
    if (newHash) {
      await tx`update auth.users set encrypted_password = ${newHash}, updated_at = now() where id = ${user.id}`;
      await tx`delete from auth.sessions where user_id = ${user.id}`;
    }
    if (email) {
      const verified = p.email_confirm === true;
      const [identity] =
        await tx`select id from auth.identities where user_id = ${user.id} and provider = 'email'`;
      if (identity)
        await tx`
          update auth.identities
          set identity_data = identity_data || ${tx.json({ email, email_verified: verified } as never)}, updated_at = now()
          where id = ${identity.id}`;
      else
        await insertIdentity(tx, user.id, 'email', user.id, {
          sub: user.id,
          email,
          email_verified: verified,
          phone_verified: false,
        });
      await tx`
        update auth.users set email = ${email}, updated_at = now(),
          is_anonymous = is_anonymous and not ${verified}
        where id = ${user.id}`;
    }
    if (isObject(p.app_metadata)) {
      const [row] = await tx`select raw_app_meta_data from auth.users where id = ${user.id}`;
      const merged = mergeMetadata(row?.raw_app_meta_data ?? {}, p.app_metadata);
      await tx`update auth.users set raw_app_meta_data = ${tx.json(merged as never)}, updated_at = now() where id = ${user.id}`;
    }
    if (isObject(p.user_metadata)) {
      const [row] = await tx`select raw_user_meta_data from auth.users where id = ${user.id}`;
      const merged = mergeMetadata(row?.raw_user_meta_data ?? {}, p.user_metadata);
      await tx`update auth.users set raw_user_meta_data = ${tx.json(merged as never)}, updated_at = now() where id = ${user.id}`;
    }
    if (ban !== null) await banUser(tx, user.id, ban);
  });
  const updated = await findUserById(ctx.sql, user.id);
  sendJson(res, 200, updated ? userJson(updated) : {});
}

async function deleteUser(
  ctx: AuthContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  user: UserRow,
  actor: Actor,
) {
  const p = await readJson(req);
  await audit(ctx.sql, 'user_deleted', actor, (await clientInfo(ctx, req)).ip, {
    user_id: user.id,
    user_email: user.email,
  });
  if (p.should_soft_delete === true) {
    if (!user.deleted_at) {
      // GoTrue's soft delete: the row stays (for foreign keys) with its contact details obfuscated, its
      // identities and sessions gone, so the address can sign up again.
      const obfuscate = (v: string) => createHash('sha256').update(`${user.id}${v}`).digest('hex');
      await ctx.sql.begin(async (tx) => {
        await tx`delete from auth.identities where user_id = ${user.id}`;
        await tx`delete from auth.sessions where user_id = ${user.id}`;
        await tx`
          update auth.users set deleted_at = now(), updated_at = now(), encrypted_password = '',
            email = ${user.email ? obfuscate(user.email) : null}, phone = ${user.phone ? obfuscate(user.phone) : null},
            raw_app_meta_data = '{}', raw_user_meta_data = '{}'
          where id = ${user.id}`;
      });
    }
  } else {
    await ctx.sql`delete from auth.users where id = ${user.id}`;
  }
  sendJson(res, 200, {});
}
