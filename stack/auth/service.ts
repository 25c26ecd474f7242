// /auth/v1: the GoTrue endpoints auth-js v2 and @supabase/ssr use, over the auth schema, connected as
// supabase_auth_admin (the role that owns the auth schema on Supabase).
import type http from 'node:http';
import postgres from 'postgres';
import { adminUsers } from './admin.ts';
import { type AuthOverrides, type AuthSettings, readAuthSettings } from './config.ts';
import { type AuthContext, sendJson } from './context.ts';
import { AuthError, sendAuthError } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';
import { signup } from './signup.ts';
import { token } from './token.ts';
import { getUser, logout, updateUser } from './user.ts';

export interface AuthOptions {
  /** Connection string for supabase_auth_admin. */
  dbUrl: string;
  jwtSecret: string;
  /** supabase/config.toml, whose [auth] sections configure the service. */
  configToml: string;
  /** The API's public URL (known once the gateway listens); access tokens' `iss` is it plus /auth/v1. */
  apiUrl: () => string;
  overrides?: AuthOverrides;
  poolSize?: number;
}

export interface AuthService {
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  settings: AuthSettings;
  stop(): Promise<void>;
}

const PREFIX = '/auth/v1';
const FIVE_MINUTES = 5 * 60_000;

export async function startAuth(opts: AuthOptions): Promise<AuthService> {
  const settings = readAuthSettings(opts.configToml, opts.overrides);
  const sql = postgres(opts.dbUrl, {
    max: opts.poolSize ?? 5,
    onnotice: () => {},
    connection: { application_name: 'nexural-auth' },
  });
  await sql`select 1`;
  const ctx: AuthContext = {
    sql,
    settings,
    jwtSecret: opts.jwtSecret,
    issuer: () => settings.jwtIssuer ?? `${opts.apiUrl()}${PREFIX}`,
    limiters: {
      signInSignUps: new RateLimiter(settings.rateLimits.signInSignUps, FIVE_MINUTES),
      tokenRefresh: new RateLimiter(settings.rateLimits.tokenRefresh, FIVE_MINUTES),
      anonymousUsers: new RateLimiter(settings.rateLimits.anonymousUsers, 60 * 60_000),
    },
    adminRoles: ['service_role', 'supabase_admin'],
  };

  async function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const path = url.pathname.slice(PREFIX.length).replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const is = (m: string, p: string) => method === m && path === p;
    if (is('GET', '/health'))
      return sendJson(res, 200, {
        version: 'nexural',
        name: 'GoTrue',
        description: 'GoTrue is a user registration and authentication API',
      });
    if (is('GET', '/settings')) return sendJson(res, 200, settingsJson(settings));
    if (is('POST', '/signup')) return signup(ctx, req, res);
    if (is('POST', '/token')) return token(ctx, req, res, url);
    if (is('GET', '/user')) return getUser(ctx, req, res);
    if (is('PUT', '/user')) return updateUser(ctx, req, res);
    if (is('POST', '/logout')) return logout(ctx, req, res, url);
    if (path === '/admin/users') return adminUsers(ctx, req, res, url, null);
    const one = /^\/admin\/users\/([^/]+)$/.exec(path);
    if (one?.[1]) return adminUsers(ctx, req, res, url, decodeURIComponent(one[1]));
    throw new AuthError(404, 'not_found', 'Not Found');
  }

  return {
    settings,
    async handle(req, res, url) {
      // What GoTrue's CORS setup lets browsers read: pagination and the API version.
      res.setHeader('access-control-expose-headers', 'X-Total-Count, Link, X-Supabase-Api-Version');
      try {
        await route(req, res, url);
      } catch (err) {
        if (res.headersSent) {
          console.error('[auth] error after answering:', err);
          res.destroy();
        } else sendAuthError(req, res, err);
      }
    },
    async stop() {
      await sql.end({ timeout: 5 });
    },
  };
}

/** GET /settings: which sign-in methods are on, as the Supabase dashboard and clients read it. */
function settingsJson(s: AuthSettings) {
  const providers = [
    'apple',
    'azure',
    'bitbucket',
    'discord',
    'facebook',
    'figma',
    'fly',
    'github',
    'gitlab',
    'google',
    'keycloak',
    'kakao',
    'linkedin',
    'linkedin_oidc',
    'notion',
    'spotify',
    'slack',
    'slack_oidc',
    'workos',
    'twitch',
    'twitter',
    'x',
    'zoom',
  ];
  const external: Record<string, boolean> = { anonymous_users: s.enableAnonymousSignIns };
  for (const p of providers) external[p] = s.externalProviders[p] ?? false;
  external.email = s.emailEnabled;
  external.phone = s.phoneEnabled;
  return {
    external,
    disable_signup: !s.enableSignup,
    mailer_autoconfirm: !s.emailConfirmations,
    phone_autoconfirm: false,
    sms_provider: 'twilio',
    saml_enabled: false,
  };
}
