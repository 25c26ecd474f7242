// Builds the web app (remix build, classic compiler) when its output is older than its sources, so
// `npm start` and the browser tests serve a production build without rebuilding every time.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
  }
  return entry;
}

/** The remix-serve CLI, to run with node: `node <cli> build/index.js` (PORT, HOST from the environment). */
export const remixServeCli = (root: string): string =>
  path.join(root, 'node_modules', '@remix-run', 'serve', 'dist', 'cli.js');
