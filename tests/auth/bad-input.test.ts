// Bad input gets GoTrue's status and error code, and changes nothing: no user, no session, no refresh token.
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { type SignedUpUser, signUpUser, TEST_PASSWORD } from '../helpers/users.ts';

let stack: TestStack;
let alice: SignedUpUser;
beforeAll(async () => {
  // Reuse interval 0: any presented revoked token counts as reuse, so detection can be shown without waiting.
  stack = await startTestStack({
    auth: { rateLimits: { signInSignUps: 1000 }, refreshTokenReuseInterval: 0 },
  });
  alice = await signUpUser(stack);
});
afterAll(() => stack?.stop());

async function authRows() {
  const [r] = await stack.db.sql`
    select (select count(*) from auth.users)::int as users, (select count(*) from auth.sessions)::int as sessions,
           (select count(*) from auth.refresh_tokens)::int as tokens,
           (select count(*) from auth.refresh_tokens where not revoked)::int as live_tokens`;
  return r as { users: number; sessions: number; tokens: number; live_tokens: number };
}

/** Runs `fn` and checks it left auth.users/sessions/refresh_tokens exactly as they were. */
async function changesNothing<T>(fn: () => Promise<T>): Promise<T> {
  const before = await authRows();
  const out = await fn();
  expect(await authRows()).toEqual(before);
  return out;
}

const raw = (path: string, init: RequestInit & { token?: string; version?: boolean } = {}) =>
  fetch(`${stack.apiUrl}/auth/v1${path}`, {
    ...init,
    headers: {
      apikey: stack.anonKey,
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.version === false ? {} : { 'x-supabase-api-version': '2024-01-01' }),
    },
  });

describe('sign-in', () => {
  it('a wrong password is 400 invalid_credentials and opens no session', async () => {
    const { data, error } = await changesNothing(() =>
      stack.anonClient().auth.signInWithPassword({ email: alice.email, password: 'not the password' }),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_credentials',
      message: 'Invalid login credentials',
    });
    expect(data.session).toBeNull();
  });

  it('an unknown email answers exactly like a wrong password', async () => {
    const unknown = await changesNothing(() =>
      raw('/token?grant_type=password', {
        method: 'POST',
        body: JSON.stringify({ email: 'nobody@example.test', password: TEST_PASSWORD }),
      }),
    );
    const wrong = await raw('/token?grant_type=password', {
      method: 'POST',
      body: JSON.stringify({ email: alice.email, password: 'nope-nope' }),
    });
    expect(unknown.status).toBe(400);
    const body = await unknown.json();
    expect(body).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
    expect(await wrong.json()).toEqual(body);
    expect(unknown.headers.get('x-supabase-api-version')).toBe('2024-01-01');
  });

  it('without the API version header errors take GoTrue’s original shape', async () => {
    const res = await raw('/token?grant_type=password', {
      method: 'POST',
      version: false,
      body: JSON.stringify({ email: alice.email, password: 'nope-nope' }),
    });
    expect(res.headers.get('x-supabase-api-version')).toBeNull();
    expect(await res.json()).toEqual({
      code: 400,
      error_code: 'invalid_credentials',
      msg: 'Invalid login credentials',
    });
  });

  it('an unsupported grant type and a body that is not JSON are 400s', async () => {
    const grant = await changesNothing(() => raw('/token?grant_type=magic', { method: 'POST', body: '{}' }));
    expect(grant.status).toBe(400);
    const bad = await changesNothing(() =>
      raw('/token?grant_type=password', { method: 'POST', body: '{nope' }),
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('bad_json');
  });
});

describe('sign-up', () => {
  it('a taken address is 422 user_already_exists and creates nothing', async () => {
    const { data, error } = await changesNothing(() =>
      stack.anonClient().auth.signUp({ email: alice.email.toUpperCase(), password: 'another-password' }),
    );
    expect(error).toMatchObject({
      status: 422,
      code: 'user_already_exists',
      message: 'User already registered',
    });
    expect(data.user).toBeNull();
  });

  it('a password shorter than minimum_password_length is 422 weak_password with its reason', async () => {
    const { error } = await changesNothing(() =>
      stack.anonClient().auth.signUp({ email: 'short@example.test', password: '12345' }),
    );
    expect(error).toMatchObject({
      status: 422,
      code: 'weak_password',
      message: 'Password should be at least 6 characters.',
      reasons: ['length'],
    });
    expect(error?.name).toBe('AuthWeakPasswordError');
  });

  it('a malformed email is 400 validation_failed', async () => {
    for (const email of ['not-an-email', 'a@b@c.test', 'spaces in@example.test', 'x@-bad.test']) {
      const { error } = await changesNothing(() =>
        stack.anonClient().auth.signUp({ email, password: TEST_PASSWORD }),
      );
      expect(error, email).toMatchObject({
        status: 400,
        code: 'validation_failed',
        message: 'Unable to validate email address: invalid format',
      });
    }
  });

  it('a missing password is 400 validation_failed', async () => {
    const res = await changesNothing(() =>
      raw('/signup', { method: 'POST', body: JSON.stringify({ email: 'nopass@example.test' }) }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 'validation_failed',
      message: 'Signup requires a valid password',
    });
  });

  it('anonymous sign-in is 422 anonymous_provider_disabled while config.toml leaves it off', async () => {
    const { error } = await changesNothing(() => stack.anonClient().auth.signInAnonymously());
    expect(error).toMatchObject({ status: 422, code: 'anonymous_provider_disabled' });
  });
});

