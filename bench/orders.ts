// `npm run bench:orders`: throughput and latency of place_order at 32 concurrent clients, and fills/s of the
// matching engine, each against a plain insert into the same table measured in the same run.
//
// Transport: through REST (/rest/v1/rpc/place_order with supabase-js and a user JWT) when the stack mounts
// REST; otherwise each call is the transaction PostgREST would run for the request (set the JWT claims,
// `set local role authenticated`, call the function, commit) on its own connection, and the output says so.
// Bounded: about 8 s per timed phase, ~40 s in all; everything runs on 127.0.0.1 and stops by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import WebSocket from 'ws';
import { dbUrl, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../stack/config.ts';
import { signJwt } from '../stack/jwt.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { startServices } from '../stack/services.ts';

const CLIENTS = 32;
const PHASE_MS = 8_000;
const MATCH_ORDERS = 4_000;
const root = path.resolve(import.meta.dirname, '..');

type Call = () => Promise<void>;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `CLIENTS` workers, each calling its `call` back to back for PHASE_MS; returns rate and latencies. */
async function closedLoop(
  calls: Call[],
): Promise<{ perSec: number; p50: number; p99: number; n: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + PHASE_MS;
  const started = performance.now();
  await Promise.all(
    calls.map(async (call) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call();
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    n: latencies.length,
    errors,
  };
}

const fmt = (r: { perSec: number; p50: number; p99: number; n: number; errors: number }) =>
  `${r.perSec.toFixed(0)}/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.n} calls, ${r.errors} errors)`;

async function restMounted(apiUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/rest/v1/`, { headers: { apikey: LOCAL_ANON_KEY } });
    return res.status !== 404;
  } catch {
    return false;
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-orders-'));
const port = 55000 + Math.floor(Math.random() * 900);
const cluster = await startCluster({ dataDir, port, ephemeral: true });
const services = { stop: async () => {} };
try {
  await prepareDatabase(cluster, {
    migrationsDir: path.join(root, 'supabase', 'migrations'),
    seedPath: path.join(root, 'supabase', 'seed.sql'),
  });
  const admin = postgres(dbUrl({ port }), { max: CLIENTS + 2, onnotice: () => {} });
  const svc = await startServices({
    dbPort: port,
    database: 'postgres',
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
  });
  services.stop = svc.stop;
  const viaRest = await restMounted(svc.apiUrl);

  // 32 users, each with a portfolio large enough never to run out of buying power.
  const users: { id: string; portfolioId: string; token: string }[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const [u] = await admin<{ id: string }[]>`
      insert into auth.users (id, aud, role, email, created_at, updated_at)
      values (gen_random_uuid(), 'authenticated', 'authenticated', ${`bench${i}@example.com`}, now(), now())
      returning id`;
    const id = (u as { id: string }).id;
    const [p] = await admin.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: id, role: 'authenticated' })}, true)`;
      await tx`set local role authenticated`;
      return tx<{ id: string }[]>`select id from public.create_portfolio('Bench', 100000000)`;
    });
    const token = await signJwt(
      { sub: id, role: 'authenticated', aud: 'authenticated', email: `bench${i}@example.com` },
      LOCAL_JWT_SECRET,
      3600,
    );
    users.push({ id, portfolioId: (p as { id: string }).id, token });
  }

  // Resting limit buys far below the market: each call is a full placement (validation, lock, buying
  // power, insert, event, match attempt) without filling.
  let seq = 0;
  const args = (u: (typeof users)[number]) => ({
    portfolio_id: u.portfolioId,
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    time_in_force: 'gtc',
    limit_price: '100.00',
    qty: '1',
    client_order_id: `bench-${seq++}`,
  });
  const rowFor = (u: (typeof users)[number]) => ({
    portfolio_id: u.portfolioId,
    user_id: u.id,
    client_order_id: `base-${seq++}`,
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    time_in_force: 'gtc',
    limit_price: '100.00',
    qty: '1',
    status: 'new',
  });

  let placeCalls: Call[];
  let insertCalls: Call[];
  if (viaRest) {
    placeCalls = users.map((u) => {
      const client = createClient(svc.apiUrl, LOCAL_ANON_KEY, {
        auth: { persistSession: false, autoRefreshToken: false },
        global: { headers: { Authorization: `Bearer ${u.token}` } },
        realtime: { transport: WebSocket as never },
      });
      return async () => {
        const { error } = await client.rpc('place_order', args(u));
        if (error) throw new Error(error.message);
      };
    });
    const service = createClient(svc.apiUrl, LOCAL_SERVICE_ROLE_KEY, {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    });
    insertCalls = users.map((u) => async () => {
      const { error } = await service.from('orders').insert(rowFor(u));
      if (error) throw new Error(error.message);
    });
  } else {
    const pool = postgres(dbUrl({ port, user: 'authenticator' }), { max: CLIENTS, onnotice: () => {} });
    placeCalls = users.map((u) => async () => {
      const a = args(u);
      await pool.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: u.id, role: 'authenticated' })}, true)`;
        await tx`set local role authenticated`;
        await tx`select * from public.place_order(portfolio_id => ${a.portfolio_id}, symbol => ${a.symbol},
          side => ${a.side}, type => ${a.type}, time_in_force => ${a.time_in_force}, limit_price => ${a.limit_price},
          qty => ${a.qty}, client_order_id => ${a.client_order_id})`;
      });
    });
    insertCalls = users.map((u) => async () => {
      const r = rowFor(u);
      await pool.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role' })}, true)`;
        await tx`set local role service_role`;
        await tx`insert into public.orders ${tx(r)}`;
      });
    });
    services.stop = async () => {
      await pool.end();
      await svc.stop();
    };
  }

  const transport = viaRest
    ? 'REST /rest/v1 via supabase-js'
    : 'SQL, the transaction PostgREST runs per request (REST is not mounted in stack/services.ts)';
  console.log(
    `bench:orders — ${CLIENTS} concurrent clients, ${PHASE_MS / 1000} s per phase, transport: ${transport}`,
  );
  const baseline = await closedLoop(insertCalls);
  console.log(`  baseline insert into orders  ${fmt(baseline)}`);
  const placed = await closedLoop(placeCalls);
  console.log(`  place_order                  ${fmt(placed)}`);
  console.log(
    `  place_order / insert: throughput ${(placed.perSec / baseline.perSec).toFixed(2)}x, p50 ${(placed.p50 / baseline.p50).toFixed(2)}x, p99 ${(placed.p99 / baseline.p99).toFixed(2)}x`,
  );

  // Matching: MATCH_ORDERS resting limit buys on one symbol, then one quote crosses them all.
  await admin`update public.orders set status = 'canceled', reserved_cash = 0 where status = 'new'`;
  await admin`
    insert into public.instruments (symbol, name, asset_class, exchange, tick_size, lot_size, min_qty, fractionable)
    values ('BENCH', 'Bench Corp', 'us_equity', 'TEST', 0.01, 1, 1, false)`;
  await admin`insert into public.quotes (symbol, bid, ask, last, quote_ts) values ('BENCH', 99.99, 100.01, 100, now())`;
  const perUser = Math.ceil(MATCH_ORDERS / CLIENTS);
  await Promise.all(
    users.map((u) =>
      admin.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: u.id, role: 'authenticated' })}, true)`;
        await tx`set local role authenticated`;
        for (let i = 0; i < perUser; i++) {
          await tx`select 1 from public.place_order(portfolio_id => ${u.portfolioId}, symbol => 'BENCH', side => 'buy',
            type => 'limit', time_in_force => 'gtc', limit_price => 95, qty => 1)`;
        }
      }),
    ),
  );
  await admin`update public.quotes set bid = 94.00, ask = 94.02, last = 94.01, quote_ts = now() where symbol = 'BENCH'`;
  let t0 = performance.now();
  const [m] = await admin<
    { orders_filled: number }[]
  >`select * from private.process_market_update(array['BENCH'])`;
  const matchSecs = (performance.now() - t0) / 1000;
  const filled = (m as { orders_filled: number }).orders_filled;

  const sampleOrder = (
    await admin<{ id: string; portfolio_id: string; user_id: string }[]>`
    select id, portfolio_id, user_id from public.orders where symbol = 'BENCH' limit 1`
  )[0] as {
    id: string;
    portfolio_id: string;
    user_id: string;
  };
  t0 = performance.now();
  await admin`
    insert into public.fills (order_id, portfolio_id, user_id, symbol, side, qty, price, quote_bid, quote_ask, quote_last, quote_ts)
    select ${sampleOrder.id}, ${sampleOrder.portfolio_id}, ${sampleOrder.user_id}, 'BENCH', 'buy', 1, 94.02, 94, 94.02, 94.01, now()
    from generate_series(1, ${filled})`;
  const insertSecs = (performance.now() - t0) / 1000;
  console.log(
    `  matching: ${filled} fills in ${matchSecs.toFixed(2)} s = ${(filled / matchSecs).toFixed(0)} fills/s`,
  );
  console.log(`  baseline insert of ${filled} rows into fills: ${(filled / insertSecs).toFixed(0)} rows/s`);
  console.log(`  matching / insert: ${(filled / matchSecs / (filled / insertSecs)).toFixed(3)}x`);
  await admin.end();
} finally {
  await services.stop();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
