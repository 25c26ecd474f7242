// `npm run bench:ingest`: sustained trades/s from the simulator over WebSocket through the ingester into
// Postgres (parse, batch, insert-or-noop, bars, quotes, telemetry) with its p99 ingest lag (message received →
// batch committed), against a bare COPY of the same rows into the same table in the same run.
// As in production, the simulator (bench/ingest-feed.ts), the ingester (this process) and Postgres are three
// processes. Bounded: a fixed number of trades (~10-20 s per phase), a hard stop at 120 s; only 127.0.0.1.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dbUrl } from '../stack/config.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { registerDataset, startIngester } from '../workers/market-feed/ingester.ts';
import { connectPostgres } from '../workers/market-feed/postgres-client.ts';
import { benchTape, SYMBOLS } from './ingest-tape.ts';

const TRADES = Number(process.env.BENCH_TRADES ?? 500_000);
setTimeout(() => {
  console.error('bench:ingest did not finish within 120 s');
  process.exit(1);
}, 120_000).unref();

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-ingest-'));
// A port the kernel just handed out (a random one can be some client's ephemeral port).
const port = await new Promise<number>((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as net.AddressInfo;
    probe.close(() => resolve(port));
  });
});
const cluster = await startCluster({ dataDir, port, ephemeral: true });
try {
  await prepareDatabase(cluster, { migrationsDir: path.join(root, 'supabase', 'migrations') });
  const sql = connectPostgres(dbUrl({ port }), { max: 4, onnotice: () => {} });

  // The same tape for both phases (the simulator process builds it from the same seed and start).
  const t0 = Date.now() - 600_000;
  let trades = benchTape(TRADES, t0);

  // Baseline: bare COPY of the same rows into the same table.
  const copyDataset = await registerDataset(sql, { name: 'bench-copy', feedUrl: 'copy' });
  const copyCpu = cpuMeter();
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
  const copyUsage = copyCpu.read();
  trades = []; // the ingester process holds no tape in production: do not make its garbage collector walk one
  // Each phase starts from an empty table: the tape's rows would otherwise interleave with the baseline's in
  // both indexes (same symbols, same times) and cost the ingester page splits the baseline never paid.
  await sql`truncate public.market_trades`;

  // The ingester: simulator process → WebSocket → ingester → Postgres.
  const feed = fork(path.join(import.meta.dirname, 'ingest-feed.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_TRADES: String(TRADES) },
  });
  const url = await nextMessage<{ url: string }>(feed, 'url');
  feed.send({ build: t0 });
  await nextMessage(feed, 'built');
  const lags: number[] = [];
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const ingester = await startIngester({
    sql,
    dataset: { name: 'bench-ingest' },
    feedUrl: url.url,
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
  while (ingester.subscriptions === 0) await new Promise((r) => setTimeout(r, 10));
  const ingestCpu = cpuMeter(feed.pid);
  const ingestStart = performance.now();
  feed.send({ go: true });
  await finished;
  const ingestSec = (performance.now() - ingestStart) / 1000;
  const ingestRate = TRADES / ingestSec;
  const ingestUsage = ingestCpu.read();
  await ingester.stop();
  feed.send({ close: true });

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
  // CPU per trade of each process: what the work costs, whatever else the machine was doing.
  const perTrade = (ms: number) => `${((ms * 1000) / TRADES).toFixed(1)} µs`;
  console.log(
    `CPU per trade, bare COPY: Postgres ${perTrade(copyUsage.postgres)}, bench ${perTrade(copyUsage.self)}; ` +
      `ingester run: Postgres ${perTrade(ingestUsage.postgres)}, ingester ${perTrade(ingestUsage.self)}, ` +
      `simulator ${perTrade(ingestUsage.child)}`,
  );
  console.log(
    `ratio ingester / bare COPY: ${(ingestRate / copyRate).toFixed(2)} (target ≥ 0.60); target ≥ 50,000 trades/s: ${ingestRate >= 50_000 ? 'met' : 'NOT met'}`,
  );
  await sql.end();
} finally {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/** CPU ms used since creation by this process, a child and every process of the Postgres cluster (Linux). */
function cpuMeter(childPid?: number) {
  const ticks = (pid: number) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, at USER_HZ 100
    } catch {
      return 0; // gone, or not Linux
    }
  };
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const cluster = () => {
    let ms = 0;
    for (const pid of [
      postmaster,
      ...readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .map(Number),
    ]) {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
        if (pid === postmaster || ppid === postmaster) ms += ticks(pid);
      } catch {}
    }
    return ms;
  };
  const start = { postgres: cluster(), self: process.cpuUsage(), child: childPid ? ticks(childPid) : 0 };
  return {
    read() {
      const self = process.cpuUsage(start.self);
      return {
        postgres: cluster() - start.postgres,
        self: (self.user + self.system) / 1000,
        child: childPid ? ticks(childPid) - start.child : 0,
      };
    },
  };
}

function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
  });
}
