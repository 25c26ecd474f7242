-- Orders, their lifecycle log, fills and positions. Orders are placed, canceled and replaced only through
-- RPCs that validate them against the instrument's rules and the portfolio's buying power under a row lock;
-- fills, positions and cash are written only by the matching engine (next migration). Clients read their own
-- rows and can set nothing on them directly.

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  client_order_id text not null check (char_length(client_order_id) between 1 and 128),
  symbol text not null references public.instruments (symbol),
  side text not null check (side in ('buy', 'sell')),
  type text not null check (type in ('market', 'limit', 'stop', 'stop_limit', 'trailing_stop')),
  time_in_force text not null check (time_in_force in ('day', 'gtc', 'ioc', 'fok', 'opg', 'cls')),
  order_class text not null default 'simple' check (order_class in ('simple', 'bracket', 'oco', 'oto')),
  leg text check (leg in ('take_profit', 'stop_loss')),
  parent_order_id uuid references public.orders (id) on delete cascade,
  oco_group uuid,
  qty numeric check (qty > 0),
  notional numeric check (notional > 0),
  limit_price numeric check (limit_price > 0),
  stop_price numeric check (stop_price > 0),
  trail_price numeric check (trail_price > 0),
  trail_percent numeric check (trail_percent > 0 and trail_percent < 100),
  hwm numeric,
  take_profit_limit_price numeric,
  stop_loss_stop_price numeric,
  stop_loss_limit_price numeric,
  status text not null check (status in (
    'new', 'accepted', 'held', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected', 'replaced',
    'pending_cancel', 'pending_replace')),
  status_reason text,
  filled_qty numeric not null default 0,
  filled_notional numeric not null default 0,
  filled_avg_price numeric,
  reservation_price numeric,
  reserved_cash numeric not null default 0,
  replaces uuid references public.orders (id),
  replaced_by uuid references public.orders (id),
  eligible_from timestamptz,
  expires_at timestamptz,
  triggered_at timestamptz,
  last_matched_quote_ts timestamptz,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default now(),
  filled_at timestamptz,
  canceled_at timestamptz,
  expired_at timestamptz,
  unique (portfolio_id, client_order_id),
  check (num_nonnulls(qty, notional) = 1)
);
create index orders_portfolio_idx on public.orders (portfolio_id, created_at desc);
create index orders_open_by_symbol_idx on public.orders (symbol, created_at)
  where status in ('new', 'accepted', 'partially_filled');
create index orders_parent_idx on public.orders (parent_order_id) where parent_order_id is not null;
create index orders_oco_group_idx on public.orders (oco_group) where oco_group is not null;
comment on table public.orders is 'Orders placed on a paper portfolio; changed only by place_order, cancel_order, replace_order and the matching engine.';
comment on column public.orders.client_order_id is 'The client''s idempotency key, unique per portfolio: resubmitting it returns the first order.';
comment on column public.orders.side is 'buy or sell (a cash account: sells are limited to the position held).';
comment on column public.orders.type is 'market, limit, stop, stop_limit or trailing_stop.';
comment on column public.orders.time_in_force is 'day (until the 16:00 New York close), gtc, ioc (fill what is possible now, cancel the rest), fok (all now or nothing), opg (at the opening quote), cls (at the closing quote).';
comment on column public.orders.order_class is 'simple, bracket (entry + take-profit + stop-loss), oco (limit + stop, one cancels the other) or oto (entry + one exit).';
comment on column public.orders.leg is 'For exit legs: take_profit or stop_loss.';
comment on column public.orders.parent_order_id is 'The order that created this leg.';
comment on column public.orders.oco_group is 'Orders sharing it cancel each other once one fills.';
comment on column public.orders.qty is 'Quantity ordered (fractional only where the instrument is fractionable); null for notional orders.';
comment on column public.orders.notional is 'Amount of money to trade instead of a quantity (market orders, fractionable instruments).';
comment on column public.orders.limit_price is 'Worst acceptable price for limit and stop_limit orders.';
comment on column public.orders.stop_price is 'Trigger price for stop and stop_limit orders; for trailing stops the current trailing trigger.';
comment on column public.orders.trail_price is 'Trailing distance in price units.';
comment on column public.orders.trail_percent is 'Trailing distance in percent of the high-water mark.';
comment on column public.orders.hwm is 'Trailing stops: highest (sell) or lowest (buy) last price seen since placement.';
comment on column public.orders.take_profit_limit_price is 'Bracket/OTO/OCO: limit price of the take-profit leg.';
comment on column public.orders.stop_loss_stop_price is 'Bracket/OTO/OCO: stop price of the stop-loss leg.';
comment on column public.orders.stop_loss_limit_price is 'Bracket/OTO/OCO: optional limit price making the stop-loss leg a stop_limit.';
comment on column public.orders.status is 'Lifecycle state; every change is recorded in order_events.';
comment on column public.orders.status_reason is 'Why the order was canceled, expired or rejected by the system (e.g. insufficient_buying_power).';
comment on column public.orders.filled_qty is 'Quantity filled so far.';
comment on column public.orders.filled_notional is 'Money traded so far (sum of fill qty x price).';
comment on column public.orders.filled_avg_price is 'Volume-weighted average fill price.';
comment on column public.orders.reservation_price is 'Price per unit used to reserve cash for an open buy order.';
comment on column public.orders.reserved_cash is 'Cash held back from buying power for the unfilled part of an open buy order.';
comment on column public.orders.replaces is 'The order this one replaced.';
comment on column public.orders.replaced_by is 'The order that replaced this one.';
comment on column public.orders.eligible_from is 'Earliest quote time the order may fill at (opg: the next open, cls: the minute before the close).';
comment on column public.orders.expires_at is 'When an unfilled order expires (day: the next close; opg/cls: the end of their auction minute).';
comment on column public.orders.triggered_at is 'When a stop, stop_limit or trailing stop was triggered.';
comment on column public.orders.last_matched_quote_ts is 'Quote time last matched: each quote''s size is offered to an order once.';

