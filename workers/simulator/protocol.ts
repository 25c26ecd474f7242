// Alpaca market-data stream v2 message shapes (https://docs.alpaca.markets/docs/real-time-stock-pricing-data):
// every frame is a JSON array of messages, each tagged by "T".
export interface TradeMessage {
  T: 't';
  S: string;
  i: number;
  x: string;
  p: number;
  s: number;
  c: string[];
  z: string;
  t: string;
}

export interface QuoteMessage {
  T: 'q';
  S: string;
  bx: string;
  bp: number;
  bs: number;
  ax: string;
  ap: number;
  as: number;
  c: string[];
  z: string;
  t: string;
}

export interface BarMessage {
  T: 'b';
  S: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  t: string;
  n: number;
  vw: number;
}

export type MarketMessage = TradeMessage | QuoteMessage | BarMessage;

export type Channel = 'trades' | 'quotes' | 'bars';
export const CHANNELS: Channel[] = ['trades', 'quotes', 'bars'];

/** Alpaca's stream error codes. */
export const ERRORS = {
  invalidSyntax: { code: 400, msg: 'invalid syntax' },
  notAuthenticated: { code: 401, msg: 'not authenticated' },
  authFailed: { code: 402, msg: 'auth failed' },
  alreadyAuthenticated: { code: 403, msg: 'already authenticated' },
  authTimeout: { code: 404, msg: 'auth timeout' },
  symbolLimit: { code: 405, msg: 'symbol limit exceeded' },
  connectionLimit: { code: 406, msg: 'connection limit exceeded' },
  slowClient: { code: 407, msg: 'slow client' },
  invalidSubscribeAction: { code: 410, msg: 'invalid subscribe action for this feed' },
  internal: { code: 500, msg: 'internal error' },
} as const;

export const errorMessage = (e: { code: number; msg: string }) => ({ T: 'error', code: e.code, msg: e.msg });

/** RFC 3339 with nanoseconds, as Alpaca sends it. */
export function rfc3339Nanos(ms: number, nanosWithinMs = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}${String(nanosWithinMs).padStart(6, '0')}Z`;
}
