import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { createNotesTable, eventually, realtimeClient, sleep, subscribed, userClient } from './fixture.ts';

type Note = { id: number; owner: string; body: string; is_public: boolean; amount: number };
type Change = RealtimePostgresChangesPayload<Note>;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await createNotesTable(stack);
});

afterAll(async () => {
  await stack?.stop();
});

const noteOf = (c: Change) => (c.eventType === 'DELETE' ? c.old : c.new) as Partial<Note>;

describe('postgres_changes under RLS', () => {
  it("delivers a user's own inserts, updates and deletes and never another user's", async () => {
    const a = await userClient(stack);
    const b = await userClient(stack);
    const seen: Change[] = [];
    await subscribed(
      a.client
        .channel('notes-a')
        .on<Note>('postgres_changes', { event: '*', schema: 'public', table: 'rt_notes' }, (p) =>
          seen.push(p),
        ),
    );
    const sql = stack.db.sql;
    const [mine] = await sql`insert into rt_notes (owner, body) values (${a.id}, 'a1') returning id`;
    await sql`insert into rt_notes (owner, body) values (${b.id}, 'b1')`;
    await sql`update rt_notes set body = 'a1 edited' where id = ${mine?.id}`;
    await sql`update rt_notes set body = 'b1 edited' where owner = ${b.id}`;
    await sql`delete from rt_notes where owner = ${b.id}`;
    await sql`delete from rt_notes where id = ${mine?.id}`;
    await eventually(() => seen.length >= 3);
    await sleep(300);
    expect(seen.map((c) => [c.eventType, noteOf(c).body])).toEqual([
      ['INSERT', 'a1'],
      ['UPDATE', 'a1 edited'],
      ['DELETE', 'a1 edited'],
    ]);
    expect(seen.every((c) => noteOf(c).owner === a.id)).toBe(true);
    expect(seen[0]).toMatchObject({ schema: 'public', table: 'rt_notes', errors: null });
    expect(Number.isNaN(Date.parse(seen[0]?.commit_timestamp ?? ''))).toBe(false);
    await a.client.removeAllChannels();
    await b.client.removeAllChannels();
  });

  it('shows anon only the rows anon may select', async () => {
    const anon = realtimeClient(stack);
    const owner = await userClient(stack);
    const seen: Change[] = [];
    await subscribed(
      anon
        .channel('notes-anon')
        .on<Note>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'rt_notes' }, (p) =>
          seen.push(p),
        ),
    );
    const sql = stack.db.sql;
    await sql`insert into rt_notes (owner, body) values (${owner.id}, 'private')`;
    await sql`insert into rt_notes (owner, body, is_public) values (${owner.id}, 'public', true)`;
    await eventually(() => seen.length >= 1);
    await sleep(300);
    expect(seen.map((c) => noteOf(c).body)).toEqual(['public']);
    await anon.removeAllChannels();
    await owner.client.removeAllChannels();
  });

  it('checks a table whose own columns include the name the RLS check numbers rows with', async () => {
    const sql = stack.db.sql;
    await sql.unsafe(`
      create table public.rt_numbered (id bigint generated always as identity primary key, owner uuid not null,
        realtime_row_index int not null);
      alter table public.rt_numbered enable row level security;
      create policy rt_numbered_owner on public.rt_numbered for select to authenticated
        using ((select auth.uid()) = owner and realtime_row_index >= 0);
      grant select on public.rt_numbered to authenticated;
      alter publication supabase_realtime add table public.rt_numbered;
    `);
    const a = await userClient(stack);
    const b = await userClient(stack);
    const seen: { owner: string; realtime_row_index: number }[] = [];
    await subscribed(
      a.client
        .channel('numbered-a')
        .on<{ owner: string; realtime_row_index: number }>(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'rt_numbered' },
          (p) => seen.push(p.new as { owner: string; realtime_row_index: number }),
        ),
    );
    await sql`insert into rt_numbered (owner, realtime_row_index) values (${b.id}, 7), (${a.id}, 42), (${a.id}, -1)`;
    await eventually(() => seen.length >= 1);
    await sleep(300);
    expect(seen).toEqual([expect.objectContaining({ owner: a.id, realtime_row_index: 42 })]);
    await a.client.removeAllChannels();
    await b.client.removeAllChannels();
  });

  it('applies eq, in and gt filters and the event type', async () => {
    const a = await userClient(stack);
    const byFilter: Record<string, string[]> = { eq: [], in: [], gt: [], update: [] };
    const on = (key: string) => (p: Change) => byFilter[key]?.push(String(noteOf(p).body));
    await subscribed(
      a.client
        .channel('notes-filters')
        .on<Note>(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'rt_notes', filter: 'body=eq.x2' },
          on('eq'),
        )
        .on<Note>(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'rt_notes', filter: 'body=in.(x1,x3)' },
          on('in'),
        )
        .on<Note>(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'rt_notes', filter: 'amount=gt.10.5' },
          on('gt'),
        )
        .on<Note>('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'rt_notes' }, on('update')),
    );
    const sql = stack.db.sql;
    await sql`insert into rt_notes (owner, body, amount) values
      (${a.id}, 'x1', '10.5'), (${a.id}, 'x2', '10.50000001'), (${a.id}, 'x3', '9'), (${a.id}, 'x4', '100')`;
    await eventually(() => byFilter.eq?.length && byFilter.in?.length === 2 && byFilter.gt?.length === 2);
    await sleep(300);
    expect(byFilter).toEqual({ eq: ['x2'], in: ['x1', 'x3'], gt: ['x2', 'x4'], update: [] });
    await a.client.removeAllChannels();
  });

  it('speaks the 1.0.0 serializer too', async () => {
    const client = realtimeClient(stack, { vsn: '1.0.0' });
    const owner = await userClient(stack);
    const seen: Change[] = [];
    await subscribed(
      client
        .channel('notes-v1')
        .on<Note>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'rt_notes' }, (p) =>
          seen.push(p),
        ),
    );
    await stack.db.sql`insert into rt_notes (owner, body, is_public) values (${owner.id}, 'for v1', true)`;
    const [change] = await eventually(() => seen.length > 0 && seen);
    expect(noteOf(change as Change).body).toBe('for v1');
    await client.removeAllChannels();
    await owner.client.removeAllChannels();
  });

  it('refuses a subscription to a table outside the supabase_realtime publication with a system error', async () => {
    const a = await userClient(stack);
    const system: { status?: string; message?: string }[] = [];
    await subscribed(
      a.client
        .channel('not-published')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'no_such_table' }, () => {})
        .on('system', {}, (p) => system.push(p)),
    );
    const [msg] = await eventually(() => system.length > 0 && system);
    expect(msg?.status).toBe('error');
    expect(msg?.message).toMatch(/Unable to subscribe to changes/);
    await a.client.removeAllChannels();
  });
});
