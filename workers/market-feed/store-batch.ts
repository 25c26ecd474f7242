// Writes one ingest batch in one transaction: trades (insert-or-noop on (dataset, trade id)), the 1-minute bars
// of only the trades actually inserted, the latest quote and last trade per symbol, detected gaps and the
// telemetry counters of the same period. A crash between batches therefore loses nothing that was
// acknowledged, and replaying a batch changes nothing.
//
// Fast path: the ingester only ever writes trade ids above the highest one stored, so a batch is almost always
// all new. It is COPYed straight into market_trades (the table's own unique key still guards it) and its bars
// were folded in memory by prepareBatch. If that transaction fails for any reason (in practice: a trade id
// already stored, e.g. two ingesters on one dataset), it is rolled back and the batch is written again with
// insert ... on conflict do nothing, folding into bars only the trades that insert returned.
import type postgres from 'postgres';
import { foldMinuteBars, type MinuteBar } from './minute-bars.ts';
import type { Quote, Trade } from './parse-message.ts';
import type { MinuteCounters } from './telemetry.ts';

// Times go to Postgres as text[] cast in SQL: postgres.js serializes a timestamptz parameter through a JS
// Date, which would cut the feed's micro- and nanoseconds to milliseconds.

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

/** A batch whose CPU work (COPY encoding, bar folding) is done, so it can be prepared while another commits. */
export interface PreparedBatch extends Batch {
  /** The trades as rows of COPY text format. */
  copyRows: Buffer;
  /** The trades folded into 1-minute bars, valid when every trade is new. */
  bars: MinuteBar[];
}

