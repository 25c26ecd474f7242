// The `select` query parameter: columns with renames, casts and JSON paths, and embedded resources.
import { parseError } from './errors.ts';

export interface JsonStep {
  arrow: '->' | '->>';
  key: string;
}

export interface FieldPath {
  column: string;
  json: JsonStep[];
}

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'field'; field: FieldPath; alias: string | null; cast: string | null }
  | { kind: 'count'; alias: string | null }
  | {
      kind: 'embed';
      name: string;
      alias: string | null;
      hint: string | null;
      join: 'inner' | 'left' | null;
      spread: boolean;
      items: SelectItem[];
    };

const CAST = /^[A-Za-z_][A-Za-z0-9_]*(\[\])?$/;

/** Splits on top-level commas, leaving parentheses and double quotes intact. */
export function splitTopLevel(text: string, sep = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted && i + 1 < text.length) {
      cur += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (depth < 0) throw parseError(`"failed to parse select parameter (${text})"`, 'unexpected ")"');
    if (!quoted && depth === 0 && ch === sep) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0 || quoted)
    throw parseError(`failed to parse (${text})`, 'unbalanced parentheses or quotes');
  parts.push(cur);
  return parts;
}

const unquote = (s: string) => (s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1) : s);

/** `col`, `col->a->>b`, `col->0` */
export function parseFieldPath(text: string): FieldPath {
  const re = /(->>|->)/g;
  const pieces = text.split(re);
  const column = unquote((pieces[0] ?? '').trim());
  if (!column) throw parseError(`failed to parse field (${text})`);
  const json: JsonStep[] = [];
  for (let i = 1; i < pieces.length; i += 2) {
    const key = unquote(pieces[i + 1] ?? '');
    if (!key) throw parseError(`failed to parse json path (${text})`);
    json.push({ arrow: pieces[i] as '->' | '->>', key });
  }
  return { column, json };
}

function parseItem(raw: string, whole: string): SelectItem {
  let text = raw.trim();
  if (text === '') throw parseError(`"failed to parse select parameter (${whole})"`, 'empty select item');
  if (text === '*') return { kind: 'star' };
  let alias: string | null = null;
  const colon = /^("[^"]+"|[^:(]+):(?!:)/.exec(text);
  if (colon) {
    alias = unquote((colon[1] ?? '').trim());
    text = text.slice(colon[0].length).trim();
  }
  let spread = false;
  if (text.startsWith('...')) {
    spread = true;
    text = text.slice(3);
  }
  const paren = text.indexOf('(');
  if (paren >= 0) {
    if (!text.endsWith(')')) throw parseError(`"failed to parse select parameter (${whole})"`);
    const head = text.slice(0, paren);
    const inner = text.slice(paren + 1, -1);
    if (head === 'count' && inner.trim() === '') return { kind: 'count', alias };
    const [name, ...mods] = head.split('!');
    let hint: string | null = null;
    let join: 'inner' | 'left' | null = null;
    for (const m of mods) {
      if (m === 'inner' || m === 'left') join = m;
      else hint = m;
    }
    if (!name) throw parseError(`"failed to parse select parameter (${whole})"`);
    const items = inner.trim() === '' ? [] : splitTopLevel(inner).map((i) => parseItem(i, whole));
    return { kind: 'embed', name: unquote(name), alias, hint, join, spread, items };
  }
  if (spread)
    throw parseError(`"failed to parse select parameter (${whole})"`, 'spread needs an embedded resource');
  let cast: string | null = null;
  const castAt = text.lastIndexOf('::');
  if (castAt > 0) {
    cast = text.slice(castAt + 2).trim();
    text = text.slice(0, castAt);
    if (!CAST.test(cast))
      throw parseError(`"failed to parse select parameter (${whole})"`, `bad cast ${cast}`);
  }
  return { kind: 'field', field: parseFieldPath(text), alias, cast };
}

export function parseSelect(text: string | null): SelectItem[] {
  if (text === null || text.trim() === '') return [{ kind: 'star' }];
  return splitTopLevel(text).map((i) => parseItem(i, text));
}
