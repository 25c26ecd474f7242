// A comparable description of everything a migration can create, read from the catalog (this machine has
// no pg_dump): two databases with equal snapshots have the same schema, grants, policies and comments.
import type postgres from 'postgres';

const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%'
                      and n.nspname not like 'pg_toast_temp%'`;

export async function schemaSnapshot(sql: postgres.Sql): Promise<Record<string, unknown[]>> {
  const q = (text: string) => sql.unsafe(text).then((rows) => rows.map((r) => ({ ...r })));
  return {
    schemas:
      await q(`select nspname, pg_get_userbyid(nspowner) owner, nspacl::text acl, obj_description(n.oid) comment
                      from pg_namespace n where ${USER_SCHEMAS} order by 1`),
    relations:
      await q(`select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) owner, c.relrowsecurity,
                          c.relforcerowsecurity, c.relacl::text acl, obj_description(c.oid) comment
                        from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where ${USER_SCHEMAS} and c.relkind in ('r', 'v', 'm', 'p', 'f', 'S') order by 1, 2`),
    columns:
      await q(`select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) type, a.attnotnull,
                        pg_get_expr(d.adbin, d.adrelid) default, a.attgenerated, a.attacl::text acl,
                        col_description(c.oid, a.attnum) comment
                      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
                      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                      where ${USER_SCHEMAS} and a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'v', 'm', 'p', 'f')
                      order by 1, 2, a.attnum`),
    constraints: await q(`select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) def
                          from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
                          where ${USER_SCHEMAS} order by 1, 2, 3`),
    indexes: await q(`select schemaname, tablename, indexname, indexdef from pg_indexes n
                      where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2, 3`),
    functions: await q(`select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) args,
                          pg_get_functiondef(p.oid) def, pg_get_userbyid(p.proowner) owner, p.proacl::text acl,
                          obj_description(p.oid) comment
                        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                        where ${USER_SCHEMAS} and p.prokind in ('f', 'p') order by 1, 2, 3`),
    policies:
      await q(`select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
                       from pg_policies order by 1, 2, 3`),
    triggers: await q(`select c.relname, t.tgname, pg_get_triggerdef(t.oid) def
                       from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal order by 1, 2`),
    types: await q(`select n.nspname, t.typname, t.typtype,
                      (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) labels
                    from pg_type t join pg_namespace n on n.oid = t.typnamespace
                    where ${USER_SCHEMAS} and t.typtype in ('e', 'd', 'c') and not exists
                      (select 1 from pg_class c where c.reltype = t.oid and c.relkind <> 'c') order by 1, 2`),
    publications: await q(
      `select pubname, schemaname, tablename from pg_publication_tables order by 1, 2, 3`,
    ),
    defaultPrivileges:
      await q(`select pg_get_userbyid(defaclrole) role, defaclnamespace::regnamespace::text schema,
                                  defaclobjtype, defaclacl::text acl from pg_default_acl order by 1, 2, 3`),
  };
}
