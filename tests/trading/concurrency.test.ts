// Retries and races: a resubmitted client_order_id, buying power, a cancel racing a fill, and two orders
// racing for the same cash. Racing calls run on separate connections at the same time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  connectTradingApi,
  createInstrument,
  dec,
  getOrder,
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

async function setup(cash = '100000') {
  const symbol = await createInstrument(db.sql, { fractionable: true });
  await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', last: '100.00' });
  const t = await traderWithPortfolio(db.sql, cash);
  return { ...t, symbol };
}

const count = async (table: string, portfolioId: string) =>
  Number(
    (
      await db.sql.unsafe(`select count(*)::int as n from public.${table} where portfolio_id = $1`, [
        portfolioId,
      ])
    )[0]?.n,
  );

describe('client_order_id', () => {
  it('a retried submit returns the first order and places nothing new', async () => {
    const { client, portfolioId, symbol } = await setup();
    const args = {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '1',
      client_order_id: 'abc-1',
    };
    const first = await client.rpc<Row>('place_order', args);
    const retry = await client.rpc<Row>('place_order', { ...args, qty: '7' });
    expect(retry.error).toBeNull();
    expect(retry.data?.id).toBe(first.data?.id);
    expect(dec(retry.data?.qty)).toBe('1');
    expect(await count('orders', portfolioId)).toBe(1);
  });

  it('concurrent retries of the same submit create exactly one order', async () => {
    const { client, portfolioId, symbol } = await setup();
    const args = { portfolio_id: portfolioId, symbol, side: 'buy', qty: '1', client_order_id: 'race-1' };
    const results = await Promise.all([1, 2, 3, 4].map(() => client.rpc<Row>('place_order', args)));
    expect(results.map((r) => r.error)).toEqual([null, null, null, null]);
    expect(new Set(results.map((r) => r.data?.id)).size).toBe(1);
    expect(await count('fills', portfolioId)).toBe(1);
  });

  it('the same client_order_id in two portfolios names two orders', async () => {
    const a = await setup();
    const b = await traderWithPortfolio(db.sql);
    const ra = await a.client.rpc<Row>('place_order', {
      portfolio_id: a.portfolioId,
      symbol: a.symbol,
      side: 'buy',
      qty: '1',
      client_order_id: 'x',
    });
    const rb = await b.client.rpc<Row>('place_order', {
      portfolio_id: b.portfolioId,
      symbol: a.symbol,
      side: 'buy',
      qty: '1',
      client_order_id: 'x',
    });
    expect(ra.data?.id).not.toBe(rb.data?.id);
  });
});

describe('buying power', () => {
  it('rejects a buy above buying power and changes nothing', async () => {
    const { client, portfolioId, symbol } = await setup('1000');
    const { data, error } = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '10',
    });
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: 'P0001', details: 'insufficient_buying_power' });
    expect(await count('orders', portfolioId)).toBe(0);
    expect(await count('cash_ledger', portfolioId)).toBe(1);
  });

  it('counts open orders against buying power', async () => {
    const { client, portfolioId, symbol } = await setup('1000');
    const first = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '6',
    });
    expect(first.error).toBeNull();
    const second = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '6',
    });
    expect(second.error?.details).toBe('insufficient_buying_power');
  });

  it('rejects selling more than is held (no shorting), counting open sells', async () => {
    const { client, portfolioId, symbol } = await setup();
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'buy', qty: '5' });
    const open = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'limit',
      limit_price: '200',
      qty: '3',
    });
    expect(open.error).toBeNull();
    const { error } = await client.rpc('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      qty: '3',
    });
    expect(error?.details).toBe('insufficient_position');
  });

  it('two racing orders that together exceed cash: exactly one succeeds, cash never negative', async () => {
    const { client, portfolioId, symbol } = await setup('1500');
    const args = { portfolio_id: portfolioId, symbol, side: 'buy', qty: '10' };
    const results = await Promise.all([client.rpc('place_order', args), client.rpc('place_order', args)]);
    const ok = results.filter((r) => r.error === null);
    const refused = results.filter((r) => r.error !== null);
    expect(ok).toHaveLength(1);
    expect(refused.map((r) => r.error?.details)).toEqual(['insufficient_buying_power']);
    const [row] =
      await db.sql`select sum(amount) as cash from public.cash_ledger where portfolio_id = ${portfolioId}`;
    expect(dec(row?.cash)).toBe('499.9');
  });

  it('two racing sells of the whole position: exactly one succeeds, the position never goes negative', async () => {
    const { client, portfolioId, symbol } = await setup();
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'buy', qty: '5' });
    const args = { portfolio_id: portfolioId, symbol, side: 'sell', qty: '5' };
    const results = await Promise.all([client.rpc('place_order', args), client.rpc('place_order', args)]);
    expect(results.map((r) => r.error?.details ?? 'ok').sort()).toEqual(['insufficient_position', 'ok']);
    const [pos] = await db.sql`select qty from public.positions where portfolio_id = ${portfolioId}`;
    expect(dec(pos?.qty)).toBe('0');
  });

  it('racing limit orders cannot over-reserve either', async () => {
    const { client, portfolioId, symbol } = await setup('1000');
    const args = {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '50',
      qty: '12',
    };
    const results = await Promise.all([1, 2, 3].map(() => client.rpc('place_order', args)));
    expect(results.filter((r) => r.error === null)).toHaveLength(1);
  });
});

