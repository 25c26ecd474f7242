// bench:ingest's exchange, in its own process as production runs it: the simulator on a free port, playing
// the bench tape to its subscribers. IPC with the bench: → {url}; ← {build: startMs} → {built};
// ← {go} → {sent}; ← {close}. It exits when the bench goes away.
import type { TradeMessage } from '../workers/simulator/protocol.ts';
import { startSimulator } from '../workers/simulator/server.ts';
import { benchTape, SYMBOLS } from './ingest-tape.ts';

const TRADES = Number(process.env.BENCH_TRADES ?? 500_000);
const FRAME = 1000;
const send = (m: unknown) => process.send?.(m);
process.on('disconnect', () => process.exit(0));

const sim = await startSimulator({ symbols: SYMBOLS, key: 'k', secret: 's' });
let tape: TradeMessage[] = [];
process.on('message', async (m: { build?: number; go?: true; close?: true }) => {
  if (m.build !== undefined) {
    tape = benchTape(TRADES, m.build);
    send({ built: tape.length });
  } else if (m.go) {
    for (let k = 0; k < tape.length; k += FRAME) {
      sim.publish(tape.slice(k, k + FRAME));
      // Pace on the socket: the simulator never buffers more than a few MB for the ingester.
      await sim.drained(4 * 1024 * 1024);
    }
    send({ sent: tape.length });
  } else if (m.close) {
    await sim.close();
    process.exit(0);
  }
});
send({ url: sim.url });
