-- Portfolio valuation and performance: positions and portfolios marked to the latest quotes (market value,
-- unrealized and realized P&L, day change), equity snapshots for the equity curve, and time-weighted return,
-- money-weighted return and max drawdown computed from the snapshots and the cash ledger's external flows.
-- Also reset_portfolio, which starts a new performance period.

create view public.position_valuations
with (security_invoker = true)
as
select
  p.portfolio_id,
  p.symbol,
  p.qty,
  p.avg_cost,
  p.cost_basis,
  p.realized_pnl,
  coalesce(q.last, (q.bid + q.ask) / 2) as price,
  p.qty * coalesce(q.last, (q.bid + q.ask) / 2) as market_value,
  p.qty * coalesce(q.last, (q.bid + q.ask) / 2) - p.cost_basis as unrealized_pnl,
  case when p.cost_basis > 0
    then round((p.qty * coalesce(q.last, (q.bid + q.ask) / 2) - p.cost_basis) / p.cost_basis * 100, 4) end
    as unrealized_pnl_percent,
  p.qty * (coalesce(q.last, (q.bid + q.ask) / 2) - q.prev_close) as day_change
from public.positions p
left join public.quotes q on q.symbol = p.symbol;
comment on view public.position_valuations is 'Each position marked to the latest quote (last trade, else mid). Rows follow positions'' RLS.';
comment on column public.position_valuations.price is 'Mark price: the last trade, else the bid/ask midpoint.';
comment on column public.position_valuations.market_value is 'qty x price.';
comment on column public.position_valuations.unrealized_pnl is 'market_value - cost_basis.';
comment on column public.position_valuations.unrealized_pnl_percent is 'unrealized_pnl as a percentage of cost_basis.';
comment on column public.position_valuations.day_change is 'qty x (price - previous close).';

create view public.portfolio_valuations
with (security_invoker = true)
as
select
  pf.id as portfolio_id,
  pf.name,
  c.cash,
  c.cash - coalesce(r.reserved, 0) as buying_power,
  coalesce(v.market_value, 0) as market_value,
  c.cash + coalesce(v.market_value, 0) as equity,
  coalesce(v.unrealized_pnl, 0) as unrealized_pnl,
  coalesce(v.realized_pnl, 0) as realized_pnl,
  coalesce(v.day_change, 0) as day_change
from public.portfolios pf
cross join lateral (select coalesce(sum(l.amount), 0) as cash from public.cash_ledger l where l.portfolio_id = pf.id) c
left join lateral (
  select sum(o.reserved_cash) as reserved from public.orders o
  where o.portfolio_id = pf.id and o.status in ('new', 'accepted', 'partially_filled')
) r on true
left join lateral (
  select sum(pv.market_value) as market_value, sum(pv.unrealized_pnl) as unrealized_pnl,
         sum(pv.realized_pnl) as realized_pnl, sum(pv.day_change) as day_change
  from public.position_valuations pv where pv.portfolio_id = pf.id
) v on true;
comment on view public.portfolio_valuations is 'Each portfolio''s cash (ledger sum), buying power, market value, equity and P&L. Rows follow the underlying tables'' RLS.';
comment on column public.portfolio_valuations.cash is 'Sum of the cash ledger.';
comment on column public.portfolio_valuations.buying_power is 'Cash less what open buy orders reserve.';
comment on column public.portfolio_valuations.equity is 'cash + market_value.';
comment on column public.portfolio_valuations.realized_pnl is 'Realized P&L of the positions since the last reset.';
comment on column public.portfolio_valuations.day_change is 'Change in the positions'' value since the previous close.';

revoke all on public.position_valuations, public.portfolio_valuations from anon, authenticated;
grant select on public.position_valuations, public.portfolio_valuations to authenticated;

create table public.equity_snapshots (
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  taken_at timestamptz not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  cash numeric not null,
  market_value numeric not null,
  equity numeric not null,
  net_flow numeric not null default 0,
  primary key (portfolio_id, taken_at)
);
comment on table public.equity_snapshots is 'Equity over time (the equity curve), taken by the database; the input of TWR, MWR and drawdown.';
comment on column public.equity_snapshots.taken_at is 'Valuation time.';
comment on column public.equity_snapshots.equity is 'cash + market_value at taken_at.';
comment on column public.equity_snapshots.net_flow is 'Deposits less withdrawals since the previous snapshot (external cash flows, not trading).';

alter table public.equity_snapshots enable row level security;
create policy equity_snapshots_owner_select on public.equity_snapshots
  for select to authenticated using ((select auth.uid()) = user_id);
