// Realtime at /realtime/v1: the WebSocket endpoint realtime-js connects to, the REST broadcast endpoint, and
// the change feed from the database's replication slot.
import type http from 'node:http';
import type { Socket } from 'node:net';
import postgres from 'postgres';
import { WebSocketServer } from 'ws';
import { sendJson } from '../gateway.ts';
import { type Claims, JwtError, verifyJwt } from '../jwt.ts';
import { type BatchStats, CHECK_CONNECTIONS, ChangeFeed } from './change-feed.ts';
import { ChannelHub } from './channels.ts';
import { type ReplicationStream, slotNameFor, startReplication } from './replication.ts';
import type { Vsn } from './serializer.ts';

export interface RealtimeOptions {
  /** Superuser URL of the database (replication and RLS evaluation as each subscriber's role). */
  adminUrl: string;
  database: string;
  jwtSecret: string;
  /**
   * When the slot already exists (a restart), how long to wait before replaying it, so clients that were
   * connected have time to reconnect and rejoin and receive what was committed while the server was down.
   */
  resumeGraceMs?: number;
  /** Sockets that send nothing for this long (no heartbeat) are closed (default 60 s, as Phoenix). */
  heartbeatTimeoutMs?: number;
  /** Called after each batch of postgres_changes is handed to the sockets, with what each stage cost. */
  onBatch?: (stats: BatchStats) => void;
  log?: (line: string) => void;
}

export interface Realtime {
  handleHttp(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  handleUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer, url: URL): void;
  /** The replication slot this database's changes are read from. */
  slot: string;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('payload too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRealtime(opts: RealtimeOptions): Promise<Realtime> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const sql = postgres(opts.adminUrl, { max: 3, onnotice: () => {}, idle_timeout: 30 });
  const authorize = async (subTopic: string, role: string, claimsJson: string) => {
    const [r] = await sql<
      { broadcast_read: boolean; presence_read: boolean; broadcast_write: boolean; presence_write: boolean }[]
    >`select * from realtime.channel_access(${subTopic}, ${role}, ${claimsJson})`;
    return {
      broadcastRead: r?.broadcast_read === true,
      presenceRead: r?.presence_read === true,
      broadcastWrite: r?.broadcast_write === true,
      presenceWrite: r?.presence_write === true,
    };
  };
  const hub = new ChannelHub({
    authorize,
    jwtSecret: opts.jwtSecret,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    isPublished: async (schema, table) => {
      const [row] = await sql`
        select 1 from pg_publication_tables
        where pubname = 'supabase_realtime' and (${schema} = '*' or schemaname = ${schema})
          and (${table ?? null}::text is null or tablename = ${table ?? null})
        limit 1`;
      return row !== undefined;
    },
  });
  // Its own pool, so RLS checks of a busy feed never queue behind joins' lookups (or the other way round).
  const checkSql = postgres(opts.adminUrl, {
    max: CHECK_CONNECTIONS,
    onnotice: () => {},
    idle_timeout: 30,
    connection: { application_name: 'nexural realtime rls' },
  });
  const feed = new ChangeFeed(hub, checkSql, opts.onBatch);
  const slot = slotNameFor(opts.database);
  const [existing] = await sql`select 1 from pg_replication_slots where slot_name = ${slot}`;

  let replication: ReplicationStream | undefined;
  let stopped = false;
  const start = async () => {
    if (stopped) return;
    try {
      replication = await startReplication({
        url: opts.adminUrl,
        slot,
        publication: 'supabase_realtime',
        deliver: (txs) => feed.deliver(txs),
        onError: (err) => log(`[realtime] replication: ${err instanceof Error ? err.message : String(err)}`),
        onNotice: (message) => log(`[realtime] replication: ${message}`),
      });
      if (stopped) await replication.stop();
    } catch (err) {
      log(`[realtime] could not start replication: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  let graceTimer: NodeJS.Timeout | undefined;
  if (existing && (opts.resumeGraceMs ?? 3000) > 0) {
    // Create nothing new; just wait before replaying what the slot kept.
    graceTimer = setTimeout(() => void start(), opts.resumeGraceMs ?? 3000);
  } else {
    await start();
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });

  return {
    slot,
    handleUpgrade(req, socket, head, url) {
      if (url.pathname !== '/realtime/v1/websocket') {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const vsn = (url.searchParams.get('vsn') ?? '1.0.0') as Vsn;
      if (vsn !== '1.0.0' && vsn !== '2.0.0') {
        const body = JSON.stringify({ message: `unsupported vsn ${vsn}` });
        socket.end(
          `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      const apiKey = url.searchParams.get('apikey') ?? String(req.headers.apikey ?? '');
      wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, vsn, apiKey));
    },
    async handleHttp(req, res, url) {
      if (url.pathname !== '/realtime/v1/api/broadcast') {
        sendJson(res, 404, { message: 'Not found' });
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { message: 'Method not allowed' });
        return;
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ')
        ? auth.slice(7)
        : String(req.headers.apikey ?? url.searchParams.get('apikey') ?? '');
      let claims: Claims;
      try {
        claims = await verifyJwt(token, opts.jwtSecret);
      } catch (err) {
        sendJson(res, 401, { message: err instanceof JwtError ? err.message : 'Unauthorized' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        sendJson(res, 400, { message: 'Body must be JSON: {"messages": [{"topic", "event", "payload"}]}' });
        return;
      }
      const messages = (body as { messages?: unknown })?.messages;
      if (
        !Array.isArray(messages) ||
        !messages.every(
          (m) =>
            typeof m === 'object' && m !== null && typeof m.topic === 'string' && typeof m.event === 'string',
        )
      ) {
        sendJson(res, 400, { message: 'Each message needs a string topic and event' });
        return;
      }
      // Private topics take the caller's INSERT rights on realtime.messages (the service role bypasses RLS);
      // like Supabase, a message the caller may not send is dropped, not refused.
      const role = typeof claims.role === 'string' ? claims.role : 'anon';
      const claimsJson = JSON.stringify({ ...claims, role });
      const mayWrite = new Map<string, Promise<boolean>>();
      for (const m of messages) {
        if (m.private !== true) {
          hub.broadcastFromServer(m.topic, m.event, m.payload, false);
          continue;
        }
        if (!mayWrite.has(m.topic))
          mayWrite.set(
            m.topic,
            authorize(m.topic, role, claimsJson).then(
              (a) => a.broadcastWrite,
              () => false,
            ),
          );
        if (await mayWrite.get(m.topic)) hub.broadcastFromServer(m.topic, m.event, m.payload, true);
      }
      res.writeHead(202, { 'content-length': 0 });
      res.end();
    },
    async stop() {
      stopped = true;
      clearTimeout(graceTimer);
      hub.stop();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await replication?.stop();
      await Promise.all([sql.end({ timeout: 2 }), checkSql.end({ timeout: 2 })]);
    },
  };
}
