// A signed-up, signed-in user in one call, through the real Auth API with supabase-js.
import { randomUUID } from 'node:crypto';
import type { Session, SupabaseClient, User } from '@supabase/supabase-js';
import type { Database } from '../../database.types.ts';
import type { TestStack } from './stack.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface SignedUpUser {
  /** A supabase-js client holding this user's session (REST, Realtime and Auth calls act as them). */
  client: SupabaseClient<Database>;
  user: User;
  session: Session;
  accessToken: string;
  email: string;
  password: string;
}

/** Signs up `email` (a fresh address by default) with TEST_PASSWORD; the local default confirms at once. */
export async function signUpUser(
  stack: Pick<TestStack, 'anonClient'>,
  email = `user-${randomUUID()}@example.test`,
  opts: { password?: string; data?: Record<string, unknown> } = {},
): Promise<SignedUpUser> {
  const client = stack.anonClient();
  const password = opts.password ?? TEST_PASSWORD;
  const { data, error } = await client.auth.signUp({ email, password, options: { data: opts.data } });
  if (error) throw error;
  if (!data.session || !data.user) throw new Error(`sign-up of ${email} returned no session`);
  return {
    client,
    user: data.user,
    session: data.session,
    accessToken: data.session.access_token,
    email,
    password,
  };
}
