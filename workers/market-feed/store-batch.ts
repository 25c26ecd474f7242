// Writes one ingest batch in one transaction: trades (insert-or-noop on (dataset, trade id)), the 1-minute bars
// of only the trades actually inserted, the latest quote and last trade per symbol, detected gaps and the
// telemetry counters of the same period. A crash between batches therefore loses nothing that was
// acknowledged, and replaying a batch changes nothing.
import type postgres from 'postgres';
import type { Quote, Trade } from './parse-message.ts';
import type { MinuteCounters } from './telemetry.ts';

export interface Gap {
  first: number;
  last: number;
}

export interface Batch {
  trades: Trade[];
  /** Latest quote per symbol in the batch. */
  quotes: Quote[];
  gaps: Gap[];
  telemetry: MinuteCounters[];
}

export interface StoreResult {
  inserted: number;
  /** Symbols whose quote or last price changed. */
  moved: string[];
}

export async function storeBatch(sql: postgres.Sql, datasetId: string, batch: Batch): Promise<StoreResult> {
  const t = batch.trades;
  return sql.begin(async (tx) => {
    let inserted = 0;
    if (t.length > 0) {
      const [row] = await tx<{ inserted: number }[]>`
        with ins as (
          insert into public.market_trades
            (dataset_id, trade_id, symbol, price, size, exchange, conditions, tape, trade_ts, received_at)
          select ${datasetId}::uuid, u.* from unnest(
            ${t.map((x) => x.id)}::bigint[], ${t.map((x) => x.symbol)}::text[], ${t.map((x) => x.price)}::numeric[],
            ${t.map((x) => x.size)}::numeric[], ${t.map((x) => x.exchange)}::text[],
            ${t.map((x) => x.conditions)}::text[], ${t.map((x) => x.tape)}::text[],
            ${t.map((x) => x.ts)}::timestamptz[],
            ${t.map((x) => new Date(x.receivedAt).toISOString())}::timestamptz[]) as u
          on conflict (dataset_id, trade_id) do nothing
          returning trade_id, symbol, price, size, trade_ts
        ), agg as (
          select symbol, date_trunc('minute', trade_ts) as bucket,
            (array_agg(price order by trade_ts, trade_id))[1] as open,
            max(price) as high, min(price) as low,
            (array_agg(price order by trade_ts desc, trade_id desc))[1] as close,
            sum(size) as volume, count(*)::int as trade_count, sum(price * size) as notional,
            min(trade_ts) as open_ts, (array_agg(trade_id order by trade_ts, trade_id))[1] as open_trade_id,
            max(trade_ts) as close_ts, (array_agg(trade_id order by trade_ts desc, trade_id desc))[1] as close_trade_id
          from ins group by 1, 2
        ), bars as (
          insert into public.market_bars_1m as b
            (dataset_id, symbol, bucket, open, high, low, close, volume, trade_count, notional,
             open_ts, open_trade_id, close_ts, close_trade_id)
          select ${datasetId}::uuid, agg.* from agg
          on conflict (dataset_id, symbol, bucket) do update set
            open = case when (excluded.open_ts, excluded.open_trade_id) < (b.open_ts, b.open_trade_id)
                        then excluded.open else b.open end,
            open_ts = least(b.open_ts, excluded.open_ts),
            open_trade_id = case when (excluded.open_ts, excluded.open_trade_id) < (b.open_ts, b.open_trade_id)
                                 then excluded.open_trade_id else b.open_trade_id end,
            close = case when (excluded.close_ts, excluded.close_trade_id) > (b.close_ts, b.close_trade_id)
                         then excluded.close else b.close end,
            close_ts = greatest(b.close_ts, excluded.close_ts),
            close_trade_id = case when (excluded.close_ts, excluded.close_trade_id) > (b.close_ts, b.close_trade_id)
                                  then excluded.close_trade_id else b.close_trade_id end,
            high = greatest(b.high, excluded.high),
            low = least(b.low, excluded.low),
            volume = b.volume + excluded.volume,
            trade_count = b.trade_count + excluded.trade_count,
            notional = b.notional + excluded.notional,
            revision = b.revision + 1,
            updated_at = now()
          returning 1
        )
        select (select count(*) from ins)::int as inserted, (select count(*) from bars)::int as bars`;
      inserted = row?.inserted ?? 0;
    }

    // Latest quote and last trade per symbol, merged; instruments unknown to the trading core are skipped
    // (quotes reference instruments) and older data never overwrites newer.
    const last = new Map<string, Trade>();
    for (const x of t) {
      const prev = last.get(x.symbol);
      if (!prev || x.tsMs >= prev.tsMs) last.set(x.symbol, x);
    }
    const quotes = new Map(batch.quotes.map((q) => [q.symbol, q]));
    const symbols = [...new Set([...last.keys(), ...quotes.keys()])];
    let moved: string[] = [];
    if (symbols.length > 0) {
      const q = symbols.map((s) => quotes.get(s));
      const l = symbols.map((s) => last.get(s));
      const rows = await tx`
        insert into public.quotes as q (symbol, bid, ask, bid_size, ask_size, last, last_size, quote_ts, updated_at)
        select u.symbol, u.bid, u.ask, u.bid_size, u.ask_size, u.last, u.last_size,
          greatest(u.quote_ts, u.last_ts), now()
        from unnest(${symbols}::text[], ${q.map((x) => x?.bid ?? null)}::numeric[], ${q.map((x) => x?.ask ?? null)}::numeric[],
          ${q.map((x) => x?.bidSize ?? null)}::numeric[], ${q.map((x) => x?.askSize ?? null)}::numeric[],
          ${l.map((x) => x?.price ?? null)}::numeric[], ${l.map((x) => x?.size ?? null)}::numeric[],
          ${q.map((x) => x?.ts ?? null)}::timestamptz[], ${l.map((x) => x?.ts ?? null)}::timestamptz[])
          as u (symbol, bid, ask, bid_size, ask_size, last, last_size, quote_ts, last_ts)
        where exists (select 1 from public.instruments i where i.symbol = u.symbol)
        on conflict (symbol) do update set
          bid = case when excluded.bid is not null and excluded.quote_ts >= q.quote_ts then excluded.bid else q.bid end,
          ask = case when excluded.ask is not null and excluded.quote_ts >= q.quote_ts then excluded.ask else q.ask end,
          bid_size = case when excluded.bid is not null and excluded.quote_ts >= q.quote_ts then excluded.bid_size else q.bid_size end,
          ask_size = case when excluded.ask is not null and excluded.quote_ts >= q.quote_ts then excluded.ask_size else q.ask_size end,
          last = case when excluded.last is not null and excluded.quote_ts >= q.quote_ts then excluded.last else q.last end,
          last_size = case when excluded.last is not null and excluded.quote_ts >= q.quote_ts then excluded.last_size else q.last_size end,
          quote_ts = greatest(q.quote_ts, excluded.quote_ts),
          updated_at = now()
        returning symbol`;
      moved = rows.map((r) => r.symbol as string);
    }

    if (batch.gaps.length > 0)
      await tx`
        insert into public.market_ingestion_gaps (dataset_id, first_missing_id, last_missing_id)
        select ${datasetId}::uuid, f, l
        from unnest(${batch.gaps.map((g) => g.first)}::bigint[], ${batch.gaps.map((g) => g.last)}::bigint[]) as u (f, l)
        on conflict (dataset_id, first_missing_id) do nothing`;

    for (const m of batch.telemetry) await writeTelemetry(tx, datasetId, m);
    return { inserted, moved };
  });
}

