import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole, createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function insertUser(email: string, meta: Record<string, unknown> = {}) {
  const [u] = await db.sql<{ id: string }[]>`
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated', ${email}, ${db.sql.json(meta as never)}, now(), now())
    returning id`;
  return u?.id as string;
}

describe('profiles', () => {
  it('is created by the database when a user is created, named from metadata or email', async () => {
    const a = await insertUser('grace@example.com');
    const b = await insertUser('linus@example.com', { display_name: 'Linus T.' });
    const rows =
      await db.sql`select id, display_name from public.profiles where id in (${a}, ${b}) order by display_name desc`;
    expect(rows).toEqual([
      { id: a, display_name: 'grace' },
      { id: b, display_name: 'Linus T.' },
    ]);
  });

  it('lets a user read and rename only their own profile', async () => {
    const a = await insertUser('alice@example.com');
    const b = await insertUser('bob@example.com');
    await asRole(db.sql, 'authenticated', { sub: a }, async (tx) => {
      expect((await tx`select id from public.profiles`).map((r) => r.id)).toEqual([a]);
      const renamedOther =
        await tx`update public.profiles set display_name = 'mallory' where id = ${b} returning id`;
      expect(renamedOther).toHaveLength(0);
      const renamed =
        await tx`update public.profiles set display_name = 'Alice' where id = ${a} returning display_name`;
      expect(renamed).toEqual([{ display_name: 'Alice' }]);
    });
  });

  it('refuses clients changing ids or creating profiles', async () => {
    const a = await insertUser('carol@example.com');
    await expect(
      asRole(
        db.sql,
        'authenticated',
        { sub: a },
        (tx) => tx`update public.profiles set id = gen_random_uuid() where id = ${a}`,
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asRole(db.sql, 'authenticated', { sub: a }, (tx) => tx`insert into public.profiles (id) values (${a})`),
    ).rejects.toThrow(/permission denied/);
  });

  it('shows anon nothing', async () => {
    await insertUser('dave@example.com');
    await expect(asRole(db.sql, 'anon', {}, (tx) => tx`select * from public.profiles`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it('disappears with its user', async () => {
    const a = await insertUser('erin@example.com');
    await db.sql`delete from auth.users where id = ${a}`;
    expect(await db.sql`select 1 from public.profiles where id = ${a}`).toHaveLength(0);
  });
});
