import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually, realtimeClient, sleep, subscribed, userClient } from './fixture.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

type Msg = { event: string; payload: Record<string, unknown> };

describe('broadcast', () => {
  it('acknowledges a send and echoes it to the sender only with self', async () => {
    const a = await userClient(stack);
    const b = await userClient(stack);
    const atA: Msg[] = [];
    const atB: Msg[] = [];
    const chA = await subscribed(
      a.client
        .channel('room-1', { config: { broadcast: { ack: true, self: true } } })
        .on('broadcast', { event: 'move' }, (m) => atA.push(m as unknown as Msg)),
    );
    await subscribed(
      b.client.channel('room-1').on('broadcast', { event: 'move' }, (m) => atB.push(m as unknown as Msg)),
    );
    expect(await chA.send({ type: 'broadcast', event: 'move', payload: { x: 1 } })).toBe('ok');
    await eventually(() => atA.length === 1 && atB.length === 1);
    expect(atA[0]?.payload).toEqual({ x: 1 });
    expect(atB[0]?.payload).toEqual({ x: 1 });
    await a.client.removeAllChannels();
    await b.client.removeAllChannels();
  });

  it('does not echo to the sender without self, and reaches 1.0.0 and 2.0.0 clients alike', async () => {
    const a = realtimeClient(stack);
    const v1 = realtimeClient(stack, { vsn: '1.0.0' });
    const atA: Msg[] = [];
    const atV1: Msg[] = [];
    const chA = await subscribed(
      a.channel('room-2').on('broadcast', { event: '*' }, (m) => atA.push(m as unknown as Msg)),
    );
    await subscribed(
      v1.channel('room-2').on('broadcast', { event: '*' }, (m) => atV1.push(m as unknown as Msg)),
    );
    await chA.send({ type: 'broadcast', event: 'hello', payload: { text: 'héllo ✓' } });
    await eventually(() => atV1.length === 1);
    await sleep(200);
    expect(atA).toEqual([]);
    expect(atV1[0]).toMatchObject({ event: 'hello', payload: { text: 'héllo ✓' } });
    await a.removeAllChannels();
    await v1.removeAllChannels();
  });

  it('delivers a server broadcast from POST /realtime/v1/api/broadcast', async () => {
    const a = realtimeClient(stack);
    const got: Msg[] = [];
    await subscribed(
      a.channel('alerts').on('broadcast', { event: 'price' }, (m) => got.push(m as unknown as Msg)),
    );
    const res = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: {
        apikey: stack.serviceRoleKey,
        authorization: `Bearer ${stack.serviceRoleKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        messages: [{ topic: 'alerts', event: 'price', payload: { symbol: 'AAPL', price: '187.25' } }],
      }),
    });
    expect(res.status).toBe(202);
    await eventually(() => got.length === 1);
    expect(got[0]?.payload).toEqual({ symbol: 'AAPL', price: '187.25' });
    await a.removeAllChannels();
  });

  it('refuses a malformed REST broadcast with 400 and delivers nothing', async () => {
    const a = realtimeClient(stack);
    const got: Msg[] = [];
    await subscribed(
      a.channel('alerts-2').on('broadcast', { event: '*' }, (m) => got.push(m as unknown as Msg)),
    );
    const res = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: 'alerts-2' }] }),
    });
    expect(res.status).toBe(400);
    await sleep(200);
    expect(got).toEqual([]);
    await a.removeAllChannels();
  });
});

describe('presence', () => {
  it('shows joins and leaves to the others on the channel', async () => {
    const a = await userClient(stack);
    const b = await userClient(stack);
    const joins: string[] = [];
    const leaves: string[] = [];
    const chA = await subscribed(
      a.client
        .channel('lobby', { config: { presence: { key: 'alice' } } })
        .on('presence', { event: 'join' }, ({ key }) => joins.push(key))
        .on('presence', { event: 'leave' }, ({ key }) => leaves.push(key)),
    );
    const chB = await subscribed(b.client.channel('lobby', { config: { presence: { key: 'bob' } } }));
    expect(await chB.track({ status: 'online' })).toBe('ok');
    await eventually(() => joins.includes('bob'));
    expect(chA.presenceState().bob?.[0]).toMatchObject({ status: 'online' });
    await b.client.removeChannel(chB);
    await eventually(() => leaves.includes('bob'));
    expect(chA.presenceState().bob).toBeUndefined();
    await a.client.removeAllChannels();
  });

  it('sends the current state to a channel that joins later', async () => {
    const a = await userClient(stack);
    const b = await userClient(stack);
    const chA = await subscribed(a.client.channel('lobby-2', { config: { presence: { key: 'alice' } } }));
    await chA.track({ status: 'busy' });
    const chB = b.client.channel('lobby-2', { config: { presence: { key: 'bob' } } });
    let synced = false;
    chB.on('presence', { event: 'sync' }, () => {
      synced = true;
    });
    await subscribed(chB);
    await eventually(() => synced && chB.presenceState().alice);
    expect(chB.presenceState().alice?.[0]).toMatchObject({ status: 'busy' });
    await a.client.removeAllChannels();
    await b.client.removeAllChannels();
  });
});
