// Runs the database's periodic jobs on a fixed cadence. The work itself lives in Postgres functions; this only
// calls them. Each run holds a transaction-scoped advisory lock named for its job, so several dispatchers (a
// rolling deploy, a second machine) never run the same job at once, and a job never overlaps itself.
import type postgres from 'postgres';

export interface Job {
  name: string;
  everyMs: number;
  /** The job's work, inside a transaction that already holds the job's lock; returns a line for the log. */
  run(tx: postgres.TransactionSql): Promise<string>;
}

export interface JobRun {
  job: string;
  /** `ran`: this dispatcher did the work; `skipped`: another holder had the lock; `failed`: it threw. */
  outcome: 'ran' | 'skipped' | 'failed';
  detail: string;
  ms: number;
}

export interface Dispatcher {
  /** Runs every job once now (the first tick), then each on its cadence. */
  stop(): Promise<void>;
}

export function startDispatcher(opts: {
  sql: postgres.Sql;
  jobs: Job[];
  onRun?: (run: JobRun) => void;
}): Dispatcher {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const runOnce = async (job: Job): Promise<JobRun> => {
    const t0 = performance.now();
    try {
      const detail = await opts.sql.begin(async (tx) => {
        const [lock] = await tx<{ ok: boolean }[]>`
          select pg_try_advisory_xact_lock(hashtextextended(${`nexural.job:${job.name}`}, 0)) as ok`;
        return lock?.ok ? job.run(tx) : null;
      });
      const ms = performance.now() - t0;
      return detail === null
        ? { job: job.name, outcome: 'skipped', detail: 'another dispatcher holds the job', ms }
        : { job: job.name, outcome: 'ran', detail, ms };
    } catch (err) {
      return { job: job.name, outcome: 'failed', detail: (err as Error).message, ms: performance.now() - t0 };
    }
  };

  const schedule = (job: Job, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      // The next run is scheduled after this one ends, so a slow run delays the next instead of piling up.
      const p = runOnce(job).then((run) => {
        opts.onRun?.(run);
        schedule(job, job.everyMs);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }, delay);
    timers.add(timer);
  };
  for (const job of opts.jobs) schedule(job, 0);

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}
