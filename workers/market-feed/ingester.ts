// The ingester: feed events → bounded queue → batches written by storeBatch → acknowledged. One writer loop
// keeps batches in feed order (the next batch is prepared while the previous one commits). When the queue reaches `maxQueue` the socket is paused (backpressure) and
// resumed once it drains below half. Trade ids at or below the highest one seen are out of order (counted,
// skipped); a jump in a sequenced dataset is a gap, recorded with the batch that reveals it.
import type postgres from 'postgres';
import { FeedConnection, type Subscription } from './feed-connection.ts';
import type { FeedEvent, Quote, Trade } from './parse-message.ts';
import type { QuoteBroadcaster } from './quote-broadcaster.ts';
import { type Gap, type PreparedBatch, prepareBatch, type StoreResult, storeBatch } from './store-batch.ts';
import { type MinuteCounters, Telemetry } from './telemetry.ts';

export interface IngesterOptions {
  sql: postgres.Sql;
  dataset: { name: string; userId?: string | null; sequenced?: boolean };
  feedUrl: string;
  key: string;
  secret: string;
  subscription?: Subscription;
  batchSize?: number;
  /** Longest a message waits for its batch when the feed is quiet. */
  flushMs?: number;
  maxQueue?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Call private.process_market_update for the symbols each batch moved (matching, alerts). */
  processMarketUpdate?: boolean;
  broadcaster?: QuoteBroadcaster;
  /** Called with each batch's trades after it committed. */
  onAck?(trades: Trade[]): void;
  log?(line: string): void;
}

type Queued = { kind: 'trade'; trade: Trade } | { kind: 'quote'; quote: Quote } | { kind: 'gap'; gap: Gap };

export interface Ingester {
  datasetId: string;
  telemetry: Telemetry;
  /** Highest trade id committed to Postgres. */
  readonly acknowledgedId: number;
  readonly queueLength: number;
  readonly paused: boolean;
  /** Subscriptions (re)established, including the first. */
  readonly subscriptions: number;
  /** Stops reading, writes what is queued, then closes. */
  stop(): Promise<void>;
  /** Dies like a crashed process: drops the socket and whatever is queued, writes nothing more. */
  kill(): Promise<void>;
}

export async function registerDataset(
  sql: postgres.Sql,
  d: { name: string; userId?: string | null; sequenced?: boolean; feedUrl: string },
): Promise<string> {
  const [row] = await sql`
    insert into public.market_datasets (name, user_id, feed_url, sequenced)
    values (${d.name}, ${d.userId ?? null}, ${d.feedUrl}, ${d.sequenced ?? true})
    on conflict (name) do update set feed_url = excluded.feed_url
    returning id`;
  return (row as { id: string }).id;
}

