-- realtime.visible_rows with its subscriber groups as two parallel text arrays (claims, and candidate row
-- indexes or null for "every row") instead of one jsonb array. A PL/pgSQL jsonb variable is a flat value:
-- taking element i of it (`groups -> i`) copied the whole array, so with 1,000 groups a batch copied the
-- ~400 kB of claims 1,000 times (about 13 µs a group); array elements are read in place. The row-number
-- column the check adds is named so that it cannot collide with one of the table's own columns.

drop function if exists realtime.visible_rows(regclass, text, jsonb, jsonb);

create or replace function realtime.visible_rows(rel regclass, role_name text, claims text[], candidates text[], rows jsonb)
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
  idx text := 'realtime_row_index';
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
  while exists (select 1 from pg_catalog.pg_attribute a
                where a.attrelid = rel and a.attname = idx and a.attnum > 0 and not a.attisdropped) loop
    idx := idx || '_';
  end loop;
  fname := 'realtime_rls2_' || pg_catalog.md5(rel::oid::text || ' ' || role_name || ' ' || cols || ' ' || pred);
  if pg_catalog.to_regprocedure(pg_catalog.format('pg_temp.%I(text[], text[], jsonb)', fname)) is null then
    -- One statement for the groups that may see every row of the batch, one for those whose filters left
    -- them a subset; both checked as `role_name` under the group's claims, as PostgREST runs a request.
    -- Generic plans: the cost of a check is then one execution, never a planning (the rows change with
    -- every batch, the plan's shape does not).
    execute pg_catalog.format($f$
      create function pg_temp.%1$I(rt_claims text[], rt_cands text[], rt_rows jsonb)
      returns table (rt_grp int, rt_change int)
      language plpgsql volatile set search_path = '' set plan_cache_mode = force_generic_plan as $body$
      #variable_conflict use_column
      -- Policies name the table's columns unqualified: a column wins over a variable of the same name.
      declare
        rt_all_rows %2$s[];
        rt_g int := 1;
        rt_n int := coalesce(pg_catalog.array_length(rt_claims, 1), 0);
        rt_cand int[];
        rt_visible int[];
        rt_x int;
        rt_set text;
      begin
        rt_all_rows := array(
          select pg_catalog.jsonb_populate_record(null::%2$s, e.value)
          from pg_catalog.jsonb_array_elements(rt_rows) with ordinality as e(value, o) order by e.o);
        -- All groups run in one subtransaction. When a policy raises for a group, that group sees none of
        -- the rows (as its failing query would show it nothing) and the next group starts a new one; rows
        -- already returned belong to groups checked before it, so nothing is returned twice.
        while rt_g <= rt_n loop
          begin
            rt_set := pg_catalog.set_config('role', %3$L, true);
            while rt_g <= rt_n loop
              rt_set := pg_catalog.set_config('request.jwt.claims', rt_claims[rt_g], true);
              -- A group's rows are collected before any is returned, so a policy raising half-way through
              -- returns none of them.
              if rt_cands[rt_g] is null then
                select pg_catalog.array_agg(%4$I.%7$I - 1) into rt_visible
                  from pg_catalog.unnest(rt_all_rows) with ordinality as %4$I(%5$s, %7$I)
                  where %6$s;
              else
                rt_cand := rt_cands[rt_g]::int[];
                select pg_catalog.array_agg(rt_cand[%4$I.%7$I]) into rt_visible
                  from pg_catalog.unnest(array(select rt_all_rows[rt_i + 1] from pg_catalog.unnest(rt_cand) as rt_i))
                    with ordinality as %4$I(%5$s, %7$I)
                  where %6$s;
              end if;
              if rt_visible is not null then
                foreach rt_x in array rt_visible loop
                  rt_grp := rt_g - 1;
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
    $f$, fname, rel::regclass::text, role_name, relname, cols, pred, idx);
  end if;
  return query execute pg_catalog.format('select * from pg_temp.%I($1, $2, $3)', fname)
    using claims, candidates, rows;
end
$$;
comment on function realtime.visible_rows(regclass, text, text[], text[], jsonb) is
  'Realtime: which subscriber groups (claims[i] as JSON text; candidates[i] an int[] literal of row indexes, '
  'or null for all rows) of one role may see which rows (JSON row images) of one table under its SELECT '
  'policies; 0-based (grp, change) pairs.';
revoke all on function realtime.visible_rows(regclass, text, text[], text[], jsonb) from public;
