// The browser's Realtime client, used only for pushes: the dashboard and trade pages are pushed changes, never
// poll. It is realtime-js alone, authorised with the access token of the session @supabase/ssr keeps in
// cookies, so pages do not load and compile all of supabase-js (auth, REST, storage: four times the code).
// The token is read again on connect and on each heartbeat, so a session the server refreshed is picked up;
// one about to expire is refreshed by the full client, loaded only then.

import { RealtimeClient } from '@supabase/realtime-js';
import { combineChunks, parseCookieHeader } from '@supabase/ssr';

interface CookieSession {
  access_token: string;
  expires_at?: number;
  user?: { id: string };
}

/** UTF-8 text from base64url, natively (the JavaScript decoder @supabase/ssr ships took milliseconds). */
function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

let parsed: { cookies: string; session: Promise<CookieSession | null> } | undefined;

/**
 * The session as @supabase/ssr stores it: cookie `sb-<project ref>-auth-token`, maybe chunked, maybe base64url.
 * Read on connect, on each heartbeat and by each channel: parsed again only when the cookies changed.
 */
function cookieSession(): Promise<CookieSession | null> {
  const header = document.cookie;
  if (parsed?.cookies !== header) parsed = { cookies: header, session: parseSession(header) };
  return parsed.session;
}

async function parseSession(header: string): Promise<CookieSession | null> {
  const key = `sb-${new URL(window.ENV.SUPABASE_URL).hostname.split('.')[0]}-auth-token`;
  const cookies = new Map(parseCookieHeader(header).map((c) => [c.name, c.value ?? '']));
  const raw = await combineChunks(key, (name) => cookies.get(name) ?? null);
  if (!raw) return null;
  try {
    const json = raw.startsWith('base64-') ? fromBase64Url(raw.slice('base64-'.length)) : raw;
    const session = JSON.parse(json) as CookieSession;
    return typeof session?.access_token === 'string' ? session : null;
  } catch {
    return null;
  }
}

/** What supabase-js would send: the user's access token (refreshed when close to expiry), else the anon key. */
async function accessToken(): Promise<string> {
  const session = await cookieSession();
  if (!session) return window.ENV.SUPABASE_ANON_KEY;
  if (!session.expires_at || session.expires_at * 1000 - Date.now() > 60_000) return session.access_token;
  const { browserSupabase } = await import('./supabase-browser.client.ts');
  const { data } = await browserSupabase().auth.getSession();
  return data.session?.access_token ?? window.ENV.SUPABASE_ANON_KEY;
}

let client: RealtimeClient | undefined;

/** The client with Realtime authorised as the signed-in user, so postgres_changes pass their RLS. */
export async function realtimeAsUser(): Promise<{ realtime: RealtimeClient; userId: string | null }> {
  if (!client) {
    const url = new URL('realtime/v1', window.ENV.SUPABASE_URL.replace(/\/?$/, '/'));
    url.protocol = url.protocol.replace('http', 'ws');
    client = new RealtimeClient(url.href, {
      accessToken,
      params: { apikey: window.ENV.SUPABASE_ANON_KEY },
    });
  }
  await client.setAuth();
  const session = await cookieSession();
  return { realtime: client, userId: session?.user?.id ?? null };
}
