// Per-minute ingestion counters kept in memory between flushes. Counts are deltas since the last flush (the
// database adds them up); lag samples are kept for the whole minute in a bounded reservoir so the percentiles
// written are the minute's, not the last batch's, without unbounded memory.
export interface LagPercentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface MinuteCounters {
  minute: number;
  messages: number;
  trades: number;
  quotes: number;
  duplicates: number;
  malformed: number;
  outOfOrder: number;
  gaps: number;
  missingTrades: number;
  reconnects: number;
  errors: number;
  lag?: LagPercentiles;
  lastMessageAt?: number;
}

type Counter = Exclude<keyof MinuteCounters, 'minute' | 'lag' | 'lastMessageAt'>;

const RESERVOIR = 4096;

export function percentiles(samples: number[]): LagPercentiles | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] as number };
}

export class Telemetry {
  #pending = new Map<number, MinuteCounters>();
  #lag = new Map<number, { samples: number[]; seen: number; max: number }>();
  /** Totals since start, for logs and tests. */
  readonly totals: Record<Counter, number> = {
    messages: 0,
    trades: 0,
    quotes: 0,
    duplicates: 0,
    malformed: 0,
    outOfOrder: 0,
    gaps: 0,
    missingTrades: 0,
    reconnects: 0,
    errors: 0,
  };

  constructor(private readonly random: () => number = Math.random) {}

  #minute(now: number): MinuteCounters {
    const minute = Math.floor(now / 60_000) * 60_000;
    let m = this.#pending.get(minute);
    if (!m) {
      m = {
        minute,
        messages: 0,
        trades: 0,
        quotes: 0,
        duplicates: 0,
        malformed: 0,
        outOfOrder: 0,
        gaps: 0,
        missingTrades: 0,
        reconnects: 0,
        errors: 0,
      };
      this.#pending.set(minute, m);
    }
    return m;
  }

  add(counter: Counter, n = 1, now = Date.now()): void {
    this.#minute(now)[counter] += n;
    this.totals[counter] += n;
  }

  message(now = Date.now()): void {
    const m = this.#minute(now);
    m.messages += 1;
    m.lastMessageAt = now;
    this.totals.messages += 1;
  }

  /** Records an acknowledged trade's ingest lag (reservoir sampling keeps the minute's sample unbiased). */
  lag(ms: number, now = Date.now()): void {
    const minute = Math.floor(now / 60_000) * 60_000;
    let r = this.#lag.get(minute);
    if (!r) {
      r = { samples: [], seen: 0, max: 0 };
      this.#lag.set(minute, r);
      for (const k of this.#lag.keys()) if (k < minute - 120_000) this.#lag.delete(k);
    }
    r.seen += 1;
    r.max = Math.max(r.max, ms);
    if (r.samples.length < RESERVOIR) r.samples.push(ms);
    else {
      const j = Math.floor(this.random() * r.seen);
      if (j < RESERVOIR) r.samples[j] = ms;
    }
    this.#minute(now);
  }

  dirty(): boolean {
    return this.#pending.size > 0;
  }

  /** Takes the counters accumulated since the last flush, with each minute's lag percentiles so far. */
  take(): MinuteCounters[] {
    const out = [...this.#pending.values()];
    this.#pending = new Map();
    for (const m of out) {
      const r = this.#lag.get(m.minute);
      if (r) {
        const p = percentiles(r.samples);
        if (p) m.lag = { ...p, max: r.max };
      }
    }
    return out;
  }

  /** Puts counters back after a failed write so they are not lost. */
  restore(taken: MinuteCounters[]): void {
    for (const t of taken) {
      const m = this.#minute(t.minute);
      for (const k of Object.keys(this.totals) as Counter[]) m[k] += t[k];
      if (t.lastMessageAt) m.lastMessageAt = Math.max(m.lastMessageAt ?? 0, t.lastMessageAt);
    }
  }
}
