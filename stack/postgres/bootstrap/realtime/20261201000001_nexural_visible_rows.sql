-- Realtime's RLS check with plans that stay cached: one call per table, role and batch of changes checks every
-- subscriber group (distinct JWT claims) of that role against every changed row of that table, each group by
-- one execution of a prepared query, instead of re-planning a dynamic query per group (visible_changes).
--
-- The query for a (table, role, SELECT policies, columns) is compiled into a PL/pgSQL function in the
-- session's pg_temp schema: PL/pgSQL keeps the plans of its static statements for the session, so after the
-- first batch a group costs a set_config of its claims and one execution of a cached plan. The function's name
-- is a hash of what it was generated from, so a changed policy or column list gets a new function at once.
-- Temporary functions vanish with the connection and are invisible to other sessions and to the API.

create or replace function realtime.visible_rows(rel regclass, role_name text, groups jsonb, rows jsonb)
returns table (grp int, change int)
language plpgsql
volatile
set search_path = ''
as $$
declare
  pred text;
  cols text;
  relname text;
  fname text;
begin
  select c.relname into relname from pg_catalog.pg_class c where c.oid = rel;
  if relname is null then
    return; -- dropped since the change was committed
  end if;
  pred := realtime.select_predicate(rel, role_name);
  if pred is null or pred = 'false' then
    return;
  end if;
  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
    into cols
    from pg_catalog.pg_attribute a
    where a.attrelid = rel and a.attnum > 0 and not a.attisdropped;
  fname := 'realtime_rls_' || pg_catalog.md5(rel::oid::text || ' ' || role_name || ' ' || cols || ' ' || pred);
  if pg_catalog.to_regprocedure(pg_catalog.format('pg_temp.%I(jsonb, jsonb)', fname)) is null then
    -- One statement for the groups that may see every row of the batch, one for those whose filters left
    -- them a subset; both checked as `role_name` under the group's claims, as PostgREST runs a request.
    execute pg_catalog.format($f$
      create function pg_temp.%1$I(groups jsonb, rows jsonb) returns table (grp int, change int)
      language plpgsql volatile set search_path = '' set plan_cache_mode = force_generic_plan as $body$
      declare
        all_rows %2$s[];
        g int;
        n int := pg_catalog.jsonb_array_length(groups);
        cand int[];
        visible int[];
        out_grp int[] := '{}';
        out_change int[] := '{}';
        failed boolean := false;
      begin
        all_rows := array(
          select pg_catalog.jsonb_populate_record(null::%2$s, e.value)
          from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, o) order by e.o);
        -- Fast path: every group in one subtransaction. A policy that raises for some user sends us to the
        -- slow path below, where each group has its own, so only that group loses the rows.
        begin
          perform pg_catalog.set_config('role', %3$L, true);
          for g in 0 .. n - 1 loop
            perform pg_catalog.set_config('request.jwt.claims', (groups -> g ->> 'c'), true);
            if groups -> g -> 'i' is null or groups -> g -> 'i' = 'null' then
              select pg_catalog.array_agg(%4$I."realtime_row_index" - 1) into visible
                from pg_catalog.unnest(all_rows) with ordinality as %4$I(%5$s, "realtime_row_index")
                where %6$s;
            else
              cand := array(select pg_catalog.jsonb_array_elements_text(groups -> g -> 'i')::int);
              select pg_catalog.array_agg(cand[%4$I."realtime_row_index"]) into visible
                from pg_catalog.unnest(array(select all_rows[i + 1] from pg_catalog.unnest(cand) as i))
                  with ordinality as %4$I(%5$s, "realtime_row_index")
                where %6$s;
            end if;
            if visible is not null then
              out_grp := out_grp || pg_catalog.array_fill(g, array[pg_catalog.cardinality(visible)]);
              out_change := out_change || visible;
            end if;
          end loop;
        exception when others then
          failed := true;
        end;
        if failed then
          out_grp := '{}';
          out_change := '{}';
          for g in 0 .. n - 1 loop
            begin
              perform pg_catalog.set_config('role', %3$L, true);
              perform pg_catalog.set_config('request.jwt.claims', (groups -> g ->> 'c'), true);
              if groups -> g -> 'i' is null or groups -> g -> 'i' = 'null' then
                select pg_catalog.array_agg(%4$I."realtime_row_index" - 1) into visible
                  from pg_catalog.unnest(all_rows) with ordinality as %4$I(%5$s, "realtime_row_index")
                  where %6$s;
              else
                cand := array(select pg_catalog.jsonb_array_elements_text(groups -> g -> 'i')::int);
                select pg_catalog.array_agg(cand[%4$I."realtime_row_index"]) into visible
                  from pg_catalog.unnest(array(select all_rows[i + 1] from pg_catalog.unnest(cand) as i))
                    with ordinality as %4$I(%5$s, "realtime_row_index")
                  where %6$s;
              end if;
            exception when others then
              -- A policy that errors for this user hides the rows from them, as the failing query would.
              visible := null;
            end;
            if visible is not null then
              out_grp := out_grp || pg_catalog.array_fill(g, array[pg_catalog.cardinality(visible)]);
              out_change := out_change || visible;
            end if;
          end loop;
        end if;
        return query select u.g, u.c from unnest(out_grp, out_change) as u(g, c);
      end
      $body$
    $f$, fname, rel::regclass::text, role_name, relname, cols, pred);
  end if;
  return query execute pg_catalog.format('select * from pg_temp.%I($1, $2)', fname) using groups, rows;
end
$$;
comment on function realtime.visible_rows(regclass, text, jsonb, jsonb) is
  'Realtime: which subscriber groups ([{c: claims json text, i: candidate row indexes or null}]) of one role may '
  'see which rows (JSON row images) of one table under its SELECT policies; 0-based (grp, change) pairs.';
revoke all on function realtime.visible_rows(regclass, text, jsonb, jsonb) from public;
