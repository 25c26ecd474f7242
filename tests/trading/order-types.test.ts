// Every order type and time in force, end to end against moving quotes: place as a user, move the quote as
// the ingester does, read back what the user sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  connectTradingApi,
  createInstrument,
  dec,
  getOrder,
  moveQuote,
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

async function setup(cash = '100000', quote = { bid: '99.99', ask: '100.01', last: '100.00' }) {
  const symbol = await createInstrument(db.sql, { fractionable: true });
  await moveQuote(db.sql, symbol, { ...quote, prev_close: '98.00' });
  const t = await traderWithPortfolio(db.sql, cash);
  return { ...t, symbol };
}

async function place(client: TradingClient, args: Record<string, unknown>): Promise<Row> {
  const { data, error } = await client.rpc<Row>('place_order', args);
  if (error) throw new Error(`${error.details}: ${error.message}`);
  return data as Row;
}

async function fills(client: TradingClient, orderId: string) {
  const { data } = await client.select('fills', { order_id: orderId });
  return (data ?? []).map((f) => ({ qty: dec(f.qty), price: dec(f.price) }));
}

describe('market orders', () => {
  it('buy fills at once at the ask and records the quote it used', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '10' });
    expect(o.status).toBe('filled');
    expect(dec(o.filled_avg_price)).toBe('100.01');
    const { data } = await client.select('fills', { order_id: o.id });
    expect(data?.[0]).toMatchObject({ side: 'buy' });
    expect(dec(data?.[0]?.quote_ask)).toBe('100.01');
    expect(dec(data?.[0]?.quote_bid)).toBe('99.99');
  });

  it('sell fills at the bid', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '10' });
    const o = await place(client, { portfolio_id: portfolioId, symbol, side: 'sell', qty: '4' });
    expect(o.status).toBe('filled');
    expect(dec(o.filled_avg_price)).toBe('99.99');
  });

  it('notional buy trades that amount of money in fractional shares', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', notional: '1000.10' });
    expect(o.status).toBe('filled');
    expect(dec(o.filled_qty)).toBe('10');
    expect(dec(o.filled_notional)).toBe('1000.1');
  });

  it('fills partially when the quote shows less size, then the rest on the next quote', async () => {
    const { client, portfolioId, symbol } = await setup();
    await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', ask_size: '3' });
    const o = await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '5' });
    expect(o.status).toBe('partially_filled');
    expect(dec(o.filled_qty)).toBe('3');
    await moveQuote(db.sql, symbol, { bid: '100.00', ask: '100.02', ask_size: '10' });
    const after = await getOrder(client, o.id as string);
    expect(after.status).toBe('filled');
    expect(await fills(client, o.id as string)).toEqual([
      { qty: '3', price: '100.01' },
      { qty: '2', price: '100.02' },
    ]);
  });
});

describe('limit orders', () => {
  it('rest until the ask crosses the limit, then fill at the ask', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '95',
      qty: '2',
    });
    expect(o.status).toBe('new');
    await moveQuote(db.sql, symbol, { bid: '95.50', ask: '95.52' });
    expect((await getOrder(client, o.id as string)).status).toBe('new');
    const reported = await moveQuote(db.sql, symbol, { bid: '94.90', ask: '94.95' });
    expect(reported).toEqual({ orders_filled: 1, alerts_triggered: 0 });
    const after = await getOrder(client, o.id as string);
    expect(after.status).toBe('filled');
    expect(dec(after.filled_avg_price)).toBe('94.95');
  });

  it('sell limits fill once the bid reaches the limit', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '2' });
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'limit',
      limit_price: '105',
      qty: '2',
    });
    await moveQuote(db.sql, symbol, { bid: '104.99', ask: '105.01' });
    expect((await getOrder(client, o.id as string)).status).toBe('new');
    await moveQuote(db.sql, symbol, { bid: '105.10', ask: '105.12' });
    expect(dec((await getOrder(client, o.id as string)).filled_avg_price)).toBe('105.1');
  });

  it('reserve buying power while open and release it on fill', async () => {
    const { client, portfolioId, symbol } = await setup('1000');
    await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '10',
    });
    const { data } = await client.select('portfolio_valuations', { portfolio_id: portfolioId });
    expect(dec(data?.[0]?.buying_power)).toBe('100');
    expect(dec(data?.[0]?.cash)).toBe('1000');
  });
});