create table public.order_events (
  id bigint generated always as identity primary key,
  order_id uuid not null references public.orders (id) on delete cascade,
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  event text not null,
  status text not null,
  qty numeric,
  price numeric,
  fill_id bigint,
  reason text,
  created_at timestamptz not null default clock_timestamp()
);
create index order_events_order_idx on public.order_events (order_id, id);
comment on table public.order_events is 'Every lifecycle transition of every order (new, accepted, held, triggered, fill, partially_filled, filled, canceled, expired, replaced...).';
comment on column public.order_events.event is 'What happened: a status the order entered, or fill / triggered.';
comment on column public.order_events.status is 'The order''s status after the event.';
comment on column public.order_events.qty is 'For fills: the quantity filled.';
comment on column public.order_events.price is 'For fills: the price; for triggers: the price that triggered.';
comment on column public.order_events.fill_id is 'For fills: the fill.';
comment on column public.order_events.reason is 'Why (e.g. canceled by user, insufficient_buying_power, fok_unfillable).';

create table public.fills (
  id bigint generated always as identity primary key,
  order_id uuid not null references public.orders (id) on delete cascade,
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  symbol text not null references public.instruments (symbol),
  side text not null check (side in ('buy', 'sell')),
  qty numeric not null check (qty > 0),
  price numeric not null check (price > 0),
  quote_bid numeric,
  quote_ask numeric,
  quote_last numeric,
  quote_ts timestamptz not null,
  created_at timestamptz not null default now()
);
create index fills_order_idx on public.fills (order_id);
create index fills_portfolio_idx on public.fills (portfolio_id, created_at);
comment on table public.fills is 'Executions: each records the quote it was priced from. Positions and cash follow from fills.';
comment on column public.fills.price is 'Execution price: the ask for buys, the bid for sells.';
comment on column public.fills.quote_bid is 'Bid of the quote the fill used.';
comment on column public.fills.quote_ask is 'Ask of the quote the fill used.';
comment on column public.fills.quote_last is 'Last trade price of the quote the fill used.';
comment on column public.fills.quote_ts is 'Exchange time of the quote the fill used.';

create table public.positions (
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  symbol text not null references public.instruments (symbol),
  user_id uuid not null references auth.users (id) on delete cascade,
  qty numeric not null default 0 check (qty >= 0),
  avg_cost numeric not null default 0,
  cost_basis numeric not null default 0,
  realized_pnl numeric not null default 0,
  opened_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (portfolio_id, symbol)
);
comment on table public.positions is 'Holdings per portfolio and symbol, maintained by the database from fills (average cost method).';
comment on column public.positions.qty is 'Quantity held (long only).';
comment on column public.positions.avg_cost is 'Average cost per unit of the quantity held.';
comment on column public.positions.cost_basis is 'qty x avg_cost.';
comment on column public.positions.realized_pnl is 'Profit or loss realized by sells: (sell price - avg_cost) x qty, summed.';

alter table public.orders enable row level security;
alter table public.order_events enable row level security;
alter table public.fills enable row level security;
alter table public.positions enable row level security;

create policy orders_owner_select on public.orders
  for select to authenticated using ((select auth.uid()) = user_id);
create policy order_events_owner_select on public.order_events
  for select to authenticated using ((select auth.uid()) = user_id);
create policy fills_owner_select on public.fills
  for select to authenticated using ((select auth.uid()) = user_id);
create policy positions_owner_select on public.positions
  for select to authenticated using ((select auth.uid()) = user_id);

