// The signed-in shell: navigation, the portfolio switcher and sign-out around every trading page.

import type { ShouldRevalidateFunctionArgs } from '@remix-run/react';
import { Form, NavLink, Outlet, useLoaderData, useLocation } from '@remix-run/react';
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { requireTrader } from '../trader.server.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, portfolios, portfolio, headers } = await requireTrader(request);
  return json(
    {
      email: user.email ?? '',
      portfolios: portfolios.map((p) => ({ id: p.id, name: p.name })),
      portfolioId: portfolio?.id ?? null,
    },
    { headers },
  );
}

/**
 * The shell's data (email, portfolio list) changes only through form submissions and navigations; a page's
 * own revalidation (Realtime's catch-up after subscribing) re-reads only that page.
 */
export function shouldRevalidate({
  formMethod,
  currentUrl,
  nextUrl,
  defaultShouldRevalidate,
}: ShouldRevalidateFunctionArgs) {
  if (!formMethod && currentUrl.href === nextUrl.href) return false;
  return defaultShouldRevalidate;
}

const nav: Array<[string, string]> = [
  ['/dashboard', 'Dashboard'],
  ['/trade', 'Trade'],
  ['/portfolios', 'Portfolios'],
  ['/watchlists', 'Watchlists'],
  ['/alerts', 'Alerts'],
  ['/datasets', 'Datasets'],
  ['/settings', 'Settings'],
];

export default function AppShell() {
  const { email, portfolios, portfolioId } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Nexural</span>
        <nav aria-label="Main">
          <ul>
            {nav.map(([to, text]) => (
              <li key={to}>
                <NavLink to={to} prefetch="none">
                  {text}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          {portfolios.length > 0 ? (
            <Form method="post" action="/portfolios" className="switcher">
              <input type="hidden" name="intent" value="switch" />
              <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
              <label htmlFor="portfolio-switch" className="sr-only">
                Portfolio
              </label>
              <select
                id="portfolio-switch"
                name="portfolio_id"
                defaultValue={portfolioId ?? undefined}
                key={portfolioId}
                onChange={(e) => e.currentTarget.form?.requestSubmit()}
              >
                {portfolios.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
              <noscript>
                <button type="submit">Switch</button>
              </noscript>
            </Form>
          ) : null}
          <span className="muted email" title={email}>
            {email}
          </span>
          <Form method="post" action="/sign-out">
            <button type="submit" className="link">
              Sign out
            </button>
          </Form>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
