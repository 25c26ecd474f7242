-- Identity: one profile per user, created by the database when Auth creates the user, so every other
-- domain can reference `profiles` and a client never has to remember to create one. Also the `private`
-- schema that holds privileged helpers PostgREST does not expose.

create schema if not exists private;
comment on schema private is 'Privileged helpers (security definer, search_path ''''); not exposed through the API.';
revoke all on schema private from public, anon, authenticated;
grant usage on schema private to service_role;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text check (char_length(display_name) between 1 and 80),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One row per user, created when the user signs up; the user may change only display_name.';
comment on column public.profiles.id is 'The user''s id (auth.users.id).';
comment on column public.profiles.display_name is 'Name shown in the app and to the Discord companion, 1 to 80 characters.';

alter table public.profiles enable row level security;

create policy profiles_owner_select on public.profiles
  for select to authenticated
  using ((select auth.uid()) = id);

create policy profiles_owner_update on public.profiles
  for update to authenticated
  using ((select auth.uid()) = id)
  with check ((select auth.uid()) = id);

-- Rows are created by the trigger below and removed with the user; clients only rename.
revoke insert, update, delete, truncate, references, trigger on public.profiles from anon, authenticated;
revoke select on public.profiles from anon;
grant update (display_name) on public.profiles to authenticated;

create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.touch_updated_at() is 'Trigger: keeps updated_at at the time of the last change.';

create trigger profiles_touch_updated_at
  before update on public.profiles
  for each row execute function private.touch_updated_at();

create function private.create_profile_for_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name)
  values (
    new.id,
    nullif(left(coalesce(new.raw_user_meta_data ->> 'display_name', split_part(new.email, '@', 1)), 80), '')
  );
  return new;
end
$$;
comment on function private.create_profile_for_new_user() is
  'Trigger on auth.users: creates the user''s profile, named from user metadata or the email''s local part.';
revoke execute on function private.create_profile_for_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.create_profile_for_new_user();
