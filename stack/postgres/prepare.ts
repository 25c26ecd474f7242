// Brings a database on the cluster to the project's schema: the Supabase bootstrap, then the project's
// migrations and seed.
import postgres from 'postgres';
import { dbUrl, LOCAL_DB_PASSWORD } from '../config.ts';
import { bootstrapDatabase, bootstrapRoles } from './bootstrap.ts';
import type { Cluster } from './cluster.ts';
import { applyMigrations, type MigrateResult } from './migrate.ts';

export interface PrepareOptions {
  database?: string;
  migrationsDir: string;
  seedPath?: string;
  log?: (line: string) => void;
}

/** Creates `database` if missing (owned by postgres, as a project's database is). */
export async function ensureDatabase(cluster: Cluster, database: string): Promise<void> {
  const sql = postgres(cluster.adminUrl(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!row) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end();
  }
}

export async function prepareDatabase(cluster: Cluster, opts: PrepareOptions): Promise<MigrateResult> {
  const database = opts.database ?? 'postgres';
  await bootstrapRoles(cluster.adminUrl());
  await ensureDatabase(cluster, database);
  await bootstrapDatabase(cluster.adminUrl(database));
  return applyMigrations(dbUrl({ port: cluster.port, database, password: LOCAL_DB_PASSWORD }), opts);
}
