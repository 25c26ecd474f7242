// Price and P&L alerts: create, list, delete, and the history of triggers, which arrive live (postgres_changes
// on alert_triggers) the moment the database evaluates a quote that fires one.
import type { MetaFunction } from '@remix-run/react';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { Field, FormError, Select } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { LiveBadge, ResyncWhenLive, type RowChange, useRowChanges } from '../components/live.tsx';
import { hiddenCol, numCol, TableHead } from '../components/table-head.tsx';
import { label, price, time } from '../format.ts';
import { dbFailure, failure, parseForm, symbolField } from '../forms.server.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction = () => [{ title: 'Alerts · Nexural' }];

const CONDITIONS: Array<[string, string]> = [
  ['price_above', 'Price at or above'],
  ['price_below', 'Price at or below'],
  ['price_crosses', 'Price crosses'],
  ['percent_move', 'Day move of at least (%)'],
  ['position_pnl_percent_above', 'Position P&L at or above (%)'],
  ['position_pnl_percent_below', 'Position P&L at or below (%)'],
];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers, portfolio } = await requireTrader(request);
  const [alerts, triggers] = await Promise.all([
    supabase
      .from('alerts')
      .select(
        'id, symbol, condition, threshold, frequency, status, note, trigger_count, last_triggered_at, created_at',
      )
      .order('created_at', { ascending: false }),
    supabase
      .from('alert_triggers')
      .select('id, alert_id, symbol, price, value, triggered_at')
      .order('id', { ascending: false })
      .limit(100),
  ]);
  const failed = alerts.error ?? triggers.error;
  if (failed) throw new Response(failed.message, { status: 502 });
  return json(
    { alerts: alerts.data ?? [], triggers: triggers.data ?? [], portfolioId: portfolio?.id ?? null },
    { headers },
  );
}

