// Display formatting only: arithmetic that matters happens in Postgres on numerics.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 9 });
const pct = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

export const num = (v: unknown): number =>
  v === null || v === undefined || v === '' ? Number.NaN : Number(v);

export function money(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? usd.format(n) : '—';
}

export function signedMoney(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return '—';
  return `${n > 0 ? '+' : ''}${usd.format(n)}`;
}

export function quantity(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? plain.format(n) : '—';
}

// Formatters are built once: toLocaleString with options builds a new one per call, which made hydrating a
// table of prices and times measurably slower.
const priceFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const smallPriceFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
const utcTime = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});

export function price(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return '—';
  return (n < 1 ? smallPriceFmt : priceFmt).format(n);
}

export function percent(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? `${n > 0 ? '+' : ''}${pct.format(n)}%` : '—';
}

/** CSS class for a gain or loss. */
export const tone = (v: unknown): string => {
  const n = num(v);
  return n > 0 ? 'up' : n < 0 ? 'down' : '';
};

export function time(v: string | null | undefined): string {
  if (!v) return '—';
  return utcTime.format(new Date(v));
}

export const label = (s: string): string => s.replaceAll('_', ' ');
