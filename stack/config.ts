// The stack's settings. Defaults are the well-known local development values that `supabase start` prints,
// so one .env works against this stack and against the Supabase CLI's local stack alike.
import { z } from 'zod';

export const LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const LOCAL_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
export const LOCAL_SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';
/** Password of every login role the bootstrap creates (postgres, authenticator, supabase_*), as locally. */
export const LOCAL_DB_PASSWORD = 'postgres';

const port = z.coerce.number().int().min(0).max(65535);

const StackEnv = z.object({
  NEXURAL_API_PORT: port.default(54321),
  NEXURAL_DB_PORT: port.default(54322),
  NEXURAL_DATA_DIR: z.string().min(1).default('.nexural/db'),
  /** The folder the Supabase CLI deploys from (migrations, seed, functions, config.toml). */
  NEXURAL_SUPABASE_DIR: z.string().min(1).default('supabase'),
  NEXURAL_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(LOCAL_JWT_SECRET),
  NEXURAL_ANON_KEY: z.string().min(1).default(LOCAL_ANON_KEY),
  NEXURAL_SERVICE_ROLE_KEY: z.string().min(1).default(LOCAL_SERVICE_ROLE_KEY),
});
export type StackEnv = z.infer<typeof StackEnv>;

/** Reads the stack's settings from the environment; throws one message naming every bad variable. */
export function readStackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  const parsed = StackEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid stack configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A libpq connection URL for a role on the local cluster. */
export function dbUrl(opts: { port: number; database?: string; user?: string; password?: string }): string {
  const user = encodeURIComponent(opts.user ?? 'postgres');
  const password = encodeURIComponent(opts.password ?? LOCAL_DB_PASSWORD);
  return `postgresql://${user}:${password}@127.0.0.1:${opts.port}/${opts.database ?? 'postgres'}`;
}
