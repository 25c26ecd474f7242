// `npm start`: runs the whole local stack in the foreground, prints the connection details as
// `supabase status` does, and stops everything (Postgres included) on Ctrl-C.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStackEnv } from './config.ts';
import { MigrationError } from './postgres/migrate.ts';
import { type Stack, startStack } from './stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const t0 = performance.now();

let env: ReturnType<typeof readStackEnv>;
try {
  env = readStackEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

let stack: Stack | undefined;
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('Stopping...');
  await stack?.stop();
  console.log('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  stack = await startStack({ env, root, log: (line) => console.log(line) });
} catch (err) {
  if (err instanceof MigrationError) console.error(`\n${err.message}`);
  else console.error(err);
  process.exit(1);
}

const rows: [string, string][] = [
  ['API URL', stack.apiUrl],
  ['REST URL', `${stack.apiUrl}/rest/v1`],
  ['DB URL', stack.dbUrl],
  ['JWT secret', env.NEXURAL_JWT_SECRET],
  ['anon key', env.NEXURAL_ANON_KEY],
  ['service_role key', env.NEXURAL_SERVICE_ROLE_KEY],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(
  `\nNexural local stack started in ${((performance.now() - t0) / 1000).toFixed(1)}s ` +
    `(${stack.migrations.applied.length} new migration(s), ${stack.migrations.alreadyApplied} already applied).\n`,
);
for (const [k, v] of rows) console.log(`${k.padStart(width)}: ${v}`);
console.log('\nPress Ctrl-C to stop.');
