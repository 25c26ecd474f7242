// Trading test helpers: users, portfolios and moving quotes in one call each, and a client that calls the
// trading API as a signed-in user exactly as PostgREST runs an RPC or a table read (role `authenticated`,
// the user's JWT claims in `request.jwt.claims`, one committed transaction per call), answering in
// supabase-js's `{ data, error }` shape with PostgREST's error fields.
import { createClient } from '@supabase/supabase-js';
import type postgres from 'postgres';
import WebSocket from 'ws';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET } from '../../stack/config.ts';
import { signJwt } from '../../stack/jwt.ts';
import type { TestDatabase } from './db.ts';
import { startTestStack } from './stack.ts';

export interface ApiError {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}
export interface ApiResult<T> {
  data: T | null;
  error: ApiError | null;
}
export type Row = Record<string, unknown>;

export interface TradingClient {
  userId: string;
  /** POST /rest/v1/rpc/<fn> with named arguments. */
  rpc<T = Row>(fn: string, args: Record<string, unknown>): Promise<ApiResult<T>>;
  /** GET /rest/v1/<table>?<column>=eq.<value>... (RLS applies). */
  select(table: string, where?: Record<string, unknown>): Promise<ApiResult<Row[]>>;
  /** POST /rest/v1/<table> (RLS and column grants apply). */
  insert(table: string, row: Row): Promise<ApiResult<Row[]>>;
  /** PATCH /rest/v1/<table>?<column>=eq.<value> */
  update(table: string, set: Row, where: Record<string, unknown>): Promise<ApiResult<Row[]>>;
  /** DELETE /rest/v1/<table>?<column>=eq.<value> */
  remove(table: string, where: Record<string, unknown>): Promise<ApiResult<Row[]>>;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `"${name}"`;
};

function toApiError(err: unknown): ApiError {
  const e = err as { code?: string; message?: string; detail?: string; hint?: string };
  if (!e.code) throw err;
  return { code: e.code, message: e.message ?? '', details: e.detail ?? null, hint: e.hint ?? null };
}

/** Runs `fn` as `role` with `claims`, committed, the way PostgREST runs one request. */
export async function asUserCommitted<T>(
  sql: postgres.Sql,
  claims: Record<string, unknown> | null,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  const role = claims ? 'authenticated' : 'anon';
  return (await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role, ...(claims ?? {}) })}, true)`;
    await tx.unsafe(`set local role ${role}`);
    return fn(tx);
  })) as T;
}

function whereClause(where: Record<string, unknown>, params: unknown[]): string {
  const parts = Object.entries(where).map(([k, v]) => {
    params.push(v);
    return `${ident(k)}::text = $${params.length}::text`;
  });
  return parts.length ? `where ${parts.join(' and ')}` : '';
}

/** A client acting as `userId` (or as anon when `userId` is null). */
export function tradingClient(sql: postgres.Sql, userId: string | null): TradingClient {
  const claims = userId ? { sub: userId, aud: 'authenticated' } : null;
  const run = async <T>(query: string, params: unknown[], single: boolean): Promise<ApiResult<T>> => {
    try {
      const rows = await asUserCommitted(sql, claims, (tx) => tx.unsafe(query, params as never[]));
      const data = (rows as unknown as { j: unknown }[]).map((r) => r.j);
      return { data: (single ? data[0] : data) as T, error: null };
    } catch (err) {
      return { data: null, error: toApiError(err) };
    }
  };
  return {
    userId: userId ?? '',
    rpc<T>(fn: string, args: Record<string, unknown>) {
      const params = Object.values(args).map((v) => (v === null || v === undefined ? null : String(v)));
      const named = Object.keys(args).map((k, i) => `${ident(k)} => $${i + 1}`);
      return run<T>(`select to_jsonb(r) as j from public.${ident(fn)}(${named.join(', ')}) r`, params, true);
    },
    select(table, where = {}) {
      const params: unknown[] = [];
      return run(
        `select to_jsonb(t) as j from public.${ident(table)} t ${whereClause(where, params)}`,
        params,
        false,
      );
    },
    insert(table, row) {
      const cols = Object.keys(row).map(ident);
      const params = Object.values(row).map((v) => (v === null || v === undefined ? null : String(v)));
      return run(
        `insert into public.${ident(table)} (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')}) returning to_jsonb(${ident(table)}.*) as j`,
        params,
        false,
      );
    },
    update(table, set, where) {
      const params: unknown[] = Object.values(set).map((v) => (v === null ? null : String(v)));
      const sets = Object.keys(set).map((k, i) => `${ident(k)} = $${i + 1}`);
      return run(
        `update public.${ident(table)} set ${sets.join(', ')} ${whereClause(where, params)} returning to_jsonb(${ident(table)}.*) as j`,
        params,
        false,
      );
    },
    remove(table, where) {
      const params: unknown[] = [];
      return run(
        `delete from public.${ident(table)} ${whereClause(where, params)} returning to_jsonb(${ident(table)}.*) as j`,
        params,
        false,
      );
    },
  };
}