export interface StoreResult {
  inserted: number;
  /** Symbols whose quote or last price changed. */
  moved: string[];
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyText = (s: string) =>
  COPY_SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : s;

/** COPY text rows for market_trades (symbol, decimals and times are validated by the parser: no escaping). */
export function tradeCopyRows(datasetId: string, trades: Trade[]): Buffer {
  let out = '';
  let receivedAt = Number.NaN;
  let receivedIso = '';
  for (const t of trades) {
    if (t.receivedAt !== receivedAt) {
      receivedAt = t.receivedAt;
      receivedIso = new Date(receivedAt).toISOString();
    }
    out += `${datasetId}\t${t.id}\t${t.symbol}\t${t.price}\t${t.size}\t${copyText(t.exchange)}\t${copyText(t.conditions)}\t${copyText(t.tape)}\t${t.ts}\t${receivedIso}\n`;
  }
  return Buffer.from(out);
}

export function prepareBatch(datasetId: string, batch: Batch): PreparedBatch {
  return { ...batch, copyRows: tradeCopyRows(datasetId, batch.trades), bars: foldMinuteBars(batch.trades) };
}

export async function storeBatch(
  sql: postgres.Sql,
  datasetId: string,
  batch: Batch | PreparedBatch,
): Promise<StoreResult> {
  const prepared = 'copyRows' in batch ? batch : prepareBatch(datasetId, batch);
  if (prepared.trades.length === 0)
    return { inserted: 0, moved: await sql.begin((tx) => writeRest(tx, datasetId, prepared)) };
  try {
    return await sql.begin(async (tx) => {
      await copyTrades(tx, prepared.copyRows);
      const [, moved] = await Promise.all([
        upsertBars(tx, datasetId, prepared.bars),
        writeRest(tx, datasetId, prepared),
      ]);
      return { inserted: prepared.trades.length, moved };
    });
  } catch {
    return sql.begin(async (tx) => {
      const rows = await tx<{ trade_id: string }[]>`
        insert into public.market_trades
          (dataset_id, trade_id, symbol, price, size, exchange, conditions, tape, trade_ts, received_at)
        select ${datasetId}::uuid, u.* from unnest(
          ${prepared.trades.map((x) => x.id)}::bigint[], ${prepared.trades.map((x) => x.symbol)}::text[],
          ${prepared.trades.map((x) => x.price)}::numeric[], ${prepared.trades.map((x) => x.size)}::numeric[],
          ${prepared.trades.map((x) => x.exchange)}::text[], ${prepared.trades.map((x) => x.conditions)}::text[],
          ${prepared.trades.map((x) => x.tape)}::text[], ${prepared.trades.map((x) => x.ts)}::text[]::timestamptz[],
          ${prepared.trades.map((x) => new Date(x.receivedAt).toISOString())}::text[]::timestamptz[]) as u
        on conflict (dataset_id, trade_id) do nothing
        returning trade_id::text`;
      const inserted = new Set(rows.map((r) => Number(r.trade_id)));
      await upsertBars(tx, datasetId, foldMinuteBars(prepared.trades.filter((t) => inserted.has(t.id))));
      return { inserted: inserted.size, moved: await writeRest(tx, datasetId, prepared) };
    });
  }
}

async function copyTrades(tx: postgres.TransactionSql, rows: Buffer): Promise<void> {
  const copy = await tx`
    copy public.market_trades
      (dataset_id, trade_id, symbol, price, size, exchange, conditions, tape, trade_ts, received_at)
    from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    copy.once('error', reject);
    copy.write(rows, (err) => (err ? reject(err) : resolve()));
  });
  // Ends the COPY. postgres.js never settles a COPY stream that Postgres rejected, so its outcome is learnt
  // from the next statement in this transaction, which fails if the COPY did.
  copy.end();
}

async function upsertBars(tx: postgres.TransactionSql, datasetId: string, bars: MinuteBar[]): Promise<void> {
  const col = <K extends keyof MinuteBar>(k: K) => bars.map((b) => b[k]);
  await tx`
    insert into public.market_bars_1m as b
      (dataset_id, symbol, bucket, open, high, low, close, volume, trade_count, notional,
       open_ts, open_trade_id, close_ts, close_trade_id)
    select ${datasetId}::uuid, u.* from unnest(
      ${col('symbol')}::text[], ${col('bucket')}::text[]::timestamptz[], ${col('open')}::numeric[],
      ${col('high')}::numeric[], ${col('low')}::numeric[], ${col('close')}::numeric[],
      ${col('volume')}::numeric[], ${col('tradeCount')}::int[], ${col('notional')}::numeric[],
      ${col('openTs')}::text[]::timestamptz[], ${col('openTradeId')}::bigint[],
      ${col('closeTs')}::text[]::timestamptz[], ${col('closeTradeId')}::bigint[]) as u
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
      updated_at = now()`;
}

/**
 * Latest quotes, gaps and telemetry: the part of a batch that does not depend on how its trades were
 * inserted. Returns the symbols whose quote or last price changed.
 */
async function writeRest(tx: postgres.TransactionSql, datasetId: string, batch: Batch): Promise<string[]> {
  const t = batch.trades;
  // Latest quote and last trade per symbol, merged; instruments unknown to the trading core are skipped
  // (quotes reference instruments) and older data never overwrites newer.
  const last = new Map<string, Trade>();
  for (const x of t) {
    const prev = last.get(x.symbol);
    if (!prev || x.tsMs >= prev.tsMs) last.set(x.symbol, x);
  }
  const quotes = new Map(batch.quotes.map((q) => [q.symbol, q]));
  const symbols = [...new Set([...last.keys(), ...quotes.keys()])];
  // The statements go out together (postgres.js pipelines a transaction's queries): one round trip, not four.
  const pending: Array<Promise<unknown>> = [];
  let moved: Promise<string[]> = Promise.resolve([]);
  if (symbols.length > 0) {
    const q = symbols.map((s) => quotes.get(s));
    const l = symbols.map((s) => last.get(s));
    const rows = tx`
        insert into public.quotes as q (symbol, bid, ask, bid_size, ask_size, last, last_size, quote_ts, updated_at)
        select u.symbol, u.bid, u.ask, u.bid_size, u.ask_size, u.last, u.last_size,
          greatest(u.quote_ts, u.last_ts), now()
        from unnest(${symbols}::text[], ${q.map((x) => x?.bid ?? null)}::numeric[], ${q.map((x) => x?.ask ?? null)}::numeric[],
          ${q.map((x) => x?.bidSize ?? null)}::numeric[], ${q.map((x) => x?.askSize ?? null)}::numeric[],
          ${l.map((x) => x?.price ?? null)}::numeric[], ${l.map((x) => x?.size ?? null)}::numeric[],
          ${q.map((x) => x?.ts ?? null)}::text[]::timestamptz[], ${l.map((x) => x?.ts ?? null)}::text[]::timestamptz[])
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
    moved = rows.then((r) => r.map((x) => x.symbol as string));
  }

  if (batch.gaps.length > 0)
    pending.push(tx`
        insert into public.market_ingestion_gaps (dataset_id, first_missing_id, last_missing_id)
        select ${datasetId}::uuid, f, l
        from unnest(${batch.gaps.map((g) => g.first)}::bigint[], ${batch.gaps.map((g) => g.last)}::bigint[]) as u (f, l)
        on conflict (dataset_id, first_missing_id) do nothing`);

  for (const m of batch.telemetry) pending.push(writeTelemetry(tx, datasetId, m));
  const [symbolsMoved] = await Promise.all([moved, ...pending]);
  return symbolsMoved;
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
