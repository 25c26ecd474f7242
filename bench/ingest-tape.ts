// The tape bench:ingest plays: trades only, ids 1..n, timestamps spread over ~10 minutes, the same for a seed.
// Both the bench (for its bare COPY baseline) and its simulator process (for the feed) build it.
import type { TradeMessage } from '../workers/simulator/protocol.ts';
import { RandomWalkMarket } from '../workers/simulator/random-walk.ts';

export const SYMBOLS = { AAPL: 190, MSFT: 415, NVDA: 130, TSLA: 240, SPY: 560, QQQ: 480 };

export function benchTape(n: number, startMs: number): TradeMessage[] {
  const market = new RandomWalkMarket(SYMBOLS, 2026);
  const trades: TradeMessage[] = [];
  while (trades.length < n) {
    const m = market.next(startMs + Math.floor((trades.length / n) * 600_000));
    if (m.T === 't') trades.push(m);
  }
  return trades;
}
