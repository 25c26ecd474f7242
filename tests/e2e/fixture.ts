// Browser tests on the real stack: the HTTP surface in-process over this file's own database, the production
// build of the web app served by its own server (app/server.ts) pointed at it, and Debian's Chromium driven by playwright-core.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ensureWebBuild, webServerArgs } from '../../app/build.server.ts';
import { freePort } from '../helpers/ports.ts';
import type { TestStack } from '../helpers/stack.ts';
import { moveQuote, type QuoteInput } from '../helpers/trading.ts';

const root = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];
export const ARTIFACTS = path.join(root, 'test-results');

/** Builds the app once for all test files running at the same time (a directory as the lock). */
async function buildOnce(): Promise<string> {
  const lock = path.join(os.tmpdir(), 'nexural-web-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return ensureWebBuild(root, () => {});
  } finally {
    rmdirSync(lock);
  }
}

export interface WebApp {
  url: string;
  stop(): Promise<void>;
}

/** The built app on a free port, talking to `stack` only through its URL and anon key. */
export async function startWebApp(stack: TestStack): Promise<WebApp> {
  const entry = await buildOnce();
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, webServerArgs(root, entry), {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      SUPABASE_URL: stack.apiUrl,
      SUPABASE_ANON_KEY: stack.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web app exited: ${output}`);
    const ok = await fetch(`${url}/sign-in`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`web app did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

export const TEST_PASSWORD = 'correct-horse-42';

/** Signs up through the app's form; the page ends on the dashboard. */
export async function signUp(
  page: Page,
  app: WebApp,
  email: string,
  password = TEST_PASSWORD,
): Promise<void> {
  await page.goto(`${app.url}/sign-up`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${app.url}/dashboard`);
}

export async function newTrader(
  browser: Browser,
  app: WebApp,
  email: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signUp(page, app, email);
  return { context, page };
}

/** Waits until the page's Realtime subscriptions are joined. */
export async function live(page: Page): Promise<void> {
  await page.locator('[data-live="live"]').first().waitFor({ timeout: 15_000 });
}

/**
 * Moves a quote as the market feed does: the quotes row and matching in the database (orders fill, alerts
 * fire), then the broadcast on market:quotes that moves marks in browsers.
 */
export async function marketMoves(stack: TestStack, symbol: string, q: QuoteInput): Promise<void> {
  await moveQuote(stack.db.sql, symbol, q);
  const res = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      apikey: stack.serviceRoleKey,
      authorization: `Bearer ${stack.serviceRoleKey}`,
    },
    body: JSON.stringify({
      messages: [
        {
          topic: 'market:quotes',
          event: 'quote',
          payload: {
            symbol,
            bid: q.bid ?? null,
            ask: q.ask ?? null,
            last: q.last ?? null,
            ts: new Date().toISOString(),
          },
        },
      ],
    }),
  });
  if (!res.ok) throw new Error(`broadcast refused: ${res.status}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
