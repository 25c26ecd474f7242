// A table of private notes published to Realtime, with RLS: owners see their notes, anyone (anon included)
// sees notes marked public. Replica identity full so DELETEs carry the whole old row for the RLS check.
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { createClient } from '@supabase/supabase-js';
import type postgres from 'postgres';
import WebSocket from 'ws';
import { signJwt } from '../../stack/jwt.ts';
import type { TestStack } from '../helpers/stack.ts';

export async function createNotesTable(stack: { db: { sql: postgres.Sql } }): Promise<void> {
  await stack.db.sql.unsafe(`
    create table public.rt_notes (
      id bigint generated always as identity primary key,
      owner uuid not null,
      body text not null,
      is_public boolean not null default false,
      amount numeric(20, 8) not null default 0
    );
    alter table public.rt_notes replica identity full;
    alter table public.rt_notes enable row level security;
    create policy rt_notes_owner_select on public.rt_notes for select to authenticated
      using ((select auth.uid()) = owner);
    create policy rt_notes_public_select on public.rt_notes for select to anon, authenticated
      using (is_public);
    alter publication supabase_realtime add table public.rt_notes;
  `);
}

export interface TestUser {
  id: string;
  token: string;
  client: SupabaseClient;
  /** What supabase-js does when Auth refreshes the session: the new token goes to every joined channel. */
  refresh(next: string): Promise<void>;
}

type ClientStack = Pick<TestStack, 'apiUrl' | 'anonKey' | 'jwtSecret'>;

export async function userClient(stack: ClientStack, expiresIn = 3600): Promise<TestUser> {
  const id = randomUUID();
  const token = await signJwt(
    { sub: id, role: 'authenticated', aud: 'authenticated', email: `${id}@example.test` },
    stack.jwtSecret,
    expiresIn,
  );
  // As an app signed in through Auth would: realtime-js asks for the current token on every (re)join.
  let current = token;
  const client = realtimeClient(stack, { accessToken: async () => current });
  return {
    id,
    token,
    client,
    async refresh(next) {
      current = next;
      await client.realtime.setAuth();
    },
  };
}

/** supabase-js as an app uses it; Node 20 has no global WebSocket, so realtime-js gets `ws` as transport. */
export function realtimeClient(
  stack: ClientStack,
  opts: { vsn?: '1.0.0' | '2.0.0'; accessToken?: () => Promise<string> } = {},
): SupabaseClient {
  return createClient(stack.apiUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
    realtime: { transport: WebSocket as never, ...(opts.vsn ? { vsn: opts.vsn } : {}) },
  });
}

/** Subscribes and resolves once the server confirmed the join (or rejects with its error). */
export function subscribed(channel: RealtimeChannel): Promise<RealtimeChannel> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve(channel);
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
}

export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
