// Turns a parsed request into one SQL statement whose result is the response body, built in SQL as PostgREST
// does (json_agg/row_to_json) so numerics stay exact. Identifiers come from the schema cache and are quoted;
// every value is a bind parameter (see `Params`), so a request shape is one prepared statement whatever
// its values.
import { parseError, RestError } from './errors.ts';
import type { Condition, Filter, OrderTerm, Scoped } from './parse-filter.ts';
import type { FieldPath, SelectItem } from './parse-select.ts';
import { type ForeignKey, qualified, type SchemaCache, type Table } from './schema-cache.ts';

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Postgres text cannot hold NUL: refused up front with the error Postgres would give. */
function refuseNul(value: string) {
  if (value.includes('\0'))
    throw new RestError(400, '22021', 'invalid byte sequence for encoding "UTF8": 0x00');
}

/**
 * A text value as an SQL literal of unknown type (typed by its context, as an untyped bind parameter is).
 * Dollar quoting is immune to standard_conforming_strings and backslashes; the tag is one that first occurs
 * where the literal ends, so no value can close it early.
 */
export function literal(value: string): string {
  refuseNul(value);
  let tag = '$_$';
  for (let n = 0; `${value}${tag}`.indexOf(tag) !== value.length; n++) tag = `$_${n}$`;
  return `${tag}${value}${tag}`;
}

/**
 * Values of the statement being built: each `add` returns the placeholder (`$n`, an untyped text parameter,
 * typed by its context) standing for it, so no value ever becomes SQL text.
 */
