// One-minute candles with lightweight-charts, loaded only on the pages that draw them; the last candle
// follows the live price between bars.
import { useEffect, useRef } from 'react';

export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

interface Series {
  setData(data: Candle[]): void;
  update(bar: Candle): void;
}

export function CandleChart({
  candles,
  live,
  symbol,
}: {
  candles: Candle[];
  live: number | null;
  symbol: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const series = useRef<Series | null>(null);
  const last = useRef<Candle | null>(null);

  useEffect(() => {
    let dispose: (() => void) | undefined;
    let gone = false;
    // The chart library loads once the page is idle, so it never delays the first render or input.
    const idle = (fn: () => void) =>
      'requestIdleCallback' in window
        ? window.requestIdleCallback(fn, { timeout: 2000 })
        : setTimeout(fn, 200);
    idle(
      () =>
        void import('lightweight-charts').then(({ createChart, CandlestickSeries, ColorType }) => {
          if (gone || !box.current) return;
          const chart = createChart(box.current, {
            autoSize: true,
            layout: { background: { type: ColorType.Solid, color: '#0b0f14' }, textColor: '#a3b0bf' },
            grid: { vertLines: { color: '#1a232d' }, horzLines: { color: '#1a232d' } },
            timeScale: { timeVisible: true, secondsVisible: false },
          });
          const s = chart.addSeries(CandlestickSeries, {
            upColor: '#3fcf6e',
            downColor: '#ff7b72',
            borderVisible: false,
            wickUpColor: '#3fcf6e',
            wickDownColor: '#ff7b72',
          }) as unknown as Series;
          s.setData(candles as never);
          series.current = s;
          last.current = candles[candles.length - 1] ?? null;
          chart.timeScale().fitContent();
          dispose = () => chart.remove();
        }),
    );
    return () => {
      gone = true;
      series.current = null;
      dispose?.();
    };
  }, [candles]);

  useEffect(() => {
    if (live === null || !series.current) return;
    const minute = Math.floor(Date.now() / 60000) * 60;
    const prev = last.current;
    const bar =
      prev && prev.time === minute
        ? { ...prev, high: Math.max(prev.high, live), low: Math.min(prev.low, live), close: live }
        : prev && prev.time > minute
          ? null
          : { time: minute, open: live, high: live, low: live, close: live };
    if (!bar) return;
    series.current.update(bar);
    last.current = bar;
  }, [live]);

  return (
    <div className="candles-wrap">
      {candles.length === 0 ? (
        <p className="chart-empty">No bars recorded yet; candles appear as trades arrive.</p>
      ) : null}
      <div
        className="candles"
        ref={box}
        role="img"
        aria-label={
          candles.length
            ? `${symbol} one-minute candles: ${candles.length} bars, last close ${candles[candles.length - 1]?.close}.`
            : `${symbol}: no bars recorded yet; the chart fills in as trades arrive.`
        }
      />
    </div>
  );
}
