// Horizontal filters (`col=op.value`, `not.`, `(any)`/`(all)`), logical trees `or=(...)`/`and=(...)`,
// `order` and `limit`/`offset`, each possibly scoped to an embedded resource (`messages.order=...`).
import { parseError, parseError as pe } from './errors.ts';
import { type FieldPath, parseFieldPath, splitTopLevel } from './parse-select.ts';

export const OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'match',
  'imatch',
  'is',
  'isdistinct',
  'in',
  'cs',
  'cd',
  'ov',
  'sl',
  'sr',
  'nxl',
  'nxr',
  'adj',
  'fts',
  'plfts',
  'phfts',
  'wfts',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  kind: 'cond';
  field: FieldPath;
  negate: boolean;
  op: Operator;
  quantifier: 'any' | 'all' | null;
  /** fts language, e.g. `fts(english)`. */
  language: string | null;
  value: string;
  /** `in.(a,b)` list. */
  list: string[] | null;
}

export interface Logic {
  kind: 'logic';
  op: 'and' | 'or';
  negate: boolean;
  children: Filter[];
}

export type Filter = Condition | Logic;

export interface OrderTerm {
  /** `clients(name)`: a column of a to-one embedded resource of the same level (PostgREST's related order). */
  relation: string | null;
  field: FieldPath;
  dir: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

const unquote = (s: string) =>
  s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s;

function parseList(text: string, whole: string): string[] {
  if (!text.startsWith('(') || !text.endsWith(')')) throw pe(`"failed to parse filter (${whole})"`);
  const inner = text.slice(1, -1);
  if (inner.trim() === '') return [];
  return splitTopLevel(inner).map((v) => unquote(v.trim()));
}

/** `[not.]op[(any|all)|(lang)].value` */
export function parseOperation(field: FieldPath, text: string, inTree = false): Condition {
  const whole = text;
  let rest = text;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const m = /^([a-z]+)(?:\(([a-z_]+)\))?\./.exec(rest);
  const opName = m?.[1];
  if (!m || !opName || !(OPERATORS as readonly string[]).includes(opName))
    throw parseError(`"failed to parse filter (${whole})" (line 1, column 1)`, 'unexpected operator');
  const op = opName as Operator;
  let value = rest.slice(m[0].length);
  if (inTree) value = unquote(value);
  let quantifier: 'any' | 'all' | null = null;
  let language: string | null = null;
  if (m[2]) {
    if (op.endsWith('fts')) language = m[2];
    else if (m[2] === 'any' || m[2] === 'all') quantifier = m[2];
    else throw parseError(`"failed to parse filter (${whole})"`, `unknown modifier ${m[2]}`);
  }
  let list: string[] | null = null;
  if (op === 'in') list = parseList(value, whole);
  else if (quantifier) list = parseList(value.startsWith('{') ? `(${value.slice(1, -1)})` : value, whole);
  if (op === 'is' && !['null', 'not_null', 'true', 'false', 'unknown'].includes(value.toLowerCase()))
    throw parseError(
      `"failed to parse filter (${whole})" (line 1, column ${whole.length})`,
      'unexpected value for is: expecting null, not_null, true, false or unknown',
    );
  return { kind: 'cond', field, negate, op, quantifier, language, value, list };
}

/** `(a.eq.1,or(b.gt.2,c.is.null))` as given to `or=`/`and=` */
export function parseLogic(op: 'and' | 'or', negate: boolean, text: string): Logic {
  if (!text.startsWith('(') || !text.endsWith(')'))
    throw parseError(`"failed to parse logic tree (${text})" (line 1, column 1)`, 'expecting "("');
  const inner = text.slice(1, -1);
  const children = splitTopLevel(inner).map((part): Filter => {
    const p = part.trim();
    const nested = /^(not\.)?(and|or)\(/.exec(p);
    if (nested) return parseLogic(nested[2] as 'and' | 'or', !!nested[1], p.slice(nested[0].length - 1));
    // col.op.value, col.not.op.value, col->a.op.value
    const m = /^("(?:[^"\\]|\\.)*"|[^.]+?(?:->>?[^.]+)*)\.(.*)$/s.exec(p);
    if (!m) throw parseError(`"failed to parse logic tree (${text})"`, `bad condition ${p}`);
    return parseOperation(parseFieldPath(m[1] ?? ''), m[2] ?? '', true);
  });
  return { kind: 'logic', op, negate, children };
}

export function parseOrder(text: string): OrderTerm[] {
  return splitTopLevel(text).map((term) => {
    const parts = term.trim().split('.');
    const related = /^([^()]+)\((.+)\)$/.exec(parts[0] ?? '');
    const relation = related ? (related[1] ?? '').trim() : null;
    const field = parseFieldPath(related ? (related[2] ?? '') : (parts[0] ?? ''));
    let dir: OrderTerm['dir'] = null;
    let nulls: OrderTerm['nulls'] = null;
    for (const mod of parts.slice(1)) {
      if (mod === 'asc' || mod === 'desc') dir = mod;
      else if (mod === 'nullsfirst') nulls = 'first';
      else if (mod === 'nullslast') nulls = 'last';
      else
        throw parseError(
          `"failed to parse order (${text})" (line 1, column ${term.length})`,
          'unexpected modifier: expecting "asc", "desc", "nullsfirst" or "nullslast"',
        );
    }
    return { relation, field, dir, nulls };
  });
}

export function parseNonNegativeInt(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw parseError(`"failed to parse ${name} parameter (${text})"`);
  return Number(text);
}

/** Per embed path (`''` = the root, `messages`, `messages.author`): its filters, order and pagination. */
export interface Scoped {
  filters: Filter[];
  order: OrderTerm[] | null;
  limit: number | null;
  offset: number | null;
}

const RESERVED = new Set(['select', 'columns', 'on_conflict', 'apikey']);

export function parseQuery(params: URLSearchParams, skip: Set<string> = new Set()): Map<string, Scoped> {
  const scopes = new Map<string, Scoped>();
  const scope = (path: string) => {
    let s = scopes.get(path);
    if (!s) {
      s = { filters: [], order: null, limit: null, offset: null };
      scopes.set(path, s);
    }
    return s;
  };
  scope('');
  for (const [key, value] of params) {
    if (RESERVED.has(key) || skip.has(key)) continue;
    const logic = /^(?:(.*)\.)?(not\.)?(and|or)$/.exec(key);
    const special = /^(?:(.*)\.)?(order|limit|offset)$/.exec(key);
    if (special) {
      const s = scope(special[1] ?? '');
      if (special[2] === 'order') s.order = parseOrder(value);
      else if (special[2] === 'limit') s.limit = parseNonNegativeInt('limit', value);
      else s.offset = parseNonNegativeInt('offset', value);
    } else if (logic && (logic[3] === 'and' || logic[3] === 'or') && value.startsWith('(')) {
      scope(logic[1] ?? '').filters.push(parseLogic(logic[3], !!logic[2], value));
    } else {
      // `messages.content=eq.x` filters the embedded messages; JSON paths may contain dots only after arrows.
      const arrow = key.search(/->/);
      const head = arrow >= 0 ? key.slice(0, arrow) : key;
      const dot = head.lastIndexOf('.');
      const path = dot >= 0 ? head.slice(0, dot) : '';
      const fieldText = key.slice(dot + 1);
      scope(path).filters.push(parseOperation(parseFieldPath(fieldText), value));
    }
  }
  return scopes;
}
