import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_JWT_SECRET } from '../../stack/config.ts';
import { signJwt } from '../../stack/jwt.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually, realtimeClient, subscribed } from './fixture.ts';
import { rawSocket } from './raw-socket.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const heartbeat = (ref: string) => [null, ref, 'phoenix', 'heartbeat', {}];

describe('bad input on the realtime socket', () => {
  it('answers malformed frames with an error and keeps the socket serving', async () => {
    const s = await rawSocket(stack);
    s.send('not json');
    s.send('{"an":"object, not the 2.0.0 array"}');
    s.send(JSON.stringify([null, '1', 'realtime:x', 'phx_join', 'payload must be an object']));
    s.send(Buffer.from([9, 1, 2, 3]));
    await eventually(() => s.frames.filter((f) => f[2] === 'phoenix' && f[4].status === 'error').length >= 3);
    const reasons = s.frames
      .filter((f) => f[4].status === 'error')
      .map((f) => (f[4].response as { reason: string }).reason);
    expect(reasons.every((r) => r.startsWith('malformed message'))).toBe(true);
    s.send(heartbeat('hb'));
    expect(await s.reply('hb')).toEqual({ status: 'ok', response: {} });
    s.close();
  });

  it('refuses a join to a topic outside realtime: and a message to a channel never joined', async () => {
    const s = await rawSocket(stack);
    s.send(['1', '1', 'room:lobby', 'phx_join', { config: {} }]);
    expect(await s.reply('1')).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
    s.send([null, '2', 'realtime:never-joined', 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    expect(await s.reply('2')).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
    s.close();
  });

  it('refuses a join with a forged token, and the socket and other clients carry on', async () => {
    const other = realtimeClient(stack);
    const got: unknown[] = [];
    const otherChannel = await subscribed(
      other.channel('shared').on('broadcast', { event: '*' }, (m) => got.push(m)),
    );

    const forged = await signJwt(
      { sub: 'x', role: 'service_role' },
      'not-the-project-secret-but-32-chars-long!!',
    );
    const s = await rawSocket(stack);
    s.send(['1', '1', 'realtime:shared', 'phx_join', { config: {}, access_token: forged }]);
    const r = await s.reply('1');
    expect(r.status).toBe('error');
    expect(String(r.response.reason)).toMatch(/^InvalidJWTToken/);
    s.send(['2', '2', 'realtime:shared', 'phx_join', { config: {}, access_token: 'garbage' }]);
    expect((await s.reply('2')).status).toBe('error');

    // The same socket can still join with a valid token, and the other client still receives.
    const valid = await signJwt({ sub: 'y', role: 'authenticated' }, LOCAL_JWT_SECRET);
    s.send([
      '3',
      '3',
      'realtime:shared',
      'phx_join',
      { config: { broadcast: { self: false } }, access_token: valid },
    ]);
    expect((await s.reply('3')).status).toBe('ok');
    s.send([
      '3',
      '4',
      'realtime:shared',
      'broadcast',
      { type: 'broadcast', event: 'hi', payload: { ok: true } },
    ]);
    await eventually(() => got.length === 1);
    expect(otherChannel.state).toBe('joined');
    s.close();
    await other.removeAllChannels();
  });

  it('refuses a socket with an unknown apikey before upgrading', async () => {
    const ws = new WebSocket(
      `${stack.apiUrl.replace('http', 'ws')}/realtime/v1/websocket?apikey=nope&vsn=2.0.0`,
    );
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(undefined));
    });
    expect(status).toBe(401);
  });
});
