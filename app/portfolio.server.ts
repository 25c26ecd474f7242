// Which portfolio the trader is looking at: remembered in a cookie, checked against the portfolios RLS lets
// them read (an id from anywhere else falls back to their first portfolio).
import { parseCookieHeader, serializeCookieHeader } from '@supabase/ssr';
import type { Supabase } from './supabase.server.ts';

const COOKIE = 'nx_portfolio';

/** Set-Cookie value selecting a portfolio (not secret: any id is checked against what RLS shows). */
export const selectPortfolioCookie = (id: string): string =>
  serializeCookieHeader(COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 60 * 60 * 24 * 365,
  });

const selectedPortfolio = (request: Request): string | undefined =>
  parseCookieHeader(request.headers.get('Cookie') ?? '').find((c) => c.name === COOKIE)?.value;

export interface PortfolioSummary {
  id: string;
  name: string;
  starting_cash: number;
  reset_at: string;
}

export async function portfolios(supabase: Supabase): Promise<PortfolioSummary[]> {
  const { data, error } = await supabase
    .from('portfolios')
    .select('id, name, starting_cash, reset_at')
    .order('created_at');
  if (error) throw new Response(error.message, { status: 502 });
  return data as PortfolioSummary[];
}

export async function currentPortfolio(
  request: Request,
  supabase: Supabase,
): Promise<{ all: PortfolioSummary[]; current: PortfolioSummary | null }> {
  const all = await portfolios(supabase);
  const chosen = selectedPortfolio(request);
  return { all, current: all.find((p) => p.id === chosen) ?? all[0] ?? null };
}
