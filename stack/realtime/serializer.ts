// Phoenix channel frames as realtime-js writes and reads them: vsn 1.0.0 is a JSON object per frame, vsn 2.0.0
// a JSON array `[join_ref, ref, topic, event, payload]` plus binary frames for user broadcasts (kind 3 from the
// client, kind 4 to the client), so broadcast payloads skip a JSON round trip on the server.

export type Vsn = '1.0.0' | '2.0.0';

export interface Message {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

export class FrameError extends Error {}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const JSON_ENCODING = 1;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const refOf = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function decodeFrame(data: Buffer, isBinary: boolean, vsn: Vsn): Message {
  if (isBinary) {
    if (vsn !== '2.0.0') throw new FrameError('binary frames need vsn 2.0.0');
    return decodeUserBroadcastPush(data);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    throw new FrameError('frame is not valid JSON');
  }
  let msg: Omit<Partial<Message>, 'payload'> & { payload?: unknown };
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5)
      throw new FrameError('expected [join_ref, ref, topic, event, payload]');
    const [join_ref, ref, topic, event, payload] = parsed;
    msg = { join_ref: refOf(join_ref), ref: refOf(ref), topic, event, payload };
  } else {
    if (!isRecord(parsed)) throw new FrameError('expected a JSON object');
    msg = {
      join_ref: refOf(parsed.join_ref),
      ref: refOf(parsed.ref),
      topic: parsed.topic as string,
      event: parsed.event as string,
      payload: parsed.payload,
    };
  }
  if (typeof msg.topic !== 'string' || typeof msg.event !== 'string')
    throw new FrameError('topic and event must be strings');
  if (!isRecord(msg.payload)) throw new FrameError('payload must be an object');
  return msg as Message;
}

function decodeUserBroadcastPush(buf: Buffer): Message {
  if (buf.length < 7 || buf[0] !== KIND_USER_BROADCAST_PUSH)
    throw new FrameError('unknown binary frame kind');
  const [joinRefLen, refLen, topicLen, eventLen, metaLen, encoding] = [
    buf[1],
    buf[2],
    buf[3],
    buf[4],
    buf[5],
    buf[6],
  ] as number[];
  let off = 7;
  const take = (n: number) => {
    if (off + n > buf.length) throw new FrameError('binary frame is truncated');
    const s = buf.subarray(off, off + n).toString('utf8');
    off += n;
    return s;
  };
  const join_ref = take(joinRefLen as number);
  const ref = take(refLen as number);
  const topic = take(topicLen as number);
  const event = take(eventLen as number);
  const meta = take(metaLen as number);
  const body = buf.subarray(off);
  let payload: unknown;
  try {
    payload = encoding === JSON_ENCODING ? JSON.parse(body.toString('utf8')) : body;
    if (meta) JSON.parse(meta);
  } catch {
    throw new FrameError('binary broadcast payload is not valid JSON');
  }
  return {
    join_ref: join_ref || null,
    ref: ref || null,
    topic,
    event: 'broadcast',
    payload: { type: 'broadcast', event, payload },
  };
}

/** A message for the client; user broadcasts go out as binary frames under vsn 2.0.0. */
export function encodeFrame(msg: Message, vsn: Vsn): string | Buffer {
  if (vsn === '1.0.0') return JSON.stringify(msg);
  const p = msg.payload;
  if (msg.event === 'broadcast' && typeof p.event === 'string')
    return encodeUserBroadcast(msg.topic, p.event, p.payload);
  return JSON.stringify([msg.join_ref, msg.ref, msg.topic, msg.event, msg.payload]);
}

function encodeUserBroadcast(topic: string, event: string, payload: unknown): Buffer {
  const t = Buffer.from(topic);
  const e = Buffer.from(event);
  const binary = Buffer.isBuffer(payload) || payload instanceof ArrayBuffer;
  const body = binary ? Buffer.from(payload as Buffer) : Buffer.from(JSON.stringify(payload ?? {}));
  const header = Buffer.from([KIND_USER_BROADCAST, t.length, e.length, 0, binary ? 0 : JSON_ENCODING]);
  return Buffer.concat([header, t, e, body]);
}
