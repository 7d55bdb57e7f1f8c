// Rules that span rows hold with two database connections writing at once, not only because
// one connection runs one statement at a time: two processes (tests/support/concurrent-attempts.ts),
// each with its own connection to one database file, make their attempts together.
//  - The last admin: 20 attempts to remove admins (revoking the role, deleting one's own account)
//    always leave at least one.
//  - Deletion requests: 20 attempts to record one for the same account leave exactly one open;
//    20 concurrent approvals and cancellations of one request make exactly one transition.
// Each rule is one transaction that takes the write lock first (writeTransaction); one open
// request per account is also a partial unique index (migration 0011).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/lib/db/index.ts';
import type { Attempt } from '../support/concurrent-attempts.ts';
import { openTestDatabase, type OpenDatabase } from '../support/db.ts';
import { publishedVersions } from '../support/policy-versions.ts';
import { root } from '../support/site.ts';
import { createUser, PASSWORD } from '../support/users.ts';

let dir: string;
let path: string;
let database: OpenDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ct-concurrent-'));
  path = join(dir, 'site.db');
  database = await openTestDatabase(path);
  const first = publishedVersions()[0]!;
  await database.db
    .insertInto('policy_version')
    .values({
      effective_date: first.effective,
      version: first.version,
      title: 'Privacy Policy',
      content_sha256: 'a'.repeat(64),
      material: 0,
      recorded_at: '2026-01-01T00:00:00Z',
    })
    .execute();
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts one process per list of attempts, lets them all go at once, and returns every outcome. */
async function together(...lists: Attempt[][]): Promise<string[]> {
  const processes = lists.map((attempts) => {
    const child = spawn(process.execPath, [join(root, 'tests/support/concurrent-attempts.ts'), path, JSON.stringify(attempts)], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const next = () =>
      new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`attempts process exited with ${code}`)));
      });
    return { child, next };
  });
  const ready = processes.map((p) => p.next());
  expect(await Promise.all(ready)).toEqual(processes.map(() => 'ready'));
  const results = processes.map((p) => p.next());
  for (const p of processes) p.child.stdin.write('go\n');
  const outcomes = (await Promise.all(results)).flatMap((line) => JSON.parse(line) as string[]);
  for (const p of processes) p.child.stdin.end();
  return outcomes;
}

const count = (outcomes: string[], outcome: string) => outcomes.filter((o) => o === outcome).length;
const admins = async () =>
  (await database.db.selectFrom('user_role').select('user_id').where('role', '=', 'admin').execute()).map((r) => r.user_id);

describe('the last admin, with two connections at once', () => {
  it('20 revocations and self-deletions of all 20 admins leave exactly one admin', { timeout: 120_000 }, async () => {
    const ids: number[] = [];
    for (let n = 0; n < 20; n++) ids.push((await createUser(database.db, { label: `admin${n}`, roles: ['admin'] })).id);
    const attempt = (i: number): Attempt =>
      i % 2 === 0
        ? { kind: 'revoke-admin', actorId: ids[(i + 1) % 20]!, userId: ids[i]! }
        : { kind: 'delete-self', userId: ids[i]!, password: PASSWORD };
    const outcomes = await together(
      ids
        .slice(0, 10)
        .map((_, i) => attempt(i * 2))
        .concat(ids.slice(0, 5).map((_, i) => attempt(i * 4 + 1))),
      ids.slice(0, 5).map((_, i) => attempt(i * 4 + 3)),
    );
    expect(outcomes.filter((o) => o.startsWith('error'))).toEqual([]);
    expect(outcomes).toHaveLength(20);
    expect(count(outcomes, 'revoked') + count(outcomes, 'deleted')).toBe(19);
    expect(count(outcomes, 'last-admin')).toBe(1);
    expect(await admins()).toHaveLength(1);
  });
});

