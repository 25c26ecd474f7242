import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import type { TestStack } from '../helpers/stack.ts';
import { restClient, startRestStack } from './helpers.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startRestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const service = () => restClient(stack, stack.serviceRoleKey);
const anon = () => restClient(stack, stack.anonKey);

describe('insert, update, delete', () => {
  it('inserts and returns the representation with 201', async () => {
    const { data, status, error } = await service()
      .from('rest_channels')
      .insert({ slug: 'inserted', created_by: 1 })
      .select('slug, rest_users!created_by(username)')
      .single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual({ slug: 'inserted', rest_users: { username: 'supabot' } });
  });

  it('bulk inserts with return=minimal: 201 and no body', async () => {
    const { data, status, error } = await service()
      .from('rest_channels')
      .insert([{ slug: 'bulk-a' }, { slug: 'bulk-b' }]);
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toBeNull();
    const { count } = await service()
      .from('rest_channels')
      .select('*', { count: 'exact', head: true })
      .like('slug', 'bulk-*');
    expect(count).toBe(2);
  });

  it('fills keys a row leaves out with the column default under missing=default', async () => {
    const { data, error } = await service()
      .from('rest_users')
      .insert([{ username: 'def-a', status: 'AWAY' }, { username: 'def-b' }], { defaultToNull: false })
      .select('username, status')
      .order('username');
    expect(error).toBeNull();
    expect(data).toEqual([
      { username: 'def-a', status: 'AWAY' },
      { username: 'def-b', status: 'ONLINE' },
    ]);
  });

  it('upserts with merge-duplicates on a unique column', async () => {
    const { data, error } = await service()
      .from('rest_users')
      .upsert({ username: 'kiwi', age: 26 }, { onConflict: 'username' })
      .select('username, age');
    expect(error).toBeNull();
    expect(data).toEqual([{ username: 'kiwi', age: 26 }]);
  });

  it('upserts with ignore-duplicates and leaves the row unchanged', async () => {
    const { data, error } = await service()
      .from('rest_users')
      .upsert({ username: 'dragarcia', age: 99 }, { onConflict: 'username', ignoreDuplicates: true })
      .select('username');
    expect(error).toBeNull();
    expect(data).toEqual([]);
    const { data: row } = await service()
      .from('rest_users')
      .select('age')
      .eq('username', 'dragarcia')
      .single();
    expect(row).toEqual({ age: 40 });
  });

  it('rejects a duplicate key with 409 23505 and changes nothing', async () => {
    const { error, status } = await service().from('rest_channels').insert({ slug: 'public' });
    expect(status).toBe(409);
    expect(error?.code).toBe('23505');
  });

  it('updates filtered rows and returns them', async () => {
    const { data, status } = await service()
      .from('rest_users')
      .update({ status: 'AWAY' })
      .eq('username', 'awailas')
      .select('username, status');
    expect(status).toBe(200);
    expect(data).toEqual([{ username: 'awailas', status: 'AWAY' }]);
  });

  it('deletes with return=minimal: 204', async () => {
    await service().from('rest_channels').insert({ slug: 'doomed' });
    const { status, error } = await service().from('rest_channels').delete().eq('slug', 'doomed');
    expect(error).toBeNull();
    expect(status).toBe(204);
  });

  it('limits a PATCH and a DELETE to the first rows of their order', async () => {
    const slugs = ['lim-a', 'lim-b', 'lim-c', 'lim-d'];
    await service()
      .from('rest_channels')
      .insert(slugs.map((slug) => ({ slug })));
    const patched = await service()
      .from('rest_channels')
      .update({ created_by: 4 })
      .like('slug', 'lim-*')
      .order('slug', { ascending: false })
      .limit(2)
      .select('slug');
    expect(patched.error).toBeNull();
    expect(patched.data?.map((r) => r.slug).sort()).toEqual(['lim-c', 'lim-d']);
    const deleted = await service()
      .from('rest_channels')
      .delete()
      .like('slug', 'lim-*')
      .order('slug')
      .limit(1)
      .select('slug');
    expect(deleted.data).toEqual([{ slug: 'lim-a' }]);
    const left = await service()
      .from('rest_channels')
      .select('slug, created_by')
      .like('slug', 'lim-*')
      .order('slug');
    expect(left.data).toEqual([
      { slug: 'lim-b', created_by: null },
      { slug: 'lim-c', created_by: 4 },
      { slug: 'lim-d', created_by: 4 },
    ]);
  });

  it('refuses a limited DELETE without an order with 400 PGRST109 and deletes nothing', async () => {
    await service().from('rest_channels').insert({ slug: 'unordered' });
    const res = await service().from('rest_channels').delete().eq('slug', 'unordered').limit(1);
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe('PGRST109');
    const { data } = await service().from('rest_channels').select('slug').eq('slug', 'unordered');
    expect(data).toEqual([{ slug: 'unordered' }]);
  });

  it('rolls back with Prefer: tx=rollback yet returns the representation', async () => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rest_channels`, {
      method: 'POST',
      headers: {
        apikey: stack.serviceRoleKey,
        authorization: `Bearer ${stack.serviceRoleKey}`,
        'content-type': 'application/json',
        prefer: 'return=representation, tx=rollback',
      },
      body: JSON.stringify({ slug: 'ghost' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe('return=representation, tx=rollback');
    expect((await res.json())[0].slug).toBe('ghost');
    const { data } = await service().from('rest_channels').select('id').eq('slug', 'ghost');
    expect(data).toEqual([]);
  });
});

describe('headers', () => {
  it('answers return=headers-only with a Location for the new row', async () => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rest_channels`, {
      method: 'POST',
      headers: {
        apikey: stack.serviceRoleKey,
        authorization: `Bearer ${stack.serviceRoleKey}`,
        'content-type': 'application/json',
        prefer: 'return=headers-only',
      },
      body: JSON.stringify({ slug: 'located' }),
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    const [row] = await stack.db.sql`select id from rest_channels where slug = 'located'`;
    expect(res.headers.get('location')).toBe(`/rest_channels?id=eq.${row?.id}`);
    expect(res.headers.get('content-range')).toBe('*/*');
  });

  it('switches schema with Accept-Profile and echoes it in Content-Profile', async () => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rest_users?select=id`, {
      headers: { apikey: stack.anonKey, 'accept-profile': 'graphql_public' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-profile')).toBe('graphql_public');
    expect((await res.json()).code).toBe('PGRST205');
  });
});

describe('rpc', () => {
  it('calls a scalar function with named args by POST', async () => {
    const { data, error } = await anon().rpc('rest_add', { a: 2, b: 40 });
    expect(error).toBeNull();
    expect(data).toBe(42);
  });

  it('calls a stable set-returning function by GET with filters and order', async () => {
    const { data, error } = await anon()
      .rpc('rest_users_older_than', { min_age: 20 }, { get: true })
      .select('username')
      .neq('username', 'kiwi')
      .order('username');
    expect(error).toBeNull();
    expect(data).toEqual([{ username: 'dragarcia' }, { username: 'supabot' }]);
  });

  it('passes a json argument by name and a whole body to a single unnamed json parameter', async () => {
    const { data } = await anon().rpc('rest_echo', { payload: { a: [1, 2] } });
    expect(data).toEqual({ a: [1, 2] });
    const { data: sum } = await anon().rpc('rest_sum_json', { x: '0.1', y: '0.2' });
    expect(sum).toBe(0.3);
  });

  it('returns a single composite as an object from a volatile function', async () => {
    const { data, error } = await service().rpc('rest_rename_user', { user_id: 3, new_name: 'awa' });
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: 3, username: 'awa' });
  });

  it('refuses a volatile function that writes when called by GET (405)', async () => {
    const { error, status } = await service().rpc(
      'rest_rename_user',
      { user_id: 3, new_name: 'nope' },
      { get: true },
    );
    expect(status).toBe(405);
    expect(error?.code).toBe('25006');
  });

  it('runs as the JWT role with request settings', async () => {
    const sub = '4a5d8e3c-3a67-4ef5-9f6e-1bc3f1b1d6a1';
    const token = await signJwt({ sub, role: 'authenticated' }, stack.jwtSecret);
    const client = restClient(stack, stack.anonKey, token);
    const { data } = await client.rpc('rest_whoami');
    expect(data).toMatchObject({ role: 'authenticated', sub, method: 'POST', path: '/rpc/rest_whoami' });
    const { data: anonData } = await anon().rpc('rest_whoami');
    expect(anonData).toMatchObject({ role: 'anon', sub: null });
  });

  it('answers 404 PGRST202 for an unknown function', async () => {
    const { error, status } = await anon().rpc('rest_nope', { x: 1 });
    expect(status).toBe(404);
    expect(error?.code).toBe('PGRST202');
  });

  it('maps raise exception to 400 P0001 with detail and hint', async () => {
    const { error, status } = await anon().rpc('rest_fail');
    expect(status).toBe(400);
    expect(error).toMatchObject({
      code: 'P0001',
      message: 'custom failure',
      details: 'some detail',
      hint: 'some hint',
    });
  });

  it('uses a PTxyz SQLSTATE as the HTTP status', async () => {
    const { status, error } = await anon().rpc('rest_payment_required');
    expect(status).toBe(402);
    expect(error?.message).toBe('pay first');
  });

  it('answers 204 for a void function', async () => {
    const { status, error } = await anon().rpc('rest_touch');
    expect(error).toBeNull();
    expect(status).toBe(204);
  });
});