describe('stop orders', () => {
  it('a sell stop triggers when the last trade falls to the stop, then fills at the bid', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '5' });
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'stop',
      stop_price: '95',
      qty: '5',
    });
    await moveQuote(db.sql, symbol, { bid: '96.00', ask: '96.02', last: '96.01' });
    expect((await getOrder(client, o.id as string)).triggered_at).toBeNull();
    await moveQuote(db.sql, symbol, { bid: '94.80', ask: '94.85', last: '94.90' });
    const after = await getOrder(client, o.id as string);
    expect(after.triggered_at).not.toBeNull();
    expect(after.status).toBe('filled');
    expect(dec(after.filled_avg_price)).toBe('94.8');
  });

  it('a buy stop_limit triggers at the stop but fills only within its limit', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'stop_limit',
      stop_price: '105',
      limit_price: '106',
      qty: '1',
    });
    await moveQuote(db.sql, symbol, { bid: '106.50', ask: '106.60', last: '106.55' });
    const triggered = await getOrder(client, o.id as string);
    expect(triggered.triggered_at).not.toBeNull();
    expect(triggered.status).toBe('new');
    await moveQuote(db.sql, symbol, { bid: '105.90', ask: '105.95', last: '105.92' });
    const after = await getOrder(client, o.id as string);
    expect(after.status).toBe('filled');
    expect(dec(after.filled_avg_price)).toBe('105.95');
  });
});

describe('trailing stops', () => {
  it('follow the high-water mark up and fill when the price falls back by the trail', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '3' });
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'trailing_stop',
      trail_price: '2',
      qty: '3',
    });
    expect(dec(o.stop_price)).toBe('98');
    await moveQuote(db.sql, symbol, { bid: '109.99', ask: '110.01', last: '110.00' });
    const raised = await getOrder(client, o.id as string);
    expect(dec(raised.hwm)).toBe('110');
    expect(dec(raised.stop_price)).toBe('108');
    await moveQuote(db.sql, symbol, { bid: '108.50', ask: '108.52', last: '108.51' });
    expect((await getOrder(client, o.id as string)).status).toBe('new');
    await moveQuote(db.sql, symbol, { bid: '107.90', ask: '107.92', last: '107.91' });
    const after = await getOrder(client, o.id as string);
    expect(after.status).toBe('filled');
    expect(dec(after.filled_avg_price)).toBe('107.9');
  });

  it('a buy trailing stop follows the low-water mark down and buys when the price rebounds by the trail', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'trailing_stop',
      trail_price: '2',
      qty: '1',
    });
    expect(dec(o.stop_price)).toBe('102');
    await moveQuote(db.sql, symbol, { bid: '94.99', ask: '95.01', last: '95.00' });
    expect(dec((await getOrder(client, o.id as string)).stop_price)).toBe('97');
    await moveQuote(db.sql, symbol, { bid: '97.49', ask: '97.51', last: '97.50' });
    const after = await getOrder(client, o.id as string);
    expect([after.status, dec(after.filled_avg_price)]).toEqual(['filled', '97.51']);
  });

  it('trail by percent as well', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '1' });
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'trailing_stop',
      trail_percent: '10',
      qty: '1',
    });
    await moveQuote(db.sql, symbol, { bid: '119.99', ask: '120.01', last: '120.00' });
    expect(dec((await getOrder(client, o.id as string)).stop_price)).toBe('108');
  });
});

