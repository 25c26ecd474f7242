// Alerts are evaluated by the database when quotes change and each trigger is recorded once; watchlists
// are the user's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  connectTradingApi,
  createInstrument,
  moveQuote,
  nextQuoteTime,
  type Row,
  type TradingClient,
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

async function setup() {
  const symbol = await createInstrument(db.sql, { fractionable: true });
  await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', last: '100.00', prev_close: '100.00' });
  return { ...(await traderWithPortfolio(db.sql)), symbol };
}

async function alert(client: TradingClient, row: Row): Promise<string> {
  const { data, error } = await client.insert('alerts', row);
  if (error) throw new Error(error.message);
  return (data as Row[])[0]?.id as string;
}

const triggers = async (client: TradingClient, alertId: string) =>
  ((await client.select('alert_triggers', { alert_id: alertId })).data ?? []).map((t) => Number(t.price));

describe('alerts', () => {
  it('price_above fires once and then stays triggered', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, { symbol, condition: 'price_above', threshold: '105' });
    await moveQuote(db.sql, symbol, { last: '104.99', bid: '104.98', ask: '105.00' });
    expect(await triggers(client, id)).toEqual([]);
    const r = await moveQuote(db.sql, symbol, { last: '105.50', bid: '105.49', ask: '105.51' });
    expect(r.alerts_triggered).toBe(1);
    await moveQuote(db.sql, symbol, { last: '106', bid: '105.99', ask: '106.01' });
    expect(await triggers(client, id)).toEqual([105.5]);
    expect((await client.select('alerts', { id })).data?.[0]?.status).toBe('triggered');
  });

  it('every_time fires each time the condition becomes true again, not while it stays true', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, {
      symbol,
      condition: 'price_below',
      threshold: '95',
      frequency: 'every_time',
    });
    for (const last of ['94', '93', '96', '94.5']) await moveQuote(db.sql, symbol, { last });
    expect(await triggers(client, id)).toEqual([94, 94.5]);
  });

  it('price_crosses fires on a crossing in either direction', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, {
      symbol,
      condition: 'price_crosses',
      threshold: '102',
      frequency: 'every_time',
    });
    for (const last of ['101', '103', '104', '101.5']) await moveQuote(db.sql, symbol, { last });
    expect(await triggers(client, id)).toEqual([103, 101.5]);
  });

  it('percent_move fires on the move from the previous close', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, { symbol, condition: 'percent_move', threshold: '5' });
    await moveQuote(db.sql, symbol, { last: '104' });
    await moveQuote(db.sql, symbol, { last: '94.9' });
    expect(await triggers(client, id)).toEqual([94.9]);
  });

  it('position_pnl_percent_above watches a position against its average cost', async () => {
    const { client, symbol, portfolioId } = await setup();
    await client.rpc('place_order', { portfolio_id: portfolioId, symbol, side: 'buy', qty: '1' });
    const id = await alert(client, {
      symbol,
      portfolio_id: portfolioId,
      condition: 'position_pnl_percent_above',
      threshold: '10',
    });
    await moveQuote(db.sql, symbol, { last: '110.00' });
    expect(await triggers(client, id)).toEqual([]);
    await moveQuote(db.sql, symbol, { last: '110.02' });
    expect(await triggers(client, id)).toEqual([110.02]);
  });

  it('records a trigger once when the same quote is processed again', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, {
      symbol,
      condition: 'price_crosses',
      threshold: '101',
      frequency: 'every_time',
    });
    const ts = nextQuoteTime();
    await moveQuote(db.sql, symbol, { last: '102', quote_ts: ts });
    await db.sql`update public.alerts set last_price = 100 where id = ${id}`;
    await moveQuote(db.sql, symbol, { last: '102', quote_ts: ts });
    expect(await triggers(client, id)).toEqual([102]);
  });

  it('expired alerts stop firing', async () => {
    const { client, symbol } = await setup();
    const id = await alert(client, {
      symbol,
      condition: 'price_above',
      threshold: '101',
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    await moveQuote(db.sql, symbol, { last: '150' });
    expect(await triggers(client, id)).toEqual([]);
    expect((await client.select('alerts', { id })).data?.[0]?.status).toBe('expired');
  });

  it("cannot watch another user's portfolio or set its own status", async () => {
    const { client, symbol } = await setup();
    const other = await traderWithPortfolio(db.sql);
    const { error } = await client.insert('alerts', {
      symbol,
      portfolio_id: other.portfolioId,
      condition: 'position_pnl_percent_above',
      threshold: '1',
    });
    expect(error?.code).toBe('42501');
    const id = await alert(client, { symbol, condition: 'price_above', threshold: '1000' });
    expect((await client.update('alerts', { status: 'triggered' }, { id })).error?.code).toBe('42501');
  });
});

describe('watchlists', () => {
  it('a user creates a list, adds symbols and sees only their own lists', async () => {
    const a = await setup();
    const b = await traderWithPortfolio(db.sql);
    const { data: list, error } = await a.client.insert('watchlists', { name: 'Tech' });
    expect(error).toBeNull();
    const listId = list?.[0]?.id as string;
    expect(
      (await a.client.insert('watchlist_items', { watchlist_id: listId, symbol: a.symbol })).error,
    ).toBeNull();
    expect((await a.client.select('watchlist_items', { watchlist_id: listId })).data).toHaveLength(1);
    expect((await b.client.select('watchlists', { id: listId })).data).toEqual([]);
    const intrude = await b.client.insert('watchlist_items', { watchlist_id: listId, symbol: a.symbol });
    expect(intrude.error?.code).toBe('42501');
  });
});
