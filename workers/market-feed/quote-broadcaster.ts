// Pushes latest quotes to the dashboard over Realtime broadcast (POST /realtime/v1/api/broadcast, topic
// `market:quotes`, event `quote`). Updates are coalesced per symbol and sent at most once per interval, so
// the message rate is bounded by symbols × (1000 / intervalMs) however fast the feed runs.
import type { Quote, Trade } from './parse-message.ts';

export interface QuotePayload {
  symbol: string;
  bid: string | null;
  ask: string | null;
  last: string | null;
  ts: string;
}

export const QUOTES_TOPIC = 'market:quotes';

export class QuoteBroadcaster {
  #latest = new Map<string, QuotePayload>();
  #timer: NodeJS.Timeout | undefined;
  #inflight = false;
  sent = 0;
  failures = 0;

  constructor(
    private readonly opts: {
      supabaseUrl: string;
      serviceRoleKey: string;
      intervalMs?: number;
      log?(line: string): void;
    },
  ) {}

  offer(_moved: string[], trades: Trade[], quotes: Quote[]): void {
    for (const q of quotes) {
      const prev = this.#latest.get(q.symbol);
      this.#latest.set(q.symbol, {
        symbol: q.symbol,
        bid: q.bid,
        ask: q.ask,
        last: prev?.last ?? null,
        ts: q.ts,
      });
    }
    for (const t of trades) {
      const prev = this.#latest.get(t.symbol);
      this.#latest.set(t.symbol, {
        symbol: t.symbol,
        bid: prev?.bid ?? null,
        ask: prev?.ask ?? null,
        last: t.price,
        ts: t.ts,
      });
    }
    this.#timer ??= setTimeout(() => void this.#flush(), this.opts.intervalMs ?? 250);
  }

  async #flush(): Promise<void> {
    this.#timer = undefined;
    if (this.#inflight || this.#latest.size === 0) return;
    const messages = [...this.#latest.values()].map((payload) => ({
      topic: QUOTES_TOPIC,
      event: 'quote',
      payload,
    }));
    this.#latest.clear();
    this.#inflight = true;
    try {
      const res = await fetch(`${this.opts.supabaseUrl}/realtime/v1/api/broadcast`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          apikey: this.opts.serviceRoleKey,
          authorization: `Bearer ${this.opts.serviceRoleKey}`,
        },
        body: JSON.stringify({ messages }),
      });
      if (res.ok) this.sent += messages.length;
      else {
        this.failures += 1;
        this.opts.log?.(`quote broadcast refused: HTTP ${res.status}`);
      }
    } catch (err) {
      // Dashboard updates are best effort; the quotes table stays the source of truth.
      this.failures += 1;
      this.opts.log?.(`quote broadcast failed: ${(err as Error).message}`);
    } finally {
      this.#inflight = false;
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
