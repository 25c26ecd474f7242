// The browser's supabase-js client, sharing the session the server keeps in cookies (@supabase/ssr), used
// only for Realtime: the dashboard and trade pages are pushed changes, never poll.
import { createBrowserClient } from '@supabase/ssr';
import type { Database } from '../database.types.ts';

type Browser = ReturnType<typeof createBrowserClient<Database>>;
let client: Browser | undefined;

export function browserSupabase(): Browser {
  client ??= createBrowserClient<Database>(window.ENV.SUPABASE_URL, window.ENV.SUPABASE_ANON_KEY);
  return client;
}

/** The client with Realtime authorised as the signed-in user, so postgres_changes pass their RLS. */
export async function realtimeAsUser(): Promise<{
  supabase: Browser;
  userId: string | null;
}> {
  const supabase = browserSupabase();
  const { data } = await supabase.auth.getSession();
  if (data.session) await supabase.realtime.setAuth(data.session.access_token);
  return { supabase, userId: data.session?.user.id ?? null };
}
