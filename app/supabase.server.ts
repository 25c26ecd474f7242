// One supabase-js client per request, its session kept in cookies by @supabase/ssr: loaders and actions read
// the cookies of the request and send back whatever the client refreshed or cleared.

import { redirect } from '@remix-run/server-runtime';
import { createServerClient, parseCookieHeader, serializeCookieHeader } from '@supabase/ssr';
import type { User } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Database } from '../database.types.ts';
import { env } from './env.server.ts';
import { clientAddress } from './request-facts.server.ts';

// The client's own type (supabase-js resolves to one declaration file through @supabase/ssr, another from here).
export type Supabase = ReturnType<typeof createServerClient<Database>>;

export interface RequestClient {
  supabase: Supabase;
  /** Set-Cookie (and no-store) headers the response must carry. */
  headers: Headers;
}

/**
 * Auth limits sign-ins, sign-ups and token refreshes per caller address (by default 30 and 150 per five
 * minutes). Every Auth call of the app comes from this server, so without more its users would all share
 * the server's allowance, and one user hammering the sign-in form would lock everyone out. Supabase Auth's
 * IP address forwarding fixes that: with the service-role key configured, requests to Auth (and only those)
 * carry it as `apikey` and the browser's address in `Sb-Forwarded-For`. The user's own token (or the anon
 * key) stays the Authorization, so the service-role key authorizes nothing; REST and Realtime never see it.
 */
function forwardingFetch(authUrl: string, serviceKey: string, address: string): typeof fetch {
  return (input, init) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!target.startsWith(authUrl)) return fetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('apikey', serviceKey);
    headers.set('sb-forwarded-for', address);
    return fetch(input, { ...init, headers });
  };
}

export function supabaseForRequest(request: Request): RequestClient {
  const headers = new Headers();
  const { SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY } = env();
  const address = clientAddress();
  const supabase = createServerClient<Database>(SUPABASE_URL, SUPABASE_ANON_KEY, {
    ...(SUPABASE_SERVICE_ROLE_KEY && address
      ? {
          global: {
            fetch: forwardingFetch(
              `${SUPABASE_URL.replace(/\/+$/, '')}/auth/v1/`,
              SUPABASE_SERVICE_ROLE_KEY,
              address,
            ),
          },
        }
      : {}),
    cookies: {
      getAll: () =>
        parseCookieHeader(request.headers.get('Cookie') ?? '').map((c) => ({
          name: c.name,
          value: c.value ?? '',
        })),
      setAll(cookies, cacheHeaders) {
        for (const c of cookies)
          headers.append('Set-Cookie', serializeCookieHeader(c.name, c.value, c.options));
        for (const [k, v] of Object.entries(cacheHeaders ?? {})) headers.set(k, v);
      },
    },
    // Node 20 has no global WebSocket; the server never subscribes, but supabase-js builds its client anyway.
    realtime: { transport: WebSocket as never },
  });
  return { supabase, headers };
}

export interface Signed extends RequestClient {
  user: User;
}

/** The signed-in user, or a redirect to sign-in that comes back here afterwards. */
export async function requireUser(request: Request): Promise<Signed> {
  const client = supabaseForRequest(request);
  const { data, error } = await client.supabase.auth.getUser();
  if (error || !data.user) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    throw redirect(`/sign-in?redirectTo=${encodeURIComponent(back)}`, { headers: client.headers });
  }
  return { ...client, user: data.user };
}

/** Where to go after signing in: only paths on this site (no open redirects). */
export function safeRedirect(
  to: FormDataEntryValue | string | null | undefined,
  fallback = '/dashboard',
): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\'))
    return fallback;
  return to;
}
