// The isolation matrix, generated from the catalog: every table and view the API roles can reach in
// `public` is listed from pg_catalog (so a table added tomorrow is covered without editing this file), then
// user B tries to select, insert, update and delete user A's rows with B's JWT claims, and anon tries to read
// them. A table without RLS, or a view that bypasses its tables' RLS, fails the suite.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  clientFor,
  connectTradingApi,
  createInstrument,
  moveQuote,
  type Row,
  type TradingClient,
  traderWithPortfolio,
} from '../helpers/trading.ts';

/** Exposed relations of this domain that hold shared reference data rather than any user's rows. */
const SHARED_REFERENCE_DATA = new Set(['instruments', 'quotes']);
/** Relations the trading domain owns: the matrix must find user A's rows in each (no vacuous passes). */
const TRADING_RELATIONS = [
  'profiles',
  'portfolios',
  'cash_ledger',
  'orders',
  'order_events',
  'fills',
  'positions',
  'position_valuations',
  'portfolio_valuations',
  'equity_snapshots',
  'watchlists',
  'watchlist_items',
  'alerts',
  'alert_triggers',
];

interface Exposed {
  name: string;
  kind: 'r' | 'v' | 'm' | 'p';
  rls: boolean;
  security_invoker: boolean;
  columns: string[];
}

let db: TestDatabase;
let stopApi: () => Promise<void>;
let exposed: Exposed[];
let userA: string;
let userB: string;
let portfoliosA: string[];

const quote = (i: string) => `"${i.replaceAll('"', '""')}"`;

async function listExposed(sql: postgres.Sql): Promise<Exposed[]> {
  return sql<Exposed[]>`
    select c.relname as name, c.relkind as kind, c.relrowsecurity as rls,
      coalesce('security_invoker=true' = any (c.reloptions) or 'security_invoker=on' = any (c.reloptions), false)
        as security_invoker,
      array(select a.attname::text from pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p')
      and (has_table_privilege('anon', c.oid, 'select, insert, update, delete')
        or has_table_privilege('authenticated', c.oid, 'select, insert, update, delete'))
    order by c.relname`;
}

/** The SQL predicate selecting user A's rows of a relation, or null for shared reference data. */
function ownerPredicate(rel: Exposed): string | null {
  if (rel.name === 'profiles') return `id = '${userA}'`;
  if (rel.columns.includes('user_id')) return `user_id = '${userA}'`;
  if (rel.columns.includes('portfolio_id'))
    return `portfolio_id = any ('{${portfoliosA.join(',')}}'::uuid[])`;
  return null;
}

const claimsOf = (sub: string) => ({ sub, aud: 'authenticated' });

/** Runs `query` as `role`; returns the rows, or the SQLSTATE of the refusal. */
async function attempt(
  role: 'anon' | 'authenticated',
  sub: string | null,
  query: string,
  params: unknown[] = [],
): Promise<{ rows: Row[] } | { refused: string }> {
  try {
    const rows = await asRole(db.sql, role, sub ? claimsOf(sub) : {}, (tx) =>
      tx.unsafe(query, params as never[]),
    );
    return { rows: rows as unknown as Row[] };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!code) throw err;
    return { refused: code };
  }
}

const countOwned = async (rel: Exposed, pred: string) =>
  Number(
    (await db.sql.unsafe(`select count(*)::int as n from public.${quote(rel.name)} where ${pred}`))[0]?.n,
  );

beforeAll(async () => {
  db = await createTestDatabase();
  stopApi = await connectTradingApi(db);
  // User A uses every feature once so each relation holds some of A's rows.
  const a = await traderWithPortfolio(db.sql);
  const b = await traderWithPortfolio(db.sql);
  userA = a.userId;
  userB = b.userId;
  portfoliosA = [a.portfolioId];
  const symbol = await createInstrument(db.sql, { fractionable: true });
  await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', last: '100', prev_close: '99' });
  await a.client.rpc('place_order', { portfolio_id: a.portfolioId, symbol, side: 'buy', qty: '2' });
  await a.client.rpc('place_order', {
    portfolio_id: a.portfolioId,
    symbol,
    side: 'buy',
    type: 'limit',
    limit_price: '50',
    qty: '1',
  });
  const { data: list } = await a.client.insert('watchlists', { name: 'A list' });
  await a.client.insert('watchlist_items', { watchlist_id: list?.[0]?.id, symbol });
  await a.client.insert('alerts', { symbol, condition: 'price_above', threshold: '101' });
  await moveQuote(db.sql, symbol, { bid: '101.99', ask: '102.01', last: '102' });
  await db.sql`select private.take_equity_snapshots(now(), array[${a.portfolioId}]::uuid[])`;
  exposed = await listExposed(db.sql);
});
afterAll(async () => {
  await stopApi();
  await db.drop();
});

