-- Trading accounts: paper portfolios (many per user) and the cash ledger, the only source of a portfolio's
-- cash balance (its sum). Clients read their own rows; they create portfolios and move cash only through
-- RPCs, so every change of cash is an entry with a reason. Also the shared error helper every trading
-- function raises through, so API clients see one stable code per failure.

-- The trading RPCs in public are thin `security invoker` wrappers over definer helpers in `private`, so the
-- API roles may call those helpers (each checks auth.uid() itself); PostgREST still does not expose `private`.
grant usage on schema private to authenticated;

create function private.fail(p_code text, p_message text, p_errcode text default 'P0001') returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  raise exception using errcode = p_errcode, message = p_message, detail = p_code, hint = p_code;
end
$$;
comment on function private.fail(text, text, text) is
  'Raises a trading error: a human message, and the stable machine code (e.g. insufficient_buying_power) in detail and hint.';

create function private.require_user() returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    perform private.fail('not_authenticated', 'Sign in to trade.', '42501');
  end if;
  return v_uid;
end
$$;
comment on function private.require_user() is 'The calling user''s id from the JWT; raises not_authenticated without one.';

create function private.check_amount(p_value numeric, p_code text, p_what text) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- numeric accepts NaN and Infinity, and NaN compares greater than every number: test for them first.
  if p_value is not null and (p_value::text in ('NaN', 'Infinity', '-Infinity') or p_value <= 0) then
    perform private.fail(p_code, format('%s must be a positive finite number, got %s.', p_what, p_value), '22023');
  end if;
end
$$;
comment on function private.check_amount(numeric, text, text) is 'Raises p_code unless p_value is null or a positive finite number.';

create table public.portfolios (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 80),
  base_currency text not null default 'USD' check (base_currency = 'USD'),
  starting_cash numeric not null check (starting_cash > 0 and starting_cash <= 100000000),
  reset_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index portfolios_user_id_idx on public.portfolios (user_id);
comment on table public.portfolios is 'A paper trading account. Cash is the sum of its cash_ledger; positions and orders hang off it.';
comment on column public.portfolios.user_id is 'Owner.';
comment on column public.portfolios.name is 'Name chosen by the owner, 1 to 80 characters.';
comment on column public.portfolios.base_currency is 'Currency of cash and valuations (USD only for now).';
comment on column public.portfolios.starting_cash is 'Cash the portfolio starts with and returns to on reset.';
comment on column public.portfolios.reset_at is 'Start of the current performance period (creation or last reset).';

create table public.cash_ledger (
  id bigint generated always as identity primary key,
  portfolio_id uuid not null references public.portfolios (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('initial', 'deposit', 'withdrawal', 'trade', 'reset')),
  amount numeric not null check (amount::text not in ('NaN', 'Infinity', '-Infinity')),
  fill_id bigint,
  note text,
  created_at timestamptz not null default now()
);
create index cash_ledger_portfolio_idx on public.cash_ledger (portfolio_id, created_at);
comment on table public.cash_ledger is 'Append-only cash movements; a portfolio''s cash balance is the sum of amount. Written only by the database.';
comment on column public.cash_ledger.kind is 'initial (funding on creation), deposit, withdrawal, trade (a fill), reset.';
comment on column public.cash_ledger.amount is 'Signed amount in the base currency: positive adds cash.';
comment on column public.cash_ledger.fill_id is 'The fill that caused a trade entry.';
comment on column public.cash_ledger.note is 'Why the entry exists, for people reading the ledger.';

alter table public.portfolios enable row level security;
alter table public.cash_ledger enable row level security;

create policy portfolios_owner_select on public.portfolios
  for select to authenticated
  using ((select auth.uid()) = user_id);
create policy portfolios_owner_update on public.portfolios
  for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);
create policy portfolios_owner_delete on public.portfolios
  for delete to authenticated
  using ((select auth.uid()) = user_id);
create policy cash_ledger_owner_select on public.cash_ledger
  for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on public.portfolios, public.cash_ledger from anon, authenticated;
grant select, delete on public.portfolios to authenticated;
grant update (name) on public.portfolios to authenticated;
grant select on public.cash_ledger to authenticated;

create trigger portfolios_touch_updated_at
  before update on public.portfolios
  for each row execute function private.touch_updated_at();

create function private.cash_balance(p_portfolio_id uuid) returns numeric
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(amount), 0) from public.cash_ledger where portfolio_id = p_portfolio_id
$$;
comment on function private.cash_balance(uuid) is 'A portfolio''s cash: the sum of its ledger.';

create function private.lock_own_portfolio(p_portfolio_id uuid) returns public.portfolios
language plpgsql
set search_path = ''
as $$
declare
  v_portfolio public.portfolios;
