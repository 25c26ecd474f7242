// Accounts and forms in a real browser: protected pages send you to sign-in and back, passwords change, and
// bad input in every form is answered next to the field it is about while nothing is written. Forms also
// work with JavaScript off.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { launchChromium, newTrader, signUp, startWebApp, TEST_PASSWORD, type WebApp } from './fixture.ts';

let stack: TestStack;
let app: WebApp;
let browser: Browser;
let page: Page;
const email = `forms-${randomUUID()}@example.test`;

beforeAll(async () => {
  stack = await startTestStack();
  [app, browser] = await Promise.all([startWebApp(stack), launchChromium()]);
  page = (await newTrader(browser, app, email)).page;
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await stack?.stop();
});

/** The message announced with an input (its aria-describedby error), i.e. shown next to it. */
async function errorNextTo(
  p: Page,
  label: string | RegExp,
  within = p.locator('body'),
): Promise<string | null> {
  const input = within.getByLabel(label, { exact: typeof label === 'string' });
  await input.first().waitFor();
  const ids = (await input.first().getAttribute('aria-describedby')) ?? '';
  const errorId = ids.split(' ').find((id) => id.endsWith('-error'));
  if (!errorId) return null;
  return (await p.locator(`[id="${errorId}"]`).textContent())?.trim() ?? null;
}

/** Rows of `table` belonging to this file's trader. */
const count = async (table: string) =>
  Number(
    (
      await stack.db.sql.unsafe(
        `select count(*)::int as n from public.${table} where user_id = (select id from auth.users where email = $1)`,
        [email],
      )
    )[0]?.n,
  );

describe('signing in', () => {
  it('sends a signed-out visitor of a protected page to sign-in, then back to that page', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(`${app.url}/alerts`);
    expect(new URL(p.url()).pathname).toBe('/sign-in');
    expect(new URL(p.url()).searchParams.get('redirectTo')).toBe('/alerts');
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill('wrong-password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByText('Email or password is wrong.').waitFor();
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${app.url}/alerts`);
    await context.close();
  });

  it('rejects bad sign-up input next to each field and creates no user', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    const users = Number((await stack.db.sql`select count(*)::int as n from auth.users`)[0]?.n);
    await p.goto(`${app.url}/sign-up`);
    await p.getByLabel('Email').fill('not-an-email');
    await p.getByLabel('Password', { exact: true }).fill('short');
    await p.getByLabel('Repeat password').fill('different');
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.locator('.field-error').first().waitFor();
    expect(await errorNextTo(p, 'Email')).toBe('Enter an email address like name@example.com.');
    expect(await errorNextTo(p, 'Password')).toBe('Use at least 8 characters.');
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password', { exact: true }).fill('long-enough-1');
    await p.getByLabel('Repeat password').fill('long-enough-2');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => errorNextTo(p, 'Repeat password')).toBe('The passwords do not match.');
    await p.getByLabel('Password', { exact: true }).fill('long-enough-1');
    await p.getByLabel('Repeat password').fill('long-enough-1');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => errorNextTo(p, 'Email'))
      .toBe('An account with this email already exists. Sign in instead.');
    expect(Number((await stack.db.sql`select count(*)::int as n from auth.users`)[0]?.n)).toBe(users);
    await context.close();
  });

  it('changes the password, signs out, and signs in with the new one', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    const mail = `pw-${randomUUID()}@example.test`;
    await signUp(p, app, mail);
    await p.goto(`${app.url}/settings`);
    await p.getByLabel('New password', { exact: true }).fill('brand-new-pass-1');
    await p.getByLabel('Repeat new password').fill('brand-new-pass-2');
    await p.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => errorNextTo(p, 'Repeat new password')).toBe('The passwords do not match.');
    await p.getByLabel('New password', { exact: true }).fill('brand-new-pass-1');
    await p.getByLabel('Repeat new password').fill('brand-new-pass-1');
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.getByText('Password changed.').waitFor();
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(`${app.url}/sign-in`);
    await p.goto(`${app.url}/dashboard`);
    expect(new URL(p.url()).pathname).toBe('/sign-in');
    await p.getByLabel('Email').fill(mail);
    await p.getByLabel('Password').fill('brand-new-pass-1');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${app.url}/dashboard`);
    await context.close();
  });
});

