// Edge Functions at /functions/v1/<name>: each supabase/functions/<name>/index.ts runs in its own Deno process
// with Supabase's environment; requests and responses pass through unchanged. `verify_jwt` is read per
// function from config.toml, as `supabase functions serve` does.
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { sendJson } from '../gateway.ts';
import { verifyJwt } from '../jwt.ts';
import { startWorker, type Worker } from './workers.ts';

export interface FunctionsOptions {
  /** The folder holding config.toml and functions/. */
  supabaseDir: string;
  /** The gateway's URL (SUPABASE_URL), known once it listens. */
  apiUrl: () => string;
  dbUrl: string;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  denoDir: string;
  log?: (line: string) => void;
  /** The first start of a function may download its npm: packages. */
  startTimeoutMs?: number;
}

export interface Functions {
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  stop(): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** KEY=value lines (optionally quoted), as the CLI reads supabase/functions/.env. */
export function parseDotenv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = (m[2] as string).trim();
    if (/^".*"$/s.test(value)) value = value.slice(1, -1).replaceAll('\\n', '\n').replaceAll('\\"', '"');
    else if (/^'.*'$/s.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    env[m[1] as string] = value;
  }
  return env;
}

export function createFunctions(opts: FunctionsOptions): Functions {
  const log = opts.log ?? ((line: string) => console.error(line));
  const workers = new Map<string, Promise<Worker>>();
  const configPath = path.join(opts.supabaseDir, 'config.toml');
  let config: { mtimeMs: number; verify: Map<string, boolean> } | undefined;

  const verifyJwtFor = (name: string): boolean => {
    const mtimeMs = existsSync(configPath) ? statSync(configPath).mtimeMs : 0;
    if (!config || config.mtimeMs !== mtimeMs) {
      const verify = new Map<string, boolean>();
      if (mtimeMs) {
        const parsed = parseToml(readFileSync(configPath, 'utf8')) as {
          functions?: Record<string, { verify_jwt?: unknown }>;
        };
        for (const [fn, cfg] of Object.entries(parsed.functions ?? {}))
          if (typeof cfg?.verify_jwt === 'boolean') verify.set(fn, cfg.verify_jwt);
      }
      config = { mtimeMs, verify };
    }
    return config.verify.get(name) ?? true;
  };

  const envFor = (): Record<string, string> => {
    const dotenvPath = path.join(opts.supabaseDir, 'functions', '.env');
    return {
      ...(existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath, 'utf8')) : {}),
      SUPABASE_URL: opts.apiUrl(),
      SUPABASE_ANON_KEY: opts.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: opts.serviceRoleKey,
      SUPABASE_DB_URL: opts.dbUrl,
    };
  };

  const workerFor = (name: string, entry: string): Promise<Worker> => {
    let w = workers.get(name);
    if (!w) {
      w = startWorker(name, {
        entry,
        env: envFor(),
        denoDir: opts.denoDir,
        log,
        startTimeoutMs: opts.startTimeoutMs ?? 120_000,
      });
      workers.set(name, w);
      const started = w;
      started.then(
        (worker) =>
          worker.exited.then(() => {
            // Crashed or stopped: the next request starts a fresh process.
            if (workers.get(name) === started) workers.delete(name);
          }),
        () => {
          if (workers.get(name) === started) workers.delete(name);
        },
      );
    }
    return w;
  };

  return {
    async handle(req, res, url) {
      const rest = url.pathname.slice('/functions/v1/'.length);
      const name = rest.split('/')[0] ?? '';
      const entry = path.join(opts.supabaseDir, 'functions', name, 'index.ts');
      if (!NAME.test(name) || !existsSync(entry)) {
        sendJson(res, 404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
        return;
      }
      if (verifyJwtFor(name)) {
        const auth = req.headers.authorization;
        if (!auth) {
          sendJson(res, 401, { msg: 'Error: Missing authorization header' });
          return;
        }
        const [scheme, token] = auth.split(' ');
        try {
          if (scheme?.toLowerCase() !== 'bearer' || !token) throw new Error('not a bearer token');
          await verifyJwt(token, opts.jwtSecret);
        } catch {
          sendJson(res, 401, { msg: 'Invalid JWT' });
          return;
        }
      }
      let worker: Worker;
      try {
        worker = await workerFor(name, entry);
      } catch (err) {
        log(`[functions:${name}] ${err instanceof Error ? err.message : String(err)}`);
        sendJson(res, 503, { code: 'BOOT_ERROR', message: 'Function failed to start (please check logs)' });
        return;
      }
      // The function sees its own path (`/<name>/...`), as on Supabase.
      await new Promise<void>((resolve) => {
        const upstream = http.request(
          {
            host: '127.0.0.1',
            port: worker.port,
            method: req.method,
            path: `/${rest}${url.search}`,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', resolve);
            up.on('error', () => {
              res.destroy();
              resolve();
            });
          },
        );
        upstream.on('error', (err) => {
          log(`[functions:${name}] request failed: ${err.message}`);
          if (worker.process.exitCode !== null || worker.process.signalCode !== null) workers.delete(name);
          else if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') {
            // The process died mid-request (exit event may lag): start a fresh one next time.
            worker.process.kill('SIGKILL');
            workers.delete(name);
          }
          if (!res.headersSent)
            sendJson(res, 500, {
              code: 'WORKER_ERROR',
              message: 'Function exited unexpectedly (please check logs)',
            });
          else res.destroy();
          resolve();
        });
        req.pipe(upstream);
      });
    },
    async stop() {
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(
        all.map(async (w) => {
          const worker = await w.catch(() => undefined);
          if (!worker) return;
          worker.process.kill('SIGTERM');
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), 2000);
          await worker.exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
