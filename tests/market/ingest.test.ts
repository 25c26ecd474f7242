// The ingester against the in-process simulator and a real Postgres: idempotent replay, crash and restart,
// reconnects, malformed and out-of-order input, and backpressure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDataset } from '../../workers/market-feed/ingester.ts';
import { parseFeedMessage, type Trade } from '../../workers/market-feed/parse-message.ts';
import { storeBatch } from '../../workers/market-feed/store-batch.ts';
import type { TradeMessage } from '../../workers/simulator/protocol.ts';
import type { Simulator } from '../../workers/simulator/server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ingester, simulator, storedIds, subscribed, waitFor } from './fixture.ts';

let db: TestDatabase;
const sims: Simulator[] = [];
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of stops) await s().catch(() => {});
  for (const s of sims) await s.close();
  await db.drop();
});

async function setUp(dataset: string) {
  const sim = await simulator();
  sims.push(sim);
  const t = await ingester(db, sim, dataset);
  stops.push(() => t.ingester.stop());
  await subscribed(sim);
  return { sim, ...t };
}

const tradesOf = (msgs: Array<{ T: string }>) => msgs.filter((m): m is TradeMessage => m.T === 't');
const lastId = (msgs: Array<{ T: string }>) => Math.max(...tradesOf(msgs).map((t) => t.i));

