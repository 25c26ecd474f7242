// `npm run bench:realtime`: commit→delivery latency of postgres_changes checked against RLS for every
// subscriber, against broadcast delivery over the same sockets in the same run.
//
// Setup: one Postgres, the stack's services in a child process (the server), and this process holding 1,000
// WebSocket subscribers (Phoenix vsn 2.0.0, as realtime-js) on 127.0.0.1: 10 teams of 100 users, each its own
// JWT. Every subscriber listens to all INSERTs on bench_rt; RLS lets a user see a row only if they are a member
// of the row's team (a policy with a subquery on a membership table), so each change is evaluated for all
// 1,000 subscribers (grouped by claims) and delivered to 100. The baseline broadcasts the same number of
// messages per second to the team topics (same fan-out of 100). Bounded: 2 s of warm-up and 10 s per phase, ~50 s in all.
// Three processes besides Postgres: the server, the subscribers (where latency is measured) and the load
// generator (inserts, or REST broadcasts over keep-alive HTTP), so producing load steals from neither.
// The server reports what each stage of postgres_changes cost per batch (BENCH_CPU_PROF=dir profiles it).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import WebSocket from 'ws';
import { dbUrl, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../stack/config.ts';
import { signJwt } from '../stack/jwt.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { startServices } from '../stack/services.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const TEAMS = 10;
const RATE = Number(process.env.BENCH_RATE ?? 200); // changes (and broadcasts) per second
const PHASE_MS = 10_000;
const WARMUP_MS = 2_000;
/**
 * The membership table is indexed on user_id, the column the policies look users up by (the primary key
 * leads with team), as Supabase's RLS guidance asks of every column a policy filters on.
 * BENCH_MEMBERS_INDEX=0 leaves the index out: each subscriber group's check then scans the whole membership
 * table once per batch, which costs more than the rest of the check; the variant shows what is the policy's
 * cost and what is Realtime's.
 */
const INDEXED = process.env.BENCH_MEMBERS_INDEX !== '0';
/**
 * BENCH_POLICY=claim: the team comes from the user's JWT (a custom claim, as a custom access token hook
 * adds) and the policy compares it with the row, with no table to look up: what the per-subscriber check
 * costs when the policy itself costs next to nothing (one parse of the claims).
 */
const CLAIM_POLICY = process.env.BENCH_POLICY === 'claim';
const DRAIN_MS = 3_000;
const root = path.resolve(import.meta.dirname, '..');

if (process.argv[2] === 'serve') {
  // Child: the Supabase surface over the prepared database, so server and clients each get a core.
  const [dbPort, database] = [Number(process.argv[3]), process.argv[4] as string];
  // Where the server's time goes, stage by stage, summed per phase (the parent asks with "stats" on stdin).
  const totals = {
    batches: 0,
    changes: 0,
    rowChecks: 0,
    groups: 0,
    messages: 0,
    queuedMs: 0,
    maxQueuedMs: 0,
    maxDoneMs: 0,
  };
  const stageMs = { matchMs: 0, checkMs: 0, fanoutMs: 0 };
  let serverLatencies: number[] = [];
  const services = await startServices({
    realtime: {
      onBatch: (b) => {
        totals.batches++;
        totals.changes += b.changes;
        totals.rowChecks += b.rowChecks;
        totals.groups += b.groups;
        totals.messages += b.messages;
        totals.queuedMs += b.queuedMs;
        totals.maxQueuedMs = Math.max(totals.maxQueuedMs, b.queuedMs);
        totals.maxDoneMs = Math.max(totals.maxDoneMs, b.doneMs);
        stageMs.matchMs += b.matchMs;
        stageMs.checkMs += b.checkMs;
        stageMs.fanoutMs += b.fanoutMs;
        serverLatencies.push(...b.changeMs);
      },
    },
    dbPort,
    database,
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
  });
  console.log(`READY ${services.apiUrl}`);
  const stop = () => void services.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  // The parent holds our stdin open: if it dies, so do we.
  process.stdin.on('end', stop);
  let cpuMark = process.cpuUsage();
  process.stdin.on('data', (d: Buffer) => {
    const command = d.toString();
    if (!command.includes('stats') && !command.includes('reset')) return;
    const n = Math.max(1, totals.batches);
    const cpu = process.cpuUsage(cpuMark);
    serverLatencies.sort((x, y) => x - y);
    cpuMark = process.cpuUsage();
    if (command.includes('stats'))
      console.log(
        `STATS server CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms` +
          (totals.batches === 0
            ? ''
            : `; ${totals.batches} batches, ${(totals.changes / n).toFixed(1)} changes and ${(totals.groups / n).toFixed(0)} groups a batch, ` +
              `${totals.rowChecks} row checks, ${totals.messages} messages; per batch: queued ${(totals.queuedMs / n).toFixed(1)} ms ` +
              `(max ${totals.maxQueuedMs}), match ${(stageMs.matchMs / n).toFixed(1)} ms, RLS check ${(stageMs.checkMs / n).toFixed(1)} ms, ` +
              `fan-out ${(stageMs.fanoutMs / n).toFixed(1)} ms; commit→fanned-out per change p50 ` +
              `${percentile(serverLatencies, 50)} ms, p99 ${percentile(serverLatencies, 99)} ms, max ${totals.maxDoneMs} ms`),
      );
    serverLatencies = [];
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] = 0;
    for (const k of Object.keys(stageMs) as (keyof typeof stageMs)[]) stageMs[k] = 0;
  });
  process.stdin.resume();
} else if (process.argv[2] === 'load') {
  // Child: the offered load, in its own process so that neither the server nor the subscribers' event loop
  // (where latency is measured) pays for producing it.
  const [kind, target, ms] = [process.argv[3], process.argv[4] as string, Number(process.argv[5])];
  let failed = 0;
  if (kind === 'broadcast') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const url = new URL(`${target}/realtime/v1/api/broadcast`);
    const total = await paced(
      ms,
      (n) =>
        new Promise<void>((resolve) => {
          const body = JSON.stringify({
            messages: [{ topic: `team-${n % TEAMS}`, event: 'tick', payload: { n, sentAt: Date.now() } }],
          });
          const req = http.request(
            url,
            {
              method: 'POST',
              agent,
              headers: { apikey: LOCAL_SERVICE_ROLE_KEY, 'content-type': 'application/json' },
            },
            (res) => {
              if (res.statusCode !== 202) failed++;
              res.resume().on('end', () => resolve());
            },
          );
          req.on('error', () => {
            failed++;
            resolve();
          });
          req.end(body);
        }),
    );
    agent.destroy();
    console.log(`DONE ${total} ${failed}`);
  } else {
    // The writer commits as production does, so its WAL is flushed, and visible to the replication slot, at
    // commit rather than on the WAL writer's schedule (the bench cluster is ephemeral: synchronous_commit off).
    const sql = postgres(dbUrl({ port: Number(target) }), {
      max: 8,
      onnotice: () => {},
      connection: { synchronous_commit: 'on' },
    });
    const total = await paced(ms, (n) =>
      sql`insert into bench_rt (team, body) values (${n % TEAMS}, ${`change ${n}`})`.catch(() => {
        failed++;
      }),
    );
    await sql.end();
    console.log(`DONE ${total} ${failed}`);
  }
  process.exit(0);
} else {
  await main();
}

