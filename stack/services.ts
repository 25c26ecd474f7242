// The Supabase HTTP surface on one port, over an already migrated database. Each service (REST, Auth,
// Realtime, Functions) mounts itself here as it is built.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthOverrides } from './auth/config.ts';
import { startAuth } from './auth/service.ts';
import { dbUrl, LOCAL_DB_PASSWORD } from './config.ts';
import { createFunctions } from './functions/service.ts';
import { createGateway, type Gateway, listen, type Route } from './gateway.ts';
import { type RealtimeOptions, startRealtime } from './realtime/service.ts';
import { readApiConfig } from './rest/api-config.ts';
import { startRest } from './rest/handler.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServicesOptions {
  /** Port of the Postgres cluster and the database the services serve. */
  dbPort: number;
  database: string;
  /** 0 picks a free port. */
  apiPort: number;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Folder with config.toml and functions/ (default: the repo's supabase/). */
  supabaseDir?: string;
  /** After a restart, how long Realtime waits for clients to rejoin before replaying its slot. */
  realtimeResumeGraceMs?: number;
  /** Further Realtime settings (heartbeat timeout, per-batch statistics). */
  realtime?: Pick<RealtimeOptions, 'heartbeatTimeoutMs' | 'onBatch'>;
  /** Connections in the REST pool (default 10, PostgREST's db-pool). */
  restPoolSize?: number;
  /** Replaces settings that config.toml's [auth] gives (tests exercise rate limits, anonymous sign-ins...). */
  auth?: AuthOverrides;
}

export interface Services {
  apiUrl: string;
  gateway: Gateway;
  stop(): Promise<void>;
}

export async function startServices(opts: ServicesOptions): Promise<Services> {
  const routes: Route[] = [];
  const realtime = await startRealtime({
    adminUrl: dbUrl({
      port: opts.dbPort,
      database: opts.database,
      user: 'supabase_admin',
      password: LOCAL_DB_PASSWORD,
    }),
    database: opts.database,
    jwtSecret: opts.jwtSecret,
    resumeGraceMs: opts.realtimeResumeGraceMs,
    ...opts.realtime,
  });
  routes.push({
    prefix: '/realtime/v1',
    handler: realtime.handleHttp,
    upgrade: realtime.handleUpgrade,
    requiresApiKey: true,
  });
  let apiUrl = '';
  const functions = createFunctions({
    supabaseDir: opts.supabaseDir ?? path.join(repoRoot, 'supabase'),
    apiUrl: () => apiUrl,
    dbUrl: dbUrl({ port: opts.dbPort, database: opts.database, password: LOCAL_DB_PASSWORD }),
    jwtSecret: opts.jwtSecret,
    anonKey: opts.anonKey,
    serviceRoleKey: opts.serviceRoleKey,
    denoDir: path.join(repoRoot, '.nexural', 'deno'),
  });
  routes.push({ prefix: '/functions/v1', handler: functions.handle, requiresApiKey: false });
  const rest = await startRest({
    dbUrl: dbUrl({
      port: opts.dbPort,
      database: opts.database,
      user: 'authenticator',
      password: LOCAL_DB_PASSWORD,
    }),
    jwtSecret: opts.jwtSecret,
    api: readApiConfig(path.join(opts.supabaseDir ?? path.join(repoRoot, 'supabase'), 'config.toml')),
    poolSize: opts.restPoolSize,
  });
  routes.push({ prefix: '/rest/v1', handler: rest.handle, requiresApiKey: true });
  const auth = await startAuth({
    dbUrl: dbUrl({
      port: opts.dbPort,
      database: opts.database,
      user: 'supabase_auth_admin',
      password: LOCAL_DB_PASSWORD,
    }),
    jwtSecret: opts.jwtSecret,
    configToml: path.join(opts.supabaseDir ?? path.join(repoRoot, 'supabase'), 'config.toml'),
    apiUrl: () => apiUrl,
    overrides: opts.auth,
  });
  // As behind Kong, /health and /settings need the apikey like every other Auth route.
  routes.push({ prefix: '/auth/v1', handler: auth.handle, requiresApiKey: true });
  const gateway = await listen(
    createGateway({ routes, apiKeys: [opts.anonKey, opts.serviceRoleKey] }),
    opts.apiPort,
  );
  apiUrl = gateway.url;
  return {
    apiUrl: gateway.url,
    gateway,
    async stop() {
      // Realtime first: its upgraded sockets would otherwise hold the server's close open.
      await Promise.all([realtime.stop(), functions.stop(), rest.stop(), auth.stop()]);
      await gateway.close();
    },
  };
}
