// Display formatting only: arithmetic that matters happens in Postgres on numerics.
// Written out rather than built on Intl: the first Intl formatter a page creates loads the locale data on the
// main thread (45-70 ms in Chromium before any throttling), and server and browser ICU versions could
// render a value differently, which breaks hydration. Output matches en-US Intl (checked against it), except
// that a value rounding to zero has no minus sign and midnight shows as 00, not 24.

export const num = (v: unknown): number =>
  v === null || v === undefined || v === '' ? Number.NaN : Number(v);

/**
 * `n` with `min`..`max` fraction digits and thousands separators, e.g. -1,234.5. Rounds the number's shortest
 * decimal form half away from zero (1.005 shows as 1.01), as Intl does; a rounded zero has no sign.
 */
function decimal(n: number, min: number, max: number): string {
  const [mantissa = '0', exponent = '0'] = String(Math.abs(n)).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  if (point < 1) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  digits = digits.padEnd(point + max, '0');
  const roundUp = digits.charCodeAt(point + max) >= 53; // the first dropped digit is 5 or more
  digits = digits.slice(0, point + max);
  if (roundUp) digits = (BigInt(digits) + 1n).toString().padStart(digits.length, '0');
  const int = digits.slice(0, digits.length - max);
  let frac = digits.slice(digits.length - max);
  let end = frac.length;
  while (end > min && frac[end - 1] === '0') end--;
  frac = frac.slice(0, end);
  const text = int.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+$)/g, ',') + (frac ? `.${frac}` : '');
  return n < 0 && /[1-9]/.test(digits) ? `-${text}` : text;
}

const usd = (n: number): string => {
  const text = decimal(n, 2, 2);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
};

export function money(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? usd(n) : '—';
}

export function signedMoney(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return '—';
  return `${n > 0 ? '+' : ''}${usd(n)}`;
}

export function quantity(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? decimal(n, 0, 9) : '—';
}

export function price(v: unknown): string {
  const n = num(v);
  if (!Number.isFinite(n)) return '—';
  return n < 1 ? decimal(n, 2, 6) : decimal(n, 2, 2);
}

export function percent(v: unknown): string {
  const n = num(v);
  return Number.isFinite(n) ? `${n > 0 ? '+' : ''}${decimal(n, 2, 2)}%` : '—';
}

/** CSS class for a gain or loss. */
export const tone = (v: unknown): string => {
  const n = num(v);
  return n > 0 ? 'up' : n < 0 ? 'down' : '';
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** A timestamp in UTC, e.g. "Nov 25, 14:03:22". */
export function time(v: string | null | undefined): string {
  if (!v) return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return '—';
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

export const label = (s: string): string => s.replaceAll('_', ' ');
