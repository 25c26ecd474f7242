// The trader's day in a real browser: sign up, a market order that fills and moves the dashboard live, a
// limit order placed and canceled, an alert that fires live, and a second user who sees none of it.
import { randomUUID } from 'node:crypto';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { restTradingClient } from '../helpers/trading.ts';
import {
  launchChromium,
  live,
  marketMoves,
  newTrader,
  screenshot,
  startWebApp,
  type WebApp,
} from './fixture.ts';

let stack: TestStack;
let app: WebApp;
let browser: Browser;
let dashboard: Page;
let trade: Page;
const email = `trader-${randomUUID()}@example.test`;

beforeAll(async () => {
  stack = await startTestStack();
  [app, browser] = await Promise.all([startWebApp(stack), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await stack?.stop();
});

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent())?.trim();

describe('a trader', () => {
  it('signs up and lands on a dashboard funded with $100,000', async () => {
    const t = await newTrader(browser, app, email);
    dashboard = t.page;
    expect(await text(dashboard, 'equity')).toBe('$100,000.00');
    expect(await text(dashboard, 'cash')).toBe('$100,000.00');
    expect(await text(dashboard, 'buying-power')).toBe('$100,000.00');
    await expect(dashboard.getByText('No positions.')).toBeTruthy();
    trade = await t.context.newPage();
    await trade.setViewportSize({ width: 1280, height: 900 });
  });

  it('buys at market and watches the fill move position and equity on an open dashboard, without a reload', async () => {
    await live(dashboard);
    await dashboard.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await trade.goto(`${app.url}/trade?symbol=AAPL`);
    await live(trade);
    await trade.getByLabel('Quantity').fill('10');
    await trade.getByRole('button', { name: 'Place buy order' }).click();
    await expect.poll(() => trade.getByRole('status').filter({ hasText: 'Order filled' }).count()).toBe(1);

    // The dashboard page received the fill by Realtime: seeded AAPL ask 190.02, so cash drops by 1,900.20.
    const row = dashboard.locator('[data-testid="positions"] tr[data-symbol="AAPL"]');
    await row.waitFor();
    expect((await row.locator('[data-col="qty"]').textContent())?.trim()).toBe('10');
    await expect.poll(() => text(dashboard, 'cash')).toBe('$98,099.80');
    // Marked at the last trade (190.00): equity 98,099.80 + 1,900.00.
    await expect.poll(() => text(dashboard, 'equity')).toBe('$99,999.80');

    // The market moves: the broadcast re-marks the position and equity follows.
    await marketMoves(stack, 'AAPL', { bid: '199.99', ask: '200.01', last: '200.00' });
    await expect.poll(() => row.locator('[data-col="mark"]').textContent()).toBe('200.00');
    await expect.poll(() => text(dashboard, 'equity')).toBe('$100,099.80');
    expect(await dashboard.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    await screenshot(dashboard, 'dashboard');
  });

  it('shows a fill committed before its Realtime subscription existed (subscribe, then catch up)', async () => {
    const late = await trade.context().newPage();
    // Hold the Realtime client's code, so this page cannot subscribe until the fill below has committed.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await late.route(/realtime\.client-[^/]*\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    await late.goto(`${app.url}/dashboard`);
    const [me] = await stack.db.sql<{ user_id: string; id: string }[]>`
      select p.user_id, p.id from public.portfolios p join auth.users u on u.id = p.user_id where u.email = ${email}`;
    const client = await restTradingClient(stack.apiUrl, me?.user_id ?? null);
    const { error } = await client.rpc('place_order', {
      portfolio_id: me?.id,
      symbol: 'MSFT',
      side: 'buy',
      type: 'market',
      qty: '1',
    });
    expect(error).toBeNull();
    const row = late.locator('[data-testid="positions"] tr[data-symbol="MSFT"]');
    expect(await row.count()).toBe(0);
    release();
    await live(late);
    await row.waitFor();
    expect((await row.locator('[data-col="qty"]').textContent())?.trim()).toBe('1');
    await late.close();
  });

  it('places a limit order below the market, sees it rest in the blotter, and cancels it', async () => {
    await trade.goto(`${app.url}/trade?symbol=MSFT`);
    await live(trade);
    await trade.getByLabel('Order type').selectOption('limit');
    await trade.getByLabel('Quantity').fill('5');
    await trade.getByLabel('Limit price').fill('400.00');
    await trade.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => text(trade, 'estimated-cost')).toBe('$2,000.00');
    await trade.getByRole('button', { name: 'Place buy order' }).click();
    const row = trade.locator('[data-testid="blotter"] tbody tr', { hasText: 'MSFT' }).first();
    await expect.poll(() => row.getAttribute('data-status')).toBe('new');
    await screenshot(trade, 'trade');

    // Buying power now holds 2,000 back for it; canceling releases it.
    const [order] = await stack.db.sql<{ id: string; reserved_cash: string }[]>`
      select id, reserved_cash::text from public.orders where symbol = 'MSFT' and status = 'new'`;
    expect(order?.reserved_cash).toBe('2000.00');
    await row.getByRole('button', { name: /Cancel buy MSFT/ }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('canceled');
    const [after] = await stack.db.sql<
      { status: string }[]
    >`select status from public.orders where id = ${order?.id ?? ''}`;
    expect(after?.status).toBe('canceled');
  });

  it('replaces a resting limit order with a new price', async () => {
    await trade.goto(`${app.url}/trade?symbol=NVDA`);
    await trade.getByLabel('Order type').selectOption('limit');
    await trade.getByLabel('Quantity').fill('3');
    await trade.getByLabel('Limit price').fill('120.00');
    await trade.getByRole('button', { name: 'Place buy order' }).click();
    const row = trade
      .locator('[data-testid="blotter"] tbody tr[data-status="new"]', { hasText: 'NVDA' })
      .first();
    await row.waitFor();
    await row.getByText('Replace', { exact: true }).click();
    await row.getByLabel('New limit').fill('121.50');
    await row.getByRole('button', { name: 'Replace order' }).click();
    await expect
      .poll(async () =>
        (
          await stack.db.sql<{ status: string; limit_price: string }[]>`
            select status, limit_price::text from public.orders where symbol = 'NVDA' order by created_at`
        ).map((o) => `${o.status}@${o.limit_price}`),
      )
      .toEqual(['replaced@120.00', 'new@121.50']);
    await expect
      .poll(() =>
        trade.locator('[data-testid="blotter"] tbody tr[data-status="new"]', { hasText: '121.50' }).count(),
      )
      .toBe(1);
  });

  it('creates a price alert and sees it fire live when the price crosses it', async () => {
    const alerts = dashboard;
    await alerts.goto(`${app.url}/alerts`);
    await live(alerts);
    await alerts.getByLabel('Symbol').fill('tsla');
    await alerts.getByLabel('Condition').selectOption('price_above');
    await alerts.getByLabel('Threshold').fill('250');
    await alerts.getByLabel('Note (optional)').fill('breakout');
    await alerts.getByRole('button', { name: 'Create alert' }).click();
    const row = alerts.locator('[data-testid="alerts"] tbody tr', { hasText: 'TSLA' });
    await row.waitFor();
    expect((await row.getByTestId('alert-status').textContent())?.trim()).toBe('active');

    await marketMoves(stack, 'TSLA', { bid: '251.00', ask: '251.10', last: '251.05' });
    await alerts.locator('[data-testid="triggers"] tbody tr', { hasText: 'TSLA' }).waitFor();
    await expect.poll(() => row.getByTestId('alert-status').textContent()).toBe('triggered');
    await expect
      .poll(() => alerts.getByRole('alert').filter({ hasText: 'Alert fired: TSLA at 251.05' }).count())
      .toBe(1);
    await screenshot(alerts, 'alerts');
  });

  it('keeps screenshots of the other main pages', async () => {
    for (const [path, name] of [
      ['/portfolios', 'portfolios'],
      ['/watchlists', 'watchlists'],
      ['/datasets', 'datasets'],
      ['/settings', 'settings'],
    ] as const) {
      await trade.goto(`${app.url}${path}`);
      await trade.locator('h1').first().waitFor();
      await screenshot(trade, name);
    }
  });

  it('shows an order placed in the midnight hour (UTC) as 00:xx and hydrates the page without a mismatch', async () => {
    // Node's Intl wrote 24:30 where Chromium's writes 00:30: the page re-rendered in the browser with an error.
    await stack.db.sql`
      update public.orders o set created_at = '2026-01-05T00:30:15Z'
      from public.portfolios p join auth.users u on u.id = p.user_id
      where o.portfolio_id = p.id and u.email = ${email} and o.symbol = 'AAPL'`;
    const errors: string[] = [];
    const onConsole = (m: ConsoleMessage) => {
      if (m.type() === 'error') errors.push(m.text());
    };
    const onError = (e: Error) => errors.push(e.message);
    trade.on('console', onConsole);
    trade.on('pageerror', onError);
    try {
      await trade.goto(`${app.url}/trade?symbol=AAPL`);
      await live(trade);
      const row = trade.locator('[data-testid="blotter"] tbody tr', { hasText: 'AAPL' }).first();
      expect((await row.locator('td').first().textContent())?.trim()).toBe('Jan 5, 00:30:15');
      expect(errors).toEqual([]);
    } finally {
      trade.off('console', onConsole);
      trade.off('pageerror', onError);
    }
  });
});

describe('a second trader', () => {
  it("sees none of the first trader's portfolio, orders, positions or alerts", async () => {
    const { page, context } = await newTrader(browser, app, `other-${randomUUID()}@example.test`);
    expect(await text(page, 'equity')).toBe('$100,000.00');
    expect(await page.locator('[data-testid="positions"]').count()).toBe(0);
    await page.goto(`${app.url}/trade?symbol=AAPL`);
    expect(await page.getByText('No orders yet.').count()).toBe(1);
    await page.goto(`${app.url}/alerts`);
    expect(await page.getByText('No alerts.').count()).toBe(1);
    expect(await page.getByText('Nothing has fired yet.').count()).toBe(1);
    await page.goto(`${app.url}/portfolios`);
    expect(await page.locator('tbody tr').count()).toBe(1);

    // Posting the first trader's order id to cancel it is refused in words, and the order stays as it was.
    const [theirs] = await stack.db.sql<{ id: string; status: string }[]>`
      select id, status from public.orders where symbol = 'NVDA' and status = 'new'`;
    await page.goto(`${app.url}/trade?symbol=AAPL`);
    const answer = await page.evaluate(async (id) => {
      const body = new URLSearchParams({ intent: 'cancel', order_id: id });
      const res = await fetch('/trade?symbol=AAPL&_data=routes%2F_app.trade', { method: 'POST', body });
      return { status: res.status, body: await res.json() };
    }, theirs?.id ?? '');
    expect(answer.status).toBe(400);
    expect(answer.body.formError).toBe('No such order.');
    const [still] = await stack.db.sql<
      { status: string }[]
    >`select status from public.orders where id = ${theirs?.id ?? ''}`;
    expect(still?.status).toBe('new');
    await context.close();
  });
});
