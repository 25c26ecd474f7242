// A small PostgreSQL client for the REST hot path, speaking the v3 wire protocol itself because postgres.js
// cannot do the one thing that matters there: several prepared statements in one extended-protocol pipeline
// ending in a single Sync. PostgREST runs a request as its settings statement followed by the query, both
// prepared, in one transaction; here that is Bind/Execute, Bind/Execute, Sync — one write, one round trip,
// no parsing or planning of either statement after their first use on a connection — and Postgres runs the
// statements before a Sync as one implicit transaction (committed at the Sync, rolled back on any error).
//
// Scope: text parameters and text results, named statements cached per connection, pipelining of many
// units on one connection, SCRAM-SHA-256 / cleartext / md5 password authentication, TCP only. Nothing else.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';

export interface Statement {
  text: string;
  params?: readonly (string | null)[];
  /** Keep the statement prepared on the connection for the next use of the same text (default true). */
  prepare?: boolean;
}

export interface Result {
  columns: string[];
  rows: (string | null)[][];
  command: string;
}

/** An ErrorResponse, with postgres.js' field names so existing error mapping reads it unchanged. */
export class PgError extends Error {
  code = '';
  severity = '';
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
  schema_name?: string;
  table_name?: string;
  column_name?: string;
  constraint_name?: string;
  constructor(fields: Map<string, string>) {
    super(fields.get('M') ?? 'error');
    this.name = 'PostgresError';
    this.code = fields.get('C') ?? '';
    this.severity = fields.get('V') ?? fields.get('S') ?? '';
    const opt = (k: string) => fields.get(k);
    this.detail = opt('D');
    this.hint = opt('H');
    this.position = opt('P');
    this.where = opt('W');
    this.schema_name = opt('s');
    this.table_name = opt('t');
    this.column_name = opt('c');
    this.constraint_name = opt('n');
  }
}

/** The connection to Postgres failed or was lost: nothing of the unit it carried was committed by us. */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

export interface WireOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  applicationName?: string;
  /**
   * Named statements kept per connection before the least recently used is closed (default 256: a cached
   * plan can hold tens of kB of the backend's memory).
   */
  maxStatements?: number;
}

export function parseDbUrl(url: string): Omit<WireOptions, 'applicationName' | 'maxStatements'> {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

/** Message encoder: one growing buffer; `take` hands out what was written since the last take. */
class Writer {
  private buf = Buffer.allocUnsafe(8192);
  private len = 0;
  private start = -1;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  begin(type: string): this {
    this.ensure(5);
    this.buf[this.len] = type.charCodeAt(0);
    this.start = this.len + 1;
    this.len += 5;
    return this;
  }
  end(): this {
    this.buf.writeInt32BE(this.len - this.start, this.start);
    return this;
  }
  byte(c: string): this {
    this.ensure(1);
    this.buf[this.len++] = c.charCodeAt(0);
    return this;
  }
  int16(n: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(n, this.len);
    this.len += 2;
    return this;
  }
  int32(n: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(n, this.len);
    this.len += 4;
    return this;
  }
  cstr(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n + 1);
    this.buf.write(s, this.len);
    this.len += n;
    this.buf[this.len++] = 0;
    return this;
  }
  str(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.buf.write(s, this.len);
    this.len += n;
    return this;
  }
  bytes(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
    return this;
  }
  get size() {
    return this.len;
  }
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }
}

interface Prepared {
  name: string;
  /** pending: Parse sent, ParseComplete not yet seen; units meanwhile parse the text unnamed. */
  state: 'pending' | 'ready';
  columns: string[] | null;
}

interface StatementRun {
  prepared: Prepared | null;
  columns: string[] | null;
}

interface Unit {
  runs: StatementRun[];
  /** Statements whose Parse this unit sent, in order; each ParseComplete confirms the next. */
  parses: Prepared[];
  index: number;
  rows: (string | null)[][];
  results: Result[];
  error: PgError | null;
  resolve: (r: Result[]) => void;
  reject: (e: Error) => void;
}