revoke all on public.orders, public.order_events, public.fills, public.positions from anon, authenticated;
grant select on public.orders, public.order_events, public.fills, public.positions to authenticated;

create trigger orders_touch_updated_at
  before update on public.orders
  for each row execute function private.touch_updated_at();

create function private.record_order_status() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into public.order_events (order_id, portfolio_id, user_id, event, status, reason)
    values (new.id, new.portfolio_id, new.user_id, new.status, new.status, new.status_reason);
  end if;
  return null;
end
$$;
comment on function private.record_order_status() is 'Trigger: logs every status an order enters into order_events.';

create trigger orders_record_status
  after insert or update of status on public.orders
  for each row execute function private.record_order_status();

create function private.session_boundary(p_after timestamptz, p_local time) returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
  v_day date := (p_after at time zone 'America/New_York')::date;
  v_ts timestamptz;
begin
  -- Weekdays only; exchange holidays are not modelled.
  loop
    v_ts := (v_day + p_local) at time zone 'America/New_York';
    if v_ts > p_after and extract(isodow from v_day) < 6 then
      return v_ts;
    end if;
    v_day := v_day + 1;
  end loop;
end
$$;
comment on function private.session_boundary(timestamptz, time) is
  'The first weekday New York local time p_local after p_after (e.g. the next 09:30 open or 16:00 close).';

create function private.is_open_status(p_status text) returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_status in ('new', 'accepted', 'held', 'partially_filled', 'pending_cancel', 'pending_replace')
$$;
comment on function private.is_open_status(text) is 'Whether an order in this status can still fill or be canceled.';

create function private.buying_power(p_portfolio_id uuid) returns numeric
language sql
stable
set search_path = ''
as $$
  select private.cash_balance(p_portfolio_id)
    - coalesce((select sum(reserved_cash) from public.orders
                where portfolio_id = p_portfolio_id and status in ('new', 'accepted', 'partially_filled')), 0)
$$;
comment on function private.buying_power(uuid) is 'Cash less what open buy orders reserve.';

create function private.sellable_qty(p_portfolio_id uuid, p_symbol text, p_exclude uuid default null) returns numeric
language sql
stable
set search_path = ''
as $$
  -- Orders of one OCO group sell the same shares, so a group counts once (its largest remainder).
  select coalesce((select qty from public.positions where portfolio_id = p_portfolio_id and symbol = p_symbol), 0)
    - coalesce((
        select sum(remaining) from (
          select max(coalesce(o.qty - o.filled_qty, 0)) as remaining
          from public.orders o
          where o.portfolio_id = p_portfolio_id and o.symbol = p_symbol and o.side = 'sell'
            and o.status in ('new', 'accepted', 'partially_filled')
            and o.id is distinct from p_exclude
          group by coalesce(o.oco_group, o.id)
        ) g), 0)
$$;
comment on function private.sellable_qty(uuid, text, uuid) is 'Position quantity not already promised to open sell orders.';

create function private.order_fail_if(p_condition boolean, p_code text, p_message text) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_condition then
    perform private.fail(p_code, p_message, '22023');
  end if;
end
$$;
comment on function private.order_fail_if(boolean, text, text) is 'Raises the invalid-input error p_code when p_condition holds.';

create function private.check_price(p_price numeric, p_tick numeric, p_what text) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  perform private.check_amount(p_price, 'invalid_price', p_what);
  if p_price is not null and mod(p_price, p_tick) <> 0 then
    perform private.fail('price_off_tick', format('%s %s is not a multiple of the tick size %s.', p_what, p_price, p_tick), '22023');
  end if;
end
$$;
comment on function private.check_price(numeric, numeric, text) is 'Raises invalid_price or price_off_tick for a price that is not a positive multiple of the tick.';

-- The core of placement, shared by place_order and replace_order. Runs with the portfolio row locked.
create function private.submit_order(
  p_portfolio public.portfolios,
  p_symbol text, p_side text, p_type text, p_time_in_force text,
  p_qty numeric, p_notional numeric, p_limit_price numeric, p_stop_price numeric,
  p_trail_price numeric, p_trail_percent numeric, p_client_order_id text, p_order_class text,
  p_take_profit_limit_price numeric, p_stop_loss_stop_price numeric, p_stop_loss_limit_price numeric,
  p_replaces uuid default null
) returns public.orders
language plpgsql
set search_path = ''
as $$
declare
  v_inst public.instruments;
  v_quote public.quotes;
  v_order public.orders;
  v_now timestamptz := now();
  v_eligible timestamptz;
  v_expires timestamptz;
  v_status text := 'new';
  v_ref numeric;
  v_need numeric;
  v_bp numeric;
  v_group uuid;
  v_leg_status text;
  v_stop numeric;
  v_hwm numeric;
