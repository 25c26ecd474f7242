// The [auth] sections of supabase/config.toml that GoTrue reads, with the defaults `supabase init` writes.
// Services may override any of it (tests exercise rate limits, anonymous sign-ins, confirmations).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { z } from 'zod';

const count = z.number().int().min(0);

const AuthToml = z.object({
  enabled: z.boolean().default(true),
  site_url: z.string().default('http://127.0.0.1:3000'),
  jwt_expiry: z.number().int().min(1).max(604_800).default(3600),
  jwt_issuer: z.string().optional(),
  enable_refresh_token_rotation: z.boolean().default(true),
  refresh_token_reuse_interval: count.default(10),
  enable_signup: z.boolean().default(true),
  enable_anonymous_sign_ins: z.boolean().default(false),
  minimum_password_length: z.number().int().min(6).default(6),
  password_requirements: z
    .enum(['', 'letters_digits', 'lower_upper_letters_digits', 'lower_upper_letters_digits_symbols'])
    .default(''),
  rate_limit: z
    .object({
      anonymous_users: count.default(30),
      token_refresh: count.default(150),
      sign_in_sign_ups: count.default(30),
    })
    .prefault({}),
  email: z
    .object({
      enabled: z.boolean().default(true),
      enable_confirmations: z.boolean().default(false),
    })
    .prefault({}),
  sms: z.object({ enabled: z.boolean().default(false) }).prefault({}),
  external: z.record(z.string(), z.object({ enabled: z.boolean().default(false) }).prefault({})).default({}),
});

export interface AuthSettings {
  siteUrl: string;
  /** Access token lifetime in seconds. */
  jwtExpiry: number;
  /** `iss` of access tokens; defaults to the API URL plus `/auth/v1`, as the CLI sets it. */
  jwtIssuer: string | null;
  refreshTokenRotation: boolean;
  /** Seconds a rotated refresh token may still be presented (a client that lost the answer). */
  refreshTokenReuseInterval: number;
  enableSignup: boolean;
  enableAnonymousSignIns: boolean;
  emailEnabled: boolean;
  phoneEnabled: boolean;
  /** When false (the local default) email sign-ups are confirmed at once. */
  emailConfirmations: boolean;
  minimumPasswordLength: number;
  passwordRequirements:
    | ''
    | 'letters_digits'
    | 'lower_upper_letters_digits'
    | 'lower_upper_letters_digits_symbols';
  rateLimits: {
    /** Sign-ups plus password sign-ins per IP per 5 minutes. */
    signInSignUps: number;
    /** Refresh-token grants per IP per 5 minutes. */
    tokenRefresh: number;
    /** Anonymous sign-ins per IP per hour. */
    anonymousUsers: number;
  };
  /** External OAuth providers enabled in config.toml, as GET /settings reports them. */
  externalProviders: Record<string, boolean>;
}

export type AuthOverrides = Partial<Omit<AuthSettings, 'rateLimits'>> & {
  rateLimits?: Partial<AuthSettings['rateLimits']>;
};

/** Reads config.toml's [auth]; a missing file gives `supabase init`'s defaults; a bad value is named. */
export function readAuthSettings(configToml: string, overrides: AuthOverrides = {}): AuthSettings {
  const doc = (existsSync(configToml) ? parse(readFileSync(configToml, 'utf8')) : {}) as {
    auth?: unknown;
  };
  const parsed = AuthToml.safeParse(doc.auth ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  auth.${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid [auth] in ${configToml}:\n${lines.join('\n')}`);
  }
  const a = parsed.data;
  const externalProviders: Record<string, boolean> = {};
  for (const [name, p] of Object.entries(a.external)) externalProviders[name] = p.enabled;
  const settings: AuthSettings = {
    siteUrl: a.site_url,
    jwtExpiry: a.jwt_expiry,
    jwtIssuer: a.jwt_issuer ?? null,
    refreshTokenRotation: a.enable_refresh_token_rotation,
    refreshTokenReuseInterval: a.refresh_token_reuse_interval,
    enableSignup: a.enable_signup,
    enableAnonymousSignIns: a.enable_anonymous_sign_ins,
    emailEnabled: a.email.enabled,
    phoneEnabled: a.sms.enabled,
    emailConfirmations: a.email.enable_confirmations,
    minimumPasswordLength: a.minimum_password_length,
    passwordRequirements: a.password_requirements,
    rateLimits: {
      signInSignUps: a.rate_limit.sign_in_sign_ups,
      tokenRefresh: a.rate_limit.token_refresh,
      anonymousUsers: a.rate_limit.anonymous_users,
    },
    externalProviders,
  };
  const { rateLimits, ...rest } = overrides;
  return { ...settings, ...rest, rateLimits: { ...settings.rateLimits, ...rateLimits } };
}
