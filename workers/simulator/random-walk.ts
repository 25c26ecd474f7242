// Seedable market generator: a geometric random walk per symbol with a spread proportional to price and
// lognormal-ish trade sizes, so a seed reproduces the same tape in tests.
import type { QuoteMessage, TradeMessage } from './protocol.ts';
import { rfc3339Nanos } from './protocol.ts';

/** mulberry32: small, fast, good enough for simulated prices; seeded for reproducible tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXCHANGES = ['V', 'Q', 'N', 'P', 'K', 'Z'];
const pick = (r: () => number) => EXCHANGES[Math.floor(r() * EXCHANGES.length)] as string;
const round = (v: number, tick: number) => Math.round(v / tick) * tick;
const fix = (v: number) => Number(v.toFixed(2));

export interface SymbolState {
  symbol: string;
  price: number;
}

export class RandomWalkMarket {
  readonly #rand: () => number;
  readonly #states: SymbolState[];
  #nextTradeId: number;
  #lastMs = 0;
  #nanos = 0;

  constructor(symbols: Record<string, number>, seed: number, firstTradeId = 1) {
    this.#rand = seededRandom(seed);
    this.#states = Object.entries(symbols).map(([symbol, price]) => ({ symbol, price }));
    this.#nextTradeId = firstTradeId;
  }

  get nextTradeId(): number {
    return this.#nextTradeId;
  }

  /** Strictly increasing timestamps even when many events share a millisecond. */
  #stamp(nowMs: number): string {
    if (nowMs <= this.#lastMs) {
      this.#nanos += 1;
      if (this.#nanos > 999_999) {
        this.#lastMs += 1;
        this.#nanos = 0;
      }
    } else {
      this.#lastMs = nowMs;
      this.#nanos = 0;
    }
    return rfc3339Nanos(this.#lastMs, this.#nanos);
  }

  /** The next event: a quote (60%) or a trade inside the spread (40%) for a random symbol. */
  next(nowMs: number): TradeMessage | QuoteMessage {
    const r = this.#rand;
    const st = this.#states[Math.floor(r() * this.#states.length)] as SymbolState;
    // Volatility ~ 2 bp per step, mean-free; never below one cent.
    const shock = (r() + r() + r() - 1.5) * 0.0004;
    st.price = Math.max(0.01, st.price * (1 + shock));
    const half = Math.max(0.01, round(st.price * 0.0002, 0.01));
    const mid = round(st.price, 0.01);
    const t = this.#stamp(nowMs);
    if (r() < 0.6) {
      return {
        T: 'q',
        S: st.symbol,
        bx: pick(r),
        bp: fix(mid - half),
        bs: 1 + Math.floor(r() * 20),
        ax: pick(r),
        ap: fix(mid + half),
        as: 1 + Math.floor(r() * 20),
        c: ['R'],
        z: 'C',
        t,
      };
    }
    const size = Math.max(1, Math.round(Math.exp(r() * 6)));
    const price = fix(mid + (r() < 0.5 ? -half : half) * (r() < 0.7 ? 1 : 0));
    return {
      T: 't',
      S: st.symbol,
      i: this.#nextTradeId++,
      x: pick(r),
      p: price,
      s: size,
      c: ['@'],
      z: 'C',
      t,
    };
  }
}
