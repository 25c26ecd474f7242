-- Realtime decides, per change and per subscriber, whether that subscriber may see the row, the way
-- Supabase Realtime's `apply_rls` does: as the subscriber's role with their JWT claims. Unlike a lookup of
-- the row by primary key, the table's SELECT policies are evaluated against the row image the WAL carried,
-- so a deleted row (replica identity full) and a row changed again since are judged as they were.

-- The SQL predicate a role's SELECT policies put on `rel`, or null when the role may not select at all.
-- Permissive policies are or-ed, restrictive ones and-ed, as Postgres combines them.
create or replace function realtime.select_predicate(rel regclass, role_name text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  r record;
  c record;
  permissive text[];
  restrictive text[];
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = role_name) then
    return null;
  end if;
  select relrowsecurity, relforcerowsecurity, relowner into c from pg_catalog.pg_class where oid = rel;
  if not pg_catalog.has_table_privilege(role_name, rel, 'SELECT') then
    return null;
  end if;
  if not c.relrowsecurity
     or (select rolbypassrls or rolsuper from pg_catalog.pg_roles where rolname = role_name)
     or (pg_catalog.pg_has_role(role_name, c.relowner, 'USAGE') and not c.relforcerowsecurity) then
    return 'true';
  end if;
  for r in
    select p.polpermissive, coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') as qual
    from pg_catalog.pg_policy p
    where p.polrelid = rel
      and p.polcmd in ('r', '*')
      and (0 = any (p.polroles)
           or exists (select 1 from unnest(p.polroles) pr
                      where pg_catalog.pg_has_role(role_name, pr, 'MEMBER')))
  loop
    if r.polpermissive then
      permissive := permissive || ('(' || r.qual || ')');
    else
      restrictive := restrictive || ('(' || r.qual || ')');
    end if;
  end loop;
  if permissive is null then
    return 'false';
  end if;
  return '(' || array_to_string(permissive, ' or ') || ')'
    || coalesce(' and ' || array_to_string(restrictive, ' and '), '');
end
$$;
comment on function realtime.select_predicate(regclass, text) is
  'Realtime: the combined SELECT policy expression a role is subject to on a table (null: no SELECT privilege).';

-- For each subscriber group (a role and its JWT claims) and each change (a table and a row image as JSON),
-- whether the group may see the row. Returns the visible (grp, change) pairs, 0-based. Called by the Realtime
-- service as superuser; each group is evaluated after `set role` and `request.jwt.claims`, exactly as
-- PostgREST runs a request, so policies calling auth.uid() or other tables behave as for that user.
create or replace function realtime.visible_changes(groups jsonb, changes jsonb)
returns table (grp int, change int)
language plpgsql
volatile
set search_path = ''
as $$
declare
  g record;
  t record;
  pred text;
  visible int[];
  preds jsonb := '{}';
begin
  for g in select (e.value ->> 'role') as role_name, (e.value -> 'claims') as claims, (e.ordinality - 1)::int as idx
           from jsonb_array_elements(groups) with ordinality e
  loop
    for t in select c.value ->> 'rel' as rel, jsonb_agg(jsonb_build_object('i', c.ordinality - 1, 'r', c.value -> 'record')) as rows
             from jsonb_array_elements(changes) with ordinality c
             group by 1
    loop
      if preds ? (g.role_name || ' ' || t.rel) then
        pred := preds ->> (g.role_name || ' ' || t.rel);
      else
        pred := realtime.select_predicate(t.rel::regclass, g.role_name);
        preds := preds || jsonb_build_object(g.role_name || ' ' || t.rel, pred);
      end if;
      continue when pred is null or pred = 'false';
      begin
        perform pg_catalog.set_config('request.jwt.claims', g.claims::text, true);
        perform pg_catalog.set_config('role', g.role_name, true);
        execute format(
          'select array_agg((x.value ->> ''i'')::int) from jsonb_array_elements($1) x, '
          'lateral jsonb_populate_record(null::%s, x.value -> ''r'') as %I where %s',
          t.rel::regclass, (select relname from pg_catalog.pg_class where oid = t.rel::regclass), pred)
          into visible using t.rows;
        perform pg_catalog.set_config('role', 'supabase_admin', true);
      exception when others then
        -- A policy that errors for this user hides the row from them, as the failing query would.
        perform pg_catalog.set_config('role', 'supabase_admin', true);
        visible := null;
      end;
      if visible is not null then
        return query select g.idx, unnest(visible);
      end if;
    end loop;
  end loop;
end
$$;
comment on function realtime.visible_changes(jsonb, jsonb) is
  'Realtime: which subscriber groups (role + JWT claims) may see which changed rows under RLS.';
revoke all on function realtime.visible_changes(jsonb, jsonb) from public;
revoke all on function realtime.select_predicate(regclass, text) from public;
