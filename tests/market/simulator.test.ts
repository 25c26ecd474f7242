// The simulator speaks Alpaca's market-data stream v2 protocol, seen from a raw WebSocket client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RandomWalkMarket } from '../../workers/simulator/random-walk.ts';
import type { Simulator } from '../../workers/simulator/server.ts';
import { simulator, waitFor } from './fixture.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await simulator();
});
afterAll(() => sim.close());

/** A client that records every message it receives. */
async function client() {
  const ws = new WebSocket(sim.url);
  const got: Array<Record<string, unknown>> = [];
  ws.on('message', (d) => got.push(...JSON.parse(d.toString())));
  await new Promise((r) => ws.once('open', r));
  const next = async (pred: (m: Record<string, unknown>) => boolean) =>
    waitFor('a message', () => got.find(pred));
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  return { ws, got, next, send };
}

describe('simulator protocol', () => {
  it('greets with connected and refuses subscriptions before auth with 401', async () => {
    const c = await client();
    expect(await c.next((m) => m.T === 'success')).toEqual({ T: 'success', msg: 'connected' });
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    expect(await c.next((m) => m.T === 'error')).toEqual({ T: 'error', code: 401, msg: 'not authenticated' });
    c.ws.close();
  });

  it('answers wrong credentials with 402 auth failed', async () => {
    const c = await client();
    c.send({ action: 'auth', key: 'k', secret: 'wrong' });
    expect(await c.next((m) => m.T === 'error')).toEqual({ T: 'error', code: 402, msg: 'auth failed' });
    c.ws.close();
  });

  it('answers invalid JSON with 400 invalid syntax', async () => {
    const c = await client();
    c.ws.send('{nope');
    expect(await c.next((m) => m.T === 'error')).toEqual({ T: 'error', code: 400, msg: 'invalid syntax' });
    c.ws.close();
  });

  it('authenticates, confirms subscriptions and sends only subscribed trades, quotes and bars', async () => {
    const c = await client();
    c.send({ action: 'auth', key: 'k', secret: 's' });
    expect(await c.next((m) => m.msg === 'authenticated')).toEqual({ T: 'success', msg: 'authenticated' });
    c.send({ action: 'subscribe', trades: ['AAPL'], quotes: ['*'], bars: ['AAPL'] });
    expect(await c.next((m) => m.T === 'subscription')).toEqual({
      T: 'subscription',
      trades: ['AAPL'],
      quotes: ['*'],
      bars: ['AAPL'],
    });
    const minute = Date.parse('2026-11-24T15:00:00Z');
    sim.generate(300, minute + 1000);
    sim.generate(300, minute + 61_000); // a new minute completes the first bars
    const trade = await c.next((m) => m.T === 't');
    expect(Object.keys(trade).sort()).toEqual(['S', 'T', 'c', 'i', 'p', 's', 't', 'x', 'z']);
    expect(trade.t).toMatch(/^2026-11-24T15:00:01\.\d{9}Z$/);
    const quote = await c.next((m) => m.T === 'q');
    expect(Object.keys(quote).sort()).toEqual(['S', 'T', 'ap', 'as', 'ax', 'bp', 'bs', 'bx', 'c', 't', 'z']);
    expect(quote.ap as number).toBeGreaterThan(quote.bp as number);
    const bar = await c.next((m) => m.T === 'b');
    expect(Object.keys(bar).sort()).toEqual(['S', 'T', 'c', 'h', 'l', 'n', 'o', 't', 'v', 'vw']);
    expect(bar).toMatchObject({ S: 'AAPL', t: '2026-11-24T15:00:00.000000000Z' });
    expect(c.got.filter((m) => m.T === 't').every((m) => m.S === 'AAPL')).toBe(true);
    expect(c.got.filter((m) => m.T === 'q').some((m) => m.S !== 'AAPL')).toBe(true);

    c.send({ action: 'unsubscribe', quotes: ['*'] });
    expect(await c.next((m) => m.T === 'subscription' && (m.quotes as string[]).length === 0)).toBeTruthy();
    c.ws.close();
  });

  it('numbers trades in one gap-free increasing sequence and reproduces a tape from its seed', () => {
    const a = new RandomWalkMarket({ AAPL: 190, MSFT: 415 }, 123);
    const b = new RandomWalkMarket({ AAPL: 190, MSFT: 415 }, 123);
    const now = Date.parse('2026-11-24T15:00:00Z');
    const ta = Array.from({ length: 1000 }, () => a.next(now));
    const tb = Array.from({ length: 1000 }, () => b.next(now));
    expect(ta).toEqual(tb);
    const ids = ta.flatMap((m) => (m.T === 't' ? [m.i] : []));
    expect(ids).toEqual(ids.map((_, k) => k + 1));
    const times = ta.map((m) => m.t);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
  });
});