const createSchema = z
  .object({
    symbol: symbolField,
    condition: z.enum(CONDITIONS.map(([c]) => c) as [string, ...string[]], {
      message: 'Choose a condition.',
    }),
    threshold: z
      .string({ message: 'Enter a threshold.' })
      .regex(/^-?\d{1,12}(\.\d{1,9})?$/, { message: 'The threshold must be a number like 190 or 2.5.' }),
    frequency: z.enum(['once', 'every_time'], { message: 'Choose how often it fires.' }).default('once'),
    note: z.string().max(500, { message: 'Keep the note under 500 characters.' }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.condition.startsWith('price_') && Number(v.threshold) <= 0)
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'A price must be greater than zero.' });
  });

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers, portfolio } = await requireTrader(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const answer = (body: object, status = 200) => json({ ...body, intent }, { status, headers });
  if (intent === 'create') {
    const parsed = parseForm(createSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const forPosition = parsed.data.condition.startsWith('position_pnl');
    if (forPosition && !portfolio)
      return answer(
        failure(parsed.values, { condition: 'Position alerts need a portfolio: create one first.' }),
        400,
      );
    const { error } = await supabase.from('alerts').insert({
      symbol: parsed.data.symbol,
      condition: parsed.data.condition,
      threshold: parsed.data.threshold as unknown as number,
      frequency: parsed.data.frequency,
      note: parsed.data.note ?? null,
      portfolio_id: forPosition ? (portfolio?.id ?? null) : null,
    });
    if (error) {
      if (error.code === '23503')
        return answer(
          failure(parsed.values, { symbol: `There is no instrument ${parsed.data.symbol}.` }),
          400,
        );
      return answer(dbFailure(parsed.values, error), 400);
    }
    return answer({ ok: true, notice: `Alert on ${parsed.data.symbol} created.` });
  }
  if (intent === 'delete') {
    const parsed = parseForm(z.object({ alert_id: z.uuid({ message: 'Choose an alert.' }) }), form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase.from('alerts').delete().eq('id', parsed.data.alert_id);
    if (error) return answer(dbFailure(parsed.values, error), 400);
    return answer({ ok: true, notice: 'Alert deleted.' });
  }
  return answer(failure({}, {}, 'Unknown action.'), 400);
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Trigger = Data['triggers'][number];

export default function Alerts() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const create = formResult(result?.intent === 'create' ? result : undefined);
  const notice = result && 'notice' in result ? String(result.notice) : null;
  const [triggers, setTriggers] = useState(data.triggers);
  const [alerts, setAlerts] = useState(data.alerts);
  const [toast, setToast] = useState<Trigger | null>(null);
  useEffect(() => setTriggers(data.triggers), [data.triggers]);
  useEffect(() => setAlerts(data.alerts), [data.alerts]);
  const status = useRowChanges(
    'alerts',
    [{ table: 'alert_triggers', filter: 'user' }],
    data.portfolioId,
    (c: RowChange) => {
      if (c.eventType !== 'INSERT') return;
      const t = c.new as unknown as Trigger;
      setTriggers((prev) => (prev.some((x) => x.id === t.id) ? prev : [t, ...prev]));
      setAlerts((prev) =>
        prev.map((a) =>
          a.id === t.alert_id
            ? {
                ...a,
                trigger_count: a.trigger_count + 1,
                last_triggered_at: t.triggered_at,
                status: a.frequency === 'once' ? 'triggered' : a.status,
              }
            : a,
        ),
      );
      setToast(t);
    },
  );
  const alertById = new Map(alerts.map((a) => [a.id, a]));
  return (
    <div className="page">
      <ResyncWhenLive status={status} />
      <div className="page-head">
        <h1>Alerts</h1>
        <LiveBadge status={status} />
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <section className="panel" aria-labelledby="new-alert-h">
        <h2 id="new-alert-h">New alert</h2>
        <Form method="post" noValidate className="stack">
          <input type="hidden" name="intent" value="create" />
          <FormError error={create.formError} />
          <div className="grid-fields">
            <Field
              name="symbol"
              label="Symbol"
              autoComplete="off"
              defaultValue={create.values.symbol}
              error={create.errors.symbol}
            />
            <Select
              name="condition"
              label="Condition"
              options={CONDITIONS}
              defaultValue={create.values.condition}
              error={create.errors.condition}
            />
            <Field
              name="threshold"
              label="Threshold"
              inputMode="decimal"
              defaultValue={create.values.threshold}
              error={create.errors.threshold}
            />
            <Select
              name="frequency"
              label="Fires"
              options={[
                ['once', 'Once'],
                ['every_time', 'Every time'],
              ]}
              defaultValue={create.values.frequency}
              error={create.errors.frequency}
            />
          </div>
          <Field
            name="note"
            label="Note (optional)"
            maxLength={500}
            defaultValue={create.values.note}
            error={create.errors.note}
          />
          <div>
            <button type="submit" className="primary">
              Create alert
            </button>
          </div>
        </Form>
      </section>
      <div className="grid-2">
        <section className="panel" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Your alerts</h2>
          {alerts.length === 0 ? (
            <p className="empty">No alerts. Create one above; it is checked on every quote.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="alerts">
                <TableHead
                  cols={[
                    'Symbol',
                    'Condition',
                    numCol('Threshold'),
                    'Status',
                    numCol('Fired'),
                    hiddenCol('Delete'),
                  ]}
                />
                <tbody>
                  {alerts.map((a) => (
                    <tr key={a.id} data-alert-id={a.id}>
                      <th scope="row">{a.symbol}</th>
                      <td>
                        {label(a.condition)}
                        {a.note ? <span className="sub muted">{a.note}</span> : null}
                      </td>
                      <td className="num">{price(a.threshold)}</td>
                      <td>
                        <span className={`status ${a.status}`} data-testid="alert-status">
                          {a.status}
                        </span>
                      </td>
                      <td className="num">{a.trigger_count}</td>
                      <td>
                        <Form method="post">
                          <input type="hidden" name="intent" value="delete" />
                          <input type="hidden" name="alert_id" value={a.id} />
                          <button type="submit" className="link" aria-label={`Delete alert on ${a.symbol}`}>
                            Delete
                          </button>
                        </Form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="panel" aria-labelledby="history-h">
          <h2 id="history-h">Triggered</h2>
          {triggers.length === 0 ? (
            <p className="empty">Nothing has fired yet.</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="triggers">
                <TableHead cols={['When (UTC)', 'Symbol', 'Condition', numCol('Price')]} />
                <tbody>
                  {triggers.map((t) => (
                    <tr key={t.id}>
                      <td>{time(t.triggered_at)}</td>
                      <th scope="row">{t.symbol}</th>
                      <td>{label(alertById.get(t.alert_id)?.condition ?? '')}</td>
                      <td className="num">{price(t.price)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
      {toast ? (
        <div className="toast" role="alert">
          Alert fired: {toast.symbol} at {price(toast.price)}.{' '}
          <button type="button" className="link" onClick={() => setToast(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
    </div>
  );
}
