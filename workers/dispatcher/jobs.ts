// The periodic jobs `npm start` (and production) runs. Each calls one database function that is safe to run
// again at any time.
import type { Job } from './dispatcher.ts';

/** Expires orders past their time in force and takes due equity snapshots (private.trading_housekeeping). */
export function tradingHousekeeping(everyMs: number, snapshotEvery: string): Job {
  return {
    name: 'trading_housekeeping',
    everyMs,
    async run(tx) {
      const [r] = await tx<{ orders_expired: number; snapshots_taken: number }[]>`
        select * from private.trading_housekeeping(now(), ${snapshotEvery}::interval)`;
      return `${r?.orders_expired ?? 0} order(s) expired, ${r?.snapshots_taken ?? 0} equity snapshot(s) taken`;
    },
  };
}