begin
  -- Stateless validation first: nothing is read or written for malformed input.
  perform private.order_fail_if(p_side is null or p_side not in ('buy', 'sell'), 'invalid_side', 'side must be buy or sell.');
  perform private.order_fail_if(p_type is null or p_type not in ('market', 'limit', 'stop', 'stop_limit', 'trailing_stop'),
    'invalid_type', 'type must be market, limit, stop, stop_limit or trailing_stop.');
  perform private.order_fail_if(p_time_in_force is null or p_time_in_force not in ('day', 'gtc', 'ioc', 'fok', 'opg', 'cls'),
    'invalid_time_in_force', 'time_in_force must be day, gtc, ioc, fok, opg or cls.');
  perform private.order_fail_if(p_order_class is null or p_order_class not in ('simple', 'bracket', 'oco', 'oto'),
    'invalid_order_class', 'order_class must be simple, bracket, oco or oto.');
  perform private.order_fail_if(p_qty is not null and p_notional is not null, 'qty_and_notional', 'Give either qty or notional, not both.');
  perform private.order_fail_if(p_qty is null and p_notional is null, 'qty_required', 'Give qty or notional.');
  perform private.check_amount(p_qty, 'invalid_qty', 'qty');
  perform private.check_amount(p_notional, 'invalid_notional', 'notional');
  perform private.order_fail_if(p_client_order_id is not null and char_length(p_client_order_id) not between 1 and 128,
    'invalid_client_order_id', 'client_order_id must be 1 to 128 characters.');
  perform private.order_fail_if(p_type in ('limit', 'stop_limit') and p_limit_price is null, 'limit_price_required', 'A limit or stop_limit order needs limit_price.');
  perform private.order_fail_if(p_type not in ('limit', 'stop_limit') and p_limit_price is not null, 'limit_price_not_allowed', 'Only limit and stop_limit orders take limit_price.');
  perform private.order_fail_if(p_type in ('stop', 'stop_limit') and p_stop_price is null, 'stop_price_required', 'A stop or stop_limit order needs stop_price.');
  perform private.order_fail_if(p_type not in ('stop', 'stop_limit') and p_stop_price is not null, 'stop_price_not_allowed', 'Only stop and stop_limit orders take stop_price.');
  perform private.order_fail_if(p_type = 'trailing_stop' and num_nonnulls(p_trail_price, p_trail_percent) <> 1,
    'trail_required', 'A trailing_stop order needs exactly one of trail_price or trail_percent.');
  perform private.order_fail_if(p_type <> 'trailing_stop' and num_nonnulls(p_trail_price, p_trail_percent) > 0,
    'trail_not_allowed', 'Only trailing_stop orders take trail_price or trail_percent.');
  perform private.check_amount(p_trail_price, 'invalid_price', 'trail_price');
  perform private.check_amount(p_trail_percent, 'invalid_trail_percent', 'trail_percent');
  perform private.order_fail_if(p_trail_percent >= 100, 'invalid_trail_percent', 'trail_percent must be below 100.');
  perform private.order_fail_if(p_time_in_force in ('opg', 'cls') and p_type not in ('market', 'limit'),
    'time_in_force_not_allowed', 'opg and cls apply to market and limit orders only.');
  perform private.order_fail_if(p_notional is not null and (p_type <> 'market' or p_order_class <> 'simple'),
    'notional_not_allowed', 'notional is accepted for simple market orders only.');

  select * into v_inst from public.instruments where symbol = upper(trim(p_symbol));
  perform private.order_fail_if(not found, 'unknown_symbol', format('Unknown symbol %s.', p_symbol));
  perform private.order_fail_if(not v_inst.tradable, 'symbol_not_tradable', format('%s is not tradable.', v_inst.symbol));
  perform private.order_fail_if(p_notional is not null and not v_inst.fractionable, 'notional_not_allowed',
    format('%s is not fractionable: order a whole quantity.', v_inst.symbol));
  if p_qty is not null then
    perform private.order_fail_if(scale(p_qty) > 9, 'invalid_qty', 'qty has more than 9 decimal places.');
    perform private.order_fail_if(p_qty < v_inst.min_qty, 'qty_below_minimum',
      format('qty %s is below the minimum %s for %s.', p_qty, v_inst.min_qty, v_inst.symbol));
    perform private.order_fail_if(not v_inst.fractionable and mod(p_qty, v_inst.lot_size) <> 0, 'fractional_not_allowed',
      format('%s trades in lots of %s.', v_inst.symbol, v_inst.lot_size));
  end if;
  perform private.check_price(p_limit_price, v_inst.tick_size, 'limit_price');
  perform private.check_price(p_stop_price, v_inst.tick_size, 'stop_price');
  perform private.check_price(p_trail_price, v_inst.tick_size, 'trail_price');
  perform private.check_price(p_take_profit_limit_price, v_inst.tick_size, 'take_profit_limit_price');
  perform private.check_price(p_stop_loss_stop_price, v_inst.tick_size, 'stop_loss_stop_price');
  perform private.check_price(p_stop_loss_limit_price, v_inst.tick_size, 'stop_loss_limit_price');

  if p_order_class = 'simple' then
    perform private.order_fail_if(num_nonnulls(p_take_profit_limit_price, p_stop_loss_stop_price, p_stop_loss_limit_price) > 0,
      'legs_not_allowed', 'Only bracket, oco and oto orders take take_profit / stop_loss prices.');
  elsif p_order_class in ('bracket', 'oto') then
    perform private.order_fail_if(p_side <> 'buy' or p_type not in ('market', 'limit') or p_time_in_force not in ('day', 'gtc'),
      'invalid_order_class', 'bracket and oto entries are day or gtc market or limit buys.');
    perform private.order_fail_if(p_order_class = 'bracket' and (p_take_profit_limit_price is null or p_stop_loss_stop_price is null),
      'legs_required', 'A bracket order needs take_profit_limit_price and stop_loss_stop_price.');
    perform private.order_fail_if(p_order_class = 'oto' and num_nonnulls(p_take_profit_limit_price, p_stop_loss_stop_price) <> 1,
      'legs_required', 'An oto order needs exactly one of take_profit_limit_price or stop_loss_stop_price.');
  else -- oco: a limit sell (take profit) and a stop sell (stop loss) on shares already held
    perform private.order_fail_if(p_side <> 'sell' or p_type <> 'limit' or p_time_in_force not in ('day', 'gtc'),
      'invalid_order_class', 'An oco order is a day or gtc limit sell (the take profit) with a stop loss.');
    perform private.order_fail_if(p_stop_loss_stop_price is null or p_take_profit_limit_price is not null,
      'legs_required', 'An oco order needs stop_loss_stop_price (its limit_price is the take profit).');
  end if;
  perform private.order_fail_if(p_stop_loss_limit_price is not null and p_stop_loss_stop_price is null,
    'legs_required', 'stop_loss_limit_price needs stop_loss_stop_price.');
  perform private.order_fail_if(
    coalesce(p_take_profit_limit_price, p_limit_price) <= p_stop_loss_stop_price and p_order_class in ('bracket', 'oco'),
    'invalid_legs', 'The take profit must be above the stop loss.');

  select * into v_quote from public.quotes where symbol = v_inst.symbol;

  -- Times in force.
  if p_time_in_force = 'day' and v_inst.asset_class <> 'crypto' then
    v_expires := private.session_boundary(v_now, '16:00');
  elsif p_time_in_force = 'opg' then
    v_eligible := private.session_boundary(v_now, '09:30');
    v_expires := v_eligible + interval '1 minute';
    v_status := 'accepted';
  elsif p_time_in_force = 'cls' then
    v_eligible := private.session_boundary(v_now, '15:59');
    v_expires := v_eligible + interval '1 minute';
    v_status := 'accepted';
  end if;

  -- Trailing stops start from the current price.
  if p_type = 'trailing_stop' then
    v_hwm := coalesce(v_quote.last, case p_side when 'sell' then v_quote.bid else v_quote.ask end);
    perform private.order_fail_if(v_hwm is null, 'no_quote', format('No quote for %s yet.', v_inst.symbol));
    v_stop := case p_side
      when 'sell' then v_hwm - coalesce(p_trail_price, v_hwm * p_trail_percent / 100)
      else v_hwm + coalesce(p_trail_price, v_hwm * p_trail_percent / 100) end;
  else
    v_stop := p_stop_price;
  end if;

  if p_side = 'buy' then
    -- Cash reserved per unit: the limit, else the worse of the ask and the stop.
    v_ref := coalesce(p_limit_price, greatest(v_quote.ask, v_stop));
    perform private.order_fail_if(v_ref is null or v_ref <= 0, 'no_quote', format('No quote for %s yet.', v_inst.symbol));
    v_need := coalesce(p_notional, p_qty * v_ref);
  else
    perform private.order_fail_if(p_notional is not null and coalesce(v_quote.bid, 0) = 0, 'no_quote',
      format('No quote for %s yet.', v_inst.symbol));
    v_need := 0;
  end if;

  if p_order_class = 'oco' then
    v_group := gen_random_uuid();
  end if;

  insert into public.orders (
    portfolio_id, user_id, client_order_id, symbol, side, type, time_in_force, order_class, leg, oco_group,
    qty, notional, limit_price, stop_price, trail_price, trail_percent, hwm,
    take_profit_limit_price, stop_loss_stop_price, stop_loss_limit_price,
    status, reservation_price, reserved_cash, replaces, eligible_from, expires_at)
  values (
    p_portfolio.id, p_portfolio.user_id, coalesce(p_client_order_id, gen_random_uuid()::text), v_inst.symbol, p_side,
    p_type, p_time_in_force, p_order_class, case when p_order_class = 'oco' then 'take_profit' end, v_group,
    p_qty, p_notional, p_limit_price, v_stop, p_trail_price, p_trail_percent, v_hwm,
    p_take_profit_limit_price, p_stop_loss_stop_price, p_stop_loss_limit_price,
    v_status, case when p_side = 'buy' then v_ref end, v_need, p_replaces, v_eligible, v_expires)
  on conflict (portfolio_id, client_order_id) do nothing
  returning * into v_order;
  if v_order.id is null then
    -- Insert-or-noop: a retried submit (same client_order_id) returns the first order untouched.
    select * into v_order from public.orders where portfolio_id = p_portfolio.id and client_order_id = p_client_order_id;
    return v_order;
  end if;

  -- The new order now counts in its portfolio's reservations; under the portfolio lock, a negative remainder
  -- means it does not fit, and raising rolls the insert back.
  if p_side = 'buy' then
    v_bp := private.buying_power(p_portfolio.id);
    if v_bp < 0 then
      perform private.fail('insufficient_buying_power',
        format('Order needs %s but buying power is %s.', round(v_need, 2), round(v_bp + v_need, 2)), 'P0001');
    end if;
  else
    v_bp := private.sellable_qty(p_portfolio.id, v_inst.symbol)
      - coalesce(trunc(p_notional / nullif(v_quote.bid, 0), 9), 0);
    if v_bp < 0 then
      perform private.fail('insufficient_position',
        format('Cannot sell %s %s: only %s available.', coalesce(p_qty, trunc(p_notional / v_quote.bid, 9)),
          v_inst.symbol, v_bp + coalesce(p_qty, trunc(p_notional / v_quote.bid, 9))),
        'P0001');
    end if;
  end if;

  -- Exit legs: bracket/oto legs wait (held) until the entry fills; the oco stop leg is live at once.
  if p_order_class <> 'simple' then
    v_leg_status := case when p_order_class = 'oco' then 'new' else 'held' end;
    v_group := coalesce(v_group, case when p_order_class = 'bracket' then gen_random_uuid() end);
    if p_take_profit_limit_price is not null then
      insert into public.orders (portfolio_id, user_id, client_order_id, symbol, side, type, time_in_force, order_class,
        leg, parent_order_id, oco_group, qty, limit_price, status, expires_at)
      values (p_portfolio.id, p_portfolio.user_id, v_order.client_order_id || ':tp', v_inst.symbol, 'sell', 'limit',
        p_time_in_force, p_order_class, 'take_profit', v_order.id, v_group, p_qty, p_take_profit_limit_price,
        v_leg_status, v_expires);
    end if;
    if p_stop_loss_stop_price is not null then
      insert into public.orders (portfolio_id, user_id, client_order_id, symbol, side, type, time_in_force, order_class,
        leg, parent_order_id, oco_group, qty, limit_price, stop_price, status, expires_at)
      values (p_portfolio.id, p_portfolio.user_id, v_order.client_order_id || ':sl', v_inst.symbol, 'sell',
        case when p_stop_loss_limit_price is null then 'stop' else 'stop_limit' end,
        p_time_in_force, p_order_class, 'stop_loss', v_order.id, v_group, p_qty, p_stop_loss_limit_price,
        p_stop_loss_stop_price, v_leg_status, v_expires);
    end if;
  end if;

  -- Marketable orders fill against the current quote right away; ioc/fok leave nothing resting.
  perform private.match_order(v_order.id);
  if p_time_in_force in ('ioc', 'fok') then
    perform private.close_order(v_order.id, 'canceled', case p_time_in_force when 'fok' then 'fok_unfillable' else 'ioc_remainder' end);
  end if;
  select * into v_order from public.orders where id = v_order.id;
  return v_order;
