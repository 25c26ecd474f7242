// Paper portfolios: create, switch, deposit or withdraw, reset to starting cash.
import type { MetaFunction } from '@remix-run/react';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json, redirect } from '@remix-run/server-runtime';
import { z } from 'zod';
import { Field, FormError, Select } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { numCol, TableHead } from '../components/table-head.tsx';
import { money, signedMoney, time, tone } from '../format.ts';
import { dbFailure, failure, parseForm, positiveDecimal } from '../forms.server.ts';
import { selectPortfolioCookie } from '../portfolio.server.ts';
import { safeRedirect } from '../supabase.server.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction = () => [{ title: 'Portfolios · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers, portfolios, portfolio } = await requireTrader(request);
  const { data, error } = await supabase
    .from('portfolio_valuations')
    .select('portfolio_id, cash, buying_power, equity, unrealized_pnl, realized_pnl');
  if (error) throw new Response(error.message, { status: 502 });
  const byId = new Map(data.map((v) => [v.portfolio_id, v]));
  return json(
    {
      currentId: portfolio?.id ?? null,
      portfolios: portfolios.map((p) => ({ ...p, valuation: byId.get(p.id) ?? null })),
    },
    { headers },
  );
}

const createSchema = z.object({
  name: z.string({ message: 'Name the portfolio.' }).max(80, { message: 'Use at most 80 characters.' }),
  starting_cash: positiveDecimal('starting cash').refine((s) => Number(s) <= 100_000_000, {
    message: 'Starting cash can be at most $100,000,000.',
  }),
});
const idSchema = z.object({ portfolio_id: z.uuid({ message: 'Choose a portfolio.' }) });
const transferSchema = z.object({
  portfolio_id: z.uuid({ message: 'Choose a portfolio.' }),
  direction: z.enum(['deposit', 'withdraw'], { message: 'Choose deposit or withdraw.' }),
  amount: positiveDecimal('amount'),
});

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers } = await requireTrader(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const answer = (body: object, status = 200) => json({ ...body, intent }, { status, headers });

  if (intent === 'switch') {
    const parsed = parseForm(idSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    headers.append('Set-Cookie', selectPortfolioCookie(parsed.data.portfolio_id));
    throw redirect(safeRedirect(form.get('redirectTo'), '/portfolios'), { headers });
  }
  if (intent === 'create') {
    const parsed = parseForm(createSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { data, error } = await supabase.rpc('create_portfolio', {
      name: parsed.data.name,
      starting_cash: parsed.data.starting_cash as unknown as number,
    });
    if (error)
      return answer(
        dbFailure(parsed.values, error, { name: ['invalid_name'], starting_cash: ['invalid_amount'] }),
        400,
      );
    headers.append('Set-Cookie', selectPortfolioCookie((data as { id: string }).id));
    throw redirect('/portfolios', { headers });
  }
  if (intent === 'reset') {
    const parsed = parseForm(
      idSchema.extend({ confirm: z.literal('yes', { message: 'Tick the box to confirm the reset.' }) }),
      form,
    );
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase.rpc('reset_portfolio', { portfolio_id: parsed.data.portfolio_id });
    if (error) return answer(dbFailure(parsed.values, error), 400);
    return answer({
      ok: true,
      notice: 'Portfolio reset: orders canceled, positions closed, cash back to its start.',
    });
  }
  if (intent === 'transfer') {
    const parsed = parseForm(transferSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const amount = parsed.data.direction === 'deposit' ? parsed.data.amount : `-${parsed.data.amount}`;
    const { error } = await supabase.rpc('transfer_cash', {
      portfolio_id: parsed.data.portfolio_id,
      amount: amount as unknown as number,
    });
    if (error)
      return answer(
        dbFailure(parsed.values, error, { amount: ['insufficient_buying_power', 'invalid_amount'] }),
        400,
      );
    return answer({
      ok: true,
      notice: parsed.data.direction === 'deposit' ? 'Cash deposited.' : 'Cash withdrawn.',
    });
  }
  return answer(failure({}, {}, 'Unknown action.'), 400);
}

export default function Portfolios() {
  const { portfolios, currentId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const notice = result && 'notice' in result ? String(result.notice) : null;
  const forIntent = (i: string) => formResult(result?.intent === i ? result : undefined);
  const create = forIntent('create');
  const reset = forIntent('reset');
  const transfer = forIntent('transfer');
  const current = portfolios.find((p) => p.id === currentId);
  return (
    <div className="page">
      <h1>Portfolios</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <section className="panel" aria-labelledby="list-h">
        <h2 id="list-h">Your portfolios</h2>
        {portfolios.length === 0 ? (
          <p className="empty">No portfolios yet. Create one below to start trading.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <TableHead
                cols={[
                  'Name',
                  numCol('Equity'),
                  numCol('Cash'),
                  numCol('Buying power'),
                  numCol('P&L'),
                  'Period since',
                  'Selected',
                ]}
              />
              <tbody>
                {portfolios.map((p) => {
                  const pnl = p.valuation
                    ? Number(p.valuation.unrealized_pnl) + Number(p.valuation.realized_pnl)
                    : null;
                  return (
                    <tr key={p.id}>
                      <th scope="row">{p.name}</th>
                      <td className="num">{money(p.valuation?.equity)}</td>
                      <td className="num">{money(p.valuation?.cash)}</td>
                      <td className="num">{money(p.valuation?.buying_power)}</td>
                      <td className={`num ${tone(pnl)}`}>{signedMoney(pnl)}</td>
                      <td>{time(p.reset_at)}</td>
                      <td>
                        {p.id === currentId ? (
                          <strong>Current</strong>
                        ) : (
                          <Form method="post">
                            <input type="hidden" name="intent" value="switch" />
                            <input type="hidden" name="portfolio_id" value={p.id} />
                            <button type="submit" aria-label={`Switch to ${p.name}`}>
                              Switch
                            </button>
                          </Form>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="grid-2">
        <section className="panel" aria-labelledby="create-h">
          <h2 id="create-h">New portfolio</h2>
          <Form method="post" noValidate className="stack">
            <input type="hidden" name="intent" value="create" />
            <FormError error={create.formError} />
            <Field
              name="name"
              id="create-name"
              label="Name"
              maxLength={80}
              defaultValue={create.values.name}
              error={create.errors.name}
            />
            <Field
              name="starting_cash"
              id="create-cash"
              label="Starting cash ($)"
              inputMode="decimal"
              defaultValue={create.values.starting_cash ?? '100000'}
              error={create.errors.starting_cash}
            />
            <button type="submit" className="primary" disabled={busy}>
              Create portfolio
            </button>
          </Form>
        </section>
        {current ? (
          <section className="panel" aria-labelledby="cash-h">
            <h2 id="cash-h">Cash · {current.name}</h2>
            <Form method="post" noValidate className="stack">
              <input type="hidden" name="intent" value="transfer" />
              <input type="hidden" name="portfolio_id" value={current.id} />
              <FormError error={transfer.formError} />
              <div className="grid-fields">
                <Select
                  name="direction"
                  label="Direction"
                  options={[
                    ['deposit', 'Deposit'],
                    ['withdraw', 'Withdraw'],
                  ]}
                  defaultValue={transfer.values.direction}
                />
                <Field
                  name="amount"
                  label="Amount ($)"
                  inputMode="decimal"
                  defaultValue={transfer.values.amount}
                  error={transfer.errors.amount}
                />
              </div>
              <button type="submit" disabled={busy}>
                Move cash
              </button>
            </Form>
            <h2 id="reset-h">Reset · {current.name}</h2>
            <Form method="post" noValidate className="stack" aria-labelledby="reset-h">
              <input type="hidden" name="intent" value="reset" />
              <input type="hidden" name="portfolio_id" value={current.id} />
              <FormError error={reset.formError} />
              <p className="hint">
                Cancels open orders, closes positions without trading and returns cash to{' '}
                {money(current.starting_cash)}.
              </p>
              <div className="field">
                <label>
                  <input
                    type="checkbox"
                    name="confirm"
                    value="yes"
                    aria-describedby={reset.errors.confirm ? 'reset-confirm-error' : undefined}
                  />{' '}
                  I want to reset this portfolio
                </label>
                {reset.errors.confirm ? (
                  <span className="field-error" id="reset-confirm-error" role="alert">
                    {reset.errors.confirm}
                  </span>
                ) : null}
              </div>
              <button type="submit" className="danger" disabled={busy}>
                Reset portfolio
              </button>
            </Form>
          </section>
        ) : null}
      </div>
    </div>
  );
}
