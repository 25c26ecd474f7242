-- close_position: what a user expects from a "Close" button — cancel the open sells on the symbol that hold
-- the shares, then sell everything at market — as one RPC, so the two steps cannot interleave with a fill.

create function private.close_position(p_portfolio_id uuid, p_symbol text) returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_portfolio public.portfolios := private.lock_own_portfolio(p_portfolio_id);
  v_qty numeric;
  v_crypto boolean;
begin
  select p.qty, i.asset_class = 'crypto' into v_qty, v_crypto
  from public.positions p join public.instruments i on i.symbol = p.symbol
  where p.portfolio_id = v_portfolio.id and p.symbol = upper(trim(p_symbol));
  if coalesce(v_qty, 0) = 0 then
    perform private.fail('no_position', format('No open position in %s.', p_symbol), 'P0002');
  end if;
  perform private.close_order(id, 'canceled', 'position_closed') from public.orders
  where portfolio_id = v_portfolio.id and symbol = upper(trim(p_symbol)) and side = 'sell'
    and status in ('new', 'accepted', 'partially_filled');
  return private.submit_order(v_portfolio, p_symbol, 'sell', 'market', case when v_crypto then 'gtc' else 'day' end,
    v_qty, null, null, null, null, null, null, 'simple', null, null, null);
end
$$;
comment on function private.close_position(uuid, text) is 'close_position for the calling user (see public.close_position).';

create function public.close_position(portfolio_id uuid, symbol text) returns public.orders
language sql
security invoker
set search_path = ''
as $$
  select * from private.close_position(portfolio_id, symbol)
$$;
comment on function public.close_position(uuid, text) is
  'Cancels your open sell orders on the symbol and sells the whole position at market; returns the sell order. Raises no_position if there is none.';

revoke execute on function private.close_position(uuid, text), public.close_position(uuid, text)
  from public, anon, authenticated;
grant execute on function private.close_position(uuid, text), public.close_position(uuid, text) to authenticated;
