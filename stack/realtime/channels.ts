// Sockets and channels of the Phoenix protocol as Supabase Realtime runs them: joins with their config,
// heartbeats, broadcast (ack/self), presence (state and diffs), access_token refresh and expiry, leave.
// postgres_changes subscriptions are registered here; the change feed delivers to them.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { type Claims, JwtError, verifyJwt } from '../jwt.ts';
import { type Filter, FilterError, parseFilter } from './filters.ts';
import { decodeFrame, encodeFrame, FrameError, type Message, type Vsn } from './serializer.ts';

export interface PgSubscription {
  id: number;
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table: string | undefined;
  filterText: string | undefined;
  filter: Filter | undefined;
}

/** What a private channel's user may do, from the RLS policies on realtime.messages (Realtime Authorization). */
export interface ChannelAccess {
  broadcastRead: boolean;
  presenceRead: boolean;
  broadcastWrite: boolean;
  presenceWrite: boolean;
}

export interface Channel {
  socket: Connection;
  topic: string;
  /** The topic without `realtime:`: what broadcast and presence fan out on, and REST broadcast addresses. */
  subTopic: string;
  joinRef: string | null;
  isPrivate: boolean;
  /** For private channels: the rights the policies gave at join (or at the last token refresh). */
  access: ChannelAccess | undefined;
  broadcastSelf: boolean;
  broadcastAck: boolean;
  presenceKey: string;
  presenceEnabled: boolean;
  presence: { ref: string; meta: Record<string, unknown> } | null;
  role: string;
  claims: Claims;
  /** `role` + claims as JSON: subscribers sharing it share one RLS evaluation per change. */
  claimsKey: string;
  /** The claims RLS is evaluated with (`request.jwt.claims`), with `role` as the channel runs. */
  claimsJson: string;
  pg: PgSubscription[];
  /** Start of this channel's postgres_changes frames (join ref and topic), encoded on first use. */
  changePrefix?: string;
  expiryTimer: NodeJS.Timeout | undefined;
}

export interface Connection {
  ws: WebSocket;
  /** When the client last sent anything (Phoenix's idle timeout counts any frame, heartbeats included). */
  lastSeen: number;
  /** The `apikey` the socket connected with: the token of joins that carry no access_token. */
  apiKey: string;
  vsn: Vsn;
  channels: Map<string, Channel>;
  send(msg: Message): void;
  /** Sends an already encoded frame. */
  sendFrame(frame: string | Buffer): void;
}

export interface ChannelHubOptions {
  jwtSecret: string;
  /** A socket that sends nothing (not even a heartbeat) for this long is closed; Phoenix's default is 60 s. */
  heartbeatTimeoutMs?: number;
  /** Whether a (schema, table) is published to Realtime (`supabase_realtime`). */
  isPublished(schema: string, table: string | undefined): Promise<boolean>;
  /** A private channel's rights for a role and claims (JSON), from the policies on realtime.messages. */
  authorize(subTopic: string, role: string, claimsJson: string): Promise<ChannelAccess>;
}

/** Supabase's answer to a private join the policies do not allow. */
const unauthorizedRead = (subTopic: string) =>
  `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`;

