import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually, sleep } from './fixture.ts';
import { type RawSocket, rawSocket } from './raw-socket.ts';

// The change feed checks RLS once per batch of changes for each group of subscribers with identical claims,
// spreading groups over several connections. These pin what that must never change: each subscriber sees
// exactly the rows its own claims may select, however many share a batch, and one user's failing policy
// costs only that user.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.db.sql.unsafe(`
    create table public.rt_items (
      id bigint generated always as identity primary key,
      owner uuid not null,
      body text not null
    );
    alter table public.rt_items enable row level security;
    -- Raises (division by zero) for users whose email starts with "boom".
    create policy rt_items_owner_select on public.rt_items for select to authenticated
      using ((select auth.uid()) = owner
             and 1 / (case when (select auth.jwt() ->> 'email') like 'boom%' then 0 else 1 end) = 1);
    alter publication supabase_realtime add table public.rt_items;
  `);
});

afterAll(async () => {
  await stack?.stop();
});

interface Subscriber {
  id: string;
  socket: RawSocket;
}

async function subscribe(email: (id: string) => string): Promise<Subscriber> {
  const id = randomUUID();
  const token = await signJwt(
    { sub: id, role: 'authenticated', aud: 'authenticated', email: email(id) },
    stack.jwtSecret,
  );
  const socket = await rawSocket(stack);
  socket.send([
    '1',
    '1',
    'realtime:items',
    'phx_join',
    {
      access_token: token,
      config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'rt_items' }] },
    },
  ]);
  expect((await socket.reply('1')).status).toBe('ok');
  return { id, socket };
}

const bodies = (s: Subscriber) =>
  s.socket.frames
    .filter((f) => f[3] === 'postgres_changes')
    .map((f) => (f[4].data as { record: { body: string } }).record.body);

describe('RLS checks for many subscribers at once', () => {
  it('gives each of 150 users in one batch exactly their own rows', async () => {
    const users = await Promise.all(
      Array.from({ length: 150 }, () => subscribe((id) => `${id}@example.test`)),
    );
    // One transaction: one batch, every group checked against every row in the same round.
    await stack.db.sql.begin(async (tx) => {
      for (const [i, u] of users.entries())
        await tx`insert into rt_items (owner, body) values (${u.id}, ${`for ${i}`}), (${u.id}, ${`also ${i}`})`;
      await tx`insert into rt_items (owner, body) values (${randomUUID()}, 'nobody subscribed')`;
    });
    await eventually(() => users.every((u) => bodies(u).length >= 2), 20_000);
    await sleep(300);
    for (const [i, u] of users.entries()) expect(bodies(u)).toEqual([`for ${i}`, `also ${i}`]);
    for (const u of users) u.socket.close();
  }, 40_000);

  it('hides rows from a user whose policy raises, and only from them', async () => {
    const fine = await subscribe((id) => `${id}@example.test`);
    const boom = await subscribe((id) => `boom-${id}@example.test`);
    await stack.db
      .sql`insert into rt_items (owner, body) values (${boom.id}, 'boom row'), (${fine.id}, 'fine row')`;
    await eventually(() => bodies(fine).length >= 1);
    await sleep(300);
    expect(bodies(fine)).toEqual(['fine row']);
    expect(bodies(boom)).toEqual([]);
    fine.socket.close();
    boom.socket.close();
  });
});
