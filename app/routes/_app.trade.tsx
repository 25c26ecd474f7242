// Trade one symbol: live quote, one-minute candles, the order ticket (every type, time in force and class
// the trading core supports, with a preview) and the order blotter with fills, cancel and replace.
import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { memo, useEffect, useMemo, useState } from 'react';
import { CandleChart } from '../components/candles.tsx';
import { Field, FormError, Select } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import {
  LiveBadge,
  type LiveQuote,
  liveQuotes,
  ResyncWhenLive,
  type RowChange,
  useQuotes,
  useRowChanges,
  useSteadyData,
} from '../components/live.tsx';
import { numCol, TableHead } from '../components/table-head.tsx';
import { label, money, num, price, quantity, time } from '../format.ts';
import { failure } from '../forms.server.ts';
import { cancelOrder, parseTicket, placeOrder, previewOrder, replaceOrder } from '../order-ticket.server.ts';
import { OPEN_STATUSES, ORDER_CLASSES, ORDER_TYPES, TIME_IN_FORCE } from '../orders.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data && 'symbol' in data ? `${data.symbol} · ` : ''}Trade · Nexural` },
];

const ORDER_COLUMNS =
  'id, symbol, side, type, time_in_force, order_class, leg, qty, notional, limit_price, stop_price, trail_price, trail_percent, status, status_reason, filled_qty, filled_avg_price, created_at, replaced_by, fills(id, qty, price, created_at)';

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers, portfolio } = await requireTrader(request);
  const url = new URL(request.url);
  const wanted = (url.searchParams.get('symbol') ?? 'AAPL').trim().toUpperCase();
  // The symbol's own reads need not wait for the instrument list: an instrument's symbol is the one asked for,
  // and an unknown symbol simply has no quote, bars or position.
  const symbol = wanted;
  const [instruments, quote, bars, orders, valuation, position] = await Promise.all([
    supabase
      .from('instruments')
      .select('symbol, name, tick_size, lot_size, min_qty, fractionable, tradable')
      .order('symbol')
      .limit(1000),
    supabase
      .from('quotes')
      .select('symbol, bid, ask, last, prev_close, quote_ts')
      .eq('symbol', symbol)
      .maybeSingle(),
    supabase
      .from('market_bars_1m')
      .select('bucket, open, high, low, close')
      .eq('symbol', symbol)
      .order('bucket', { ascending: false })
      .limit(400),
    portfolio
      ? supabase
          .from('orders')
          .select(ORDER_COLUMNS)
          .eq('portfolio_id', portfolio.id)
          .order('created_at', { ascending: false })
          .limit(50)
      : null,
    portfolio
      ? supabase
          .from('portfolio_valuations')
          .select('buying_power, cash')
          .eq('portfolio_id', portfolio.id)
          .maybeSingle()
      : null,
    portfolio
      ? supabase
          .from('positions')
          .select('qty')
          .eq('portfolio_id', portfolio.id)
          .eq('symbol', symbol)
          .maybeSingle()
      : null,
  ]);
  const failed =
    instruments.error ?? quote.error ?? bars.error ?? orders?.error ?? valuation?.error ?? position?.error;
  if (failed) throw new Response(failed.message, { status: 502 });
  const list = instruments.data ?? [];
  const instrument = list.find((i) => i.symbol === wanted) ?? null;
  const matches = instrument
    ? []
    : list.filter((i) => i.symbol.includes(wanted) || i.name.toUpperCase().includes(wanted)).slice(0, 20);
  // Several datasets may carry the same symbol: one candle per minute, the first seen.
  const seen = new Set<string>();
  const candles = (bars.data ?? [])
    .filter((b) => {
      if (seen.has(b.bucket)) return false;
      seen.add(b.bucket);
      return true;
    })
    .reverse()
    .map((b) => ({
      time: Date.parse(b.bucket) / 1000,
      open: Number(b.open),
      high: Number(b.high),
      low: Number(b.low),
      close: Number(b.close),
    }));
  return json(
    {
      symbol,
      instrument,
      matches,
      instruments: list.map((i) => ({ symbol: i.symbol, name: i.name })),
      quote: quote.data,
      candles,
      orders: orders?.data ?? [],
      portfolioId: portfolio?.id ?? null,
      buyingPower: num(valuation?.data?.buying_power ?? 0),
      held: num(position?.data?.qty ?? 0),
      clientOrderId: crypto.randomUUID(),
    },
    { headers },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers, portfolio } = await requireTrader(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? 'place');
  if (!portfolio)
    return json({ ...failure({}, {}, 'Create a portfolio first.'), intent }, { status: 400, headers });
  if (intent === 'cancel') {
    const r = await cancelOrder(supabase, form);
    return json({ ...r, intent }, { status: r.ok ? 200 : 400, headers });
  }
  if (intent === 'replace') {
    const r = await replaceOrder(supabase, form);
    return json({ ...r, intent }, { status: r.ok ? 200 : 400, headers });
  }
  const parsed = parseTicket(form);
  if (!parsed.ok) return json({ ...parsed, intent }, { status: 400, headers });
  if (intent === 'preview') {
    const preview = await previewOrder(supabase, portfolio.id, parsed.data);
    if ('ok' in preview) return json({ ...preview, values: parsed.values, intent }, { status: 400, headers });
    return json({ ok: true as const, preview, values: parsed.values, intent }, { headers });
  }
  const r = await placeOrder(supabase, portfolio.id, parsed.data, parsed.values);
  return json({ ...r, intent, values: parsed.values }, { status: r.ok ? 200 : 400, headers });
}