end
$$;
comment on function private.submit_order(public.portfolios, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric, uuid) is
  'Validates and records an order on a locked portfolio, reserves buying power, and matches it against the current quote.';

create function private.close_order(p_order_id uuid, p_status text, p_reason text) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders where id = p_order_id for update;
  if not found or not private.is_open_status(v_order.status) then
    return false;
  end if;
  update public.orders
  set status = p_status, status_reason = p_reason, reserved_cash = 0,
      canceled_at = case when p_status in ('canceled', 'replaced') then now() end,
      expired_at = case when p_status = 'expired' then now() end
  where id = p_order_id;
  if v_order.filled_qty > 0 and v_order.parent_order_id is null then
    -- A partly filled entry protects what it bought: its exit legs go live for the filled quantity.
    update public.orders set status = 'new', qty = v_order.filled_qty
    where parent_order_id = p_order_id and status = 'held';
  else
    perform private.close_order(id, p_status, 'parent_' || p_status) from public.orders
    where parent_order_id = p_order_id and private.is_open_status(status);
  end if;
  -- One leg of an OCO group going away takes the others with it.
  if v_order.oco_group is not null then
    perform private.close_order(id, 'canceled', 'oco_sibling_closed') from public.orders
    where oco_group = v_order.oco_group and id <> p_order_id and private.is_open_status(status);
  end if;
  return true;