export class Params {
  readonly values: string[] = [];
  add(v: string): string {
    refuseNul(v);
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * `sql` with its placeholders replaced by `values` as literals, for a statement that cannot take the
 * parameters as they are (an EXPLAIN of a query that uses only some of them). Quoted identifiers and string
 * constants are skipped, so only real placeholders are replaced.
 */
export function inlineParams(sql: string, values: readonly string[]): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      for (;;) {
        j = sql.indexOf(c, j);
        if (j < 0) {
          j = sql.length;
          break;
        }
        if (sql[j + 1] === c) j += 2;
        else break;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (/[0-9]/.test(sql[j] ?? '')) j++;
      out += literal(values[Number(sql.slice(i + 1, j)) - 1] ?? '');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export interface BuildContext {
  cache: SchemaCache;
  schema: string;
  params: Params;
  scopes: Map<string, Scoped>;
  maxRows: number | null;
  aliasCounter: { n: number };
}

export function findTable(ctx: { cache: SchemaCache; schema: string }, name: string): Table {
  const t = ctx.cache.tables.get(qualified(ctx.schema, name));
  if (!t)
    throw new RestError(
      404,
      'PGRST205',
      `Could not find the table '${ctx.schema}.${name}' in the schema cache`,
      null,
      null,
    );
  return t;
}

/** A relation-returning function has no entry in tables; its rows still have named columns. */
function checkColumn(table: Table | null, column: string) {
  if (table && !table.columns.has(column))
    throw new RestError(400, '42703', `column ${table.name}.${column} does not exist`);
}

export function fieldSql(ctx: BuildContext, alias: string, table: Table | null, f: FieldPath): string {
  checkColumn(table, f.column);
  let expr = `${ident(alias)}.${ident(f.column)}`;
  for (const step of f.json) {
    const key = /^-?\d+$/.test(step.key) ? step.key : `${ctx.params.add(step.key)}::text`;
    expr = `(${expr}${step.arrow}${key})`;
  }
  return expr;
}

const SIMPLE: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'LIKE',
  ilike: 'ILIKE',
  match: '~',
  imatch: '~*',
  isdistinct: 'IS DISTINCT FROM',
  cs: '@>',
  cd: '<@',
  ov: '&&',
  sl: '<<',
  sr: '>>',
  nxl: '&<',
  nxr: '&>',
  adj: '-|-',
};
const FTS: Record<string, string> = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery',
};

const likeValue = (op: string, v: string) => (op === 'like' || op === 'ilike' ? v.replaceAll('*', '%') : v);

function conditionSql(ctx: BuildContext, alias: string, table: Table | null, c: Condition): string {
  const expr = fieldSql(ctx, alias, table, c.field);
  let sql: string;
  if (c.op === 'is') {
    const v = c.value.toLowerCase();
    sql = `${expr} IS ${v === 'not_null' ? 'NOT NULL' : v.toUpperCase()}`;
  } else if (c.op === 'in') {
    const list = c.list ?? [];
    sql = list.length === 0 ? 'FALSE' : `${expr} IN (${list.map((v) => ctx.params.add(v)).join(', ')})`;
  } else if (c.op in FTS) {
    const fn = FTS[c.op];
    const lang = c.language ? `${ctx.params.add(c.language)}::regconfig, ` : '';
    sql = `${expr} @@ ${fn}(${lang}${ctx.params.add(c.value)})`;
  } else if (c.quantifier) {
    const op = SIMPLE[c.op];
    const list = c.list ?? [];
    const parts = list.map((v) => `${expr} ${op} ${ctx.params.add(likeValue(c.op, v))}`);
    sql = parts.length === 0 ? 'FALSE' : `(${parts.join(c.quantifier === 'any' ? ' OR ' : ' AND ')})`;
  } else {
    sql = `${expr} ${SIMPLE[c.op]} ${ctx.params.add(likeValue(c.op, c.value))}`;
  }
  return c.negate ? `NOT (${sql})` : sql;
}

export function filterSql(ctx: BuildContext, alias: string, table: Table | null, f: Filter): string {
  if (f.kind === 'cond') return conditionSql(ctx, alias, table, f);
  const parts = f.children.map((c) => filterSql(ctx, alias, table, c));
  const joined = parts.length ? `(${parts.join(f.op === 'and' ? ' AND ' : ' OR ')})` : 'TRUE';
  return f.negate ? `NOT ${joined}` : joined;
}

export function orderSql(
  ctx: BuildContext,
  alias: string,
  table: Table | null,
  terms: OrderTerm[],
  items: SelectItem[],
): string {
  return terms
    .map((t) => {
      let s = t.relation
        ? relatedOrderSql(ctx, alias, table, t.relation, t.field, items)
        : fieldSql(ctx, alias, table, t.field);
      if (t.dir) s += ` ${t.dir.toUpperCase()}`;
      if (t.nulls) s += ` NULLS ${t.nulls.toUpperCase()}`;
      return s;
    })
    .join(', ');
}

/**
 * `order=clients(name)`: the column of the row a to-one embed of this level points to, as a scalar subquery
 * over the same relationship (so RLS applies to it as to the embed), ordered by its own type.
 */
function relatedOrderSql(
  ctx: BuildContext,
  alias: string,
  table: Table | null,
  relation: string,
  field: FieldPath,
  items: SelectItem[],
): string {
  const embed = items.find(
    (i): i is Extract<SelectItem, { kind: 'embed' }> =>
      i.kind === 'embed' && (i.alias ?? i.name) === relation,
  );
  if (!embed || !table)
    throw new RestError(
      400,
      'PGRST108',
      `'${relation}' is not an embedded resource in this request`,
      null,
      `Verify that '${relation}' is included in the 'select' query parameter.`,
    );
  const rel = resolve(ctx, table, embed.name, embed.hint);
  if (rel.kind !== 'm2o')
    throw new RestError(
      400,
      'PGRST118',
      `A related order on '${relation}' is not possible`,
      `'${table.name}' and '${relation}' do not form a many-to-one or one-to-one relationship`,
      null,
    );
  const sub = `pgrst_order_${++ctx.aliasCounter.n}`;
  const on = rel.fk.fromColumns
    .map((c, i) => `${ident(sub)}.${ident(rel.fk.toColumns[i] ?? '')} = ${ident(alias)}.${ident(c)}`)
    .join(' AND ');
  return `(SELECT ${fieldSql(ctx, sub, rel.target, field)} FROM ${ident(rel.target.schema)}.${ident(rel.target.name)} AS ${ident(sub)} WHERE ${on})`;
}

type Relationship =
  | { kind: 'm2o'; target: Table; fk: ForeignKey }
  | { kind: 'o2m'; target: Table; fk: ForeignKey }
  | { kind: 'm2m'; target: Table; junction: Table; toParent: ForeignKey; toTarget: ForeignKey };

const key = (t: Table) => qualified(t.schema, t.name);

function relationships(ctx: BuildContext, parent: Table, name: string): Relationship[] {
  const fks = ctx.cache.fks;
  const target = ctx.cache.tables.get(qualified(parent.schema, name));
  const out: Relationship[] = [];
  if (target) {
    for (const fk of fks) {
      if (fk.from === key(parent) && fk.to === key(target)) out.push({ kind: 'm2o', target, fk });
      if (fk.from === key(target) && fk.to === key(parent) && (parent !== target || out.length === 0))
        out.push({ kind: 'o2m', target, fk });
    }
    for (const j of ctx.cache.tables.values()) {
      if (j === parent || j === target) continue;
      // PostgREST only treats a table as a junction when both foreign keys are part of its primary key.
      for (const toParent of fks.filter((f) => f.from === key(j) && f.to === key(parent)))
        for (const toTarget of fks.filter((f) => f.from === key(j) && f.to === key(target)))
          if (
            toParent !== toTarget &&
            [...toParent.fromColumns, ...toTarget.fromColumns].every((c) => j.pk.includes(c))
          )
            out.push({ kind: 'm2m', target, junction: j, toParent, toTarget });
    }
  } else {
    // `author_id(*)` or `messages_author_id_fkey(*)`: embed through the parent's foreign key itself.
    for (const fk of fks)
      if (
        fk.from === key(parent) &&
        (fk.name === name || (fk.fromColumns.length === 1 && fk.fromColumns[0] === name))
      ) {
        const t = ctx.cache.tables.get(fk.to);
        if (t) out.push({ kind: 'm2o', target: t, fk });
      }
  }
  return out;
}

function matchesHint(r: Relationship, hint: string): boolean {
  const fks = r.kind === 'm2m' ? [r.toParent, r.toTarget] : [r.fk];
  if (r.kind === 'm2m' && r.junction.name === hint) return true;
  return fks.some((fk) => fk.name === hint || fk.fromColumns.includes(hint) || fk.toColumns.includes(hint));
}

function describe(r: Relationship, parent: Table): Record<string, string> {
  const p = `${parent.schema}.${parent.name}`;
  const t = `${r.target.schema}.${r.target.name}`;
  if (r.kind === 'm2m')
    return {
      cardinality: 'many-to-many',
      embedding: `${parent.name} with ${r.target.name}`,
      relationship: `${r.toParent.name} using ${r.junction.schema}.${r.junction.name}(${r.toParent.fromColumns}) and ${r.toTarget.name}`,
    };
  return {
    cardinality: r.kind === 'm2o' ? 'many-to-one' : 'one-to-many',
    embedding: `${parent.name} with ${r.target.name}`,
    relationship: `${r.fk.name} using ${r.kind === 'm2o' ? p : t}(${r.fk.fromColumns.join(', ')}) and ${r.kind === 'm2o' ? t : p}(${r.fk.toColumns.join(', ')})`,
  };
}

function resolve(ctx: BuildContext, parent: Table, name: string, hint: string | null): Relationship {
  let rels = relationships(ctx, parent, name);
  if (hint) rels = rels.filter((r) => matchesHint(r, hint));
  if (rels.length === 0)
    throw new RestError(
      400,
      'PGRST200',
      `Could not find a relationship between '${parent.name}' and '${name}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent.name}' and '${name}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${parent.schema}', but no matches were found.`,
      null,
    );
  if (rels.length > 1) {
    const options = rels.map((r) => describe(r, parent));
    throw new RestError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${parent.name}' and '${name}'`,
      JSON.stringify(options),
      `Try changing '${name}' to one of the following: ${rels
        .map((r) => `'${name}!${r.kind === 'm2m' ? r.junction.name : r.fk.name}'`)
        .join(', ')}. Find the desired relationship in the 'details' key.`,
    );
  }
  return rels[0] as Relationship;
}

