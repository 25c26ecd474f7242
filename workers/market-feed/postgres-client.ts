// The ingester's Postgres client: postgres.js with TCP_NODELAY on its sockets, as libpq, pgjdbc and pgbouncer
// set it. postgres.js leaves Nagle's algorithm on, and a COPY ends with a 5-byte CopyDone written right after
// the rows, which Nagle then holds until the server's delayed ACK (~40 ms on Linux): at that point every
// batch would wait twice that long for nothing.
import net from 'node:net';
import postgres from 'postgres';

export function connectPostgres(
  url: string,
  options: postgres.Options<Record<string, never>> = {},
): postgres.Sql {
  let attempt = 0;
  // postgres.js calls `socket` (documented in its README, absent from its types) for each new connection and
  // expects a connected socket; it still does TLS and the startup itself.
  const socket = (o: { host: string[]; port: number[]; path?: string | false; connect_timeout?: number }) =>
    new Promise<net.Socket>((resolve, reject) => {
      const i = attempt++ % o.port.length;
      const s = o.path ? net.connect(o.path) : net.connect(o.port[i] as number, o.host[i]);
      s.setNoDelay(true);
      // postgres.js starts its connect timeout only once it has the socket.
      const timer = setTimeout(
        () => s.destroy(new Error(`connect to Postgres timed out`)),
        (o.connect_timeout ?? 30) * 1000,
      );
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
    });
  return postgres(url, { ...options, socket } as postgres.Options<Record<string, never>>);
}
