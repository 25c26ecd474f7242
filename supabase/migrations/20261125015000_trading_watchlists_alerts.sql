-- Watchlists and price alerts. Users manage their own watchlists and alerts directly (RLS plus column
-- grants); the database evaluates alerts whenever the ingester reports new quotes, and records each trigger
-- once (unique per alert and quote time), so replaying a quote batch never notifies twice.

create table public.watchlists (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 80),
  created_at timestamptz not null default now(),
  unique (user_id, name)
);
comment on table public.watchlists is 'Named lists of symbols a user follows.';
comment on column public.watchlists.name is 'Unique per user, 1 to 80 characters.';

create table public.watchlist_items (
  watchlist_id uuid not null references public.watchlists (id) on delete cascade,
  symbol text not null references public.instruments (symbol) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  position integer not null default 0,
  added_at timestamptz not null default now(),
  primary key (watchlist_id, symbol)
);
comment on table public.watchlist_items is 'A symbol on a watchlist.';
comment on column public.watchlist_items.position is 'Sort order within the list.';

create table public.alerts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  portfolio_id uuid references public.portfolios (id) on delete cascade,
  symbol text not null references public.instruments (symbol) on delete cascade,
  condition text not null check (condition in (
    'price_above', 'price_below', 'price_crosses', 'percent_move', 'position_pnl_percent_above',
    'position_pnl_percent_below')),
  threshold numeric not null check (threshold::text not in ('NaN', 'Infinity', '-Infinity')),
  frequency text not null default 'once' check (frequency in ('once', 'every_time')),
  status text not null default 'active' check (status in ('active', 'triggered', 'expired', 'disabled')),
  expires_at timestamptz,
  note text check (char_length(note) <= 500),
  condition_met boolean not null default false,
  last_price numeric,
  trigger_count integer not null default 0,
  last_triggered_at timestamptz,
  created_at timestamptz not null default now(),
  check ((condition like 'position_pnl%') = (portfolio_id is not null))
);
create index alerts_active_symbol_idx on public.alerts (symbol) where status = 'active';
comment on table public.alerts is 'Price and P&L alerts, evaluated by the database on every quote update.';
comment on column public.alerts.portfolio_id is 'For position P&L alerts: the portfolio whose position is watched.';
comment on column public.alerts.condition is 'price_above, price_below, price_crosses (either direction), percent_move (|change from previous close| >= threshold %), position_pnl_percent_above / _below.';
comment on column public.alerts.threshold is 'Price, or percent for percent_move and position_pnl_percent_*.';
comment on column public.alerts.frequency is 'once (then status triggered) or every_time (each time the condition becomes true again).';
comment on column public.alerts.status is 'active, triggered (a once alert that fired), expired or disabled (by the user).';
comment on column public.alerts.expires_at is 'After this the alert stops being evaluated.';
comment on column public.alerts.condition_met is 'Whether the condition held at the last evaluation (every_time alerts fire on the change to true).';
comment on column public.alerts.last_price is 'Price at the last evaluation (for crossings).';

create table public.alert_triggers (
  id bigint generated always as identity primary key,
  alert_id uuid not null references public.alerts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  symbol text not null,
  price numeric not null,
  value numeric not null,
  quote_ts timestamptz not null,
  triggered_at timestamptz not null default now(),
  unique (alert_id, quote_ts)
);
comment on table public.alert_triggers is 'Each time an alert fired, once per alert and quote; notifiers subscribe to inserts here.';
comment on column public.alert_triggers.price is 'The price that triggered it.';
comment on column public.alert_triggers.value is 'The evaluated value (price, percent move or P&L percent).';
comment on column public.alert_triggers.quote_ts is 'Exchange time of the quote that triggered it.';

alter table public.watchlists enable row level security;
alter table public.watchlist_items enable row level security;
alter table public.alerts enable row level security;
alter table public.alert_triggers enable row level security;

create policy watchlists_owner_select on public.watchlists
  for select to authenticated using ((select auth.uid()) = user_id);
create policy watchlists_owner_insert on public.watchlists
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy watchlists_owner_update on public.watchlists
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy watchlists_owner_delete on public.watchlists
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy watchlist_items_owner_select on public.watchlist_items
  for select to authenticated using ((select auth.uid()) = user_id);
create policy watchlist_items_owner_insert on public.watchlist_items
  for insert to authenticated
  with check ((select auth.uid()) = user_id
    and exists (select 1 from public.watchlists w where w.id = watchlist_id and w.user_id = (select auth.uid())));
create policy watchlist_items_owner_update on public.watchlist_items
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy watchlist_items_owner_delete on public.watchlist_items
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy alerts_owner_select on public.alerts
  for select to authenticated using ((select auth.uid()) = user_id);
create policy alerts_owner_insert on public.alerts
  for insert to authenticated
  with check ((select auth.uid()) = user_id
    and (portfolio_id is null
      or exists (select 1 from public.portfolios p where p.id = portfolio_id and p.user_id = (select auth.uid()))));
