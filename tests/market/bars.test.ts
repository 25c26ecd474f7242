// 1-minute bars built from stored trades equal the ones computed by hand, including a late trade that
// arrives after its minute's bar was written.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TradeMessage } from '../../workers/simulator/protocol.ts';
import type { Simulator } from '../../workers/simulator/server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ingester, simulator, subscribed, type TestIngester, waitFor } from './fixture.ts';

let db: TestDatabase;
let sim: Simulator;
let t: TestIngester;

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await simulator();
  t = await ingester(db, sim, 'bars');
  await subscribed(sim);
});
afterAll(async () => {
  await t.ingester.stop();
  await sim.close();
  await db.drop();
});

const trade = (i: number, S: string, t: string, p: number, s: number): TradeMessage => ({
  T: 't',
  S,
  i,
  x: 'V',
  p,
  s,
  c: ['@'],
  z: 'C',
  t,
});

const bars = () =>
  db.sql`
    select symbol, to_char(bucket at time zone 'UTC', 'HH24:MI') as minute, open::text, high::text, low::text,
      close::text, volume::text, trade_count, round(vwap, 6)::text as vwap, revision
    from public.market_bars_1m where dataset_id = ${t.ingester.datasetId} order by symbol, bucket`;

it('builds bars equal to those computed by hand from the trades, whatever their arrival order', async () => {
  sim.publish([
    trade(1, 'AAPL', '2026-11-24T15:00:10.000000000Z', 100.1, 10),
    trade(2, 'AAPL', '2026-11-24T15:00:50.000000000Z', 100.5, 5),
    trade(3, 'AAPL', '2026-11-24T15:00:20.000000000Z', 99.9, 20), // later id, earlier time
    trade(4, 'AAPL', '2026-11-24T15:01:05.000000000Z', 101, 7),
    trade(5, 'MSFT', '2026-11-24T15:00:30.500000000Z', 415.25, 3),
  ]);
  await waitFor('the trades', () => t.ingester.acknowledgedId === 5);
  // 15:00 AAPL: open 100.10 (15:00:10), high 100.50, low 99.90, close 100.50 (15:00:50), volume 35,
  // vwap (1001 + 502.5 + 1998) / 35 = 100.042857.
  expect(await bars()).toEqual([
    {
      symbol: 'AAPL',
      minute: '15:00',
      open: '100.1',
      high: '100.5',
      low: '99.9',
      close: '100.5',
      volume: '35',
      trade_count: 3,
      vwap: '100.042857',
      revision: 0,
    },
    {
      symbol: 'AAPL',
      minute: '15:01',
      open: '101',
      high: '101',
      low: '101',
      close: '101',
      volume: '7',
      trade_count: 1,
      vwap: '101.000000',
      revision: 0,
    },
    {
      symbol: 'MSFT',
      minute: '15:00',
      open: '415.25',
      high: '415.25',
      low: '415.25',
      close: '415.25',
      volume: '3',
      trade_count: 1,
      vwap: '415.250000',
      revision: 0,
    },
  ]);
});

it('revises a past minute when a late trade for it arrives', async () => {
  sim.publish([trade(6, 'AAPL', '2026-11-24T15:00:05.000000000Z', 98, 1)]);
  await waitFor('the late trade', () => t.ingester.acknowledgedId === 6);
  // Now open 98 (15:00:05 is the earliest), low 98, volume 36, vwap (3501.5 + 98) / 36 = 99.986111.
  const [aapl1500] = await bars();
  expect(aapl1500).toEqual({
    symbol: 'AAPL',
    minute: '15:00',
    open: '98',
    high: '100.5',
    low: '98',
    close: '100.5',
    volume: '36',
    trade_count: 4,
    vwap: '99.986111',
    revision: 1,
  });
});

it('equals the aggregate Postgres computes from the stored trades, ties within a microsecond by trade id', async () => {
  const sim2 = await simulator(5);
  const t2 = await ingester(db, sim2, 'bars-aggregate', { batchSize: 97 });
  try {
    await subscribed(sim2);
    // Times out of order within three minutes, nanosecond fractions that often round to one microsecond
    // (so only the trade id orders them, as in Postgres) and prices in cents and in exponent notation.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ns = () => String(Math.floor(rand() * 3) * 1000 + Math.floor(rand() * 1000)).padStart(9, '0');
    const tape: TradeMessage[] = [];
    for (let i = 1; i <= 1500; i++) {
      const minute = Math.floor(rand() * 3);
      const second = String(Math.floor(rand() * 2) * 59).padStart(2, '0');
      const p = rand() < 0.02 ? 1e-7 * (1 + Math.floor(rand() * 5)) : Math.round(10_000 + rand() * 100) / 100;
      const s = rand() < 0.1 ? Math.round(rand() * 1000) / 1000 + 0.001 : 1 + Math.floor(rand() * 500);
      tape.push(
        trade(i, ['AAPL', 'MSFT'][i % 2] as string, `2026-11-24T16:0${minute}:${second}.${ns()}Z`, p, s),
      );
    }
    for (let k = 0; k < tape.length; k += 250) sim2.publish(tape.slice(k, k + 250));
    await waitFor('the tape', () => t2.ingester.acknowledgedId === 1500);

    const id = t2.ingester.datasetId;
    const stored = await db.sql`
      select symbol, bucket::text, open::text, high::text, low::text, close::text, volume::text, trade_count,
        notional::text, open_ts::text, open_trade_id::text, close_ts::text, close_trade_id::text
      from public.market_bars_1m where dataset_id = ${id} order by 1, 2`;
    const computed = await db.sql`
      select symbol, date_trunc('minute', trade_ts)::text as bucket,
        ((array_agg(price order by trade_ts, trade_id))[1])::text as open, max(price)::text as high,
        min(price)::text as low, ((array_agg(price order by trade_ts desc, trade_id desc))[1])::text as close,
        sum(size)::text as volume, count(*)::int as trade_count, sum(price * size)::text as notional,
        min(trade_ts)::text as open_ts, ((array_agg(trade_id order by trade_ts, trade_id))[1])::text as open_trade_id,
        max(trade_ts)::text as close_ts,
        ((array_agg(trade_id order by trade_ts desc, trade_id desc))[1])::text as close_trade_id
      from public.market_trades where dataset_id = ${id} group by 1, 2 order by 1, 2`;
    expect(computed).toHaveLength(6);
    expect(stored).toEqual(computed);
  } finally {
    await t2.ingester.stop();
    await sim2.close();
  }
});
