-- The paper broker's matching engine: fills open orders against the latest quote as a broker would
-- (marketable orders at the bid/ask, limits once crossed, stops once triggered, trailing stops following the
-- high-water mark), each quote's size offered to an order once, and applies every fill to cash, position
-- and order in the same transaction. Runs under the portfolio row lock, then the order row lock, the same
-- order placement and cancel take, so a fill and a cancel or two fills can never interleave.

create function private.apply_fill(p_order public.orders, p_qty numeric, p_price numeric, p_quote public.quotes)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_fill_id bigint;
  v_cost numeric := p_qty * p_price;
  v_pos public.positions;
  v_filled numeric := p_order.filled_qty + p_qty;
  v_filled_notional numeric := p_order.filled_notional + v_cost;
  v_done boolean;
  v_status text;
begin
  insert into public.fills (order_id, portfolio_id, user_id, symbol, side, qty, price, quote_bid, quote_ask, quote_last, quote_ts)
  values (p_order.id, p_order.portfolio_id, p_order.user_id, p_order.symbol, p_order.side, p_qty, p_price,
    p_quote.bid, p_quote.ask, p_quote.last, p_quote.quote_ts)
  returning id into v_fill_id;

  insert into public.cash_ledger (portfolio_id, user_id, kind, amount, fill_id, note)
  values (p_order.portfolio_id, p_order.user_id, 'trade', case p_order.side when 'buy' then -v_cost else v_cost end,
    v_fill_id, format('%s %s %s @ %s', p_order.side, p_qty, p_order.symbol, p_price));

  select * into v_pos from public.positions
  where portfolio_id = p_order.portfolio_id and symbol = p_order.symbol for update;
  if p_order.side = 'buy' then
    if not found then
      insert into public.positions (portfolio_id, symbol, user_id, qty, avg_cost, cost_basis)
      values (p_order.portfolio_id, p_order.symbol, p_order.user_id, p_qty, p_price, v_cost);
    else
      update public.positions
      set qty = v_pos.qty + p_qty,
          cost_basis = v_pos.cost_basis + v_cost,
          avg_cost = (v_pos.cost_basis + v_cost) / (v_pos.qty + p_qty),
          opened_at = case when v_pos.qty = 0 then now() else v_pos.opened_at end,
          updated_at = now()
      where portfolio_id = p_order.portfolio_id and symbol = p_order.symbol;
    end if;
  else
    update public.positions
    set qty = v_pos.qty - p_qty,
        cost_basis = case when v_pos.qty = p_qty then 0 else v_pos.avg_cost * (v_pos.qty - p_qty) end,
        avg_cost = case when v_pos.qty = p_qty then 0 else v_pos.avg_cost end,
        realized_pnl = v_pos.realized_pnl + (p_price - v_pos.avg_cost) * p_qty,
        updated_at = now()
    where portfolio_id = p_order.portfolio_id and symbol = p_order.symbol;
  end if;

  v_done := case when p_order.notional is not null
    then p_order.notional - v_filled_notional < 0.01 else v_filled >= p_order.qty end;
  v_status := case when v_done then 'filled' else 'partially_filled' end;
  insert into public.order_events (order_id, portfolio_id, user_id, event, status, qty, price, fill_id)
  values (p_order.id, p_order.portfolio_id, p_order.user_id, 'fill', v_status, p_qty, p_price, v_fill_id);
  update public.orders
  set filled_qty = v_filled,
      filled_notional = v_filled_notional,
      filled_avg_price = v_filled_notional / v_filled,
      status = v_status,
      filled_at = case when v_done then now() end,
      reserved_cash = case
        when v_done or p_order.side = 'sell' then 0
        when p_order.notional is not null then p_order.notional - v_filled_notional
        else (p_order.qty - v_filled) * p_order.reservation_price end,
      last_matched_quote_ts = p_quote.quote_ts
  where id = p_order.id;

  if v_done then
    update public.orders set status = 'new', qty = v_filled
    where parent_order_id = p_order.id and status = 'held';
  end if;
  if p_order.oco_group is not null then
    perform private.close_order(id, 'canceled', 'oco_sibling_filled') from public.orders
    where oco_group = p_order.oco_group and id <> p_order.id and private.is_open_status(status);
  end if;
  return v_fill_id;
end
$$;
comment on function private.apply_fill(public.orders, numeric, numeric, public.quotes) is
  'Records one fill and applies it: cash ledger entry, position (average cost, realized P&L), order progress, legs.';

create function private.match_order(p_order_id uuid) returns integer
language plpgsql
set search_path = ''
as $$
declare
  o public.orders;
  q public.quotes;
  v_inst public.instruments;
  v_ref numeric;
  v_price numeric;
  v_trail numeric;
  v_remaining numeric;
  v_available numeric;
  v_qty numeric;
  v_is_limit boolean;
