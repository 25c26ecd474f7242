// `npm start` as a person runs it: a real child process, a fresh data folder, Ctrl-C at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../stack/cli/supabase-cli.ts';
import { isAlive, postmasterPid } from '../../stack/postgres/cluster.ts';
import { freePort } from '../helpers/ports.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nexural-start-'));
chmodSync(tmp, 0o755); // as root, Postgres runs as the `postgres` user and must reach the data folder
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Free ports for the simulator and its feed so a developer's running `npm start` does not collide; the web app
 * stays off because the browser tests build it into the same folder concurrently.
 */
async function workerEnv(): Promise<Record<string, string>> {
  const simulatorPort = String(await freePort());
  return {
    SIMULATOR_PORT: simulatorPort,
    MARKET_FEED_URL: `ws://127.0.0.1:${simulatorPort}/v2/sim`,
    NEXURAL_WEB: 'off',
  };
}

function npmStart(env: Record<string, string>, workers: Record<string, string>): Run {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'start.ts'], {
    cwd: projectRoot,
    env: { ...process.env, ...workers, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(run: Run, pattern: RegExp, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(run.output())) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm start never printed ${pattern}:\n${run.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return run.output();
}

const field = (out: string, name: string) => new RegExp(`${name}: (\\S+)`).exec(out)?.[1];

describe('npm start', () => {
  const dataDir = path.join(tmp, 'db');

  it('brings up Postgres with the bootstrap and migrations, prints connection info, and stops cleanly on Ctrl-C', async () => {
    const env = {
      NEXURAL_DATA_DIR: dataDir,
      NEXURAL_DB_PORT: String(await freePort()),
      NEXURAL_API_PORT: String(await freePort()),
    };
    const t0 = performance.now();
    const run = npmStart(env, await workerEnv());
    const out = await until(run, /Press Ctrl-C to stop/);
    console.log(`fresh npm start took ${((performance.now() - t0) / 1000).toFixed(2)}s`);

    for (const name of ['API URL', 'DB URL', 'anon key', 'service_role key'])
      expect(field(out, name), name).toBeTruthy();
    const sql = postgres(field(out, 'DB URL') as string, { max: 1 });
    const [row] =
      await sql`select count(*)::int as n, current_user as who from supabase_migrations.schema_migrations`;
    await sql.end();
    expect(row?.who).toBe('postgres');
    expect(row?.n).toBeGreaterThan(0);

    const pid = postmasterPid(dataDir);
    expect(pid).toBeDefined();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(isAlive(pid as number)).toBe(false);
  });

  it('keeps data across restarts and applies only migrations added since', async () => {
    const supabaseDir = path.join(tmp, 'supabase');
    cpSync(path.join(projectRoot, 'supabase'), supabaseDir, { recursive: true });
    const env = {
      NEXURAL_DATA_DIR: dataDir,
      NEXURAL_SUPABASE_DIR: supabaseDir,
      NEXURAL_DB_PORT: String(await freePort()),
      NEXURAL_API_PORT: String(await freePort()),
    };
    let run = npmStart(env, await workerEnv());
    let out = await until(run, /Press Ctrl-C to stop/);
    expect(out).toMatch(/\(0 new migration\(s\), \d+ already applied\)/);
    const sql = postgres(field(out, 'DB URL') as string, { max: 1 });
    await sql`create table public.kept (id int)`;
    await sql`insert into public.kept values (7)`;
    await sql.end();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);

    writeFileSync(
      path.join(supabaseDir, 'migrations', '29990101000000_later.sql'),
      'create table public.later (id int);',
    );
    run = npmStart(env, await workerEnv());
    out = await until(run, /Press Ctrl-C to stop/);
    expect(out).toContain('Applying migration 29990101000000_later.sql');
    expect(out).toMatch(/\(1 new migration\(s\)/);
    const again = postgres(field(out, 'DB URL') as string, { max: 1 });
    expect(await again`select id from public.kept`).toEqual([{ id: 7 }]);
    await again.end();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('stops with the file name and Postgres error when a migration is broken, leaving no Postgres behind', async () => {
    const supabaseDir = path.join(tmp, 'broken-supabase');
    cpSync(path.join(projectRoot, 'supabase'), supabaseDir, { recursive: true });
    writeFileSync(
      path.join(supabaseDir, 'migrations', '29990101000000_broken.sql'),
      'create tabel oops (id int);',
    );
    const brokenData = path.join(tmp, 'broken-db');
    const run = npmStart(
      {
        NEXURAL_DATA_DIR: brokenData,
        NEXURAL_SUPABASE_DIR: supabaseDir,
        NEXURAL_DB_PORT: String(await freePort()),
        NEXURAL_API_PORT: String(await freePort()),
      },
      await workerEnv(),
    );
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('29990101000000_broken.sql');
    expect(run.output()).toContain('syntax error at or near "tabel"');
    expect(postmasterPid(brokenData)).toBeUndefined();
  });

  it('names each invalid setting instead of starting', async () => {
    const run = npmStart({ NEXURAL_DB_PORT: 'not-a-port', NEXURAL_JWT_SECRET: 'short' }, await workerEnv());
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('NEXURAL_DB_PORT');
    expect(run.output()).toContain('NEXURAL_JWT_SECRET: must be at least 32 characters');
  });
});
