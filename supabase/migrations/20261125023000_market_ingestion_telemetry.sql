-- Ingestion telemetry: per dataset and minute, what the ingester received, stored and skipped, how late it was
-- and how often the connection dropped; plus every detected gap in a sequenced feed's trade ids. Readable by
-- the dataset's owner (market_datasets.user_id); system datasets only by operators.

create table public.market_ingestion_minutes (
  dataset_id uuid not null references public.market_datasets (id) on delete cascade,
  minute timestamptz not null check (date_trunc('minute', minute) = minute),
  messages bigint not null default 0,
  trades bigint not null default 0,
  quotes bigint not null default 0,
  duplicates bigint not null default 0,
  malformed bigint not null default 0,
  out_of_order bigint not null default 0,
  gaps integer not null default 0,
  missing_trades bigint not null default 0,
  reconnects integer not null default 0,
  errors integer not null default 0,
  lag_p50_ms numeric,
  lag_p95_ms numeric,
  lag_p99_ms numeric,
  lag_max_ms numeric,
  last_message_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (dataset_id, minute)
);
comment on table public.market_ingestion_minutes is 'Ingestion health per dataset per minute: throughput, lag percentiles, drops, gaps and errors.';
comment on column public.market_ingestion_minutes.dataset_id is 'Dataset measured.';
comment on column public.market_ingestion_minutes.minute is 'Minute (UTC, by ingester clock) the counts belong to.';
comment on column public.market_ingestion_minutes.messages is 'Messages received from the feed (trades, quotes, control and bad ones).';
comment on column public.market_ingestion_minutes.trades is 'Trades newly stored (throughput).';
comment on column public.market_ingestion_minutes.quotes is 'Quotes applied to the latest quote.';
comment on column public.market_ingestion_minutes.duplicates is 'Trades already stored (replays), ignored.';
comment on column public.market_ingestion_minutes.malformed is 'Messages that were not valid JSON or not a valid trade/quote, skipped.';
comment on column public.market_ingestion_minutes.out_of_order is 'Trades with an id at or below the last acknowledged one, or quotes older than the latest, skipped.';
comment on column public.market_ingestion_minutes.gaps is 'Gaps detected in the trade id sequence.';
comment on column public.market_ingestion_minutes.missing_trades is 'Trade ids skipped over by those gaps.';
comment on column public.market_ingestion_minutes.reconnects is 'Times the ingester reconnected to the feed.';
comment on column public.market_ingestion_minutes.errors is 'Feed error messages and failed database writes.';
comment on column public.market_ingestion_minutes.lag_p50_ms is 'Median ingest lag: from receiving a trade to its batch committing, in ms.';
comment on column public.market_ingestion_minutes.lag_p95_ms is '95th percentile ingest lag in ms.';
comment on column public.market_ingestion_minutes.lag_p99_ms is '99th percentile ingest lag in ms.';
comment on column public.market_ingestion_minutes.lag_max_ms is 'Largest ingest lag in ms.';
comment on column public.market_ingestion_minutes.last_message_at is 'When the last message of the minute was received.';
comment on column public.market_ingestion_minutes.updated_at is 'When the ingester last flushed this row.';

create table public.market_ingestion_gaps (
  id bigint generated always as identity primary key,
  dataset_id uuid not null references public.market_datasets (id) on delete cascade,
  first_missing_id bigint not null,
  last_missing_id bigint not null check (last_missing_id >= first_missing_id),
  detected_at timestamptz not null default now(),
  unique (dataset_id, first_missing_id)
);
comment on table public.market_ingestion_gaps is 'Ranges of trade ids a sequenced feed skipped (e.g. while the ingester was down).';
comment on column public.market_ingestion_gaps.id is 'Gap id.';
comment on column public.market_ingestion_gaps.dataset_id is 'Dataset with the gap.';
comment on column public.market_ingestion_gaps.first_missing_id is 'First trade id never received.';
comment on column public.market_ingestion_gaps.last_missing_id is 'Last trade id never received.';
comment on column public.market_ingestion_gaps.detected_at is 'When the ingester noticed the jump.';

alter table public.market_ingestion_minutes enable row level security;
alter table public.market_ingestion_gaps enable row level security;

create policy market_ingestion_minutes_owner_select on public.market_ingestion_minutes
  for select to authenticated
  using (exists (select 1 from public.market_datasets d
                 where d.id = dataset_id and d.user_id = (select auth.uid())));

create policy market_ingestion_gaps_owner_select on public.market_ingestion_gaps
  for select to authenticated
  using (exists (select 1 from public.market_datasets d
                 where d.id = dataset_id and d.user_id = (select auth.uid())));

revoke all on public.market_ingestion_minutes, public.market_ingestion_gaps from anon, authenticated;
grant select on public.market_ingestion_minutes, public.market_ingestion_gaps to authenticated;
