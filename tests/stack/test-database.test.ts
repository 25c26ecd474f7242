// The per-file test database: a clone of the run's migrated template, isolated from every other clone.
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';

describe('createTestDatabase', () => {
  it('gives each caller its own fully migrated database, isolated from the others', async () => {
    const t0 = performance.now();
    const a = await createTestDatabase();
    const cloneMs = performance.now() - t0;
    const b = await createTestDatabase();
    try {
      console.log(`cloned a migrated test database in ${cloneMs.toFixed(0)} ms`);
      const migrations = (sql: typeof a.sql) =>
        sql<{ n: number }[]>`select count(*)::int as n from supabase_migrations.schema_migrations`;
      const [ma] = await migrations(a.sql);
      const [mb] = await migrations(b.sql);
      expect(ma?.n).toBeGreaterThan(0);
      expect(mb?.n).toBe(ma?.n);
      await a.sql`create table public.only_in_a (id int)`;
      const [seen] = await b.sql<{ t: string | null }[]>`select to_regclass('public.only_in_a')::text as t`;
      expect(seen?.t).toBeNull();
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});
