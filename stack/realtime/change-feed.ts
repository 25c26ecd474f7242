// postgres_changes: committed row changes from the replication slot, matched to subscriptions (schema, table,
// event, filter), checked against each subscriber's RLS in Postgres, then pushed in Supabase's payload shape.
//
// Design (Supabase Realtime's apply_rls, batched):
// - Subscribers are grouped by (role, claims): channels whose JWT claims are identical share one check, since
//   a policy can only tell users apart through the role and `request.jwt.claims`. Distinct users are distinct
//   groups; nothing is guessed from the policy, so the work is one row check per changed row and per group
//   with a matching subscription (event types and filters are applied first, in JS; a group whose
//   subscriptions have no filter is a candidate for every row and is sent as such, not row by row).
// - All changes the replication stream delivered since the previous batch are checked together: per table and
//   role, one call of realtime.visible_rows with every group and every row. Batches grow by themselves while
//   a check runs, so a group's fixed cost is paid once per batch, not once per change.
// - visible_rows runs each group as `set_config('request.jwt.claims', …)` under `set role` and one execution
//   of a PL/pgSQL statement whose generic plan stays cached in the session (generated per table, role and
//   policy text; migrations 20261201000001 and 20261202000001), with the table's SELECT policies applied to
//   the row images the WAL carried (so DELETEs and rows changed again since are judged as they were
//   committed). Groups travel as two parallel text arrays (claims; candidate rows or null), read in place.
// - Groups are split over a small pool of connections (CHECK_CONNECTIONS) so checks use both cores.
// - Fan-out encodes a change's payload once; a subscriber's frame adds only its join ref, topic and ids, and
//   every frame a socket gets in one turn of the event loop leaves in one write (ChannelHub corks sockets).
//
// Where the time goes (bench:realtime, 1,000 users with distinct claims, a policy with a membership subquery):
// per batch, about 20–35 µs of Postgres per group whatever the batch size (the set_config, one executor
// start/stop, the policy's own lookups) plus well under 1 µs per row and group — ~70 µs when the membership
// table has no index on the looked-up column, as the policy then scans it once per group; in Node, ~0.2 µs per
// (change, subscribed channel) to match and ~5 µs per message sent. With 1,000 distinct groups the fixed part
// is 20–35 ms of Postgres CPU per batch, which is what bounds latency on a 2-core machine.
import type postgres from 'postgres';
import type { Channel, ChannelHub, PgSubscription } from './channels.ts';
import { matchesFilter } from './filters.ts';
import type { Relation, Row } from './pgoutput.ts';
import type { CommittedTransaction, RowChange } from './replication.ts';

/** A channel with subscriptions on one table, for the length of a batch. */
interface Entry {
  channel: Channel;
  /** The channel's subscriptions on this table. */
  subs: PgSubscription[];
  /** When none of them has a filter: the ids each event type matches, JSON-encoded once. */
  idsByEvent: Map<string, string> | undefined;
  group: Group;
}

/** Channels of one role with identical claims: one RLS check per row for all of them. */
interface Group {
  claims: string;
  entries: Entry[];
  /** Rows (indexes into the table's rows of the batch) some subscription matched; null: all of them. */
  rows: number[] | null;
  /** Per row: 1 when the group may see it. */
  visible: Uint8Array;
}

/** One call of realtime.visible_rows (before splitting over connections): a table and a role. */
interface Job {
  relId: number;
  role: string;
  groups: Map<string, Group>;
}

/** A batch's changes to one table, with the channels subscribed to it. */
interface TableBatch {
  rel: Relation;
  types: Map<string, string>;
  changes: { tx: CommittedTransaction; change: RowChange }[];
  entries: Entry[];
  jobs: Map<string, Job>;
  /** For subscriptions with filters: per row, the ids (JSON) each such channel matched. */
  filteredIds: (Map<Entry, string> | undefined)[];
}

/** What one batch cost, stage by stage (for benchmarks and operators; see RealtimeOptions.onBatch). */
export interface BatchStats {
  transactions: number;
  /** Changes to tables someone is subscribed to. */
  changes: number;
  /** Row checks asked of Postgres: for each group, the rows it was a candidate for. */
  rowChecks: number;
  /** Distinct (table, role, claims) groups checked. */
  groups: number;
  messages: number;
  /** From the oldest commit of the batch to the start of its processing: WAL send, decode, queueing. */
  queuedMs: number;
  matchMs: number;
  checkMs: number;
  fanoutMs: number;
  /** From the oldest commit of the batch to the end of its fan-out: the batch's worst latency in the server. */
  doneMs: number;
  /** Per change of the batch, from its commit to the end of the batch's fan-out (ms). */
  changeMs: number[];
}

/** Connections RLS checks are spread over; `max` of the pool handed to ChangeFeed should match. */
export const CHECK_CONNECTIONS = 2;
/** Below this many groups per call, splitting a job over connections costs more than it saves. */
const MIN_GROUPS_PER_CALL = 64;
const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;

export class ChangeFeed {
  private typeNames = new Map<number, string>();