revoke all on public.equity_snapshots from anon, authenticated;
grant select on public.equity_snapshots to authenticated;

create function private.take_equity_snapshots(p_at timestamptz default now(), p_portfolio_ids uuid[] default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  n integer;
begin
  insert into public.equity_snapshots (portfolio_id, taken_at, user_id, cash, market_value, equity, net_flow)
  select v.portfolio_id, p_at, pf.user_id, v.cash, v.market_value, v.equity,
    coalesce((
      select sum(l.amount) from public.cash_ledger l
      where l.portfolio_id = pf.id and l.kind in ('deposit', 'withdrawal') and l.created_at <= p_at
        and l.created_at > coalesce(
          (select max(s.taken_at) from public.equity_snapshots s where s.portfolio_id = pf.id and s.taken_at < p_at),
          '-infinity')), 0)
  from public.portfolio_valuations v
  join public.portfolios pf on pf.id = v.portfolio_id
  where p_portfolio_ids is null or pf.id = any (p_portfolio_ids)
  on conflict (portfolio_id, taken_at) do nothing;
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function private.take_equity_snapshots(timestamptz, uuid[]) is
  'Records an equity snapshot of every (or the given) portfolio at p_at; run by a scheduler (e.g. each close). Idempotent per time.';

create function private.portfolio_performance(p_portfolio_id uuid)
returns table (twr numeric, mwr numeric, max_drawdown numeric, start_equity numeric, end_equity numeric,
  period_start timestamptz, period_end timestamptz)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_first public.equity_snapshots;
  v_last public.equity_snapshots;
  v_twr numeric := 1;
  v_prev numeric;
  v_peak numeric;
  v_dd numeric := 0;
  s record;
  v_lo numeric := -0.9999;
  v_hi numeric := 100;
  v_mid numeric;
  v_npv numeric;
  i integer;
begin
  select * into v_first from public.equity_snapshots where portfolio_id = p_portfolio_id order by taken_at limit 1;
  select * into v_last from public.equity_snapshots where portfolio_id = p_portfolio_id order by taken_at desc limit 1;
  if v_first.portfolio_id is null or v_first.taken_at = v_last.taken_at then
    return query select null::numeric, null::numeric, null::numeric, v_first.equity, v_last.equity, v_first.taken_at, v_last.taken_at;
    return;
  end if;

  -- TWR: chain each period's return with its external flow removed (flows counted at the period's end).
  -- Max drawdown: largest fall of that chained index from its running peak (so deposits and withdrawals
  -- are not mistaken for gains or losses), as a fraction of the peak.
  for s in select * from public.equity_snapshots where portfolio_id = p_portfolio_id order by taken_at loop
    if v_prev is not null and v_prev > 0 then
      v_twr := v_twr * (s.equity - s.net_flow) / v_prev;
    end if;
    v_prev := s.equity;
    v_peak := greatest(coalesce(v_peak, v_twr), v_twr);
    v_dd := greatest(v_dd, (v_peak - v_twr) / v_peak);
  end loop;

  -- MWR: the annual internal rate of return r solving
  --   -E0 - sum(flow_i / (1+r)^t_i) + E_end / (1+r)^T = 0   (t in years of 365 days), by bisection.
  for i in 1..200 loop
    v_mid := (v_lo + v_hi) / 2;
    select -v_first.equity
      - coalesce(sum(f.net_flow / power(1 + v_mid, extract(epoch from f.taken_at - v_first.taken_at) / 31536000.0)), 0)
      + v_last.equity / power(1 + v_mid, extract(epoch from v_last.taken_at - v_first.taken_at) / 31536000.0)
    into v_npv
    from public.equity_snapshots f
    where f.portfolio_id = p_portfolio_id and f.taken_at > v_first.taken_at and f.net_flow <> 0;
    if v_npv > 0 then v_lo := v_mid; else v_hi := v_mid; end if;
    exit when v_hi - v_lo < 1e-12;
  end loop;

  return query select round(v_twr - 1, 10), round((v_lo + v_hi) / 2, 8), round(v_dd, 10),
    v_first.equity, v_last.equity, v_first.taken_at, v_last.taken_at;
end
$$;
comment on function private.portfolio_performance(uuid) is 'TWR, annualised MWR (IRR) and max drawdown of a portfolio from its equity snapshots.';