/** An access token for `userId` as Auth issues it (signed with the project's JWT secret). */
export function userJwt(userId: string, email = `${userId}@example.com`): Promise<string> {
  return signJwt({ sub: userId, role: 'authenticated', aud: 'authenticated', email }, LOCAL_JWT_SECRET, 3600);
}

/** A client acting as `userId` through the real REST API with supabase-js and a JWT as Auth issues it. */
export async function restTradingClient(apiUrl: string, userId: string | null): Promise<TradingClient> {
  const headers: Record<string, string> = {};
  if (userId) headers.Authorization = `Bearer ${await userJwt(userId)}`;
  const sb = createClient(apiUrl, LOCAL_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers },
    realtime: { transport: WebSocket as never },
  });
  const wrap = async <T>(p: PromiseLike<{ data: unknown; error: unknown }>): Promise<ApiResult<T>> => {
    const { data, error } = await p;
    const e = error as { code?: string; message?: string; details?: string; hint?: string } | null;
    return {
      data: (e ? null : data) as T,
      error: e
        ? { code: e.code ?? '', message: e.message ?? '', details: e.details ?? null, hint: e.hint ?? null }
        : null,
    };
  };
  return {
    userId: userId ?? '',
    rpc: (fn, args) => wrap(sb.rpc(fn, args)),
    select: (table, where = {}) => wrap(sb.from(table).select('*').match(where)),
    insert: (table, row) => wrap(sb.from(table).insert(row).select()),
    update: (table, set, where) => wrap(sb.from(table).update(set).match(where).select()),
    remove: (table, where) => wrap(sb.from(table).delete().match(where).select()),
  };
}

type ClientFactory = (sql: postgres.Sql, userId: string | null) => Promise<TradingClient> | TradingClient;
let clientFactory: ClientFactory = tradingClient;
let transport: 'rest' | 'sql' = 'sql';

/**
 * Routes this test file's trading clients through REST (`/rest/v1` with supabase-js) when the stack mounts
 * it, else through the SQL path PostgREST would take. Returns a function that stops the stack.
 */
export async function connectTradingApi(db: TestDatabase): Promise<() => Promise<void>> {
  const stack = await startTestStack({ db });
  const probe = await fetch(`${stack.apiUrl}/rest/v1/`, { headers: { apikey: LOCAL_ANON_KEY } }).catch(
    () => null,
  );
  if (probe && probe.status !== 404) {
    transport = 'rest';
    clientFactory = (_sql, userId) => restTradingClient(stack.apiUrl, userId);
  }
  return () => stack.stop();
}

/** Which path this file's clients take ('rest' once the stack mounts REST). */
export const tradingTransport = () => transport;

/** A client for `userId` (null: anon) on the current transport. */
export const clientFor = (sql: postgres.Sql, userId: string | null) => clientFactory(sql, userId);

