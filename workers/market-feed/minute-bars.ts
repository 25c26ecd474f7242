// Folds a batch's stored trades into one-minute bars per symbol before they reach Postgres, so a batch
// upserts a handful of bar rows instead of aggregating thousands of trade rows in SQL. Same rules as the
// table documents: open and close are the earliest and latest trade by (trade time as stored, trade id),
// volume and notional are exact decimal sums with numeric's scales, the bucket is the UTC minute.
import { add, type Decimal, formatDecimal, multiply, parseDecimal, ZERO } from './decimal.ts';
import type { Trade } from './parse-message.ts';

export interface MinuteBar {
  symbol: string;
  /** Start of the minute, ISO 8601. */
  bucket: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  tradeCount: number;
  notional: string;
  openTs: string;
  openTradeId: number;
  closeTs: string;
  closeTradeId: number;
}

interface Fold {
  symbol: string;
  minute: number;
  open: Trade;
  close: Trade;
  high: Trade;
  highValue: number;
  low: Trade;
  lowValue: number;
  volume: Decimal;
  notional: Decimal;
  count: number;
}

const before = (a: Trade, b: Trade) => a.tsMicros < b.tsMicros || (a.tsMicros === b.tsMicros && a.id < b.id);

export function foldMinuteBars(trades: Trade[]): MinuteBar[] {
  const folds = new Map<string, Map<number, Fold>>();
  // Trades repeat prices and sizes: parse each distinct decimal string once per batch.
  const decimals = new Map<string, Decimal>();
  const decimal = (s: string) => {
    let d = decimals.get(s);
    if (!d) {
      d = parseDecimal(s);
      decimals.set(s, d);
    }
    return d;
  };
  for (const t of trades) {
    const minute = Math.floor(t.tsMicros / 60_000_000);
    let bySymbol = folds.get(t.symbol);
    if (!bySymbol) {
      bySymbol = new Map();
      folds.set(t.symbol, bySymbol);
    }
    const size = decimal(t.size);
    const notional = multiply(decimal(t.price), size);
    // Prices are the shortest round-trip text of a double, so comparing the doubles orders them exactly.
    const value = Number(t.price);
    const f = bySymbol.get(minute);
    if (!f) {
      bySymbol.set(minute, {
        symbol: t.symbol,
        minute,
        open: t,
        close: t,
        high: t,
        highValue: value,
        low: t,
        lowValue: value,
        volume: add(ZERO, size),
        notional: add(ZERO, notional),
        count: 1,
      });
      continue;
    }
    if (before(t, f.open)) f.open = t;
    if (before(f.close, t)) f.close = t;
    if (value > f.highValue) {
      f.high = t;
      f.highValue = value;
    }
    if (value < f.lowValue) {
      f.low = t;
      f.lowValue = value;
    }
    f.volume = add(f.volume, size);
    f.notional = add(f.notional, notional);
    f.count += 1;
  }
  const bars: MinuteBar[] = [];
  for (const bySymbol of folds.values())
    for (const f of bySymbol.values())
      bars.push({
        symbol: f.symbol,
        bucket: new Date(f.minute * 60_000).toISOString(),
        open: f.open.price,
        high: f.high.price,
        low: f.low.price,
        close: f.close.price,
        volume: formatDecimal(f.volume),
        tradeCount: f.count,
        notional: formatDecimal(f.notional),
        openTs: f.open.ts,
        openTradeId: f.open.id,
        closeTs: f.close.ts,
        closeTradeId: f.close.id,
      });
  return bars;
}