interface Projection {
  columns: string[];
  joins: string[];
  /** conditions that !inner embeds add to the WHERE clause */
  innerConds: string[];
  groupBy: string[] | null;
}

/** The select list of one level (root or embed) with its lateral joins for embeds. */
export function project(
  ctx: BuildContext,
  alias: string,
  table: Table | null,
  items: SelectItem[],
  path: string,
): Projection {
  const columns: string[] = [];
  const joins: string[] = [];
  const innerConds: string[] = [];
  const plain: string[] = [];
  let hasCount = false;
  for (const item of items) {
    if (item.kind === 'star') {
      columns.push(`${ident(alias)}.*`);
      plain.push(`${ident(alias)}.*`);
    } else if (item.kind === 'count') {
      hasCount = true;
      columns.push(`count(*) AS ${ident(item.alias ?? 'count')}`);
    } else if (item.kind === 'field') {
      let expr = fieldSql(ctx, alias, table, item.field);
      if (item.cast) expr = `CAST(${expr} AS ${item.cast})`;
      const name = item.alias ?? item.field.json.at(-1)?.key ?? item.field.column;
      columns.push(`${expr} AS ${ident(name)}`);
      plain.push(expr);
    } else {
      if (!table) throw parseError(`cannot embed ${item.name} here`);
      const rel = resolve(ctx, table, item.name, item.hint);
      const sub = `${rel.target.name}_${++ctx.aliasCounter.n}`;
      const lat = `pgrst_${ctx.aliasCounter.n}`;
      const subPath = path ? `${path}.${item.alias ?? item.name}` : (item.alias ?? item.name);
      const scoped = ctx.scopes.get(subPath);
      const only = item.items.length === 1 ? item.items[0] : undefined;
      const isCount =
        only?.kind === 'field' &&
        only.field.column === 'count' &&
        only.field.json.length === 0 &&
        !rel.target.columns.has('count');
      const inner = isCount
        ? { columns: ['count(*) AS "count"'], joins: [], innerConds: [], groupBy: null }
        : project(ctx, sub, rel.target, item.items.length ? item.items : [{ kind: 'star' }], subPath);
      const where: string[] = [];
      let from = `${ident(rel.target.schema)}.${ident(rel.target.name)} AS ${ident(sub)}`;
      if (rel.kind === 'm2o')
        rel.fk.fromColumns.forEach((c, i) => {
          where.push(`${ident(sub)}.${ident(rel.fk.toColumns[i] ?? '')} = ${ident(alias)}.${ident(c)}`);
        });
      else if (rel.kind === 'o2m')
        rel.fk.fromColumns.forEach((c, i) => {
          where.push(`${ident(sub)}.${ident(c)} = ${ident(alias)}.${ident(rel.fk.toColumns[i] ?? '')}`);
        });
      else {
        const j = `${sub}_j`;
        from += ` JOIN ${ident(rel.junction.schema)}.${ident(rel.junction.name)} AS ${ident(j)} ON ${rel.toTarget.fromColumns
          .map((c, i) => `${ident(j)}.${ident(c)} = ${ident(sub)}.${ident(rel.toTarget.toColumns[i] ?? '')}`)
          .join(' AND ')}`;
        rel.toParent.fromColumns.forEach((c, i) => {
          where.push(`${ident(j)}.${ident(c)} = ${ident(alias)}.${ident(rel.toParent.toColumns[i] ?? '')}`);
        });
      }
      for (const f of scoped?.filters ?? []) where.push(filterSql(ctx, sub, rel.target, f));
      where.push(...inner.innerConds);
      let q = `SELECT ${inner.columns.join(', ')} FROM ${from}${inner.joins.join('')} WHERE ${where.join(' AND ')}`;
      if (scoped?.order) q += ` ORDER BY ${orderSql(ctx, sub, rel.target, scoped.order, item.items)}`;
      if (scoped?.limit != null) q += ` LIMIT ${scoped.limit}`;
      if (scoped?.offset != null) q += ` OFFSET ${scoped.offset}`;
      const toOne = rel.kind === 'm2o';
      const body = toOne ? `row_to_json(${ident(`${lat}_row`)})` : `json_agg(${ident(`${lat}_row`)})`;
      const lateral = `(SELECT ${body} AS body FROM (${q}) AS ${ident(`${lat}_row`)}) AS ${ident(lat)}`;
      const inner_ = item.join === 'inner';
      joins.push(
        ` ${inner_ ? 'INNER' : 'LEFT'} JOIN LATERAL ${lateral} ON ${inner_ ? `${ident(lat)}.body IS NOT NULL` : 'TRUE'}`,
      );
      if (item.spread) {
        if (!toOne)
          throw new RestError(
            400,
            'PGRST119',
            `A spread operation on '${item.name}' is not possible`,
            `'${table.name}' and '${item.name}' do not form a many-to-one or one-to-one relationship`,
          );
        const names = isCount ? ['count'] : spreadNames(inner.columns);
        for (const n of names) columns.push(`${ident(lat)}.body->${ctx.params.add(n)}::text AS ${ident(n)}`);
      } else {
        const out = item.alias ?? item.name;
        columns.push(
          toOne
            ? `${ident(lat)}.body AS ${ident(out)}`
            : `COALESCE(${ident(lat)}.body, '[]') AS ${ident(out)}`,
        );
      }
      plain.push(`${ident(lat)}.body::text`);
    }
  }
  return { columns, joins, innerConds, groupBy: hasCount ? plain : null };
}