/** Creates a user the way Auth does (a row in auth.users; the profile follows by trigger). */
export async function createUser(sql: postgres.Sql, email?: string): Promise<string> {
  const [u] = await sql<{ id: string }[]>`
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated',
      ${email ?? `trader-${Math.random().toString(36).slice(2)}@example.com`}, '{}', now(), now())
    returning id`;
  return (u as { id: string }).id;
}

/** A user with a fresh portfolio funded with `cash`. */
export async function traderWithPortfolio(
  sql: postgres.Sql,
  cash = '100000',
): Promise<{ client: TradingClient; portfolioId: string; userId: string }> {
  const userId = await createUser(sql);
  const client = await clientFactory(sql, userId);
  const { data, error } = await client.rpc<{ id: string }>('create_portfolio', {
    name: 'Main',
    starting_cash: cash,
  });
  if (error || !data) throw new Error(`create_portfolio failed: ${error?.message}`);
  return { client, portfolioId: data.id, userId };
}

export interface QuoteInput {
  bid?: string | null;
  ask?: string | null;
  last?: string | null;
  bid_size?: string | null;
  ask_size?: string | null;
  prev_close?: string | null;
  quote_ts?: Date;
}

let quoteClock = Date.now();

/** A quote time later than every earlier one in this test run (quotes move forward). */
export function nextQuoteTime(): Date {
  quoteClock = Math.max(quoteClock + 1, Date.now());
  return new Date(quoteClock);
}

/** Creates a test instrument (unique symbol) with a starting quote. */
export async function createInstrument(
  sql: postgres.Sql,
  opts: { fractionable?: boolean; tick?: string; lot?: string; minQty?: string; assetClass?: string } = {},
): Promise<string> {
  const symbol = `T${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  await sql`
    insert into public.instruments (symbol, name, asset_class, exchange, tick_size, lot_size, min_qty, fractionable)
    values (${symbol}, ${`Test ${symbol}`}, ${opts.assetClass ?? 'us_equity'}, 'TEST', ${opts.tick ?? '0.01'},
      ${opts.lot ?? '1'}, ${opts.minQty ?? (opts.fractionable ? '0.000000001' : '1')}, ${opts.fractionable ?? false})`;
  return symbol;
}

/**
 * Moves a quote as the market-feed ingester does: upserts the row as `postgres`, then runs
 * private.process_market_update for the symbol. Returns what matching reported.
 */
export async function moveQuote(
  sql: postgres.Sql,
  symbol: string,
  q: QuoteInput,
): Promise<{ orders_filled: number; alerts_triggered: number }> {
  const ts = q.quote_ts ?? nextQuoteTime();
  const last = q.last ?? null;
  await sql`
    insert into public.quotes (symbol, bid, ask, bid_size, ask_size, last, prev_close, quote_ts)
    values (${symbol}, ${q.bid ?? null}, ${q.ask ?? null}, ${q.bid_size ?? null}, ${q.ask_size ?? null},
      ${last}, ${q.prev_close ?? null}, ${ts})
    on conflict (symbol) do update set bid = excluded.bid, ask = excluded.ask, bid_size = excluded.bid_size,
      ask_size = excluded.ask_size, last = excluded.last,
      prev_close = coalesce(excluded.prev_close, public.quotes.prev_close), quote_ts = excluded.quote_ts,
      updated_at = now()`;
  const [r] = await sql<{ orders_filled: number; alerts_triggered: number }[]>`
    select * from private.process_market_update(array[${symbol}]::text[])`;
  return r as { orders_filled: number; alerts_triggered: number };
}

/** Reads an order as its owner would. */
export async function getOrder(client: TradingClient, id: string): Promise<Row> {
  const { data, error } = await client.select('orders', { id });
  if (error) throw new Error(error.message);
  return (data as Row[])[0] as Row;
}

/**
 * A decimal in canonical form (no trailing zeros) for comparing exact values: numeric arrives as a string
 * over SQL and as a JSON number over REST; strings are normalised as text, never through a float.
 */
export function dec(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number') return String(v);
  const s = String(v);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
