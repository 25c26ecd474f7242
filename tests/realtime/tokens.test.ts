import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { createNotesTable, eventually, userClient } from './fixture.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await createNotesTable(stack);
});

afterAll(async () => {
  await stack?.stop();
});

type Note = { owner: string; body: string };

describe('access tokens on a channel', () => {
  it('keeps a channel open past the first token expiry when the token is refreshed with setAuth', async () => {
    const a = await userClient(stack, 2);
    const statuses: string[] = [];
    const seen: string[] = [];
    const channel = a.client
      .channel('refresh')
      .on<Note>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'rt_notes' }, (p) =>
        seen.push((p as RealtimePostgresChangesPayload<Note> & { new: Note }).new.body),
      );
    await new Promise<void>((resolve) =>
      channel.subscribe((s) => {
        statuses.push(s);
        if (s === 'SUBSCRIBED') resolve();
      }),
    );
    const fresh = await signJwt(
      { sub: a.id, role: 'authenticated', aud: 'authenticated' },
      stack.jwtSecret,
      3600,
    );
    await a.refresh(fresh);
    await new Promise((r) => setTimeout(r, 2500));
    await stack.db.sql`insert into rt_notes (owner, body) values (${a.id}, 'after refresh')`;
    await eventually(() => seen.includes('after refresh'));
    expect(statuses).toEqual(['SUBSCRIBED']);
    await a.client.removeAllChannels();
  });

  it('closes the channel with a system message when its token expires', async () => {
    const a = await userClient(stack, 1);
    const system: { status?: string; message?: string; extension?: string }[] = [];
    const statuses: string[] = [];
    const channel = a.client.channel('expiring').on('system', {}, (p) => system.push(p));
    channel.subscribe((s) => statuses.push(s));
    await eventually(() => statuses.includes('CLOSED'), 5000);
    expect(system.at(-1)).toMatchObject({ status: 'error', extension: 'system' });
    expect(system.at(-1)?.message).toMatch(/Token has expired/);
    await a.client.removeAllChannels();
  });

  it('closes the channel when refreshed with an expired token', async () => {
    const a = await userClient(stack);
    const statuses: string[] = [];
    const system: { message?: string }[] = [];
    const channel = a.client.channel('refresh-expired').on('system', {}, (p) => system.push(p));
    await new Promise<void>((resolve) =>
      channel.subscribe((s) => {
        statuses.push(s);
        if (s === 'SUBSCRIBED') resolve();
      }),
    );
    const now = Math.floor(Date.now() / 1000);
    const expired = await signJwt(
      { sub: a.id, role: 'authenticated', aud: 'authenticated', iat: now - 120, exp: now - 60 },
      stack.jwtSecret,
    );
    await a.refresh(expired);
    await eventually(() => statuses.includes('CLOSED'));
    expect(system.at(-1)?.message).toMatch(/Token has expired \d+ seconds ago/);
    await a.client.removeAllChannels();
  });
});