async function writeTelemetry(
  tx: postgres.TransactionSql,
  datasetId: string,
  m: MinuteCounters,
): Promise<void> {
  // Counts add up across flushes of the same minute; percentiles are of all samples of the minute so far.
  await tx`
    insert into public.market_ingestion_minutes as t
      (dataset_id, minute, messages, trades, quotes, duplicates, malformed, out_of_order, gaps, missing_trades,
       reconnects, errors, lag_p50_ms, lag_p95_ms, lag_p99_ms, lag_max_ms, last_message_at)
    values (${datasetId}, ${new Date(m.minute)}, ${m.messages}, ${m.trades}, ${m.quotes}, ${m.duplicates},
      ${m.malformed}, ${m.outOfOrder}, ${m.gaps}, ${m.missingTrades}, ${m.reconnects}, ${m.errors},
      ${m.lag?.p50 ?? null}, ${m.lag?.p95 ?? null}, ${m.lag?.p99 ?? null}, ${m.lag?.max ?? null},
      ${m.lastMessageAt ? new Date(m.lastMessageAt) : null})
    on conflict (dataset_id, minute) do update set
      messages = t.messages + excluded.messages,
      trades = t.trades + excluded.trades,
      quotes = t.quotes + excluded.quotes,
      duplicates = t.duplicates + excluded.duplicates,
      malformed = t.malformed + excluded.malformed,
      out_of_order = t.out_of_order + excluded.out_of_order,
      gaps = t.gaps + excluded.gaps,
      missing_trades = t.missing_trades + excluded.missing_trades,
      reconnects = t.reconnects + excluded.reconnects,
      errors = t.errors + excluded.errors,
      lag_p50_ms = coalesce(excluded.lag_p50_ms, t.lag_p50_ms),
      lag_p95_ms = coalesce(excluded.lag_p95_ms, t.lag_p95_ms),
      lag_p99_ms = coalesce(excluded.lag_p99_ms, t.lag_p99_ms),
      lag_max_ms = greatest(t.lag_max_ms, excluded.lag_max_ms),
      last_message_at = greatest(t.last_message_at, excluded.last_message_at),
      updated_at = now()`;
}
