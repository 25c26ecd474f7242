// The real Supabase CLI against databases this project builds: it must see the same history and produce the
// same schema as the stack's own migrator.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypes, projectRoot, supabase } from '../../stack/cli/supabase-cli.ts';
import { bootstrapDatabase } from '../../stack/postgres/bootstrap.ts';
import { applyMigrations } from '../../stack/postgres/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { schemaSnapshot } from '../helpers/schema-snapshot.ts';

const noTls = (url: string) => `${url}?sslmode=disable`;
let migrated: TestDatabase;
let pushed: TestDatabase;
beforeAll(async () => {
  [migrated, pushed] = await Promise.all([createTestDatabase(), createTestDatabase({ empty: true })]);
  await bootstrapDatabase(pushed.adminUrl);
});
afterAll(async () => {
  await Promise.all([migrated.drop(), pushed.drop()]);
});

/** Versions in the "Local" and "Remote" columns of `supabase migration list`. */
function parseMigrationList(out: string) {
  return out
    .split('\n')
    .map((line) => line.split('|').map((c) => c.trim().replaceAll('`', '')))
    .filter((cols) => cols.length >= 3 && /^\d*$/.test(cols[0] ?? 'x') && /^\d*$/.test(cols[1] ?? 'x'))
    .filter((cols) => cols[0] || cols[1])
    .map(([local, remote]) => ({ local, remote }));
}

describe('supabase CLI', () => {
  it('`migration list` agrees with what the stack applied', async () => {
    const { stdout } = await supabase(['migration', 'list', '--db-url', noTls(migrated.url)]);
    const rows = parseMigrationList(stdout);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.remote).toBe(row.local);
  });

  it('`db push` finds nothing to apply on a database the stack migrated', async () => {
    const { stdout, stderr } = await supabase(['db', 'push', '--db-url', noTls(migrated.url), '--yes']);
    expect(`${stdout}${stderr}`).toMatch(/up to date/i);
  });

  it('`db push` on a freshly bootstrapped database gives the same schema and history as the stack', async () => {
    await supabase(['db', 'push', '--db-url', noTls(pushed.url), '--yes', '--include-seed']);
    const [a, b] = await Promise.all([schemaSnapshot(migrated.sql), schemaSnapshot(pushed.sql)]);
    expect(b).toEqual(a);
    const history = (sql: postgres.Sql) =>
      sql`select version, name, statements from supabase_migrations.schema_migrations order by version`;
    expect(await history(pushed.sql)).toEqual(await history(migrated.sql));
  });

  it('records the same statements as the CLI for a migration full of splitting edge cases', async () => {
    const fixture = path.join(projectRoot, 'tests', 'fixtures', 'cli-project');
    const [viaCli, viaStack] = await Promise.all([
      createTestDatabase({ empty: true }),
      createTestDatabase({ empty: true }),
    ]);
    try {
      await Promise.all([bootstrapDatabase(viaCli.adminUrl), bootstrapDatabase(viaStack.adminUrl)]);
      await supabase(['db', 'push', '--db-url', noTls(viaCli.url), '--yes', '--workdir', fixture]);
      await applyMigrations(viaStack.url, { migrationsDir: path.join(fixture, 'supabase', 'migrations') });
      const history = (sql: postgres.Sql) =>
        sql`select version, name, statements from supabase_migrations.schema_migrations order by version`;
      const cli = await history(viaCli.sql);
      expect(cli).toHaveLength(2);
      expect(await history(viaStack.sql)).toEqual(cli);
    } finally {
      await Promise.all([viaCli.drop(), viaStack.drop()]);
    }
  });

  it('database.types.ts is what `supabase gen types` produces from the migrations (run `npm run gen:types`)', async () => {
    const committed = readFileSync(path.join(projectRoot, 'database.types.ts'), 'utf8');
    expect(await generateTypes(migrated.url)).toBe(committed);
  });
});