describe('market-feed ingester', () => {
  it('stores each trade of a replayed stream once', async () => {
    const { sim, ingester: ing } = await setUp('replay');
    const first = sim.generate(400);
    await waitFor('the first pass', () => ing.acknowledgedId === lastId(first));
    sim.publish(first); // the same stream again
    const more = sim.generate(50);
    await waitFor('the trades after the replay', () => ing.acknowledgedId === lastId(more));

    const expected = [...tradesOf(first), ...tradesOf(more)].map((t) => t.i);
    expect(await storedIds(db.sql, ing.datasetId)).toEqual(expected);
    const [bars] = await db.sql<{ volume: string }[]>`
      select sum(volume)::text as volume from public.market_bars_1m where dataset_id = ${ing.datasetId}`;
    const handVolume = [...tradesOf(first), ...tradesOf(more)].reduce((a, t) => a + t.s, 0);
    expect(bars?.volume).toBe(String(handVolume));
  });

  it('a killed and restarted ingester loses nothing it acknowledged and records the gap', async () => {
    const sim = await simulator(7);
    sims.push(sim);
    const a = await ingester(db, sim, 'crash', { batchSize: 200 });
    await subscribed(sim);
    const burst = sim.generate(5000);
    await waitFor('some batches acknowledged', () => a.acked.length > 0);
    await a.ingester.kill();
    await waitFor('the dead connection to close', () => sim.connectionCount() === 0);

    const stored = await storedIds(db.sql, a.ingester.datasetId);
    expect(stored).toEqual(expect.arrayContaining(a.acked.map((t) => t.id)));
    const maxStored = Math.max(...stored);
    expect(maxStored).toBeLessThan(lastId(burst)); // it died with trades in flight

    sim.generate(100); // nobody listening: these are missed too
    const b = await ingester(db, sim, 'crash');
    stops.push(() => b.ingester.stop());
    await subscribed(sim);
    const after = sim.generate(300);
    await waitFor('the restarted ingester', () => b.ingester.acknowledgedId === lastId(after));

    const firstAfter = Math.min(...tradesOf(after).map((t) => t.i));
    const gaps = await db.sql`
      select first_missing_id::int8::text as first, last_missing_id::int8::text as last
      from public.market_ingestion_gaps where dataset_id = ${b.ingester.datasetId}`;
    expect(gaps).toEqual([{ first: String(maxStored + 1), last: String(firstAfter - 1) }]);
    const all = await storedIds(db.sql, b.ingester.datasetId);
    expect(all.filter((id) => id > maxStored)).toEqual(tradesOf(after).map((t) => t.i));
    await waitFor('gap telemetry', async () => {
      const [row] = await db.sql`
        select sum(gaps)::int as gaps, sum(missing_trades)::int8::text as missing
        from public.market_ingestion_minutes where dataset_id = ${b.ingester.datasetId}`;
      return row?.gaps === 1 && row.missing === String(firstAfter - 1 - maxStored);
    });
  });

  it('reconnects and resubscribes after the connection drops', async () => {
    const { sim, ingester: ing } = await setUp('reconnect');
    const before = sim.generate(50);
    await waitFor('trades before the drop', () => ing.acknowledgedId === lastId(before));
    sim.dropConnections();
    await waitFor('the resubscription', () => ing.subscriptions === 2);
    expect(sim.subscriptions()).toEqual([{ trades: ['*'], quotes: ['*'], bars: [] }]);
    const after = sim.generate(50);
    await waitFor('trades after the reconnect', () => ing.acknowledgedId === lastId(after));
    await waitFor('the reconnect in telemetry', async () => {
      const [row] = await db.sql`
        select sum(reconnects)::int as n from public.market_ingestion_minutes where dataset_id = ${ing.datasetId}`;
      return row?.n === 1;
    });
  });

  it('counts and skips malformed and out-of-order messages without stopping', async () => {
    const { sim, ingester: ing } = await setUp('bad-input');
    const good = sim.generate(100);
    await waitFor('the first trades', () => ing.acknowledgedId === lastId(good));
    const stale = { ...tradesOf(good)[0], p: 1 } as TradeMessage; // an id already passed
    sim.sendRaw('this is not json');
    sim.sendRaw(JSON.stringify([{ T: 't', S: 'AAPL', i: 'x' }, { T: 'zz' }]));
    sim.publish([stale]);
    const later = sim.generate(100);
    await waitFor('trades after the bad input', () => ing.acknowledgedId === lastId(later));

    expect(ing.telemetry.totals.malformed).toBe(3);
    expect(ing.telemetry.totals.outOfOrder).toBe(1);
    const [row] = await db.sql`
      select price::text from public.market_trades where dataset_id = ${ing.datasetId} and trade_id = ${stale.i}`;
    expect(row?.price).not.toBe('1');
    await waitFor('the counts in telemetry', async () => {
      const [t] = await db.sql`
        select sum(malformed)::int as malformed, sum(out_of_order)::int as ooo
        from public.market_ingestion_minutes where dataset_id = ${ing.datasetId}`;
      return t?.malformed === 3 && t.ooo === 1;
    });
  });

  it('writes a batch overlapping stored trades once and folds only the new trades into bars', async () => {
    const datasetId = await registerDataset(db.sql, { name: 'overlap', feedUrl: 'ws://127.0.0.1:1/v2/sim' });
    const trade = (i: number, s: number) => {
      const ev = parseFeedMessage(
        { T: 't', S: 'AAPL', i, x: 'V', p: 100 + i, s, c: ['@'], z: 'C', t: `2026-11-24T15:00:0${i}.5Z` },
        Date.now(),
      );
      return (ev as { trade: Trade }).trade;
    };
    const batch = (trades: Trade[]) => ({ trades, quotes: [], gaps: [], telemetry: [] });
    expect(
      (await storeBatch(db.sql, datasetId, batch([trade(1, 1), trade(2, 2), trade(3, 3)]))).inserted,
    ).toBe(3);
    // Two ingesters on one dataset, or a replay: 2 and 3 again (with other sizes), then 4 and 5.
    const again = await storeBatch(
      db.sql,
      datasetId,
      batch([trade(2, 20), trade(3, 30), trade(4, 4), trade(5, 5)]),
    );

    expect(again.inserted).toBe(2);
    expect(await storedIds(db.sql, datasetId)).toEqual([1, 2, 3, 4, 5]);
    const [bar] = await db.sql`
      select open::text, close::text, volume::text, trade_count, revision
      from public.market_bars_1m where dataset_id = ${datasetId}`;
    expect(bar).toEqual({ open: '101', close: '105', volume: '15', trade_count: 5, revision: 1 });
  });

  it('skips a trade whose time Postgres would refuse instead of failing the batch it is in', async () => {
    const { sim, ingester: ing } = await setUp('bad-time');
    const good = sim.generate(20);
    const id = lastId(good);
    const base: Omit<TradeMessage, 'i' | 't'> = {
      T: 't',
      S: 'AAPL',
      x: 'V',
      p: 190.5,
      s: 3,
      c: ['@'],
      z: 'C',
    };
    sim.publish([
      { ...base, i: id + 1, t: '2026-02-30T15:00:00Z' }, // JavaScript's Date.parse rolls it into March
      { ...base, i: id + 2, t: '2026-11-24T15:00:00.000000001Z', x: 'V\t\\\u0000' },
    ]);
    await waitFor('the valid trade after it', () => ing.acknowledgedId === id + 2);

    expect(ing.telemetry.totals.malformed).toBe(1);
    const [row] = await db.sql`
      select exchange, trade_ts::text from public.market_trades
      where dataset_id = ${ing.datasetId} and trade_id = ${id + 2}`;
    expect(row).toEqual({ exchange: 'V\t\\', trade_ts: '2026-11-24 15:00:00+00' });
  });

  it('pauses the socket when its queue is full instead of buffering without bound', async () => {
    const sim = await simulator(9);
    sims.push(sim);
    const maxQueue = 1000;
    const t = await ingester(db, sim, 'backpressure', { maxQueue, batchSize: 100 });
    stops.push(() => t.ingester.stop());
    await subscribed(sim);
    // Hold the table so every batch write blocks, then flood.
    const hold = await db.sql.reserve();
    await hold`begin`;
    await hold`lock table public.market_trades in exclusive mode`;
    let last = 0;
    for (let k = 0; k < 100; k++) last = lastId(sim.generate(200)) || last;
    await waitFor('the socket to pause', () => t.ingester.paused);
    const sent = 100 * 200;
    // Frames the socket had already read when it paused still land; nothing after them is read.
    expect(t.ingester.queueLength).toBeLessThan(maxQueue * 3);
    expect(t.ingester.queueLength).toBeLessThan(sent / 4);
    await hold`rollback`;
    hold.release();
    await waitFor('everything after the release', () => t.ingester.acknowledgedId === last, 30_000);
    expect(t.ingester.paused).toBe(false);
  });
});
