// `npm start`: everything, locally. The Supabase-compatible stack first (Postgres, migrations, the API on
// :54321), then the project's own long-running processes, each given only what it would get in production:
// the API URL, keys and a database URL. Ctrl-C stops them all, then the stack.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWebBuild } from './app/build.server.ts';
import { onShutdown, startForeground } from './stack/start.ts';

const root = path.dirname(fileURLToPath(import.meta.url));

interface ProjectProcess {
  name: string;
  /** A TypeScript entry point run with tsx. */
  entry: string;
  /** Its arguments, worked out just before it starts. */
  args?: () => string[];
  /** Extra environment for this process. */
  env?: (env: NodeJS.ProcessEnv) => Record<string, string>;
  /** Whether to start it (e.g. the bot only with a Discord token). */
  enabled?: (env: NodeJS.ProcessEnv) => boolean;
}

// The project's processes, in start order. Workers, the web app and the bot add themselves here.
const processes: ProjectProcess[] = [
  // The local exchange (Alpaca protocol on :54329) and the ingester reading it into Postgres; set
  // MARKET_FEED_URL and ALPACA_API_KEY_ID/ALPACA_API_SECRET_KEY to ingest Alpaca instead (NEXURAL_SIMULATOR=off).
  { name: 'simulator', entry: 'workers/simulator/main.ts', enabled: (e) => e.NEXURAL_SIMULATOR !== 'off' },
  { name: 'market-feed', entry: 'workers/market-feed/main.ts' },
  // Periodic database work: order expiry after the close, equity snapshots for the equity curve.
  { name: 'dispatcher', entry: 'workers/dispatcher/main.ts' },
  // The trader's web app (Remix, production build; rebuilt first only when app/ changed) on :3000, served by
  // app/server.ts, which forwards each browser's address to Auth with the service-role key.
  {
    name: 'web',
    entry: 'app/server.ts',
    args: () => [ensureWebBuild(root)],
    env: (e) => ({ PORT: e.NEXURAL_WEB_PORT ?? '3000', NODE_ENV: 'production' }),
    enabled: (e) => e.NEXURAL_WEB !== 'off',
  },
];

const { stack, env } = await startForeground(root);
const childEnv = {
  ...process.env,
  SUPABASE_URL: stack.apiUrl,
  SUPABASE_ANON_KEY: env.NEXURAL_ANON_KEY,
  SUPABASE_SERVICE_ROLE_KEY: env.NEXURAL_SERVICE_ROLE_KEY,
  SUPABASE_JWT_SECRET: env.NEXURAL_JWT_SECRET,
  DATABASE_URL: stack.dbUrl,
};

const children: ChildProcess[] = [];
for (const p of processes) {
  if (p.enabled && !p.enabled(childEnv)) continue;
  const argv = ['--import', 'tsx', p.entry, ...(p.args?.() ?? [])];
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...childEnv, ...p.env?.(childEnv) },
    stdio: 'pipe',
  });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${p.name}] ${l}`)
      .join('\n');
  child.stdout?.on('data', (d: Buffer) => console.log(prefix(d)));
  child.stderr?.on('data', (d: Buffer) => console.error(prefix(d)));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`[${p.name}] exited (${signal ?? code})`);
  });
  children.push(child);
  console.log(`started ${p.name}`);
}

onShutdown(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  await stack.stop();
});
console.log('\nPress Ctrl-C to stop.');
