import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbUrl, LOCAL_DB_PASSWORD } from '../../stack/config.ts';
import { asRole, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql.unsafe(`
    create table public.secrets (id int primary key, owner uuid, body text);
    alter table public.secrets enable row level security;
    insert into public.secrets values (1, '00000000-0000-0000-0000-00000000000a', 'a'),
                                      (2, '00000000-0000-0000-0000-00000000000b', 'b');
  `);
});
afterAll(() => db.drop());

describe('Supabase roles', () => {
  it('creates the API roles with the attributes Supabase gives them', async () => {
    const rows = await db.sql<
      {
        rolname: string;
        rolsuper: boolean;
        rolinherit: boolean;
        rolcanlogin: boolean;
        rolbypassrls: boolean;
      }[]
    >`select rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'postgres', 'supabase_admin')
      order by rolname`;
    const byName = Object.fromEntries(rows.map((r) => [r.rolname, r]));
    expect(byName.anon).toMatchObject({
      rolsuper: false,
      rolcanlogin: false,
      rolbypassrls: false,
      rolinherit: false,
    });
    expect(byName.authenticated).toMatchObject({ rolsuper: false, rolcanlogin: false, rolbypassrls: false });
    expect(byName.service_role).toMatchObject({ rolsuper: false, rolcanlogin: false, rolbypassrls: true });
    expect(byName.authenticator).toMatchObject({ rolsuper: false, rolcanlogin: true, rolinherit: false });
    expect(byName.postgres).toMatchObject({ rolsuper: false, rolcanlogin: true, rolbypassrls: true });
    expect(byName.supabase_admin).toMatchObject({ rolsuper: true });
  });

  it('lets authenticator switch to anon, authenticated and service_role only', async () => {
    const members = await db.sql<{ rolname: string }[]>`
      select r.rolname from pg_auth_members m
      join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member
      where u.rolname = 'authenticator' order by 1`;
    expect(members.map((m) => m.rolname)).toEqual(['anon', 'authenticated', 'service_role']);
  });
});

describe('row level security', () => {
  it('hides rows from anon and authenticated when no policy allows them', async () => {
    for (const role of ['anon', 'authenticated'] as const) {
      const rows = await asRole(
        db.sql,
        role,
        { sub: '00000000-0000-0000-0000-00000000000a' },
        (tx) => tx`select * from public.secrets`,
      );
      expect(rows, role).toHaveLength(0);
    }
  });

  it('lets service_role bypass RLS', async () => {
    const rows = await asRole(
      db.sql,
      'service_role',
      {},
      (tx) => tx`select id from public.secrets order by id`,
    );
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('applies the same rules to the authenticator login that PostgREST uses', async () => {
    const auth = postgres(
      dbUrl({ port: db.port, database: db.name, user: 'authenticator', password: LOCAL_DB_PASSWORD }),
      {
        max: 1,
      },
    );
    try {
      await expect(auth`select * from public.secrets`).rejects.toThrow(/permission denied/);
      const asAnon = await auth.begin(async (tx) => {
        await tx`set local role anon`;
        return tx`select * from public.secrets`;
      });
      expect(asAnon).toHaveLength(0);
      await expect(auth.unsafe('set role postgres')).rejects.toThrow(/permission denied to set role/);
    } finally {
      await auth.end();
    }
  });

  it('sees only the rows a policy on auth.uid() allows', async () => {
    await db.sql.unsafe(`create policy secrets_owner_select on public.secrets for select to authenticated
                          using ((select auth.uid()) = owner)`);
    const rows = await asRole(
      db.sql,
      'authenticated',
      { sub: '00000000-0000-0000-0000-00000000000b' },
      (tx) => tx`select body from public.secrets`,
    );
    expect(rows).toEqual([{ body: 'b' }]);
  });

  it('grants the API roles Supabase default privileges on new public tables', async () => {
    await db.sql`create table public.fresh (id int)`;
    const grants = await db.sql<{ grantee: string; privilege_type: string }[]>`
      select grantee, privilege_type from information_schema.role_table_grants
      where table_schema = 'public' and table_name = 'fresh' and grantee in ('anon', 'authenticated', 'service_role')`;
    for (const role of ['anon', 'authenticated', 'service_role']) {
      const privs = grants.filter((g) => g.grantee === role).map((g) => g.privilege_type);
      expect(privs, role).toEqual(expect.arrayContaining(['SELECT', 'INSERT', 'UPDATE', 'DELETE']));
    }
  });
});

describe('request helpers', () => {
  const claims = {
    sub: '6f1c3a8e-2b1d-4e8f-9a55-0c6b2f1d9e77',
    email: 'ada@example.com',
    aud: 'authenticated',
  };

  it('auth.uid() returns the sub of request.jwt.claims', async () => {
    const [row] = await asRole(db.sql, 'authenticated', claims, (tx) => tx`select auth.uid() as uid`);
    expect(row?.uid).toBe(claims.sub);
  });

  it('auth.role(), auth.email() and auth.jwt() read the same claims', async () => {
    const [row] = await asRole(
      db.sql,
      'authenticated',
      claims,
      (tx) => tx`select auth.role() as role, auth.email() as email, auth.jwt() ->> 'aud' as aud`,
    );
    expect(row).toEqual({ role: 'authenticated', email: 'ada@example.com', aud: 'authenticated' });
  });

  it('auth.uid() is null without claims', async () => {
    const [row] = await db.sql`select auth.uid() as uid`;
    expect(row?.uid).toBeNull();
  });
});

describe('schemas and extensions', () => {
  it('installs pgcrypto and uuid-ossp in the extensions schema', async () => {
    const ext = await db.sql<{ extname: string; nspname: string }[]>`
      select extname, nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where extname in ('pgcrypto', 'uuid-ossp') order by 1`;
    expect(ext).toEqual([
      { extname: 'pgcrypto', nspname: 'extensions' },
      { extname: 'uuid-ossp', nspname: 'extensions' },
    ]);
    const [row] =
      await db.sql`select length(extensions.gen_random_bytes(8)) as n, extensions.uuid_generate_v4() is not null as ok`;
    expect(row).toEqual({ n: 8, ok: true });
  });

  it('has GoTrue tables with the columns auth servers use', async () => {
    const cols = await db.sql<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns where table_schema = 'auth'`;
    const has = (t: string, c: string) => cols.some((r) => r.table_name === t && r.column_name === c);
    for (const [t, c] of [
      ['users', 'encrypted_password'],
      ['users', 'raw_app_meta_data'],
      ['users', 'is_anonymous'],
      ['users', 'confirmed_at'],
      ['identities', 'provider_id'],
      ['sessions', 'aal'],
      ['sessions', 'not_after'],
      ['refresh_tokens', 'parent'],
      ['refresh_tokens', 'session_id'],
      ['mfa_amr_claims', 'authentication_method'],
    ]) {
      expect(has(t as string, c as string), `auth.${t}.${c}`).toBe(true);
    }
  });

  it('keeps auth tables away from the API roles', async () => {
    await expect(asRole(db.sql, 'authenticated', {}, (tx) => tx`select * from auth.users`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it('creates an empty supabase_realtime publication owned by postgres, with logical WAL', async () => {
    const [pub] = await db.sql`select pubname, pg_get_userbyid(pubowner) as owner, puballtables
                               from pg_publication where pubname = 'supabase_realtime'`;
    expect(pub).toEqual({ pubname: 'supabase_realtime', owner: 'postgres', puballtables: false });
    const [wal] = await db.sql`select current_setting('wal_level') as level`;
    expect(wal?.level).toBe('logical');
  });
});
