// Latest quotes reach the dashboard over Realtime broadcast (topic market:quotes), coalesced per symbol.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOCAL_SERVICE_ROLE_KEY } from '../../stack/config.ts';
import { QUOTES_TOPIC, QuoteBroadcaster } from '../../workers/market-feed/quote-broadcaster.ts';
import type { Simulator } from '../../workers/simulator/server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { subscribed as channelSubscribed, userClient } from '../realtime/fixture.ts';
import { ingester, simulator, subscribed, type TestIngester, waitFor } from './fixture.ts';

let stack: TestStack;
let sim: Simulator;
let t: TestIngester;
let broadcaster: QuoteBroadcaster;

beforeAll(async () => {
  stack = await startTestStack();
  sim = await simulator();
  broadcaster = new QuoteBroadcaster({
    supabaseUrl: stack.apiUrl,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    intervalMs: 100,
  });
  t = await ingester(stack.db, sim, 'broadcast', { broadcaster });
  await subscribed(sim);
});
afterAll(async () => {
  await t.ingester.stop();
  await sim.close();
  await stack.stop();
});

it('broadcasts the latest quote per symbol at a bounded rate', async () => {
  const user = await userClient(stack);
  const got: Array<{
    payload: { symbol: string; bid: string | null; ask: string | null; last: string | null };
  }> = [];
  await channelSubscribed(
    user.client.channel(QUOTES_TOPIC).on('broadcast', { event: 'quote' }, (m) => got.push(m as never)),
  );
  const events = sim.generate(3000); // many updates per symbol in one go
  const symbols = new Set(events.map((e) => e.S));
  await waitFor(
    'a broadcast for every symbol',
    () => symbols.size === new Set(got.map((m) => m.payload.symbol)).size,
  );
  // Coalesced: far fewer messages than updates (at most one per symbol per 100 ms flush).
  expect(got.length).toBeLessThan(events.length / 10);
  const lastTrade = [...events].reverse().find((e) => e.T === 't' && e.S === 'AAPL');
  await waitFor('the latest AAPL price', () =>
    got.some(
      (m) => m.payload.symbol === 'AAPL' && lastTrade?.T === 't' && m.payload.last === String(lastTrade.p),
    ),
  );
});
