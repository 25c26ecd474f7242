// Recorded tape replay. One event per line, header required:
//   type,symbol,time,id,price,size,bid_price,bid_size,ask_price,ask_size,exchange
// type t (trade: id, price, size) or q (quote: bid/ask). Times are RFC 3339; ids are the recorded trade ids.
import { readFileSync } from 'node:fs';
import type { QuoteMessage, TradeMessage } from './protocol.ts';

const COLUMNS = [
  'type',
  'symbol',
  'time',
  'id',
  'price',
  'size',
  'bid_price',
  'bid_size',
  'ask_price',
  'ask_size',
  'exchange',
];

export function parseTapeCsv(text: string): Array<TradeMessage | QuoteMessage> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  if (!header || COLUMNS.some((c) => !header.includes(c)))
    throw new Error(`tape CSV header must name ${COLUMNS.join(',')}`);
  const col = (cells: string[], name: string) => cells[header.indexOf(name)]?.trim() ?? '';
  return lines.map((line, n) => {
    const cells = line.split(',');
    const type = col(cells, 'type');
    const S = col(cells, 'symbol');
    const t = col(cells, 'time');
    if (Number.isNaN(Date.parse(t))) throw new Error(`tape CSV line ${n + 2}: bad time ${t}`);
    const x = col(cells, 'exchange') || 'V';
    if (type === 't') {
      const i = Number(col(cells, 'id'));
      const p = Number(col(cells, 'price'));
      const s = Number(col(cells, 'size'));
      if (!Number.isSafeInteger(i) || !(p > 0) || !(s > 0))
        throw new Error(`tape CSV line ${n + 2}: bad trade`);
      return { T: 't', S, i, x, p, s, c: ['@'], z: 'C', t } satisfies TradeMessage;
    }
    if (type === 'q') {
      return {
        T: 'q',
        S,
        bx: x,
        bp: Number(col(cells, 'bid_price')),
        bs: Number(col(cells, 'bid_size')),
        ax: x,
        ap: Number(col(cells, 'ask_price')),
        as: Number(col(cells, 'ask_size')),
        c: ['R'],
        z: 'C',
        t,
      } satisfies QuoteMessage;
    }
    throw new Error(`tape CSV line ${n + 2}: type must be t or q`);
  });
}

export const readTapeCsv = (file: string) => parseTapeCsv(readFileSync(file, 'utf8'));
