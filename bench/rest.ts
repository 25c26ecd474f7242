// `npm run bench:rest`: /rest/v1 through the gateway at 32 concurrent clients for four request shapes (GET by
// primary key, a filtered list with an embed, an insert, an RPC), each against the same query run directly
// with postgres.js in the same run. Target: gateway GET-by-key throughput ≥ 60% of direct SQL.
// Bounded: 5 s per timed phase after a 1.5 s warm-up per case (~60 s with setup); only 127.0.0.1; stops by itself.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { dbUrl, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../stack/config.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { startServices } from '../stack/services.ts';

const CLIENTS = 32;
const PHASE_MS = 5_000;
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

/** CLIENTS workers calling `call` back to back for PHASE_MS. */
async function closedLoop(call: (i: number) => Promise<void>, ms = PHASE_MS): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let seq = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call(seq++);
          latencies.push(performance.now() - t0);
        } catch (err) {
          if (errors++ === 0) console.error('  first error:', (err as Error).message);
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / ((performance.now() - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    n: latencies.length,
    errors,
  };
}

const fmt = (r: Result) =>
  `${r.perSec.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.n} calls, ${r.errors} errors)`;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-rest-'));
const port = 55000 + Math.floor(Math.random() * 900);
const cluster = await startCluster({ dataDir, port, ephemeral: true });
let stopServices = async () => {};
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
  const svc = await startServices({
    dbPort: port,
    database: 'postgres',
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
  });
  stopServices = svc.stop;
  const rest = `${svc.apiUrl}/rest/v1`;
  const headers = { apikey: LOCAL_ANON_KEY, authorization: `Bearer ${LOCAL_ANON_KEY}` };
  const json = { ...headers, 'content-type': 'application/json' };
  // node:http with keep-alive rather than fetch: the client's own cost should not count against the gateway.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const apiUrl = new URL(svc.apiUrl);
  const fetch = (url: string, init: { method?: string; headers: Record<string, string>; body?: string }) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: apiUrl.hostname,
          port: apiUrl.port,
          path: url.slice(svc.apiUrl.length),
          method: init.method ?? 'GET',
          headers: init.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  const ok = async (res: { status: number; body: string }) => {
    if (res.status >= 300) throw new Error(`${res.status} ${res.body}`);
  };
  // The baseline: the same statement straight to Postgres as `postgres` (no transaction, role switch or JSON
  // building), with as many connections as clients.
  direct = postgres(dbUrl({ port }), { max: CLIENTS, onnotice: () => {} });

  const cases: { name: string; gateway: (i: number) => Promise<void>; sql: (i: number) => Promise<void> }[] =
    [
      {
        name: 'GET by primary key',
        gateway: async (i) =>
          ok(await fetch(`${rest}/rest_users?select=*&id=eq.${1 + (i % 10000)}`, { headers })),
        sql: async (i) => {
          await direct?.unsafe('select * from public.rest_users where id = $1', [1 + (i % 10000)]);
        },
      },
      {
        name: 'filtered list + embed',
        gateway: async (i) =>
          ok(
            await fetch(
              `${rest}/rest_messages?select=id,message,rest_users(username)&channel_id=eq.${3 + (i % 1000)}&order=id.desc&limit=20`,
              { headers },
            ),
          ),
        sql: async (i) => {
          await direct?.unsafe(
            `select m.id, m.message, json_build_object('username', u.username) as rest_users
           from public.rest_messages m left join public.rest_users u on u.id = m.author_id
           where m.channel_id = $1 order by m.id desc limit 20`,
            [3 + (i % 1000)],
          );
        },
      },
      {
        name: 'insert',
        gateway: async (i) =>
          ok(
            await fetch(`${rest}/rest_messages`, {
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
          await direct?.unsafe(
            'insert into public.rest_messages (message, channel_id, author_id) values ($1, $2, $3)',
            [`d${i}`, 3 + (i % 1000), 5 + (i % 10000)],
          );
        },
      },
      {
        name: 'RPC (rest_add)',
        gateway: async (i) =>
          ok(
            await fetch(`${rest}/rpc/rest_add`, {
              method: 'POST',
              headers: json,
              body: JSON.stringify({ a: i, b: 1 }),
            }),
          ),
        sql: async (i) => {
          await direct?.unsafe('select public.rest_add($1, $2)', [i, 1]);
        },
      },
    ];

  console.log(`bench:rest — ${CLIENTS} concurrent clients, ${PHASE_MS / 1000} s per phase, 127.0.0.1`);
  for (const c of cases) {
    // Warm both paths (JIT, prepared statements, connection pools) before measuring.
    await closedLoop(c.gateway, 1_000);
    await closedLoop(c.sql, 500);
    const g = await closedLoop(c.gateway);
    const d = await closedLoop(c.sql);
    console.log(`${c.name.padEnd(22)} gateway ${fmt(g)}`);
    console.log(`${''.padEnd(22)} direct  ${fmt(d)}`);
    console.log(
      `${''.padEnd(22)} ratio   ${((100 * g.perSec) / d.perSec).toFixed(0)}% of direct throughput` +
        (c.name === 'GET by primary key'
          ? ` (target ≥ 60%: ${g.perSec >= 0.6 * d.perSec ? 'met' : 'NOT met'})`
          : ''),
    );
  }
} finally {
  await direct?.end({ timeout: 5 });
  await stopServices();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