describe('time in force', () => {
  it('ioc fills what the quote offers and cancels the rest', async () => {
    const { client, portfolioId, symbol } = await setup();
    await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', ask_size: '4' });
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '10',
      time_in_force: 'ioc',
    });
    expect(o.status).toBe('canceled');
    expect(o.status_reason).toBe('ioc_remainder');
    expect(dec(o.filled_qty)).toBe('4');
  });

  it('ioc limit that is not marketable cancels without filling', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '1',
      time_in_force: 'ioc',
    });
    expect(o.status).toBe('canceled');
    expect(dec(o.filled_qty)).toBe('0');
  });

  it('fok fills all at once or nothing', async () => {
    const { client, portfolioId, symbol } = await setup();
    await moveQuote(db.sql, symbol, { bid: '99.99', ask: '100.01', ask_size: '4' });
    const none = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '10',
      time_in_force: 'fok',
    });
    expect(none.status).toBe('canceled');
    expect(dec(none.filled_qty)).toBe('0');
    expect(await fills(client, none.id as string)).toEqual([]);
    const all = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '4',
      time_in_force: 'fok',
    });
    expect(all.status).toBe('filled');
  });

  it('day orders expire at the close, gtc orders do not', async () => {
    const { client, portfolioId, symbol } = await setup();
    const day = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '50',
      qty: '1',
    });
    const gtc = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '50',
      qty: '1',
      time_in_force: 'gtc',
    });
    expect(day.expires_at).not.toBeNull();
    expect(gtc.expires_at).toBeNull();
    await moveQuote(db.sql, symbol, {
      bid: '99.98',
      ask: '100.00',
      quote_ts: new Date(day.expires_at as string),
    });
    expect((await getOrder(client, day.id as string)).status).toBe('expired');
    expect((await getOrder(client, gtc.id as string)).status).toBe('new');
    const { data } = await client.select('portfolio_valuations', { portfolio_id: portfolioId });
    expect(dec(data?.[0]?.buying_power)).toBe('99950');
  });

  it('the expiry sweep expires day orders after the close even when no quote arrives', async () => {
    const { client, portfolioId, symbol } = await setup();
    const day = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '50',
      qty: '1',
    });
    const [{ n: early } = { n: -1 }] = await db.sql<
      { n: number }[]
    >`select private.expire_orders(now()) as n`;
    expect(early).toBe(0);
    await db.sql`select private.expire_orders(${day.expires_at as string}::timestamptz)`;
    const after = await getOrder(client, day.id as string);
    expect([after.status, after.status_reason]).toEqual(['expired', 'time_in_force']);
  });

  it('opg waits for the opening quote and fills there', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '1',
      time_in_force: 'opg',
    });
    expect(o.status).toBe('accepted');
    const open = new Date(o.eligible_from as string);
    expect(open.toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour12: false })).toBe(
      '09:30:00',
    );
    await moveQuote(db.sql, symbol, {
      bid: '101.00',
      ask: '101.02',
      quote_ts: new Date(open.getTime() - 60_000),
    });
    expect((await getOrder(client, o.id as string)).status).toBe('accepted');
    await moveQuote(db.sql, symbol, { bid: '102.00', ask: '102.02', quote_ts: open });
    const after = await getOrder(client, o.id as string);
    expect(after.status).toBe('filled');
    expect(dec(after.filled_avg_price)).toBe('102.02');
  });

  it('cls fills at the closing quote and expires if the close passes unfilled', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '80',
      qty: '1',
      time_in_force: 'cls',
    });
    const from = new Date(o.eligible_from as string);
    expect(from.toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour12: false })).toBe(
      '15:59:00',
    );
    await moveQuote(db.sql, symbol, { bid: '99.00', ask: '99.02', quote_ts: from });
    expect((await getOrder(client, o.id as string)).status).toBe('accepted');
    await moveQuote(db.sql, symbol, {
      bid: '99.00',
      ask: '99.02',
      quote_ts: new Date(o.expires_at as string),
    });
    expect((await getOrder(client, o.id as string)).status).toBe('expired');
  });
});

