// auth.admin with the service_role key: create, list with pagination, get, update, delete; refused to users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser } from '../helpers/users.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ auth: { rateLimits: { signInSignUps: 1000 } } });
});
afterAll(() => stack?.stop());

const admin = () => stack.serviceClient().auth.admin;

describe('auth.admin', () => {
  it('createUser with email_confirm makes a user who can sign in; the profile trigger fires', async () => {
    const { data, error } = await admin().createUser({
      email: 'Operator@Example.test',
      password: 'operator-password',
      email_confirm: true,
      user_metadata: { display_name: 'Ops' },
      app_metadata: { tier: 'gold' },
    });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({
      email: 'operator@example.test',
      app_metadata: { provider: 'email', providers: ['email'], tier: 'gold' },
      user_metadata: { display_name: 'Ops', email_verified: true },
      role: 'authenticated',
    });
    expect(data.user?.email_confirmed_at).toBeTruthy();
    const [profile] = await stack.db
      .sql`select display_name from public.profiles where id = ${data.user?.id ?? ''}`;
    expect(profile?.display_name).toBe('Ops');
    const signIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'operator@example.test', password: 'operator-password' });
    expect(signIn.error).toBeNull();
  });

  it('createUser without email_confirm leaves the email unconfirmed: sign-in says email_not_confirmed', async () => {
    const { data } = await admin().createUser({
      email: 'pending@example.test',
      password: 'pending-password',
    });
    expect(data.user?.email_confirmed_at).toBeUndefined();
    const { error } = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'pending@example.test', password: 'pending-password' });
    expect(error).toMatchObject({ status: 400, code: 'email_not_confirmed' });
  });

  it('createUser refuses a taken address with email_exists and creates nothing', async () => {
    const a = await signUpUser(stack);
    const { data, error } = await admin().createUser({ email: a.email, password: 'whatever-password' });
    expect(error).toMatchObject({ status: 422, code: 'email_exists' });
    expect(data.user).toBeNull();
    const [{ n } = { n: -1 }] = await stack.db
      .sql`select count(*)::int as n from auth.users where email = ${a.email}`;
    expect(n).toBe(1);
  });

  it('listUsers pages newest first with page/perPage, total and next/last pages', async () => {
    const [{ n: before } = { n: 0 }] = await stack.db.sql`select count(*)::int as n from auth.users`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { data } = await admin().createUser({ email: `page${i}@example.test`, email_confirm: true });
      created.push(data.user?.id ?? '');
    }
    const total = before + 5;
    const first = await admin().listUsers({ page: 1, perPage: 2 });
    expect(first.error).toBeNull();
    expect(first.data.users.map((u) => u.id)).toEqual([created[4], created[3]]);
    expect(first.data).toMatchObject({
      total,
      nextPage: 2,
      lastPage: Math.ceil(total / 2),
      aud: 'authenticated',
    });
    const second = await admin().listUsers({ page: 2, perPage: 2 });
    expect(second.data.users.map((u) => u.id)).toEqual([created[2], created[1]]);
    const all = await admin().listUsers();
    expect(all.data.users).toHaveLength(total);
  });

  it('getUserById returns the user; an unknown id is 404 user_not_found, a malformed one 404 too', async () => {
    const a = await signUpUser(stack);
    const { data } = await admin().getUserById(a.user.id);
    expect(data.user).toMatchObject({ id: a.user.id, email: a.email });
    const missing = await admin().getUserById('00000000-0000-4000-8000-000000000000');
    expect(missing.error).toMatchObject({ status: 404, code: 'user_not_found' });
    // auth-js checks the id itself; the server answers a raw call as GoTrue does.
    const bad = await fetch(`${stack.apiUrl}/auth/v1/admin/users/not-a-uuid`, {
      headers: { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` },
    });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual({
      code: 404,
      error_code: 'validation_failed',
      msg: 'user_id must be an UUID',
    });
  });

  it('updateUserById changes metadata, email and password; a new password ends the user’s sessions', async () => {
    const a = await signUpUser(stack);
    const { data, error } = await admin().updateUserById(a.user.id, {
      email: 'renamed@example.test',
      password: 'an-admin-set-password',
      user_metadata: { display_name: 'Renamed' },
      app_metadata: { role_hint: 'vip' },
    });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({
      email: 'renamed@example.test',
      user_metadata: expect.objectContaining({ display_name: 'Renamed' }),
      app_metadata: { provider: 'email', providers: ['email'], role_hint: 'vip' },
    });
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.sessions where user_id = ${a.user.id}`;
    expect(n).toBe(0);
    const signIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'renamed@example.test', password: 'an-admin-set-password' });
    expect(signIn.error).toBeNull();
  });

  it('a ban ends the user’s sessions and refuses sign-in until lifted with ban_duration none', async () => {
    const a = await signUpUser(stack);
    await admin().updateUserById(a.user.id, { ban_duration: '24h' });
    const refresh = await stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token });
    expect(refresh.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
    const refused = await stack
      .anonClient()
      .auth.signInWithPassword({ email: a.email, password: a.password });
    expect(refused.error).toMatchObject({ status: 400, code: 'user_banned' });
    await admin().updateUserById(a.user.id, { ban_duration: 'none' });
    const ok = await stack.anonClient().auth.signInWithPassword({ email: a.email, password: a.password });
    expect(ok.error).toBeNull();
  });

  it('deleteUser removes the user, their sessions and (by cascade) the profile', async () => {
    const a = await signUpUser(stack);
    const { error } = await admin().deleteUser(a.user.id);
    expect(error).toBeNull();
    const rows = await stack.db.sql`
      select (select count(*) from auth.users where id = ${a.user.id})::int as users,
             (select count(*) from auth.sessions where user_id = ${a.user.id})::int as sessions,
             (select count(*) from public.profiles where id = ${a.user.id})::int as profiles`;
    expect(rows[0]).toEqual({ users: 0, sessions: 0, profiles: 0 });
    const refresh = await stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token });
    expect(refresh.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('soft delete keeps the row with deleted_at and frees the address', async () => {
    const a = await signUpUser(stack);
    const { error } = await admin().deleteUser(a.user.id, true);
    expect(error).toBeNull();
    const [row] = await stack.db.sql`select email, deleted_at from auth.users where id = ${a.user.id}`;
    expect(row?.deleted_at).not.toBeNull();
    expect(row?.email).not.toBe(a.email);
    const again = await signUpUser(stack, a.email);
    expect(again.user.id).not.toBe(a.user.id);
  });

  it('refuses admin calls made with a user’s token (403 not_admin) or the anon key', async () => {
    const a = await signUpUser(stack);
    const asUser = await a.client.auth.admin.listUsers();
    expect(asUser.error).toMatchObject({ status: 403, code: 'not_admin' });
    const asAnon = await stack.anonClient().auth.admin.createUser({ email: 'x@example.test' });
    expect(asAnon.error).toMatchObject({ status: 403, code: 'not_admin' });
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.users where email = 'x@example.test'`;
    expect(n).toBe(0);
  });
});
