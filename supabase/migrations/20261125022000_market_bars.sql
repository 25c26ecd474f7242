-- One-minute bars built by the ingester from the trades it stores, in the same statement as the insert: only
-- trades actually inserted (not duplicates) are folded in, so a replay never double counts, and a late trade
-- for a past minute revises that bar (revision increments) instead of being lost. Open and close are the
-- earliest and latest trade of the minute by (trade time, trade id), so arrival order does not matter.

create table public.market_bars_1m (
  dataset_id uuid not null references public.market_datasets (id) on delete cascade,
  symbol text not null,
  bucket timestamptz not null check (date_trunc('minute', bucket) = bucket),
  open numeric not null,
  high numeric not null,
  low numeric not null,
  close numeric not null,
  volume numeric not null,
  trade_count integer not null,
  notional numeric not null,
  vwap numeric generated always as (notional / nullif(volume, 0)) stored,
  open_ts timestamptz not null,
  open_trade_id bigint not null,
  close_ts timestamptz not null,
  close_trade_id bigint not null,
  revision integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (dataset_id, symbol, bucket)
);
comment on table public.market_bars_1m is 'One-minute OHLCV bars per dataset and symbol, revised when late trades arrive.';
comment on column public.market_bars_1m.dataset_id is 'Dataset whose trades the bar aggregates.';
comment on column public.market_bars_1m.symbol is 'Ticker.';
comment on column public.market_bars_1m.bucket is 'Start of the minute (UTC) the bar covers.';
comment on column public.market_bars_1m.open is 'Price of the earliest trade in the minute.';
comment on column public.market_bars_1m.high is 'Highest trade price in the minute.';
comment on column public.market_bars_1m.low is 'Lowest trade price in the minute.';
comment on column public.market_bars_1m.close is 'Price of the latest trade in the minute.';
comment on column public.market_bars_1m.volume is 'Sum of trade sizes.';
comment on column public.market_bars_1m.trade_count is 'Number of trades (Alpaca "n").';
comment on column public.market_bars_1m.notional is 'Sum of price times size, for the VWAP.';
comment on column public.market_bars_1m.vwap is 'Volume-weighted average price (Alpaca "vw").';
comment on column public.market_bars_1m.open_ts is 'Time of the trade that set the open.';
comment on column public.market_bars_1m.open_trade_id is 'Id of the trade that set the open (ties on time go to the lower id).';
comment on column public.market_bars_1m.close_ts is 'Time of the trade that set the close.';
comment on column public.market_bars_1m.close_trade_id is 'Id of the trade that set the close (ties on time go to the higher id).';
comment on column public.market_bars_1m.revision is 'How many ingest batches changed the bar after it was first written.';
comment on column public.market_bars_1m.updated_at is 'When the bar was last changed.';

alter table public.market_bars_1m enable row level security;

create policy market_bars_1m_authenticated_select on public.market_bars_1m
  for select to authenticated
  using (true);

revoke all on public.market_bars_1m from anon, authenticated;
grant select on public.market_bars_1m to authenticated;
