import { rmSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from '../../stack/config.ts';
import { signJwt } from '../../stack/jwt.ts';
import { type Services, startServices } from '../../stack/services.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { writeFunctionsProject } from './fixture-project.ts';

const repoSupabase = path.resolve(import.meta.dirname, '../../supabase');
let db: TestDatabase;
let project: string;
let fixtures: Services;
let repo: Services;

const start = (supabaseDir: string) =>
  startServices({
    dbPort: db.port,
    database: db.name,
    apiPort: 0,
    jwtSecret: LOCAL_JWT_SECRET,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    supabaseDir,
  });

beforeAll(async () => {
  db = await createTestDatabase();
  project = writeFunctionsProject();
  // Two gateways over one database: the repo's own functions, and the test project's.
  repo = await start(repoSupabase);
  fixtures = await start(project);
});

afterAll(async () => {
  await repo?.stop();
  await fixtures?.stop();
  await db?.drop();
  if (project) rmSync(project, { recursive: true, force: true });
});

const userToken = () => signJwt({ sub: 'u1', role: 'authenticated', aud: 'authenticated' }, LOCAL_JWT_SECRET);
const call = async (pathAndQuery: string, init: RequestInit = {}) =>
  fetch(`${fixtures.apiUrl}/functions/v1/${pathAndQuery}`, init);
type Echo = {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyBase64: string;
  env: Record<string, string | null>;
};

describe('Edge Functions', () => {
  it("invokes the repo's sample function through supabase.functions.invoke()", async () => {
    const supabase = createClient(repo.apiUrl, LOCAL_ANON_KEY, {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    });
    const { data, error } = await supabase.functions.invoke('hello', { body: { name: 'Ada' } });
    expect(error).toBeNull();
    expect(data).toEqual({ message: 'Hello Ada!' });
  }, 120_000);

  it('returns the sample function’s own 400 to invoke() as a FunctionsHttpError', async () => {
    const supabase = createClient(repo.apiUrl, LOCAL_ANON_KEY, {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    });
    const { data, error } = await supabase.functions.invoke('hello', { body: { name: '' } });
    expect(data).toBeNull();
    expect(error?.name).toBe('FunctionsHttpError');
    expect((error as { context: Response }).context.status).toBe(400);
  });

  it("runs with Supabase's environment plus supabase/functions/.env", async () => {
    const res = await call('echo', { headers: { authorization: `Bearer ${LOCAL_ANON_KEY}` } });
    const echo = (await res.json()) as Echo;
    expect(echo.env).toEqual({
      SUPABASE_URL: fixtures.apiUrl,
      SUPABASE_ANON_KEY: LOCAL_ANON_KEY,
      SUPABASE_SERVICE_ROLE_KEY: LOCAL_SERVICE_ROLE_KEY,
      SUPABASE_DB_URL: db.url,
      GREETING: 'hello from .env',
    });
  }, 60_000);

  it('passes method, path, query, headers, body and status through unchanged', async () => {
    const body = Buffer.from([0, 1, 2, 250, 255]);
    const res = await call('echo/orders/42?expand=fills', {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await userToken()}`,
        'content-type': 'application/octet-stream',
        'x-custom': 'kept',
        'x-status': '418',
      },
      body,
    });
    expect(res.status).toBe(418);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('a=1');
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ method: 'PUT', path: '/echo/orders/42', query: '?expand=fills' });
    expect(echo.headers['x-custom']).toBe('kept');
    expect(Buffer.from(echo.bodyBase64, 'base64')).toEqual(body);
  });

  it('refuses a missing or forged JWT when verify_jwt is on (the default) and never runs the function', async () => {
    const missing = await call('echo');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ msg: 'Error: Missing authorization header' });
    const forged = await signJwt({ role: 'service_role' }, 'a-different-secret-that-is-32-chars-long!');
    const bad = await call('echo', { headers: { authorization: `Bearer ${forged}` } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ msg: 'Invalid JWT' });
  });

  it('serves a verify_jwt = false function without any Authorization', async () => {
    const res = await call('open');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ open: true });
  }, 60_000);

  it('answers a CORS preflight without calling the function', async () => {
    const res = await call('echo', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, x-client-info, apikey, content-type',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'authorization, x-client-info, apikey, content-type',
    );
  });

  it('answers 500 when the function throws, and keeps serving', async () => {
    const auth = { authorization: `Bearer ${LOCAL_ANON_KEY}` };
    const thrown = await call('crash/throw', { headers: auth });
    expect(thrown.status).toBe(500);
    expect((await call('crash', { headers: auth })).status).toBe(200);
  }, 60_000);

  it('answers 500 when the function process dies mid-request, then starts a fresh one', async () => {
    const auth = { authorization: `Bearer ${LOCAL_ANON_KEY}` };
    const before = (await (await call('crash', { headers: auth })).json()) as { pid: number };
    const died = await call('crash/exit', { headers: auth });
    expect(died.status).toBe(500);
    const after = await call('crash', { headers: auth });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { pid: number }).pid).not.toBe(before.pid);
  }, 60_000);

  it('answers 404 for a function that does not exist', async () => {
    const res = await call('nope', { headers: { authorization: `Bearer ${LOCAL_ANON_KEY}` } });
    expect(res.status).toBe(404);
    const traversal = await call('..%2Fconfig.toml', {
      headers: { authorization: `Bearer ${LOCAL_ANON_KEY}` },
    });
    expect(traversal.status).toBe(404);
  });
});
