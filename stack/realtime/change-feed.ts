// postgres_changes: committed row changes from the replication slot, matched to subscriptions (schema, table,
// event, filter), checked against each subscriber's RLS in Postgres (one evaluation per change and per
// distinct role + claims, all of a batch in one round trip), then pushed in Supabase's payload shape.
import type postgres from 'postgres';
import type { Channel, ChannelHub, PgSubscription } from './channels.ts';
import { matchesFilter } from './filters.ts';
import type { Relation, Row } from './pgoutput.ts';
import type { CommittedTransaction, RowChange } from './replication.ts';

interface Candidate {
  channel: Channel;
  ids: number[];
}

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

export class ChangeFeed {
  private typeNames = new Map<number, string>();

  constructor(
    private readonly hub: ChannelHub,
    /** Superuser connection: RLS is evaluated by `set role` to each subscriber's role. */
    private readonly sql: postgres.Sql,
  ) {}

  private async columnsOf(rel: Relation) {
    const missing = rel.columns.filter((c) => !this.typeNames.has(c.typeOid)).map((c) => c.typeOid);
    if (missing.length > 0) {
      const rows = await this.sql<{ oid: number; typname: string }[]>`
        select oid::int, typname from pg_type where oid = any(${missing}::oid[])`;
      for (const r of rows) this.typeNames.set(r.oid, r.typname);
    }
    return rel.columns.map((c) => ({ name: c.name, type: this.typeNames.get(c.typeOid) ?? 'text' }));
  }

  private subMatches(sub: PgSubscription, change: RowChange, types: Map<string, string>): boolean {
    if (sub.event !== '*' && sub.event !== change.type) return false;
    if (sub.schema !== '*' && sub.schema !== change.relation.schema) return false;
    if (sub.table !== undefined && sub.table !== change.relation.table) return false;
    if (sub.filter) {
      const row = change.type === 'DELETE' ? change.old : change.new;
      if (!row) return false;
      return matchesFilter(sub.filter, row, types.get(sub.filter.column) ?? 'text');
    }
    return true;
  }

  /** Delivers a batch of committed transactions; resolves once every message is handed to its socket. */
  async deliver(txs: CommittedTransaction[]): Promise<void> {
    const changes: { tx: CommittedTransaction; change: RowChange; candidates: Candidate[] }[] = [];
    for (const tx of txs) {
      for (const change of tx.changes) {
        const types = new Map(
          change.relation.columns.map((c) => [c.name, this.typeNames.get(c.typeOid) ?? 'text'] as const),
        );
        if (change.relation.columns.some((c) => !this.typeNames.has(c.typeOid))) {
          await this.columnsOf(change.relation);
          for (const c of change.relation.columns) types.set(c.name, this.typeNames.get(c.typeOid) ?? 'text');
        }
        const candidates: Candidate[] = [];
        for (const channel of this.hub.pgChannels) {
          const ids = channel.pg.filter((s) => this.subMatches(s, change, types)).map((s) => s.id);
          if (ids.length > 0) candidates.push({ channel, ids });
        }
        if (candidates.length > 0) changes.push({ tx, change, candidates });
      }
    }
    if (changes.length === 0) return;

    // One RLS evaluation per distinct (role, claims) for the whole batch.
    const groupIndex = new Map<string, number>();
    const groups: { role: string; claims: unknown }[] = [];
    for (const c of changes)
      for (const cand of c.candidates)
        if (!groupIndex.has(cand.channel.claimsKey)) {
          groupIndex.set(cand.channel.claimsKey, groups.length);
          groups.push({
            role: cand.channel.role,
            claims: { ...cand.channel.claims, role: cand.channel.role },
          });
        }
    const rows = changes.map((c) => ({
      rel: `${quoteIdent(c.change.relation.schema)}.${quoteIdent(c.change.relation.table)}`,
      record: this.imageFor(c.change),
    }));
    const visible = new Set<string>();
    const result = await this.sql<{ grp: number; change: number }[]>`
      select grp, change from realtime.visible_changes(${this.sql.json(groups as never)}, ${this.sql.json(rows as never)})`;
    for (const r of result) visible.add(`${r.grp}:${r.change}`);

    for (const [i, c] of changes.entries()) {
      const columns = await this.columnsOf(c.change.relation);
      const data = JSON.stringify({
        schema: c.change.relation.schema,
        table: c.change.relation.table,
        commit_timestamp: c.tx.commitTime.toISOString(),
        eventType: c.change.type,
        type: c.change.type,
        columns,
        ...(c.change.type !== 'DELETE' ? { record: c.change.new } : {}),
        ...(c.change.type !== 'INSERT' ? { old_record: this.oldRecord(c.change) } : {}),
        errors: null,
      });
      for (const cand of c.candidates) {
        if (!visible.has(`${groupIndex.get(cand.channel.claimsKey)}:${i}`)) continue;
        if (!this.hub.pgChannels.has(cand.channel)) continue; // left meanwhile
        sendChange(cand.channel, cand.ids, data);
      }
    }
  }

  /** The row RLS is judged on: the new row, or for a DELETE the old one (complete with replica identity full). */
  private imageFor(change: RowChange): Row {
    return (change.type === 'DELETE' ? change.old : change.new) ?? {};
  }

  /** Without replica identity full the WAL carries only the key of the old row, as Supabase then sends. */
  private oldRecord(change: RowChange): Row {
    if (change.old) return change.old;
    const keyCols = change.relation.columns.filter((c) => c.isKey).map((c) => c.name);
    return Object.fromEntries(keyCols.map((k) => [k, change.new?.[k] ?? null]));
  }
}

/** Frames a change without re-encoding the shared `data` for each subscriber. */
function sendChange(ch: Channel, ids: number[], data: string) {
  const conn = ch.socket;
  if (conn.ws.readyState !== conn.ws.OPEN) return;
  const payload = `{"ids":${JSON.stringify(ids)},"data":${data}}`;
  const frame =
    conn.vsn === '2.0.0'
      ? `[${JSON.stringify(ch.joinRef)},null,${JSON.stringify(ch.topic)},"postgres_changes",${payload}]`
      : `{"join_ref":${JSON.stringify(ch.joinRef)},"ref":null,"topic":${JSON.stringify(ch.topic)},"event":"postgres_changes","payload":${payload}}`;
  conn.ws.send(frame);
}
