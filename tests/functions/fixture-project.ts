// A throwaway Supabase project folder whose Edge Functions exercise the runtime, written at test time (Deno
// code stays out of the Node typecheck) together with its functions/.env, which git ignores by design.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FILES: Record<string, string> = {
  'config.toml': `
# Edge Functions used by tests/functions: open is public, the others need a valid JWT (the default).
[functions.open]
verify_jwt = false

[functions.crash]
verify_jwt = true
`,
  'functions/.env': 'GREETING="hello from .env"\n# a comment\nexport OTHER=1\n',
  'functions/echo/index.ts': `
// Echoes the request back so a test can see exactly what the function received and its environment.
Deno.serve(async (req) => {
  const url = new URL(req.url);
  const body = new Uint8Array(await req.arrayBuffer());
  const env = Object.fromEntries(
    ['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_DB_URL', 'GREETING'].map((k) => [
      k,
      Deno.env.get(k) ?? null,
    ]),
  );
  const status = Number(req.headers.get('x-status') ?? 200);
  return new Response(
    JSON.stringify({
      method: req.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(req.headers),
      bodyBase64: btoa(String.fromCharCode(...body)),
      env,
    }),
    { status, headers: { 'content-type': 'application/json', 'x-echo': 'yes', 'set-cookie': 'a=1' } },
  );
});
`,
  'functions/crash/index.ts': `
// Fails on demand: /crash/throw throws in the handler, /crash/exit kills the process mid-request.
Deno.serve((req) => {
  const path = new URL(req.url).pathname;
  if (path.endsWith('/throw')) throw new Error('boom');
  if (path.endsWith('/exit')) Deno.exit(1);
  return Response.json({ pid: Deno.pid });
});
`,
  'functions/open/index.ts': `
// Public (verify_jwt = false): answers without any Authorization header.
Deno.serve(() => Response.json({ open: true }));
`,
};

/** Writes the project and returns its folder (what `supabaseDir` points at). */
export function writeFunctionsProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexural-functions-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
