// The portfolio at a glance, kept current by Realtime: fills, cash and orders by postgres_changes, marks by
// quote broadcasts. Nothing polls.
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { LineChart, type Point } from '../components/charts.tsx';
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
import { label, money, num, percent, price, quantity, signedMoney, time, tone } from '../format.ts';
import { OPEN_STATUSES, RESERVING_STATUSES } from '../orders.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction = () => [{ title: 'Dashboard · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers, portfolio } = await requireTrader(request);
  if (!portfolio) return json({ portfolio: null } as const, { headers });
  // One round of reads in parallel; every instrument's quote (a short list), so a position opened by a push is
  // marked at once.
  const [valuation, positions, orders, snapshots, quotes] = await Promise.all([
    supabase.from('portfolio_valuations').select('cash').eq('portfolio_id', portfolio.id).maybeSingle(),
    supabase
      .from('positions')
      .select('symbol, qty, avg_cost, cost_basis, realized_pnl')
      .eq('portfolio_id', portfolio.id)
      .order('symbol'),
    supabase
      .from('orders')
      .select(
        'id, symbol, side, type, time_in_force, qty, notional, limit_price, stop_price, status, filled_qty, reserved_cash, created_at',
      )
      .eq('portfolio_id', portfolio.id)
      .in('status', OPEN_STATUSES)
      .order('created_at', { ascending: false })
      .limit(100),
    supabase
      .from('equity_snapshots')
      .select('taken_at, equity')
      .eq('portfolio_id', portfolio.id)
      .order('taken_at', { ascending: false })
      .limit(500),
    supabase
      .from('quotes')
      .select('symbol, bid, ask, last, prev_close, quote_ts')
      .order('symbol')
      .limit(2000),
  ]);
  const failed = valuation.error ?? positions.error ?? orders.error ?? snapshots.error ?? quotes.error;
  if (failed) throw new Response(failed.message, { status: 502 });
  return json(
    {
      portfolio: { id: portfolio.id, name: portfolio.name, starting_cash: portfolio.starting_cash },
      cash: num(valuation.data?.cash ?? 0),
      positions: positions.data ?? [],
      orders: orders.data ?? [],
      quotes: quotes.data ?? [],
      snapshots: (snapshots.data ?? []).reverse(),
    },
    { headers },
  );
}

type Data = Exclude<ReturnType<typeof useLoaderData<typeof loader>>, { portfolio: null }>;
type Position = Data['positions'][number];
type Order = Data['orders'][number];

export default function Dashboard() {
  const data = useSteadyData(useLoaderData<typeof loader>());
  if (!data.portfolio) {
    return (
      <section className="panel empty-state">
        <h1>No portfolio yet</h1>
        <p>Create a paper portfolio to start trading.</p>
        <Link className="button primary" to="/portfolios">
          Create a portfolio
        </Link>
      </section>
    );
  }
  return <LiveDashboard data={data as Data} />;
}

