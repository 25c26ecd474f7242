// Exact decimal arithmetic for bar volumes and notionals, with Postgres numeric's scale rules (a product's
// scale is the sum of the scales, a sum's the larger one), so a bar folded here prints exactly as Postgres
// would have computed it from the stored trades. Inputs are the decimal strings the feed parser produces
// (`String(jsonNumber)`: "190.25", "5", "1e-7", "1.5e+21").
export interface Decimal {
  /** The value times 10^scale. */
  units: bigint;
  scale: number;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

export function parseDecimal(s: string): Decimal {
  let mantissa = s;
  let exponent = 0;
  const e = s.search(/[eE]/);
  if (e >= 0) {
    mantissa = s.slice(0, e);
    exponent = Number(s.slice(e + 1));
  }
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  let scale = (dot < 0 ? 0 : mantissa.length - dot - 1) - exponent;
  if (!/^[+-]?\d+$/.test(digits) || !Number.isSafeInteger(scale)) throw new Error(`not a decimal: ${s}`);
  let units = BigInt(digits);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

const rescale = (d: Decimal, scale: number) =>
  d.scale === scale ? d.units : d.units * 10n ** BigInt(scale - d.scale);

export function add(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const whole = digits.slice(0, digits.length - d.scale);
  const text = d.scale === 0 ? whole : `${whole}.${digits.slice(digits.length - d.scale)}`;
  return negative ? `-${text}` : text;
}
