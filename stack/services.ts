// The Supabase HTTP surface on one port, over an already migrated database. Each service (REST, Auth,
// Realtime, Functions) mounts itself here as it is built.
import { createGateway, type Gateway, listen, type Route } from './gateway.ts';

export interface ServicesOptions {
  /** Port of the Postgres cluster and the database the services serve. */
  dbPort: number;
  database: string;
  /** 0 picks a free port. */
  apiPort: number;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
}

export interface Services {
  apiUrl: string;
  gateway: Gateway;
  stop(): Promise<void>;
}

export async function startServices(opts: ServicesOptions): Promise<Services> {
  const routes: Route[] = [];
  const gateway = await listen(
    createGateway({ routes, apiKeys: [opts.anonKey, opts.serviceRoleKey] }),
    opts.apiPort,
  );
  return {
    apiUrl: gateway.url,
    gateway,
    stop: () => gateway.close(),
  };
}
