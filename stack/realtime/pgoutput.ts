// Decodes pgoutput (logical replication protocol version 1) messages into row changes. Tuple values arrive
// in Postgres' text format; Realtime passes them on with the column types, as realtime-js converts from those.

export interface Relation {
  id: number;
  schema: string;
  table: string;
  /** 'd' default (primary key), 'f' full, 'i' index, 'n' nothing: how much of the old row a DELETE carries. */
  replicaIdentity: string;
  columns: { name: string; typeOid: number; isKey: boolean }[];
}

export type Row = Record<string, string | null>;

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: Date; xid: number }
  | { tag: 'commit'; commitLsn: bigint; endLsn: bigint; commitTime: Date }
  | { tag: 'relation'; relation: Relation }
  | { tag: 'insert'; relationId: number; new: Row }
  | { tag: 'update'; relationId: number; old: Row | null; new: Row }
  | { tag: 'delete'; relationId: number; old: Row }
  | { tag: 'other' };

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

const timeOf = (micros: bigint) => new Date(PG_EPOCH_MS + Number(micros / 1000n));

export class PgOutputDecoder {
  private relations = new Map<number, Relation>();

  relation(id: number): Relation | undefined {
    return this.relations.get(id);
  }

  decode(buf: Buffer): PgOutputMessage {
    let off = 1;
    const u8 = () => buf.readUInt8(off++);
    const i16 = () => {
      const v = buf.readInt16BE(off);
      off += 2;
      return v;
    };
    const i32 = () => {
      const v = buf.readInt32BE(off);
      off += 4;
      return v;
    };
    const i64 = () => {
      const v = buf.readBigInt64BE(off);
      off += 8;
      return v;
    };
    const str = () => {
      const end = buf.indexOf(0, off);
      const s = buf.toString('utf8', off, end);
      off = end + 1;
      return s;
    };
    const tuple = (rel: Relation): Row => {
      const n = i16();
      const row: Row = {};
      for (let i = 0; i < n; i++) {
        const kind = String.fromCharCode(u8());
        const name = rel.columns[i]?.name ?? `column_${i}`;
        if (kind === 'n') row[name] = null;
        else if (kind === 't' || kind === 'b') {
          const len = i32();
          row[name] = buf.toString('utf8', off, off + len);
          off += len;
        }
        // 'u': an unchanged TOASTed value the WAL does not repeat; left out rather than guessed.
      }
      return row;
    };
    const relOf = (id: number) => {
      const rel = this.relations.get(id);
      if (!rel) throw new Error(`pgoutput: change for unknown relation ${id}`);
      return rel;
    };
    switch (String.fromCharCode(buf[0] as number)) {
      case 'B': {
        const finalLsn = i64();
        const commitTime = timeOf(i64());
        return { tag: 'begin', finalLsn, commitTime, xid: i32() };
      }
      case 'C': {
        u8();
        const commitLsn = i64();
        const endLsn = i64();
        return { tag: 'commit', commitLsn, endLsn, commitTime: timeOf(i64()) };
      }
      case 'R': {
        const id = i32();
        const schema = str();
        const table = str();
        const replicaIdentity = String.fromCharCode(u8());
        const n = i16();
        const columns: Relation['columns'] = [];
        for (let i = 0; i < n; i++) {
          const flags = u8();
          const name = str();
          const typeOid = i32();
          i32();
          columns.push({ name, typeOid, isKey: (flags & 1) === 1 });
        }
        const relation = { id, schema, table, replicaIdentity, columns };
        this.relations.set(id, relation);
        return { tag: 'relation', relation };
      }
      case 'I': {
        const relationId = i32();
        const rel = relOf(relationId);
        u8(); // 'N'
        return { tag: 'insert', relationId, new: tuple(rel) };
      }
      case 'U': {
        const relationId = i32();
        const rel = relOf(relationId);
        let old: Row | null = null;
        let kind = String.fromCharCode(u8());
        if (kind === 'K' || kind === 'O') {
          old = tuple(rel);
          kind = String.fromCharCode(u8());
        }
        return { tag: 'update', relationId, old, new: tuple(rel) };
      }
      case 'D': {
        const relationId = i32();
        const rel = relOf(relationId);
        u8(); // 'K' or 'O'
        return { tag: 'delete', relationId, old: tuple(rel) };
      }
      default:
        return { tag: 'other' };
    }
  }
}
