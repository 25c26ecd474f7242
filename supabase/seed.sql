-- Local demo data: a handful of instruments with a starting quote each, so the app, the simulator and the
-- trading tests have something to trade before the market feed has written anything.
insert into public.instruments (symbol, name, asset_class, exchange, tick_size, lot_size, min_qty, fractionable)
values
  ('AAPL', 'Apple Inc.', 'us_equity', 'NASDAQ', 0.01, 1, 0.000000001, true),
  ('MSFT', 'Microsoft Corporation', 'us_equity', 'NASDAQ', 0.01, 1, 0.000000001, true),
  ('NVDA', 'NVIDIA Corporation', 'us_equity', 'NASDAQ', 0.01, 1, 0.000000001, true),
  ('TSLA', 'Tesla, Inc.', 'us_equity', 'NASDAQ', 0.01, 1, 0.000000001, true),
  ('BRK.A', 'Berkshire Hathaway Inc. Class A', 'us_equity', 'NYSE', 0.01, 1, 1, false),
  ('SPY', 'SPDR S&P 500 ETF Trust', 'etf', 'NYSEARCA', 0.01, 1, 0.000000001, true),
  ('QQQ', 'Invesco QQQ Trust', 'etf', 'NASDAQ', 0.01, 1, 0.000000001, true),
  ('BTC/USD', 'Bitcoin', 'crypto', 'CRYPTO', 0.01, 0.0001, 0.0001, true),
  ('ETH/USD', 'Ether', 'crypto', 'CRYPTO', 0.01, 0.001, 0.001, true)
on conflict (symbol) do nothing;

insert into public.quotes (symbol, bid, ask, bid_size, ask_size, last, last_size, prev_close, quote_ts)
values
  ('AAPL', 189.98, 190.02, 300, 200, 190.00, 100, 188.50, now()),
  ('MSFT', 414.95, 415.05, 200, 200, 415.00, 50, 410.00, now()),
  ('NVDA', 129.98, 130.02, 500, 400, 130.00, 200, 127.40, now()),
  ('TSLA', 239.90, 240.10, 300, 300, 240.00, 100, 245.00, now()),
  ('BRK.A', 620000.00, 620500.00, 1, 1, 620250.00, 1, 618000.00, now()),
  ('SPY', 559.99, 560.01, 1000, 1000, 560.00, 300, 556.20, now()),
  ('QQQ', 479.98, 480.02, 800, 800, 480.00, 200, 476.10, now()),
  ('BTC/USD', 67990.00, 68010.00, 2, 2, 68000.00, 0.5, 66500.00, now()),
  ('ETH/USD', 3499.50, 3500.50, 20, 20, 3500.00, 3, 3450.00, now())
on conflict (symbol) do nothing;

-- A demo trader for local development only (seed.sql never reaches a hosted project unless pushed with
-- --include-seed): sign in as demo@nexural.local / nexural-demo. They own the local simulator's dataset, so the
-- datasets page shows the feed's telemetry, and start with one funded portfolio.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
values ('00000000-0000-0000-0000-000000000000', 'de300000-0000-4000-8000-000000000001', 'authenticated',
  'authenticated', 'demo@nexural.local', extensions.crypt('nexural-demo', extensions.gen_salt('bf', 10)), now(),
  '{"provider": "email", "providers": ["email"]}', '{"display_name": "Demo Trader"}', now(), now(), false)
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
values ('de300000-0000-4000-8000-000000000001', 'de300000-0000-4000-8000-000000000001',
  '{"sub": "de300000-0000-4000-8000-000000000001", "email": "demo@nexural.local", "email_verified": true}',
  'email', now(), now())
on conflict (provider_id, provider) do nothing;

-- The ingester registers the same name on start and keeps the owner.
insert into public.market_datasets (name, user_id, feed_url, sequenced)
values ('local-simulator', 'de300000-0000-4000-8000-000000000001', 'ws://127.0.0.1:54329/v2/sim', true)
on conflict (name) do nothing;

-- The portfolio is created through the same function the app calls, as the demo trader.
select set_config('request.jwt.claims', '{"sub": "de300000-0000-4000-8000-000000000001", "role": "authenticated"}', false);
do $$
begin
  if not exists (select 1 from public.portfolios where user_id = 'de300000-0000-4000-8000-000000000001') then
    perform public.create_portfolio('Main', 100000);
  end if;
end
$$;
select set_config('request.jwt.claims', '', false);
