// The full browser supabase-js client, sharing the session the server keeps in cookies (@supabase/ssr). Pages
// load it only when the session in the cookie is about to expire, to refresh it (see realtime.client.ts).
import { createBrowserClient } from '@supabase/ssr';
import type { Database } from '../database.types.ts';

type Browser = ReturnType<typeof createBrowserClient<Database>>;
let client: Browser | undefined;

export function browserSupabase(): Browser {
  client ??= createBrowserClient<Database>(window.ENV.SUPABASE_URL, window.ENV.SUPABASE_ANON_KEY);
  return client;
}
