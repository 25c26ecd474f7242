-- Realtime Authorization: private channels (`config.private: true`) are authorised by the project's RLS
-- policies on realtime.messages, as on Supabase. SELECT policies decide who may join and receive (broadcast,
-- presence), INSERT policies who may send broadcasts and track presence; realtime.topic() names the channel
-- being checked. Realtime never keeps rows here: each check inserts probe rows and rolls them back.

create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid() primary key,
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now()
);
comment on table realtime.messages is
  'Realtime Authorization: write RLS policies here (SELECT: receive, INSERT: send) for private channels; '
  'Realtime only probes it and keeps no rows.';
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
-- The project's migrations (as postgres) write the policies, as on Supabase.
grant supabase_realtime_admin to postgres;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

create or replace function realtime.topic() returns text
language sql
stable
as $$ select nullif(pg_catalog.current_setting('realtime.topic', true), '')::text $$;
comment on function realtime.topic() is
  'Realtime Authorization: the channel topic being authorised, for policies on realtime.messages.';
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;

-- What a user (role + JWT claims) may do on a private channel: read (a SELECT policy shows them a probe row
-- of the topic and extension) and write (an INSERT policy accepts one), for broadcast and presence. The
-- probe rows never survive the call. A policy that raises makes the call fail with its error.
create or replace function realtime.channel_access(topic_name text, role_name text, claims text)
returns table (broadcast_read boolean, presence_read boolean, broadcast_write boolean, presence_write boolean)
language plpgsql
volatile
set search_path = ''
as $$
declare
  b_id uuid;
  p_id uuid;
  br boolean := false;
  pr boolean := false;
  bw boolean := false;
  pw boolean := false;
begin
  begin
    insert into realtime.messages (topic, extension, private) values (topic_name, 'broadcast', true)
      returning id into b_id;
    insert into realtime.messages (topic, extension, private) values (topic_name, 'presence', true)
      returning id into p_id;
    perform pg_catalog.set_config('realtime.topic', topic_name, true);
    perform pg_catalog.set_config('request.jwt.claims', claims, true);
    perform pg_catalog.set_config('role', role_name, true);
    select exists (select 1 from realtime.messages m where m.id = b_id) into br;
    select exists (select 1 from realtime.messages m where m.id = p_id) into pr;
    begin
      insert into realtime.messages (topic, extension, private) values (topic_name, 'broadcast', true);
      bw := true;
    exception when insufficient_privilege then
      bw := false;
    end;
    begin
      insert into realtime.messages (topic, extension, private) values (topic_name, 'presence', true);
      pw := true;
    exception when insufficient_privilege then
      pw := false;
    end;
    -- Undo the probes (and the settings) by failing this block on purpose.
    raise exception using errcode = 'RTPRB';
  exception when sqlstate 'RTPRB' then
    null;
  end;
  return query select br, pr, bw, pw;
end
$$;
comment on function realtime.channel_access(text, text, text) is
  'Realtime Authorization: read/write rights of a role and JWT claims on a private channel topic.';
revoke all on function realtime.channel_access(text, text, text) from public;
