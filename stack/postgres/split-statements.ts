// Splits a migration file into statements the way the Supabase CLI does before it runs and records them:
// on top-level semicolons, ignoring those inside quotes, dollar quotes, comments and BEGIN ATOMIC bodies;
// each statement trimmed, without its semicolon, leading comments kept with the statement that follows.

export interface Statement {
  text: string;
  /** Offset of `text` in the source, for mapping Postgres error positions back to file lines. */
  offset: number;
}

const isIdentChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);

export function splitStatements(source: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  let i = 0;
  let atomicDepth = 0; // > 0 inside BEGIN ATOMIC ... END (CASE ... END nests)
  let word = '';
  let prevWord = '';
  const n = source.length;

  const flushWord = () => {
    if (!word) return;
    const w = word.toLowerCase();
    if (atomicDepth === 0 && prevWord === 'begin' && w === 'atomic') atomicDepth = 1;
    else if (atomicDepth > 0 && w === 'case') atomicDepth++;
    else if (atomicDepth > 0 && w === 'end') atomicDepth--;
    prevWord = w;
    word = '';
  };

  const push = (end: number) => {
    const raw = source.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text) out.push({ text, offset: start + lead });
  };

  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '-' && next === '-') {
      flushWord();
      const nl = source.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      flushWord();
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (source[i] === '/' && source[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (source[i] === '*' && source[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === "'") {
      const escapes = /[eE]/.test(source[i - 1] ?? '') && !isIdentChar(source[i - 2]);
      flushWord();
      i++;
      while (i < n) {
        if (escapes && source[i] === '\\') i += 2;
        else if (source[i] === "'" && source[i + 1] === "'") i += 2;
        else if (source[i] === "'") break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '"') {
      flushWord();
      i++;
      while (i < n) {
        if (source[i] === '"' && source[i + 1] === '"') i += 2;
        else if (source[i] === '"') break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '$' && !isIdentChar(source[i - 1])) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(source.slice(i, i + 64));
      if (m) {
        flushWord();
        const close = source.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c) || (word && /[A-Za-z0-9_$]/.test(c))) {
      word += c;
      i++;
      continue;
    }
    flushWord();
    if (c === ';' && atomicDepth === 0) {
      push(i);
      start = i + 1;
    }
    i++;
  }
  flushWord();
  push(n);
  return out;
}
