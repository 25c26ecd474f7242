// `npm run bench:ingest`: sustained trades/s from the simulator over WebSocket through the ingester into
// Postgres (parse, batch, insert-or-noop, bars, quotes, telemetry) with its p99 ingest lag (message received →
// batch committed), against a bare COPY of the same rows into the same table in the same run.
// Bounded: a fixed number of trades (~10-20 s per phase), a hard stop at 120 s; only 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { dbUrl } from '../stack/config.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { registerDataset, startIngester } from '../workers/market-feed/ingester.ts';
import type { TradeMessage } from '../workers/simulator/protocol.ts';
import { RandomWalkMarket } from '../workers/simulator/random-walk.ts';
import { startSimulator } from '../workers/simulator/server.ts';

const TRADES = Number(process.env.BENCH_TRADES ?? 500_000);
const FRAME = 1000;
const SYMBOLS = { AAPL: 190, MSFT: 415, NVDA: 130, TSLA: 240, SPY: 560, QQQ: 480 };
setTimeout(() => {
  console.error('bench:ingest did not finish within 120 s');
  process.exit(1);
}, 120_000).unref();

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-ingest-'));
const port = 55000 + Math.floor(Math.random() * 500);
const cluster = await startCluster({ dataDir, port, ephemeral: true });
try {
  await prepareDatabase(cluster, { migrationsDir: path.join(root, 'supabase', 'migrations') });
  const sql = postgres(dbUrl({ port }), { max: 4, onnotice: () => {} });

  // The same tape for both phases: trades only, ids 1..TRADES, timestamps spread over ~10 minutes.
  const market = new RandomWalkMarket(SYMBOLS, 2026);
  const trades: TradeMessage[] = [];
  const t0 = Date.now() - 600_000;
  while (trades.length < TRADES) {
    const m = market.next(t0 + Math.floor((trades.length / TRADES) * 600_000));
    if (m.T === 't') trades.push(m);
  }

  // Baseline: bare COPY of the same rows into the same table.
  const copyDataset = await registerDataset(sql, { name: 'bench-copy', feedUrl: 'copy' });
  const copyStart = performance.now();
  const rows = function* () {
    for (let k = 0; k < trades.length; k += 10_000) {
      let chunk = '';
      for (const t of trades.slice(k, k + 10_000))
        chunk += `${copyDataset}\t${t.i}\t${t.S}\t${t.p}\t${t.s}\t${t.x}\t${t.c.join(',')}\t${t.z}\t${t.t}\t${new Date().toISOString()}\n`;
      yield chunk;
    }
  };
  const copy = await sql`
    copy public.market_trades (dataset_id, trade_id, symbol, price, size, exchange, conditions, tape, trade_ts, received_at)
    from stdin`.writable();
  await pipeline(Readable.from(rows()), copy);
  const copySec = (performance.now() - copyStart) / 1000;
  const copyRate = TRADES / copySec;

  // The ingester: simulator → WebSocket → ingester → Postgres.
  const sim = await startSimulator({ symbols: SYMBOLS, key: 'k', secret: 's' });
  const lags: number[] = [];
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const ingester = await startIngester({
    sql,
    dataset: { name: 'bench-ingest' },
    feedUrl: sim.url,
    key: 'k',
    secret: 's',
    batchSize: 10_000,
    maxQueue: 100_000,
    flushMs: 20,
    onAck: (batch) => {
      const now = Date.now();
      for (const t of batch) lags.push(now - t.receivedAt);
      acked += batch.length;
      if (acked >= TRADES) done();
    },
  });
  while (sim.subscriptions().length === 0) await new Promise((r) => setTimeout(r, 10));
  const ingestStart = performance.now();
  for (let k = 0; k < trades.length; k += FRAME) {
    sim.publish(trades.slice(k, k + FRAME));
    // Pace on the socket: the simulator never buffers more than a few MB for the ingester.
    await sim.drained(4 * 1024 * 1024);
  }
  await finished;
  const ingestSec = (performance.now() - ingestStart) / 1000;
  const ingestRate = TRADES / ingestSec;
  await ingester.stop();
  await sim.close();

  const [check] = await sql<{ n: string; bars: string }[]>`
    select (select count(*) from public.market_trades where dataset_id = ${ingester.datasetId})::text as n,
      (select count(*) from public.market_bars_1m where dataset_id = ${ingester.datasetId})::text as bars`;
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
  console.log(
    `trades: ${TRADES} (${SYMBOLS ? Object.keys(SYMBOLS).length : 0} symbols), stored by ingester: ${check?.n}, bars: ${check?.bars}`,
  );
  console.log(
    `bare COPY into market_trades:   ${Math.round(copyRate).toLocaleString('en-US')} trades/s (${copySec.toFixed(2)} s)`,
  );
  console.log(
    `ingester (ws → batches → PG):   ${Math.round(ingestRate).toLocaleString('en-US')} trades/s (${ingestSec.toFixed(2)} s), ` +
      `ingest lag p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${lags[lags.length - 1]} ms`,
  );
  console.log(
    `ratio ingester / bare COPY: ${(ingestRate / copyRate).toFixed(2)} (target ≥ 0.60); target ≥ 50,000 trades/s: ${ingestRate >= 50_000 ? 'met' : 'NOT met'}`,
  );
  await sql.end();
} finally {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
