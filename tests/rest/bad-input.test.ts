import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { withClusterAdmin } from '../helpers/db.ts';
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
const service = () => restClient(stack, stack.serviceRoleKey);
const raw = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.apiUrl}/rest/v1/${path}`, {
    ...init,
    headers: { apikey: stack.anonKey, ...(init.headers as Record<string, string>) },
  });
const channelCount = async () => (await stack.db.sql`select count(*)::int as n from rest_channels`)[0]?.n;

describe('bad input', () => {
  it('answers 404 PGRST205 for an unknown table', async () => {
    const { error, status } = await anon().from('nope').select();
    expect(status).toBe(404);
    expect(error?.code).toBe('PGRST205');
  });

  it('answers 400 42703 for an unknown column', async () => {
    const { error, status } = await anon().from('rest_users').select('nope');
    expect(status).toBe(400);
    expect(error?.code).toBe('42703');
  });

  it('answers 400 PGRST100 for a malformed filter', async () => {
    const res = await raw('rest_users?id=bogus.1');
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('PGRST100');
  });

  it('answers 400 PGRST100 for a malformed select', async () => {
    const res = await raw('rest_users?select=id,rest_channels(slug');
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('PGRST100');
  });

  it('answers 400 22P02 for a value of the wrong type', async () => {
    const { error, status } = await anon().from('rest_users').select().eq('id', 'abc');
    expect(status).toBe(400);
    expect(error?.code).toBe('22P02');
  });

  it('rejects bad JSON with 400 PGRST102 and changes nothing', async () => {
    const before = await channelCount();
    const res = await raw('rest_channels', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.serviceRoleKey}`, 'content-type': 'application/json' },
      body: '{"slug": ',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('PGRST102');
    expect(await channelCount()).toBe(before);
  });

  it('rejects an insert of an unknown column with 400 PGRST204 and changes nothing', async () => {
    const before = await channelCount();
    const { error, status } = await service().from('rest_channels').insert({ slug: 'x', nope: 1 });
    expect(status).toBe(400);
    expect(error?.code).toBe('PGRST204');
    expect(await channelCount()).toBe(before);
  });

  it('rejects an oversized body with 413 and changes nothing', async () => {
    const before = await channelCount();
    const res = await raw('rest_channels', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'x'.repeat(11 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await channelCount()).toBe(before);
  });

  it('answers 406 PGRST106 for a schema that is not exposed', async () => {
    const { error, status } = await anon().schema('auth').from('users').select();
    expect(status).toBe(406);
    expect(error?.code).toBe('PGRST106');
  });
});

describe('JWT', () => {
  it('refuses a forged token with 401 PGRST301', async () => {
    const forged = await signJwt({ role: 'service_role' }, 'not-the-secret-not-the-secret-not-the-secret');
    const res = await raw('rest_users', { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('PGRST301');
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses an expired token with 401 PGRST303', async () => {
    const expired = await signJwt(
      { role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 10 },
      stack.jwtSecret,
    );
    const res = await raw('rest_users', { headers: { authorization: `Bearer ${expired}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' });
  });

  it('refuses a role claim that does not exist with 401', async () => {
    const token = await signJwt({ role: 'no_such_role' }, stack.jwtSecret);
    const res = await raw('rest_users', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).message).toMatch(/no_such_role/);
  });

  it('answers 401 42501 to anon on a table it has no grant for', async () => {
    const { error, status } = await anon().from('rest_private_notes').select();
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });

  it('answers 403 42501 when RLS refuses an authenticated insert', async () => {
    const token = await signJwt(
      { role: 'authenticated', sub: '11111111-1111-4111-8111-111111111111' },
      stack.jwtSecret,
    );
    const { error, status } = await restClient(stack, stack.anonKey, token)
      .from('rest_private_notes')
      .insert({ body: 'x', owner: '22222222-2222-4222-8222-222222222222' });
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('applies RLS with the claims of the token', async () => {
    const sub = '33333333-3333-4333-8333-333333333333';
    const client = restClient(
      stack,
      stack.anonKey,
      await signJwt({ role: 'authenticated', sub }, stack.jwtSecret),
    );
    expect((await client.from('rest_private_notes').insert({ body: 'mine' })).status).toBe(201);
    await stack.db.sql`insert into rest_private_notes (owner, body) values (gen_random_uuid(), 'theirs')`;
    const { data } = await client.from('rest_private_notes').select('body');
    expect(data).toEqual([{ body: 'mine' }]);
  });
});

describe('database connection', () => {
  it('answers 503 PGRST001 while Postgres refuses its connections, and serves again once it accepts them', async () => {
    const { sql, name } = stack.db;
    const database = `"${name.replaceAll('"', '""')}"`;
    await sql.unsafe(`revoke connect on database ${database} from public, authenticator`);
    try {
      // Drop the REST service's connections: it must open new ones, which Postgres now refuses.
      await withClusterAdmin(
        (admin) => admin`select pg_terminate_backend(pid) from pg_stat_activity
                         where datname = ${name} and application_name = 'nexural-rest'`,
      );
      const res = await raw('rest_users?select=id&limit=1');
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.code).toBe('PGRST001');
      expect(body.details).toMatch(/permission denied for database|connection to Postgres/);
    } finally {
      await sql.unsafe(`grant connect on database ${database} to public`);
    }
    const again = await raw('rest_users?select=id&limit=1');
    expect(again.status).toBe(200);
    expect(await again.json()).toHaveLength(1);
  });
});
