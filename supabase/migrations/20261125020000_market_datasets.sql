-- Market-data datasets: one row per feed and stream the ingester reads (e.g. the local simulator's trades and
-- quotes, or Alpaca's IEX feed). Trades, bars and ingestion telemetry hang off a dataset, so two feeds with
-- overlapping trade ids never collide and each feed's health is reported separately.
-- Ownership: a dataset belongs to the user who registered it (user_id) and only they read its telemetry. The
-- default local feed is a system dataset (user_id null) that only operators (postgres, service_role) see;
-- whoever wants to watch it registers their own dataset or reads it with the service role.

create table public.market_datasets (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._:-]{0,62}$'),
  user_id uuid references auth.users (id) on delete cascade,
  feed_url text not null check (char_length(feed_url) between 1 and 2000),
  stream text not null default 'trades+quotes' check (stream in ('trades', 'quotes', 'trades+quotes')),
  sequenced boolean not null default true,
  created_at timestamptz not null default now()
);
comment on table public.market_datasets is 'A market-data feed and stream the ingester records; trades, bars and telemetry belong to one.';
comment on column public.market_datasets.id is 'Dataset id.';
comment on column public.market_datasets.name is 'Stable name the ingester is configured with (e.g. local-simulator).';
comment on column public.market_datasets.user_id is 'Owner who may read its telemetry; null for system datasets only operators see.';
comment on column public.market_datasets.feed_url is 'WebSocket URL of the Alpaca-protocol feed (credentials are never stored).';
comment on column public.market_datasets.stream is 'Which channels of the feed are ingested.';
comment on column public.market_datasets.sequenced is 'Whether trade ids are one gap-free sequence per dataset, so a jump is a gap.';
comment on column public.market_datasets.created_at is 'When the dataset was registered.';

alter table public.market_datasets enable row level security;

create policy market_datasets_owner_select on public.market_datasets
  for select to authenticated
  using (user_id = (select auth.uid()));

-- Datasets are registered by operators and the ingester (postgres/service_role); users only read their own.
revoke all on public.market_datasets from anon, authenticated;
grant select on public.market_datasets to authenticated;
