// One Postgres cluster for the whole test run, with a template database holding the Supabase bootstrap and
// every project migration; each test file clones it (tests/helpers/db.ts) in a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from '../../stack/postgres/cluster.ts';
import { prepareDatabase } from '../../stack/postgres/prepare.ts';
import { freePort } from './ports.ts';

export const TEMPLATE_DB = 'nexural_template';
const root = path.resolve(import.meta.dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    pgPort: number;
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-test-pg-'));
  const cluster = await startCluster({ dataDir, port: await freePort(), ephemeral: true });
  await prepareDatabase(cluster, {
    database: TEMPLATE_DB,
    migrationsDir: path.join(root, 'supabase', 'migrations'),
    seedPath: path.join(root, 'supabase', 'seed.sql'),
  });
  project.provide('pgPort', cluster.port);
  project.provide('templateDb', TEMPLATE_DB);
  return async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
