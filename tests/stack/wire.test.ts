// The REST service's own Postgres wire client (stack/postgres/wire.ts) against the real cluster: password
// authentication, pipelined units each one implicit transaction, prepared statements reused and evicted,
// errors that fail only their own unit, results larger than a socket read, a killed backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PgError, parseDbUrl, WireConnection, WirePool } from '../../stack/postgres/wire.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let pool: WirePool;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql.unsafe(`
    create table public.wire_items (id int primary key, label text not null);
    grant select, insert on public.wire_items to authenticator;
  `);
  pool = new WirePool(parseDbUrl(db.url), 2);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('wire client', () => {
  it('authenticates with SCRAM-SHA-256 and refuses a wrong password with 28P01', async () => {
    const conn = await WireConnection.connect(parseDbUrl(db.url));
    const [r] = await conn.run([{ text: 'select current_user as who, $1::int + 1 as n', params: ['41'] }]);
    expect(r).toEqual({ columns: ['who', 'n'], rows: [['postgres', '42']], command: 'SELECT 1' });
    await conn.close();
    const err = await WireConnection.connect({ ...parseDbUrl(db.url), password: 'wrong' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.cause).toBeInstanceOf(PgError);
    expect(err.cause.code).toBe('28P01');
  });

  it('answers pipelined units in order, each with its own results, nulls and all', async () => {
    const units = Array.from({ length: 200 }, (_, i) =>
      pool.run([
        { text: `select set_config('wire.test', $1, true) as v`, params: [`u${i}`] },
        { text: `select current_setting('wire.test') as v, $1::text as maybe`, params: [i % 2 ? null : 'x'] },
      ]),
    );
    const results = await Promise.all(units);
    results.forEach((r, i) => {
      expect(r[1]?.rows).toEqual([[`u${i}`, i % 2 ? null : 'x']]);
    });
  });

  it('runs a unit as one transaction: an error rolls back its earlier statements and fails only that unit', async () => {
    const [ok1, bad, ok2] = await Promise.allSettled([
      pool.run([{ text: 'insert into public.wire_items values ($1, $2)', params: ['1', 'one'] }]),
      pool.run([
        { text: 'insert into public.wire_items values ($1, $2)', params: ['2', 'two'] },
        { text: 'insert into public.wire_items values ($1, $2)', params: ['1', 'duplicate'] },
      ]),
      pool.run([{ text: 'insert into public.wire_items values ($1, $2)', params: ['3', 'three'] }]),
    ]);
    expect(ok1.status).toBe('fulfilled');
    expect(ok2.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    const err = (bad as PromiseRejectedResult).reason as PgError;
    expect(err).toBeInstanceOf(PgError);
    expect(err.code).toBe('23505');
    expect(err.detail).toBe('Key (id)=(1) already exists.');
    expect(err.constraint_name).toBe('wire_items_pkey');
    const rows = await db.sql`select id from public.wire_items order by id`;
    expect(rows.map((r) => r.id)).toEqual([1, 3]);
  });

  it('prepares a statement once per connection, keeps a failed Parse out of the cache, and evicts the least recently used', async () => {
    const conn = await WireConnection.connect({ ...parseDbUrl(db.url), maxStatements: 2 });
    const count = async () =>
      (await conn.run([{ text: 'select count(*) from pg_prepared_statements', prepare: false }]))[0]
        ?.rows[0]?.[0];
    for (let i = 0; i < 3; i++) await conn.run([{ text: 'select $1::int as a', params: [String(i)] }]);
    expect(await count()).toBe('1');
    // A statement that fails to parse fails the same way every time and is never cached.
    for (let i = 0; i < 2; i++) {
      const err = await conn.run([{ text: 'select nope from public.wire_items' }]).catch((e) => e);
      expect(err.code).toBe('42703');
    }
    expect(await count()).toBe('1');
    await conn.run([{ text: 'select $1::int as b', params: ['1'] }]);
    await conn.run([{ text: 'select $1::int as c', params: ['1'] }]);
    // The third named statement pushed out the first; its Close travels before the next unit.
    const [r] = await conn.run([
      { text: 'select name from pg_prepared_statements order by name', prepare: false },
    ]);
    expect(r?.rows).toHaveLength(2);
    const again = await conn.run([{ text: 'select $1::int as a', params: ['7'] }]);
    expect(again[0]?.rows).toEqual([['7']]);
    await conn.close();
  });

  it('reads results far larger than one socket read', async () => {
    const [r] = await pool.run([
      { text: `select repeat('é', 1000000) as big, g from generate_series(1, 3) g`, prepare: false },
    ]);
    expect(r?.rows).toHaveLength(3);
    expect(r?.rows[2]?.[0]).toHaveLength(1_000_000);
    expect(r?.rows[2]?.[1]).toBe('3');
  });

  it('keeps an explicit transaction on a reserved connection until released', async () => {
    const tx = await pool.reserve();
    await tx.run([
      { text: 'BEGIN', prepare: false },
      { text: 'insert into public.wire_items values ($1, $2)', params: ['10', 'ten'] },
    ]);
    // Other units meanwhile go to the other connection and do not see the uncommitted row.
    const [seen] = await pool.run([{ text: 'select count(*) from public.wire_items where id = 10' }]);
    expect(seen?.rows).toEqual([['0']]);
    await tx.run([{ text: 'ROLLBACK', prepare: false }]);
    await tx.release();
    const [after] = await pool.run([{ text: 'select count(*) from public.wire_items where id = 10' }]);
    expect(after?.rows).toEqual([['0']]);
  });

  it('fails the units of a backend that was killed and reconnects for the next', async () => {
    const [pid] = await pool.run([{ text: 'select pg_backend_pid()', prepare: false }]);
    const victim = pid?.rows[0]?.[0];
    const slow = pool.run([{ text: 'select pg_sleep(5)', prepare: false }]);
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where query = 'select pg_sleep(5)'`;
    await expect(slow).rejects.toThrow();
    for (let i = 0; i < 4; i++) {
      const [r] = await pool.run([{ text: 'select 1 as one' }]);
      expect(r?.rows).toEqual([['1']]);
    }
    expect(victim).toMatch(/^\d+$/);
  });
});
