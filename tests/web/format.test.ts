// app/format.ts writes numbers and times out by hand (no Intl on the page's main thread). Its output must stay
// what en-US Intl prints, so server and browser agree and traders read the usual forms; the only intended
// differences are no minus sign on a value that rounds to zero and 00 (not 24) for the midnight hour.
import { describe, expect, it } from 'vitest';
import { money, percent, price, quantity, signedMoney, time } from '../../app/format.ts';

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const qty = new Intl.NumberFormat('en-US', { maximumFractionDigits: 9 });
const cents = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const micro = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
const stamp = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** A fixed spread of values: edges, halves, long decimals, and seeded random magnitudes and signs. */
function values(): string[] {
  const out = [
    '0',
    '1',
    '-1',
    '0.5',
    '1.005',
    '2.675',
    '0.125',
    '999.995',
    '-999.995',
    '1234567.891',
    '0.000001',
  ];
  out.push(
    '0.0000005',
    '123456789.123456789',
    '1e21',
    '-0.004',
    '0.994999',
    '100',
    '1000000',
    '0.1',
    '7.45e-7',
  );
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 5000; i++) {
    const magnitude = 10 ** Math.floor(rand() * 14 - 7);
    const n = (rand() - 0.3) * magnitude;
    out.push(String(Number(n.toPrecision(1 + Math.floor(rand() * 12)))));
  }
  return out;
}

/** Intl's text with the sign dropped when nothing but zeros is left. */
const unsignedZero = (s: string) => (/^-[^1-9]*$/.test(s.replace(/[$,%.]/g, '')) ? s.replace('-', '') : s);

describe('app/format.ts against en-US Intl', () => {
  it('formats money, quantities, prices and percentages as Intl does', () => {
    for (const v of values()) {
      const n = Number(v);
      expect([v, money(v)]).toEqual([v, unsignedZero(usd.format(n))]);
      expect([v, quantity(v)]).toEqual([v, unsignedZero(qty.format(n))]);
      expect([v, price(v)]).toEqual([v, unsignedZero((n < 1 ? micro : cents).format(n))]);
      expect([v, percent(v)]).toEqual([v, `${n > 0 ? '+' : ''}${unsignedZero(cents.format(n))}%`]);
      expect([v, signedMoney(v)]).toEqual([v, `${n > 0 ? '+' : ''}${unsignedZero(usd.format(n))}`]);
    }
  });

  it('shows no minus on a value that rounds to zero, and a dash for what is not a number', () => {
    expect(money('-0.004')).toBe('$0.00');
    expect(percent('-0.001')).toBe('0.00%');
    for (const bad of [null, undefined, '', 'abc']) {
      expect(money(bad)).toBe('—');
      expect(quantity(bad)).toBe('—');
    }
  });

  it('writes timestamps in UTC as Intl does with a 24-hour clock, midnight as 00', () => {
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 2000; i++) {
      const iso = new Date(start + i * 4_321_987).toISOString();
      expect([iso, time(iso)]).toEqual([iso, stamp.format(new Date(iso))]);
    }
    expect(time('2026-11-26T00:30:15Z')).toBe('Nov 26, 00:30:15');
    expect(time('not a date')).toBe('—');
  });
});
