// A freshly migrated database per test file, cloned from the run's template database.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { dbUrl, LOCAL_DB_PASSWORD } from '../../stack/config.ts';

export interface TestDatabase {
  name: string;
  port: number;
  /** As `postgres`, the role migrations and operators use. */
  url: string;
  /** As the superuser `supabase_admin`. */
  adminUrl: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

const quote = (ident: string) => `"${ident.replaceAll('"', '""')}"`;

export function clusterAdminUrl(database = 'postgres'): string {
  return dbUrl({ port: inject('pgPort'), database, user: 'supabase_admin', password: LOCAL_DB_PASSWORD });
}

/** Runs `fn` with a superuser connection to the cluster's `postgres` database. */
export async function withClusterAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(clusterAdminUrl(), { max: 1, onnotice: () => {} });
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Creates a database: a clone of the migrated template, or (`empty`) one with nothing applied yet. */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const port = inject('pgPort');
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClusterAdmin((admin) =>
    admin.unsafe(
      opts.empty
        ? `create database ${quote(name)} owner postgres`
        : `create database ${quote(name)} template ${quote(inject('templateDb'))} owner postgres`,
    ),
  );
  const url = dbUrl({ port, database: name, password: LOCAL_DB_PASSWORD });
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    name,
    port,
    url,
    adminUrl: clusterAdminUrl(name),
    sql,
    async drop() {
      await sql.end();
      await withClusterAdmin(async (admin) => {
        await dropReplicationSlots(admin, name);
        await admin.unsafe(`drop database if exists ${quote(name)} with (force)`);
      });
    },
  };
}

/** A database with a replication slot (Realtime's) cannot be dropped: end its readers, then drop its slots. */
async function dropReplicationSlots(admin: postgres.Sql, database: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const slots = await admin<{ slot_name: string; active_pid: number | null }[]>`
      select slot_name, active_pid from pg_replication_slots where database = ${database}`;
    if (slots.length === 0) return;
    for (const s of slots) {
      if (s.active_pid) await admin`select pg_terminate_backend(${s.active_pid})`;
      else await admin`select pg_drop_replication_slot(${s.slot_name})`.catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `fn` in a transaction as an API role with the given JWT claims, exactly as PostgREST sets them
 * (`set local role`, `request.jwt.claims`), then rolls back.
 */
export async function asRole<T>(
  sql: postgres.Sql,
  role: 'anon' | 'authenticated' | 'service_role',
  claims: Record<string, unknown>,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role, ...claims })}, true)`;
      await tx.unsafe(`set local role ${role}`);
      result = await fn(tx);
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return result as T;
}

class Rollback extends Error {}