begin
  select * into o from public.orders where id = p_order_id for update;
  if not found or o.status not in ('new', 'accepted', 'partially_filled') then
    return 0;
  end if;
  select * into q from public.quotes where symbol = o.symbol;
  if not found or (o.last_matched_quote_ts is not null and q.quote_ts <= o.last_matched_quote_ts) then
    return 0;
  end if;
  if o.expires_at is not null and q.quote_ts >= o.expires_at then
    perform private.close_order(o.id, 'expired', 'time_in_force');
    return 0;
  end if;
  if o.eligible_from is not null and q.quote_ts < o.eligible_from then
    return 0;
  end if;

  -- Stops trigger on the last trade (else the side's quote); trailing stops first move with the price.
  v_ref := coalesce(q.last, case o.side when 'buy' then q.ask else q.bid end);
  if o.type = 'trailing_stop' and o.triggered_at is null and v_ref is not null then
    if (o.side = 'sell' and v_ref > o.hwm) or (o.side = 'buy' and v_ref < o.hwm) then
      v_trail := coalesce(o.trail_price, v_ref * o.trail_percent / 100);
      update public.orders
      set hwm = v_ref, stop_price = case o.side when 'sell' then v_ref - v_trail else v_ref + v_trail end
      where id = o.id
      returning * into o;
    end if;
  end if;
  if o.type in ('stop', 'stop_limit', 'trailing_stop') and o.triggered_at is null then
    if v_ref is null or (o.side = 'buy' and v_ref < o.stop_price) or (o.side = 'sell' and v_ref > o.stop_price) then
      return 0;
    end if;
    update public.orders set triggered_at = now() where id = o.id returning * into o;
    insert into public.order_events (order_id, portfolio_id, user_id, event, status, price)
    values (o.id, o.portfolio_id, o.user_id, 'triggered', o.status, v_ref);
  end if;

  v_is_limit := o.type in ('limit', 'stop_limit');
  v_price := case o.side when 'buy' then q.ask else q.bid end;
  if v_price is null or v_price <= 0
     or (v_is_limit and o.side = 'buy' and v_price > o.limit_price)
     or (v_is_limit and o.side = 'sell' and v_price < o.limit_price) then
    return 0;
  end if;

  select * into v_inst from public.instruments where symbol = o.symbol;
  v_remaining := case when o.notional is not null
    then trunc((o.notional - o.filled_notional) / v_price, 9)
    else o.qty - o.filled_qty end;
  v_available := nullif(case o.side when 'buy' then q.ask_size else q.bid_size end, 0);
  v_qty := least(v_remaining, coalesce(v_available, v_remaining));
  if not v_inst.fractionable then
    v_qty := trunc(v_qty / v_inst.lot_size) * v_inst.lot_size;
  end if;
  if v_qty <= 0 then
    return 0;
  end if;
  if o.time_in_force = 'fok' and v_qty < v_remaining then
    perform private.close_order(o.id, 'canceled', 'fok_unfillable');
    return 0;
  end if;

  -- A fill within the order's own reservation is covered by construction (cash never drops below what open
  -- orders reserve). Beyond it (a stop triggering above its reservation price) the ledger decides: cash
  -- must never go below zero, nor may a sell deliver shares that are gone.
  if o.side = 'buy' and v_qty * v_price > o.reserved_cash
     and v_qty * v_price > private.cash_balance(o.portfolio_id)
       - coalesce((select sum(reserved_cash) from public.orders
                   where portfolio_id = o.portfolio_id and id <> o.id
                     and status in ('new', 'accepted', 'partially_filled')), 0) then
    perform private.close_order(o.id, 'canceled', 'insufficient_buying_power');
    return 0;
  end if;
  if o.side = 'sell' and v_qty > coalesce((select qty from public.positions
                                           where portfolio_id = o.portfolio_id and symbol = o.symbol), 0) then
    perform private.close_order(o.id, 'canceled', 'insufficient_position');
    return 0;
  end if;

  perform private.apply_fill(o, v_qty, v_price, q);
  return 1;
end
$$;
comment on function private.match_order(uuid) is
  'Matches one open order against its symbol''s latest quote; returns 1 if it filled (partly or fully). Caller holds the portfolio lock.';

create function private.expire_orders(p_now timestamptz default now()) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  n integer := 0;
begin
  perform 1 from public.portfolios
  where id in (select portfolio_id from public.orders
               where expires_at <= p_now and status in ('new', 'accepted', 'partially_filled', 'held'))
  order by id
  for update;
  for r in
    select id from public.orders
    where expires_at <= p_now and status in ('new', 'accepted', 'partially_filled', 'held')
    order by created_at, id
  loop
    if private.close_order(r.id, 'expired', 'time_in_force') then
      n := n + 1;
    end if;
  end loop;
  return n;
end
$$;
comment on function private.expire_orders(timestamptz) is 'Expires open orders whose time in force has run out (e.g. day orders after the close); returns how many.';

create or replace function private.process_market_update(p_symbols text[])
returns table (orders_filled integer, alerts_triggered integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  v_filled integer := 0;
  v_alerts integer := 0;
begin
  -- Lock every affected portfolio first, in id order, then each order (portfolio before order, as placement
  -- and cancel do): concurrent batches over overlapping portfolios wait for each other instead of
  -- deadlocking, and a cancel or placement never interleaves with a fill.
  perform 1 from public.portfolios
  where id in (select o.portfolio_id from public.orders o
               where o.symbol = any (p_symbols) and o.status in ('new', 'accepted', 'partially_filled'))
  order by id
  for update;
  for r in
    select o.id from public.orders o
    where o.symbol = any (p_symbols) and o.status in ('new', 'accepted', 'partially_filled')
    order by o.created_at, o.id
  loop
    v_filled := v_filled + private.match_order(r.id);
  end loop;
  return query select v_filled, v_alerts;
end
$$;

revoke execute on function
  private.apply_fill(public.orders, numeric, numeric, public.quotes), private.match_order(uuid),
  private.expire_orders(timestamptz)
  from public, anon, authenticated;
grant execute on function private.expire_orders(timestamptz) to service_role;