function emptyUnit(): Omit<Unit, 'resolve' | 'reject'> {
  return { runs: [], parses: [], index: 0, rows: [], results: [], error: null };
}

export class WireConnection {
  private socket!: net.Socket;
  private readonly out = new Writer();
  private flushScheduled = false;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private partialNeed = 0;
  private readonly queue: Unit[] = [];
  private readonly statements = new Map<string, Prepared>();
  private statementCounter = 0;
  private readonly toClose: string[] = [];
  private closed: Error | null = null;
  /** ReadyForQuery's transaction status after the last unit: I idle, T in a transaction, E failed. */
  txStatus = 'I';
  private startup: { resolve: () => void; reject: (e: Error) => void; scram?: Scram } | null = null;

  private constructor(private readonly opts: WireOptions) {}

  static async connect(opts: WireOptions): Promise<WireConnection> {
    const c = new WireConnection(opts);
    await c.open();
    return c;
  }

  get pending(): number {
    return this.queue.length;
  }

  get dead(): boolean {
    return this.closed !== null;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.startup = { resolve, reject };
      const socket = net.connect({ host: this.opts.host, port: this.opts.port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('connect', () => {
        const w = new Writer();
        w.int32(0).int32(196608);
        w.cstr('user').cstr(this.opts.user).cstr('database').cstr(this.opts.database);
        w.cstr('application_name').cstr(this.opts.applicationName ?? 'nexural-wire');
        w.cstr('client_encoding').cstr('UTF8').byte('\0');
        const msg = w.take();
        msg.writeInt32BE(msg.length, 0);
        socket.write(msg);
      });
      socket.on('data', (chunk) => this.onData(chunk));
      socket.on('error', (err) =>
        this.fail(new ConnectionError(`connection to Postgres failed: ${err.message}`, { cause: err })),
      );
      socket.on('close', () => this.fail(new ConnectionError('connection to Postgres closed')));
    });
  }

  private fail(err: Error) {
    if (this.closed) return;
    this.closed = err;
    if (this.startup) {
      this.startup.reject(err);
      this.startup = null;
    }
    // A unit the server already answered with an error (FATAL on termination) gets that error.
    for (const u of this.queue.splice(0)) u.reject(u.error ?? err);
    this.socket.destroy();
  }

