// Sessions through supabase-js: refresh with rotation, auth state events, and the three sign-out scopes;
// each checked against auth.sessions / auth.refresh_tokens.
import type { AuthChangeEvent } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser } from '../helpers/users.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ auth: { rateLimits: { signInSignUps: 1000 } } });
});
afterAll(() => stack?.stop());

const sessionIds = async (userId: string) =>
  (await stack.db.sql`select id from auth.sessions where user_id = ${userId} order by created_at`).map(
    (r) => r.id as string,
  );

async function signIn(email: string, password: string) {
  const client = stack.anonClient();
  const { data, error } = await client.auth.signInWithPassword({ email, password });
  if (error || !data.session) throw error ?? new Error('no session');
  return { client, session: data.session };
}

describe('refreshSession', () => {
  it('rotates the refresh token: the old one is revoked and is the new one’s parent, same session', async () => {
    const a = await signUpUser(stack);
    const { data, error } = await a.client.auth.refreshSession();
    expect(error).toBeNull();
    const next = data.session;
    expect(next?.refresh_token).not.toBe(a.session.refresh_token);
    expect(next?.user.id).toBe(a.user.id);
    expect(decodeJwt(next?.access_token ?? '').session_id).toBe(decodeJwt(a.accessToken).session_id);
    const rows = await stack.db.sql`
      select token, revoked, parent from auth.refresh_tokens where user_id = ${a.user.id} order by id`;
    expect(rows).toEqual([
      { token: a.session.refresh_token, revoked: true, parent: null },
      { token: next?.refresh_token, revoked: false, parent: a.session.refresh_token },
    ]);
    const [s] = await stack.db.sql`select refreshed_at from auth.sessions where user_id = ${a.user.id}`;
    expect(s?.refreshed_at).not.toBeNull();
  });

  it('the new access token works and carries the same claims with a later expiry', async () => {
    const a = await signUpUser(stack);
    await new Promise((r) => setTimeout(r, 1100));
    const { data } = await a.client.auth.refreshSession();
    const before = decodeJwt(a.accessToken);
    const after = decodeJwt(data.session?.access_token ?? '');
    expect(after.exp).toBeGreaterThan(before.exp ?? 0);
    expect(after).toMatchObject({ sub: a.user.id, role: 'authenticated', amr: before.amr });
    const me = await stack.anonClient().auth.getUser(data.session?.access_token);
    expect(me.data.user?.id).toBe(a.user.id);
  });

  it('answers a repeated refresh of the just-rotated token with the active token (a client that lost the answer)', async () => {
    const a = await signUpUser(stack);
    const first = await stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token });
    const again = await stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token });
    expect(again.error).toBeNull();
    expect(again.data.session?.refresh_token).toBe(first.data.session?.refresh_token);
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.refresh_tokens where user_id = ${a.user.id}`;
    expect(n).toBe(2);
  });
});

describe('refresh token reuse', () => {
  it('two tabs refreshing the same token at once both get the same new token', async () => {
    const a = await signUpUser(stack);
    const [x, y] = await Promise.all([
      stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token }),
      stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token }),
    ]);
    expect(x.error).toBeNull();
    expect(y.error).toBeNull();
    expect(x.data.session?.refresh_token).toBe(y.data.session?.refresh_token);
  });

  it('within refresh_token_reuse_interval (10 s in config.toml) an older revoked token is still honoured', async () => {
    const a = await signUpUser(stack);
    const r0 = a.session.refresh_token;
    const r1 = (await stack.anonClient().auth.refreshSession({ refresh_token: r0 })).data.session
      ?.refresh_token;
    await stack.anonClient().auth.refreshSession({ refresh_token: r1 ?? '' });
    const late = await stack.anonClient().auth.refreshSession({ refresh_token: r0 });
    expect(late.error).toBeNull();
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.refresh_tokens where user_id = ${a.user.id} and revoked`;
    expect(n).toBe(2);
  });
});

describe('onAuthStateChange', () => {
  it('reports SIGNED_IN, TOKEN_REFRESHED, USER_UPDATED and SIGNED_OUT with the matching sessions', async () => {
    const a = await signUpUser(stack);
    const client = stack.anonClient();
    const events: [AuthChangeEvent, string | undefined][] = [];
    const { data: sub } = client.auth.onAuthStateChange((event, session) => {
      events.push([event, session?.refresh_token]);
    });
    const signedIn = await client.auth.signInWithPassword({ email: a.email, password: a.password });
    const refreshed = await client.auth.refreshSession();
    await client.auth.updateUser({ data: { seen: true } });
    await client.auth.signOut();
    await new Promise((r) => setTimeout(r, 50));
    sub.subscription.unsubscribe();
    expect(events.map((e) => e[0])).toEqual([
      'INITIAL_SESSION',
      'SIGNED_IN',
      'TOKEN_REFRESHED',
      'USER_UPDATED',
      'SIGNED_OUT',
    ]);
    expect(events[1]?.[1]).toBe(signedIn.data.session?.refresh_token);
    expect(events[2]?.[1]).toBe(refreshed.data.session?.refresh_token);
    expect(events[4]?.[1]).toBeUndefined();
  });
});

describe('signOut scopes', () => {
  it('local ends only this session; its refresh token is gone with it', async () => {
    const a = await signUpUser(stack);
    const other = await signIn(a.email, a.password);
    const { error } = await a.client.auth.signOut({ scope: 'local' });
    expect(error).toBeNull();
    expect(await sessionIds(a.user.id)).toEqual([decodeJwt(other.session.access_token).session_id]);
    const reuse = await stack.anonClient().auth.refreshSession({ refresh_token: a.session.refresh_token });
    expect(reuse.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
    const stillIn = await other.client.auth.getUser();
    expect(stillIn.data.user?.id).toBe(a.user.id);
    expect((await a.client.auth.getSession()).data.session).toBeNull();
  });

  it('others ends every other session and keeps this one', async () => {
    const a = await signUpUser(stack);
    const b = await signIn(a.email, a.password);
    await signIn(a.email, a.password);
    expect(await sessionIds(a.user.id)).toHaveLength(3);
    const { error } = await b.client.auth.signOut({ scope: 'others' });
    expect(error).toBeNull();
    expect(await sessionIds(a.user.id)).toEqual([decodeJwt(b.session.access_token).session_id]);
    expect((await b.client.auth.getUser()).data.user?.id).toBe(a.user.id);
  });

  it('global (the default) ends every session of the user; their access tokens stop working at /user', async () => {
    const a = await signUpUser(stack);
    const b = await signIn(a.email, a.password);
    const { error } = await a.client.auth.signOut();
    expect(error).toBeNull();
    expect(await sessionIds(a.user.id)).toEqual([]);
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.refresh_tokens where user_id = ${a.user.id}`;
    expect(n).toBe(0);
    const res = await fetch(`${stack.apiUrl}/auth/v1/user`, {
      headers: {
        apikey: stack.anonKey,
        authorization: `Bearer ${b.session.access_token}`,
        'x-supabase-api-version': '2024-01-01',
      },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      code: 'session_not_found',
      message: 'Session from session_id claim in JWT does not exist',
    });
    const viaJs = await b.client.auth.getUser();
    expect(viaJs.error?.name).toBe('AuthSessionMissingError');
  });
});
