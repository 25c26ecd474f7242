// Applies supabase/migrations/*.sql in file order and records each in supabase_migrations.schema_migrations
// exactly as `supabase db push` does (version, name, statements), so the CLI and this stack agree on what
// ran. Each migration runs in its own transaction: a failure names the file and Postgres' error and leaves
// the database at the last good migration.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { splitStatements } from './split-statements.ts';

const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;

export interface MigrateOptions {
  migrationsDir: string;
  /** Applied once after migrations and recorded in supabase_migrations.seed_files, as the CLI records it. */
  seedPath?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  seeded: boolean;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly sqlState: string | undefined,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
}

export function listMigrations(dir: string, log: (line: string) => void = () => {}): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => {
      const m = MIGRATION_FILE.exec(f);
      if (!m) {
        log(`Skipping migration ${f}... (file name must match pattern "<timestamp>_name.sql")`);
        return [];
      }
      return [{ version: m[1] as string, name: m[2] as string, file: path.join(dir, f) }];
    });
}

const lineAt = (source: string, offset: number) => source.slice(0, offset).split('\n').length;

interface PgError {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

function describeFailure(file: string, source: string, stmtOffset: number, err: PgError) {
  const pos = Number(err.position);
  const line = lineAt(source, stmtOffset + (Number.isFinite(pos) && pos > 0 ? pos - 1 : 0));
  const parts = [
    `Migration ${path.basename(file)} failed at line ${line}: ERROR: ${err.message}${err.code ? ` (SQLSTATE ${err.code})` : ''}`,
  ];
  if (err.detail) parts.push(`DETAIL: ${err.detail}`);
  if (err.hint) parts.push(`HINT: ${err.hint}`);
  parts.push(`The database is left at the last migration that succeeded; fix ${file} and start again.`);
  return new MigrationError(parts.join('\n'), file, line, err.code);
}

/** Applies pending migrations over `url` (the `postgres` role, as the CLI connects). */
export async function applyMigrations(url: string, opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql
      .unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
      alter table supabase_migrations.schema_migrations add column if not exists statements text[];
      alter table supabase_migrations.schema_migrations add column if not exists name text;
    `)
      .simple();
    // One migrator at a time (two `npm start`s, or parallel test setup against one database).
    await sql`select pg_advisory_lock(hashtext('supabase_migrations'))`;
    const done = new Set(
      (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`).map(
        (r) => r.version,
      ),
    );
    const files = listMigrations(opts.migrationsDir, log);
    const applied: string[] = [];
    for (const m of files) {
      if (done.has(m.version)) continue;
      const source = readFileSync(m.file, 'utf8');
      const statements = splitStatements(source);
      log(`Applying migration ${path.basename(m.file)}...`);
      await sql.begin(async (tx) => {
        for (const s of statements) {
          try {
            await tx.unsafe(s.text).simple();
          } catch (err) {
            throw describeFailure(m.file, source, s.offset, err as PgError);
          }
        }
        await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
                 values (${m.version}, ${m.name}, ${statements.map((s) => s.text)})`;
      });
      applied.push(m.version);
    }

    let seeded = false;
    if (opts.seedPath && existsSync(opts.seedPath)) {
      const seed = readFileSync(opts.seedPath, 'utf8');
      const rel = path.join('supabase', path.basename(opts.seedPath));
      const hash = createHash('sha256').update(seed).digest('hex');
      // Created only when there is a seed, as the CLI does.
      await sql`create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null)`;
      const [prior] = await sql<
        { hash: string }[]
      >`select hash from supabase_migrations.seed_files where path = ${rel}`;
      if (!prior) {
        log(`Seeding data from ${rel}...`);
        await sql.begin(async (tx) => {
          for (const s of splitStatements(seed)) {
            try {
              await tx.unsafe(s.text).simple();
            } catch (err) {
              throw describeFailure(opts.seedPath as string, seed, s.offset, err as PgError);
            }
          }
          await tx`insert into supabase_migrations.seed_files (path, hash) values (${rel}, ${hash})`;
        });
        seeded = true;
      } else if (prior && prior.hash !== hash) {
        log(`${rel} changed since it was applied; \`npm run db:reset\` rebuilds the local database with it.`);
      }
    }
    if (applied.length > 0) await sql`notify pgrst, 'reload schema'`;
    return { applied, alreadyApplied: done.size, seeded };
  } finally {
    await sql.end();
  }
}
