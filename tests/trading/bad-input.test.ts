// Bad orders are refused with a clear message and a stable code in `details`, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  clientFor,
  connectTradingApi,
  createInstrument,
  moveQuote,
  traderWithPortfolio,
} from '../helpers/trading.ts';

let db: TestDatabase;
let stopApi: () => Promise<void>;
let symbol: string;
let wholeSymbol: string;
beforeAll(async () => {
  db = await createTestDatabase();
  stopApi = await connectTradingApi(db);
  symbol = await createInstrument(db.sql, { fractionable: true });
  wholeSymbol = await createInstrument(db.sql, { fractionable: false });
  await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01' });
  await moveQuote(db.sql, wholeSymbol, { bid: '99.99', ask: '100.01' });
});
afterAll(async () => {
  await stopApi();
  await db.drop();
});

async function writes(): Promise<number> {
  const [r] = await db.sql`
    select (select count(*) from public.orders) + (select count(*) from public.order_events)
      + (select count(*) from public.fills) + (select count(*) from public.positions)
      + (select count(*) from public.cash_ledger) as n`;
  return Number(r?.n);
}

const cases: [string, Record<string, unknown>, string][] = [
  ['a zero qty', { qty: '0' }, 'invalid_qty'],
  ['a negative qty', { qty: '-5' }, 'invalid_qty'],
  ['a NaN qty', { qty: 'NaN' }, 'invalid_qty'],
  ['an infinite qty', { qty: 'Infinity' }, 'invalid_qty'],
  ['a NaN limit price', { type: 'limit', limit_price: 'NaN', qty: '1' }, 'invalid_price'],
  ['a price off the tick', { type: 'limit', limit_price: '100.005', qty: '1' }, 'price_off_tick'],
  ['an unknown symbol', { symbol: 'NOPE', qty: '1' }, 'unknown_symbol'],
  ['both qty and notional', { qty: '1', notional: '100' }, 'qty_and_notional'],
  ['neither qty nor notional', {}, 'qty_required'],
  ['a stop without a stop price', { type: 'stop', qty: '1' }, 'stop_price_required'],
  ['a limit without a limit price', { type: 'limit', qty: '1' }, 'limit_price_required'],
  ['a trailing stop without a trail', { side: 'sell', type: 'trailing_stop', qty: '1' }, 'trail_required'],
  ['an unknown order type', { type: 'teleport', qty: '1' }, 'invalid_type'],
  ['an unknown side', { side: 'short', qty: '1' }, 'invalid_side'],
  ['an unknown time in force', { time_in_force: 'forever', qty: '1' }, 'invalid_time_in_force'],
  ['a fractional qty on a whole-share instrument', { symbol: 'WHOLE', qty: '1.5' }, 'fractional_not_allowed'],
  ['a notional on a whole-share instrument', { symbol: 'WHOLE', notional: '100' }, 'notional_not_allowed'],
  ['a notional limit order', { type: 'limit', limit_price: '99', notional: '100' }, 'notional_not_allowed'],
  [
    'opg on a stop order',
    { type: 'stop', stop_price: '120', qty: '1', time_in_force: 'opg' },
    'time_in_force_not_allowed',
  ],
  [
    'a bracket without its stop loss',
    { order_class: 'bracket', qty: '1', take_profit_limit_price: '120' },
    'legs_required',
  ],
  [
    'a bracket whose take profit is below its stop loss',
    { order_class: 'bracket', qty: '1', take_profit_limit_price: '90', stop_loss_stop_price: '95' },
    'invalid_legs',
  ],
  ['more than 9 decimals', { qty: '0.0000000001' }, 'invalid_qty'],
];

describe('place_order refuses bad input and writes nothing', () => {
  for (const [what, args, code] of cases) {
    it(`rejects ${what} with ${code}`, async () => {
      const { client, portfolioId } = await traderWithPortfolio(db.sql);
      const before = await writes();
      const resolved = { ...args, symbol: args.symbol === 'WHOLE' ? wholeSymbol : (args.symbol ?? symbol) };
      const { data, error } = await client.rpc('place_order', {
        portfolio_id: portfolioId,
        side: 'buy',
        ...resolved,
      });
      expect(data).toBeNull();
      expect(error?.details).toBe(code);
      expect(error?.message.length).toBeGreaterThan(10);
      expect(await writes()).toBe(before);
    });
  }

  it("rejects another user's portfolio id as not found", async () => {
    const a = await traderWithPortfolio(db.sql);
    const b = await traderWithPortfolio(db.sql);
    const before = await writes();
    const { error } = await b.client.rpc('place_order', {
      portfolio_id: a.portfolioId,
      symbol,
      side: 'buy',
      qty: '1',
    });
    expect(error).toMatchObject({ code: 'P0002', details: 'portfolio_not_found' });
    expect(await writes()).toBe(before);
  });

  it("refuses to cancel or replace another user's order", async () => {
    const a = await traderWithPortfolio(db.sql);
    const b = await traderWithPortfolio(db.sql);
    const placed = await a.client.rpc<{ id: string }>('place_order', {
      portfolio_id: a.portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '1',
    });
    expect((await b.client.rpc('cancel_order', { order_id: placed.data?.id })).error?.details).toBe(
      'order_not_found',
    );
    expect(
      (await b.client.rpc('replace_order', { order_id: placed.data?.id, qty: '2' })).error?.details,
    ).toBe('order_not_found');
  });

  it('rejects a market order without a quote', async () => {
    const bare = await createInstrument(db.sql);
    const { client, portfolioId } = await traderWithPortfolio(db.sql);
    const { error } = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol: bare,
      side: 'buy',
      qty: '1',
    });
    expect(error?.details).toBe('no_quote');
  });

  it('rejects a replace that no longer fits buying power and keeps the original open', async () => {
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '1000');
    const placed = await client.rpc<{ id: string }>('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '5',
    });
    const { error } = await client.rpc('replace_order', { order_id: placed.data?.id, qty: '50' });
    expect(error?.details).toBe('insufficient_buying_power');
    const { data } = await client.select('orders', { portfolio_id: portfolioId });
    expect(data?.map((o) => o.status)).toEqual(['new']);
  });

  it('rejects calls without a signed-in user', async () => {
    const { portfolioId } = await traderWithPortfolio(db.sql);
    const anon = await clientFor(db.sql, null);
    const { error } = await anon.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '1',
    });
    expect(error?.code).toBe('42501');
  });
});

describe('create_portfolio and transfer_cash refuse bad amounts', () => {
  it.each([['0'], ['-1'], ['NaN'], ['Infinity']])('rejects starting cash %s', async (cash) => {
    const { client } = await traderWithPortfolio(db.sql);
    const { error } = await client.rpc('create_portfolio', { name: 'x', starting_cash: cash });
    expect(error?.details).toBe('invalid_amount');
  });

  it('rejects withdrawing more than buying power', async () => {
    const { client, portfolioId } = await traderWithPortfolio(db.sql, '100');
    const { error } = await client.rpc('transfer_cash', { portfolio_id: portfolioId, amount: '-100.01' });
    expect(error?.details).toBe('insufficient_buying_power');
  });
});
