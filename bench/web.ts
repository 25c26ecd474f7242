// bench:web — the trader's web app as a browser sees it, on the real stack with seeded data:
// - Lighthouse (npm lighthouse, Debian's Chromium) on the dashboard and the trade page: performance,
//   accessibility and best practices (targets: each >= 95), against the sign-in page as the same-run baseline;
// - JavaScript the dashboard loads, gzipped (target < 200 KB), against the framework's own (sign-in page);
// - HTTP requests an idle dashboard makes after load (target: none; Realtime frames are not requests).
// Run: npm run bench:web (CHROMIUM_PATH overrides /usr/bin/chromium, BENCH_WEB_IDLE_MS the idle window,
// BENCH_WEB_REPORTS=<dir> keeps each Lighthouse report as JSON there).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium, type Page } from 'playwright-core';
import { ensureWebBuild, remixServeCli } from '../app/build.server.ts';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../stack/config.ts';
import { startCluster } from '../stack/postgres/cluster.ts';
import { prepareDatabase } from '../stack/postgres/prepare.ts';
import { startServices } from '../stack/services.ts';
import { freePort } from '../tests/helpers/ports.ts';

const root = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const IDLE_MS = Number(process.env.BENCH_WEB_IDLE_MS ?? 15_000);
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
const REPORTS = process.env.BENCH_WEB_REPORTS;

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited`);
    if (
      await fetch(url).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** JavaScript responses a page load fetched, each gzipped at level 9 as a server would send it. */
async function scriptBytes(page: Page, url: string): Promise<{ raw: number; gzip: number; files: number }> {
  const bodies: Array<Promise<Buffer>> = [];
  const onResponse = (r: import('playwright-core').Response) => {
    if (r.request().resourceType() === 'script') bodies.push(r.body());
  };
  page.on('response', onResponse);
  await page.goto(url, { waitUntil: 'networkidle' });
  page.off('response', onResponse);
  const all = await Promise.all(bodies);
  return {
    raw: all.reduce((s, b) => s + b.length, 0),
    gzip: all.reduce((s, b) => s + gzipSync(b, { level: 9 }).length, 0),
    files: all.length,
  };
}

async function audit(url: string, port: number, desktop = false) {
  const result = await lighthouse(
    url,
    {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      // Keep the signed-in session the bench created in this browser.
      disableStorageReset: true,
    },
    desktop ? desktopConfig : undefined,
  );
  if (!result) throw new Error(`lighthouse returned nothing for ${url}`);
  const lhr = result.lhr;
  if (REPORTS) {
    mkdirSync(REPORTS, { recursive: true });
    const name = `${new URL(url).pathname.slice(1) || 'root'}-${desktop ? 'desktop' : 'mobile'}.json`;
    writeFileSync(path.join(REPORTS, name), JSON.stringify(lhr));
  }
  const scores = Object.fromEntries(
    CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
  );
  const failing = Object.values(lhr.audits)
    .filter(
      (a) =>
        a.score !== null &&
        a.score < 0.9 &&
        a.scoreDisplayMode !== 'informative' &&
        a.scoreDisplayMode !== 'notApplicable',
    )
    .map((a) => a.id);
  return {
    scores: scores as Record<(typeof CATEGORIES)[number], number>,
    failing,
    lcp: lhr.audits['largest-contentful-paint']?.displayValue,
  };
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-web-'));
const cluster = await startCluster({ dataDir, port: await freePort(), ephemeral: true });
const children: ChildProcess[] = [];
let ok = true;
try {
  await prepareDatabase(cluster, {
    migrationsDir: path.join(root, 'supabase', 'migrations'),
    seedPath: path.join(root, 'supabase', 'seed.sql'),
  });
  const services = await startServices({
    dbPort: cluster.port,
    database: 'postgres',
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
  });
  const entry = ensureWebBuild(root);
  const webPort = await freePort();
  const web = spawn(process.execPath, [remixServeCli(root), entry], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(webPort),
      HOST: '127.0.0.1',
      SUPABASE_URL: services.apiUrl,
      SUPABASE_ANON_KEY: LOCAL_ANON_KEY,
    },
    stdio: 'ignore',
  });
  children.push(web);
  const app = `http://127.0.0.1:${webPort}`;
  await waitFor(`${app}/sign-in`, web);

  // One Chromium for both tools: playwright signs in and trades, Lighthouse audits in the same profile.
  const cdpPort = await freePort();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'nexural-bench-chrome-'));
  const chrome = spawn(
    CHROMIUM,
    [...FLAGS, `--remote-debugging-port=${cdpPort}`, `--user-data-dir=${profile}`, 'about:blank'],
    {
      stdio: 'ignore',
    },
  );
  children.push(chrome);
  await waitFor(`http://127.0.0.1:${cdpPort}/json/version`, chrome);
  // The baseline first, before any session exists: the sign-in page is the framework and the CSS, no data.
  const baselineAudit = await audit(`${app}/sign-in`, cdpPort);
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${cdpPort}`);
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = await context.newPage();

  const baseline = await scriptBytes(page, `${app}/sign-in`);
  const email = `bench-${randomUUID()}@example.test`;
  await page.getByLabel('Email').fill(email);
  await page.getByRole('link', { name: 'Create an account' }).click();
  // A client-side navigation keeps the sign-in form (same labels) on screen until the sign-up page renders;
  // filling before then typed into the old form and left the sign-up form empty (the bench's flaky sign-up).
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('bench-password-1');
  await page.getByLabel('Repeat password').fill('bench-password-1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${app}/dashboard`);
  for (const [symbol, qty] of [
    ['AAPL', '10'],
    ['MSFT', '4'],
    ['NVDA', '25'],
  ] as const) {
    await page.goto(`${app}/trade?symbol=${symbol}`);
    await page.getByLabel('Quantity').fill(qty);
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await page.getByText(/Order filled/).waitFor();
  }
  await page.goto(`${app}/trade?symbol=TSLA`);
  await page.getByLabel('Order type').selectOption('limit');
  await page.getByLabel('Quantity').fill('2');
  await page.getByLabel('Limit price').fill('200.00');
  await page.getByRole('button', { name: 'Place buy order' }).click();
  await page.getByText(/Order new/).waitFor();

  const dashboardJs = await scriptBytes(page, `${app}/dashboard`);

  // Idle: after the page is live and caught up, count every HTTP request for the idle window.
  // Going live re-reads the loaders once (the catch-up after subscribing); loading ends when that read has.
  const caughtUp = page.waitForResponse((r) => r.url().includes('_data=routes%2F_app.dashboard'), {
    timeout: 20_000,
  });
  await page.goto(`${app}/dashboard`, { waitUntil: 'networkidle' });
  await page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
  await caughtUp;
  await page.waitForTimeout(500);
  const idle: string[] = [];
  let frames = 0;
  page.on('request', (r) => idle.push(`${r.method()} ${r.url()}`));
  page.on('websocket', (ws) => ws.on('framereceived', () => frames++));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketFrameReceived', () => frames++);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  await page.close();

  const rows: Array<[string, Awaited<ReturnType<typeof audit>>]> = [['sign-in (baseline)', baselineAudit]];
  for (const [name, url] of [
    ['dashboard', `${app}/dashboard`],
    ['trade', `${app}/trade?symbol=AAPL`],
  ] as const) {
    rows.push([name, await audit(url, cdpPort)]);
  }
  const desktopRows: Array<[string, Awaited<ReturnType<typeof audit>>]> = [];
  for (const [name, url] of [
    ['dashboard', `${app}/dashboard`],
    ['trade', `${app}/trade?symbol=AAPL`],
  ] as const) {
    desktopRows.push([name, await audit(url, cdpPort, true)]);
  }
  await browser.close();

  const base = rows[0]?.[1].scores;
  console.log('\nLighthouse (mobile preset, simulated throttling)');
  console.log('page                 performance  accessibility  best-practices   LCP      below 0.9');
  for (const [name, r] of rows) {
    const cell = (c: (typeof CATEGORIES)[number]) =>
      `${r.scores[c]}${base && name !== rows[0]?.[0] ? ` (${(r.scores[c] / Math.max(1, base[c])).toFixed(2)}x)` : ''}`.padEnd(
        15,
      );
    console.log(
      `${name.padEnd(21)}${cell('performance')}${cell('accessibility')}${cell('best-practices')}  ${(r.lcp ?? '').padEnd(8)} ${r.failing.join(', ') || '-'}`,
    );
    if (name !== rows[0]?.[0]) for (const c of CATEGORIES) if (r.scores[c] < 95) ok = false;
  }
  console.log('\nLighthouse (desktop preset)');
  for (const [name, r] of desktopRows) {
    console.log(
      `${name.padEnd(21)}${CATEGORIES.map((c) => String(r.scores[c]).padEnd(15)).join('')}  ${(r.lcp ?? '').padEnd(8)} ${r.failing.join(', ') || '-'}`,
    );
  }
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log('\nJavaScript loaded');
  console.log(
    `sign-in (framework baseline): ${kb(baseline.gzip)} KB gzipped (${kb(baseline.raw)} KB raw, ${baseline.files} files)`,
  );
  console.log(
    `dashboard:                    ${kb(dashboardJs.gzip)} KB gzipped (${kb(dashboardJs.raw)} KB raw, ${dashboardJs.files} files) = ${(dashboardJs.gzip / baseline.gzip).toFixed(2)}x the baseline; target < 200 KB`,
  );
  if (dashboardJs.gzip >= 200 * 1024) ok = false;
  console.log(
    `\nIdle dashboard over ${IDLE_MS / 1000}s after load: ${idle.length} HTTP request(s), ${frames} Realtime frame(s) received`,
  );
  for (const r of idle) console.log(`  ${r}`);
  if (idle.length > 0) ok = false;
  console.log(`\n${ok ? 'all targets met' : 'TARGET MISSED'}`);
  await services.stop();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