type PgEvent = PgSubscription['event'];
const PG_EVENTS = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class ChannelHub {
  /** subTopic (prefixed by `private:` for private channels) → joined channels. */
  private topics = new Map<string, Set<Channel>>();
  readonly pgChannels = new Set<Channel>();
  private nextPgId = 1;
  /**
   * Sockets written to in this turn of the event loop, corked: every frame a socket gets in one turn (a
   * batch of changes, broadcasts that arrived together) leaves in one write instead of one system call each,
   * which on loopback also spares the receiving side a wake-up per frame. Flushed before the next I/O poll.
   */
  private corked = new Set<Socket>();
  private flushing: NodeJS.Immediate | undefined;
  private connections = new Set<Connection>();
  private idleSweep: NodeJS.Timeout;

  constructor(private readonly opts: ChannelHubOptions) {
    const timeout = opts.heartbeatTimeoutMs ?? 60_000;
    this.idleSweep = setInterval(() => this.closeIdle(timeout), Math.min(5000, Math.max(50, timeout / 4)));
    this.idleSweep.unref();
  }

  /** Closes sockets whose clients went quiet, as Phoenix does when no heartbeat arrives in time. */
  private closeIdle(timeout: number) {
    const now = Date.now();
    for (const conn of this.connections) {
      if (now - conn.lastSeen <= timeout) continue;
      this.connections.delete(conn);
      conn.ws.close(1000, 'heartbeat timeout');
      // A client that is gone will not answer the close handshake.
      setTimeout(() => conn.ws.terminate(), 2000).unref();
    }
  }

  stop() {
    clearInterval(this.idleSweep);
    clearImmediate(this.flushing);
    this.flush();
  }

  private write(ws: WebSocket, frame: string | Buffer) {
    if (ws.readyState !== ws.OPEN) return;
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    if (socket && !this.corked.has(socket)) {
      socket.cork();
      this.corked.add(socket);
      this.flushing ??= setImmediate(() => this.flush());
    }
    ws.send(frame);
  }

  private flush() {
    this.flushing = undefined;
    const sockets = this.corked;
    this.corked = new Set();
    for (const s of sockets) s.uncork();
  }

  attach(ws: WebSocket, vsn: Vsn, apiKey: string): Connection {
    const conn: Connection = {
      ws,
      apiKey,
      vsn,
      lastSeen: Date.now(),
      channels: new Map(),
      send: (msg) => this.write(ws, encodeFrame(msg, vsn)),
      sendFrame: (frame) => this.write(ws, frame),
    };
    ws.on('message', (data, isBinary) => {
      conn.lastSeen = Date.now();
      let msg: Message;
      try {
        msg = decodeFrame(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), isBinary, vsn);
      } catch (err) {
        // Phoenix would drop the socket; answering keeps one bad frame from costing the other channels.
        const reason = err instanceof FrameError ? `malformed message: ${err.message}` : 'malformed message';
        conn.send({
          join_ref: null,
          ref: null,
          topic: 'phoenix',
          event: 'phx_reply',
          payload: { status: 'error', response: { reason } },
        });
        return;
      }
      this.handle(conn, msg).catch((err) => {
        console.error('[realtime] message handling failed:', err);
        this.reply(conn, msg, 'error', { reason: 'internal error' });
      });
    });
    this.connections.add(conn);
    ws.on('close', () => {
      this.connections.delete(conn);
      for (const ch of conn.channels.values()) this.leave(ch);
      conn.channels.clear();
    });
    ws.on('error', () => {});
    return conn;
  }

  private reply(conn: Connection, msg: Message, status: 'ok' | 'error', response: Record<string, unknown>) {
    conn.send({
      join_ref: msg.join_ref,
      ref: msg.ref,
      topic: msg.topic,
      event: 'phx_reply',
      payload: { status, response },
    });
  }

  private async handle(conn: Connection, msg: Message): Promise<void> {
    if (msg.topic === 'phoenix') {
      if (msg.event === 'heartbeat') this.reply(conn, msg, 'ok', {});
      else this.reply(conn, msg, 'error', { reason: 'unmatched topic' });
      return;
    }
    if (msg.event === 'phx_join') return this.join(conn, msg);
    const ch = conn.channels.get(msg.topic);
    if (!ch) {
      this.reply(conn, msg, 'error', { reason: 'unmatched topic' });
      return;
    }
    switch (msg.event) {
      case 'phx_leave':
        this.leave(ch);
        conn.channels.delete(ch.topic);
        this.reply(conn, msg, 'ok', {});
        return;
      case 'broadcast':
        return this.clientBroadcast(ch, msg);
      case 'presence':
        return this.presence(ch, msg);
      case 'access_token':
        return this.accessToken(ch, msg);
      default:
        this.reply(conn, msg, 'error', { reason: `unknown event ${msg.event}` });
    }
  }

  private async authenticate(token: unknown): Promise<Claims> {
    if (typeof token !== 'string' || token === '')
      throw new JwtError('malformed', 'JWT could not be decoded');
    return verifyJwt(token, this.opts.jwtSecret);
  }

  private async join(conn: Connection, msg: Message): Promise<void> {
    if (!msg.topic.startsWith('realtime:')) {
      this.reply(conn, msg, 'error', { reason: 'unmatched topic' });
      return;
    }
    const p = msg.payload;
    const config = isRecord(p.config) ? p.config : {};
    const token = p.access_token ?? conn.apiKey;
    let claims: Claims;
    try {
      claims = await this.authenticate(token);
    } catch (err) {
      this.reply(conn, msg, 'error', { reason: `InvalidJWTToken: ${tokenMessage(err, token)}` });
      return;
    }
    const broadcast = isRecord(config.broadcast) ? config.broadcast : {};
    const presence = isRecord(config.presence) ? config.presence : {};
    const isPrivate = config.private === true;
    const role = typeof claims.role === 'string' ? claims.role : 'anon';
    const claimsJson = JSON.stringify({ ...claims, role });
    const subTopic = msg.topic.slice('realtime:'.length);
    let access: ChannelAccess | undefined;
    if (isPrivate) {
      try {
        access = await this.opts.authorize(subTopic, role, claimsJson);
      } catch (err) {
        this.reply(conn, msg, 'error', { reason: `RlsPolicyError: ${(err as Error).message}` });
        return;
      }
      if (!access.broadcastRead) {
        this.reply(conn, msg, 'error', { reason: unauthorizedRead(subTopic) });
        return;
      }
    }
    const requested = Array.isArray(config.postgres_changes) ? config.postgres_changes : [];
    const pg: PgSubscription[] = [];
    const pgErrors: string[] = [];
    const replyEntries: Record<string, unknown>[] = [];
    for (const r of requested) {
      const sub = isRecord(r) ? r : {};
      const event = String(sub.event ?? '*').toUpperCase() as PgEvent;
      const schema = typeof sub.schema === 'string' ? sub.schema : 'public';
      const table = typeof sub.table === 'string' && sub.table !== '*' ? sub.table : undefined;
      const filterText = typeof sub.filter === 'string' && sub.filter !== '' ? sub.filter : undefined;
      const id = this.nextPgId++;
      replyEntries.push({
        id,
        event: sub.event ?? '*',
        schema: sub.schema,
        table: sub.table,
        filter: sub.filter,
      });
      let filter: Filter | undefined;
      try {
        if (!PG_EVENTS.has(event))
          throw new FilterError(`Error parsing \`event\` params: ${String(sub.event)}`);
        filter = filterText ? parseFilter(filterText) : undefined;
        if (!(await this.opts.isPublished(schema, table)))
          throw new FilterError(
            `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: ${event}, schema: ${schema}, table: ${table ?? '*'}, filters: [${filterText ?? ''}]]`,
          );
        pg.push({ id, event, schema, table, filterText, filter });
      } catch (err) {
        pgErrors.push(err instanceof Error ? err.message : String(err));
      }
    }
    const old = conn.channels.get(msg.topic);
    if (old) this.leave(old);
    const ch: Channel = {
      socket: conn,
      topic: msg.topic,
      subTopic,
      joinRef: msg.join_ref ?? msg.ref,
      isPrivate,
      access,
      broadcastSelf: broadcast.self === true,
      broadcastAck: broadcast.ack === true,
      presenceKey: typeof presence.key === 'string' && presence.key !== '' ? presence.key : randomUUID(),
      presenceEnabled: presence.enabled === true,
      presence: null,
      role,
      claims,
      claimsKey: `${role} ${JSON.stringify(claims)}`,
      claimsJson,
      pg,
      expiryTimer: undefined,
    };
    conn.channels.set(ch.topic, ch);
    const key = this.fanoutKey(ch);
    const set = this.topics.get(key) ?? new Set<Channel>();
    this.topics.set(key, set);
    set.add(ch);
    if (pg.length > 0) this.pgChannels.add(ch);
    this.armExpiry(ch);
    // realtime-js matches these entries to its bindings by position and values.
    this.reply(conn, msg, 'ok', { postgres_changes: replyEntries });
    if (ch.presenceEnabled && this.seesPresence(ch)) this.push(ch, 'presence_state', this.presenceState(key));
    if (requested.length > 0) {
      const ok = pgErrors.length === 0;
      this.push(ch, 'system', {
        message: ok ? 'Subscribed to PostgreSQL' : pgErrors.join('; '),
        status: ok ? 'ok' : 'error',
        extension: 'postgres_changes',
        channel: ch.subTopic,
      });
    }
  }

  private fanoutKey(ch: Pick<Channel, 'isPrivate' | 'subTopic'>) {
    return `${ch.isPrivate ? 'private' : 'public'}:${ch.subTopic}`;
  }

  push(ch: Channel, event: string, payload: Record<string, unknown>) {
    ch.socket.send({ join_ref: ch.joinRef, ref: null, topic: ch.topic, event, payload });
  }

  private leave(ch: Channel) {
    clearTimeout(ch.expiryTimer);
    this.pgChannels.delete(ch);
    const key = this.fanoutKey(ch);
    const set = this.topics.get(key);
    set?.delete(ch);
    if (set && set.size === 0) this.topics.delete(key);
    if (ch.presence) {
      const left = { [ch.presenceKey]: { metas: [{ phx_ref: ch.presence.ref, ...ch.presence.meta }] } };
      ch.presence = null;
      this.fanout(key, 'presence_diff', { joins: {}, leaves: left });
    }
  }

  /** Closes a channel from the server side, telling the client why (as Supabase does on token problems). */
  private shutdown(ch: Channel, message: string) {
    this.push(ch, 'system', { message, status: 'error', extension: 'system', channel: ch.subTopic });
    this.push(ch, 'phx_close', {});
    this.leave(ch);
    ch.socket.channels.delete(ch.topic);
  }

  private armExpiry(ch: Channel) {
    clearTimeout(ch.expiryTimer);
    if (typeof ch.claims.exp !== 'number') return;
    const ms = ch.claims.exp * 1000 - Date.now();
    // Timers overflow past ~24.8 days; such a token is refreshed long before.
    if (ms > 2 ** 31 - 1) return;
    ch.expiryTimer = setTimeout(() => this.shutdown(ch, 'Token has expired 0 seconds ago'), Math.max(ms, 0));
    ch.expiryTimer.unref();
  }

  private async accessToken(ch: Channel, msg: Message) {
    let claims: Claims;
    try {
      claims = await this.authenticate(msg.payload.access_token);
    } catch (err) {
      this.shutdown(ch, tokenMessage(err, msg.payload.access_token));
      return;
    }
    const role = typeof claims.role === 'string' ? claims.role : 'anon';
    const claimsJson = JSON.stringify({ ...claims, role });
    if (ch.isPrivate) {
      // New claims, new rights: a private channel is authorised again, as Supabase does on refresh.
      try {
        ch.access = await this.opts.authorize(ch.subTopic, role, claimsJson);
      } catch (err) {
        ch.access = undefined;
        this.shutdown(ch, `RlsPolicyError: ${(err as Error).message}`);
        return;
      }
      if (!ch.access.broadcastRead) {
        this.shutdown(ch, unauthorizedRead(ch.subTopic));
        return;
      }
    }
    ch.claims = claims;
    ch.role = role;
    ch.claimsKey = `${role} ${JSON.stringify(claims)}`;
    ch.claimsJson = claimsJson;
    this.armExpiry(ch);
  }

  /** Public channels see everyone's presence; private ones when a SELECT policy allows presence. */
  private seesPresence(ch: Channel) {
    return !ch.isPrivate || ch.access?.presenceRead === true;
  }

  /**
   * Sends one message to every channel on a topic, encoded once per serializer: like Phoenix's fastlane, a
   * broadcast carries no join_ref (realtime-js matches it by topic), so every subscriber gets the same frame.
   */
  private fanout(key: string, event: string, payload: Record<string, unknown>, except?: Channel) {
    const channels = this.topics.get(key);
    if (!channels) return;
    const frames: Partial<Record<Vsn, string | Buffer>> = {};
    const isPresence = event.startsWith('presence');
    for (const ch of channels) {
      if (ch === except || (isPresence && !this.seesPresence(ch))) continue;
      const vsn = ch.socket.vsn;
      frames[vsn] ??= encodeFrame({ join_ref: null, ref: null, topic: ch.topic, event, payload }, vsn);
      ch.socket.sendFrame(frames[vsn]);
    }
  }

  private clientBroadcast(ch: Channel, msg: Message) {
    const p = msg.payload;
    if (typeof p.event !== 'string') {
      this.reply(ch.socket, msg, 'error', { reason: 'broadcast needs an event name' });
      return;
    }
    // Without an INSERT policy for broadcast, Supabase drops the message silently (no ack either).
    if (ch.isPrivate && !ch.access?.broadcastWrite) return;
    const out = { type: 'broadcast', event: p.event, payload: p.payload ?? {} };
    this.fanout(this.fanoutKey(ch), 'broadcast', out, ch.broadcastSelf ? undefined : ch);
    if (ch.broadcastAck) this.reply(ch.socket, msg, 'ok', {});
  }

  /** A server-side broadcast (`POST /realtime/v1/api/broadcast`) to every channel on the topic. */
  broadcastFromServer(subTopic: string, event: string, payload: unknown, isPrivate: boolean): void {
    this.fanout(this.fanoutKey({ subTopic, isPrivate }), 'broadcast', {
      type: 'broadcast',
      event,
      payload: payload ?? {},
    });
  }

  private presenceState(key: string) {
    const state: Record<string, { metas: Record<string, unknown>[] }> = {};
    for (const ch of this.topics.get(key) ?? []) {
      if (!ch.presence) continue;
      state[ch.presenceKey] ??= { metas: [] };
      state[ch.presenceKey]?.metas.push({ phx_ref: ch.presence.ref, ...ch.presence.meta });
    }
    return state;
  }

  private presence(ch: Channel, msg: Message) {
    const p = msg.payload;
    const key = this.fanoutKey(ch);
    if (p.event === 'track') {
      if (ch.isPrivate && !ch.access?.presenceWrite) {
        this.reply(ch.socket, msg, 'error', { reason: 'unauthorized' });
        return;
      }
      const meta = isRecord(p.payload) ? p.payload : {};
      const prev = ch.presence;
      ch.presence = { ref: randomUUID().replaceAll('-', '').slice(0, 20), meta };
      const leaves = prev ? { [ch.presenceKey]: { metas: [{ phx_ref: prev.ref, ...prev.meta }] } } : {};
      const joins = { [ch.presenceKey]: { metas: [{ phx_ref: ch.presence.ref, ...meta }] } };
      this.reply(ch.socket, msg, 'ok', {});
      this.fanout(key, 'presence_diff', { joins, leaves });
    } else if (p.event === 'untrack') {
      const prev = ch.presence;
      ch.presence = null;
      this.reply(ch.socket, msg, 'ok', {});
      if (prev)
        this.fanout(key, 'presence_diff', {
          joins: {},
          leaves: { [ch.presenceKey]: { metas: [{ phx_ref: prev.ref, ...prev.meta }] } },
        });
    } else {
      this.reply(ch.socket, msg, 'error', { reason: 'presence event must be track or untrack' });
    }
  }
}

function tokenMessage(err: unknown, token?: unknown): string {
  if (err instanceof JwtError && err.reason === 'expired' && typeof token === 'string') {
    try {
      const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).exp;
      if (typeof exp === 'number')
        return `Token has expired ${Math.max(0, Math.floor(Date.now() / 1000 - exp))} seconds ago`;
    } catch {}
  }
  if (err instanceof JwtError) return err.reason === 'expired' ? 'Token has expired' : err.message;
  return 'JWT could not be verified';
}
