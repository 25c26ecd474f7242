-- Market reference data the trading core prices against: the tradable instruments (with the tick and lot
-- rules orders are checked against) and the latest top-of-book quote per symbol. Clients only read them; the
-- market-feed ingester (connecting as `postgres`) writes quotes and then calls
-- private.process_market_update() so resting orders and alerts react to the new prices.

create table public.instruments (
  symbol text primary key check (symbol ~ '^[A-Z0-9][A-Z0-9./-]{0,19}$'),
  name text not null check (char_length(name) between 1 and 200),
  asset_class text not null check (asset_class in ('us_equity', 'etf', 'crypto')),
  exchange text not null check (char_length(exchange) between 1 and 40),
  tick_size numeric not null check (tick_size > 0),
  lot_size numeric not null default 1 check (lot_size > 0),
  min_qty numeric not null default 1 check (min_qty > 0),
  fractionable boolean not null default false,
  tradable boolean not null default true,
  created_at timestamptz not null default now()
);
comment on table public.instruments is 'Instruments that can be quoted and traded, with the price and quantity rules orders must follow.';
comment on column public.instruments.symbol is 'Ticker, upper case (e.g. AAPL, BTC/USD).';
comment on column public.instruments.name is 'Display name of the instrument.';
comment on column public.instruments.asset_class is 'us_equity, etf or crypto.';
comment on column public.instruments.exchange is 'Primary listing venue (e.g. NASDAQ, NYSE, CRYPTO).';
comment on column public.instruments.tick_size is 'Smallest price increment: limit and stop prices must be multiples of it.';
comment on column public.instruments.lot_size is 'Quantity increment for whole-share orders (fractional orders may use any multiple of 0.000000001).';
comment on column public.instruments.min_qty is 'Smallest quantity one order may ask for.';
comment on column public.instruments.fractionable is 'Whether orders may ask for fractional quantities or a notional (dollar) amount.';
comment on column public.instruments.tradable is 'Whether new orders are accepted for this instrument.';
comment on column public.instruments.created_at is 'When the instrument was listed here.';

create table public.quotes (
  symbol text primary key references public.instruments (symbol) on delete cascade,
  bid numeric check (bid >= 0),
  ask numeric check (ask >= 0),
  bid_size numeric check (bid_size >= 0),
  ask_size numeric check (ask_size >= 0),
  last numeric check (last >= 0),
  last_size numeric check (last_size >= 0),
  prev_close numeric check (prev_close >= 0),
  quote_ts timestamptz not null,
  updated_at timestamptz not null default now()
);
comment on table public.quotes is 'Latest top-of-book quote per instrument, as written by the market-feed ingester; orders fill against it.';
comment on column public.quotes.symbol is 'The instrument quoted.';
comment on column public.quotes.bid is 'Best bid price: market and marketable sell orders fill here.';
comment on column public.quotes.ask is 'Best ask price: market and marketable buy orders fill here.';
comment on column public.quotes.bid_size is 'Quantity available at the bid.';
comment on column public.quotes.ask_size is 'Quantity available at the ask.';
comment on column public.quotes.last is 'Last trade price: stops trigger on it and positions are valued at it.';
comment on column public.quotes.last_size is 'Quantity of the last trade.';
comment on column public.quotes.prev_close is 'Previous session''s closing price, for day change.';
comment on column public.quotes.quote_ts is 'Exchange time of the quote.';
comment on column public.quotes.updated_at is 'When the ingester last wrote this row.';

alter table public.instruments enable row level security;
alter table public.quotes enable row level security;

create policy instruments_authenticated_select on public.instruments
  for select to authenticated
  using (true);

create policy quotes_authenticated_select on public.quotes
  for select to authenticated
  using (true);

-- Only the ingester (postgres, which owns the tables and bypasses RLS) writes market data.
revoke all on public.instruments, public.quotes from anon, authenticated;
grant select on public.instruments, public.quotes to authenticated;

create function private.process_market_update(p_symbols text[])
returns table (orders_filled integer, alerts_triggered integer)
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Matching and alert evaluation are added by later migrations, which replace this body keeping the signature.
  return query select 0, 0;
end
$$;
comment on function private.process_market_update(text[]) is
  'Called by the market-feed ingester after each batch of quote upserts: matches resting orders and evaluates '
  'alerts for those symbols. Returns how many orders received fills and how many alerts triggered.';
revoke execute on function private.process_market_update(text[]) from public, anon, authenticated;
grant execute on function private.process_market_update(text[]) to service_role;
