// Even on their own rows, users change state only through the RPCs: direct writes to orders, fills,
// positions and the cash ledger are refused, and on portfolios only the name may change.
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
let owner: Awaited<ReturnType<typeof traderWithPortfolio>>;
let orderId: string;
let symbol: string;
beforeAll(async () => {
  db = await createTestDatabase();
  stopApi = await connectTradingApi(db);
  symbol = await createInstrument(db.sql);
  await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01' });
  owner = await traderWithPortfolio(db.sql, '10000');
  await owner.client.rpc('place_order', { portfolio_id: owner.portfolioId, symbol, side: 'buy', qty: '1' });
  const { data } = await owner.client.rpc<Row>('place_order', {
    portfolio_id: owner.portfolioId,
    symbol,
    side: 'buy',
    type: 'limit',
    limit_price: '50',
    qty: '1',
  });
  orderId = data?.id as string;
});
afterAll(async () => {
  await stopApi();
  await db.drop();
});

describe("an owner's direct writes", () => {
  it('cannot set an order status', async () => {
    const { error } = await owner.client.update('orders', { status: 'filled' }, { id: orderId });
    expect(error?.code).toBe('42501');
  });

  it('cannot set a position quantity', async () => {
    const { error } = await owner.client.update(
      'positions',
      { qty: '1000' },
      { portfolio_id: owner.portfolioId },
    );
    expect(error?.code).toBe('42501');
  });

  it('cannot add cash through the ledger', async () => {
    const { error } = await owner.client.insert('cash_ledger', {
      portfolio_id: owner.portfolioId,
      user_id: owner.userId,
      kind: 'deposit',
      amount: '1000000',
    });
    expect(error?.code).toBe('42501');
  });

  it('cannot insert fills or orders directly', async () => {
    const fill = await owner.client.insert('fills', {
      order_id: orderId,
      portfolio_id: owner.portfolioId,
      user_id: owner.userId,
      symbol,
      side: 'sell',
      qty: '1',
      price: '1000',
      quote_ts: new Date().toISOString(),
    });
    expect(fill.error?.code).toBe('42501');
    const order = await owner.client.insert('orders', {
      portfolio_id: owner.portfolioId,
      user_id: owner.userId,
      client_order_id: 'direct',
      symbol,
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      qty: '1',
      status: 'filled',
    });
    expect(order.error?.code).toBe('42501');
  });

  it('cannot change starting cash, but can rename the portfolio', async () => {
    const cash = await owner.client.update(
      'portfolios',
      { starting_cash: '99999999' },
      { id: owner.portfolioId },
    );
    expect(cash.error?.code).toBe('42501');
    const renamed = await owner.client.update('portfolios', { name: 'Growth' }, { id: owner.portfolioId });
    expect(renamed.error).toBeNull();
    expect(renamed.data?.[0]?.name).toBe('Growth');
  });

  it('cannot write market data', async () => {
    const { error } = await owner.client.update('quotes', { bid: '1' }, { symbol });
    expect(error?.code).toBe('42501');
  });

  it('left the books as the RPCs wrote them', async () => {
    const [r] = await db.sql`
      select (select sum(amount) from public.cash_ledger where portfolio_id = ${owner.portfolioId}) as cash,
             (select qty from public.positions where portfolio_id = ${owner.portfolioId}) as qty`;
    expect([dec(r?.cash), dec(r?.qty)]).toEqual(['9899.99', '1']);
  });
});
