// Runs the real Supabase CLI (v3, which generates types and pushes migrations without Docker) against a
// database URL. The CLI binary comes from its platform package, an optional dependency: the `supabase` wrapper
// package would pull in every platform's binary, and the npm registry this project installs from does not
// carry them all for v3. Elsewhere, point SUPABASE_CLI at any v3 binary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);

export function supabaseBinary(): string {
  if (process.env.SUPABASE_CLI) return process.env.SUPABASE_CLI;
  const platformBinary = path.join(
    projectRoot,
    'node_modules',
    '@supabase',
    'cli-linux-x64',
    'bin',
    'supabase',
  );
  if (existsSync(platformBinary)) return platformBinary;
  throw new Error(
    'No Supabase CLI found: `npm ci` installs it on linux-x64; elsewhere set SUPABASE_CLI to a supabase v3 binary.',
  );
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd ?? projectRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `supabase <args>` in `cwd` (a folder holding `supabase/`). */
export function supabase(args: string[], cwd = projectRoot): Promise<RunResult> {
  return run(supabaseBinary(), args, { cwd });
}

/** The TypeScript types `supabase gen types typescript --db-url` produces, formatted as the repo's code is. */
export async function generateTypes(dbUrl: string): Promise<string> {
  // sslmode=disable: the local cluster has no TLS, and the CLI would print its warning into the types.
  const url = `${dbUrl}${dbUrl.includes('?') ? '&' : '?'}sslmode=disable`;
  const { stdout } = await supabase(['gen', 'types', 'typescript', '--db-url', url]);
  const formatted = await run(bin('biome'), ['format', '--stdin-file-path=database.types.ts'], {
    input: stdout,
  });
  return formatted.stdout;
}
