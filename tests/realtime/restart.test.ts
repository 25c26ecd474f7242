import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbUrl,
  LOCAL_ANON_KEY,
  LOCAL_DB_PASSWORD,
  LOCAL_JWT_SECRET,
  LOCAL_SERVICE_ROLE_KEY,
} from '../../stack/config.ts';
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

/** A signed-in subscriber to `table`'s inserts, and the bodies it has been sent so far. */
async function insertsOf(table: string, channel: string) {
  const apiUrl = `http://127.0.0.1:${port}`;
  const user = await userClient({ apiUrl, anonKey: LOCAL_ANON_KEY, jwtSecret: LOCAL_JWT_SECRET });
  const seen: string[] = [];
  await subscribed(
    user.client
      .channel(channel)
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (p) =>
        seen.push((p.new as { body: string }).body),
      ),
  );
  return { user, seen };
}

/** The platform's admin role, which owns the realtime schema (as on Supabase). */
const platformAdmin = () =>
  postgres(dbUrl({ port: db.port, database: db.name, user: 'supabase_admin', password: LOCAL_DB_PASSWORD }), {
    max: 1,
    onnotice: () => {},
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

  it('holds a batch whose RLS check fails and delivers it once, in order, when the check works again', async () => {
    const { user: a, seen } = await insertsOf('rt_notes', 'failing-check');
    const admin = platformAdmin();
    try {
      await db.sql`insert into rt_notes (owner, body) values (${a.id}, 'before')`;
      await eventually(() => seen.length === 1);
      // Every check now fails ("function does not exist"), as it would while Postgres restarts.
      await admin`alter function realtime.visible_rows(regclass, text, text[], text[], jsonb) rename to visible_rows_away`;
      for (const body of ['held 1', 'held 2', 'held 3'])
        await db.sql`insert into rt_notes (owner, body) values (${a.id}, ${body})`;
      await sleep(1_500);
      expect(seen).toEqual(['before']);
      // Still undelivered, so the slot has not been told they were: a restart now would replay them.
      const [slot] = await admin`
        select confirmed_flush_lsn < pg_current_wal_insert_lsn() as pending from pg_replication_slots
        where database = current_database()`;
      expect(slot?.pending).toBe(true);
      await admin`alter function realtime.visible_rows_away(regclass, text, text[], text[], jsonb) rename to visible_rows`;
      await db.sql`insert into rt_notes (owner, body) values (${a.id}, 'after')`;
      await eventually(() => seen.length >= 5, 10_000);
      await sleep(500);
      expect(seen).toEqual(['before', 'held 1', 'held 2', 'held 3', 'after']);
    } finally {
      await admin`alter function if exists realtime.visible_rows_away(regclass, text, text[], text[], jsonb) rename to visible_rows`.catch(
        () => {},
      );
      await admin.end();
      await a.client.removeAllChannels();
    }
  }, 30_000);

  it('makes a check again when its connection is terminated in the middle of it, and loses nothing', async () => {
    // A policy slow enough (0.3 s a check) to terminate the checking backend while it runs.
    await db.sql.unsafe(`
      create table public.rt_slow (id bigint generated always as identity primary key, owner uuid not null,
        body text not null);
      alter table public.rt_slow enable row level security;
      create policy rt_slow_owner_select on public.rt_slow for select to authenticated
        using ((select auth.uid()) = owner and (select pg_sleep(0.3)) is not null);
      grant select on public.rt_slow to authenticated;
      alter publication supabase_realtime add table public.rt_slow;
    `);
    const { user: a, seen } = await insertsOf('rt_slow', 'terminated-check');
    const admin = platformAdmin();
    try {
      const expected: string[] = [];
      for (let i = 1; i <= 3; i++) {
        const body = `round ${i}`;
        expected.push(body);
        await db.sql`insert into rt_slow (owner, body) values (${a.id}, ${body})`;
        // Wait for the check to be running, then end its backend as an operator (or a restart) would.
        await eventually(async () => {
          const killed = await admin`
            select pg_terminate_backend(pid) from pg_stat_activity
            where application_name = 'nexural realtime rls' and datname = current_database()
              and state = 'active' and query like '%visible_rows%'`;
          return killed.length > 0;
        }, 5_000);
        await eventually(() => seen.length === i, 10_000);
      }
      await sleep(500);
      expect(seen).toEqual(expected);
    } finally {
      await admin.end();
      await a.client.removeAllChannels();
    }
  }, 40_000);
});
