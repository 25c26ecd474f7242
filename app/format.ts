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

export function price(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 6 : 2 });
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
  return new Date(v).toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZone: 'UTC',
  });
}

export const label = (s: string): string => s.replaceAll('_', ' ');
