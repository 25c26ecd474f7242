// What PostgREST knows about the exposed schemas, read from pg_catalog once and again on
// NOTIFY pgrst, 'reload schema' — never per request.
import type postgres from 'postgres';

export interface Column {
  name: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  /** The column default as SQL from pg_attrdef, used for `Prefer: missing=default`. */
  defaultExpr: string | null;
}

export interface Table {
  schema: string;
  name: string;
  isView: boolean;
  columns: Map<string, Column>;
  pk: string[];
}

export interface ForeignKey {
  name: string;
  /** The referencing table (`schema.name`) and columns. */
  from: string;
  fromColumns: string[];
  to: string;
  toColumns: string[];
}

export interface FunctionArg {
  name: string;
  type: string;
  hasDefault: boolean;
}

export interface RoutineDef {
  schema: string;
  name: string;
  args: FunctionArg[];
  returnType: string;
  returnsSet: boolean;
  /** The relation (`schema.name`) when the function returns rows of a table or view. */
  returnsRelation: string | null;
  returnsComposite: boolean;
  returnsVoid: boolean;
  volatility: 'i' | 's' | 'v';
}

export interface SchemaCache {
  tables: Map<string, Table>;
  fks: ForeignKey[];
  routines: Map<string, RoutineDef[]>;
}

export const qualified = (schema: string, name: string) => `${schema}.${name}`;

export async function loadSchemaCache(sql: postgres.Sql, schemas: string[]): Promise<SchemaCache> {
  const [rels, cols, pks, fks, procs] = await Promise.all([
    sql<{ schema: string; name: string; kind: string }[]>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(${schemas}) and c.relkind in ('r','v','m','f','p')`,
    sql<
      {
        schema: string;
        rel: string;
        name: string;
        type: string;
        notnull: boolean;
        hasdef: boolean;
        defexpr: string | null;
      }[]
    >`
      select n.nspname as schema, c.relname as rel, a.attname as name,
             format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
             (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as hasdef,
             (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
              where d.adrelid = a.attrelid and d.adnum = a.attnum and a.attgenerated = '') as defexpr
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(${schemas}) and c.relkind in ('r','v','m','f','p')
        and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    sql<{ schema: string; rel: string; cols: string[] }[]>`
      select n.nspname as schema, c.relname as rel,
             array(select a.attname from unnest(x.conkey) with ordinality k(num, ord)
                   join pg_attribute a on a.attrelid = x.conrelid and a.attnum = k.num order by k.ord)::text[] as cols
      from pg_constraint x join pg_class c on c.oid = x.conrelid join pg_namespace n on n.oid = c.relnamespace
      where x.contype = 'p' and n.nspname = any(${schemas})`,
    sql<{ name: string; fs: string; fr: string; fcols: string[]; ts: string; tr: string; tcols: string[] }[]>`
      select x.conname as name, fn.nspname as fs, fc.relname as fr, tn.nspname as ts, tc.relname as tr,
             array(select a.attname from unnest(x.conkey) with ordinality k(num, ord)
                   join pg_attribute a on a.attrelid = x.conrelid and a.attnum = k.num order by k.ord)::text[] as fcols,
             array(select a.attname from unnest(x.confkey) with ordinality k(num, ord)
                   join pg_attribute a on a.attrelid = x.confrelid and a.attnum = k.num order by k.ord)::text[] as tcols
      from pg_constraint x
      join pg_class fc on fc.oid = x.conrelid join pg_namespace fn on fn.oid = fc.relnamespace
      join pg_class tc on tc.oid = x.confrelid join pg_namespace tn on tn.oid = tc.relnamespace
      where x.contype = 'f' and (fn.nspname = any(${schemas}) or tn.nspname = any(${schemas}))`,
    sql<
      {
        schema: string;
        name: string;
        argnames: string[] | null;
        argtypes: string[];
        nargdefaults: number;
        rettype: string;
        retset: boolean;
        retrel: string | null;
        retcomposite: boolean;
        retvoid: boolean;
        vol: 'i' | 's' | 'v';
      }[]
    >`
      select n.nspname as schema, p.proname as name, p.pronargdefaults as nargdefaults,
             array(select coalesce(p.proargnames[i], '') from generate_series(1, p.pronargs) i
                   where p.proargmodes is null or p.proargmodes[i] in ('i','b','v'))::text[] as argnames,
             array(select format_type(t, null) from unnest(p.proargtypes) t)::text[] as argtypes,
             format_type(p.prorettype, null) as rettype, p.proretset as retset,
             (select rn.nspname || '.' || rc.relname from pg_class rc join pg_namespace rn on rn.oid = rc.relnamespace
              where rc.oid = rt.typrelid) as retrel,
             (rt.typrelid <> 0 or p.prorettype = 'record'::regtype) as retcomposite,
             p.prorettype = 'void'::regtype as retvoid, p.provolatile as vol
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type rt on rt.oid = p.prorettype
      where n.nspname = any(${schemas}) and p.prokind = 'f'`,
  ]);
  const tables = new Map<string, Table>();
  for (const r of rels)
    tables.set(qualified(r.schema, r.name), {
      schema: r.schema,
      name: r.name,
      isView: r.kind === 'v' || r.kind === 'm',
      columns: new Map(),
      pk: [],
    });
  for (const c of cols)
    tables.get(qualified(c.schema, c.rel))?.columns.set(c.name, {
      name: c.name,
      type: c.type,
      nullable: !c.notnull,
      hasDefault: c.hasdef,
      defaultExpr: c.defexpr,
    });
  for (const p of pks) {
    const t = tables.get(qualified(p.schema, p.rel));
    if (t) t.pk = p.cols;
  }
  const routines = new Map<string, RoutineDef[]>();
  for (const p of procs) {
    const key = qualified(p.schema, p.name);
    const nargs = p.argtypes.length;
    const args = p.argtypes.map((type, i) => ({
      name: p.argnames?.[i] ?? '',
      type,
      hasDefault: i >= nargs - p.nargdefaults,
    }));
    const list = routines.get(key) ?? [];
    list.push({
      schema: p.schema,
      name: p.name,
      args,
      returnType: p.rettype,
      returnsSet: p.retset,
      returnsRelation: p.retrel,
      returnsComposite: p.retcomposite,
      returnsVoid: p.retvoid,
      volatility: p.vol,
    });
    routines.set(key, list);
  }
  return {
    tables,
    fks: fks.map((f) => ({
      name: f.name,
      from: qualified(f.fs, f.fr),
      fromColumns: f.fcols,
      to: qualified(f.ts, f.tr),
      toColumns: f.tcols,
    })),
    routines,
  };
}
