import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually, realtimeClient, sleep, subscribed } from './fixture.ts';

// Realtime Authorization as on Supabase: a channel joined with `config.private: true` is allowed by the
// project's RLS policies on realtime.messages — SELECT to join and receive, INSERT to send — with
// realtime.topic() naming the channel. Here: "member" users may read and send on room-1, "reader" users may
// only read it, anyone else may do neither; presence follows the same rules for extension = 'presence'.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.db.sql.unsafe(`
    create policy messages_room_select on realtime.messages for select to authenticated
      using ((select realtime.topic()) = 'room-1'
             and split_part((select auth.jwt() ->> 'email'), '-', 1) in ('member', 'reader'));
    create policy messages_room_insert on realtime.messages for insert to authenticated
      with check ((select realtime.topic()) = 'room-1'
                  and split_part((select auth.jwt() ->> 'email'), '-', 1) = 'member');
  `);
});

afterAll(async () => {
  await stack?.stop();
});

async function clientAs(kind: 'member' | 'reader' | 'stranger'): Promise<SupabaseClient> {
  const id = randomUUID();
  const token = await signJwt(
    { sub: id, role: 'authenticated', aud: 'authenticated', email: `${kind}-${id}@example.test` },
    stack.jwtSecret,
  );
  return realtimeClient(stack, { accessToken: async () => token });
}

const privateRoom = (client: SupabaseClient, got: unknown[], topic = 'room-1') =>
  client
    .channel(topic, { config: { private: true, broadcast: { self: false } } })
    .on('broadcast', { event: '*' }, (m) => got.push(m.payload));

describe('private channels', () => {
  it('refuses a private join that no SELECT policy allows, with Supabase’s reason', async () => {
    const stranger = await clientAs('stranger');
    await expect(subscribed(privateRoom(stranger, []))).rejects.toThrow(
      'Unauthorized: You do not have permissions to read from this Channel topic: room-1',
    );
    const member = await clientAs('member');
    await expect(subscribed(privateRoom(member, [], 'room-2'))).rejects.toThrow(/Unauthorized/);
    await stranger.removeAllChannels();
    await member.removeAllChannels();
  });

  it('carries broadcasts between members and readers, never to the public channel of the same name', async () => {
    const [a, b, r, outsider] = await Promise.all([
      clientAs('member'),
      clientAs('member'),
      clientAs('reader'),
      clientAs('stranger'),
    ]);
    const gotB: unknown[] = [];
    const gotR: unknown[] = [];
    const gotPublic: unknown[] = [];
    const channelA = await subscribed(privateRoom(a, []));
    await subscribed(privateRoom(b, gotB));
    await subscribed(privateRoom(r, gotR));
    await subscribed(
      outsider.channel('room-1').on('broadcast', { event: '*' }, (m) => gotPublic.push(m.payload)),
    );
    expect(await channelA.send({ type: 'broadcast', event: 'say', payload: { text: 'hi' } })).toBe('ok');
    await eventually(() => gotB.length === 1 && gotR.length === 1);
    await sleep(200);
    expect(gotB).toEqual([{ text: 'hi' }]);
    expect(gotR).toEqual([{ text: 'hi' }]);
    expect(gotPublic).toEqual([]);
    await Promise.all([a, b, r, outsider].map((c) => c.removeAllChannels()));
  });

  it('drops broadcasts from a user with no INSERT policy', async () => {
    const [reader, member] = await Promise.all([clientAs('reader'), clientAs('member')]);
    const got: unknown[] = [];
    const channel = await subscribed(privateRoom(reader, []));
    await subscribed(privateRoom(member, got));
    await channel.send({ type: 'broadcast', event: 'say', payload: { text: 'not allowed' } });
    await sleep(500);
    expect(got).toEqual([]);
    await reader.removeAllChannels();
    await member.removeAllChannels();
  });

  it('delivers a REST broadcast marked private to private subscribers only', async () => {
    const member = await clientAs('member');
    const outsider = await clientAs('stranger');
    const gotPrivate: unknown[] = [];
    const gotPublic: unknown[] = [];
    await subscribed(privateRoom(member, gotPrivate));
    await subscribed(
      outsider.channel('room-1').on('broadcast', { event: '*' }, (m) => gotPublic.push(m.payload)),
    );
    const res = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: stack.serviceRoleKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ topic: 'room-1', event: 'note', payload: { from: 'server' }, private: true }],
      }),
    });
    expect(res.status).toBe(202);
    await eventually(() => gotPrivate.length === 1);
    await sleep(200);
    expect(gotPrivate).toEqual([{ from: 'server' }]);
    expect(gotPublic).toEqual([]);
    await member.removeAllChannels();
    await outsider.removeAllChannels();
  });

  it('leaves no probe rows behind in realtime.messages', async () => {
    const [row] = await stack.db.sql`select count(*)::int as n from realtime.messages`;
    expect(row?.n).toBe(0);
  });
});
