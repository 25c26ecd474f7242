// Small server-rendered SVG charts (no chart library in the dashboard's bundle).

export interface Point {
  t: number;
  v: number;
}

const W = 600;
const H = 160;

function scale(points: Point[]) {
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.v);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  let v0 = Math.min(...vs);
  let v1 = Math.max(...vs);
  if (v0 === v1) {
    v0 -= 1;
    v1 += 1;
  }
  const x = (t: number) => (t1 === t0 ? W : ((t - t0) / (t1 - t0)) * W);
  const y = (v: number) => H - 8 - ((v - v0) / (v1 - v0)) * (H - 16);
  return { x, y, v0, v1 };
}

/** A line over time with its range in words, for screen readers too. */
export function LineChart({
  points,
  label,
  format,
  empty,
}: {
  points: Point[];
  label: string;
  format: (v: number) => string;
  empty: string;
}) {
  if (points.length < 2) {
    return <p className="empty">{empty}</p>;
  }
  const { x, y, v0, v1 } = scale(points);
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  const last = points[points.length - 1] as Point;
  const summary = `${label}: from ${format(points[0]?.v ?? 0)} to ${format(last.v)}, range ${format(v0)} to ${format(v1)}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <path d={d} fill="none" stroke="currentColor" strokeWidth="2" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="chart-axis">
        <span>{format(v1)}</span>
        <span>{format(v0)}</span>
      </figcaption>
    </figure>
  );
}

/** Bars per minute (e.g. errors or gaps), highest labelled. */
export function BarChart({
  points,
  label,
  format,
  empty,
}: {
  points: Point[];
  label: string;
  format: (v: number) => string;
  empty: string;
}) {
  if (points.length === 0) return <p className="empty">{empty}</p>;
  const max = Math.max(1, ...points.map((p) => p.v));
  const bw = W / points.length;
  const total = points.reduce((s, p) => s + p.v, 0);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${label}: ${format(total)} in total over ${points.length} minutes, at most ${format(max)} in one minute.`}
      >
        {points.map((p, i) => {
          const h = (p.v / max) * (H - 8);
          return (
            <rect
              key={p.t}
              x={i * bw + 1}
              y={H - h}
              width={Math.max(1, bw - 2)}
              height={h}
              fill="currentColor"
            />
          );
        })}
      </svg>
      <figcaption className="chart-axis">
        <span>{format(max)}</span>
        <span>0</span>
      </figcaption>
    </figure>
  );
}