  constructor(
    private readonly hub: ChannelHub,
    /** Superuser pool (CHECK_CONNECTIONS connections): RLS is evaluated by `set role` to each subscriber's role. */
    private readonly sql: postgres.Sql,
    private readonly onBatch?: (stats: BatchStats) => void,
  ) {}

  private async loadTypes(rel: Relation) {
    const missing = rel.columns.filter((c) => !this.typeNames.has(c.typeOid)).map((c) => c.typeOid);
    if (missing.length === 0) return;
    const rows = await this.sql<{ oid: number; typname: string }[]>`
      select oid::int, typname from pg_type where oid = any(${missing}::oid[])`;
    for (const r of rows) this.typeNames.set(r.oid, r.typname);
  }

  private columnsOf(rel: Relation) {
    return rel.columns.map((c) => ({ name: c.name, type: this.typeNames.get(c.typeOid) ?? 'text' }));
  }

  private subMatches(sub: PgSubscription, change: RowChange, types: Map<string, string>): boolean {
    if (sub.event !== '*' && sub.event !== change.type) return false;
    if (sub.filter) {
      const row = change.type === 'DELETE' ? change.old : change.new;
      if (!row) return false;
      return matchesFilter(sub.filter, row, types.get(sub.filter.column) ?? 'text');
    }
    return true;
  }

  /** The channels subscribed to a table, in jobs (per role) and groups (per claims). */
  private subscribe(tb: TableBatch) {
    const rel = tb.rel;
    for (const channel of this.hub.pgChannels) {
      const subs = channel.pg.filter(
        (s) =>
          (s.schema === '*' || s.schema === rel.schema) && (s.table === undefined || s.table === rel.table),
      );
      if (subs.length === 0) continue;
      let job = tb.jobs.get(channel.role);
      if (!job) {
        job = { relId: rel.id, role: channel.role, groups: new Map() };
        tb.jobs.set(channel.role, job);
      }
      let group = job.groups.get(channel.claimsKey);
      if (!group) {
        group = { claims: channel.claimsJson, entries: [], rows: [], visible: new Uint8Array(0) };
        job.groups.set(channel.claimsKey, group);
      }
      let idsByEvent: Map<string, string> | undefined;
      if (subs.every((s) => !s.filter)) {
        idsByEvent = new Map();
        for (const type of EVENTS) {
          const ids = subs.filter((s) => s.event === '*' || s.event === type).map((s) => s.id);
          if (ids.length > 0) idsByEvent.set(type, JSON.stringify(ids));
        }
      }
      const entry = { channel, subs, idsByEvent, group };
      group.entries.push(entry);
      tb.entries.push(entry);
    }
  }

  /** Which rows each group is a candidate for: all of them when its subscriptions have no filter. */
  private candidates(tb: TableBatch) {
    const present = new Set(tb.changes.map((c) => c.change.type));
    for (const job of tb.jobs.values()) {
      for (const group of job.groups.values()) {
        const covered = new Set<string>();
        let filtered = false;
        for (const e of group.entries) {
          if (e.idsByEvent) for (const t of e.idsByEvent.keys()) covered.add(t);
          else filtered = true;
        }
        if (!filtered && [...present].every((t) => covered.has(t))) {
          group.rows = null;
          continue;
        }
        const rows: number[] = [];
        tb.changes.forEach(({ change }, r) => {
          let candidate = false;
          for (const e of group.entries) {
            if (e.idsByEvent) {
              if (e.idsByEvent.has(change.type)) candidate = true;
              continue;
            }
            const ids = e.subs.filter((s) => this.subMatches(s, change, tb.types)).map((s) => s.id);
            if (ids.length === 0) continue;
            candidate = true;
            tb.filteredIds[r] ??= new Map();
            tb.filteredIds[r].set(e, JSON.stringify(ids));
          }
          if (candidate) rows.push(r);
        });
        group.rows = rows;
      }
    }
  }

