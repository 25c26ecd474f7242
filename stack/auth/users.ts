// auth.users and auth.identities as GoTrue reads and writes them, and the user JSON it answers with.
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { badRequest } from './errors.ts';

export type Sql = postgres.Sql | postgres.TransactionSql;
type Json = Record<string, unknown>;

/** GoTrue keeps instance_id for compatibility; it is always the nil UUID. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  confirmation_sent_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Json | null;
  raw_user_meta_data: Json | null;
  created_at: Date | null;
  updated_at: Date | null;
  phone: string | null;
  phone_confirmed_at: Date | null;
  phone_change: string | null;
  phone_change_sent_at: Date | null;
  confirmed_at: Date | null;
  banned_until: Date | null;
  reauthentication_sent_at: Date | null;
  deleted_at: Date | null;
  is_anonymous: boolean;
  identities: IdentityRow[];
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Json;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

// Identities come along as a json array, ordered as GoTrue loads them.
const identitiesOf = (sql: Sql) => sql`
  coalesce((select json_agg(i order by i.created_at, i.id) from auth.identities i where i.user_id = u.id), '[]')
    as identities`;

export async function findUserById(sql: Sql, id: string): Promise<UserRow | null> {
  const [row] = await sql<UserRow[]>`select u.*, ${identitiesOf(sql)} from auth.users u where u.id = ${id}`;
  return row ?? null;
}

/** The (non-SSO) user holding `email` in audience `aud`, compared case-insensitively as GoTrue does. */
export async function findUserByEmail(
  sql: Sql,
  email: string,
  aud = 'authenticated',
): Promise<UserRow | null> {
  const [row] = await sql<UserRow[]>`
    select u.*, ${identitiesOf(sql)} from auth.users u
    where lower(u.email) = lower(${email}) and u.aud = ${aud} and not u.is_sso_user
    limit 1`;
  return row ?? null;
}

const iso = (d: Date | string | null | undefined): string | undefined =>
  d == null ? undefined : new Date(d).toISOString();

/** The user object GoTrue serialises: `omitempty` timestamps left out, email/phone as "" when unset. */
export function userJson(u: UserRow): Json {
  const out: Json = {
    id: u.id,
    aud: u.aud ?? '',
    role: u.role ?? '',
    email: u.email ?? '',
    email_confirmed_at: iso(u.email_confirmed_at),
    invited_at: iso(u.invited_at),
    phone: u.phone ?? '',
    phone_confirmed_at: iso(u.phone_confirmed_at),
    confirmation_sent_at: iso(u.confirmation_sent_at),
    confirmed_at: iso(u.confirmed_at),
    recovery_sent_at: iso(u.recovery_sent_at),
    new_email: u.email_change || undefined,
    email_change_sent_at: iso(u.email_change_sent_at),
    new_phone: u.phone_change || undefined,
    phone_change_sent_at: iso(u.phone_change_sent_at),
    reauthentication_sent_at: iso(u.reauthentication_sent_at),
    last_sign_in_at: iso(u.last_sign_in_at),
    app_metadata: u.raw_app_meta_data ?? {},
    user_metadata: u.raw_user_meta_data ?? {},
    identities: (u.identities ?? []).map(identityJson),
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    banned_until: iso(u.banned_until),
    deleted_at: iso(u.deleted_at),
    is_anonymous: u.is_anonymous,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function identityJson(i: IdentityRow): Json {
  // GoTrue's historical naming: `identity_id` is the row id, `id` the provider's id for the user.
  const out: Json = {
    identity_id: i.id,
    id: i.provider_id,
    user_id: i.user_id,
    identity_data: i.identity_data,
    provider: i.provider,
    last_sign_in_at: iso(i.last_sign_in_at),
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    email: i.email || undefined,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

// The format check GoTrue's email validation applies (local part, then dot-separated DNS labels).
const EMAIL_FORMAT =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Returns the address lower-cased, or throws GoTrue's validation_failed. */
export function validateEmail(email: string): string {
  if (email === '') throw badRequest('validation_failed', 'An email address is required');
  if (email.length > 255) throw badRequest('validation_failed', 'An email address is too long');
  if (!EMAIL_FORMAT.test(email))
    throw badRequest('validation_failed', 'Unable to validate email address: invalid format');
  return email.toLowerCase();
}

/** GoTrue's metadata update: top-level keys replace, a null value removes the key. */
export function mergeMetadata(base: Json | null, patch: Json): Json {
  const out: Json = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface NewUser {
  id?: string;
  aud?: string;
  role?: string;
  email: string | null;
  encryptedPassword: string;
  appMetadata: Json;
  userMetadata: Json;
  emailConfirmed: boolean;
  confirmationSent?: boolean;
  isAnonymous?: boolean;
}

/** Inserts the user row (firing the project's triggers on auth.users) and returns its id. */
export async function insertUser(tx: Sql, u: NewUser): Promise<string> {
  const id = u.id ?? randomUUID();
  await tx`
    insert into auth.users (
      instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, confirmation_sent_at,
      raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at, is_anonymous,
      confirmation_token, recovery_token, email_change_token_new, email_change)
    values (
      ${NIL_UUID}, ${id}, ${u.aud ?? 'authenticated'}, ${u.role ?? 'authenticated'}, ${u.email},
      ${u.encryptedPassword}, ${u.emailConfirmed ? tx`now()` : null}, ${u.confirmationSent ? tx`now()` : null},
      ${tx.json(u.appMetadata as postgres.JSONValue)}, ${tx.json(u.userMetadata as postgres.JSONValue)},
      false, now(), now(), ${u.isAnonymous ?? false}, '', '', '', '')`;
  return id;
}

/** Adds the user's identity for `provider` (email: provider_id is the user's id, as GoTrue does now). */
export async function insertIdentity(
  tx: Sql,
  userId: string,
  provider: string,
  providerId: string,
  identityData: Json,
): Promise<void> {
  await tx`
    insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (${randomUUID()}, ${providerId}, ${userId}, ${tx.json(identityData as postgres.JSONValue)}, ${provider},
            now(), now(), now())`;
}
