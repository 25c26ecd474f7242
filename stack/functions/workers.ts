// One Deno process per Edge Function, started on its first request and started again after it dies.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePortOnLoopback } from './port.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const DENO = path.join(root, 'node_modules', '.bin', 'deno');

export interface Worker {
  port: number;
  process: ChildProcess;
  /** Resolves when the process exits (crash or stop). */
  exited: Promise<void>;
}

export interface WorkerOptions {
  entry: string;
  env: Record<string, string>;
  /** Where Deno caches npm: packages (first start downloads them). */
  denoDir: string;
  log: (line: string) => void;
  startTimeoutMs: number;
}

export async function startWorker(name: string, opts: WorkerOptions): Promise<Worker> {
  const port = await freePortOnLoopback();
  const child = spawn(DENO, ['run', '-A', '--no-prompt', path.join(here, 'deno-entry.ts')], {
    cwd: path.dirname(opts.entry),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...opts.env,
      DENO_DIR: opts.denoDir,
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
      NEXURAL_FUNCTION_PORT: String(port),
      NEXURAL_FUNCTION_ENTRY: pathToFileURL(opts.entry).href,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`function ${name} did not start within ${opts.startTimeoutMs} ms`)),
      opts.startTimeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (out !== null && (out + text).includes('NEXURAL_FUNCTION_READY')) {
        clearTimeout(timer);
        resolve();
      }
      out = (out + text).slice(-200);
      for (const line of text.split('\n'))
        if (line && !line.includes('NEXURAL_FUNCTION_READY')) opts.log(`[functions:${name}] ${line}`);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) opts.log(`[functions:${name}] ${line}`);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`function ${name} exited before it served (exit code ${child.exitCode})`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { port, process: child, exited };
}
