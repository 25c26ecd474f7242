// Runs the real Supabase CLI (npm devDependency `supabase`) against a database URL; no Docker involved.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);

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
  return run(bin('supabase'), args, { cwd });
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