end
$$;
comment on function private.close_order(uuid, text, text) is
  'Ends an open order (canceled, expired, replaced), releasing its reservation, activating or canceling its legs and OCO siblings.';

create function private.place_order(
  p_portfolio_id uuid, p_symbol text, p_side text, p_type text, p_time_in_force text,
  p_qty numeric, p_notional numeric, p_limit_price numeric, p_stop_price numeric,
  p_trail_price numeric, p_trail_percent numeric, p_client_order_id text, p_order_class text,
  p_take_profit_limit_price numeric, p_stop_loss_stop_price numeric, p_stop_loss_limit_price numeric
) returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
begin
  return private.submit_order(private.lock_own_portfolio(p_portfolio_id), p_symbol, p_side, p_type, p_time_in_force,
    p_qty, p_notional, p_limit_price, p_stop_price, p_trail_price, p_trail_percent, p_client_order_id, p_order_class,
    p_take_profit_limit_price, p_stop_loss_stop_price, p_stop_loss_limit_price);
end
$$;
comment on function private.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric) is
  'place_order for the calling user (see public.place_order).';

create function public.place_order(
  portfolio_id uuid,
  symbol text,
  side text,
  type text default 'market',
  time_in_force text default 'day',
  qty numeric default null,
  notional numeric default null,
  limit_price numeric default null,
  stop_price numeric default null,
  trail_price numeric default null,
  trail_percent numeric default null,
  client_order_id text default null,
  order_class text default 'simple',
  take_profit_limit_price numeric default null,
  stop_loss_stop_price numeric default null,
  stop_loss_limit_price numeric default null
) returns public.orders
language sql
security invoker
set search_path = ''
as $$
  select * from private.place_order(portfolio_id, symbol, side, type, time_in_force, qty, notional, limit_price,
    stop_price, trail_price, trail_percent, client_order_id, order_class, take_profit_limit_price,
    stop_loss_stop_price, stop_loss_limit_price)