describe('refresh tokens', () => {
  it('an unknown refresh token is 400 refresh_token_not_found', async () => {
    const { error } = await changesNothing(() =>
      stack.anonClient().auth.refreshSession({ refresh_token: 'doesnotexist' }),
    );
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('a replayed refresh token is 400 refresh_token_already_used and revokes the whole session family', async () => {
    const u = await signUpUser(stack);
    const r0 = u.session.refresh_token;
    const r1 = (await stack.anonClient().auth.refreshSession({ refresh_token: r0 })).data.session
      ?.refresh_token;
    const r2 = (await stack.anonClient().auth.refreshSession({ refresh_token: r1 ?? '' })).data.session
      ?.refresh_token;
    expect(r2).toBeTruthy();
    // r0 is neither active nor the parent of the active token: someone is replaying it.
    const replay = await stack.anonClient().auth.refreshSession({ refresh_token: r0 });
    expect(replay.error).toMatchObject({
      status: 400,
      code: 'refresh_token_already_used',
      message: 'Invalid Refresh Token: Already Used',
    });
    const tokens = await stack.db.sql`
      select token, revoked from auth.refresh_tokens where user_id = ${u.user.id} order by id`;
    expect(tokens).toEqual([
      { token: r0, revoked: true },
      { token: r1, revoked: true },
      { token: r2, revoked: true },
    ]);
    // The legitimate holder's latest token is now refused too, and no new token appears.
    const latest = await changesNothing(() =>
      stack.anonClient().auth.refreshSession({ refresh_token: r2 ?? '' }),
    );
    expect(latest.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
  });

  it('a refresh token of a signed-out session is 400 refresh_token_not_found', async () => {
    const u = await signUpUser(stack);
    await u.client.auth.signOut({ scope: 'local' });
    const { error } = await changesNothing(() =>
      stack.anonClient().auth.refreshSession({ refresh_token: u.session.refresh_token }),
    );
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });
});

describe('access tokens', () => {
  const claimsOf = (token: string) => decodeJwt(token) as Record<string, unknown>;

  it('an expired access token is 403 bad_jwt at /user', async () => {
    const expired = await signJwt(
      { ...claimsOf(alice.accessToken), exp: Math.floor(Date.now() / 1000) - 10 },
      stack.jwtSecret,
    );
    const res = await changesNothing(() => raw('/user', { token: expired }));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      code: 'bad_jwt',
      message: 'invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired',
    });
    const viaJs = await stack.anonClient().auth.getUser(expired);
    expect(viaJs.error).toMatchObject({ status: 403, code: 'bad_jwt' });
  });

  it('a token signed with another secret is 403 bad_jwt', async () => {
    const forged = await signJwt(
      claimsOf(alice.accessToken),
      'another-secret-that-is-at-least-32-characters',
    );
    const { data, error } = await stack.anonClient().auth.getUser(forged);
    expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
    expect(data.user).toBeNull();
  });

  it('alg none is 403 bad_jwt, for /user and for logout', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(alice.accessToken))}.`;
    const user = await raw('/user', { token: unsigned });
    expect(user.status).toBe(403);
    expect((await user.json()).code).toBe('bad_jwt');
    const out = await changesNothing(() => raw('/logout?scope=global', { method: 'POST', token: unsigned }));
    expect(out.status).toBe(403);
  });

  it('an HS512 token with the right secret is refused too (only HS256 verifies)', async () => {
    const hs512 = await new SignJWT(claimsOf(alice.accessToken))
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .sign(new TextEncoder().encode(stack.jwtSecret));
    expect((await raw('/user', { token: hs512 })).status).toBe(403);
  });

  it('no bearer token is 401 no_authorization; the anon key (no sub) is 403 bad_jwt', async () => {
    const none = await raw('/user');
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe('no_authorization');
    const anon = await raw('/user', { token: stack.anonKey });
    expect(anon.status).toBe(403);
    expect(await anon.json()).toEqual({ code: 'bad_jwt', message: 'invalid claim: missing sub claim' });
  });

  it('updateUser refuses a weak password and a taken email without changing the user', async () => {
    const other = await signUpUser(stack);
    const weak = await alice.client.auth.updateUser({ password: '123' });
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password' });
    const taken = await alice.client.auth.updateUser({ email: other.email });
    expect(taken.error).toMatchObject({ status: 422, code: 'email_exists' });
    const [row] = await stack.db.sql`select email from auth.users where id = ${alice.user.id}`;
    expect(row?.email).toBe(alice.email);
    const signIn = await stack
      .anonClient()
      .auth.signInWithPassword({ email: alice.email, password: alice.password });
    expect(signIn.error).toBeNull();
  });
});
