// Starts the stack over a fresh database with the REST fixture schema applied and the schema cache reloaded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/rest/chat.sql');

export async function startRestStack(): Promise<TestStack> {
  const stack = await startTestStack();
  await stack.db.sql.unsafe(readFileSync(fixture, 'utf8'));
  await stack.db.sql`notify pgrst, 'reload schema'`;
  // The reload is asynchronous: wait until the fixture's tables answer.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rest_users?select=id&limit=1`, {
      headers: { apikey: stack.anonKey },
    });
    if (res.status === 200) return stack;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('REST schema cache never saw the fixture');
}

/** supabase-js as an app would make it, with `key` as apikey and an optional user JWT as its bearer token. */
export function restClient(stack: TestStack, key: string, accessToken?: string): SupabaseClient {
  return createClient(stack.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket; realtime-js needs one even when unused.
    realtime: { transport: WebSocket as never },
    global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
  });
}