$$;
comment on function public.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric) is
  'Places an order on one of your portfolios. Pass decimals as strings. Errors carry a stable code in details '
  '(insufficient_buying_power, insufficient_position, unknown_symbol, price_off_tick, qty_and_notional, ...). '
  'Resubmitting a client_order_id returns the first order unchanged.';

create function private.cancel_order(p_order_id uuid) returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders where id = p_order_id and user_id = private.require_user();
  if not found then
    perform private.fail('order_not_found', 'No such order.', 'P0002');
  end if;
  -- Same lock order as placement and matching (portfolio, then order): a cancel racing a fill waits for it.
  perform private.lock_own_portfolio(v_order.portfolio_id);
  if not private.close_order(p_order_id, 'canceled', 'canceled_by_user') then
    select * into v_order from public.orders where id = p_order_id;
    perform private.fail('order_not_cancelable', format('The order is already %s.', v_order.status), 'P0001');
  end if;
  select * into v_order from public.orders where id = p_order_id;
  return v_order;
end
$$;
comment on function private.cancel_order(uuid) is 'cancel_order for the calling user (see public.cancel_order).';

create function public.cancel_order(order_id uuid) returns public.orders
language sql
security invoker
set search_path = ''
as $$
  select * from private.cancel_order(order_id)
$$;
comment on function public.cancel_order(uuid) is
  'Cancels one of your open orders (and its legs / OCO siblings). Raises order_not_cancelable if it already filled, expired or was canceled.';

create function private.replace_order(
  p_order_id uuid, p_qty numeric, p_limit_price numeric, p_stop_price numeric, p_trail_price numeric,
  p_trail_percent numeric, p_time_in_force text, p_client_order_id text
) returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old public.orders;
  v_portfolio public.portfolios;
  v_new public.orders;
