// Ingestion telemetry is the dataset owner's: they read their datasets, per-minute telemetry and gaps under
// RLS; other users and anon read none of it, nobody but the ingester writes it, and system datasets (no
// owner, e.g. the local simulator's) are visible to operators only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDataset } from '../../workers/market-feed/ingester.ts';
import type { Simulator } from '../../workers/simulator/server.ts';
import { asRole, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createUser } from '../helpers/trading.ts';
import { ingester, simulator, subscribed, type TestIngester, waitFor } from './fixture.ts';

let db: TestDatabase;
let sim: Simulator;
let owned: TestIngester;
let owner: string;
let other: string;
let systemDataset: string;

const claims = (sub: string) => ({ sub, aud: 'authenticated' });
const count = (rows: unknown[]) => rows.length;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await createUser(db.sql);
  other = await createUser(db.sql);
  sim = await simulator();
  owned = await ingester(db, sim, 'owned-feed', {});
  await db.sql`update public.market_datasets set user_id = ${owner} where id = ${owned.ingester.datasetId}`;
  await subscribed(sim);
  const trades = sim.generate(200);
  const last = Math.max(...trades.flatMap((m) => (m.T === 't' ? [m.i] : [])));
  await waitFor('the trades', () => owned.ingester.acknowledgedId === last);
  await waitFor(
    'telemetry',
    async () => (await db.sql`select 1 from public.market_ingestion_minutes`).length > 0,
  );
  await db.sql`
    insert into public.market_ingestion_gaps (dataset_id, first_missing_id, last_missing_id)
    values (${owned.ingester.datasetId}, 1000000, 1000009)`;
  systemDataset = await registerDataset(db.sql, { name: 'system-feed', feedUrl: 'ws://127.0.0.1:1/v2/sim' });
  await db.sql`insert into public.market_ingestion_minutes (dataset_id, minute, messages)
    values (${systemDataset}, date_trunc('minute', now()), 5)`;
});
afterAll(async () => {
  await owned.ingester.stop();
  await sim.close();
  await db.drop();
});

describe('ingestion telemetry access', () => {
  it("lets the owner read their dataset's telemetry and gaps", async () => {
    const seen = await asRole(db.sql, 'authenticated', claims(owner), async (tx) => ({
      datasets: await tx`select id from public.market_datasets`,
      minutes: await tx`select trades from public.market_ingestion_minutes`,
      gaps: await tx`select first_missing_id from public.market_ingestion_gaps`,
    }));
    expect(seen.datasets).toEqual([{ id: owned.ingester.datasetId }]);
    expect(count(seen.minutes)).toBeGreaterThan(0);
    expect(seen.minutes.every((m) => m.trades !== undefined)).toBe(true);
    expect(count(seen.gaps)).toBe(1);
  });

  it("shows another user none of the owner's datasets, telemetry or gaps, nor system datasets", async () => {
    const seen = await asRole(db.sql, 'authenticated', claims(other), async (tx) => ({
      datasets: await tx`select id from public.market_datasets`,
      minutes: await tx`select 1 from public.market_ingestion_minutes`,
      gaps: await tx`select 1 from public.market_ingestion_gaps`,
    }));
    expect(seen).toEqual({ datasets: [], minutes: [], gaps: [] });
  });

  it('refuses anon any telemetry', async () => {
    await expect(
      asRole(db.sql, 'anon', {}, (tx) => tx`select 1 from public.market_ingestion_minutes`),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses the owner writing telemetry or trades and changes nothing', async () => {
    const before = await db.sql`select sum(messages)::text as m from public.market_ingestion_minutes`;
    await expect(
      asRole(
        db.sql,
        'authenticated',
        claims(owner),
        (tx) => tx`update public.market_ingestion_minutes set messages = 0`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      asRole(
        db.sql,
        'authenticated',
        claims(owner),
        (tx) => tx`insert into public.market_trades (dataset_id, trade_id, symbol, price, size, trade_ts)
          values (${owned.ingester.datasetId}, 1, 'AAPL', 1, 1, now())`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
    expect(await db.sql`select sum(messages)::text as m from public.market_ingestion_minutes`).toEqual(
      before,
    );
  });

  it('lets every signed-in user read shared trades and bars', async () => {
    const seen = await asRole(db.sql, 'authenticated', claims(other), async (tx) => ({
      trades: await tx`select 1 from public.market_trades limit 1`,
      bars: await tx`select 1 from public.market_bars_1m limit 1`,
    }));
    expect(seen).toEqual({ trades: [{ '?column?': 1 }], bars: [{ '?column?': 1 }] });
  });
});
