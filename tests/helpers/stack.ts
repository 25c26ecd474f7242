// The Supabase HTTP surface in-process on a free port, over this test file's own freshly migrated database.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Database } from '../../database.types.ts';
import type { AuthOverrides } from '../../stack/auth/config.ts';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../../stack/config.ts';
import { type Services, type ServicesOptions, startServices } from '../../stack/services.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestStack {
  db: TestDatabase;
  services: Services;
  apiUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  /** A supabase-js client as the browser or an API user would make it (anon key, no session persistence). */
  anonClient(): SupabaseClient<Database>;
  /** A supabase-js client with the service_role key (server-side code, operators). */
  serviceClient(): SupabaseClient<Database>;
  stop(): Promise<void>;
}

export async function startTestStack(
  opts: {
    db?: TestDatabase;
    /** Auth settings other than config.toml's [auth] (rate limits, anonymous sign-ins...). */
    auth?: AuthOverrides;
    /** Realtime settings for tests (e.g. a short heartbeat timeout). */
    realtime?: ServicesOptions['realtime'];
  } = {},
): Promise<TestStack> {
  const db = opts.db ?? (await createTestDatabase());
  const services = await startServices({
    dbPort: db.port,
    database: db.name,
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    auth: opts.auth,
    realtime: opts.realtime,
  });
  const client = (key: string) =>
    createClient<Database>(services.apiUrl, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no global WebSocket; realtime-js needs one even when unused.
      realtime: { transport: WebSocket as never },
    });
  return {
    db,
    services,
    apiUrl: services.apiUrl,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    jwtSecret: LOCAL_JWT_SECRET,
    anonClient: () => client(LOCAL_ANON_KEY),
    serviceClient: () => client(LOCAL_SERVICE_ROLE_KEY),
    async stop() {
      await services.stop();
      if (!opts.db) await db.drop();
    },
  };
}
