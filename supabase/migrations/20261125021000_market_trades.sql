-- Market trades (time and sales) as the ingester receives them. The key (dataset_id, trade_id) makes ingestion
-- idempotent: a replayed or re-sent trade is inserted once and ignored afterwards (insert-or-noop). Shared
-- market data: every signed-in user reads it; only the ingester writes.

create table public.market_trades (
  dataset_id uuid not null references public.market_datasets (id) on delete cascade,
  trade_id bigint not null check (trade_id >= 0),
  symbol text not null check (char_length(symbol) between 1 and 20),
  price numeric not null check (price > 0),
  size numeric not null check (size > 0),
  exchange text not null default '' check (char_length(exchange) <= 8),
  conditions text not null default '' check (char_length(conditions) <= 64),
  tape text not null default '' check (char_length(tape) <= 4),
  trade_ts timestamptz not null,
  received_at timestamptz not null default now(),
  primary key (dataset_id, trade_id)
);
create index market_trades_symbol_ts on public.market_trades (symbol, trade_ts);
comment on table public.market_trades is 'Trades as reported by a feed; each trade id is stored once per dataset.';
comment on column public.market_trades.dataset_id is 'Feed and stream the trade came from.';
comment on column public.market_trades.trade_id is 'The feed''s trade id (Alpaca "i"); unique per dataset.';
comment on column public.market_trades.symbol is 'Ticker traded.';
comment on column public.market_trades.price is 'Trade price.';
comment on column public.market_trades.size is 'Trade quantity.';
comment on column public.market_trades.exchange is 'Exchange code (Alpaca "x").';
comment on column public.market_trades.conditions is 'Trade condition codes, comma separated (Alpaca "c").';
comment on column public.market_trades.tape is 'Tape (Alpaca "z": A, B, C for equities).';
comment on column public.market_trades.trade_ts is 'Exchange time of the trade.';
comment on column public.market_trades.received_at is 'When the ingester received the message carrying it.';

alter table public.market_trades enable row level security;

create policy market_trades_authenticated_select on public.market_trades
  for select to authenticated
  using (true);

revoke all on public.market_trades from anon, authenticated;
grant select on public.market_trades to authenticated;
