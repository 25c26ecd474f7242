// `npm run bench:rest`: /rest/v1 through the gateway at 32 concurrent clients for four request shapes (GET by
// primary key, a filtered list with an embed, an insert, an RPC), each against the same query run directly
// with postgres.js in the same run. Target: gateway GET-by-key throughput ≥ 60% of direct SQL.
//
// What each side does:
// - gateway: the stack's HTTP gateway runs in its own Node process, as it does when deployed (`npm start`);
//   this process is only the HTTP client (a lean keep-alive HTTP/1.1 client, one socket per client, so
//   the load generator costs about what postgres.js costs on the direct side). Each request: apikey check, JWT
//   verification, one transaction as the JWT's role with PostgREST's request.* settings, a body built as
//   JSON by Postgres (json_agg), commit.
// - direct: the same statement straight to Postgres as `postgres` from this process with postgres.js (named
//   prepared statements), rows parsed by postgres.js; no transaction, role switch or JSON building.
// Both use a pool of POOL connections. Phases run gateway, direct, direct, gateway (ABBA) so drift in the
// shared machine's load hits both sides alike. CPU per request (this process, the gateway process, all of
// Postgres) comes from /proc and says where the time goes.
// Bounded: 4 × 2.5 s per case after a 4 s warm-up (~75 s with setup); only 127.0.0.1; stops by itself.
// Knobs: BENCH_REST_CASES=get,embed,insert,rpc picks cases; BENCH_REST_POOL (4), BENCH_REST_PHASE_MS (2500);
// BENCH_REST_PROFILE=<dir> writes a V8 CPU profile of the gateway process there (node --cpu-prof).
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { dbUrl, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../stack/config.ts';
import { postmasterPid, startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { startServices } from '../stack/services.ts';

const CLIENTS = 32;
/** Connections on each side, the gateway's REST pool and the direct baseline's: 2 × the machine's 2 cores. */
const POOL = Number(process.env.BENCH_REST_POOL ?? 4);
const PHASE_MS = Number(process.env.BENCH_REST_PHASE_MS ?? 2_500);
const root = path.resolve(import.meta.dirname, '..');

interface Result {
  perSec: number;
  p50: number;
  p99: number;
  n: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CLIENTS workers calling `call` back to back for `ms`; `into` collects latencies across phases. */
async function closedLoop(call: (i: number, worker: number) => Promise<void>, ms: number, into: number[]) {
  let errors = 0;
  let seq = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call(seq++, worker);
          into.push(performance.now() - t0);
        } catch (err) {
          if (errors++ === 0) console.error('  first error:', (err as Error).message);
        }
      }
    }),
  );
  return errors;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux
/** utime + stime of a process (all its threads) in ms. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0; // exited
  }
}
/** CPU ms of the postmaster and every process it started (backends, WAL sender, background workers). */
function postgresCpu(postmaster: number): number {
  let total = cpuOf(postmaster);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) total += cpuOf(Number(d));
    } catch {}
  }
  return total;
}

const fmt = (r: Result) =>
  `${r.perSec.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.n} calls, ${r.errors} errors)`;

/** One keep-alive HTTP/1.1 connection answering one request at a time (responses carry content-length). */
class HttpConnection {
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private lastUsed = 0;
  private waiting: {
    resolve: (r: { status: number; body: string }) => void;
    reject: (e: Error) => void;
  } | null = null;
  constructor(private readonly url: URL) {}