describe('catalog checks', () => {
  it('finds the trading relations among the exposed ones', () => {
    const names = exposed.map((e) => e.name);
    for (const t of TRADING_RELATIONS) expect(names).toContain(t);
  });

  it('every exposed table has row level security enabled', () => {
    const missing = exposed.filter((e) => (e.kind === 'r' || e.kind === 'p') && !e.rls).map((e) => e.name);
    expect(missing, 'exposed tables without RLS').toEqual([]);
  });

  it('flags a table someone adds without RLS (the check above can fail)', async () => {
    const scratch = await createTestDatabase();
    try {
      await scratch.sql`create table public.careless (id bigint primary key, user_id uuid, secret text)`;
      const flagged = (await listExposed(scratch.sql))
        .filter((e) => e.kind === 'r' && !e.rls)
        .map((e) => e.name);
      expect(flagged).toEqual(['careless']);
    } finally {
      await scratch.drop();
    }
  });

  it("every exposed view runs with the caller's rights (security_invoker), so RLS applies through it", () => {
    const bypassing = exposed.filter((e) => e.kind === 'v' && !e.security_invoker).map((e) => e.name);
    expect(bypassing, 'views that would bypass RLS').toEqual([]);
  });

  it('every exposed relation holding user data is one the matrix knows how to attribute to its owner', async () => {
    // Shared market data (instruments, quotes, trades...) has no owner. A relation that references users
    // (a foreign key to auth.users, or a user/owner/customer/account id column) but has none of the owner
    // columns the matrix understands would silently escape it: that fails here.
    const suspicious = await db.sql<{ name: string }[]>`
      select distinct c.relname as name from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
        and (exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'f'
                     and k.confrelid = 'auth.users'::regclass)
          or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                     and a.attname ~ '(^|_)(user|owner|customer|account|profile)(_id|_uuid)?$'))`;
    const unattributed = exposed
      .filter((e) => ownerPredicate(e) === null && suspicious.some((r) => r.name === e.name))
      .map((e) => e.name);
    expect(unattributed, 'user-data relations the matrix cannot attribute').toEqual([]);
    for (const name of SHARED_REFERENCE_DATA)
      expect(exposed.find((e) => e.name === name)?.rls, name).toBe(true);
  });

  it("user A's rows exist in every trading relation (the matrix is not vacuous)", async () => {
    for (const name of TRADING_RELATIONS) {
      const rel = exposed.find((e) => e.name === name) as Exposed;
      expect(await countOwned(rel, ownerPredicate(rel) as string), name).toBeGreaterThan(0);
    }
  });
});

