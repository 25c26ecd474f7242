-- Cluster-wide roles as the Supabase Postgres image creates them. Idempotent: runs on every start.
-- `postgres` is what migrations and operators use; like on a Supabase project it is not a superuser
-- (so a migration that needs superuser fails here as it would in production) but bypasses RLS.
do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('anon',                       'nologin noinherit'),
      ('authenticated',              'nologin noinherit'),
      ('service_role',               'nologin noinherit bypassrls'),
      ('authenticator',              'login noinherit'),
      ('postgres',                   'login createrole createdb replication bypassrls'),
      ('supabase_auth_admin',        'login noinherit createrole'),
      ('supabase_realtime_admin',    'nologin noinherit'),
      ('supabase_replication_admin', 'login replication'),
      ('dashboard_user',             'nologin createrole createdb replication')
    ) as v(name, attrs)
  loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      execute format('create role %I %s', r.name, r.attrs);
    end if;
  end loop;
end
$$;

alter role postgres with password 'postgres';
alter role authenticator with password 'postgres';
alter role supabase_auth_admin with password 'postgres';
alter role supabase_replication_admin with password 'postgres';

-- PostgREST logs in as authenticator and switches to the role named in the JWT.
grant anon, authenticated, service_role to authenticator;
-- postgres may act as the API roles (tests and operators impersonate users with `set role`).
grant anon, authenticated, service_role to postgres with admin option;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = '60s';