  request(method: string, path: string, headers: Record<string, string>, body?: string) {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.url.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    // Node's server drops keep-alive sockets idle for 5 s (as between this bench's phases): reconnect first.
    if (this.socket && performance.now() - this.lastUsed > 4_000) this.socket.destroy();
    this.lastUsed = performance.now();
    const socket = this.socket && !this.socket.destroyed ? this.socket : this.connect();
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`${head}\r\n${body ?? ''}`);
    });
  }

  close() {
    this.socket?.destroy();
  }

  private connect(): net.Socket {
    const socket = net.connect(Number(this.url.port), this.url.hostname);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse();
    });
    const fail = (err: Error) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.buf = Buffer.alloc(0);
      this.waiting?.reject(err);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    this.socket = socket;
    return socket;
  }

  private parse() {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding:/i.test(head)) throw new Error('chunked responses are not expected');
    const length = m ? Number(m[1]) : 0;
    if (this.buf.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = this.buf.toString('utf8', end + 4, end + 4 + length);
    this.buf = this.buf.subarray(end + 4 + length);
    const w = this.waiting;
    this.waiting = null;
    w?.resolve({ status, body });
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-rest-'));
  const port = 55000 + Math.floor(Math.random() * 900);
  const cluster = await startCluster({ dataDir, port, ephemeral: true });
  let server: ChildProcess | null = null;
  let direct: postgres.Sql | null = null;
  try {
    await prepareDatabase(cluster, { migrationsDir: path.join(root, 'supabase', 'migrations') });
    const admin = postgres(dbUrl({ port }), { max: 2, onnotice: () => {} });
    await admin.unsafe(readFileSync(path.join(root, 'tests', 'fixtures', 'rest', 'chat.sql'), 'utf8'));
    await admin.unsafe(`
    insert into public.rest_users (username, age, balance)
      select 'user' || g, g % 80, g * 1.5 from generate_series(1, 10000) g;
    insert into public.rest_channels (slug, created_by) select 'ch' || g, g from generate_series(1, 1000) g;
    insert into public.rest_messages (message, channel_id, author_id)
      select 'm' || g, 3 + g % 1000, 5 + g % 10000 from generate_series(1, 50000) g;
    analyze;`);
    await admin.end();
    const profileDir = process.env.BENCH_REST_PROFILE;
    const child = fork(import.meta.filename, [], {
      execArgv: [
        ...process.execArgv,
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : []),
      ],
      env: { ...process.env, NEXURAL_BENCH_REST_SERVER: String(port) },
      stdio: 'inherit',
    });
    server = child;
    const apiBase = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { apiUrl: string }).apiUrl));
      child.once('exit', (code) => reject(new Error(`gateway process exited (${code})`)));
    });
    const rest = `${apiBase}/rest/v1`;
    const headers = { apikey: LOCAL_ANON_KEY, authorization: `Bearer ${LOCAL_ANON_KEY}` };
    const json = { ...headers, 'content-type': 'application/json' };
    // A lean HTTP/1.1 keep-alive client (one socket per client, the request written in one piece), so the
    // load generator's own cost stays close to postgres.js's on the direct side; node:http's client costs
    // more CPU per request than the gateway's whole JS path, on the same 2 cores.
    const apiUrl = new URL(apiBase);
    const connections = Array.from({ length: CLIENTS }, () => new HttpConnection(apiUrl));
    const fetch = (
      i: number,
      url: string,
      init: { method?: string; headers: Record<string, string>; body?: string },
    ) =>
      (connections[i % CLIENTS] as HttpConnection).request(
        init.method ?? 'GET',
        url.slice(apiBase.length),
        init.headers,
        init.body,
      );
    const ok = async (res: { status: number; body: string }) => {
      if (res.status >= 300) throw new Error(`${res.status} ${res.body}`);
    };
    direct = postgres(dbUrl({ port }), { max: POOL, onnotice: () => {} });
    const d = direct;

    const cases: {
      key: string;
      name: string;
      gateway: (i: number, w: number) => Promise<void>;
      sql: (i: number, w: number) => Promise<void>;
    }[] = [
      {
        key: 'get',
        name: 'GET by primary key',
        // Both sides check they got the row asked for, so neither can be fast by answering wrongly.
        gateway: async (i, w) => {
          const id = 1 + (i % 10000);
          const res = await fetch(w, `${rest}/rest_users?select=*&id=eq.${id}`, { headers });
          await ok(res);
          if (!res.body.startsWith(`[{"id":${id},`)) throw new Error(`GET ${id} answered ${res.body}`);
        },
        sql: async (i) => {
          const id = 1 + (i % 10000);
          const rows = await d.unsafe('select * from public.rest_users where id = $1', [id]);
          if (rows.length !== 1 || Number(rows[0]?.id) !== id)
            throw new Error(`select ${id} returned ${rows.length} rows`);
        },
      },
      {
        key: 'embed',
        name: 'filtered list + embed',
        gateway: async (i, w) =>
          ok(
            await fetch(
              w,
              `${rest}/rest_messages?select=id,message,rest_users(username)&channel_id=eq.${3 + (i % 1000)}&order=id.desc&limit=20`,
              { headers },
            ),
          ),
        sql: async (i) => {
          await d.unsafe(
            `select m.id, m.message, json_build_object('username', u.username) as rest_users
           from public.rest_messages m left join public.rest_users u on u.id = m.author_id
           where m.channel_id = $1 order by m.id desc limit 20`,
            [3 + (i % 1000)],
          );
        },
      },
      {
        key: 'insert',
        name: 'insert',
        gateway: async (i, w) =>
          ok(
            await fetch(w, `${rest}/rest_messages`, {
              method: 'POST',
              headers: json,
              body: JSON.stringify({
                message: `g${i}`,
                channel_id: 3 + (i % 1000),
                author_id: 5 + (i % 10000),
              }),
            }),
          ),
        sql: async (i) => {
          await d.unsafe(
            'insert into public.rest_messages (message, channel_id, author_id) values ($1, $2, $3)',
            [`d${i}`, 3 + (i % 1000), 5 + (i % 10000)],
          );
        },
      },
      {
        key: 'rpc',
        name: 'RPC (rest_add)',
        gateway: async (i, w) =>
          ok(
            await fetch(w, `${rest}/rpc/rest_add`, {
              method: 'POST',
              headers: json,
              body: JSON.stringify({ a: i, b: 1 }),
            }),
          ),
        sql: async (i) => {
          await d.unsafe('select public.rest_add($1, $2)', [i, 1]);
        },
      },
    ];
    const only = process.env.BENCH_REST_CASES?.split(',');
    const postmaster = postmasterPid(dataDir) ?? 0;
    const gatewayPid = child.pid ?? 0;

    console.log(
      `bench:rest — ${CLIENTS} concurrent clients, pool ${POOL} connections per side, 4 × ${PHASE_MS / 1000} s phases (ABBA), 127.0.0.1; gateway in its own process`,
    );
    for (const c of cases) {
      if (only && !only.includes(c.key)) continue;
      // Warm both paths (JIT, prepared statements, connection pools) before measuring; the gateway's
      // process needs longer for its optimizing compiler to settle on a busy machine.
      await closedLoop(c.gateway, 3_000, []);
      await closedLoop(c.sql, 1_000, []);
      const lat = { gateway: [] as number[], sql: [] as number[] };
      const err = { gateway: 0, sql: 0 };
      const ms = { gateway: 0, sql: 0 };
      const cpu = {
        gateway: { client: 0, server: 0, pg: 0 },
        sql: { client: 0, server: 0, pg: 0 },
      };
      for (const side of ['gateway', 'sql', 'sql', 'gateway'] as const) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const s0 = cpuOf(gatewayPid);
        const p0 = postgresCpu(postmaster);
        err[side] += await closedLoop(c[side], PHASE_MS, lat[side]);
        const used = process.cpuUsage(c0);
        cpu[side].client += (used.user + used.system) / 1000;
        cpu[side].server += cpuOf(gatewayPid) - s0;
        cpu[side].pg += postgresCpu(postmaster) - p0;
        ms[side] += performance.now() - t0;
      }
      const result = (side: 'gateway' | 'sql'): Result => {
        const l = lat[side].sort((a, b) => a - b);
        return {
          perSec: l.length / (ms[side] / 1000),
          p50: percentile(l, 50),
          p99: percentile(l, 99),
          n: l.length,
          errors: err[side],
        };
      };
      const g = result('gateway');
      const s = result('sql');
      const perReq = (side: 'gateway' | 'sql', n: number) => {
        const x = cpu[side];
        const us = (v: number) => `${((1000 * v) / n).toFixed(0)} µs`;
        return `CPU per request: client ${us(x.client)}, gateway ${us(x.server)}, postgres ${us(x.pg)}`;
      };
      console.log(`${c.name.padEnd(22)} gateway ${fmt(g)}`);
      console.log(`${''.padEnd(22)}         ${perReq('gateway', g.n)}`);
      console.log(`${''.padEnd(22)} direct  ${fmt(s)}`);
      console.log(`${''.padEnd(22)}         ${perReq('sql', s.n)}`);
      console.log(
        `${''.padEnd(22)} ratio   ${((100 * g.perSec) / s.perSec).toFixed(0)}% of direct throughput` +
          (c.key === 'get' ? ` (target ≥ 60%: ${g.perSec >= 0.6 * s.perSec ? 'met' : 'NOT met'})` : ''),
      );
    }
    for (const c of connections) c.close();
  } finally {
    await direct?.end({ timeout: 5 });
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.send('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.NEXURAL_BENCH_REST_SERVER) {
  // The gateway process: serve until the parent says stop (or goes away).
  const svc = await startServices({
    dbPort: Number(process.env.NEXURAL_BENCH_REST_SERVER),
    database: 'postgres',
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    restPoolSize: POOL,
  });
  const stop = async () => {
    await svc.stop();
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send?.({ apiUrl: svc.apiUrl });
} else {
  await main();
}
