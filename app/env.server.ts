// The app's settings, validated once at start-up: the Supabase project it talks to. The service-role key is
// optional and only ever sent to Auth, to forward each browser's address (see supabase.server.ts).
import { z } from 'zod';

const schema = z.object({
  SUPABASE_URL: z.url({ message: 'must be the project URL, e.g. http://127.0.0.1:54321' }),
  SUPABASE_ANON_KEY: z.string().min(20, { message: "must be the project's anon (publishable) key" }),
  SUPABASE_SERVICE_ROLE_KEY: z
    .string()
    .min(20, { message: "must be the project's service-role (secret) key, or unset" })
    .optional(),
});

export type Env = z.infer<typeof schema>;

/** Reads and checks the environment; throws one error naming every missing or bad variable. */
export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return source[name] === undefined || source[name] === ''
        ? `${name} is missing`
        : `${name} ${i.message}`;
    });
    throw new Error(`The web app cannot start: ${problems.join('; ')}.`);
  }
  return parsed.data;
}

let cached: Env | undefined;
export const env = (): Env => {
  cached ??= readEnv();
  return cached;
};
