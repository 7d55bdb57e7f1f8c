import { beforeEach, describe, expect, it } from 'vitest';
import { listSessions, revokeOtherSessions, revokeSessionByRef, sessionRef } from '../../src/lib/accounts/index.ts';
import { createAccount, createSession, IDLE_TIMEOUT_MS, normalizeEmail } from '../../src/lib/auth/index.ts';
import { testDatabase } from '../support/db.ts';

const database = testDatabase();
let alice: number;
let bob: number;
beforeEach(async () => {
  alice = await createAccount(database.db, normalizeEmail('alice@example.com')!, [], null);
  bob = await createAccount(database.db, normalizeEmail('bob@example.com')!, [], null);
});

describe('sessions on the account page', () => {
  it('are named by opaque references, never by their ids', async () => {
    const { session } = await createSession(database.db, alice, null);
    const ref = sessionRef(session.id);
    expect(ref).toMatch(/^[0-9a-f]{20}$/);
    expect(ref).not.toContain(session.id.slice(0, 8));
    const [listed] = await listSessions(database.db, alice, session.id);
    expect(listed).toMatchObject({ ref, current: true, client: 'Unknown browser' });
    expect(JSON.stringify(listed)).not.toContain(session.id);
  });

  it('lists the current session first, then the most recently active, leaving out expired ones', async () => {
    const t0 = new Date('2026-11-01T00:00:00Z');
    const old = await createSession(database.db, alice, null, t0);
    const recent = await createSession(database.db, alice, null, new Date('2026-11-20T00:00:00Z'));
    const current = await createSession(database.db, alice, null, new Date('2026-11-19T00:00:00Z'));
    const now = new Date(t0.getTime() + IDLE_TIMEOUT_MS + 1);
    const refs = (await listSessions(database.db, alice, current.session.id, now)).map((s) => s.ref);
    expect(refs).toEqual([sessionRef(current.session.id), sessionRef(recent.session.id)]);
    expect(refs).not.toContain(sessionRef(old.session.id));
  });

  it("end only the user's own sessions", async () => {
    const mine = await createSession(database.db, alice, null);
    const other = await createSession(database.db, alice, null);
    const bobs = await createSession(database.db, bob, null);
    expect(await revokeSessionByRef(database.db, alice, sessionRef(bobs.session.id), mine.session.id)).toBe('not-found');
    expect(await revokeSessionByRef(database.db, alice, sessionRef(mine.session.id), mine.session.id)).toBe('current');
    expect(await revokeSessionByRef(database.db, alice, sessionRef(other.session.id), mine.session.id)).toBe('revoked');
    expect(await revokeSessionByRef(database.db, alice, sessionRef(other.session.id), mine.session.id)).toBe('not-found');
    const left = await database.db.selectFrom('session').select('id').execute();
    expect(left.map((s) => s.id).sort()).toEqual([mine.session.id, bobs.session.id].sort());

    await createSession(database.db, alice, null);
    expect(await revokeOtherSessions(database.db, alice, mine.session.id)).toBe(1);
    expect(await database.db.selectFrom('session').select('id').where('user_id', '=', bob).execute()).toHaveLength(1);
  });
});
