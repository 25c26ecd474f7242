// Turns one element of an Alpaca stream frame into what the ingester acts on. Anything that is not a
// well-formed control, trade or quote message is `malformed` (counted and skipped, never thrown), and anything
// accepted here is accepted by Postgres too, so one bad message can never fail a whole batch. Prices and
// sizes leave here as decimal strings: JSON numbers print back exactly as the feed wrote them.
export interface Trade {
  symbol: string;
  id: number;
  price: string;
  size: string;
  exchange: string;
  conditions: string;
  tape: string;
  ts: string;
  tsMs: number;
  /** Trade time in µs since the epoch, rounded as Postgres stores `ts` (bars order trades by it). */
  tsMicros: number;
  receivedAt: number;
}

export interface Quote {
  symbol: string;
  bid: string;
  bidSize: string;
  ask: string;
  askSize: string;
  ts: string;
  tsMs: number;
}

export type FeedEvent =
  | { kind: 'trade'; trade: Trade }
  | { kind: 'quote'; quote: Quote }
  | { kind: 'success'; msg: string }
  | { kind: 'subscription'; channels: Record<string, string[]> }
  | { kind: 'error'; code: number; msg: string }
  | { kind: 'ignored' }
  | { kind: 'malformed'; reason: string };

const isSymbol = (v: unknown): v is string => typeof v === 'string' && /^[A-Z0-9][A-Z0-9./-]{0,19}$/.test(v);
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
// NUL cannot be stored in a Postgres text column.
const text = (v: unknown, max: number): string => {
  if (typeof v !== 'string') return '';
  const s = v.includes('\0') ? v.replaceAll('\0', '') : v;
  return s.length > max ? s.slice(0, max) : s;
};
const conditionsText = (c: unknown): string => {
  if (!Array.isArray(c)) return '';
  if (c.length === 1) return text(c[0], 64);
  return text(c.filter((x) => typeof x === 'string').join(','), 64);
};

const SECOND = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const FRACTION_ZONE = /^(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
// A feed sends thousands of messages per second within the same second: parse "YYYY-MM-DDTHH:MM:SS" once.
let lastSecond = '';
let lastSecondMs = 0;

function secondMs(prefix: string): number {
  if (prefix === lastSecond) return lastSecondMs;
  const m = SECOND.exec(prefix);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  // Date.UTC reads years 0-99 as 1900-1999, so compute 400 years (one whole Gregorian cycle) later.
  const later = Date.UTC(y + 400, mo - 1, d, h, mi, s);
  // Date.UTC rolls 02-30 over into March; Postgres rejects it, so do we.
  if (d > 28 && new Date(later).getUTCDate() !== d) return Number.NaN;
  lastSecond = prefix;
  lastSecondMs = later - GREGORIAN_CYCLE_MS;
  return lastSecondMs;
}

/**
 * An RFC 3339 time (Alpaca sends nanoseconds) in µs since the epoch, with the fraction rounded as Postgres
 * does on input (rint of the fraction times 10^6, ties to even); NaN unless it is a real date and time.
 */
export function epochMicros(v: unknown): number {
  if (typeof v !== 'string' || v.length < 20) return Number.NaN;
  const ms = secondMs(v.slice(0, 19));
  const m = FRACTION_ZONE.exec(v.slice(19));
  if (Number.isNaN(ms) || !m) return Number.NaN;
  let micros = 0;
  if (m[1]) {
    const x = Number(m[1]) * 1e6;
    micros = Math.round(x);
    if (micros - x === 0.5 && micros % 2 === 1) micros -= 1;
  }
  if (!m[2]) return ms * 1000 + micros;
  if (Number(m[3]) > 15 || Number(m[4]) > 59) return Number.NaN;
  const offsetMin = (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4]));
  return (ms - offsetMin * 60_000) * 1000 + micros;
}

export function parseFeedMessage(m: unknown, receivedAt: number): FeedEvent {
  if (typeof m !== 'object' || m === null) return { kind: 'malformed', reason: 'not an object' };
  const o = m as Record<string, unknown>;
  switch (o.T) {
    case 't': {
      const tsMicros = epochMicros(o.t);
      if (
        !isSymbol(o.S) ||
        !Number.isSafeInteger(o.i) ||
        (o.i as number) < 0 ||
        !isPositive(o.p) ||
        !isPositive(o.s)
      )
        return { kind: 'malformed', reason: 'trade without a valid S, i, p or s' };
      if (Number.isNaN(tsMicros)) return { kind: 'malformed', reason: 'trade without a valid t' };
      return {
        kind: 'trade',
        trade: {
          symbol: o.S,
          id: o.i as number,
          price: String(o.p),
          size: String(o.s),
          exchange: text(o.x, 8),
          conditions: conditionsText(o.c),
          tape: text(o.z, 4),
          ts: o.t as string,
          tsMs: Math.floor(tsMicros / 1000),
          tsMicros,
          receivedAt,
        },
      };
    }
    case 'q': {
      const tsMicros = epochMicros(o.t);
      if (
        !isSymbol(o.S) ||
        !isNonNegative(o.bp) ||
        !isNonNegative(o.ap) ||
        !isNonNegative(o.bs) ||
        !isNonNegative(o.as)
      )
        return { kind: 'malformed', reason: 'quote without a valid S, bp, bs, ap or as' };
      if (Number.isNaN(tsMicros)) return { kind: 'malformed', reason: 'quote without a valid t' };
      return {
        kind: 'quote',
        quote: {
          symbol: o.S,
          bid: String(o.bp),
          bidSize: String(o.bs),
          ask: String(o.ap),
          askSize: String(o.as),
          ts: o.t as string,
          tsMs: Math.floor(tsMicros / 1000),
        },
      };
    }
    case 'success':
      return typeof o.msg === 'string'
        ? { kind: 'success', msg: o.msg }
        : { kind: 'malformed', reason: 'success without msg' };
    case 'subscription': {
      const channels: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(o))
        if (k !== 'T' && Array.isArray(v)) channels[k] = v.filter((s) => typeof s === 'string');
      return { kind: 'subscription', channels };
    }
    case 'error':
      return { kind: 'error', code: typeof o.code === 'number' ? o.code : 0, msg: String(o.msg ?? '') };
    case 'b':
    case 'd':
    case 'u':
    case 's':
    case 'l':
    case 'c':
    case 'x':
      // Bars, statuses, LULDs, corrections, cancels: the ingester builds its own bars from trades.
      return { kind: 'ignored' };
    default:
      return { kind: 'malformed', reason: `unknown message type ${JSON.stringify(o.T)}` };
  }
}
