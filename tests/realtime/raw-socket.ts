// A bare Phoenix client over `ws`, for frames realtime-js would never send.
import WebSocket from 'ws';
import type { TestStack } from '../helpers/stack.ts';

export type Frame = [string | null, string | null, string, string, Record<string, unknown>];

export interface RawSocket {
  ws: WebSocket;
  frames: Frame[];
  send(frame: unknown): void;
  /** Waits for the reply to `ref`. */
  reply(ref: string, timeoutMs?: number): Promise<{ status: string; response: Record<string, unknown> }>;
  close(): void;
}

export async function rawSocket(
  stack: Pick<TestStack, 'apiUrl' | 'anonKey'>,
  vsn: '1.0.0' | '2.0.0' = '2.0.0',
): Promise<RawSocket> {
  const ws = new WebSocket(
    `${stack.apiUrl.replace('http', 'ws')}/realtime/v1/websocket?apikey=${stack.anonKey}&vsn=${vsn}`,
  );
  const frames: Frame[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()) as Frame);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    send: (frame) =>
      ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame)),
    async reply(ref, timeoutMs = 5000) {
      const t0 = Date.now();
      for (;;) {
        const f = frames.find((x) => x[3] === 'phx_reply' && x[1] === ref);
        if (f) return f[4] as { status: string; response: Record<string, unknown> };
        if (Date.now() - t0 > timeoutMs) throw new Error(`no reply to ref ${ref}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => ws.close(),
  };
}
