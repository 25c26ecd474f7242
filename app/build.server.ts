// Builds the web app (remix build, classic compiler) when its output is older than its sources, so
// `npm start` and the browser tests serve a production build without rebuilding every time.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function newestMtime(p: string): number {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** The server build's entry, built first if any source (app/, remix.config.js, the lockfile) is newer. */
export function ensureWebBuild(root: string, log: (line: string) => void = console.log): string {
  const entry = path.join(root, 'build', 'index.js');
  const built = statSync(path.join(root, 'build', 'version.txt'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newestMtime(path.join(root, 'app')),
    newestMtime(path.join(root, 'remix.config.js')),
    newestMtime(path.join(root, 'database.types.ts')),
    newestMtime(path.join(root, 'package-lock.json')),
  );
  if (built < sources) {
    log('building the web app (remix build)…');
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules', '@remix-run', 'dev', 'dist', 'cli.js'), 'build'],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    addCompileHints(root);
  }
  return entry;
}

// V8 compiles a function when it is first called unless told otherwise, on the main thread: for React DOM
// (one 130 KB CommonJS wrapper, called as the page's modules evaluate, then most of its functions during
// hydration) and for the Realtime client (called as it connects) that was the largest share of the main
// thread's work after first paint (module evaluation went from 30-55 to ~5 ms of CPU in Lighthouse's traces).
// Chrome >= 136 compiles every function of a file that starts with this comment eagerly, off the main thread
// when the file streams in; other browsers ignore it. Nothing else changes in the files (no source maps).
const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n';
const CALLED_ON_LOAD = ['node_modules/react-dom/', 'node_modules/@supabase/realtime-js/'];

/** Marks the browser chunks holding code that runs in full when it loads (see above); returns their paths. */
export function addCompileHints(root: string): string[] {
  const metafile = JSON.parse(readFileSync(path.join(root, 'build', 'metafile.js.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const marked: string[] = [];
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    if (!Object.keys(output.inputs).some((i) => CALLED_ON_LOAD.some((p) => i.includes(p)))) continue;
    const full = path.join(root, file);
    const code = readFileSync(full, 'utf8');
    if (!code.startsWith(COMPILE_HINT)) writeFileSync(full, COMPILE_HINT + code);
    marked.push(file);
  }
  return marked;
}

/**
 * Node's arguments to run the built app with its own server (app/server.ts, remix-serve's behaviour plus the
 * browser's address): `node ...webServerArgs(root, entry)` (PORT, HOST from the environment).
 */
export const webServerArgs = (root: string, entry: string): string[] => [
  '--import',
  'tsx',
  path.join(root, 'app', 'server.ts'),
  entry,
];
