// `npm run gen:types`: builds a throwaway database from supabase/migrations and writes database.types.ts
// from it with the real Supabase CLI. A test fails when the committed file is stale.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dbUrl } from '../config.ts';
import { startCluster } from '../postgres/cluster.ts';
import { prepareDatabase } from '../postgres/prepare.ts';
import { generateTypes, projectRoot } from './supabase-cli.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-types-'));
const port = 54300 + Math.floor(Math.random() * 500);
const cluster = await startCluster({ dataDir, port, ephemeral: true });
try {
  await prepareDatabase(cluster, {
    migrationsDir: path.join(projectRoot, 'supabase', 'migrations'),
  });
  const types = await generateTypes(dbUrl({ port }));
  writeFileSync(path.join(projectRoot, 'database.types.ts'), types);
  console.log('wrote database.types.ts');
} finally {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
