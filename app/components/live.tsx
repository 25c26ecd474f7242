// React hooks over Realtime: quotes by broadcast (topic market:quotes), the trader's own rows by
// postgres_changes (Realtime checks each change against their RLS before sending it).

import { useRevalidator } from '@remix-run/react';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { useEffect, useRef, useState } from 'react';

export interface LiveQuote {
  symbol: string;
  bid: number | null;
  ask: number | null;
  last: number | null;
  prev_close?: number | null;
  ts?: string;
}

export type LiveStatus = 'connecting' | 'live' | 'offline';

const n = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** A quote row as the API returns it (numerics as numbers or strings). */
export interface QuoteRow {
  symbol: string;
  bid: unknown;
  ask: unknown;
  last: unknown;
  prev_close?: unknown;
  quote_ts?: string | null;
}

/** Loader quote rows keyed by symbol, as `useQuotes` starts from. */
export function liveQuotes(rows: readonly QuoteRow[]): Record<string, LiveQuote> {
  return Object.fromEntries(
    rows.map((q) => [
      q.symbol,
      {
        symbol: q.symbol,
        bid: n(q.bid),
        ask: n(q.ask),
        last: n(q.last),
        prev_close: n(q.prev_close),
        ...(q.quote_ts ? { ts: q.quote_ts } : {}),
      },
    ]),
  );
}

/** Latest quotes, seeded from the loader and moved by broadcasts. */
export function useQuotes(initial: Record<string, LiveQuote>, onQuote?: (q: LiveQuote) => void) {
  const [quotes, setQuotes] = useState(initial);
  const onQuoteRef = useRef(onQuote);
  onQuoteRef.current = onQuote;
  useEffect(() => setQuotes(initial), [initial]);
  const status = useChannel('market:quotes', (channel) =>
    channel.on('broadcast', { event: 'quote' }, (message) => {
      const p = message.payload as Record<string, unknown>;
      const symbol = String(p.symbol ?? '');
      if (!symbol) return;
      setQuotes((prev) => {
        const old = prev[symbol];
        const next: LiveQuote = {
          symbol,
          bid: n(p.bid) ?? old?.bid ?? null,
          ask: n(p.ask) ?? old?.ask ?? null,
          last: n(p.last) ?? old?.last ?? null,
          prev_close: old?.prev_close ?? null,
          ts: typeof p.ts === 'string' ? p.ts : old?.ts,
        };
        onQuoteRef.current?.(next);
        return { ...prev, [symbol]: next };
      });
    }),
  );
  return { quotes, status };
}

export type RowChange = {
  table: string;
  eventType: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Record<string, unknown>;
  old: Record<string, unknown>;
};

/** Changes to the trader's rows in the given tables, filtered to one portfolio (or their user id). */
export function useRowChanges(
  key: string | null,
  tables: Array<{ table: string; filter: 'portfolio' | 'user' }>,
  portfolioId: string | null,
  onChange: (change: RowChange) => void,
) {
  const handler = useRef(onChange);
  handler.current = onChange;
  return useChannel(key, (channel, userId) => {
    for (const t of tables) {
      const filter = t.filter === 'portfolio' ? `portfolio_id=eq.${portfolioId}` : `user_id=eq.${userId}`;
      channel.on(
        'postgres_changes' as never,
        { event: '*', schema: 'public', table: t.table, filter } as never,
        (payload: RowChange) => handler.current(payload),
      );
    }
    return channel;
  });
}

/**
 * Re-reads the page's loaders each time its channel becomes live (first subscribe and every resubscribe), so
 * a change committed between the server's snapshot and the subscription, or while the socket was down, is not
 * missed: subscribe first, then read. One read per (re)connect, never a poll. A component of its own, so the
 * router's state changes during that read render only it, not the page around it.
 */
export function ResyncWhenLive({ status }: { status: LiveStatus }) {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  useEffect(() => {
    if (status === 'live') revalidate.current();
  }, [status]);
  return null;
}

/**
 * Loader data that keeps the previous value of each top-level field a re-read returned unchanged. The
 * catch-up read above usually finds nothing new; the page's memoised parts then see the same objects and do
 * not render again, and those whose data did change do.
 */
export function useSteadyData<T extends object>(data: T): T {
  const last = useRef<{ data: T; json?: Map<string, string> } | null>(null);
  const prev = last.current;
  if (!prev || prev.data === data) {
    last.current ??= { data };
    return data;
  }
  prev.json ??= fieldsAsJson(prev.data);
  const json = fieldsAsJson(data);
  let same = json.size === prev.json.size;
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const keep = prev.json.get(k) === json.get(k);
    same &&= keep;
    merged[k] = keep ? (prev.data as Record<string, unknown>)[k] : v;
  }
  const next = same ? prev.data : (merged as T);
  last.current = { data: next, json };
  return next;
}

const fieldsAsJson = (data: object): Map<string, string> =>
  new Map(Object.entries(data).map(([k, v]) => [k, JSON.stringify(v)] as const));

type RealtimeModule = typeof import('../realtime.client.ts');
let realtimeModule: Promise<RealtimeModule> | undefined;

/** Lets the browser run other tasks (input, rendering) before continuing. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The Realtime client is fetched and compiled once per page load, after the load event when the main thread
 * is idle, so it never competes with hydration or the first input. The pages' channels share it; each
 * connects in a task of its own, not in the one that evaluated the module. Changes committed between the
 * loader's snapshot and the subscription are caught up by `ResyncWhenLive`.
 */
function loadRealtime(): Promise<RealtimeModule> {
  realtimeModule ??= new Promise<void>((resolve) => {
    const idle = () =>
      'requestIdleCallback' in window
        ? window.requestIdleCallback(() => resolve(), { timeout: 1000 })
        : setTimeout(resolve, 0);
    if (document.readyState === 'complete') idle();
    else window.addEventListener('load', idle, { once: true });
  })
    .then(() => import('../realtime.client.ts'))
    .catch((error: unknown) => {
      realtimeModule = undefined;
      throw error;
    });
  return realtimeModule;
}

function useChannel(
  topic: string | null,
  setup: (channel: RealtimeChannel, userId: string | null) => RealtimeChannel,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const setupRef = useRef(setup);
  setupRef.current = setup;
  useEffect(() => {
    if (!topic) return;
    let channel: RealtimeChannel | undefined;
    let gone = false;
    loadRealtime()
      .then(async (m) => {
        await nextTask();
        return m.realtimeAsUser();
      })
      .then(({ realtime, userId }) => {
        if (gone) return;
        channel = setupRef.current(realtime.channel(topic), userId).subscribe((s) => {
          setStatus(
            s === 'SUBSCRIBED'
              ? 'live'
              : s === 'CLOSED'
                ? 'offline'
                : s === 'CHANNEL_ERROR'
                  ? 'offline'
                  : 'connecting',
          );
        });
      })
      .catch(() => {
        if (!gone) setStatus('offline');
      });
    return () => {
      gone = true;
      if (channel) void channel.unsubscribe();
    };
  }, [topic]);
  return status;
}

export function LiveBadge({ status }: { status: LiveStatus }) {
  const text = status === 'live' ? 'Live' : status === 'offline' ? 'Offline' : 'Connecting';
  return (
    <span className={`live-badge ${status}`} data-live={status} role="status" aria-live="polite">
      {text}
    </span>
  );
}