  /**
   * Runs the statements as one unit ending in one Sync: one implicit transaction unless a BEGIN among them
   * opened an explicit one. Resolves with one result per statement; rejects with the first error (the
   * unit's later statements were then skipped and its implicit transaction rolled back).
   */
  run(statements: readonly Statement[]): Promise<Result[]> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const unit: Unit = { ...emptyUnit(), resolve, reject };
      const w = this.out;
      if (this.toClose.length > 0) {
        // Closes go in a batch of their own, so an error in a unit cannot skip them.
        for (const name of this.toClose.splice(0)) w.begin('C').byte('S').cstr(name).end();
        w.begin('S').end();
        this.queue.push({ ...emptyUnit(), resolve: () => {}, reject: () => {} });
      }
      for (const s of statements) {
        let prepared = s.prepare === false ? undefined : this.statements.get(s.text);
        let name = '';
        let describe: 'S' | 'P' | null = null;
        /** The named statement whose columns this run's result has (null: described unnamed below). */
        let own: Prepared | null = null;
        if (prepared?.state === 'ready') {
          own = prepared;
          name = prepared.name;
          // LRU: a used statement moves to the end of the map's order.
          this.statements.delete(s.text);
          this.statements.set(s.text, prepared);
        } else if (prepared === undefined && s.prepare !== false) {
          prepared = { name: `nx${++this.statementCounter}`, state: 'pending', columns: null };
          own = prepared;
          this.remember(s.text, prepared);
          name = prepared.name;
          w.begin('P').cstr(name).cstr(s.text).int16(0).end();
          unit.parses.push(prepared);
          describe = 'S';
        } else {
          w.begin('P').cstr('').cstr(s.text).int16(0).end();
          describe = 'P';
        }
        unit.runs.push({ prepared: own, columns: null });
        if (describe === 'S') w.begin('D').byte('S').cstr(name).end();
        const params = s.params ?? [];
        w.begin('B').cstr('').cstr(name).int16(0).int16(params.length);
        for (const p of params) {
          if (p === null) w.int32(-1);
          else w.int32(Buffer.byteLength(p)).str(p);
        }
        w.int16(0).end();
        if (describe === 'P') w.begin('D').byte('P').cstr('').end();
        w.begin('E').cstr('').int32(0).end();
      }
      w.begin('S').end();
      this.queue.push(unit);
      this.scheduleFlush();
    });
  }

  private remember(text: string, p: Prepared) {
    this.statements.set(text, p);
    const max = this.opts.maxStatements ?? 256;
    if (this.statements.size <= max) return;
    for (const [t, old] of this.statements) {
      if (old.state !== 'ready') continue;
      this.statements.delete(t);
      this.toClose.push(old.name);
      break;
    }
  }

  /** Forgets every prepared statement (closing them on the server), e.g. after a schema change. */
  forgetStatements() {
    for (const p of this.statements.values()) if (p.state === 'ready') this.toClose.push(p.name);
    this.statements.clear();
  }

  /** Requests arriving in the same turn of the event loop go out in one write. */
  private scheduleFlush() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.out.size > 0 && !this.closed) this.socket.write(this.out.take());
    });
  }

  private onData(chunk: Buffer) {
    // A message split across chunks is gathered until complete, then joined once.
    if (this.partial.length > 0) {
      this.partial.push(chunk);
      this.partialBytes += chunk.length;
      if (this.partialBytes < this.partialNeed) return;
      chunk = Buffer.concat(this.partial, this.partialBytes);
      this.partial = [];
      this.partialBytes = 0;
    }
    let pos = 0;
    while (chunk.length - pos >= 5) {
      const len = chunk.readInt32BE(pos + 1);
      if (chunk.length - pos < len + 1) break;
      this.onMessage(chunk[pos] as number, chunk, pos + 5, pos + 1 + len);
      pos += len + 1;
    }
    if (pos < chunk.length) {
      const rest = chunk.subarray(pos);
      this.partial = [rest];
      this.partialBytes = rest.length;
      this.partialNeed = rest.length >= 5 ? rest.readInt32BE(1) + 1 : 5;
    }
  }

  private onMessage(type: number, b: Buffer, start: number, end: number) {
    const unit = this.queue[0];
    switch (type) {
      case 0x44: {
        // D DataRow
        if (!unit) return;
        const n = b.readInt16BE(start);
        const row: (string | null)[] = new Array(n);
        let p = start + 2;
        for (let i = 0; i < n; i++) {
          const l = b.readInt32BE(p);
          p += 4;
          if (l < 0) row[i] = null;
          else {
            row[i] = b.toString('utf8', p, p + l);
            p += l;
          }
        }
        unit.rows.push(row);
        return;
      }
      case 0x43: {
        // C CommandComplete
        if (!unit) return;
        const run = unit.runs[unit.index];
        unit.results.push({
          columns: run?.columns ?? run?.prepared?.columns ?? [],
          rows: unit.rows,
          command: b.toString('utf8', start, end - 1),
        });
        unit.rows = [];
        unit.index++;
        return;
      }
      case 0x49: // I EmptyQueryResponse
        if (!unit) return;
        unit.results.push({ columns: [], rows: [], command: '' });
        unit.index++;
        return;
      case 0x54: {
        // T RowDescription (from Describe S of a new statement, or Describe P of an unnamed one)
        if (!unit) return;
        const n = b.readInt16BE(start);
        const columns: string[] = [];
        let p = start + 2;
        for (let i = 0; i < n; i++) {
          const z = b.indexOf(0, p);
          columns.push(b.toString('utf8', p, z));
          p = z + 1 + 18;
        }
        const run = unit.runs[unit.index];
        if (run) {
          run.columns = columns;
          if (run.prepared) run.prepared.columns = columns;
        }
        return;
      }
      case 0x6e: {
        // n NoData
        const run = unit?.runs[unit.index];
        if (run) {
          run.columns = [];
          if (run.prepared) run.prepared.columns = [];
        }
        return;
      }
      case 0x31: {
        // 1 ParseComplete
        const p = unit?.parses.shift();
        if (p) p.state = 'ready';
        return;
      }
      case 0x32: // 2 BindComplete
      case 0x33: // 3 CloseComplete
      case 0x74: // t ParameterDescription
      case 0x4e: // N NoticeResponse
      case 0x41: // A NotificationResponse
      case 0x53: // S ParameterStatus
      case 0x4b: // K BackendKeyData
      case 0x73: // s PortalSuspended
        return;
      case 0x45: {
        // E ErrorResponse
        const fields = new Map<string, string>();
        let p = start;
        while (p < end && b[p] !== 0) {
          const k = String.fromCharCode(b[p] as number);
          const z = b.indexOf(0, p + 1);
          fields.set(k, b.toString('utf8', p + 1, z));
          p = z + 1;
        }
        const err = new PgError(fields);
        if (this.startup)
          return this.fail(
            new ConnectionError(`could not connect to Postgres: ${err.message}`, { cause: err }),
          );
        if (unit && !unit.error) unit.error = err;
        return;
      }
      case 0x5a: {
        // Z ReadyForQuery
        this.txStatus = String.fromCharCode(b[start] as number);
        if (this.startup) {
          const s = this.startup;
          this.startup = null;
          s.resolve();
          return;
        }
        const done = this.queue.shift();
        if (!done) return;
        if (done.error) {
          // A Parse this unit sent and never saw complete did not create its statement.
          for (const p of done.parses)
            for (const [t, q] of this.statements) if (q === p) this.statements.delete(t);
          done.reject(done.error);
        } else done.resolve(done.results);
        return;
      }
      case 0x52:
        return this.onAuth(b, start, end);
      default:
        return this.fail(new Error(`unexpected message type ${String.fromCharCode(type)} from Postgres`));
    }
  }

  private onAuth(b: Buffer, start: number, end: number) {
    const code = b.readInt32BE(start);
    const w = new Writer();
    const { user, password } = this.opts;
    if (code === 0) return; // AuthenticationOk
    if (code === 3) {
      this.socket.write(w.begin('p').cstr(password).end().take());
    } else if (code === 5) {
      const salt = b.subarray(start + 4, start + 8);
      const inner = createHash('md5')
        .update(password + user)
        .digest('hex');
      const outer = createHash('md5').update(inner).update(salt).digest('hex');
      this.socket.write(w.begin('p').cstr(`md5${outer}`).end().take());
    } else if (code === 10) {
      const mechanisms = b.toString('utf8', start + 4, end).split('\0');
      if (!mechanisms.includes('SCRAM-SHA-256'))
        return this.fail(new Error(`unsupported SASL mechanisms: ${mechanisms.join(', ')}`));
      const scram = new Scram(password);
      if (this.startup) this.startup.scram = scram;
      const first = Buffer.from(scram.clientFirst());
      this.socket.write(w.begin('p').cstr('SCRAM-SHA-256').int32(first.length).bytes(first).end().take());
    } else if (code === 11) {
      const scram = this.startup?.scram;
      if (!scram) return this.fail(new Error('SASL continue without a SASL start'));
      const final = scram.clientFinal(b.toString('utf8', start + 4, end));
      this.socket.write(w.begin('p').str(final).end().take());
    } else if (code === 12) {
      if (!this.startup?.scram?.verify(b.toString('utf8', start + 4, end)))
        return this.fail(new Error('the server failed SCRAM verification'));
    } else return this.fail(new Error(`unsupported authentication request ${code}`));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end(new Writer().begin('X').end().take());
      this.closed = new ConnectionError('connection closed');
      for (const u of this.queue.splice(0)) u.reject(this.closed);
    });
  }
}