describe('cash at fill time', () => {
  it('cancels a stop that triggers into a price the cash cannot pay, leaving cash untouched', async () => {
    // Reserved at the stop (105 x 10 = all the cash); the market then gaps through it to 120.
    const { client, portfolioId, symbol } = await setup('1050');
    const placed = await client.rpc<Row>('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'stop',
      stop_price: '105',
      qty: '10',
    });
    expect(placed.error).toBeNull();
    await moveQuote(db.sql, symbol, { bid: '119.98', ask: '120.00', last: '119.99' });
    const order = await getOrder(client, placed.data?.id as string);
    expect([order.status, order.status_reason]).toEqual(['canceled', 'insufficient_buying_power']);
    const [row] =
      await db.sql`select sum(amount) as cash from public.cash_ledger where portfolio_id = ${portfolioId}`;
    expect(dec(row?.cash)).toBe('1050');
  });
});

describe('cancel racing fill', () => {
  it('either the cancel or the fill wins, never both, and the loser says why', async () => {
    for (let i = 0; i < 5; i++) {
      const { client, portfolioId, symbol } = await setup();
      const placed = await client.rpc<Row>('place_order', {
        portfolio_id: portfolioId,
        symbol,
        side: 'buy',
        type: 'limit',
        limit_price: '95',
        qty: '2',
      });
      const id = placed.data?.id as string;
      const [cancel] = await Promise.all([
        client.rpc<Row>('cancel_order', { order_id: id }),
        moveQuote(db.sql, symbol, { bid: '94.00', ask: '94.02' }),
      ]);
      const order = await getOrder(client, id);
      const fills = Number(
        (await db.sql`select count(*)::int as n from public.fills where order_id = ${id}`)[0]?.n,
      );
      if (cancel.error) {
        expect(cancel.error.details).toBe('order_not_cancelable');
        expect(order.status).toBe('filled');
        expect(fills).toBe(1);
      } else {
        expect(order.status).toBe('canceled');
        expect(fills).toBe(0);
      }
    }
  });

  it('concurrent market updates fill an order once', async () => {
    const { client, portfolioId, symbol } = await setup();
    const placed = await client.rpc<Row>('place_order', {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '95',
      qty: '2',
    });
    await db.sql`update public.quotes set bid = 94, ask = 94.02, quote_ts = quote_ts + interval '1 second' where symbol = ${symbol}`;
    await Promise.all(
      [1, 2, 3].map(() => db.sql`select * from private.process_market_update(array[${symbol}]::text[])`),
    );
    expect(
      Number(
        (
          await db.sql`select count(*)::int as n from public.fills where order_id = ${placed.data?.id as string}`
        )[0]?.n,
      ),
    ).toBe(1);
    const [pos] = await db.sql`select qty from public.positions where portfolio_id = ${portfolioId}`;
    expect(dec(pos?.qty)).toBe('2');
  });
});
