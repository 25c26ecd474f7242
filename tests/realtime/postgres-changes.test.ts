import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { createNotesTable, eventually, sleep, subscribed, userClient } from './fixture.ts';

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
});
