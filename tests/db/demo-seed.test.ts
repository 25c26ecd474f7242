// The local seed's demo trader: signs in through Auth with supabase-js, owns the simulator's dataset and a
// funded portfolio, and is isolated like any other user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { signUpUser } from '../helpers/users.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

describe('demo seed', () => {
  it('lets demo@nexural.local sign in and see its portfolio and the local feed dataset', async () => {
    const client = stack.anonClient();
    const { data, error } = await client.auth.signInWithPassword({
      email: 'demo@nexural.local',
      password: 'nexural-demo',
    });
    expect(error).toBeNull();
    expect(data.user?.user_metadata.display_name).toBe('Demo Trader');
    const { data: portfolios } = await client.from('portfolios').select('name, starting_cash');
    expect(portfolios).toEqual([{ name: 'Main', starting_cash: 100000 }]);
    const { data: cash } = await client.from('cash_ledger').select('kind, amount');
    expect(cash).toEqual([{ kind: 'initial', amount: 100000 }]);
    const { data: datasets } = await client.from('market_datasets').select('name');
    expect(datasets).toEqual([{ name: 'local-simulator' }]);
  });

  it("shows another user none of the demo trader's data", async () => {
    const other = await signUpUser(stack);
    const { data: portfolios } = await other.client.from('portfolios').select('id');
    expect(portfolios).toEqual([]);
    const { data: datasets } = await other.client.from('market_datasets').select('id');
    expect(datasets).toEqual([]);
  });
});