  /** Delivers a batch of committed transactions; resolves once every message is handed to its socket. */
  async deliver(txs: CommittedTransaction[]): Promise<void> {
    const t0 = performance.now();
    const queuedMs = txs.length > 0 ? Date.now() - (txs[0] as CommittedTransaction).commitTime.getTime() : 0;
    // By table id: pgoutput sends a fresh Relation message after the table's cache entry is invalidated
    // (ANALYZE, ALTER), so one batch can carry several objects for one table.
    const tables = new Map<number, TableBatch>();
    /** Every change in commit order, as its table's batch and its row there. */
    const order: { tb: TableBatch; row: number }[] = [];
    for (const tx of txs) {
      for (const change of tx.changes) {
        const rel = change.relation;
        let tb = tables.get(rel.id);
        if (rel.columns.some((c) => !this.typeNames.has(c.typeOid))) await this.loadTypes(rel);
        if (!tb) {
          tb = {
            rel,
            types: new Map(
              rel.columns.map((c) => [c.name, this.typeNames.get(c.typeOid) ?? 'text'] as const),
            ),
            changes: [],
            entries: [],
            jobs: new Map(),
            filteredIds: [],
          };
          this.subscribe(tb);
          tables.set(rel.id, tb);
        }
        if (tb.entries.length === 0) continue;
        order.push({ tb, row: tb.changes.length });
        tb.changes.push({ tx, change });
      }
    }
    if (order.length === 0) return;

    const calls: Promise<void>[] = [];
    for (const tb of tables.values()) {
      if (tb.changes.length === 0) continue;
      this.candidates(tb);
      const rows = this.sql.json(tb.changes.map((c) => imageFor(c.change)) as never);
      for (const job of tb.jobs.values()) calls.push(...this.check(job, rows, tb.changes.length));
    }
    const t1 = performance.now();
    await Promise.all(calls);
    const t2 = performance.now();

    let messages = 0;
    for (const { tb, row } of order) {
      const { tx, change } = tb.changes[row] as TableBatch['changes'][number];
      const rel = change.relation;
      const data = JSON.stringify({
        schema: rel.schema,
        table: rel.table,
        commit_timestamp: tx.commitTime.toISOString(),
        eventType: change.type,
        type: change.type,
        columns: this.columnsOf(rel),
        ...(change.type !== 'DELETE' ? { record: change.new } : {}),
        ...(change.type !== 'INSERT' ? { old_record: oldRecord(change) } : {}),
        errors: null,
      });
      const filtered = tb.filteredIds[row];
      for (const entry of tb.entries) {
        const ids = entry.idsByEvent ? entry.idsByEvent.get(change.type) : filtered?.get(entry);
        if (ids === undefined || entry.group.visible[row] !== 1) continue;
        if (!this.hub.pgChannels.has(entry.channel)) continue; // left meanwhile
        sendChange(entry.channel, ids, data);
        messages++;
      }
    }
    if (this.onBatch) {
      let groups = 0;
      let rowChecks = 0;
      for (const tb of tables.values())
        for (const job of tb.jobs.values())
          for (const g of job.groups.values()) {
            const n = g.rows === null ? tb.changes.length : g.rows.length;
            if (n === 0) continue;
            groups++;
            rowChecks += n;
          }
      const now = Date.now();
      this.onBatch({
        transactions: txs.length,
        changes: order.length,
        rowChecks,
        groups,
        messages,
        queuedMs,
        matchMs: t1 - t0,
        checkMs: t2 - t1,
        fanoutMs: performance.now() - t2,
        doneMs: now - (txs[0] as CommittedTransaction).commitTime.getTime(),
        changeMs: order.map(
          ({ tb, row }) => now - (tb.changes[row] as TableBatch['changes'][number]).tx.commitTime.getTime(),
        ),
      });
    }
  }

  /** Checks a job's groups, split over the pool's connections; marks what each group may see. */
  private check(job: Job, rows: postgres.Parameter, rowCount: number): Promise<void>[] {
    const groups = [...job.groups.values()].filter((g) => g.rows === null || g.rows.length > 0);
    if (groups.length === 0) return [];
    for (const g of groups) g.visible = new Uint8Array(rowCount);
    const calls = Math.max(1, Math.min(CHECK_CONNECTIONS, Math.floor(groups.length / MIN_GROUPS_PER_CALL)));
    const size = Math.ceil(groups.length / calls);
    return Array.from({ length: calls }, async (_, k) => {
      const part = groups.slice(k * size, (k + 1) * size);
      const claims = part.map((g) => g.claims);
      const candidates = part.map((g) => (g.rows === null ? null : `{${g.rows.join(',')}}`));
      const result = await this.sql`
        select grp, change from realtime.visible_rows(${job.relId}::oid::regclass, ${job.role},
          ${claims}::text[], ${candidates}::text[], ${rows})`.values();
      for (const [grp, change] of result as unknown as [number, number][]) {
        const g = part[grp];
        if (g) g.visible[change] = 1;
      }
    });
  }
}

/** The row RLS is judged on: the new row, or for a DELETE the old one (complete with replica identity full). */
function imageFor(change: RowChange): Row {
  return (change.type === 'DELETE' ? change.old : change.new) ?? {};
}

/** Without replica identity full the WAL carries only the key of the old row, as Supabase then sends. */
function oldRecord(change: RowChange): Row {
  if (change.old) return change.old;
  const keyCols = change.relation.columns.filter((c) => c.isKey).map((c) => c.name);
  return Object.fromEntries(keyCols.map((k) => [k, change.new?.[k] ?? null]));
}

/** Frames a change without re-encoding the shared `data` for each subscriber: only its ids differ. */
function sendChange(ch: Channel, ids: string, data: string) {
  const conn = ch.socket;
  ch.changePrefix ??=
    conn.vsn === '2.0.0'
      ? `[${JSON.stringify(ch.joinRef)},null,${JSON.stringify(ch.topic)},"postgres_changes",{"ids":`
      : `{"join_ref":${JSON.stringify(ch.joinRef)},"ref":null,"topic":${JSON.stringify(ch.topic)},"event":"postgres_changes","payload":{"ids":`;
  conn.sendFrame(`${ch.changePrefix}${ids},"data":${data}}${conn.vsn === '2.0.0' ? ']' : '}'}`);
}
