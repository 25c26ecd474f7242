// The single HTTP entry point, as Kong is on a Supabase project: checks the `apikey` of API routes, answers
// CORS preflights, and hands each request to the service mounted at its path prefix.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;
/** Takes over a connection asking for `Upgrade: websocket` (Realtime). */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Socket, head: Buffer, url: URL) => void;

export interface Route {
  /** Path prefix such as `/rest/v1`. */
  prefix: string;
  handler: Handler;
  /** Whether the route needs the project's anon or service_role key, as Kong's key-auth plugin enforces. */
  requiresApiKey: boolean;
  upgrade?: UpgradeHandler;
}

export interface GatewayOptions {
  routes: Route[];
  apiKeys: string[];
}

export interface Gateway {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS',
  'access-control-max-age': '3600',
};

const CORS_ENTRIES = Object.entries(CORS_HEADERS);

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function apiKeyOf(req: http.IncomingMessage, url: URL): string | undefined {
  const header = req.headers.apikey;
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey') ?? undefined;
}

export function createGateway(opts: GatewayOptions): http.Server {
  const routes = [...opts.routes].sort((a, b) => b.prefix.length - a.prefix.length);
  const keys = new Set(opts.apiKeys);
  const server = http.createServer(async (req, res) => {
    for (const [k, v] of CORS_ENTRIES) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '*');
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    const route = routes.find((r) => url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`));
    if (!route) {
      sendJson(res, 404, { message: 'no Route matched with those values' });
      return;
    }
    if (route.requiresApiKey) {
      const key = apiKeyOf(req, url);
      if (!key) {
        sendJson(res, 401, {
          message: 'No API key found in request',
          hint: 'No `apikey` request header or url param was found.',
        });
        return;
      }
      if (!keys.has(key)) {
        sendJson(res, 401, {
          message: 'Invalid API key',
          hint: 'Double check your Supabase `anon` or `service_role` API key.',
        });
        return;
      }
    }
    try {
      await route.handler(req, res, url);
    } catch (err) {
      // A service bug must not take the gateway down or leak a stack trace.
      console.error(`[gateway] ${req.method} ${url.pathname}:`, err);
      if (!res.headersSent)
        sendJson(res, 500, { message: 'An invalid response was received from the upstream server' });
      else res.destroy();
    }
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.find(
      (r) => r.upgrade && (url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`)),
    );
    const refuse = (status: number, message: string) => {
      const body = JSON.stringify({ message });
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (!route?.upgrade) return refuse(404, 'no Route matched with those values');
    if (route.requiresApiKey) {
      const key = apiKeyOf(req, url);
      if (!key) return refuse(401, 'No API key found in request');
      if (!keys.has(key)) return refuse(401, 'Invalid API key');
    }
    route.upgrade(req, socket, head, url);
  });
  return server;
}

export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<Gateway> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
