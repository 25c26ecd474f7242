// `npm run db:reset`: deletes the local database so the next `npm start` rebuilds it from the migrations and
// seed (the local equivalent of `supabase db reset`). Refuses while the stack is running.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStackEnv } from './config.ts';
import { postmasterPid } from './postgres/cluster.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, readStackEnv().NEXURAL_DATA_DIR);
const pid = postmasterPid(dataDir);
if (pid) {
  console.error(`The local database is running (Postgres pid ${pid}); stop \`npm start\` first.`);
  process.exit(1);
}
if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
console.log(
  `Removed ${dataDir}; the next \`npm start\` rebuilds it from supabase/migrations and supabase/seed.sql.`,
);
