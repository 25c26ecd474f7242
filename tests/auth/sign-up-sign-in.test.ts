// Sign-up, sign-in, getUser and the access token's claims, through the real supabase-js against /auth/v1.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser, TEST_PASSWORD } from '../helpers/users.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ auth: { rateLimits: { signInSignUps: 1000 } } });
});
afterAll(() => stack?.stop());

const countRows = async (table: 'sessions' | 'refresh_tokens', userId: string) => {
  const column = table === 'sessions' ? 'user_id' : 'user_id::uuid';
  const [row] = await stack.db.sql.unsafe(
    `select count(*)::int as n from auth.${table} where ${column} = $1`,
    [userId],
  );
  return row?.n as number;
};

describe('sign-up', () => {
  it('creates a confirmed user with an email identity and answers with a session', async () => {
    const { data, error } = await stack.anonClient().auth.signUp({
      email: 'Ada@Example.test',
      password: TEST_PASSWORD,
      options: { data: { display_name: 'Ada L.' } },
    });
    expect(error).toBeNull();
    const { user, session } = data;
    expect(session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(session?.refresh_token).toMatch(/^[a-z0-9]{12}$/);
    expect(session?.expires_at).toBe(decodeJwt(session?.access_token ?? '').exp);
    expect(user).toMatchObject({
      aud: 'authenticated',
      role: 'authenticated',
      email: 'ada@example.test',
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: {
        display_name: 'Ada L.',
        email: 'ada@example.test',
        email_verified: true,
        phone_verified: false,
        sub: user?.id,
      },
      is_anonymous: false,
    });
    expect(user?.email_confirmed_at).toBeTruthy();
    expect(user?.confirmed_at).toBe(user?.email_confirmed_at);
    expect(user?.last_sign_in_at).toBeTruthy();
    expect(user?.identities).toEqual([
      expect.objectContaining({
        id: user?.id,
        user_id: user?.id,
        provider: 'email',
        email: 'ada@example.test',
        identity_data: expect.objectContaining({ sub: user?.id, email: 'ada@example.test' }),
      }),
    ]);
    const [row] = await stack.db.sql`
      select encrypted_password, instance_id from auth.users where id = ${user?.id ?? ''}`;
    expect(row?.encrypted_password).toMatch(/^\$2[aby]\$10\$/);
    expect(row?.instance_id).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('fires the project trigger on auth.users: the profile exists and only its owner reads it', async () => {
    const a = await signUpUser(stack, undefined, { data: { display_name: 'Grace' } });
    const b = await signUpUser(stack);
    const own = await a.client.from('profiles').select('id, display_name');
    expect(own.error).toBeNull();
    expect(own.data).toEqual([{ id: a.user.id, display_name: 'Grace' }]);
    const other = await a.client.from('profiles').select('id').eq('id', b.user.id);
    expect(other.data).toEqual([]);
    const anon = await stack.anonClient().from('profiles').select('id');
    expect(anon.error?.code).toBe('42501');
  });

  it('issues an access token with the claims Supabase issues, HS256 with the project secret', async () => {
    const { session, user } = await signUpUser(stack);
    expect(decodeProtectedHeader(session.access_token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(session.access_token);
    expect(claims).toMatchObject({
      iss: `${stack.apiUrl}/auth/v1`,
      sub: user.id,
      aud: 'authenticated',
      email: user.email,
      phone: '',
      role: 'authenticated',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: expect.objectContaining({ email: user.email }),
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: expect.any(Number) }],
      is_anonymous: false,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    const [s] = await stack.db.sql`select id, aal::text from auth.sessions where user_id = ${user.id}`;
    expect(claims.session_id).toBe(s?.id);
    expect(s?.aal).toBe('aal1');
  });
});

describe('sign-in', () => {
  it('signs in with the password and opens a second session', async () => {
    const a = await signUpUser(stack);
    const client = stack.anonClient();
    const { data, error } = await client.auth.signInWithPassword({ email: a.email, password: a.password });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(a.user.id);
    expect(decodeJwt(data.session?.access_token ?? '').session_id).not.toBe(
      decodeJwt(a.accessToken).session_id,
    );
    expect(await countRows('sessions', a.user.id)).toBe(2);
    expect(await countRows('refresh_tokens', a.user.id)).toBe(2);
  });

  it('matches the address case-insensitively', async () => {
    const a = await signUpUser(stack, 'mixed.case@example.test');
    const { data, error } = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'MIXED.Case@example.test', password: a.password });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(a.user.id);
  });

  it('getUser returns the user the token belongs to, read from the server', async () => {
    const a = await signUpUser(stack);
    const { data, error } = await a.client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: a.user.id, email: a.email, aud: 'authenticated' });
    const byToken = await stack.anonClient().auth.getUser(a.accessToken);
    expect(byToken.data.user?.id).toBe(a.user.id);
  });

  it('updateUser merges metadata (null removes a key) and changes the password', async () => {
    const a = await signUpUser(stack, undefined, { data: { theme: 'dark', plan: 'free' } });
    const upd = await a.client.auth.updateUser({ data: { plan: 'pro', theme: null } });
    expect(upd.error).toBeNull();
    expect(upd.data.user?.user_metadata).toMatchObject({ plan: 'pro' });
    expect(upd.data.user?.user_metadata).not.toHaveProperty('theme');
    const pw = await a.client.auth.updateUser({ password: 'a new long password' });
    expect(pw.error).toBeNull();
    const old = await stack.anonClient().auth.signInWithPassword({ email: a.email, password: a.password });
    expect(old.error?.code).toBe('invalid_credentials');
    const fresh = await stack
      .anonClient()
      .auth.signInWithPassword({ email: a.email, password: 'a new long password' });
    expect(fresh.error).toBeNull();
  });

  it('refuses the same password again with same_password', async () => {
    const a = await signUpUser(stack);
    const { error } = await a.client.auth.updateUser({ password: a.password });
    expect(error).toMatchObject({ status: 422, code: 'same_password' });
  });
});

describe('audit log', () => {
  it('records sign-up, sign-in, refresh and sign-out in auth.audit_log_entries with the caller’s address', async () => {
    const a = await signUpUser(stack);
    await a.client.auth.refreshSession();
    await a.client.auth.signOut();
    const rows = await stack.db.sql`
      select payload->>'action' as action, payload->>'log_type' as log_type, ip_address
      from auth.audit_log_entries where payload->>'actor_id' = ${a.user.id} order by created_at, id`;
    expect(rows.map((r) => r.action).sort()).toEqual(
      ['login', 'logout', 'token_refreshed', 'token_revoked', 'user_signedup'].sort(),
    );
    expect(rows.find((r) => r.action === 'user_signedup')?.log_type).toBe('team');
    expect(rows.every((r) => r.ip_address === '127.0.0.1')).toBe(true);
  });
});

describe('settings and health', () => {
  it('GET /settings reports the config.toml defaults; /health names GoTrue; both need the apikey', async () => {
    const settings = await fetch(`${stack.apiUrl}/auth/v1/settings`, { headers: { apikey: stack.anonKey } });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({
      external: { email: true, phone: false, anonymous_users: false, github: false },
      disable_signup: false,
      mailer_autoconfirm: true,
    });
    const health = await fetch(`${stack.apiUrl}/auth/v1/health`, { headers: { apikey: stack.anonKey } });
    expect(await health.json()).toMatchObject({ name: 'GoTrue' });
    const noKey = await fetch(`${stack.apiUrl}/auth/v1/health`);
    expect(noKey.status).toBe(401);
  });
});
