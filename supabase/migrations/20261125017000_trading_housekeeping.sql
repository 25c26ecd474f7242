-- One entry point for the job dispatcher's periodic trading work, so no worker has to know the internals:
-- expire orders whose time in force ran out (day orders after the close, even on symbols without new
-- quotes), and take equity snapshots for the equity curve at a steady interval.

create function private.trading_housekeeping(
  p_now timestamptz default now(),
  p_snapshot_every interval default interval '1 hour'
) returns table (orders_expired integer, snapshots_taken integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_expired integer := private.expire_orders(p_now);
  v_due uuid[];
begin
  select array_agg(pf.id) into v_due
  from public.portfolios pf
  where coalesce((select max(s.taken_at) from public.equity_snapshots s where s.portfolio_id = pf.id), '-infinity')
        <= p_now - p_snapshot_every;
  return query select v_expired,
    case when v_due is null then 0 else private.take_equity_snapshots(p_now, v_due) end;
end
$$;
comment on function private.trading_housekeeping(timestamptz, interval) is
  'Run by the job dispatcher about every minute: expires orders past their time in force and snapshots the equity '
  'of every portfolio whose last snapshot is older than p_snapshot_every. Safe to run repeatedly (a second run within the interval snapshots nothing).';
revoke execute on function private.trading_housekeeping(timestamptz, interval) from public, anon, authenticated;
grant execute on function private.trading_housekeeping(timestamptz, interval) to service_role;
