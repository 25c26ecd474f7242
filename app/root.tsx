import type { MetaFunction } from '@remix-run/react';
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
} from '@remix-run/react';
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { env } from './env.server.ts';
import styles from './styles/app.css';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: 'data:,' },
];

export const meta: MetaFunction = () => [
  { title: 'Nexural' },
  { name: 'description', content: 'Paper trading with live portfolio, orders and market data.' },
];

/** Only public settings reach the browser: the project URL and the anon key, for Realtime. */
export async function loader(_: LoaderFunctionArgs) {
  const { SUPABASE_URL, SUPABASE_ANON_KEY } = env();
  return { publicEnv: { SUPABASE_URL, SUPABASE_ANON_KEY } };
}

/** The public settings never change while the page is open: a revalidation (e.g. Realtime's catch-up) skips them. */
export const shouldRevalidate = () => false;

// React 18's types do not know the `blocking` attribute yet (Chrome >= 124 honours it; others ignore it).
const renderBlocking = { blocking: 'render' } as Record<string, string>;

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <script
          // biome-ignore lint/security/noDangerouslySetInnerHtml: a constant; marks the page as scripted before first paint, so CSS can hide what only the no-JavaScript form needs (no shift on hydration)
          dangerouslySetInnerHTML={{ __html: "document.documentElement.classList.add('js')" }}
        />
        {/* Paint once the page's content is parsed (the settings script follows it), not a part of it first:
            a partial paint cost a second layout of the whole page and shifted the tables as their rows came. */}
        <link rel="expect" href="#public-env" {...renderBlocking} />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  const { publicEnv } = useLoaderData<typeof loader>();
  return (
    <>
      <Outlet />
      <script
        id="public-env"
        // biome-ignore lint/security/noDangerouslySetInnerHtml: public settings serialised as JSON, "<" escaped
        dangerouslySetInnerHTML={{
          __html: `window.ENV=${JSON.stringify(publicEnv).replace(/</g, '\\u003c')}`,
        }}
      />
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = isRouteErrorResponse(error)
    ? status === 404
      ? 'There is no page at this address.'
      : String(error.data ?? error.statusText)
    : 'Something went wrong on our side. Try again in a moment.';
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>{status === 404 ? 'Not found' : 'Error'}</h1>
        <p>{message}</p>
        <p>
          <a href="/dashboard">Back to the dashboard</a>
        </p>
      </div>
    </main>
  );
}
