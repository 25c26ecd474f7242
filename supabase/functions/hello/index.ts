// Sample Edge Function: greets the caller by name. Proves the functions runtime end to end (npm: imports,
// JSON in and out, input validation) and is what `supabase.functions.invoke('hello')` calls.
import { z } from 'npm:zod@4.6.7';

const Body = z.object({ name: z.string().trim().min(1).max(100) });

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

Deno.serve(async (req) => {
  if (req.method !== 'POST') return json(405, { error: 'use POST with {"name": "..."}' });
  const parsed = Body.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return json(400, { error: 'body must be {"name": "<1 to 100 characters>"}' });
  return json(200, { message: `Hello ${parsed.data.name}!` });
});
