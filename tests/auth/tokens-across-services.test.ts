// A session from /auth/v1 is the caller's identity everywhere: REST and Realtime enforce RLS on its `sub`, and
// @supabase/ssr carries it between requests in (chunked) cookies exactly as against Supabase.
import { createServerClient } from '@supabase/ssr';
import type { RealtimePostgresInsertPayload } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../database.types.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser } from '../helpers/users.ts';
import { createNotesTable, eventually, sleep, subscribed } from '../realtime/fixture.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ auth: { rateLimits: { signInSignUps: 1000 } } });
  await createNotesTable(stack);
});
afterAll(() => stack?.stop());

describe('REST with an Auth session', () => {
  it('RLS sees the token’s sub: each user reads and renames only their own profile', async () => {
    const a = await signUpUser(stack, undefined, { data: { display_name: 'Alice' } });
    const b = await signUpUser(stack, undefined, { data: { display_name: 'Bob' } });
    const mine = await a.client.from('profiles').select('id, display_name');
    expect(mine.data).toEqual([{ id: a.user.id, display_name: 'Alice' }]);
    const rename = await a.client
      .from('profiles')
      .update({ display_name: 'Mallory' })
      .eq('id', b.user.id)
      .select();
    expect(rename.data).toEqual([]);
    const [bRow] = await stack.db.sql`select display_name from public.profiles where id = ${b.user.id}`;
    expect(bRow?.display_name).toBe('Bob');
    const own = await a.client
      .from('profiles')
      .update({ display_name: 'Alice L.' })
      .eq('id', a.user.id)
      .select('display_name');
    expect(own.data).toEqual([{ display_name: 'Alice L.' }]);
  });

  it('after sign-out the client is anonymous again and reads nothing', async () => {
    const a = await signUpUser(stack);
    await a.client.auth.signOut();
    const res = await a.client.from('profiles').select('id');
    expect(res.error?.code).toBe('42501');
  });
});

describe('Realtime with an Auth session', () => {
  it('delivers postgres_changes only for rows the signed-in user may see', async () => {
    const a = await signUpUser(stack);
    const b = await signUpUser(stack);
    const got: RealtimePostgresInsertPayload<{ owner: string; body: string }>[] = [];
    const channel = a.client
      .channel('notes-a')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'rt_notes' }, (p) =>
        got.push(p as never),
      );
    await subscribed(channel);
    try {
      await stack.db.sql`insert into public.rt_notes (owner, body) values (${b.user.id}, 'for b')`;
      await stack.db.sql`insert into public.rt_notes (owner, body) values (${a.user.id}, 'for a')`;
      await eventually(() => got.length >= 1);
      await sleep(300);
      expect(got.map((p) => p.new.body)).toEqual(['for a']);
    } finally {
      await a.client.removeChannel(channel);
    }
  });
});

describe('@supabase/ssr createServerClient', () => {
  type Jar = Map<string, string>;
  const serverClient = (jar: Jar, log: string[][] = []) =>
    createServerClient<Database>(stack.apiUrl, stack.anonKey, {
      cookies: {
        getAll: () => [...jar].map(([name, value]) => ({ name, value })),
        setAll: (cookies) => {
          log.push(cookies.map((c) => c.name));
          for (const { name, value, options } of cookies) {
            if (value === '' || options?.maxAge === 0) jar.delete(name);
            else jar.set(name, value);
          }
        },
      },
      realtime: { transport: WebSocket as never },
    });

  it('round-trips a session through chunked cookies: sign in on one request, getUser on the next', async () => {
    // ~8 kB of metadata makes the session cookie larger than one chunk (3,180 characters).
    const a = await signUpUser(stack, undefined, { data: { bio: 'x'.repeat(8000) } });
    const jar: Jar = new Map();
    const first = serverClient(jar);
    const signIn = await first.auth.signInWithPassword({ email: a.email, password: a.password });
    expect(signIn.error).toBeNull();
    const names = [...jar.keys()].sort();
    expect(names.length).toBeGreaterThan(2);
    expect(names.every((n) => /^sb-127-auth-token\.\d+$/.test(n))).toBe(true);

    const next = serverClient(new Map(jar));
    const { data, error } = await next.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: a.user.id, email: a.email });
    expect(data.user?.user_metadata.bio).toHaveLength(8000);
    const session = (await next.auth.getSession()).data.session;
    expect(session?.access_token).toBe(signIn.data.session?.access_token);
    const profile = await next.from('profiles').select('id');
    expect(profile.data).toEqual([{ id: a.user.id }]);
  });

  it('a refresh on the server writes the rotated tokens back to the cookies', async () => {
    const a = await signUpUser(stack);
    const jar: Jar = new Map();
    await serverClient(jar).auth.signInWithPassword({ email: a.email, password: a.password });
    const before = (await serverClient(new Map(jar)).auth.getSession()).data.session?.refresh_token;
    const log: string[][] = [];
    const refreshed = await serverClient(jar, log).auth.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(log.length).toBeGreaterThan(0);
    const after = (await serverClient(new Map(jar)).auth.getSession()).data.session?.refresh_token;
    expect(after).toBe(refreshed.data.session?.refresh_token);
    expect(after).not.toBe(before);
    const [row] = await stack.db.sql`select revoked from auth.refresh_tokens where token = ${before ?? ''}`;
    expect(row?.revoked).toBe(true);
  });

  it('signOut clears the cookies and ends the session server-side', async () => {
    const a = await signUpUser(stack);
    const jar: Jar = new Map();
    await serverClient(jar).auth.signInWithPassword({ email: a.email, password: a.password });
    expect(jar.size).toBeGreaterThan(0);
    const { error } = await serverClient(jar).auth.signOut();
    expect(error).toBeNull();
    expect(jar.size).toBe(0);
    const [{ n } = { n: -1 }] = await stack.db.sql`
      select count(*)::int as n from auth.sessions where user_id = ${a.user.id}`;
    expect(n).toBe(0);
    const after = await serverClient(jar).auth.getUser();
    expect(after.data.user).toBeNull();
  });
});
