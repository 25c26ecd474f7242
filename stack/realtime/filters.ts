// The `filter` of a postgres_changes subscription (`column=op.value`), with the operators Supabase Realtime
// accepts: eq, neq, lt, lte, gt, gte, in. Values compare by the column's type: numbers numerically (exactly,
// on decimal strings), everything else as Postgres' text output.

export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

export interface Filter {
  column: string;
  op: FilterOp;
  values: string[];
}

export class FilterError extends Error {}

const OPS = new Set<FilterOp>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);
const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);

export function parseFilter(text: string): Filter {
  const m = /^([^=]+)=([a-z]+)\.(.*)$/s.exec(text);
  if (!m) throw new FilterError(`Error parsing \`filter\` params: ${text}`);
  const [, column, op, raw] = m as unknown as [string, string, string, string];
  if (!OPS.has(op as FilterOp))
    throw new FilterError(`Error parsing \`filter\` params: unknown operator ${op}`);
  if (op === 'in') {
    const inner = /^\((.*)\)$/s.exec(raw);
    if (!inner) throw new FilterError('Error parsing `filter` params: `in` needs a list like (1,2,3)');
    const values = (inner[1] as string).split(',').map((v) => v.trim().replace(/^"(.*)"$/s, '$1'));
    return { column, op: 'in', values };
  }
  return { column, op: op as FilterOp, values: [raw] };
}

/** Compares decimal strings exactly (no float rounding): sign, integer digits, then fraction digits. */
export function compareDecimal(a: string, b: string): number {
  const norm = (s: string) => {
    let t = s.trim();
    const neg = t.startsWith('-');
    if (neg || t.startsWith('+')) t = t.slice(1);
    const [int = '', frac = ''] = t.split('.');
    return { neg, int: int.replace(/^0+/, ''), frac: frac.replace(/0+$/, '') };
  };
  const x = norm(a);
  const y = norm(b);
  const zero = (n: { int: string; frac: string }) => n.int === '' && n.frac === '';
  if (zero(x)) x.neg = false;
  if (zero(y)) y.neg = false;
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const mag = () => {
    if (x.int.length !== y.int.length) return x.int.length < y.int.length ? -1 : 1;
    if (x.int !== y.int) return x.int < y.int ? -1 : 1;
    const len = Math.max(x.frac.length, y.frac.length);
    const fx = x.frac.padEnd(len, '0');
    const fy = y.frac.padEnd(len, '0');
    return fx === fy ? 0 : fx < fy ? -1 : 1;
  };
  return x.neg ? -mag() : mag();
}

const isDecimal = (s: string) => /^[+-]?\d*\.?\d+$|^[+-]?\d+\.$/.test(s.trim());

function compare(value: string, target: string, type: string): number {
  if (NUMERIC_TYPES.has(type) && isDecimal(value) && isDecimal(target)) return compareDecimal(value, target);
  if (type === 'bool') {
    const b = (s: string) => (['t', 'true', '1', 'yes', 'on'].includes(s.toLowerCase()) ? 't' : 'f');
    return b(value) === b(target) ? 0 : b(value) < b(target) ? -1 : 1;
  }
  return value === target ? 0 : value < target ? -1 : 1;
}

/** Whether a row (text values) passes the filter; a missing or NULL column never matches, as in SQL. */
export function matchesFilter(filter: Filter, row: Record<string, string | null>, type: string): boolean {
  const value = row[filter.column];
  if (value === null || value === undefined) return false;
  const c = (t: string) => compare(value, t, type);
  switch (filter.op) {
    case 'eq':
      return c(filter.values[0] as string) === 0;
    case 'neq':
      return c(filter.values[0] as string) !== 0;
    case 'lt':
      return c(filter.values[0] as string) < 0;
    case 'lte':
      return c(filter.values[0] as string) <= 0;
    case 'gt':
      return c(filter.values[0] as string) > 0;
    case 'gte':
      return c(filter.values[0] as string) >= 0;
    case 'in':
      return filter.values.some((t) => c(t) === 0);
  }
}
