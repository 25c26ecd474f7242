// The whole local stack: Postgres with the Supabase bootstrap and the project's migrations, then the
// Supabase HTTP surface in front of it. Used by `npm start` and by tests (on free ports).
import path from 'node:path';
import { dbUrl, LOCAL_DB_PASSWORD, type StackEnv } from './config.ts';
import { type Cluster, startCluster } from './postgres/cluster.ts';
import type { MigrateResult } from './postgres/migrate.ts';
import { prepareDatabase } from './postgres/prepare.ts';
import { type Services, startServices } from './services.ts';

export interface StackOptions {
  env: StackEnv;
  /** Project root holding `supabase/`. */
  root: string;
  ephemeral?: boolean;
  log?: (line: string) => void;
  onPostgresLog?: (line: string) => void;
}

export interface Stack {
  cluster: Cluster;
  services: Services;
  migrations: MigrateResult;
  apiUrl: string;
  dbUrl: string;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { env } = opts;
  const cluster = await startCluster({
    dataDir: path.resolve(opts.root, env.NEXURAL_DATA_DIR),
    port: env.NEXURAL_DB_PORT,
    ephemeral: opts.ephemeral,
    onLog: opts.onPostgresLog,
  });
  let services: Services | undefined;
  try {
    const migrations = await prepareDatabase(cluster, {
      migrationsDir: path.resolve(opts.root, env.NEXURAL_SUPABASE_DIR, 'migrations'),
      seedPath: path.resolve(opts.root, env.NEXURAL_SUPABASE_DIR, 'seed.sql'),
      log: opts.log,
    });
    services = await startServices({
      dbPort: cluster.port,
      database: 'postgres',
      apiPort: env.NEXURAL_API_PORT,
      jwtSecret: env.NEXURAL_JWT_SECRET,
      anonKey: env.NEXURAL_ANON_KEY,
      serviceRoleKey: env.NEXURAL_SERVICE_ROLE_KEY,
    });
    const started = services;
    return {
      cluster,
      services: started,
      migrations,
      apiUrl: started.apiUrl,
      dbUrl: dbUrl({ port: cluster.port, password: LOCAL_DB_PASSWORD }),
      async stop() {
        await started.stop();
        await cluster.stop();
      },
    };
  } catch (err) {
    await services?.stop();
    await cluster.stop();
    throw err;
  }
}
