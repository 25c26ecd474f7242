import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { sleep } from './fixture.ts';
import { rawSocket } from './raw-socket.ts';

// Phoenix closes a socket that has sent nothing for 60 s; realtime-js heartbeats every 25 s to stay open.
// The same rule with a short timeout, so the test takes a second.
const TIMEOUT_MS = 600;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ realtime: { heartbeatTimeoutMs: TIMEOUT_MS } });
});

afterAll(async () => {
  await stack?.stop();
});

const stackOf = () => ({ apiUrl: stack.apiUrl, anonKey: stack.anonKey });

describe('heartbeat timeout', () => {
  it('closes a socket that sends no heartbeat within the timeout', async () => {
    const t0 = Date.now();
    const s = await rawSocket(stackOf());
    const code = await new Promise<number>((resolve) => s.ws.once('close', (c) => resolve(c)));
    const after = Date.now() - t0;
    expect(code).toBe(1000);
    expect(after).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(after).toBeLessThan(TIMEOUT_MS * 5);
  });

  it('keeps a socket that heartbeats open well past the timeout, with its channels', async () => {
    const s = await rawSocket(stackOf());
    s.send(['1', '1', 'realtime:room', 'phx_join', { config: {} }]);
    expect((await s.reply('1')).status).toBe('ok');
    let closed = false;
    s.ws.once('close', () => {
      closed = true;
    });
    for (let i = 0; i < 8; i++) {
      await sleep(TIMEOUT_MS / 3);
      s.send([null, `hb${i}`, 'phoenix', 'heartbeat', {}]);
      expect(await s.reply(`hb${i}`)).toEqual({ status: 'ok', response: {} });
    }
    expect(closed).toBe(false);
    s.close();
  });
});