/** Offered load at a fixed rate: one insert (its own transaction) or one broadcast every 1/RATE s. */
async function paced(ms: number, send: (n: number) => Promise<unknown>): Promise<number> {
  const total = Math.round((RATE * ms) / 1000);
  const start = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Promise.resolve starts it now: a postgres.js query is lazy until something awaits it.
    inflight.push(Promise.resolve(send(n)));
  }
  await Promise.all(inflight);
  return total;
}

/** CPU time (ms) of the postmaster's children so far: what Postgres spent, whoever the machine shares with. */
function postgresCpuMs(dataDir: string): number {
  try {
    const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const tick = 1000 / 100; // USER_HZ
    let ms = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) !== postmaster && Number(pid) !== postmaster) continue;
        ms += (Number(fields[11]) + Number(fields[12])) * tick;
      } catch {}
    }
    return ms;
  } catch {
    return Number.NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Phase {
  latencies: number[];
  distinct: Set<string>;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-rt-'));
  const cluster = await startCluster({
    dataDir,
    port: 54900 + Math.floor(Math.random() * 90),
    ephemeral: true,
  });
  let server: ReturnType<typeof spawn> | undefined;
  const sockets: WebSocket[] = [];
  try {
    await prepareDatabase(cluster, {
      migrationsDir: path.join(root, 'supabase', 'migrations'),
      seedPath: path.join(root, 'supabase', 'seed.sql'),
    });
    // Setup only; the load generator child writes the measured changes.
    const sql = postgres(dbUrl({ port: cluster.port }), { max: 2, onnotice: () => {} });
    await sql.unsafe(`
      create table public.bench_members (team int not null, user_id uuid not null, primary key (team, user_id));
      create table public.bench_rt (id bigint generated always as identity primary key, team int not null,
        body text not null);
      alter table public.bench_members enable row level security;
      alter table public.bench_rt enable row level security;
      ${INDEXED ? 'create index bench_members_user on public.bench_members (user_id);' : ''}
      create policy bench_members_self on public.bench_members for select to authenticated
        using (user_id = (select auth.uid()));
      create policy bench_rt_team_select on public.bench_rt for select to authenticated using (${
        CLAIM_POLICY
          ? `team = (select (auth.jwt() ->> 'team')::int)`
          : `exists (select 1 from public.bench_members m where m.team = bench_rt.team
                     and m.user_id = (select auth.uid()))`
      });
      alter publication supabase_realtime add table public.bench_rt;
    `);
    const users = Array.from({ length: SUBSCRIBERS }, (_, i) => ({ id: randomUUID(), team: i % TEAMS }));
    await sql`insert into bench_members ${sql(users.map((u) => ({ team: u.team, user_id: u.id })))}`;

    server = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
        '--import',
        'tsx',
        import.meta.filename,
        'serve',
        String(cluster.port),
        'postgres',
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const apiUrl = await new Promise<string>((resolve, reject) => {
      server?.stdout?.on('data', (d: Buffer) => {
        const text = d.toString();
        const m = /READY (\S+)/.exec(text);
        if (m) resolve(m[1] as string);
        for (const line of text.split('\n')) if (line.startsWith('STATS ')) console.log(`  ${line.slice(6)}`);
      });
      server?.once('exit', () => reject(new Error('server exited')));
    });

    let phase: Phase = { latencies: [], distinct: new Set() };
    const wsUrl = `${apiUrl.replace('http', 'ws')}/realtime/v1/websocket?apikey=${LOCAL_ANON_KEY}&vsn=2.0.0`;
    const t0 = performance.now();
    await Promise.all(
      users.map(async (u, i) => {
        const token = await signJwt(
          { sub: u.id, role: 'authenticated', aud: 'authenticated', team: u.team },
          LOCAL_JWT_SECRET,
        );
        const ws = new WebSocket(wsUrl);
        sockets.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        const joined = new Promise<void>((resolve, reject) => {
          ws.on('message', (data, isBinary) => {
            const now = Date.now();
            if (isBinary) {
              // User broadcast (kind 4): the JSON payload sits after the header, topic and event.
              const buf = data as Buffer;
              const body = JSON.parse(
                buf.subarray(5 + (buf[1] as number) + (buf[2] as number) + (buf[3] as number)).toString(),
              );
              phase.latencies.push(now - body.sentAt);
              phase.distinct.add(`b${body.n}`);
              return;
            }
            const text = data.toString();
            const frame = JSON.parse(text);
            if (frame[3] === 'postgres_changes') {
              const d = frame[4].data;
              phase.latencies.push(now - Date.parse(d.commit_timestamp));
              phase.distinct.add(`c${d.record.id}`);
            } else if (frame[3] === 'phx_reply' && frame[1] === `join-${i}`) {
              if (frame[4].status === 'ok') resolve();
              else reject(new Error(text));
            }
          });
        });
        ws.send(
          JSON.stringify([
            `join-${i}`,
            `join-${i}`,
            `realtime:team-${u.team}`,
            'phx_join',
            {
              access_token: token,
              config: {
                broadcast: { self: false, ack: false },
                presence: { enabled: false },
                postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'bench_rt' }],
              },
            },
          ]),
        );
        await joined;
      }),
    );
    console.log(
      `${CLAIM_POLICY ? 'policy on the team claim of the JWT (BENCH_POLICY=claim)' : INDEXED ? 'membership policy, bench_members indexed on user_id' : 'membership policy, bench_members NOT indexed on user_id (BENCH_MEMBERS_INDEX=0)'}; ${SUBSCRIBERS} sockets connected and joined in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, 1000));

    const runLoad = async (kind: 'broadcast' | 'changes', target: string, ms = PHASE_MS) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', import.meta.filename, 'load', kind, target, String(ms)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((r) => child.once('exit', r));
      const m = /DONE (\d+) (\d+)/.exec(out);
      if (!m) throw new Error(`load generator failed: ${out}`);
      await new Promise((r) => setTimeout(r, DRAIN_MS));
      return { total: Number(m[1]), failed: Number(m[2]) };
    };

    let clientCpu = process.cpuUsage();
    let pgCpu = postgresCpuMs(dataDir);
    const report = (name: string, p: Phase, offered: number, kind: string) => {
      const cpu = process.cpuUsage(clientCpu);
      clientCpu = process.cpuUsage();
      const pg = postgresCpuMs(dataDir) - pgCpu;
      const sorted = [...p.latencies].sort((a, b) => a - b);
      const expected = offered * (SUBSCRIBERS / TEAMS);
      const seconds = PHASE_MS / 1000;
      console.log(
        `${name.padEnd(30)} offered ${(offered / seconds).toFixed(0)} ${kind}/s; delivered ${p.distinct.size}/${offered} ` +
          `${kind} (${(p.distinct.size / seconds).toFixed(0)}/s), ${sorted.length}/${expected} messages ` +
          `(${(sorted.length / seconds).toFixed(0)}/s); latency p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms` +
          `\n  clients CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; Postgres CPU ${pg.toFixed(0)} ms; ` +
          `load average ${os.loadavg()[0]?.toFixed(1)}`,
      );
      return {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        complete: sorted.length === expected,
      };
    };

    // Baseline: broadcast through the REST endpoint to the team topics (fan-out 100 each). Each path is
    // warmed up first (JIT, connections, the check's cached plans), then measured with the server's counters
    // reset.
    await runLoad('broadcast', apiUrl, WARMUP_MS);
    phase = { latencies: [], distinct: new Set() };
    server.stdin?.write('reset\n');
    clientCpu = process.cpuUsage();
    pgCpu = postgresCpuMs(dataDir);
    const broadcasts = await runLoad('broadcast', apiUrl);
    const offeredB = broadcasts.total;
    const b = report('broadcast (baseline)', phase, offeredB, 'broadcasts');
    server.stdin?.write('stats\n');
    if (broadcasts.failed > 0) console.log(`  (${broadcasts.failed} broadcast requests failed)`);

    await runLoad('changes', String(cluster.port), WARMUP_MS);
    phase = { latencies: [], distinct: new Set() };
    server.stdin?.write('reset\n');
    clientCpu = process.cpuUsage();
    pgCpu = postgresCpuMs(dataDir);
    const inserts = await runLoad('changes', String(cluster.port));
    const offeredC = inserts.total;
    if (inserts.failed > 0) console.log(`  (${inserts.failed} inserts failed)`);
    const c = report('postgres_changes + RLS', phase, offeredC, 'changes');
    server.stdin?.write('stats\n');
    await new Promise((r) => setTimeout(r, 200));

    console.log(
      `p99 ratio postgres_changes/broadcast: ${(c.p99 / b.p99).toFixed(2)}x; p50 ratio: ${(c.p50 / b.p50).toFixed(2)}x`,
    );
    console.log(
      `target p99 < 100 ms at ${RATE} changes/s to ${SUBSCRIBERS} subscribers: ${c.p99 < 100 && c.complete ? 'MET' : 'NOT MET'}` +
        ` (p99 ${c.p99} ms${c.complete ? '' : ', not every message delivered within the phase'})`,
    );
    await sql.end();
  } finally {
    for (const ws of sockets) ws.terminate();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => {
        server?.once('exit', r);
        setTimeout(r, 5000);
      });
    }
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