begin
  -- Every change to a portfolio's cash, orders or positions first takes this row lock, so two racing
  -- requests see each other's reservations and cash can never be spent twice.
  select * into v_portfolio from public.portfolios
  where id = p_portfolio_id and user_id = private.require_user()
  for update;
  if not found then
    -- Another user's portfolio looks exactly like a missing one.
    perform private.fail('portfolio_not_found', 'No such portfolio.', 'P0002');
  end if;
  return v_portfolio;
end
$$;
comment on function private.lock_own_portfolio(uuid) is 'Locks the caller''s portfolio row; raises portfolio_not_found for anyone else''s.';

create function private.create_portfolio(p_name text, p_starting_cash numeric) returns public.portfolios
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_user();
  v_portfolio public.portfolios;
begin
  perform private.check_amount(p_starting_cash, 'invalid_amount', 'starting_cash');
  if p_starting_cash is null or p_starting_cash > 100000000 then
    perform private.fail('invalid_amount', 'starting_cash must be between 0 and 100,000,000.', '22023');
  end if;
  if p_name is null or char_length(trim(p_name)) not between 1 and 80 then
    perform private.fail('invalid_name', 'Portfolio name must be 1 to 80 characters.', '22023');
  end if;
  insert into public.portfolios (user_id, name, starting_cash)
  values (v_uid, trim(p_name), p_starting_cash)
  returning * into v_portfolio;
  insert into public.cash_ledger (portfolio_id, user_id, kind, amount, note)
  values (v_portfolio.id, v_uid, 'initial', p_starting_cash, 'starting cash');
  return v_portfolio;
end
$$;
comment on function private.create_portfolio(text, numeric) is 'Creates a portfolio for the caller funded with its starting cash.';

create function public.create_portfolio(name text, starting_cash numeric default 100000) returns public.portfolios
language sql
security invoker
set search_path = ''
as $$
  select * from private.create_portfolio(name, starting_cash)
$$;
comment on function public.create_portfolio(text, numeric) is
  'Creates a paper portfolio for the signed-in user, funded with starting_cash (default 100000).';

create function private.transfer_cash(p_portfolio_id uuid, p_amount numeric) returns numeric
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_portfolio public.portfolios := private.lock_own_portfolio(p_portfolio_id);
  v_available numeric;
begin
  if p_amount is null or p_amount::text in ('NaN', 'Infinity', '-Infinity') or p_amount = 0 then
    perform private.fail('invalid_amount', 'amount must be a non-zero finite number.', '22023');
  end if;
  if p_amount < 0 then
    v_available := private.buying_power(v_portfolio.id);
    if -p_amount > v_available then
      perform private.fail('insufficient_buying_power',
        format('Cannot withdraw %s: buying power is %s.', -p_amount, v_available));
    end if;
  end if;
  insert into public.cash_ledger (portfolio_id, user_id, kind, amount)
  values (v_portfolio.id, v_portfolio.user_id, case when p_amount > 0 then 'deposit' else 'withdrawal' end, p_amount);
  return private.cash_balance(v_portfolio.id);
end
$$;
comment on function private.transfer_cash(uuid, numeric) is 'Deposits (positive) or withdraws (negative, up to buying power) cash; returns the new balance.';

create function public.transfer_cash(portfolio_id uuid, amount numeric) returns numeric
language sql
security invoker
set search_path = ''
as $$
  select private.transfer_cash(portfolio_id, amount)
$$;
comment on function public.transfer_cash(uuid, numeric) is
  'Deposits (positive amount) or withdraws (negative, at most the buying power) cash; returns the new cash balance.';

revoke execute on function
  private.fail(text, text, text), private.require_user(), private.check_amount(numeric, text, text),
  private.cash_balance(uuid), private.lock_own_portfolio(uuid), private.create_portfolio(text, numeric),
  private.transfer_cash(uuid, numeric), public.create_portfolio(text, numeric), public.transfer_cash(uuid, numeric)
  from public, anon, authenticated;
grant execute on function
  private.create_portfolio(text, numeric), private.transfer_cash(uuid, numeric),
  public.create_portfolio(text, numeric), public.transfer_cash(uuid, numeric)
  to authenticated;

-- Remaining columns, for Studio and generated types.
comment on column public.portfolios.id is 'Portfolio id.';
comment on column public.portfolios.created_at is 'When the portfolio was created.';
comment on column public.portfolios.updated_at is 'When the portfolio row last changed.';
comment on column public.cash_ledger.id is 'Entry id, increasing in the order entries were written.';
comment on column public.cash_ledger.portfolio_id is 'The portfolio whose cash moved.';
comment on column public.cash_ledger.user_id is 'Owner of the portfolio (for RLS).';
comment on column public.cash_ledger.created_at is 'When the cash moved.';
