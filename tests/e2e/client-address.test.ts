// The web app signs users in from its own server, so Auth would count every user's sign-ins against the
// server's address. The app's server forwards each browser's address (Sb-Forwarded-For with the service-role
// key, Auth calls only): one user exhausting the sign-in allowance does not lock out the others, and the
// session records the browser's address. Browsers at other addresses are plain form posts from other
// loopback source addresses (the whole 127/8 is local on Linux).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { startWebApp, TEST_PASSWORD, type WebApp } from './fixture.ts';

let stack: TestStack;
let app: WebApp;
const email = 'forwarded@example.test';

beforeAll(async () => {
  stack = await startTestStack({ auth: { rateLimits: { signInSignUps: 3 } } });
  app = await startWebApp(stack);
  const { error } = await stack
    .serviceClient()
    .auth.admin.createUser({ email, password: TEST_PASSWORD, email_confirm: true });
  if (error) throw error;
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await stack?.stop();
});

/** Submits the sign-in form without JavaScript, from `from`; the status and the page or redirect. */
function signInFrom(
  from: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string | undefined; body: string }> {
  const form = new URLSearchParams({ email, password: TEST_PASSWORD, redirectTo: '/dashboard' }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${app.url}/sign-in`,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

describe('the web app forwards each browser’s address to Auth', () => {
  it('gives each browser its own sign-in allowance and records its address on the session', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await signInFrom('127.0.0.31');
      expect(ok.status).toBe(302);
      expect(ok.location).toBe('/dashboard');
    }
    const refused = await signInFrom('127.0.0.31');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Too many attempts. Wait a minute and try again.');
    // The key that lets the server forward addresses stays on the server.
    expect(refused.body).not.toContain(stack.serviceRoleKey);
    // A forwarding header the browser writes itself changes nothing: the app sets the address.
    const spoofed = await signInFrom('127.0.0.31', {
      'sb-forwarded-for': '198.51.100.77',
      'x-forwarded-for': '198.51.100.78',
    });
    expect(spoofed.status).toBe(400);
    // Another browser is not locked out by the first one.
    const other = await signInFrom('127.0.0.32');
    expect(other.status).toBe(302);
    const [latest] = await stack.db.sql<{ ip: string }[]>`
      select host(s.ip) as ip from auth.sessions s join auth.users u on u.id = s.user_id
      where u.email = ${email} order by s.created_at desc limit 1`;
    expect(latest?.ip).toBe('127.0.0.32');
    const addresses = await stack.db.sql<{ ip: string; n: number }[]>`
      select host(s.ip) as ip, count(*)::int as n from auth.sessions s join auth.users u on u.id = s.user_id
      where u.email = ${email} group by 1 order by 1`;
    expect(addresses).toEqual([
      { ip: '127.0.0.31', n: 3 },
      { ip: '127.0.0.32', n: 1 },
    ]);
  });
});
