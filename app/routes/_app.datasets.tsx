// Ingestion telemetry of the trader's market-data datasets, per minute over the last hours: throughput,
// lag percentiles, gaps in the trade sequence and errors. RLS shows each owner only their datasets.
import type { MetaFunction } from '@remix-run/react';
import { useLoaderData, useSearchParams } from '@remix-run/react';
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { BarChart, LineChart } from '../components/charts.tsx';
import { numCol, TableHead } from '../components/table-head.tsx';
import { quantity, time } from '../format.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction = () => [{ title: 'Datasets · Nexural' }];

const WINDOWS: Record<string, number> = { '1h': 60, '6h': 360, '24h': 1440 };

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers } = await requireTrader(request);
  const windowKey = new URL(request.url).searchParams.get('window') ?? '1h';
  const minutes = WINDOWS[windowKey] ?? 60;
  const since = new Date(Date.now() - minutes * 60_000).toISOString();
  const datasets = await supabase
    .from('market_datasets')
    .select('id, name, feed_url, stream, created_at')
    .order('name');
  if (datasets.error) throw new Response(datasets.error.message, { status: 502 });
  const ids = datasets.data.map((d) => d.id);
  const [telemetry, gaps] = ids.length
    ? await Promise.all([
        supabase
          .from('market_ingestion_minutes')
          .select(
            'dataset_id, minute, messages, trades, quotes, duplicates, malformed, gaps, missing_trades, reconnects, errors, lag_p50_ms, lag_p95_ms, lag_p99_ms',
          )
          .in('dataset_id', ids)
          .gte('minute', since)
          .order('minute'),
        supabase
          .from('market_ingestion_gaps')
          .select('id, dataset_id, first_missing_id, last_missing_id, detected_at')
          .in('dataset_id', ids)
          .order('detected_at', { ascending: false })
          .limit(50),
      ])
    : [null, null];
  const failed = telemetry?.error ?? gaps?.error;
  if (failed) throw new Response(failed.message, { status: 502 });
  return json(
    { windowKey, datasets: datasets.data, telemetry: telemetry?.data ?? [], gaps: gaps?.data ?? [] },
    { headers },
  );
}

export default function Datasets() {
  const { datasets, telemetry, gaps, windowKey } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="page">
      <div className="page-head">
        <h1>Datasets</h1>
        <form method="get" className="row" style={{ marginLeft: 'auto' }}>
          <div className="field">
            <label htmlFor="window">Window</label>
            <select id="window" name="window" defaultValue={params.get('window') ?? windowKey}>
              <option value="1h">Last hour</option>
              <option value="6h">Last 6 hours</option>
              <option value="24h">Last 24 hours</option>
            </select>
          </div>
          <button type="submit">Show</button>
        </form>
      </div>
      {datasets.length === 0 ? (
        <section className="panel empty-state">
          <h2>No datasets</h2>
          <p>
            No market-data dataset is registered to your account. When an operator registers a feed for you,
            its ingestion telemetry (throughput, lag, gaps and errors) appears here.
          </p>
        </section>
      ) : null}
      {datasets.map((d) => {
        const rows = telemetry.filter((t) => t.dataset_id === d.id);
        const points = (pick: (r: (typeof rows)[number]) => number | null) =>
          rows
            .map((r) => ({ t: Date.parse(r.minute), v: pick(r) }))
            .filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v));
        const totals = rows.reduce(
          (s, r) => ({
            trades: s.trades + Number(r.trades),
            gaps: s.gaps + Number(r.gaps),
            errors: s.errors + Number(r.errors) + Number(r.malformed),
            reconnects: s.reconnects + Number(r.reconnects),
          }),
          { trades: 0, gaps: 0, errors: 0, reconnects: 0 },
        );
        const dsGaps = gaps.filter((g) => g.dataset_id === d.id);
        const empty = 'No telemetry in this window: the ingester has not reported for this dataset.';
        return (
          <section key={d.id} className="panel" aria-labelledby={`ds-${d.id}`} data-testid="dataset">
            <h2 id={`ds-${d.id}`}>
              {d.name} <span className="muted">· {d.stream}</span>
            </h2>
            <div className="stats">
              <Stat label="Trades stored" value={quantity(totals.trades)} />
              <Stat label="Gaps" value={quantity(totals.gaps)} />
              <Stat label="Errors" value={quantity(totals.errors)} />
              <Stat label="Reconnects" value={quantity(totals.reconnects)} />
            </div>
            <div className="chart-grid">
              <div>
                <h3>Throughput (trades per minute)</h3>
                <LineChart
                  points={points((r) => Number(r.trades))}
                  label="Trades per minute"
                  format={(v) => quantity(Math.round(v))}
                  empty={empty}
                />
              </div>
              <div>
                <h3>Lag p95 (ms)</h3>
                <div className="chart warn">
                  <LineChart
                    points={points((r) => (r.lag_p95_ms === null ? null : Number(r.lag_p95_ms)))}
                    label="Ingest lag p95"
                    format={(v) => `${Math.round(v)} ms`}
                    empty={empty}
                  />
                </div>
              </div>
              <div>
                <h3>Gaps per minute</h3>
                <BarChart
                  points={points((r) => Number(r.gaps))}
                  label="Gaps"
                  format={(v) => quantity(v)}
                  empty={empty}
                />
              </div>
              <div className="chart down">
                <h3>Errors per minute</h3>
                <BarChart
                  points={points((r) => Number(r.errors) + Number(r.malformed))}
                  label="Errors and malformed messages"
                  format={(v) => quantity(v)}
                  empty={empty}
                />
              </div>
            </div>
            <h3>Recent gaps</h3>
            {dsGaps.length === 0 ? (
              <p className="empty">No gaps detected.</p>
            ) : (
              <table>
                <TableHead
                  cols={[
                    'Detected (UTC)',
                    numCol('First missing id'),
                    numCol('Last missing id'),
                    numCol('Trades missed'),
                  ]}
                />
                <tbody>
                  {dsGaps.map((g) => (
                    <tr key={g.id}>
                      <td>{time(g.detected_at)}</td>
                      <td className="num">{g.first_missing_id}</td>
                      <td className="num">{g.last_missing_id}</td>
                      <td className="num">
                        {quantity(Number(g.last_missing_id) - Number(g.first_missing_id) + 1)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        );
      })}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
    </div>
  );
}
