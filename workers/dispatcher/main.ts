// `npm start` runs this: the job dispatcher for the database's periodic work (order expiry, equity snapshots).
// Needs a role that may execute private.* functions (the database owner or service_role), via DATABASE_URL.
import postgres from 'postgres';
import { z } from 'zod';
import { startDispatcher } from './dispatcher.ts';
import { tradingHousekeeping } from './jobs.ts';

const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  DISPATCHER_HOUSEKEEPING_MS: z.coerce.number().int().min(1000).default(60_000),
  DISPATCHER_SNAPSHOT_EVERY: z
    .string()
    .regex(/^\d+ (second|minute|hour|day)s?$/, "expected an interval like '1 hour' or '15 minutes'")
    .default('1 hour'),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;

const sql = postgres(env.DATABASE_URL, { max: 2, onnotice: () => {} });
const dispatcher = startDispatcher({
  sql,
  jobs: [tradingHousekeeping(env.DISPATCHER_HOUSEKEEPING_MS, env.DISPATCHER_SNAPSHOT_EVERY)],
  onRun: (run) => {
    const line = `${run.job}: ${run.outcome} in ${run.ms.toFixed(0)} ms — ${run.detail}`;
    if (run.outcome === 'failed') console.error(line);
    else console.log(line);
  },
});
console.log(`dispatching trading_housekeeping every ${env.DISPATCHER_HOUSEKEEPING_MS} ms`);

const stop = () =>
  void dispatcher
    .stop()
    .then(() => sql.end())
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
