// The local exchange: a WebSocket server speaking Alpaca's market-data stream v2. Clients connect, get
// [{"T":"success","msg":"connected"}], authenticate with {"action":"auth","key","secret"}, then
// subscribe/unsubscribe to trades, quotes and bars per symbol ("*" for all). Events come from the seeded
// random walk at `ratePerSecond`, from a recorded tape, or from publish() (tests).
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type BarMessage,
  CHANNELS,
  type Channel,
  ERRORS,
  errorMessage,
  type MarketMessage,
  type QuoteMessage,
  rfc3339Nanos,
  type TradeMessage,
} from './protocol.ts';
import { RandomWalkMarket } from './random-walk.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Symbol → starting price. */
  symbols?: Record<string, number>;
  seed?: number;
  /** Random-walk events per second; 0 = only what publish()/replay() send. */
  ratePerSecond?: number;
  key?: string;
  secret?: string;
  /** Clients that stay unauthenticated this long get 404 auth timeout and are closed. */
  authTimeoutMs?: number;
  /** A client whose unsent buffer exceeds this is too slow: 407 and closed (as Alpaca does). */
  maxBufferedBytes?: number;
  firstTradeId?: number;
}

interface Client {
  ws: WebSocket;
  authenticated: boolean;
  subs: Record<Channel, Set<string>>;
}

const CHANNEL_OF: Record<MarketMessage['T'], Channel> = { t: 'trades', q: 'quotes', b: 'bars' };

export interface Simulator {
  url: string;
  port: number;
  /** The id the next generated trade gets (ids are one gap-free sequence per simulator). */
  readonly nextTradeId: number;
  /** Sends events to every subscribed client as one frame each. */
  publish(messages: MarketMessage[]): void;
  /** Generates and publishes `n` random-walk events now. */
  generate(n: number, nowMs?: number): MarketMessage[];
  /** Sends a raw frame to every authenticated client (tests: malformed input). */
  sendRaw(frame: string): void;
  /** Closes every client connection abruptly, as a network drop would. */
  dropConnections(): void;
  /** Resolves once every client's socket buffer is below `bytes` (senders use it to pace themselves). */
  drained(bytes?: number): Promise<void>;
  connectionCount(): number;
  /** Subscriptions of each authenticated client, for tests. */
  subscriptions(): Array<Record<Channel, string[]>>;
  close(): Promise<void>;
}

