import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../helpers/stack.ts';
import { restClient, startRestStack } from './helpers.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startRestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const anon = () => restClient(stack, stack.anonKey);

describe('select', () => {
  it('returns rows with renames and casts, numerics exact', async () => {
    const { data, error, status } = await anon()
      .from('rest_users')
      .select('name:username, balance, age::text')
      .eq('id', 1);
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([{ name: 'supabot', balance: 12345678901.123457, age: '30' }]);
  });

  it('keeps numeric digits exactly in the raw body', async () => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rest_users?select=balance&id=eq.1`, {
      headers: { apikey: stack.anonKey },
    });
    expect(await res.text()).toBe('[{"balance":12345678901.12345678}]');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-range')).toBe('0-0/*');
  });

  it('selects JSON paths with -> and ->>', async () => {
    const { data } = await anon()
      .from('rest_users')
      .select('id, lang:profile->>lang, score:profile->score->n')
      .eq('id', 1);
    expect(data).toEqual([{ id: 1, lang: 'en', score: 1 }]);
  });

  it('embeds many-to-one, one-to-many and many-to-many', async () => {
    const { data, error } = await anon()
      .from('rest_channels')
      .select(
        'slug, creator:rest_users!created_by(username), rest_messages(message), members:rest_users!rest_members(username)',
      )
      .eq('id', 1)
      .order('id', { referencedTable: 'rest_messages' });
    expect(error).toBeNull();
    expect(data).toEqual([
      {
        slug: 'public',
        creator: { username: 'supabot' },
        rest_messages: [{ message: 'Hello World 👋' }, { message: 'Another message' }],
        members: [{ username: 'supabot' }, { username: 'kiwi' }],
      },
    ]);
  });
});
