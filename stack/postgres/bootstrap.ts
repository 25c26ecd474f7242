// Applies what the Supabase Postgres image and its services create before any user migration:
// cluster roles, then per database the schemas, extensions, grants, publication and GoTrue's tables.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const here = path.dirname(fileURLToPath(import.meta.url));
const sqlFile = (name: string) => readFileSync(path.join(here, 'bootstrap', name), 'utf8');

/** Creates the cluster-wide roles (idempotent). `adminUrl` is a superuser connection. */
export async function bootstrapRoles(adminUrl: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(sqlFile('roles.sql')).simple();
  } finally {
    await sql.end();
  }
}

/**
 * Brings one database to the state a new Supabase project has before its first migration (idempotent):
 * the database-level objects, then GoTrue's migrations not yet recorded in `auth.schema_migrations`.
 */
export async function bootstrapDatabase(adminUrl: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(sqlFile('database.sql')).simple();
    const authDir = path.join(here, 'bootstrap', 'auth');
    const applied = new Set(
      (await sql<{ version: string }[]>`select version from auth.schema_migrations`).map((r) => r.version),
    );
    for (const file of readdirSync(authDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const version = file.split('_')[0] ?? file;
      if (applied.has(version)) continue;
      await sql.begin(async (tx) => {
        await tx.unsafe('set local role supabase_auth_admin');
        await tx.unsafe(readFileSync(path.join(authDir, file), 'utf8')).simple();
        await tx`insert into auth.schema_migrations (version) values (${version})`;
      });
    }
    await applyRealtimeMigrations(sql);
  } finally {
    await sql.end();
  }
}

/** Realtime's own objects in the `realtime` schema, each file once, recorded as Realtime records them. */
async function applyRealtimeMigrations(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(
    'create table if not exists realtime.schema_migrations (version bigint primary key, inserted_at timestamp(0))',
  );
  const dir = path.join(here, 'bootstrap', 'realtime');
  const applied = new Set(
    (await sql<{ version: string }[]>`select version::text from realtime.schema_migrations`).map(
      (r) => r.version,
    ),
  );
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const version = file.split('_')[0] ?? file;
    if (applied.has(version)) continue;
    await sql.begin(async (tx) => {
      await tx.unsafe(readFileSync(path.join(dir, file), 'utf8')).simple();
      await tx`insert into realtime.schema_migrations (version, inserted_at) values (${version}, now())`;
    });
  }
}
