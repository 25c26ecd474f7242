// The order ticket: form fields checked before anything is sent, then place_order/cancel_order/replace_order,
// whose errors (stable codes in details) come back next to the field they are about.
import { z } from 'zod';
import {
  dbFailure,
  type FormFailure,
  failure,
  optionalPositiveDecimal,
  parseForm,
  symbolField,
} from './forms.server.ts';
import type { Supabase } from './supabase.server.ts';

const ticket = z
  .object({
    symbol: symbolField,
    side: z.enum(['buy', 'sell'], { message: 'Choose buy or sell.' }),
    type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'], {
      message: 'Choose an order type.',
    }),
    time_in_force: z.enum(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls'], { message: 'Choose a time in force.' }),
    order_class: z
      .enum(['simple', 'bracket', 'oco', 'oto'], { message: 'Choose an order class.' })
      .default('simple'),
    sizing: z.enum(['qty', 'notional']).default('qty'),
    qty: optionalPositiveDecimal('quantity'),
    notional: optionalPositiveDecimal('amount'),
    limit_price: optionalPositiveDecimal('limit price'),
    stop_price: optionalPositiveDecimal('stop price'),
    trail_by: z.enum(['price', 'percent']).default('price'),
    trail: optionalPositiveDecimal('trail'),
    take_profit_limit_price: optionalPositiveDecimal('take-profit price'),
    stop_loss_stop_price: optionalPositiveDecimal('stop-loss price'),
    stop_loss_limit_price: optionalPositiveDecimal('stop-loss limit'),
    client_order_id: z.string().max(128).optional(),
  })
  .superRefine((v, ctx) => {
    const need = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (v.sizing === 'qty' && !v.qty) need('qty', 'Enter a quantity.');
    if (v.sizing === 'notional' && !v.notional) need('notional', 'Enter an amount in dollars.');
    if ((v.type === 'limit' || v.type === 'stop_limit') && !v.limit_price)
      need('limit_price', 'Enter a limit price.');
    if ((v.type === 'stop' || v.type === 'stop_limit') && !v.stop_price)
      need('stop_price', 'Enter a stop price.');
    if (v.type === 'trailing_stop' && !v.trail) need('trail', 'Enter how far the stop trails.');
    if (v.order_class === 'bracket') {
      if (!v.take_profit_limit_price) need('take_profit_limit_price', 'A bracket needs a take-profit price.');
      if (!v.stop_loss_stop_price) need('stop_loss_stop_price', 'A bracket needs a stop-loss price.');
    }
    if (v.order_class === 'oco' && !v.stop_loss_stop_price)
      need('stop_loss_stop_price', 'An OCO needs a stop-loss price.');
    if (v.order_class === 'oto' && !v.take_profit_limit_price && !v.stop_loss_stop_price)
      need('take_profit_limit_price', 'Give a take-profit or a stop-loss price.');
  });

export type Ticket = z.infer<typeof ticket>;

/** Where each database error code belongs on the ticket. */
const FIELD_CODES: Record<string, string[]> = {
  symbol: ['unknown_symbol', 'symbol_not_tradable', 'no_quote'],
  qty: [
    'invalid_qty',
    'qty_below_minimum',
    'fractional_not_allowed',
    'qty_required',
    'qty_and_notional',
    'insufficient_position',
  ],
  notional: ['invalid_notional', 'notional_not_allowed'],
  limit_price: ['limit_price_required', 'limit_price_not_allowed'],
  stop_price: ['stop_price_required', 'stop_price_not_allowed'],
  trail: ['trail_required', 'trail_not_allowed', 'invalid_trail_percent'],
  time_in_force: ['invalid_time_in_force', 'time_in_force_not_allowed'],
  order_class: ['invalid_order_class', 'legs_not_allowed'],
  take_profit_limit_price: ['legs_required', 'invalid_legs'],
  trail_price: [],
  trail_percent: [],
  stop_loss_stop_price: [],
  stop_loss_limit_price: [],
};