describe('order classes', () => {
  it('bracket: legs wait for the entry, then the take profit fills and cancels the stop loss', async () => {
    const { client, portfolioId, symbol } = await setup();
    const entry = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '99',
      qty: '5',
      order_class: 'bracket',
      take_profit_limit_price: '110',
      stop_loss_stop_price: '95',
    });
    const legs = async () => (await client.select('orders', { parent_order_id: entry.id })).data as Row[];
    expect((await legs()).map((l) => l.status)).toEqual(['held', 'held']);
    await moveQuote(db.sql, symbol, { bid: '98.90', ask: '98.95' });
    expect((await getOrder(client, entry.id as string)).status).toBe('filled');
    expect((await legs()).map((l) => l.status)).toEqual(['new', 'new']);
    await moveQuote(db.sql, symbol, { bid: '110.00', ask: '110.02', last: '110.01' });
    const byLeg = Object.fromEntries((await legs()).map((l) => [l.leg, l]));
    expect(byLeg.take_profit?.status).toBe('filled');
    expect(byLeg.stop_loss?.status).toBe('canceled');
    const { data: pos } = await client.select('positions', { portfolio_id: portfolioId, symbol });
    expect(dec(pos?.[0]?.qty)).toBe('0');
  });

  it('oto: one exit leg activates when the entry fills', async () => {
    const { client, portfolioId, symbol } = await setup();
    const entry = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      qty: '2',
      order_class: 'oto',
      stop_loss_stop_price: '90',
    });
    const { data } = await client.select('orders', { parent_order_id: entry.id });
    expect(data?.map((l) => [l.leg, l.status])).toEqual([['stop_loss', 'new']]);
    await moveQuote(db.sql, symbol, { bid: '89.50', ask: '89.52', last: '89.51' });
    expect((await getOrder(client, data?.[0]?.id as string)).status).toBe('filled');
  });

  it('oco: the stop loss filling cancels the take profit', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '3' });
    const tp = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'limit',
      limit_price: '110',
      qty: '3',
      order_class: 'oco',
      stop_loss_stop_price: '95',
    });
    const { data } = await client.select('orders', { parent_order_id: tp.id });
    const sl = data?.[0] as Row;
    expect(sl.status).toBe('new');
    await moveQuote(db.sql, symbol, { bid: '94.00', ask: '94.02', last: '94.01' });
    expect((await getOrder(client, sl.id as string)).status).toBe('filled');
    expect((await getOrder(client, tp.id as string)).status).toBe('canceled');
  });
});

describe('cancel and replace', () => {
  it('cancel releases the reservation and records the event', async () => {
    const { client, portfolioId, symbol } = await setup('1000');
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '10',
    });
    const { data, error } = await client.rpc<Row>('cancel_order', { order_id: o.id });
    expect(error).toBeNull();
    expect(data?.status).toBe('canceled');
    const { data: v } = await client.select('portfolio_valuations', { portfolio_id: portfolioId });
    expect(dec(v?.[0]?.buying_power)).toBe('1000');
    const { data: ev } = await client.select('order_events', { order_id: o.id });
    expect(ev?.map((e) => e.event)).toEqual(['new', 'canceled']);
  });

  it('replace creates a new order linked to the old one, which becomes replaced', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'buy',
      type: 'limit',
      limit_price: '90',
      qty: '10',
    });
    const { data: repl, error } = await client.rpc<Row>('replace_order', {
      order_id: o.id,
      limit_price: '99',
      qty: '4',
    });
    expect(error).toBeNull();
    expect(repl).toMatchObject({ replaces: o.id, status: 'new', type: 'limit' });
    expect(dec(repl?.limit_price)).toBe('99');
    const old = await getOrder(client, o.id as string);
    expect(old).toMatchObject({ status: 'replaced', replaced_by: repl?.id });
    await moveQuote(db.sql, symbol, { bid: '98.90', ask: '98.95' });
    expect(dec((await getOrder(client, repl?.id as string)).filled_qty)).toBe('4');
  });

  it('close_position cancels the open sells on the symbol and sells everything at the bid', async () => {
    const { client, portfolioId, symbol } = await setup();
    await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '6' });
    const tp = await place(client, {
      portfolio_id: portfolioId,
      symbol,
      side: 'sell',
      type: 'limit',
      limit_price: '120',
      qty: '6',
    });
    const { data, error } = await client.rpc<Row>('close_position', { portfolio_id: portfolioId, symbol });
    expect(error).toBeNull();
    expect([data?.status, dec(data?.filled_qty), dec(data?.filled_avg_price)]).toEqual([
      'filled',
      '6',
      '99.99',
    ]);
    expect((await getOrder(client, tp.id as string)).status_reason).toBe('position_closed');
    const again = await client.rpc('close_position', { portfolio_id: portfolioId, symbol });
    expect(again.error?.details).toBe('no_position');
  });

  it('refuses to cancel a filled order', async () => {
    const { client, portfolioId, symbol } = await setup();
    const o = await place(client, { portfolio_id: portfolioId, symbol, side: 'buy', qty: '1' });
    const { error } = await client.rpc('cancel_order', { order_id: o.id });
    expect(error?.details).toBe('order_not_cancelable');
  });
});
