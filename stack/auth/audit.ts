// auth.audit_log_entries as GoTrue writes them: who did what, from which address.
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { NIL_UUID, type Sql } from './users.ts';

const LOG_TYPES = {
  user_signedup: 'team',
  user_deleted: 'team',
  login: 'account',
  logout: 'account',
  token_refreshed: 'token',
  token_revoked: 'token',
  user_modified: 'user',
  user_updated_password: 'user',
} as const;

export type AuditAction = keyof typeof LOG_TYPES;

/** The actor: a user (id, email) or, for admin calls, the admin role with the nil id. */
export interface Actor {
  id: string;
  username: string;
}

export async function audit(
  tx: Sql,
  action: AuditAction,
  actor: Actor,
  ip: string | null,
  traits?: Record<string, unknown>,
): Promise<void> {
  const payload = {
    action,
    actor_id: actor.id,
    actor_username: actor.username,
    actor_via_sso: false,
    log_type: LOG_TYPES[action],
    ...(traits ? { traits } : {}),
  };
  await tx`
    insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
    values (${NIL_UUID}, ${randomUUID()}, ${tx.json(payload as postgres.JSONValue)}, now(), ${ip ?? ''})`;
}

export const adminActor = (role: string): Actor => ({ id: NIL_UUID, username: role });
