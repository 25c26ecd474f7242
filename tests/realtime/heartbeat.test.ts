import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../../stack/config.ts';
import { type Services, startServices } from '../../stack/services.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { sleep } from './fixture.ts';
import { rawSocket } from './raw-socket.ts';

// Phoenix closes a socket that has sent nothing for 60 s; realtime-js heartbeats every 25 s to stay open.
// The same rule with a short timeout, so the test takes a second.
const TIMEOUT_MS = 600;

let db: TestDatabase;
let services: Services;

beforeAll(async () => {
  db = await createTestDatabase();
  services = await startServices({
    dbPort: db.port,
    database: db.name,
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    realtime: { heartbeatTimeoutMs: TIMEOUT_MS },
  });
});

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

const stackOf = () => ({ apiUrl: services.apiUrl, anonKey: LOCAL_ANON_KEY });

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