/** Arguments for place_order: only the fields the chosen type and class use, decimals as strings. */
export function placeArgs(portfolioId: string, t: Ticket) {
  const legs = t.order_class !== 'simple';
  return {
    portfolio_id: portfolioId,
    symbol: t.symbol,
    side: t.side,
    type: t.type,
    time_in_force: t.time_in_force,
    order_class: t.order_class,
    qty: t.sizing === 'qty' ? t.qty : undefined,
    notional: t.sizing === 'notional' ? t.notional : undefined,
    limit_price: t.type === 'limit' || t.type === 'stop_limit' ? t.limit_price : undefined,
    stop_price: t.type === 'stop' || t.type === 'stop_limit' ? t.stop_price : undefined,
    trail_price: t.type === 'trailing_stop' && t.trail_by === 'price' ? t.trail : undefined,
    trail_percent: t.type === 'trailing_stop' && t.trail_by === 'percent' ? t.trail : undefined,
    take_profit_limit_price: legs && t.order_class !== 'oco' ? t.take_profit_limit_price : undefined,
    stop_loss_stop_price: legs ? t.stop_loss_stop_price : undefined,
    stop_loss_limit_price: legs ? t.stop_loss_limit_price : undefined,
    client_order_id: t.client_order_id,
  };
}

export function parseTicket(form: FormData) {
  return parseForm(ticket, form);
}

export interface Preview {
  symbol: string;
  side: 'buy' | 'sell';
  referencePrice: number | null;
  estimatedCost: number | null;
  buyingPower: number;
  buyingPowerAfter: number | null;
  held: number;
}

/** What the order would cost at the current quote, and the buying power left after it. */
export async function previewOrder(
  supabase: Supabase,
  portfolioId: string,
  t: Ticket,
): Promise<Preview | FormFailure> {
  const [quote, valuation, position] = await Promise.all([
    supabase.from('quotes').select('bid, ask, last').eq('symbol', t.symbol).maybeSingle(),
    supabase
      .from('portfolio_valuations')
      .select('buying_power')
      .eq('portfolio_id', portfolioId)
      .maybeSingle(),
    supabase
      .from('positions')
      .select('qty')
      .eq('portfolio_id', portfolioId)
      .eq('symbol', t.symbol)
      .maybeSingle(),
  ]);
  if (!quote.data) return failure({}, { symbol: `No quote for ${t.symbol} yet.` });
  const q = quote.data;
  const market = t.side === 'buy' ? (q.ask ?? q.last) : (q.bid ?? q.last);
  const ref =
    t.type === 'limit' || t.type === 'stop_limit'
      ? Number(t.limit_price)
      : t.type === 'stop'
        ? t.side === 'buy'
          ? Math.max(Number(market), Number(t.stop_price))
          : Number(t.stop_price)
        : market === null
          ? null
          : Number(market);
  const cost = t.sizing === 'notional' ? Number(t.notional) : ref === null ? null : Number(t.qty) * ref;
  const bp = Number(valuation.data?.buying_power ?? 0);
  return {
    symbol: t.symbol,
    side: t.side,
    referencePrice: ref,
    estimatedCost: cost,
    buyingPower: bp,
    buyingPowerAfter: cost === null ? null : t.side === 'buy' ? bp - cost : bp,
    held: Number(position.data?.qty ?? 0),
  };
}

export async function placeOrder(
  supabase: Supabase,
  portfolioId: string,
  t: Ticket,
  values: Record<string, string>,
) {
  const { data, error } = await supabase.rpc('place_order', placeArgs(portfolioId, t) as never);
  if (error) return dbFailure(values, error, FIELD_CODES);
  return { ok: true as const, order: data as unknown as { id: string; status: string; symbol: string } };
}

const replace = z.object({
  order_id: z.uuid({ message: 'Choose an order.' }),
  qty: optionalPositiveDecimal('quantity'),
  limit_price: optionalPositiveDecimal('limit price'),
  stop_price: optionalPositiveDecimal('stop price'),
});

export async function replaceOrder(supabase: Supabase, form: FormData) {
  const parsed = parseForm(replace, form);
  if (!parsed.ok) return parsed;
  const { order_id, ...changes } = parsed.data;
  if (!changes.qty && !changes.limit_price && !changes.stop_price)
    return failure(parsed.values, { qty: 'Change the quantity or a price.' });
  const { data, error } = await supabase.rpc('replace_order', { order_id, ...changes } as never);
  if (error) return dbFailure(parsed.values, error, FIELD_CODES);
  return { ok: true as const, replaced: order_id, order: data as unknown as { id: string; status: string } };
}

export async function cancelOrder(supabase: Supabase, form: FormData) {
  const parsed = parseForm(z.object({ order_id: z.uuid({ message: 'Choose an order.' }) }), form);
  if (!parsed.ok) return parsed;
  const { data, error } = await supabase.rpc('cancel_order', { order_id: parsed.data.order_id });
  if (error) return dbFailure(parsed.values, error, {});
  return {
    ok: true as const,
    canceled: parsed.data.order_id,
    order: data as unknown as { id: string; status: string },
  };
}
