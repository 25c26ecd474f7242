// What every signed-in page starts from: the user, their portfolios and the one selected.
import { currentPortfolio, type PortfolioSummary } from './portfolio.server.ts';
import { requireUser, type Signed } from './supabase.server.ts';

export interface Trader extends Signed {
  portfolios: PortfolioSummary[];
  portfolio: PortfolioSummary | null;
}

export async function requireTrader(request: Request): Promise<Trader> {
  const signed = await requireUser(request);
  const { all, current } = await currentPortfolio(request, signed.supabase);
  return { ...signed, portfolios: all, portfolio: current };
}
