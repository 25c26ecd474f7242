// Shared set-up for the market-data tests: the simulator in-process on a free port and an ingester
// against a fresh database, plus bounded polling instead of sleeps.
import type postgres from 'postgres';
import { type Ingester, type IngesterOptions, startIngester } from '../../workers/market-feed/ingester.ts';
import type { Trade } from '../../workers/market-feed/parse-message.ts';
import { connectPostgres } from '../../workers/market-feed/postgres-client.ts';
import { type Simulator, startSimulator } from '../../workers/simulator/server.ts';
import { freePort } from '../helpers/ports.ts';

export const SYMBOLS = { AAPL: 190, MSFT: 415, NVDA: 130 };

export async function simulator(seed = 42): Promise<Simulator> {
  return startSimulator({ port: await freePort(), symbols: SYMBOLS, seed, key: 'k', secret: 's' });
}

export interface TestIngester {
  ingester: Ingester;
  acked: Trade[];
}

/** An ingester on its own client (as in production) into the test database at `db.url`. */
export async function ingester(
  db: { url: string },
  sim: Simulator,
  dataset: string,
  extra: Partial<IngesterOptions> = {},
): Promise<TestIngester> {
  const acked: Trade[] = [];
  const sql = connectPostgres(db.url, { max: 2, onnotice: () => {} });
  const ingester = await startIngester({
    sql,
    dataset: { name: dataset },
    feedUrl: sim.url,
    key: 'k',
    secret: 's',
    flushMs: 10,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    onAck: (trades) => acked.push(...trades),
    ...extra,
  });
  const { stop, kill } = ingester;
  ingester.stop = () => stop().finally(() => sql.end());
  // A crash takes its connections with it: whatever was in flight is rolled back.
  ingester.kill = () => kill().finally(() => sql.end({ timeout: 0 }));
  return { ingester, acked };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then fails naming `what`). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the simulator has an authenticated, subscribed client. */
export const subscribed = (sim: Simulator, n = 1) =>
  waitFor(
    'the ingester to subscribe',
    () => sim.subscriptions().filter((s) => s.trades.length > 0).length >= n,
  );

export const storedIds = async (sql: postgres.Sql, datasetId: string) =>
  (
    await sql<{ trade_id: string }[]>`
      select trade_id::text from public.market_trades where dataset_id = ${datasetId}`
  )
    .map((r) => Number(r.trade_id))
    .sort((a, b) => a - b);
