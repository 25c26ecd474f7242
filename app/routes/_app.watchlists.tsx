// Watchlists: named lists of symbols with live quotes (broadcast), managed directly under RLS.
import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { useMemo } from 'react';
import { z } from 'zod';
import { Field, FormError } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { LiveBadge, liveQuotes, useQuotes } from '../components/live.tsx';
import { hiddenCol, numCol, TableHead } from '../components/table-head.tsx';
import { percent, price, tone } from '../format.ts';
import { dbFailure, failure, parseForm, symbolField } from '../forms.server.ts';
import { requireTrader } from '../trader.server.ts';

export const meta: MetaFunction = () => [{ title: 'Watchlists · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers } = await requireTrader(request);
  const lists = await supabase
    .from('watchlists')
    .select('id, name, created_at, watchlist_items(symbol, position, added_at)')
    .order('created_at');
  if (lists.error) throw new Response(lists.error.message, { status: 502 });
  const symbols = [...new Set(lists.data.flatMap((l) => l.watchlist_items.map((i) => i.symbol)))];
  const quotes = symbols.length
    ? await supabase.from('quotes').select('symbol, bid, ask, last, prev_close').in('symbol', symbols)
    : null;
  if (quotes?.error) throw new Response(quotes.error.message, { status: 502 });
  return json({ lists: lists.data, quotes: quotes?.data ?? [] }, { headers });
}

const nameSchema = z.object({
  name: z.string({ message: 'Name the list.' }).max(80, { message: 'Use at most 80 characters.' }),
});
const idSchema = z.object({ watchlist_id: z.uuid({ message: 'Choose a list.' }) });
const itemSchema = idSchema.extend({ symbol: symbolField });

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers } = await requireTrader(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const target = String(form.get('watchlist_id') ?? '');
  const answer = (body: object, status = 200) => json({ ...body, intent, target }, { status, headers });
  if (intent === 'create') {
    const parsed = parseForm(nameSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase.from('watchlists').insert({ name: parsed.data.name });
    if (error)
      return answer(
        error.code === '23505'
          ? failure(parsed.values, { name: 'You already have a list with this name.' })
          : dbFailure(parsed.values, error),
        400,
      );
    return answer({ ok: true });
  }
  if (intent === 'delete') {
    const parsed = parseForm(idSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase.from('watchlists').delete().eq('id', parsed.data.watchlist_id);
    if (error) return answer(dbFailure(parsed.values, error), 400);
    return answer({ ok: true });
  }
  if (intent === 'add') {
    const parsed = parseForm(itemSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase
      .from('watchlist_items')
      .insert({ watchlist_id: parsed.data.watchlist_id, symbol: parsed.data.symbol });
    if (error) {
      const message =
        error.code === '23503'
          ? `There is no instrument ${parsed.data.symbol}.`
          : error.code === '23505'
            ? `${parsed.data.symbol} is already on this list.`
            : error.code === '42501'
              ? 'That list is not yours.'
              : error.message;
      return answer(failure(parsed.values, { symbol: message }), 400);
    }
    return answer({ ok: true });
  }
  if (intent === 'remove') {
    const parsed = parseForm(itemSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase
      .from('watchlist_items')
      .delete()
      .eq('watchlist_id', parsed.data.watchlist_id)
      .eq('symbol', parsed.data.symbol);
    if (error) return answer(dbFailure(parsed.values, error), 400);
    return answer({ ok: true });
  }
  return answer(failure({}, {}, 'Unknown action.'), 400);
}

export default function Watchlists() {
  const { lists, quotes: rows } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const initial = useMemo(() => liveQuotes(rows), [rows]);
  const { quotes, status } = useQuotes(initial);
  const create = formResult(result?.intent === 'create' ? result : undefined);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Watchlists</h1>
        <LiveBadge status={status} />
      </div>
      <section className="panel" aria-labelledby="new-list-h">
        <h2 id="new-list-h">New list</h2>
        <Form method="post" noValidate className="row">
          <input type="hidden" name="intent" value="create" />
          <Field
            name="name"
            id="list-name"
            label="List name"
            maxLength={80}
            defaultValue={create.values.name}
            error={create.errors.name}
          />
          <button type="submit" className="primary">
            Create list
          </button>
        </Form>
        <FormError error={create.formError} />
      </section>
      {lists.length === 0 ? (
        <p className="empty">No watchlists yet. Create one, then add symbols to follow their quotes live.</p>
      ) : null}
      <div className="grid-2">
        {lists.map((l) => {
          const mine = result && result.target === l.id ? result : undefined;
          const add = formResult(mine?.intent === 'add' ? mine : undefined);
          const items = [...l.watchlist_items].sort(
            (a, b) => a.position - b.position || a.symbol.localeCompare(b.symbol),
          );
          return (
            <section key={l.id} className="panel" aria-label={`Watchlist ${l.name}`}>
              <div className="page-head">
                <h2>{l.name}</h2>
                <Form method="post" style={{ marginLeft: 'auto' }}>
                  <input type="hidden" name="intent" value="delete" />
                  <input type="hidden" name="watchlist_id" value={l.id} />
                  <button type="submit" className="danger" aria-label={`Delete list ${l.name}`}>
                    Delete list
                  </button>
                </Form>
              </div>
              {items.length === 0 ? (
                <p className="empty">No symbols on this list yet.</p>
              ) : (
                <table>
                  <TableHead
                    cols={[
                      'Symbol',
                      numCol('Last'),
                      numCol('Bid'),
                      numCol('Ask'),
                      numCol('Day'),
                      hiddenCol('Remove'),
                    ]}
                  />
                  <tbody>
                    {items.map((i) => {
                      const q = quotes[i.symbol];
                      const day =
                        q?.last != null && q.prev_close
                          ? ((q.last - q.prev_close) / q.prev_close) * 100
                          : null;
                      return (
                        <tr key={i.symbol}>
                          <th scope="row">
                            <Link to={`/trade?symbol=${encodeURIComponent(i.symbol)}`}>{i.symbol}</Link>
                          </th>
                          <td className="num">{price(q?.last)}</td>
                          <td className="num">{price(q?.bid)}</td>
                          <td className="num">{price(q?.ask)}</td>
                          <td className={`num ${tone(day)}`}>{percent(day)}</td>
                          <td>
                            <Form method="post">
                              <input type="hidden" name="intent" value="remove" />
                              <input type="hidden" name="watchlist_id" value={l.id} />
                              <input type="hidden" name="symbol" value={i.symbol} />
                              <button
                                type="submit"
                                className="link"
                                aria-label={`Remove ${i.symbol} from ${l.name}`}
                              >
                                Remove
                              </button>
                            </Form>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              <Form method="post" noValidate className="row">
                <input type="hidden" name="intent" value="add" />
                <input type="hidden" name="watchlist_id" value={l.id} />
                <Field
                  name="symbol"
                  id={`add-${l.id}`}
                  label="Add symbol"
                  autoComplete="off"
                  defaultValue={add.values.symbol}
                  error={add.errors.symbol}
                />
                <button type="submit">Add</button>
              </Form>
              <FormError error={add.formError} />
            </section>
          );
        })}
      </div>
    </div>
  );
}
