// `npm start` runs this: the local exchange on SIMULATOR_PORT, random-walk prices for SIMULATOR_SYMBOLS at
// SIMULATOR_RATE events/s, after first replaying SIMULATOR_REPLAY_CSV (a recorded tape) when set.
import path from 'node:path';
import { z } from 'zod';
import { readTapeCsv } from './csv-replay.ts';
import { type MarketMessage, rfc3339Nanos } from './protocol.ts';
import { DEFAULT_SYMBOLS, startSimulator } from './server.ts';

const Env = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  SIMULATOR_RATE: z.coerce.number().min(0).max(1_000_000).default(50),
  SIMULATOR_SEED: z.coerce
    .number()
    .int()
    .default(() => Date.now() % 2 ** 31),
  SIMULATOR_SYMBOLS: z
    .string()
    .regex(/^[A-Z0-9./-]+=\d+(\.\d+)?(,[A-Z0-9./-]+=\d+(\.\d+)?)*$/, 'expected SYM=price,SYM=price')
    .optional(),
  SIMULATOR_KEY: z.string().min(1).default('local'),
  SIMULATOR_SECRET: z.string().min(1).default('local'),
  SIMULATOR_REPLAY_CSV: z.string().optional(),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;
const symbols = env.SIMULATOR_SYMBOLS
  ? Object.fromEntries(
      env.SIMULATOR_SYMBOLS.split(',').map((p) => [p.split('=')[0], Number(p.split('=')[1])]),
    )
  : DEFAULT_SYMBOLS;

const tape = env.SIMULATOR_REPLAY_CSV ? readTapeCsv(path.resolve(env.SIMULATOR_REPLAY_CSV)) : [];
// Trade ids must keep rising across simulator restarts (the ingester treats lower ids as already seen), so a
// run's ids start from the clock in microseconds; the tape's recorded ids are offset by the same base.
const base = Date.now() * 1000;
const lastTapeId = Math.max(0, ...tape.flatMap((m) => (m.T === 't' ? [m.i] : [])));
const sim = await startSimulator({
  port: env.SIMULATOR_PORT,
  symbols,
  seed: env.SIMULATOR_SEED,
  key: env.SIMULATOR_KEY,
  secret: env.SIMULATOR_SECRET,
  firstTradeId: base + lastTapeId + 1,
});
console.log(
  `simulator listening on ${sim.url} (${Object.keys(symbols).join(', ')}; ${env.SIMULATOR_RATE}/s)`,
);

// The tape first, at its recorded pace (restamped to now), then the random walk.
const t0 = tape[0] ? Date.parse(tape[0].t) : 0;
const started = Date.now();
let next = 0;
let carry = 0;
const timer = setInterval(() => {
  const now = Date.now();
  if (next < tape.length) {
    const due: MarketMessage[] = [];
    for (let m = tape[next]; m && Date.parse(m.t) - t0 <= now - started; m = tape[++next]) {
      const t = rfc3339Nanos(started + Date.parse(m.t) - t0);
      due.push(m.T === 't' ? { ...m, i: base + m.i, t } : { ...m, t });
    }
    if (due.length > 0) sim.publish(due);
    return;
  }
  carry += env.SIMULATOR_RATE / 50;
  const n = Math.floor(carry);
  carry -= n;
  if (n > 0) sim.generate(n, now);
}, 20);

const stop = () => {
  clearInterval(timer);
  void sim.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
