// Turns one element of an Alpaca stream frame into what the ingester acts on. Anything that is not a
// well-formed control, trade or quote message is `malformed` (counted and skipped, never thrown). Prices and
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
const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

export function parseFeedMessage(m: unknown, receivedAt: number): FeedEvent {
  if (typeof m !== 'object' || m === null) return { kind: 'malformed', reason: 'not an object' };
  const o = m as Record<string, unknown>;
  switch (o.T) {
    case 't': {
      const tsMs = time(o.t);
      if (
        !isSymbol(o.S) ||
        !Number.isSafeInteger(o.i) ||
        (o.i as number) < 0 ||
        !isPositive(o.p) ||
        !isPositive(o.s)
      )
        return { kind: 'malformed', reason: 'trade without a valid S, i, p or s' };
      if (Number.isNaN(tsMs)) return { kind: 'malformed', reason: 'trade without a valid t' };
      return {
        kind: 'trade',
        trade: {
          symbol: o.S,
          id: o.i as number,
          price: String(o.p),
          size: String(o.s),
          exchange: typeof o.x === 'string' ? o.x.slice(0, 8) : '',
          conditions: Array.isArray(o.c)
            ? o.c
                .filter((c) => typeof c === 'string')
                .join(',')
                .slice(0, 64)
            : '',
          tape: typeof o.z === 'string' ? o.z.slice(0, 4) : '',
          ts: o.t as string,
          tsMs,
          receivedAt,
        },
      };
    }
    case 'q': {
      const tsMs = time(o.t);
      if (
        !isSymbol(o.S) ||
        !isNonNegative(o.bp) ||
        !isNonNegative(o.ap) ||
        !isNonNegative(o.bs) ||
        !isNonNegative(o.as)
      )
        return { kind: 'malformed', reason: 'quote without a valid S, bp, bs, ap or as' };
      if (Number.isNaN(tsMs)) return { kind: 'malformed', reason: 'quote without a valid t' };
      return {
        kind: 'quote',
        quote: {
          symbol: o.S,
          bid: String(o.bp),
          bidSize: String(o.bs),
          ask: String(o.ap),
          askSize: String(o.as),
          ts: o.t as string,
          tsMs,
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
