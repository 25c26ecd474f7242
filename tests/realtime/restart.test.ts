import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../../stack/config.ts';
import { type Services, startServices } from '../../stack/services.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { createNotesTable, eventually, sleep, subscribed, userClient } from './fixture.ts';

let db: TestDatabase;
let port: number;
let services: Services | undefined;

const start = async () =>
  startServices({
    dbPort: db.port,
    database: db.name,
    apiPort: port,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    realtimeResumeGraceMs: 4000,
  });

beforeAll(async () => {
  db = await createTestDatabase();
  await createNotesTable({ db });
  port = await freePort();
  services = await start();
});

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

describe('realtime restart', () => {
  it('delivers every change committed while the server restarts mid-stream, from its replication slot', async () => {
    const apiUrl = `http://127.0.0.1:${port}`;
    const a = await userClient({ apiUrl, anonKey: LOCAL_ANON_KEY, jwtSecret: LOCAL_JWT_SECRET });
    const seen: number[] = [];
    await subscribed(
      a.client
        .channel('restart')
        .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'rt_notes' }, (p) =>
          seen.push(Number((p.new as { body: string }).body)),
        ),
    );
    const writer = (async () => {
      for (let i = 1; i <= 40; i++) {
        await db.sql`insert into rt_notes (owner, body) values (${a.id}, ${String(i)})`;
        await sleep(25);
      }
    })();
    await eventually(() => seen.length >= 5);
    await services?.stop();
    services = undefined;
    await sleep(300);
    services = await start();
    await writer;
    await eventually(() => seen.length >= 40, 20_000);
    await sleep(300);
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Delivered means confirmed: the slot keeps no WAL for changes already pushed.
    await eventually(async () => {
      const [slot] =
        await db.sql`select confirmed_flush_lsn >= pg_current_wal_insert_lsn() as caught_up from pg_replication_slots`;
      return slot?.caught_up;
    });
    await a.client.removeAllChannels();
  }, 40_000);
});
