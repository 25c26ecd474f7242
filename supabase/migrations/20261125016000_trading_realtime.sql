-- Live updates for the app: order, fill, position, cash and alert-trigger changes are published to Realtime,
-- which checks each change against the subscriber's RLS before sending it, so users see only their own.
-- (Quotes belong to the market-data domain, which publishes them itself.)
alter publication supabase_realtime add table
  public.orders, public.fills, public.positions, public.cash_ledger, public.alert_triggers;