describe('deletion requests, with two connections at once', () => {
  it(
    '20 attempts to record a request for one account leave one open request; the others are told it is open',
    { timeout: 60_000 },
    async () => {
      const support = (await createUser(database.db, { label: 'support', roles: ['support'] })).id;
      const { email } = await createUser(database.db, { label: 'leaving' });
      const attempts = (from: number): Attempt[] =>
        Array.from({ length: 10 }, (_, i) => ({ kind: 'record-request', actorId: support, email, ticket: `ZD-${from + i}` }));
      const outcomes = await together(attempts(100), attempts(200));
      expect(outcomes.filter((o) => o.startsWith('error'))).toEqual([]);
      expect(count(outcomes, 'recorded')).toBe(1);
      expect(count(outcomes, 'already-open')).toBe(19);
      const open = await database.db.selectFrom('deletion_request').select('id').where('status', 'in', ['pending', 'confirmed']).execute();
      expect(open).toHaveLength(1);
      // One confirmation message queued, for the one request.
      expect(await database.db.selectFrom('mail_outbox').select('subject').execute()).toEqual([
        { subject: 'Confirm the deletion of your CustomerTrackr account' },
      ]);
    },
  );

  it('refuses a second open request for an account by the partial unique index, whatever the code checked', async () => {
    const { id } = await createUser(database.db, { label: 'leaving' });
    const request = (ticket: string, status: 'pending' | 'confirmed' | 'cancelled') =>
      database.db
        .insertInto('deletion_request')
        .values({
          ticket,
          requester_email: status === 'cancelled' ? null : 'leaving@example.com',
          user_id: id,
          status,
          received_at: '2026-11-25T09:30:00Z',
          recorded_at: '2026-11-25T09:31:00Z',
          token_id: null,
          token_hash: null,
          token_expires_at: null,
          confirmed_at: null,
          confirmed_via: null,
          closed_at: status === 'cancelled' ? '2026-11-25T09:32:00Z' : null,
        })
        .execute();
    await request('ZD-1', 'cancelled');
    await request('ZD-2', 'pending');
    await request('ZD-3', 'cancelled'); // closed ones are not limited
    const error = await request('ZD-4', 'confirmed').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(error, 'deletion_request.user_id')).toBe(true);
  });

  it('20 concurrent approvals and cancellations of one request make exactly one transition', { timeout: 60_000 }, async () => {
    const support = (await createUser(database.db, { label: 'support', roles: ['support'] })).id;
    const { id: userId, email } = await createUser(database.db, { label: 'leaving' });
    await together([{ kind: 'record-request', actorId: support, email, ticket: 'ZD-7' }]);
    const { id: requestId } = await database.db.selectFrom('deletion_request').select('id').executeTakeFirstOrThrow();
    const attempts = (first: 'delete-verified' | 'cancel-request'): Attempt[] =>
      Array.from({ length: 10 }, (_, i) => ({
        kind: i % 2 === 0 ? first : first === 'delete-verified' ? 'cancel-request' : 'delete-verified',
        actorId: support,
        requestId,
      }));
    const outcomes = await together(attempts('delete-verified'), attempts('cancel-request'));
    expect(outcomes.filter((o) => o.startsWith('error'))).toEqual([]);
    expect(count(outcomes, 'deleted') + count(outcomes, 'cancelled')).toBe(1);
    expect(count(outcomes, 'not-pending') + count(outcomes, 'closed')).toBe(19);
    const request = await database.db.selectFrom('deletion_request').select('status').where('id', '=', requestId).executeTakeFirstOrThrow();
    const account = await database.db.selectFrom('user').select('id').where('id', '=', userId).executeTakeFirst();
    if (count(outcomes, 'deleted') === 1) {
      expect(request.status).toBe('completed');
      expect(account).toBeUndefined();
    } else {
      expect(request.status).toBe('cancelled');
      expect(account).toBeDefined();
    }
    const transitions = await database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['account.delete', 'deletion-request.cancel'])
      .execute();
    expect(transitions).toHaveLength(1);
  });
});