create policy alerts_owner_update on public.alerts
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy alerts_owner_delete on public.alerts
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy alert_triggers_owner_select on public.alert_triggers
  for select to authenticated using ((select auth.uid()) = user_id);

revoke all on public.watchlists, public.watchlist_items, public.alerts, public.alert_triggers from anon, authenticated;
grant select, delete on public.watchlists, public.watchlist_items, public.alerts to authenticated;
grant insert (name), update (name) on public.watchlists to authenticated;
grant insert (watchlist_id, symbol, position), update (position) on public.watchlist_items to authenticated;
grant insert (portfolio_id, symbol, condition, threshold, frequency, expires_at, note),
  update (threshold, expires_at, note) on public.alerts to authenticated;
grant select on public.alert_triggers to authenticated;

create function private.evaluate_alerts(p_symbols text[]) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  a record;
  v_value numeric;
  v_met boolean;
  v_fire boolean;
  v_inserted integer;
  n integer := 0;
begin
  update public.alerts set status = 'expired'
  where status = 'active' and expires_at <= now() and symbol = any (p_symbols);

  for a in
    select al.*, coalesce(q.last, (q.bid + q.ask) / 2) as price, q.prev_close, q.quote_ts, p.avg_cost, p.qty as pos_qty
    from public.alerts al
    join public.quotes q on q.symbol = al.symbol
    left join public.positions p on p.portfolio_id = al.portfolio_id and p.symbol = al.symbol
    where al.status = 'active' and al.symbol = any (p_symbols)
    for update of al
  loop
    continue when a.price is null;
    v_value := case
      when a.condition like 'price_%' then a.price
      when a.condition = 'percent_move' then
        case when a.prev_close > 0 then (a.price - a.prev_close) / a.prev_close * 100 end
      else case when a.pos_qty > 0 and a.avg_cost > 0 then (a.price - a.avg_cost) / a.avg_cost * 100 end
    end;
    v_met := case a.condition
      when 'price_above' then v_value >= a.threshold
      when 'price_below' then v_value <= a.threshold
      when 'price_crosses' then a.last_price is not null
        and ((a.last_price < a.threshold and v_value >= a.threshold) or (a.last_price > a.threshold and v_value <= a.threshold))
      when 'percent_move' then abs(v_value) >= abs(a.threshold)
      when 'position_pnl_percent_above' then v_value >= a.threshold
      when 'position_pnl_percent_below' then v_value <= a.threshold
    end;
    v_met := coalesce(v_met, false);
    -- Fire on the change to true (a crossing is itself a change), so a condition that stays true fires once.
    v_fire := v_met and (a.condition = 'price_crosses' or not a.condition_met);
    v_inserted := 0;
    if v_fire then
      insert into public.alert_triggers (alert_id, user_id, symbol, price, value, quote_ts)
      values (a.id, a.user_id, a.symbol, a.price, v_value, a.quote_ts)
      on conflict (alert_id, quote_ts) do nothing;
      get diagnostics v_inserted = row_count;
    end if;
    update public.alerts
    set condition_met = v_met,
        last_price = a.price,
        trigger_count = trigger_count + v_inserted,
        last_triggered_at = case when v_inserted > 0 then now() else last_triggered_at end,
        status = case when v_inserted > 0 and a.frequency = 'once' then 'triggered' else status end
    where id = a.id;
    n := n + v_inserted;
  end loop;
  return n;
end
$$;
comment on function private.evaluate_alerts(text[]) is 'Evaluates active alerts on these symbols against the latest quotes; returns how many fired.';

create or replace function private.process_market_update(p_symbols text[])
returns table (orders_filled integer, alerts_triggered integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  v_filled integer := 0;
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
  return query select v_filled, private.evaluate_alerts(p_symbols);
end
$$;

revoke execute on function private.evaluate_alerts(text[]) from public, anon, authenticated;

-- Remaining columns, for Studio and generated types.
comment on column public.watchlists.id is 'Watchlist id.';
comment on column public.watchlists.user_id is 'Owner.';
comment on column public.watchlists.created_at is 'When the list was created.';
comment on column public.watchlist_items.watchlist_id is 'The list.';
comment on column public.watchlist_items.symbol is 'Instrument watched.';
comment on column public.watchlist_items.user_id is 'Owner (for RLS).';
comment on column public.watchlist_items.added_at is 'When the symbol was added.';
comment on column public.alerts.id is 'Alert id.';
comment on column public.alerts.user_id is 'Owner.';
comment on column public.alerts.symbol is 'Instrument watched.';
comment on column public.alerts.note is 'The users note, shown when it fires.';
comment on column public.alerts.trigger_count is 'How many times it fired.';
comment on column public.alerts.last_triggered_at is 'When it last fired.';
comment on column public.alerts.created_at is 'When the alert was created.';
comment on column public.alert_triggers.id is 'Trigger id.';
comment on column public.alert_triggers.alert_id is 'The alert that fired.';
comment on column public.alert_triggers.user_id is 'Owner (for RLS).';
comment on column public.alert_triggers.symbol is 'Instrument.';
comment on column public.alert_triggers.triggered_at is 'When the database recorded it.';
