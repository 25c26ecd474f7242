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
    -- Generic plans: the cost of a check is then one execution, never a planning (the rows change with
    -- every batch, the plan's shape does not).
    execute pg_catalog.format($f$
      create function pg_temp.%1$I(rt_groups jsonb, rt_rows jsonb) returns table (rt_grp int, rt_change int)
      language plpgsql volatile set search_path = '' set plan_cache_mode = force_generic_plan as $body$
      #variable_conflict use_column
      -- Policies name the table's columns unqualified: a column wins over a variable of the same name.
      declare
        rt_all_rows %2$s[];
        rt_g int := 0;
        rt_n int := pg_catalog.jsonb_array_length(rt_groups);
        rt_entry jsonb;
        rt_cand int[];
        rt_visible int[];
        rt_x int;
      begin
        rt_all_rows := array(
          select pg_catalog.jsonb_populate_record(null::%2$s, e.value)
          from pg_catalog.jsonb_array_elements(rt_rows) with ordinality as e(value, o) order by e.o);
        -- All groups run in one subtransaction. When a policy raises for a group, that group sees none of
        -- the rows (as its failing query would show it nothing) and the next group starts a new one; the
        -- rows already returned belong to groups checked before it, so nothing is returned twice.
        while rt_g < rt_n loop
          begin
            perform pg_catalog.set_config('role', %3$L, true);
            while rt_g < rt_n loop
              rt_entry := rt_groups -> rt_g;
              perform pg_catalog.set_config('request.jwt.claims', rt_entry ->> 'c', true);
              if pg_catalog.jsonb_typeof(rt_entry -> 'i') is distinct from 'array' then
                select pg_catalog.array_agg(%4$I."realtime_row_index" - 1) into rt_visible
                  from pg_catalog.unnest(rt_all_rows) with ordinality as %4$I(%5$s, "realtime_row_index")
                  where %6$s;
              else
                rt_cand := array(select pg_catalog.jsonb_array_elements_text(rt_entry -> 'i')::int);
                select pg_catalog.array_agg(rt_cand[%4$I."realtime_row_index"]) into rt_visible
                  from pg_catalog.unnest(array(select rt_all_rows[rt_i + 1] from pg_catalog.unnest(rt_cand) as rt_i))
                    with ordinality as %4$I(%5$s, "realtime_row_index")
                  where %6$s;
              end if;
              if rt_visible is not null then
                foreach rt_x in array rt_visible loop
                  rt_grp := rt_g;
                  rt_change := rt_x;
                  return next;
                end loop;
              end if;
              rt_g := rt_g + 1;
            end loop;
          exception when others then
            rt_g := rt_g + 1;
          end;
        end loop;
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
