// The job dispatcher runs the database's periodic work on its cadence, never twice at once, and keeps going
// when a run fails.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobRun, startDispatcher } from '../../workers/dispatcher/dispatcher.ts';
import { tradingHousekeeping } from '../../workers/dispatcher/jobs.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createInstrument, getOrder, moveQuote, traderWithPortfolio } from '../helpers/trading.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job dispatcher', () => {
  it('expires day orders past their close and snapshots equity without any quote arriving', async () => {
    const { client, portfolioId } = await traderWithPortfolio(db.sql);
    const symbol = await createInstrument(db.sql);
    await moveQuote(db.sql, symbol, { bid: '99.98', ask: '100.00' });
    const { data: order, error } = await client.rpc<{ id: string }>('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '50',
      qty: '1',
    });
    expect(error).toBeNull();
    // The session closed a second ago: the order is past its time in force but no quote has come since.
    await db.sql`update public.orders set expires_at = now() - interval '1 second' where id = ${order?.id as string}`;
    const runs: JobRun[] = [];
    const dispatcher = startDispatcher({
      sql: db.sql,
      jobs: [tradingHousekeeping(100, '1 hour')],
      onRun: (r) => runs.push(r),
    });
    try {
      const expired = await until(async () => {
        const o = await getOrder(client, order?.id as string);
        return o.status === 'expired' ? o : undefined;
      });
      expect(expired.status_reason).toBe('time_in_force');
      const snapshots =
        await db.sql`select 1 from public.equity_snapshots where portfolio_id = ${portfolioId}`;
      expect(snapshots.length).toBe(1);
      await until(async () => (runs.length >= 3 ? true : undefined));
    } finally {
      await dispatcher.stop();
    }
    expect(runs.every((r) => r.outcome === 'ran')).toBe(true);
    expect(runs[0]?.detail).toMatch(/1 order\(s\) expired, \d+ equity snapshot\(s\) taken/);
    // Later runs within the snapshot interval add no second snapshot for the portfolio.
    const snapshots = await db.sql`select 1 from public.equity_snapshots where portfolio_id = ${portfolioId}`;
    expect(snapshots.length).toBe(1);
  });

  it('never runs one job in two dispatchers at once', async () => {
    await db.sql`create table if not exists public.job_probe (started timestamptz, ended timestamptz)`;
    const slow = {
      name: 'probe',
      everyMs: 10,
      async run(tx: postgres.TransactionSql) {
        await tx`insert into public.job_probe select clock_timestamp(), clock_timestamp() + interval '150 ms' from pg_sleep(0.15)`;
        return 'slept';
      },
    };
    const runs: JobRun[] = [];
    const a = startDispatcher({ sql: db.sql, jobs: [slow], onRun: (r) => runs.push(r) });
    const b = startDispatcher({ sql: db.sql, jobs: [slow], onRun: (r) => runs.push(r) });
    await until(async () => (runs.filter((r) => r.outcome === 'ran').length >= 4 ? true : undefined));
    await Promise.all([a.stop(), b.stop()]);
    expect(runs.some((r) => r.outcome === 'skipped')).toBe(true);
    const overlaps = await db.sql`
      select count(*)::int as n from public.job_probe x join public.job_probe y
        on x.ctid <> y.ctid and x.started < y.ended and y.started < x.ended`;
    expect(overlaps[0]?.n).toBe(0);
  });

  it('reports a failing run and tries again on the next tick', async () => {
    let calls = 0;
    const runs: JobRun[] = [];
    const d = startDispatcher({
      sql: db.sql,
      jobs: [
        {
          name: 'flaky',
          everyMs: 20,
          async run(tx) {
            calls++;
            if (calls === 1) await tx`select 1/0`;
            return 'ok';
          },
        },
      ],
      onRun: (r) => runs.push(r),
    });
    await until(async () => (runs.length >= 2 ? true : undefined));
    await d.stop();
    expect(runs[0]).toMatchObject({ job: 'flaky', outcome: 'failed', detail: 'division by zero' });
    expect(runs[1]).toMatchObject({ job: 'flaky', outcome: 'ran', detail: 'ok' });
  });
});