describe('isolation matrix: user B against user A', () => {
  it("B selects none of A's rows from any exposed relation", async () => {
    for (const rel of exposed) {
      const pred = ownerPredicate(rel);
      if (!pred) continue;
      const r = await attempt(
        'authenticated',
        userB,
        `select * from public.${quote(rel.name)} where ${pred}`,
      );
      if ('rows' in r) expect(r.rows, rel.name).toEqual([]);
      else expect(r.refused, rel.name).toBe('42501');
    }
  });

  it('B cannot insert rows as A into any exposed relation', async () => {
    for (const rel of exposed) {
      const pred = ownerPredicate(rel);
      if (!pred) continue;
      const [sample] = await db.sql.unsafe(
        `select to_jsonb(t) as j from public.${quote(rel.name)} t where ${pred} limit 1`,
      );
      if (!sample) continue;
      const row = sample.j as Row;
      const insertable = (
        await db.sql<{ col: string }[]>`
          select a.attname::text as col from pg_attribute a
          where a.attrelid = ${`public.${quote(rel.name)}`}::regclass and a.attnum > 0 and not a.attisdropped
            and a.attidentity <> 'a' and a.attgenerated = ''
            and has_column_privilege('authenticated', a.attrelid, a.attnum, 'insert')`
      ).map((c) => c.col);
      const owner =
        rel.name === 'profiles' ? 'id' : rel.columns.includes('user_id') ? 'user_id' : 'portfolio_id';
      const cols = [...new Set([owner, ...insertable])].filter((c) => c in row);
      const list = cols.map(quote).join(', ');
      const r = await attempt(
        'authenticated',
        userB,
        `insert into public.${quote(rel.name)} (${list})
         select ${list} from jsonb_populate_record(null::public.${quote(rel.name)}, $1::jsonb)`,
        [JSON.stringify(row)],
      );
      // 55000: a view that is not insertable at all refuses before privileges are checked.
      const refusals = rel.kind === 'v' ? ['42501', '55000'] : ['42501'];
      expect(refusals, rel.name).toContain('refused' in r ? r.refused : 'inserted');
    }
  });

  it("B's updates and deletes reach none of A's rows", async () => {
    for (const rel of exposed) {
      const pred = ownerPredicate(rel);
      if (!pred || rel.kind === 'v') continue;
      const before = await countOwned(rel, pred);
      const col = rel.columns.find((c) => c !== 'id') ?? rel.columns[0];
      const upd = await attempt(
        'authenticated',
        userB,
        `update public.${quote(rel.name)} set ${quote(col as string)} = ${quote(col as string)} where ${pred} returning 1`,
      );
      if ('rows' in upd) expect(upd.rows, `update ${rel.name}`).toEqual([]);
      else expect(upd.refused, `update ${rel.name}`).toBe('42501');
      const del = await attempt(
        'authenticated',
        userB,
        `delete from public.${quote(rel.name)} where ${pred} returning 1`,
      );
      if ('rows' in del) expect(del.rows, `delete ${rel.name}`).toEqual([]);
      else expect(del.refused, `delete ${rel.name}`).toBe('42501');
      expect(await countOwned(rel, pred), rel.name).toBe(before);
    }
  });

  it("anon reads none of A's rows", async () => {
    for (const rel of exposed) {
      const pred = ownerPredicate(rel);
      if (!pred) continue;
      const r = await attempt('anon', null, `select * from public.${quote(rel.name)} where ${pred}`);
      if ('rows' in r) expect(r.rows, rel.name).toEqual([]);
      else expect(r.refused, rel.name).toBe('42501');
    }
  });

  it('A still sees their own rows through the same path (the refusals above are not blanket)', async () => {
    for (const name of TRADING_RELATIONS) {
      const rel = exposed.find((e) => e.name === name) as Exposed;
      const r = await attempt(
        'authenticated',
        userA,
        `select * from public.${quote(name)} where ${ownerPredicate(rel)}`,
      );
      expect('rows' in r && r.rows.length > 0, name).toBe(true);
    }
  });
});

/** The API filter selecting user A's rows (`column=eq.value`), or null for shared reference data. */
function ownerFilter(rel: Exposed): Record<string, string> | null {
  if (rel.name === 'profiles') return { id: userA };
  if (rel.columns.includes('user_id')) return { user_id: userA };
  if (rel.columns.includes('portfolio_id')) return { portfolio_id: portfoliosA[0] as string };
  return null;
}

const refusedOrEmpty = (r: { data: unknown; error: { code: string } | null }) =>
  r.error ? r.error.code : Array.isArray(r.data) && r.data.length === 0 ? 'empty' : 'LEAKED';

describe('isolation matrix through the API client (REST with supabase-js once mounted)', () => {
  let b: TradingClient;
  let anon: TradingClient;
  beforeAll(async () => {
    b = await clientFor(db.sql, userB);
    anon = await clientFor(db.sql, null);
  });

  it("B gets none of A's rows from any exposed relation, anon neither", async () => {
    for (const rel of exposed) {
      const where = ownerFilter(rel);
      if (!where) continue;
      expect(['empty', '42501'], `B select ${rel.name}`).toContain(
        refusedOrEmpty(await b.select(rel.name, where)),
      );
      expect(['empty', '42501'], `anon select ${rel.name}`).toContain(
        refusedOrEmpty(await anon.select(rel.name, where)),
      );
    }
  });

  it("B's insert, update and delete of A's rows are refused or touch nothing", async () => {
    for (const rel of exposed) {
      const where = ownerFilter(rel);
      if (!where) continue;
      const [sample] = await db.sql.unsafe(
        `select to_jsonb(t) as j from public.${quote(rel.name)} t where ${ownerPredicate(rel)} limit 1`,
      );
      if (!sample) continue;
      const row = sample.j as Row;
      const before = await countOwned(rel, ownerPredicate(rel) as string);
      const ins = await b.insert(rel.name, row);
      expect(ins.error, `B insert ${rel.name}`).not.toBeNull();
      const col = rel.columns.find((c) => c !== 'id' && c in row) as string;
      const upd = await b.update(rel.name, { [col]: row[col] as never }, where);
      expect(['empty', '42501', '55000', '428C9'], `B update ${rel.name}`).toContain(refusedOrEmpty(upd));
      const del = await b.remove(rel.name, where);
      expect(['empty', '42501', '55000'], `B delete ${rel.name}`).toContain(refusedOrEmpty(del));
      expect(await countOwned(rel, ownerPredicate(rel) as string), rel.name).toBe(before);
    }
  });
});
