// One-minute candles: a server-rendered SVG first (no script to load, compile or lay out before the page is
// interactive), swapped for lightweight-charts (crosshair, zoom, pan) when a pointer first reaches the chart.
// The last candle follows the live price between bars in both.
import { memo, useEffect, useMemo, useRef, useState } from 'react';

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

/** The candles with the live price folded into the current minute's bar (a new bar when the minute is new). */
function withLive(bars: Candle[], live: number | null): Candle[] {
  if (live === null) return bars;
  const minute = Math.floor(Date.now() / 60000) * 60;
  const prev = bars[bars.length - 1];
  if (prev && prev.time > minute) return bars;
  if (prev && prev.time === minute) {
    return [
      ...bars.slice(0, -1),
      { ...prev, high: Math.max(prev.high, live), low: Math.min(prev.low, live), close: live },
    ];
  }
  return [...bars, { time: minute, open: live, high: live, low: live, close: live }];
}

const W = 600;
const H = 360;

/** Four paths (wicks and bodies, up and down) instead of an element per candle: cheap to render and hydrate. */
function svgPaths(bars: Candle[]) {
  if (bars.length === 0) return null;
  const lo = Math.min(...bars.map((b) => b.low));
  const hi = Math.max(...bars.map((b) => b.high));
  const span = hi - lo || 1;
  const y = (v: number) => (8 + ((hi - v) / span) * (H - 16)).toFixed(1);
  const step = W / bars.length;
  const body = Math.max(1, step * 0.7);
  const d = { upWick: '', downWick: '', upBody: '', downBody: '' };
  bars.forEach((b, i) => {
    const up = b.close >= b.open;
    const cx = (i * step + step / 2).toFixed(1);
    const x = (i * step + (step - body) / 2).toFixed(1);
    const top = Number(y(Math.max(b.open, b.close)));
    const h = Math.max(1, Number(y(Math.min(b.open, b.close))) - top).toFixed(1);
    const wick = `M${cx},${y(b.high)}V${y(b.low)}`;
    const rect = `M${x},${top}h${body.toFixed(1)}v${h}h${(-body).toFixed(1)}Z`;
    if (up) {
      d.upWick += wick;
      d.upBody += rect;
    } else {
      d.downWick += wick;
      d.downBody += rect;
    }
  });
  return d;
}

/** Renders again on new candles or a new live price, not with every render of the page around it. */
export const CandleChart = memo(function CandleChart({
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
  const [bars, setBars] = useState(candles);
  const barsRef = useRef(bars);
  barsRef.current = bars;
  const [wanted, setWanted] = useState(false);
  const [drawn, setDrawn] = useState(false);

  // Fresh bars from the loader (after a revalidation) replace the drawn ones; a new symbol remounts the chart.
  useEffect(() => {
    setBars(candles);
    series.current?.setData(candles as never);
  }, [candles]);
  useEffect(() => {
    const next = withLive(barsRef.current, live);
    if (next === barsRef.current) return;
    setBars(next);
    const bar = next[next.length - 1];
    if (bar) series.current?.update(bar);
  }, [live]);

  useEffect(() => {
    if (!wanted) return;
    let dispose: (() => void) | undefined;
    let gone = false;
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
      s.setData(barsRef.current as never);
      series.current = s;
      chart.timeScale().fitContent();
      setDrawn(true);
      dispose = () => chart.remove();
    });
    return () => {
      gone = true;
      series.current = null;
      setDrawn(false);
      dispose?.();
    };
  }, [wanted]);

  const paths = useMemo(() => (drawn ? null : svgPaths(bars)), [bars, drawn]);
  const last = candles[candles.length - 1];
  return (
    <div className="candles-wrap">
      {candles.length === 0 ? (
        <p className="chart-empty">No bars recorded yet; candles appear as trades arrive.</p>
      ) : null}
      <div
        className="candles"
        ref={box}
        role="img"
        onPointerEnter={() => setWanted(true)}
        aria-label={
          last
            ? `${symbol} one-minute candles: ${candles.length} bars, last close ${last.close}.`
            : `${symbol}: no bars recorded yet; the chart fills in as trades arrive.`
        }
      >
        {paths ? (
          <svg
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="none"
            aria-hidden="true"
            className="candles-svg"
          >
            <path d={paths.upWick} fill="none" stroke="#3fcf6e" vectorEffect="non-scaling-stroke" />
            <path d={paths.downWick} fill="none" stroke="#ff7b72" vectorEffect="non-scaling-stroke" />
            <path d={paths.upBody} fill="#3fcf6e" />
            <path d={paths.downBody} fill="#ff7b72" />
          </svg>
        ) : null}
      </div>
    </div>
  );
});