export async function startIngester(opts: IngesterOptions): Promise<Ingester> {
  const sql = opts.sql;
  const batchSize = opts.batchSize ?? 5000;
  const flushMs = opts.flushMs ?? 50;
  const maxQueue = opts.maxQueue ?? 50_000;
  const sequenced = opts.dataset.sequenced ?? true;
  const log = opts.log ?? (() => {});
  const datasetId = await registerDataset(sql, { ...opts.dataset, feedUrl: opts.feedUrl });
  const [top] = await sql<{ max: string | null }[]>`
    select max(trade_id)::text as max from public.market_trades where dataset_id = ${datasetId}`;
  let acknowledgedId = top?.max == null ? -1 : Number(top.max);
  let highestSeen = acknowledgedId;
  const lastQuoteMs = new Map<string, number>();
  const telemetry = new Telemetry();
  let queue: Queued[] = [];
  let subscriptions = 0;
  let stopping = false;
  let killed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const onEvent = (ev: FeedEvent) => {
    if (killed) return;
    telemetry.message();
    switch (ev.kind) {
      case 'trade': {
        const id = ev.trade.id;
        if (id <= highestSeen) {
          telemetry.add('outOfOrder');
          return;
        }
        if (sequenced && highestSeen >= 0 && id > highestSeen + 1) {
          const gap = { first: highestSeen + 1, last: id - 1 };
          telemetry.add('gaps');
          telemetry.add('missingTrades', gap.last - gap.first + 1);
          log(`gap: trade ids ${gap.first}..${gap.last} never arrived`);
          queue.push({ kind: 'gap', gap });
        }
        highestSeen = id;
        queue.push(ev);
        break;
      }
      case 'quote': {
        const prev = lastQuoteMs.get(ev.quote.symbol) ?? 0;
        if (ev.quote.tsMs < prev) {
          telemetry.add('outOfOrder');
          return;
        }
        lastQuoteMs.set(ev.quote.symbol, ev.quote.tsMs);
        queue.push(ev);
        break;
      }
      case 'malformed':
        telemetry.add('malformed');
        log(`skipped malformed message: ${ev.reason}`);
        return;
      case 'error':
        telemetry.add('errors');
        return;
      default:
        return;
    }
    if (queue.length >= maxQueue && !conn.paused) conn.pause();
    // Wake the writer on the first message (it then lets the batch grow for flushMs) and on a full batch.
    if (queue.length === 1 || queue.length >= batchSize) notify();
  };

  const conn = new FeedConnection({
    url: opts.feedUrl,
    key: opts.key,
    secret: opts.secret,
    subscription: opts.subscription ?? { trades: ['*'], quotes: ['*'] },
    backoffBaseMs: opts.backoffBaseMs,
    backoffCapMs: opts.backoffCapMs,
    onEvent,
    onMalformedFrame: (reason) => {
      telemetry.message();
      telemetry.add('malformed');
      log(`skipped malformed frame: ${reason}`);
    },
    onSubscribed: (channels, reconnect) => {
      subscriptions += 1;
      log(`${reconnect ? 're' : ''}subscribed: ${JSON.stringify(channels)}`);
    },
    onReconnecting: (attempt, delay) => {
      telemetry.add('reconnects');
      log(`feed connection lost; reconnect attempt ${attempt} in ${delay} ms`);
    },
    log,
  });

  interface Pending {
    items: Queued[];
    batch: PreparedBatch;
    counters: MinuteCounters[];
  }

  /** Takes the next batch off the queue and does its CPU work (split, COPY rows, bars). */
  const take = (): Pending => {
    const items = queue.splice(0, batchSize);
    if (conn.paused && queue.length < maxQueue / 2 && !stopping) conn.resume();
    const trades: Trade[] = [];
    const quotes = new Map<string, Quote>();
    const gaps: Gap[] = [];
    for (const it of items) {
      if (it.kind === 'trade') trades.push(it.trade);
      else if (it.kind === 'quote') quotes.set(it.quote.symbol, it.quote);
      else gaps.push(it.gap);
    }
    const counters = telemetry.take();
    const batch = prepareBatch(datasetId, {
      trades,
      quotes: [...quotes.values()],
      gaps,
      telemetry: counters,
    });
    return { items, batch, counters };
  };

  /** Writes a batch and acknowledges it; false when the write failed (its counters are restored). */
  const commit = async ({ batch, counters }: Pending): Promise<boolean> => {
    let result: StoreResult;
    try {
      result = await storeBatch(sql, datasetId, batch);
    } catch (err) {
      telemetry.restore(counters);
      telemetry.add('errors');
      log(`batch write failed (${(err as Error).message}); retrying`);
      return false;
    }
    if (killed) return true;
    const { trades, quotes } = batch;
    const now = Date.now();
    let top = acknowledgedId;
    for (const tr of trades) {
      telemetry.lag(now - tr.receivedAt, now);
      if (tr.id > top) top = tr.id;
    }
    acknowledgedId = top;
    telemetry.add('trades', result.inserted);
    telemetry.add('duplicates', trades.length - result.inserted);
    telemetry.add('quotes', quotes.length);
    opts.onAck?.(trades);
    if (result.moved.length > 0) {
      if (opts.processMarketUpdate ?? true)
        await sql`select * from private.process_market_update(${result.moved}::text[])`.catch((err) => {
          telemetry.add('errors');
          log(`process_market_update failed: ${(err as Error).message}`);
        });
      opts.broadcaster?.offer(result.moved, trades, quotes);
    }
    return true;
  };

  // One batch is written while the next one is taken and prepared, so Postgres is not idle while this
  // process encodes. Batches still commit one at a time and in feed order: a batch starts writing only
  // after the previous one committed, and when a write fails both go back to the front of the queue.
  let inflight: { pending: Pending; done: Promise<boolean> } | undefined;
  const settle = async (next?: Pending): Promise<boolean> => {
    if (!inflight) return true;
    const { pending, done } = inflight;
    inflight = undefined;
    if (await done) return true;
    if (next) telemetry.restore(next.counters);
    if (!killed) queue = [...pending.items, ...(next?.items ?? []), ...queue];
    await new Promise((r) => setTimeout(r, 500));
    return false;
  };

  const loop = (async () => {
    while (!killed) {
      if (queue.length === 0) {
        if (inflight) {
          await settle();
          continue;
        }
        if (stopping) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, telemetry.dirty() ? flushMs : 1000);
        });
        if (queue.length === 0 && telemetry.dirty() && !killed) {
          const counters = telemetry.take();
          await storeBatch(sql, datasetId, { trades: [], quotes: [], gaps: [], telemetry: counters }).catch(
            () => telemetry.restore(counters),
          );
        }
        continue;
      }
      // Let a small batch grow for up to flushMs so a trickle is not one transaction per message.
      if (queue.length < batchSize && !stopping) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, flushMs);
        });
      }
      const next = take();
      if (!(await settle(next)) || killed) continue;
      inflight = { pending: next, done: commit(next) };
    }
    await inflight?.done;
  })();

  conn.start();

  return {
    datasetId,
    telemetry,
    get acknowledgedId() {
      return acknowledgedId;
    },
    get queueLength() {
      return queue.length;
    },
    get paused() {
      return conn.paused;
    },
    get subscriptions() {
      return subscriptions;
    },
    async stop() {
      stopping = true;
      await conn.close();
      notify();
      await loop;
      if (telemetry.dirty())
        await storeBatch(sql, datasetId, { trades: [], quotes: [], gaps: [], telemetry: telemetry.take() });
      opts.broadcaster?.stop();
    },
    async kill() {
      killed = true;
      conn.terminate();
      queue = [];
      notify();
      await loop.catch(() => {});
      opts.broadcaster?.stop();
    },
  };
}
