import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapDatabase } from '../../stack/postgres/bootstrap.ts';
import { applyMigrations, MigrationError } from '../../stack/postgres/migrate.ts';
import { splitStatements } from '../../stack/postgres/split-statements.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const dirs: string[] = [];
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexural-migrations-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase({ empty: true });
  await bootstrapDatabase(db.adminUrl);
});
afterEach(() => db.drop());

const recorded = () =>
  db.sql<{ version: string; name: string; statements: string[] }[]>`
    select version, name, statements from supabase_migrations.schema_migrations order by version`;

describe('applyMigrations', () => {
  it('applies files in version order and records them as the Supabase CLI does', async () => {
    const dir = migrationsDir({
      '20260102000000_accounts.sql': 'alter table public.users add column plan text;\n',
      '20260101000000_users.sql':
        '-- users\ncreate table public.users (id int primary key);\ninsert into public.users values (1);\n',
    });
    const result = await applyMigrations(db.url, { migrationsDir: dir });
    expect(result.applied).toEqual(['20260101000000', '20260102000000']);
    expect(await recorded()).toEqual([
      {
        version: '20260101000000',
        name: 'users',
        statements: [
          '-- users\ncreate table public.users (id int primary key)',
          'insert into public.users values (1)',
        ],
      },
      {
        version: '20260102000000',
        name: 'accounts',
        statements: ['alter table public.users add column plan text'],
      },
    ]);
  });

  it('applies only new migrations on a second run and keeps the data', async () => {
    const dir = migrationsDir({
      '20260101000000_users.sql': 'create table public.users (id int primary key);',
    });
    await applyMigrations(db.url, { migrationsDir: dir });
    await db.sql`insert into public.users values (42)`;
    writeFileSync(path.join(dir, '20260103000000_more.sql'), 'create table public.more (id int);');

    const second = await applyMigrations(db.url, { migrationsDir: dir });
    expect(second).toMatchObject({ applied: ['20260103000000'], alreadyApplied: 1 });
    expect(await db.sql`select id from public.users`).toEqual([{ id: 42 }]);

    const third = await applyMigrations(db.url, { migrationsDir: dir });
    expect(third).toMatchObject({ applied: [], alreadyApplied: 2 });
  });

  it('stops at a broken migration with its file, line and Postgres error, and keeps the last good state', async () => {
    const dir = migrationsDir({
      '20260101000000_good.sql': 'create table public.good (id int);',
      '20260102000000_broken.sql':
        'create table public.half (id int);\n\ninsert into public.missing values (1);\n',
      '20260103000000_after.sql': 'create table public.after (id int);',
    });
    const err = await applyMigrations(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    const failure = err as MigrationError;
    expect(failure.message).toContain('20260102000000_broken.sql');
    expect(failure.message).toContain('relation "public.missing" does not exist');
    expect(failure.line).toBe(3);
    expect(failure.sqlState).toBe('42P01');

    expect((await recorded()).map((r) => r.version)).toEqual(['20260101000000']);
    const tables = await db.sql`select tablename from pg_tables where schemaname = 'public' order by 1`;
    expect(tables.map((t) => t.tablename)).toEqual(['good']);

    writeFileSync(path.join(dir, '20260102000000_broken.sql'), 'create table public.half (id int);');
    const fixed = await applyMigrations(db.url, { migrationsDir: dir });
    expect(fixed.applied).toEqual(['20260102000000', '20260103000000']);
  });

  it('runs the seed once and records it in supabase_migrations.seed_files', async () => {
    const dir = migrationsDir({ '20260101000000_t.sql': 'create table public.t (id int);' });
    const seedPath = path.join(dir, 'seed.sql');
    writeFileSync(seedPath, 'insert into public.t values (1);');
    expect((await applyMigrations(db.url, { migrationsDir: dir, seedPath })).seeded).toBe(true);
    expect((await applyMigrations(db.url, { migrationsDir: dir, seedPath })).seeded).toBe(false);
    expect(await db.sql`select id from public.t`).toEqual([{ id: 1 }]);
    const [seed] = await db.sql`select path, length(hash) as len from supabase_migrations.seed_files`;
    expect(seed).toEqual({ path: 'supabase/seed.sql', len: 64 });
  });

  it('skips files whose names are not <version>_<name>.sql', async () => {
    const lines: string[] = [];
    const dir = migrationsDir({ 'notes.sql': 'this is not sql;', '20260101000000_ok.sql': 'select 1;' });
    const result = await applyMigrations(db.url, { migrationsDir: dir, log: (l) => lines.push(l) });
    expect(result.applied).toEqual(['20260101000000']);
    expect(lines.join('\n')).toMatch(/Skipping migration notes\.sql/);
  });
});

describe('splitStatements', () => {
  it('keeps semicolons inside strings, identifiers, dollar quotes, comments and BEGIN ATOMIC bodies', () => {
    const src = `create table "a;b" (x text default 'c;d');
do $tag$ begin perform 1; end $tag$;
/* x; /* nested; */ y; */ select E'\\'; ';
create function f() returns int language sql begin atomic select case when true then 1 end; select 2; end;
select 1`;
    expect(splitStatements(src).map((s) => s.text)).toEqual([
      `create table "a;b" (x text default 'c;d')`,
      'do $tag$ begin perform 1; end $tag$',
      `/* x; /* nested; */ y; */ select E'\\'; '`,
      'create function f() returns int language sql begin atomic select case when true then 1 end; select 2; end',
      'select 1',
    ]);
  });

  it('does not mistake positional parameters for dollar quotes', () => {
    expect(splitStatements('prepare p as select $1; select 2').map((s) => s.text)).toEqual([
      'prepare p as select $1',
      'select 2',
    ]);
  });
});