/** SCRAM-SHA-256 (RFC 5802/7677) as Postgres uses it: no channel binding, the user name from startup. */
class Scram {
  private readonly nonce = randomBytes(18).toString('base64');
  private firstBare = '';
  private serverSignature = '';
  constructor(private readonly password: string) {}
  clientFirst(): string {
    this.firstBare = `n=*,r=${this.nonce}`;
    return `n,,${this.firstBare}`;
  }
  clientFinal(serverFirst: string): string {
    const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)] as const));
    const nonce = attrs.get('r') ?? '';
    if (!nonce.startsWith(this.nonce)) throw new Error('SCRAM: the server nonce does not extend ours');
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    const salted = pbkdf2Sync(this.password, salt, iterations, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.firstBare},${serverFirst},${withoutProof}`;
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) proof[i] = (clientKey[i] as number) ^ (signature[i] as number);
    const serverKey = createHmac('sha256', salted).update('Server Key').digest();
    this.serverSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
    return `${withoutProof},p=${proof.toString('base64')}`;
  }
  verify(serverFinal: string): boolean {
    return serverFinal.trim() === `v=${this.serverSignature}`;
  }
}

/**
 * A fixed set of connections. Each unit goes to the connection with the fewest units in flight and is
 * pipelined behind them. `reserve` hands out a connection for an explicit transaction that spans several
 * round trips; nothing else is sent on it until it is released.
 */
export class WirePool {
  private readonly conns: (WireConnection | null)[];
  private readonly connecting: (Promise<WireConnection> | null)[];
  private readonly reserved = new Set<number>();
  private readonly waiters: (() => void)[] = [];
  private ended = false;

  constructor(
    private readonly opts: WireOptions,
    readonly size: number,
  ) {
    this.conns = new Array(size).fill(null);
    this.connecting = new Array(size).fill(null);
  }

  private async connection(i: number): Promise<WireConnection> {
    const c = this.conns[i];
    if (c && !c.dead) return c;
    let p = this.connecting[i];
    if (!p) {
      p = WireConnection.connect(this.opts).then(
        (conn) => {
          this.conns[i] = conn;
          this.connecting[i] = null;
          return conn;
        },
        (err) => {
          this.connecting[i] = null;
          throw err;
        },
      );
      this.connecting[i] = p;
    }
    return p;
  }

  private pick(): number | null {
    let best: number | null = null;
    let load = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      if (this.reserved.has(i)) continue;
      const c = this.conns[i];
      const l = c && !c.dead ? c.pending : this.connecting[i] ? 1 : 0;
      if (l < load) {
        load = l;
        best = i;
      }
    }
    return best;
  }

  private async slot(): Promise<number> {
    for (;;) {
      if (this.ended) throw new ConnectionError('the pool has ended');
      const i = this.pick();
      if (i !== null) return i;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async run(statements: readonly Statement[]): Promise<Result[]> {
    const conn = await this.connection(await this.slot());
    return conn.run(statements);
  }

  /** A connection of its own for an explicit transaction; `release` returns it (rolled back if still open). */
  async reserve(): Promise<{
    run: (s: readonly Statement[]) => Promise<Result[]>;
    release: () => Promise<void>;
  }> {
    const i = await this.slot();
    this.reserved.add(i);
    let conn: WireConnection;
    try {
      conn = await this.connection(i);
    } catch (err) {
      this.unreserve(i);
      throw err;
    }
    return {
      run: (s) => conn.run(s),
      release: async () => {
        if (!conn.dead && conn.txStatus !== 'I')
          await conn.run([{ text: 'ROLLBACK', prepare: false }]).catch(() => {});
        this.unreserve(i);
      },
    };
  }

  private unreserve(i: number) {
    this.reserved.delete(i);
    this.waiters.shift()?.();
  }

  forgetStatements() {
    for (const c of this.conns) c?.forgetStatements();
  }

  async end(): Promise<void> {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.conns.map((c) => c?.close()));
  }
}
