// One logical connection to an Alpaca-protocol stream: connect, authenticate, subscribe, and after any drop
// reconnect (exponential backoff with jitter) and subscribe again to the same channels. Reading can be paused
// by the consumer: the socket stops being read, so TCP flow control pushes back on the feed instead of this
// process buffering without bound.
import { WebSocket } from 'ws';
import { backoffDelay } from './backoff.ts';
import { type FeedEvent, parseFeedMessage } from './parse-message.ts';

export interface Subscription {
  trades: string[];
  quotes: string[];
}

export interface FeedConnectionOptions {
  url: string;
  key: string;
  secret: string;
  subscription: Subscription;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Every message of every frame, in order. */
  onEvent(event: FeedEvent): void;
  /** A frame that is not a JSON array. */
  onMalformedFrame(reason: string): void;
  /** After each successful (re)subscription. */
  onSubscribed?(channels: Record<string, string[]>, reconnect: boolean): void;
  onReconnecting?(attempt: number, delayMs: number): void;
  log?(line: string): void;
}

export class FeedConnection {
  #ws: WebSocket | undefined;
  #attempt = 0;
  #connectedOnce = false;
  #stopped = false;
  #paused = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FeedConnectionOptions) {}

  start(): void {
    this.#connect();
  }

  pause(): void {
    this.#paused = true;
    this.#ws?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#ws?.resume();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Closes the socket without a close handshake, as a crash or a cut cable would. */
  terminate(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#ws?.terminate();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(this.opts.url);
    this.#ws = ws;
    if (this.#paused) ws.pause();
    ws.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return this.opts.onMalformedFrame('frame is not JSON');
      }
      if (!Array.isArray(frame)) return this.opts.onMalformedFrame('frame is not an array');
      const receivedAt = Date.now();
      for (const m of frame) {
        const ev = parseFeedMessage(m, receivedAt);
        this.#control(ws, ev);
        this.opts.onEvent(ev);
      }
    });
    ws.on('error', (err) => this.opts.log?.(`feed socket error: ${err.message}`));
    ws.on('close', () => {
      if (this.#ws !== ws || this.#stopped) return;
      const delay = backoffDelay(
        this.#attempt,
        this.opts.backoffBaseMs ?? 250,
        this.opts.backoffCapMs ?? 30_000,
      );
      this.#attempt += 1;
      this.opts.onReconnecting?.(this.#attempt, delay);
      this.#timer = setTimeout(() => this.#connect(), delay);
    });
  }

  #control(ws: WebSocket, ev: FeedEvent): void {
    if (ev.kind === 'success' && ev.msg === 'connected')
      ws.send(JSON.stringify({ action: 'auth', key: this.opts.key, secret: this.opts.secret }));
    else if (ev.kind === 'success' && ev.msg === 'authenticated')
      ws.send(JSON.stringify({ action: 'subscribe', ...this.opts.subscription }));
    else if (ev.kind === 'subscription') {
      const reconnect = this.#connectedOnce;
      this.#connectedOnce = true;
      this.#attempt = 0;
      this.opts.onSubscribed?.(ev.channels, reconnect);
    } else if (ev.kind === 'error') {
      this.opts.log?.(`feed error ${ev.code}: ${ev.msg}`);
      // Auth failures and connection limits will not fix themselves by staying connected: drop and back off.
      if ([402, 404, 406, 407].includes(ev.code)) ws.close();
    }
  }
}
