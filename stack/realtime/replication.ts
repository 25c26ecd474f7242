// Streams committed transactions of a publication from a PERMANENT logical replication slot (pgoutput).
// The slot's confirmed position advances only after a batch has been handed to subscribers, so a restart
// (or a crash) replays whatever was not yet delivered instead of losing it.
import type { Duplex } from 'node:stream';
import postgres from 'postgres';
import { PgOutputDecoder, type Relation, type Row } from './pgoutput.ts';

export interface RowChange {
  relation: Relation;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Row | null;
  old: Row | null;
}

export interface CommittedTransaction {
  commitTime: Date;
  endLsn: bigint;
  changes: RowChange[];
}

export interface ReplicationOptions {
  /** Superuser (or replication role) URL of the database. */
  url: string;
  slot: string;
  publication: string;
  /** Called with every transaction committed since the last call, in commit order; the slot is confirmed after. */
  deliver(txs: CommittedTransaction[]): Promise<void>;
  onError?(err: unknown): void;
  /** Things an operator wants to know that are not errors (a held batch delivered at last). */
  onNotice?(message: string): void;
}

export interface ReplicationStream {
  stop(): Promise<void>;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const lsnText = (lsn: bigint) =>
  `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;

/** Slot names are cluster-wide; one per database keeps test databases (and their slots) apart. */
export const slotNameFor = (database: string) =>
  `nexural_realtime_${database.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

export async function ensureSlot(url: string, slot: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`select 1 from pg_replication_slots where slot_name = ${slot}`;
    if (!exists) {
      await sql`select pg_create_logical_replication_slot(${slot}, 'pgoutput')`.catch((err) => {
        // Two starts racing: the other one created it.
        if ((err as { code?: string }).code !== '42710') throw err;
      });
    }
  } finally {
    await sql.end();
  }
}

export async function startReplication(opts: ReplicationOptions): Promise<ReplicationStream> {
  await ensureSlot(opts.url, opts.slot);
  const sql = postgres(opts.url, {
    max: 1,
    fetch_types: false,
    idle_timeout: 0,
    max_lifetime: null,
    onnotice: () => {},
    connection: { replication: 'database' } as Record<string, string>,
  });
  const stream = (await sql
    .unsafe(
      `START_REPLICATION SLOT ${opts.slot} LOGICAL 0/0 (proto_version '1', publication_names '${opts.publication}')`,
    )
    .writable()) as unknown as Duplex;

  const decoder = new PgOutputDecoder();
  let receivedLsn = 0n;
  let confirmedLsn = 0n;
  let open: CommittedTransaction | null = null;
  let queue: CommittedTransaction[] = [];
  let delivering = false;
  let stopped = false;

  const sendStatus = () => {
    if (stopped || stream.destroyed) return;
    const x = Buffer.alloc(34);
    x[0] = 'r'.charCodeAt(0);
    x.writeBigUInt64BE(receivedLsn, 1);
    x.writeBigUInt64BE(confirmedLsn, 9);
    x.writeBigUInt64BE(confirmedLsn, 17);
    x.writeBigInt64BE(BigInt(Date.now() - PG_EPOCH_MS) * 1000n, 25);
    x[33] = 0;
    stream.write(x);
  };

  // One batch at a time, in commit order. A batch that fails (its RLS check lost its connection, Postgres
  // restarted, the check function is missing) is neither confirmed nor dropped: it is tried again, with
  // whatever committed meanwhile, until it goes through, so no change is skipped and none is sent twice
  // (deliver sends nothing unless every check of the batch succeeded).
  let failures = 0;
  const drain = async () => {
    if (delivering) return;
    delivering = true;
    try {
      while (queue.length > 0 && !stopped) {
        const batch = queue;
        queue = [];
        try {
          await opts.deliver(batch);
        } catch (err) {
          queue = batch.concat(queue);
          if (failures++ === 0 || failures % 20 === 0)
            opts.onError?.(
              new Error(
                `could not deliver ${batch.length} transaction(s), trying again: ${err instanceof Error ? err.message : String(err)}`,
                { cause: err },
              ),
            );
          await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** Math.min(failures, 6))));
          continue;
        }
        if (failures > 0)
          opts.onNotice?.(`delivered ${batch.length} transaction(s) after ${failures} failed attempt(s)`);
        failures = 0;
        const last = batch[batch.length - 1];
        if (last) confirmedLsn = last.endLsn;
        sendStatus();
      }
    } finally {
      delivering = false;
    }
  };

  stream.on('data', (x: Buffer) => {
    if (x[0] === 0x77) {
      // XLogData: start lsn, end lsn, send time, then one pgoutput message.
      const start = x.readBigUInt64BE(1);
      if (start > receivedLsn) receivedLsn = start;
      const msg = decoder.decode(x.subarray(25));
      if (msg.tag === 'begin') open = { commitTime: msg.commitTime, endLsn: 0n, changes: [] };
      else if (msg.tag === 'commit' && open) {
        open.endLsn = msg.endLsn;
        open.commitTime = msg.commitTime;
        if (open.changes.length > 0) queue.push(open);
        else if (queue.length === 0 && !delivering) confirmedLsn = msg.endLsn;
        open = null;
        void drain();
      } else if (open && (msg.tag === 'insert' || msg.tag === 'update' || msg.tag === 'delete')) {
        const relation = decoder.relation(msg.relationId) as Relation;
        open.changes.push({
          relation,
          type: msg.tag === 'insert' ? 'INSERT' : msg.tag === 'update' ? 'UPDATE' : 'DELETE',
          new: msg.tag === 'delete' ? null : msg.new,
          old: msg.tag === 'insert' ? null : msg.old,
        });
      }
    } else if (x[0] === 0x6b) {
      // Keepalive. With nothing in flight, everything up to the server's WAL end is delivered.
      const walEnd = x.readBigUInt64BE(1);
      if (walEnd > receivedLsn) receivedLsn = walEnd;
      if (!open && queue.length === 0 && !delivering) confirmedLsn = receivedLsn;
      if (x[17]) sendStatus();
    }
  });
  stream.on('error', (err) => {
    if (!stopped) opts.onError?.(err);
  });
  const status = setInterval(sendStatus, 10_000);

  return {
    async stop() {
      clearInterval(status);
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        if (stream.destroyed) return resolve();
        stream.once('close', () => resolve());
        stream.end();
        setTimeout(resolve, 2000).unref();
      });
      await sql.end({ timeout: 2 });
    },
  };
}

export { lsnText };