begin
  select * into v_old from public.orders where id = p_order_id and user_id = private.require_user();
  if not found then
    perform private.fail('order_not_found', 'No such order.', 'P0002');
  end if;
  v_portfolio := private.lock_own_portfolio(v_old.portfolio_id);
  select * into v_old from public.orders where id = p_order_id for update;
  if v_old.status not in ('new', 'accepted') or v_old.order_class <> 'simple' or v_old.notional is not null then
    perform private.fail('order_not_replaceable',
      format('Only unfilled simple qty orders can be replaced; this one is %s %s.', v_old.status, v_old.order_class), 'P0001');
  end if;
  -- Release the old order first so its reservation does not count against its replacement; any error
  -- below rolls both back.
  perform private.close_order(v_old.id, 'replaced', 'replaced_by_user');
  v_new := private.submit_order(v_portfolio, v_old.symbol, v_old.side, v_old.type,
    coalesce(p_time_in_force, v_old.time_in_force), coalesce(p_qty, v_old.qty), null,
    case when v_old.type in ('limit', 'stop_limit') then coalesce(p_limit_price, v_old.limit_price) end,
    case when v_old.type in ('stop', 'stop_limit') then coalesce(p_stop_price, v_old.stop_price) end,
    case when v_old.type = 'trailing_stop' and p_trail_percent is null then coalesce(p_trail_price, v_old.trail_price) end,
    case when v_old.type = 'trailing_stop' and p_trail_price is null then coalesce(p_trail_percent, v_old.trail_percent) end,
    coalesce(p_client_order_id, gen_random_uuid()::text), 'simple', null, null, null, v_old.id);
  if v_new.replaces is distinct from v_old.id then
    perform private.fail('client_order_id_in_use', 'client_order_id already names another order.', '23505');
  end if;
  update public.orders set replaced_by = v_new.id where id = v_old.id;
  return v_new;
end
$$;
comment on function private.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text) is
  'replace_order for the calling user (see public.replace_order).';

create function public.replace_order(
  order_id uuid,
  qty numeric default null,
  limit_price numeric default null,
  stop_price numeric default null,
  trail_price numeric default null,
  trail_percent numeric default null,
  time_in_force text default null,
  client_order_id text default null
) returns public.orders
language sql
security invoker
set search_path = ''
as $$
  select * from private.replace_order(order_id, qty, limit_price, stop_price, trail_price, trail_percent,
    time_in_force, client_order_id)
$$;
comment on function public.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text) is
  'Replaces an unfilled order with a new one (status replaced, replaced_by set); omitted fields keep their value. Returns the new order.';

revoke execute on function
  private.record_order_status(), private.session_boundary(timestamptz, time), private.is_open_status(text),
  private.buying_power(uuid), private.sellable_qty(uuid, text, uuid), private.order_fail_if(boolean, text, text),
  private.check_price(numeric, numeric, text),
  private.submit_order(public.portfolios, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric, uuid),
  private.close_order(uuid, text, text),
  private.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric),
  public.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric),
  private.cancel_order(uuid), public.cancel_order(uuid),
  private.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text),
  public.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text)
  from public, anon, authenticated;
grant execute on function
  private.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric),
  public.place_order(uuid, text, text, text, text, numeric, numeric, numeric, numeric, numeric, numeric, text, text, numeric, numeric, numeric),
  private.cancel_order(uuid), public.cancel_order(uuid),
  private.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text),
  public.replace_order(uuid, numeric, numeric, numeric, numeric, numeric, text, text)
  to authenticated;

-- Remaining columns, for Studio and generated types.
comment on column public.orders.id is 'Order id.';
comment on column public.orders.portfolio_id is 'The portfolio the order trades for.';
comment on column public.orders.user_id is 'Owner (for RLS).';
comment on column public.orders.symbol is 'Instrument traded.';
comment on column public.orders.created_at is 'When the order was submitted; matching visits orders oldest first.';
comment on column public.orders.updated_at is 'When the order last changed.';
comment on column public.orders.filled_at is 'When the order was completely filled.';
comment on column public.orders.canceled_at is 'When the order was canceled or replaced.';
comment on column public.orders.expired_at is 'When the order expired.';
comment on column public.order_events.id is 'Event id, increasing in the order events happened.';
comment on column public.order_events.order_id is 'The order.';
comment on column public.order_events.portfolio_id is 'The orders portfolio.';
comment on column public.order_events.user_id is 'Owner (for RLS).';
comment on column public.order_events.created_at is 'When it happened.';
comment on column public.fills.id is 'Fill id.';
comment on column public.fills.order_id is 'The order filled.';
comment on column public.fills.portfolio_id is 'The orders portfolio.';
comment on column public.fills.user_id is 'Owner (for RLS).';
comment on column public.fills.symbol is 'Instrument traded.';
comment on column public.fills.side is 'buy or sell.';
comment on column public.fills.qty is 'Quantity executed.';
comment on column public.fills.created_at is 'When the fill was recorded.';
comment on column public.positions.portfolio_id is 'The portfolio holding the position.';
comment on column public.positions.symbol is 'Instrument held.';
comment on column public.positions.user_id is 'Owner (for RLS).';
comment on column public.positions.opened_at is 'When the current position was opened (qty went from zero to positive).';
comment on column public.positions.updated_at is 'When a fill last changed the position.';