export const DEFAULT_SYMBOLS: Record<string, number> = {
  AAPL: 190,
  MSFT: 415,
  NVDA: 130,
  TSLA: 240,
  SPY: 560,
  QQQ: 480,
};

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const key = opts.key ?? 'local';
  const secret = opts.secret ?? 'local';
  const maxBuffered = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
  const market = new RandomWalkMarket(
    opts.symbols ?? DEFAULT_SYMBOLS,
    opts.seed ?? 1,
    opts.firstTradeId ?? 1,
  );
  const wss = new WebSocketServer({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;
  const clients = new Set<Client>();
  const bars = new Map<string, BarMessage & { minute: number; notional: number }>();

  const send = (c: Client, payload: unknown[]) => {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount > maxBuffered) {
      c.ws.send(JSON.stringify([errorMessage(ERRORS.slowClient)]));
      c.ws.terminate();
      return;
    }
    c.ws.send(JSON.stringify(payload));
  };

  const subscriptionMessage = (c: Client) => ({
    T: 'subscription',
    trades: [...c.subs.trades],
    quotes: [...c.subs.quotes],
    bars: [...c.subs.bars],
  });

  wss.on('connection', (ws) => {
    const client: Client = {
      ws,
      authenticated: false,
      subs: { trades: new Set(), quotes: new Set(), bars: new Set() },
    };
    clients.add(client);
    const authTimer = setTimeout(() => {
      if (!client.authenticated) {
        send(client, [errorMessage(ERRORS.authTimeout)]);
        ws.close();
      }
    }, opts.authTimeoutMs ?? 10_000);
    ws.on('close', () => {
      clearTimeout(authTimer);
      clients.delete(client);
    });
    ws.on('error', () => {});
    send(client, [{ T: 'success', msg: 'connected' }]);
    ws.on('message', (data) => {
      let msg: { action?: unknown; key?: unknown; secret?: unknown } & Partial<Record<Channel, unknown>>;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return send(client, [errorMessage(ERRORS.invalidSyntax)]);
      }
      if (typeof msg !== 'object' || msg === null || typeof msg.action !== 'string')
        return send(client, [errorMessage(ERRORS.invalidSyntax)]);
      if (msg.action === 'auth') {
        if (client.authenticated) return send(client, [errorMessage(ERRORS.alreadyAuthenticated)]);
        if (msg.key !== key || msg.secret !== secret) return send(client, [errorMessage(ERRORS.authFailed)]);
        client.authenticated = true;
        clearTimeout(authTimer);
        return send(client, [{ T: 'success', msg: 'authenticated' }]);
      }
      if (msg.action !== 'subscribe' && msg.action !== 'unsubscribe')
        return send(client, [errorMessage(ERRORS.invalidSyntax)]);
      if (!client.authenticated) return send(client, [errorMessage(ERRORS.notAuthenticated)]);
      for (const ch of CHANNELS) {
        const list = msg[ch];
        if (list === undefined) continue;
        if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
          return send(client, [errorMessage(ERRORS.invalidSyntax)]);
        for (const s of list as string[]) {
          if (msg.action === 'subscribe') client.subs[ch].add(s);
          else client.subs[ch].delete(s);
        }
      }
      send(client, [subscriptionMessage(client)]);
    });
  });

  const wants = (c: Client, m: MarketMessage) => {
    const set = c.subs[CHANNEL_OF[m.T]];
    return set.has('*') || set.has(m.S);
  };

  /** Folds trades into per-symbol minute bars; returns the bars a new minute just completed. */
  const foldBars = (trades: TradeMessage[]): BarMessage[] => {
    const done: BarMessage[] = [];
    for (const tr of trades) {
      const minute = Math.floor(Date.parse(tr.t) / 60_000) * 60_000;
      const bar = bars.get(tr.S);
      if (bar && bar.minute !== minute) {
        const { minute: _m, notional: _n, ...msg } = bar;
        done.push(msg);
      }
      if (!bar || bar.minute !== minute) {
        bars.set(tr.S, {
          T: 'b',
          S: tr.S,
          o: tr.p,
          h: tr.p,
          l: tr.p,
          c: tr.p,
          v: tr.s,
          n: 1,
          vw: tr.p,
          t: rfc3339Nanos(minute),
          minute,
          notional: tr.p * tr.s,
        });
      } else {
        bar.h = Math.max(bar.h, tr.p);
        bar.l = Math.min(bar.l, tr.p);
        bar.c = tr.p;
        bar.v += tr.s;
        bar.n += 1;
        bar.notional += tr.p * tr.s;
        bar.vw = Number((bar.notional / bar.v).toFixed(4));
      }
    }
    return done;
  };

  const publish = (messages: MarketMessage[]) => {
    const trades = messages.filter((m): m is TradeMessage => m.T === 't');
    const all = [...messages, ...foldBars(trades)];
    for (const c of clients) {
      if (!c.authenticated) continue;
      const mine = all.filter((m) => wants(c, m));
      if (mine.length > 0) send(c, mine);
    }
  };

  const generate = (n: number, nowMs = Date.now()) => {
    const out: Array<TradeMessage | QuoteMessage> = [];
    for (let k = 0; k < n; k++) out.push(market.next(nowMs));
    publish(out);
    return out;
  };

  // Emit in 20 ms slices so a high rate is many small frames, not one burst per second.
  let carry = 0;
  const rate = opts.ratePerSecond ?? 0;
  const timer =
    rate > 0
      ? setInterval(() => {
          carry += rate / 50;
          const n = Math.floor(carry);
          carry -= n;
          if (n > 0) generate(n);
        }, 20)
      : undefined;

  return {
    url: `ws://127.0.0.1:${port}/v2/sim`,
    port,
    get nextTradeId() {
      return market.nextTradeId;
    },
    publish,
    generate,
    sendRaw(frame) {
      for (const c of clients) if (c.authenticated && c.ws.readyState === WebSocket.OPEN) c.ws.send(frame);
    },
    dropConnections() {
      for (const c of clients) c.ws.terminate();
    },
    async drained(bytes = 1024 * 1024) {
      while ([...clients].some((c) => c.ws.bufferedAmount > bytes))
        await new Promise((r) => setTimeout(r, 2));
    },
    connectionCount: () => clients.size,
    subscriptions: () =>
      [...clients]
        .filter((c) => c.authenticated)
        .map((c) => ({ trades: [...c.subs.trades], quotes: [...c.subs.quotes], bars: [...c.subs.bars] })),
    async close() {
      if (timer) clearInterval(timer);
      for (const c of clients) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