interface TicketResult {
  intent: string;
  ok: boolean;
  values?: Record<string, string>;
  order?: {
    id: string;
    status: string;
    symbol: string;
    side: string;
    qty: string | null;
    notional: string | null;
    filled_avg_price: string | null;
  };
  preview?: { estimatedCost: number | null; buyingPower: number; buyingPowerAfter: number | null };
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Order = Data['orders'][number];

export default function Trade() {
  const data = useSteadyData(useLoaderData<typeof loader>());
  // Read here, not in the memoised ticket: the hook renders its component on every router state change.
  const result = useActionData<typeof action>() as TicketResult | undefined;
  const initialQuotes = useMemo(() => liveQuotes(data.quote ? [data.quote] : []), [data.quote]);
  const { quotes, status: quoteStatus } = useQuotes(initialQuotes);
  const quote = quotes[data.symbol] ?? null;

  const [orders, setOrders] = useState(data.orders);
  useEffect(() => setOrders(data.orders), [data.orders]);
  const rowStatus = useRowChanges(
    data.portfolioId ? `trade:${data.portfolioId}` : null,
    [
      { table: 'orders', filter: 'portfolio' },
      { table: 'fills', filter: 'portfolio' },
    ],
    data.portfolioId,
    (change: RowChange) => setOrders((prev) => applyChange(prev, change)),
  );
  const status =
    quoteStatus === 'live' && rowStatus === 'live'
      ? 'live'
      : quoteStatus === 'offline'
        ? 'offline'
        : 'connecting';

  return (
    <div className="page">
      <ResyncWhenLive status={rowStatus} />
      <div className="page-head">
        <h1>
          {data.symbol}
          {data.instrument ? <span className="muted"> · {data.instrument.name}</span> : null}
        </h1>
        <LiveBadge status={status} />
        <SymbolSearch symbol={data.symbol} instruments={data.instruments} />
      </div>
      {!data.instrument ? (
        <section className="panel" aria-labelledby="matches-h">
          <h2 id="matches-h">No instrument {data.symbol}</h2>
          {data.matches.length === 0 ? (
            <p className="empty">
              Nothing matches “{data.symbol}”. Try a ticker such as AAPL or a company name.
            </p>
          ) : (
            <ul>
              {data.matches.map((m) => (
                <li key={m.symbol}>
                  <Link to={`/trade?symbol=${encodeURIComponent(m.symbol)}`}>{m.symbol}</Link> {m.name}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : (
        <div className="grid-trade">
          <div className="page">
            <section className="panel" aria-labelledby="quote-h">
              <h2 id="quote-h">Quote</h2>
              <QuoteLine quote={quote} />
              <CandleChart
                key={data.symbol}
                candles={data.candles}
                live={quote?.last ?? null}
                symbol={data.symbol}
              />
            </section>
          </div>
          <section className="panel" aria-labelledby="ticket-h">
            <h2 id="ticket-h">Order ticket</h2>
            {data.portfolioId ? (
              <Ticket
                symbol={data.symbol}
                clientOrderId={data.clientOrderId}
                buyingPower={data.buyingPower}
                held={data.held}
                quote={quote}
                result={result}
              />
            ) : (
              <p className="empty">
                <Link to="/portfolios">Create a portfolio</Link> to trade.
              </p>
            )}
          </section>
        </div>
      )}
      <Blotter orders={orders} />
    </div>
  );
}

// The search (with every instrument in its datalist) and the blotter re-render only when their own data
// changes, not on each quote push or Realtime status change of the page.
const SymbolSearch = memo(function SymbolSearch({
  symbol,
  instruments,
}: {
  symbol: string;
  instruments: Data['instruments'];
}) {
  return (
    <Form method="get" className="row" role="search" style={{ marginLeft: 'auto' }}>
      <div className="field">
        <label htmlFor="symbol-search" className="sr-only">
          Symbol
        </label>
        <input
          id="symbol-search"
          name="symbol"
          list="instrument-list"
          defaultValue={symbol}
          key={symbol}
          placeholder="Symbol or name"
          autoComplete="off"
          size={14}
        />
        <datalist id="instrument-list">
          {instruments.map((i) => (
            <option key={i.symbol} value={i.symbol}>
              {i.name}
            </option>
          ))}
        </datalist>
      </div>
      <button type="submit">Go</button>
    </Form>
  );
});

function QuoteLine({ quote }: { quote: LiveQuote | null }) {
  if (!quote) return <p className="empty">No quote yet for this symbol.</p>;
  const change = quote.last !== null && quote.prev_close ? quote.last - quote.prev_close : null;
  return (
    <div className="quote" data-testid="quote">
      <span className="last" data-testid="last">
        {price(quote.last ?? mid(quote))}
      </span>
      {change !== null && quote.prev_close ? (
        <span className={change >= 0 ? 'up' : 'down'}>
          {change >= 0 ? '+' : ''}
          {price(change)} ({((change / quote.prev_close) * 100).toFixed(2)}%)
        </span>
      ) : null}
      <span>
        <span className="muted">Bid</span> <span data-testid="bid">{price(quote.bid)}</span>
      </span>
      <span>
        <span className="muted">Ask</span> <span data-testid="ask">{price(quote.ask)}</span>
      </span>
    </div>
  );
}

// Re-renders on its own state, the action's result, a new quote or new loader data; not on Realtime status.
const Ticket = memo(function Ticket({
  symbol,
  clientOrderId,
  buyingPower,
  held,
  quote,
  result,
}: {
  symbol: string;
  clientOrderId: string;
  buyingPower: number;
  held: number;
  quote: LiveQuote | null;
  result: TicketResult | undefined;
}) {
  const mine = result && (result.intent === 'place' || result.intent === 'preview') ? result : undefined;
  const { errors, formError, values } = formResult(mine);
  const v: Record<string, string | undefined> = { ...(mine?.values ?? {}), ...values };
  const [type, setType] = useState(v.type ?? 'market');
  const [cls, setCls] = useState(v.order_class ?? 'simple');
  const [side, setSide] = useState(v.side ?? 'buy');
  const [sizing, setSizing] = useState(v.sizing ?? 'qty');
  const [qty, setQty] = useState(v.qty ?? '');
  const [limit, setLimit] = useState(v.limit_price ?? '');
  const [notional, setNotional] = useState(v.notional ?? '');
  const [enhanced, setEnhanced] = useState(false);
  useEffect(() => setEnhanced(true), []);
  const placed = mine?.ok ? mine.order : undefined;
  const preview = mine?.ok ? mine.preview : undefined;
  useEffect(() => {
    if (placed) {
      setQty('');
      setLimit('');
      setNotional('');
    }
  }, [placed]);

  const show = (when: boolean) => !enhanced || when;
  // Until hydration every field is in the page (the form works without JavaScript), but with JavaScript on
  // the ones that do not apply are already hidden by CSS, so hydrating does not shrink the ticket (layout shift).
  const hide = (when: boolean) => (enhanced || when ? undefined : 'js-hidden');
  const market = side === 'buy' ? (quote?.ask ?? quote?.last) : (quote?.bid ?? quote?.last);
  const ref = type === 'limit' || type === 'stop_limit' ? Number(limit) || null : (market ?? null);
  const est =
    sizing === 'notional' ? Number(notional) || null : ref !== null && Number(qty) ? Number(qty) * ref : null;

  return (
    <Form method="post" noValidate className="stack" aria-describedby="ticket-note">
      <FormError error={formError} />
      {placed ? (
        <p className="notice" role="status">
          Order {label(placed.status)}: {placed.side} {placed.qty ?? money(placed.notional)} {placed.symbol}
          {placed.status === 'filled' ? ` at ${price(placed.filled_avg_price)}` : ''}.
        </p>
      ) : null}
      <input type="hidden" name="symbol" value={symbol} />
      <input type="hidden" name="client_order_id" value={clientOrderId} />
      {errors.symbol ? (
        <p className="field-error" role="alert">
          {errors.symbol}
        </p>
      ) : null}
      <fieldset>
        <legend>Side</legend>
        <div className="segmented">
          <label>
            <input
              type="radio"
              name="side"
              value="buy"
              checked={side === 'buy'}
              onChange={() => setSide('buy')}
            />
            <span className="buy-side">Buy</span>
          </label>
          <label>
            <input
              type="radio"
              name="side"
              value="sell"
              checked={side === 'sell'}
              onChange={() => setSide('sell')}
            />
            <span className="sell-side">Sell</span>
          </label>
        </div>
      </fieldset>
      <div className="grid-fields">
        <Select
          name="type"
          label="Order type"
          options={ORDER_TYPES}
          value={type}
          onChange={(e) => setType(e.currentTarget.value)}
          error={errors.type}
        />
        <Select
          name="time_in_force"
          label="Time in force"
          options={TIME_IN_FORCE}
          defaultValue={v.time_in_force ?? 'day'}
          error={errors.time_in_force}
        />
      </div>
      <div className="grid-fields">
        {show(true) ? (
          <Select
            name="sizing"
            label="Size by"
            options={[
              ['qty', 'Quantity'],
              ['notional', 'Dollar amount'],
            ]}
            value={sizing}
            onChange={(e) => setSizing(e.currentTarget.value)}
          />
        ) : null}
        {show(sizing === 'qty') ? (
          <Field
            name="qty"
            className={hide(sizing === 'qty')}
            label="Quantity"
            inputMode="decimal"
            value={qty}
            onChange={(e) => setQty(e.currentTarget.value)}
            error={errors.qty}
            hint={side === 'sell' ? `You hold ${quantity(held)}.` : undefined}
          />
        ) : null}
        {show(sizing === 'notional') ? (
          <Field
            name="notional"
            className={hide(sizing === 'notional')}
            label="Amount ($)"
            inputMode="decimal"
            value={notional}
            onChange={(e) => setNotional(e.currentTarget.value)}
            error={errors.notional}
            hint={enhanced ? 'Market orders on fractionable symbols.' : 'With “Dollar amount” sizing.'}
          />
        ) : null}
        {show(type === 'limit' || type === 'stop_limit') ? (
          <Field
            name="limit_price"
            className={hide(type === 'limit' || type === 'stop_limit')}
            label="Limit price"
            inputMode="decimal"
            value={limit}
            onChange={(e) => setLimit(e.currentTarget.value)}
            error={errors.limit_price}
            hint={enhanced ? undefined : 'Limit and stop limit orders.'}
          />
        ) : null}
        {show(type === 'stop' || type === 'stop_limit') ? (
          <Field
            name="stop_price"
            className={hide(type === 'stop' || type === 'stop_limit')}
            label="Stop price"
            inputMode="decimal"
            defaultValue={v.stop_price}
            error={errors.stop_price}
            hint={enhanced ? undefined : 'Stop and stop limit orders.'}
          />
        ) : null}
        {show(type === 'trailing_stop') ? (
          <>
            <Select
              name="trail_by"
              className={hide(type === 'trailing_stop')}
              label="Trail by"
              options={[
                ['price', 'Price ($)'],
                ['percent', 'Percent (%)'],
              ]}
              defaultValue={v.trail_by ?? 'price'}
            />
            <Field
              name="trail"
              className={hide(type === 'trailing_stop')}
              label="Trail"
              inputMode="decimal"
              defaultValue={v.trail}
              error={errors.trail}
              hint={enhanced ? undefined : 'Trailing stop orders.'}
            />
          </>
        ) : null}
      </div>
      <Select
        name="order_class"
        label="Order class"
        options={ORDER_CLASSES}
        value={cls}
        onChange={(e) => setCls(e.currentTarget.value)}
        error={errors.order_class}
      />
      {show(cls !== 'simple') ? (
        <div className={`grid-fields ${hide(cls !== 'simple') ?? ''}`}>
          {show(cls !== 'oco') ? (
            <Field
              name="take_profit_limit_price"
              className={hide(cls !== 'oco')}
              label="Take-profit price"
              inputMode="decimal"
              defaultValue={v.take_profit_limit_price}
              error={errors.take_profit_limit_price}
            />
          ) : null}
          <Field
            name="stop_loss_stop_price"
            label="Stop-loss price"
            inputMode="decimal"
            defaultValue={v.stop_loss_stop_price}
            error={errors.stop_loss_stop_price}
          />
          <Field
            name="stop_loss_limit_price"
            label="Stop-loss limit (optional)"
            inputMode="decimal"
            defaultValue={v.stop_loss_limit_price}
            error={errors.stop_loss_limit_price}
          />
        </div>
      ) : null}
      <dl className="preview" aria-label="Order preview" data-testid="preview">
        <dt>Estimated {side === 'buy' ? 'cost' : 'proceeds'}</dt>
        <dd data-testid="estimated-cost">{money(preview?.estimatedCost ?? est)}</dd>
        <dt>Buying power</dt>
        <dd>{money(preview?.buyingPower ?? buyingPower)}</dd>
        <dt>Buying power after</dt>
        <dd data-testid="buying-power-after">
          {money(
            preview?.buyingPowerAfter ??
              (est === null ? null : side === 'buy' ? buyingPower - est : buyingPower),
          )}
        </dd>
      </dl>
      <p id="ticket-note" className="hint">
        Estimates use the current quote; the fill price may differ.
      </p>
      <TicketButtons side={side} />
    </Form>
  );
});

// Only the buttons follow the router's state (disabled while the ticket is sent), not the whole ticket.
function TicketButtons({ side }: { side: string }) {
  const nav = useNavigation();
  const busy = nav.state === 'submitting' && nav.formData?.get('intent') !== 'cancel';
  return (
    <div className="row">
      <button type="submit" name="intent" value="preview" disabled={busy}>
        Preview
      </button>
      <button
        type="submit"
        name="intent"
        value="place"
        className={side === 'buy' ? 'buy' : 'sell'}
        disabled={busy}
      >
        {busy ? 'Sending…' : `Place ${side} order`}
      </button>
    </div>
  );
}

const Blotter = memo(function Blotter({ orders }: { orders: Order[] }) {
  return (
    <section className="panel" aria-labelledby="blotter-h">
      <h2 id="blotter-h">Orders</h2>
      {orders.length === 0 ? (
        <p className="empty">No orders yet. Orders you place appear here with their fills.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="blotter">
            <TableHead
              cols={[
                'Placed (UTC)',
                'Symbol',
                'Side',
                'Type',
                numCol('Qty'),
                numCol('Filled'),
                numCol('Avg price'),
                numCol('Limit'),
                numCol('Stop'),
                'Status',
                'Actions',
              ]}
            />
            <tbody>
              {orders.map((o) => (
                <BlotterRow key={o.id} order={o} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

function BlotterRow({ order: o }: { order: Order }) {
  const open = OPEN_STATUSES.includes(o.status);
  const replaceable =
    (o.status === 'new' || o.status === 'accepted') && o.order_class === 'simple' && o.qty !== null;
  const fills = o.fills ?? [];
  return (
    <tr data-order-id={o.id} data-status={o.status}>
      <td>{time(o.created_at)}</td>
      <th scope="row">{o.symbol}</th>
      <td className={o.side === 'buy' ? 'up' : 'down'}>{o.side}</td>
      <td>
        {label(o.type)} · {o.time_in_force}
        {o.leg ? <span className="sub muted">{label(o.leg)}</span> : null}
      </td>
      <td className="num">{o.qty === null ? money(o.notional) : quantity(o.qty)}</td>
      <td className="num">
        {quantity(o.filled_qty)}
        {fills.length ? (
          <details>
            <summary>
              {fills.length} fill{fills.length > 1 ? 's' : ''}
            </summary>
            <ul className="fills">
              {fills.map((f) => (
                <li key={f.id}>
                  {quantity(f.qty)} @ {price(f.price)} <span className="muted">{time(f.created_at)}</span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </td>
      <td className="num">{price(o.filled_avg_price)}</td>
      <td className="num">{price(o.limit_price)}</td>
      <td className="num">{price(o.stop_price)}</td>
      <td>
        <span className={`status ${o.status}`} data-testid="order-status">
          {label(o.status)}
        </span>
        {o.status_reason && !open ? <span className="sub muted">{label(o.status_reason)}</span> : null}
      </td>
      <td>{open || replaceable ? <OrderActions order={o} open={open} replaceable={replaceable} /> : null}</td>
    </tr>
  );
}

// Cancel and replace, only on orders that can still be changed: their fetchers follow the router's state,
// which a row of a filled order need not do.
function OrderActions({
  order: o,
  open,
  replaceable,
}: {
  order: Order;
  open: boolean;
  replaceable: boolean;
}) {
  const cancel = useFetcher<typeof action>();
  const replace = useFetcher<typeof action>();
  const cancelErr = formResult(cancel.data);
  const replaceErr = formResult(replace.data);
  return (
    <>
      {open ? (
        <cancel.Form method="post" className="inline-form">
          <input type="hidden" name="order_id" value={o.id} />
          <button
            type="submit"
            name="intent"
            value="cancel"
            className="danger"
            aria-label={`Cancel ${o.side} ${o.symbol} order`}
          >
            Cancel
          </button>
          {cancelErr.formError ? (
            <span className="field-error" role="alert">
              {cancelErr.formError}
            </span>
          ) : null}
        </cancel.Form>
      ) : null}
      {replaceable ? (
        <details>
          <summary>Replace</summary>
          <replace.Form method="post" className="stack" noValidate>
            <input type="hidden" name="order_id" value={o.id} />
            <Field
              name="qty"
              id={`r-qty-${o.id}`}
              label="New quantity"
              inputMode="decimal"
              placeholder={String(o.qty ?? '')}
              error={replaceErr.errors.qty}
            />
            {o.type === 'limit' || o.type === 'stop_limit' ? (
              <Field
                name="limit_price"
                id={`r-limit-${o.id}`}
                label="New limit"
                inputMode="decimal"
                placeholder={String(o.limit_price ?? '')}
                error={replaceErr.errors.limit_price}
              />
            ) : null}
            {o.type === 'stop' || o.type === 'stop_limit' ? (
              <Field
                name="stop_price"
                id={`r-stop-${o.id}`}
                label="New stop"
                inputMode="decimal"
                placeholder={String(o.stop_price ?? '')}
                error={replaceErr.errors.stop_price}
              />
            ) : null}
            <FormError error={replaceErr.formError} />
            <button type="submit" name="intent" value="replace">
              Replace order
            </button>
          </replace.Form>
        </details>
      ) : null}
    </>
  );
}

function applyChange(prev: Order[], change: RowChange): Order[] {
  if (change.table === 'orders') {
    const row = change.new as unknown as Order;
    const i = prev.findIndex((o) => o.id === row.id);
    if (i === -1) return [{ ...row, fills: [] }, ...prev];
    const next = [...prev];
    next[i] = { ...row, fills: prev[i]?.fills ?? [] };
    return next;
  }
  if (change.table === 'fills' && change.eventType === 'INSERT') {
    const f = change.new as { id: number; order_id: string; qty: number; price: number; created_at: string };
    return prev.map((o) =>
      o.id === f.order_id && !(o.fills ?? []).some((x) => x.id === f.id)
        ? {
            ...o,
            fills: [...(o.fills ?? []), { id: f.id, qty: f.qty, price: f.price, created_at: f.created_at }],
          }
        : o,
    );
  }
  return prev;
}

const mid = (q: LiveQuote): number | null => (q.bid !== null && q.ask !== null ? (q.bid + q.ask) / 2 : null);