create function private.own_portfolio_performance(p_portfolio_id uuid)
returns table (twr numeric, mwr numeric, max_drawdown numeric, start_equity numeric, end_equity numeric,
  period_start timestamptz, period_end timestamptz)
language plpgsql
security definer
stable
set search_path = ''
as $$
begin
  if not exists (select 1 from public.portfolios where id = p_portfolio_id and user_id = private.require_user()) then
    perform private.fail('portfolio_not_found', 'No such portfolio.', 'P0002');
  end if;
  return query select * from private.portfolio_performance(p_portfolio_id);
end
$$;
comment on function private.own_portfolio_performance(uuid) is 'portfolio_performance for the calling user''s portfolio.';

create function public.portfolio_performance(portfolio_id uuid)
returns table (twr numeric, mwr numeric, max_drawdown numeric, start_equity numeric, end_equity numeric,
  period_start timestamptz, period_end timestamptz)
language sql
security invoker
stable
set search_path = ''
as $$
  select * from private.own_portfolio_performance(portfolio_id)
$$;
comment on function public.portfolio_performance(uuid) is
  'Time-weighted return, money-weighted return (annualised IRR) and max drawdown (fraction of peak) since the last reset, from equity snapshots.';

create function private.reset_portfolio(p_portfolio_id uuid) returns public.portfolios
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_portfolio public.portfolios := private.lock_own_portfolio(p_portfolio_id);
  r record;
begin
  for r in select id from public.orders
           where portfolio_id = v_portfolio.id and private.is_open_status(status) and parent_order_id is null
           order by created_at loop
    perform private.close_order(r.id, 'canceled', 'portfolio_reset');
  end loop;
  perform private.close_order(id, 'canceled', 'portfolio_reset') from public.orders
  where portfolio_id = v_portfolio.id and private.is_open_status(status);
  delete from public.positions where portfolio_id = v_portfolio.id;
  delete from public.equity_snapshots where portfolio_id = v_portfolio.id;
  insert into public.cash_ledger (portfolio_id, user_id, kind, amount, note)
  values (v_portfolio.id, v_portfolio.user_id, 'reset', v_portfolio.starting_cash - private.cash_balance(v_portfolio.id),
    'reset to starting cash');
  update public.portfolios set reset_at = now() where id = v_portfolio.id returning * into v_portfolio;
  return v_portfolio;
end
$$;
comment on function private.reset_portfolio(uuid) is 'reset_portfolio for the calling user (see public.reset_portfolio).';

create function public.reset_portfolio(portfolio_id uuid) returns public.portfolios
language sql
security invoker
set search_path = ''
as $$
  select * from private.reset_portfolio(portfolio_id)
$$;
comment on function public.reset_portfolio(uuid) is
  'Cancels open orders, closes positions without trading, returns cash to starting_cash (a reset ledger entry) and starts a new performance period.';

revoke execute on function
  private.take_equity_snapshots(timestamptz, uuid[]), private.portfolio_performance(uuid),
  private.own_portfolio_performance(uuid), public.portfolio_performance(uuid),
  private.reset_portfolio(uuid), public.reset_portfolio(uuid)
  from public, anon, authenticated;
grant execute on function
  private.own_portfolio_performance(uuid), public.portfolio_performance(uuid),
  private.reset_portfolio(uuid), public.reset_portfolio(uuid)
  to authenticated;
grant execute on function private.take_equity_snapshots(timestamptz, uuid[]) to service_role;

-- Remaining columns, for Studio and generated types.
comment on column public.position_valuations.portfolio_id is 'The portfolio.';
comment on column public.position_valuations.symbol is 'Instrument held.';
comment on column public.position_valuations.qty is 'Quantity held.';
comment on column public.position_valuations.avg_cost is 'Average cost per unit.';
comment on column public.position_valuations.cost_basis is 'qty x avg_cost.';
comment on column public.position_valuations.realized_pnl is 'P&L realized by sells.';
comment on column public.portfolio_valuations.portfolio_id is 'The portfolio.';
comment on column public.portfolio_valuations.name is 'Portfolio name.';
comment on column public.portfolio_valuations.market_value is 'Positions marked to the latest quotes.';
comment on column public.portfolio_valuations.unrealized_pnl is 'Market value less cost basis of the positions.';
comment on column public.equity_snapshots.portfolio_id is 'The portfolio.';
comment on column public.equity_snapshots.user_id is 'Owner (for RLS).';
comment on column public.equity_snapshots.cash is 'Cash at taken_at.';
comment on column public.equity_snapshots.market_value is 'Positions market value at taken_at.';
