// Positions, cash and P&L against a ledger computed by hand, and TWR / MWR / max drawdown on a known example.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  connectTradingApi,
  createInstrument,
  dec,
  moveQuote,
  type Row,
  traderWithPortfolio,
} from '../helpers/trading.ts';

let db: TestDatabase;
let stopApi: () => Promise<void>;
beforeAll(async () => {
  db = await createTestDatabase();
  stopApi = await connectTradingApi(db);
});
afterAll(async () => {
  await stopApi();
  await db.drop();
});

describe('positions and P&L', () => {
  it('match a hand-computed ledger of buys and sells', async () => {
    const symbol = await createInstrument(db.sql);
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '100000');
    const buySell = async (side: string, qty: string) => {
      const { error } = await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side, qty });
      expect(error).toBeNull();
    };
    await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', prev_close: '98' });
    await buySell('buy', '10'); // -1000.10
    await moveQuote(db.sql, symbol, { bid: '109.99', ask: '110.01' });
    await buySell('buy', '10'); // -1100.10, avg (1000.10 + 1100.10) / 20 = 105.01
    await moveQuote(db.sql, symbol, { bid: '119.99', ask: '120.01', last: '120.00' });
    await buySell('sell', '5'); // +599.95, realized (119.99 - 105.01) x 5 = 74.90

    const { data: pos } = await client.select('position_valuations', { portfolio_id: portfolioId });
    const p = pos?.[0] as Row;
    expect([p.qty, p.avg_cost, p.cost_basis, p.realized_pnl].map(dec)).toEqual([
      '15',
      '105.01',
      '1575.15',
      '74.9',
    ]);
    expect([p.market_value, p.unrealized_pnl, p.day_change].map(dec)).toEqual(['1800', '224.85', '330']);

    const { data: val } = await client.select('portfolio_valuations', { portfolio_id: portfolioId });
    const v = val?.[0] as Row;
    expect([v.cash, v.market_value, v.equity, v.realized_pnl, v.unrealized_pnl].map(dec)).toEqual([
      '98499.75',
      '1800',
      '100299.75',
      '74.9',
      '224.85',
    ]);
    const { data: ledger } = await client.select('cash_ledger', { portfolio_id: portfolioId });
    expect(ledger?.map((l) => [l.kind, dec(l.amount)])).toEqual([
      ['initial', '100000'],
      ['trade', '-1000.1'],
      ['trade', '-1100.1'],
      ['trade', '599.95'],
    ]);
  });

  it('closing a position realizes the rest and leaves qty zero', async () => {
    const symbol = await createInstrument(db.sql);
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '10000');
    await moveQuote(db.sql, symbol, { bid: '49.99', ask: '50.01' });
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'buy', qty: '4' });
    await moveQuote(db.sql, symbol, { bid: '44.99', ask: '45.01' });
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'sell', qty: '4' });
    const { data } = await client.select('positions', { portfolio_id: portfolioId });
    expect([data?.[0]?.qty, data?.[0]?.cost_basis, data?.[0]?.realized_pnl].map(dec)).toEqual([
      '0',
      '0',
      '-20.08',
    ]);
  });

  it('reset cancels open orders, clears positions and restores starting cash', async () => {
    const symbol = await createInstrument(db.sql);
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '10000');
    await moveQuote(db.sql, symbol, { bid: '49.99', ask: '50.01' });
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'buy', qty: '4' });
    const open = await client.rpc<Row>('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '40',
      qty: '1',
    });
    const { error } = await client.rpc('reset_portfolio', { portfolio_id: portfolioId });
    expect(error).toBeNull();
    const { data: v } = await client.select('portfolio_valuations', { portfolio_id: portfolioId });
    expect([v?.[0]?.cash, v?.[0]?.equity, v?.[0]?.buying_power].map(dec)).toEqual([
      '10000',
      '10000',
      '10000',
    ]);
    expect((await client.select('positions', { portfolio_id: portfolioId })).data).toEqual([]);
    expect((await client.select('orders', { id: open.data?.id })).data?.[0]?.status).toBe('canceled');
  });
});

describe('performance', () => {
  // Known example: 10,000 on 1 Jan; +10% to 11,000 by 1 Jul, when 5,000 is deposited (16,000);
  // then -10% to 14,400 on 1 Jan next year.
  //   TWR = 1.10 x 0.90 - 1 = -1%.
  //   MWR solves -10000 - 5000 / (1+r)^(181/365) + 14400 / (1+r) = 0  =>  r = -4.78044% (computed separately).
  //   Max drawdown of the return index 1 -> 1.10 -> 0.99 is 10%.
  it('computes TWR, MWR and max drawdown on a known example', async () => {
    const { client, portfolioId, userId } = await traderWithPortfolio(db.sql, '10000');
    await db.sql`
      insert into public.equity_snapshots (portfolio_id, taken_at, user_id, cash, market_value, equity, net_flow)
      values (${portfolioId}, '2026-01-01T00:00:00Z', ${userId}, 10000, 0, 10000, 0),
             (${portfolioId}, '2026-07-01T00:00:00Z', ${userId}, 16000, 0, 16000, 5000),
             (${portfolioId}, '2027-01-01T00:00:00Z', ${userId}, 14400, 0, 14400, 0)`;
    const { data, error } = await client.rpc<Row[]>('portfolio_performance', { portfolio_id: portfolioId });
    expect(error).toBeNull();
    const perf = (Array.isArray(data) ? data[0] : data) as Row;
    expect(Number(perf.twr)).toBeCloseTo(-0.01, 10);
    expect(Number(perf.mwr)).toBeCloseTo(-0.0478043549, 7);
    expect(Number(perf.max_drawdown)).toBeCloseTo(0.1, 10);
  });

  it('snapshots record deposits between them as external flows', async () => {
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '10000');
    await db.sql`select private.take_equity_snapshots(now() - interval '1 hour', array[${portfolioId}]::uuid[])`;
    expect(
      (await client.rpc('transfer_cash', { portfolio_id: portfolioId, amount: '2500' })).error,
    ).toBeNull();
    await db.sql`select private.take_equity_snapshots(now() + interval '1 second', array[${portfolioId}]::uuid[])`;
    const { data } = await client.select('equity_snapshots', { portfolio_id: portfolioId });
    expect(data?.map((s) => [dec(s.equity), dec(s.net_flow)])).toEqual([
      ['10000', '0'],
      ['12500', '2500'],
    ]);
    const { data: perf } = await client.rpc<Row[]>('portfolio_performance', { portfolio_id: portfolioId });
    expect(Number((Array.isArray(perf) ? perf[0] : perf)?.twr)).toBe(0);
  });

  it('housekeeping snapshots each portfolio once per interval', async () => {
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '5000');
    const run = (at: string) =>
      db.sql`select * from private.trading_housekeeping(${at}::timestamptz, interval '1 hour')`;
    await run('2030-01-01T10:00:00Z');
    await run('2030-01-01T10:30:00Z');
    await run('2030-01-01T11:00:00Z');
    const { data } = await client.select('equity_snapshots', { portfolio_id: portfolioId });
    expect(data?.map((s) => new Date(s.taken_at as string).toISOString())).toEqual([
      '2030-01-01T10:00:00.000Z',
      '2030-01-01T11:00:00.000Z',
    ]);
  });

  it("refuses another user's portfolio", async () => {
    const a = await traderWithPortfolio(db.sql);
    const b = await traderWithPortfolio(db.sql);
    const { error } = await b.client.rpc('portfolio_performance', { portfolio_id: a.portfolioId });
    expect(error?.details).toBe('portfolio_not_found');
  });
});