// Renders again on pushes and on loader data that changed, not on a catch-up read that found nothing new.
const LiveDashboard = memo(function LiveDashboard({ data }: { data: Data }) {
  const [cash, setCash] = useState(data.cash);
  const [positions, setPositions] = useState(() => byKey(data.positions, (p) => p.symbol));
  const [orders, setOrders] = useState(() => byKey(data.orders, (o) => o.id));
  const [curve, setCurve] = useState<Point[]>([]);
  useEffect(() => {
    setCash(data.cash);
    setPositions(byKey(data.positions, (p) => p.symbol));
    setOrders(byKey(data.orders, (o) => o.id));
  }, [data]);

  const initialQuotes = useMemo(() => liveQuotes(data.quotes), [data.quotes]);
  const { quotes, status: quoteStatus } = useQuotes(initialQuotes);

  const rowStatus = useRowChanges(
    `dashboard:${data.portfolio.id}`,
    [
      { table: 'cash_ledger', filter: 'portfolio' },
      { table: 'positions', filter: 'portfolio' },
      { table: 'orders', filter: 'portfolio' },
    ],
    data.portfolio.id,
    (change: RowChange) => {
      if (change.table === 'cash_ledger' && change.eventType === 'INSERT') {
        setCash((c) => c + num(change.new.amount));
      } else if (change.table === 'positions') {
        const symbol = String(change.new.symbol ?? change.old.symbol);
        setPositions((prev) => {
          const next = { ...prev };
          if (change.eventType === 'DELETE') delete next[symbol];
          else next[symbol] = change.new as unknown as Position;
          return next;
        });
      } else if (change.table === 'orders') {
        const row = change.new as unknown as Order;
        setOrders((prev) => ({ ...prev, [row.id]: row }));
      }
    },
  );

  const missingQuote = Object.values(positions).some((p) => num(p.qty) > 0 && !quotes[p.symbol]);

  const rows = Object.values(positions)
    .filter((p) => num(p.qty) > 0)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .map((p) => {
      const q = quotes[p.symbol];
      const mark = q ? (q.last ?? mid(q)) : null;
      const prevClose = q?.prev_close ?? null;
      const value = mark === null ? num(p.cost_basis) : num(p.qty) * mark;
      return {
        ...p,
        mark,
        value,
        unrealized: value - num(p.cost_basis),
        day: mark !== null && prevClose !== null ? num(p.qty) * (mark - prevClose) : 0,
      };
    });
  const marketValue = rows.reduce((s, r) => s + r.value, 0);
  const equity = cash + marketValue;
  const reserved = Object.values(orders)
    .filter((o) => RESERVING_STATUSES.includes(o.status))
    .reduce((s, o) => s + num(o.reserved_cash), 0);
  const realized = Object.values(positions).reduce((s, p) => s + num(p.realized_pnl), 0);
  const unrealized = rows.reduce((s, r) => s + r.unrealized, 0);
  const dayPnl = rows.reduce((s, r) => s + r.day, 0);

  // The equity curve: snapshots the database took, then each value the pushes produced since.
  useEffect(() => {
    setCurve((c) => {
      const point = { t: Date.now(), v: equity };
      const last = c[c.length - 1];
      if (last && Math.abs(last.v - equity) < 0.005) return c;
      return [...c.slice(-500), point];
    });
  }, [equity]);
  const points = [...data.snapshots.map((s) => ({ t: Date.parse(s.taken_at), v: num(s.equity) })), ...curve];

  const status =
    quoteStatus === 'live' && rowStatus === 'live'
      ? 'live'
      : quoteStatus === 'offline' || rowStatus === 'offline'
        ? 'offline'
        : 'connecting';

  return (
    <div className="page">
      <ResyncWhenLive status={rowStatus} />
      <ReadMissingQuote missing={missingQuote} />
      <div className="page-head">
        <h1>{data.portfolio.name}</h1>
        <LiveBadge status={status} />
      </div>
      <section aria-label="Account summary" className="stats">
        <Stat label="Equity" value={money(equity)} testId="equity" />
        <Stat label="Cash" value={money(cash)} testId="cash" />
        <Stat label="Buying power" value={money(cash - reserved)} testId="buying-power" />
        <Stat label="Day P&L" value={signedMoney(dayPnl)} className={tone(dayPnl)} testId="day-pnl" />
        <Stat
          label="Total P&L"
          value={signedMoney(realized + unrealized)}
          className={tone(realized + unrealized)}
          testId="total-pnl"
        />
      </section>
      <div className="grid-2">
        <section className="panel" aria-labelledby="positions-h">
          <h2 id="positions-h">Positions</h2>
          {rows.length === 0 ? (
            <p className="empty">
              No positions. <Link to="/trade">Place an order</Link> to open one.
            </p>
          ) : (
            <div className="table-wrap">
              <table data-testid="positions">
                <TableHead
                  cols={[
                    'Symbol',
                    numCol('Qty'),
                    numCol('Avg cost'),
                    numCol('Mark'),
                    numCol('Value'),
                    numCol('Unrealized'),
                    numCol('Day'),
                  ]}
                />
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.symbol} data-symbol={r.symbol}>
                      <th scope="row">
                        <Link to={`/trade?symbol=${encodeURIComponent(r.symbol)}`}>{r.symbol}</Link>
                      </th>
                      <td className="num" data-col="qty">
                        {quantity(r.qty)}
                      </td>
                      <td className="num">{price(r.avg_cost)}</td>
                      <td className="num" data-col="mark">
                        {r.mark === null ? '—' : price(r.mark)}
                      </td>
                      <td className="num">{money(r.value)}</td>
                      <td className={`num ${tone(r.unrealized)}`}>
                        {signedMoney(r.unrealized)}
                        <span className="sub">
                          {num(r.cost_basis) > 0 ? percent((r.unrealized / num(r.cost_basis)) * 100) : ''}
                        </span>
                      </td>
                      <td className={`num ${tone(r.day)}`}>{signedMoney(r.day)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="panel" aria-labelledby="curve-h">
          <h2 id="curve-h">Equity curve</h2>
          <LineChart
            points={points}
            label="Equity"
            format={(v) => money(v)}
            empty="The curve starts with the first equity snapshot or the next change in equity."
          />
        </section>
      </div>
      <OpenOrders orders={orders} />
    </div>
  );
});

/** A position in a symbol the page has no quote for yet: read its quote (and previous close) once. */
function ReadMissingQuote({ missing }: { missing: boolean }) {
  const revalidator = useRevalidator();
  const asked = useRef(false);
  useEffect(() => {
    if (missing && !asked.current && revalidator.state === 'idle') {
      asked.current = true;
      revalidator.revalidate();
    }
    if (!missing) asked.current = false;
  }, [missing, revalidator]);
  return null;
}

// Open orders change only with order pushes: the table does not re-render on every quote.
const OpenOrders = memo(function OpenOrders({ orders }: { orders: Record<string, Order> }) {
  const openOrders = Object.values(orders)
    .filter((o) => OPEN_STATUSES.includes(o.status))
    .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return (
    <section className="panel" aria-labelledby="open-h">
      <h2 id="open-h">Open orders</h2>
      {openOrders.length === 0 ? (
        <p className="empty">No open orders.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="open-orders">
            <TableHead
              cols={[
                'Placed (UTC)',
                'Symbol',
                'Side',
                'Type',
                numCol('Qty'),
                numCol('Limit'),
                numCol('Stop'),
                'Status',
              ]}
            />
            <tbody>
              {openOrders.map((o) => (
                <tr key={o.id}>
                  <td>{time(o.created_at)}</td>
                  <th scope="row">{o.symbol}</th>
                  <td className={o.side === 'buy' ? 'up' : 'down'}>{o.side}</td>
                  <td>
                    {label(o.type)} · {o.time_in_force}
                  </td>
                  <td className="num">
                    {o.qty === null ? money(o.notional) : `${quantity(o.filled_qty)}/${quantity(o.qty)}`}
                  </td>
                  <td className="num">{price(o.limit_price)}</td>
                  <td className="num">{price(o.stop_price)}</td>
                  <td>
                    <span className={`status ${o.status}`}>{label(o.status)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

function Stat({
  label,
  value,
  className,
  testId,
}: {
  label: string;
  value: string;
  className?: string;
  testId: string;
}) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className={`stat-value ${className ?? ''}`} data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function byKey<T>(rows: T[], key: (r: T) => string): Record<string, T> {
  return Object.fromEntries(rows.map((r) => [key(r), r]));
}

const mid = (q: LiveQuote): number | null => (q.bid !== null && q.ask !== null ? (q.bid + q.ask) / 2 : null);
