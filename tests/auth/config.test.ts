// Settings from config.toml's [auth] (here overridden per stack): per-IP rate limits, anonymous sign-ins,
// email confirmations, password rules, sign-ups switched off.
import http from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthOverrides } from '../../stack/auth/config.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser, TEST_PASSWORD } from '../helpers/users.ts';

function withStack(auth: AuthOverrides) {
  const ref: { stack: TestStack } = {} as never;
  beforeAll(async () => {
    ref.stack = await startTestStack({ auth });
  });
  afterAll(() => ref.stack?.stop());
  return ref;
}

const userCount = async (stack: TestStack) =>
  ((await stack.db.sql`select count(*)::int as n from auth.users`)[0]?.n as number) ?? -1;

/**
 * POSTs to Auth from a chosen loopback source address (the whole 127/8 is local on Linux), so that a test
 * can be a caller at another address; `headers` adds to or replaces the anon key's.
 */
const post = (
  stack: TestStack,
  path: string,
  body: unknown,
  from = '127.0.0.1',
  headers: Record<string, string> = {},
): Promise<{ status: number; json: () => Promise<Record<string, unknown>> }> =>
  new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${stack.apiUrl}/auth/v1${path}`,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          apikey: stack.anonKey,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-supabase-api-version': '2024-01-01',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });

describe('rate limits (sign_in_sign_ups = 3, token_refresh = 2 per IP)', () => {
  const ref = withStack({ rateLimits: { signInSignUps: 3, tokenRefresh: 2 } });

  it('counts sign-ups and sign-ins together per IP; the 4th is 429 over_request_rate_limit and creates nothing', async () => {
    const { stack } = ref;
    const a = await signUpUser(stack);
    await signUpUser(stack);
    const signIn = await stack.anonClient().auth.signInWithPassword({ email: a.email, password: a.password });
    expect(signIn.error).toBeNull();
    const before = await userCount(stack);
    const { error } = await stack
      .anonClient()
      .auth.signUp({ email: 'fourth@example.test', password: TEST_PASSWORD });
    expect(error).toMatchObject({
      status: 429,
      code: 'over_request_rate_limit',
      message: 'Request rate limit reached',
    });
    const refusedSignIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: a.email, password: a.password });
    expect(refusedSignIn.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    expect(await userCount(stack)).toBe(before);
    // Another address has its own allowance.
    const elsewhere = await post(
      stack,
      '/signup',
      { email: 'fourth@example.test', password: TEST_PASSWORD },
      '127.0.0.7',
    );
    expect(elsewhere.status).toBe(200);
  });

  it('gives no fresh allowance for an X-Forwarded-For the caller writes itself', async () => {
    const { stack } = ref;
    const from = '127.0.0.8';
    for (let i = 0; i < 3; i++) {
      const res = await post(
        stack,
        '/signup',
        { email: `xff${i}@example.test`, password: TEST_PASSWORD },
        from,
        {
          'x-forwarded-for': `203.0.113.${i}`,
        },
      );
      expect(res.status).toBe(200);
    }
    const before = await userCount(stack);
    const spoofed = await post(
      stack,
      '/signup',
      { email: 'xff3@example.test', password: TEST_PASSWORD },
      from,
      {
        'x-forwarded-for': '203.0.113.99',
      },
    );
    expect(spoofed.status).toBe(429);
    expect(await userCount(stack)).toBe(before);
  });

  it("counts a server's sign-ins against the end user's address it forwards with the service-role key (Sb-Forwarded-For), and ignores the header otherwise", async () => {
    const { stack } = ref;
    const server = '127.0.0.9';
    const signUpVia = (email: string, headers: Record<string, string>) =>
      post(stack, '/signup', { email, password: TEST_PASSWORD }, server, headers);
    const asServer = (user: string) => ({ apikey: stack.serviceRoleKey, 'sb-forwarded-for': user });
    // Four sign-ups from one server for two users: each user's address has its own allowance of three.
    for (const [i, user] of ['198.51.100.20', '198.51.100.21', '198.51.100.20', '198.51.100.21'].entries())
      expect((await signUpVia(`fwd${i}@example.test`, asServer(user))).status).toBe(200);
    const [session] = await stack.db.sql`
      select host(s.ip) as ip from auth.sessions s join auth.users u on u.id = s.user_id
      where u.email = 'fwd1@example.test'`;
    expect(session?.ip).toBe('198.51.100.21');
    const [audit] = await stack.db.sql`
      select ip_address from auth.audit_log_entries
      where payload->>'action' = 'user_signedup' and payload->>'actor_username' = 'fwd1@example.test'`;
    expect(audit?.ip_address).toBe('198.51.100.21');
    // The same header with the anon key is the caller's say-so: counted against the server's own address.
    for (let i = 0; i < 3; i++)
      expect(
        (await signUpVia(`anonfwd${i}@example.test`, { 'sb-forwarded-for': `198.51.100.${30 + i}` })).status,
      ).toBe(200);
    expect((await signUpVia('anonfwd3@example.test', { 'sb-forwarded-for': '198.51.100.40' })).status).toBe(
      429,
    );
    // Not an IP address: ignored, so the server's own (spent) allowance applies even with the service key.
    expect((await signUpVia('garbage@example.test', asServer('not-an-address'))).status).toBe(429);
  });

  it('limits refreshes per IP separately', async () => {
    const { stack } = ref;
    const signUp = await post(
      stack,
      '/signup',
      { email: 'refresher@example.test', password: TEST_PASSWORD },
      '127.0.0.11',
    );
    expect(signUp.status).toBe(200);
    let token = (await signUp.json()).refresh_token as string;
    for (let i = 0; i < 2; i++) {
      const res = await post(
        stack,
        '/token?grant_type=refresh_token',
        { refresh_token: token },
        '127.0.0.12',
      );
      expect(res.status).toBe(200);
      token = (await res.json()).refresh_token as string;
    }
    const third = await post(
      stack,
      '/token?grant_type=refresh_token',
      { refresh_token: token },
      '127.0.0.12',
    );
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({
      code: 'over_request_rate_limit',
      message: 'Request rate limit reached',
    });
  });
});

describe('anonymous sign-ins (enabled, anonymous_users = 2 per hour)', () => {
  const ref = withStack({ enableAnonymousSignIns: true, rateLimits: { anonymousUsers: 2 } });

  it('creates an anonymous user with a session whose token says is_anonymous', async () => {
    const { stack } = ref;
    const client = stack.anonClient();
    const { data, error } = await client.auth.signInAnonymously({ options: { data: { referrer: 'ad' } } });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({
      email: '',
      is_anonymous: true,
      app_metadata: { provider: 'anonymous', providers: ['anonymous'] },
      user_metadata: { referrer: 'ad' },
      identities: [],
    });
    expect(decodeJwt(data.session?.access_token ?? '')).toMatchObject({
      role: 'authenticated',
      is_anonymous: true,
      amr: [{ method: 'anonymous', timestamp: expect.any(Number) }],
    });
    const [row] = await stack.db
      .sql`select is_anonymous, email from auth.users where id = ${data.user?.id ?? ''}`;
    expect(row).toEqual({ is_anonymous: true, email: null });
    // The anonymous user reads their own profile through REST like anyone signed in.
    const profile = await client.from('profiles').select('id');
    expect(profile.data).toEqual([{ id: data.user?.id }]);

    // Adding an email (confirmed at once locally) makes the user permanent; then a password can be set.
    const upgraded = await client.auth.updateUser({ email: 'was-anon@example.test' });
    expect(upgraded.error).toBeNull();
    expect(upgraded.data.user).toMatchObject({ email: 'was-anon@example.test', is_anonymous: false });
    const pw = await client.auth.updateUser({ password: TEST_PASSWORD });
    expect(pw.error).toBeNull();
    const signIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'was-anon@example.test', password: TEST_PASSWORD });
    expect(signIn.data.user?.id).toBe(data.user?.id);
  });

  it('limits anonymous sign-ins per IP: the third within the hour is 429', async () => {
    const { stack } = ref;
    const second = await stack.anonClient().auth.signInAnonymously();
    expect(second.error).toBeNull();
    const before = await userCount(stack);
    const third = await stack.anonClient().auth.signInAnonymously();
    expect(third.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    expect(await userCount(stack)).toBe(before);
  });
});

describe('email confirmations on', () => {
  const ref = withStack({ emailConfirmations: true });

  it('sign-up answers with the user and no session; sign-in says email_not_confirmed', async () => {
    const { stack } = ref;
    const { data, error } = await stack
      .anonClient()
      .auth.signUp({ email: 'confirm-me@example.test', password: TEST_PASSWORD });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user).toMatchObject({ email: 'confirm-me@example.test' });
    expect(data.user?.confirmation_sent_at).toBeTruthy();
    expect(data.user?.email_confirmed_at).toBeUndefined();
    const [{ n } = { n: -1 }] = await stack.db.sql`select count(*)::int as n from auth.sessions`;
    expect(n).toBe(0);
    const signIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: 'confirm-me@example.test', password: TEST_PASSWORD });
    expect(signIn.error).toMatchObject({ status: 400, code: 'email_not_confirmed' });
    const settings = await fetch(`${stack.apiUrl}/auth/v1/settings`, { headers: { apikey: stack.anonKey } });
    expect((await settings.json()).mailer_autoconfirm).toBe(false);
  });

  it('signing up a confirmed address again reveals nothing and creates nothing', async () => {
    const { stack } = ref;
    const { data: created } = await stack.serviceClient().auth.admin.createUser({
      email: 'taken@example.test',
      password: TEST_PASSWORD,
      email_confirm: true,
    });
    const before = await userCount(stack);
    const { data, error } = await stack
      .anonClient()
      .auth.signUp({ email: 'taken@example.test', password: 'other-password' });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user?.id).not.toBe(created.user?.id);
    expect(data.user?.identities).toEqual([]);
    expect(await userCount(stack)).toBe(before);
  });
});

describe('password rules and sign-ups off', () => {
  const ref = withStack({
    minimumPasswordLength: 10,
    passwordRequirements: 'lower_upper_letters_digits',
  });
  const off = withStack({ enableSignup: false });

  it('applies minimum_password_length and password_requirements with GoTrue’s reasons', async () => {
    const { stack } = ref;
    const { error } = await stack
      .anonClient()
      .auth.signUp({ email: 'rules@example.test', password: 'short' });
    expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length', 'characters'] });
    expect(error?.message).toBe(
      'Password should be at least 10 characters. Password should contain at least one character of each: ' +
        'abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.',
    );
    const ok = await stack
      .anonClient()
      .auth.signUp({ email: 'rules@example.test', password: 'Long-enough-1' });
    expect(ok.error).toBeNull();
  });

  it('enable_signup = false refuses sign-ups with 422 signup_disabled', async () => {
    const { error } = await off.stack
      .anonClient()
      .auth.signUp({ email: 'closed@example.test', password: TEST_PASSWORD });
    expect(error).toMatchObject({ status: 422, code: 'signup_disabled' });
    const [row] = await off.stack.db
      .sql`select count(*)::int as n from auth.users where email = 'closed@example.test'`;
    expect(row?.n).toBe(0);
  });
});