describe('bad input', () => {
  it('on the order ticket: shape errors and the database refusals sit next to their fields; no order is written', async () => {
    await page.goto(`${app.url}/trade?symbol=AAPL`);
    await page.getByLabel('Quantity').fill('abc');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await expect.poll(() => errorNextTo(page, 'Quantity')).toBe('Quantity must be a number like 10 or 12.5.');

    await page.getByLabel('Order type').selectOption('limit');
    await page.getByLabel('Quantity').fill('1');
    await page.getByLabel('Limit price').fill('189.005');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await expect
      .poll(() => errorNextTo(page, 'Limit price'))
      .toBe('Limit price 189.005 is not a multiple of the tick size 0.01.');

    await page.getByLabel('Order type').selectOption('market');
    await page.getByLabel('Quantity').fill('1000000');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await expect
      .poll(() => page.locator('.form-error').textContent())
      .toMatch(/^Order needs 190020000\.00 but buying power is 100000\.00\.$/);

    await page.getByRole('radio', { name: 'Sell' }).check({ force: true });
    await page.getByLabel('Quantity').fill('5');
    await page.getByRole('button', { name: 'Place sell order' }).click();
    await expect.poll(() => errorNextTo(page, 'Quantity')).toBe('Cannot sell 5 AAPL: only 0 available.');
    expect(await count('orders')).toBe(0);
  });

  it('on portfolios, watchlists, alerts and settings: a message next to the field and nothing written', async () => {
    await page.goto(`${app.url}/portfolios`);
    await page.getByLabel('Name').fill('');
    await page.getByLabel('Starting cash ($)').fill('lots');
    await page.getByRole('button', { name: 'Create portfolio' }).click();
    await expect.poll(() => errorNextTo(page, 'Name')).toBe('Name the portfolio.');
    expect(await errorNextTo(page, 'Starting cash ($)')).toBe(
      'Starting cash must be a number like 10 or 12.5.',
    );
    await page.getByLabel('Direction').selectOption('withdraw');
    await page.getByLabel('Amount ($)').fill('250000');
    await page.getByRole('button', { name: 'Move cash' }).click();
    await expect
      .poll(() => errorNextTo(page, 'Amount ($)'))
      .toBe('Cannot withdraw 250000: buying power is 100000.');
    await page.getByRole('button', { name: 'Reset portfolio' }).click();
    await page.getByText('Tick the box to confirm the reset.').waitFor();
    expect(await count('portfolios')).toBe(1);
    expect(await count('cash_ledger')).toBe(1);

    await page.goto(`${app.url}/watchlists`);
    await page.getByRole('button', { name: 'Create list' }).click();
    await expect.poll(() => errorNextTo(page, 'List name')).toBe('Name the list.');
    await page.getByLabel('List name').fill('Tech');
    await page.getByRole('button', { name: 'Create list' }).click();
    const list = page.getByRole('region', { name: 'Watchlist Tech' });
    await list.waitFor();
    await list.getByLabel('Add symbol').fill('ZZZZ');
    await list.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => errorNextTo(page, 'Add symbol')).toBe('There is no instrument ZZZZ.');
    await page.getByLabel('List name').fill('Tech');
    await page.getByRole('button', { name: 'Create list' }).click();
    await expect.poll(() => errorNextTo(page, 'List name')).toBe('You already have a list with this name.');
    expect(await count('watchlists')).toBe(1);
    expect(await count('watchlist_items')).toBe(0);

    await page.goto(`${app.url}/alerts`);
    await page.getByLabel('Symbol').fill('AAPL');
    await page.getByLabel('Threshold').fill('a lot');
    await page.getByRole('button', { name: 'Create alert' }).click();
    await expect
      .poll(() => errorNextTo(page, 'Threshold'))
      .toBe('The threshold must be a number like 190 or 2.5.');
    await page.getByLabel('Symbol').fill('NOPE');
    await page.getByLabel('Threshold').fill('10');
    await page.getByRole('button', { name: 'Create alert' }).click();
    await expect.poll(() => errorNextTo(page, 'Symbol')).toBe('There is no instrument NOPE.');
    expect(await count('alerts')).toBe(0);

    await page.goto(`${app.url}/settings`);
    await page.getByLabel('Display name').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => errorNextTo(page, 'Display name')).toBe('Enter a display name.');
    const [profile] = await stack.db.sql<{ display_name: string }[]>`
      select display_name from public.profiles p join auth.users u on u.id = p.id where u.email = ${email}`;
    expect(profile?.display_name).toBe(email.split('@')[0]);
  });
});

describe('without JavaScript', () => {
  it('signs in and places a market order with plain form posts', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const p = await context.newPage();
    await p.goto(`${app.url}/sign-in`);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${app.url}/dashboard`);
    await p.goto(`${app.url}/trade?symbol=SPY`);
    await p.getByLabel('Quantity').fill('2');
    await p.getByRole('button', { name: 'Place buy order' }).click();
    await p.getByText('Order filled: buy 2 SPY at 560.01.').waitFor();
    const [position] = await stack.db.sql<
      { qty: string }[]
    >`select qty::text from public.positions where symbol = 'SPY'`;
    expect(position?.qty).toBe('2');
    await context.close();
  });
});