/** Output names of a spread's select list (`... AS "name"`); `*` spreads are not supported. */
function spreadNames(columns: string[]): string[] {
  return columns.map((c) => {
    const m = / AS "((?:[^"]|"")+)"$/.exec(c);
    if (!m) throw parseError('spread of * is not supported; name the columns');
    return (m[1] ?? '').replaceAll('""', '"');
  });
}

export interface ReadPlan {
  /** The paginated rows, selected with the requested projection. */
  rows: string;
  /** All matching rows ignoring pagination, for `Prefer: count=exact`. */
  countRows: string;
}

/** SELECT over `from` (a table or a CTE aliased as the table), with root filters, order and pagination. */
export function buildRead(
  ctx: BuildContext,
  from: string,
  alias: string,
  table: Table | null,
  items: SelectItem[],
  range: { offset: number; limit: number | null },
  applyRootFilters = true,
): ReadPlan {
  const root = ctx.scopes.get('') ?? { filters: [], order: null, limit: null, offset: null };
  const p = project(ctx, alias, table, items, '');
  const where = [
    ...(applyRootFilters ? root.filters.map((f) => filterSql(ctx, alias, table, f)) : []),
    ...p.innerConds,
  ];
  const base = `FROM ${from}${p.joins.join('')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  let rows = `SELECT ${p.columns.join(', ')} ${base}`;
  if (p.groupBy?.length) rows += ` GROUP BY ${p.groupBy.join(', ')}`;
  if (root.order) rows += ` ORDER BY ${orderSql(ctx, alias, table, root.order, items)}`;
  if (range.limit != null) rows += ` LIMIT ${range.limit}`;
  if (range.offset) rows += ` OFFSET ${range.offset}`;
  return { rows, countRows: `SELECT 1 ${base}` };
}

// Header from the first row's keys, then one line per row; fields quoted when they hold a comma, quote or newline.
const CSV_FIELD = `CASE WHEN _f.value IS NULL THEN '' WHEN _f.value ~ '[",\\r\\n]' THEN '"' || replace(_f.value, '"', '""') || '"' ELSE _f.value END`;
const CSV_BODY = `coalesce((SELECT string_agg(_k, ',') FROM json_object_keys((array_agg(row_to_json(_pgrst_t)))[1]) _k) || E'\\n' || string_agg((SELECT string_agg(${CSV_FIELD}, ',' ORDER BY _f.n) FROM json_each_text(row_to_json(_pgrst_t)) WITH ORDINALITY _f(key, value, n)), E'\\n'), '')`;

export type BodyShape = 'array' | 'object' | 'csv' | 'none';

/** Wraps a row source in PostgREST's result shape: (total, page_total, body). */
export function wrapResult(source: string, shape: BodyShape, countSql: string | null, cte = ''): string {
  const body =
    shape === 'array'
      ? `coalesce(json_agg(_pgrst_t), '[]')::text`
      : shape === 'object'
        ? `coalesce((json_agg(_pgrst_t)->0)::text, 'null')`
        : shape === 'csv'
          ? CSV_BODY
          : `''`;
  const total = countSql ? `(SELECT count(*) FROM (${countSql}) _pgrst_c)` : 'null::bigint';
  return `${cte}SELECT ${total} AS total, count(_pgrst_t) AS page_total, ${body} AS body FROM (${source}) _pgrst_t`;
}
