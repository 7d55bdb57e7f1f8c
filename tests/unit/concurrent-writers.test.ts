// Rules that span rows hold with two writers at once (issue 20): two processes, each with its
// own connection to one SQLite file, run their attempts together (tests/support/racing-writer.ts).
// Each rule is one transaction that takes the write lock before it reads (writeTransaction), so
// whatever the interleaving: there is always an admin left, an account has at most one open
// deletion request, and a request makes one transition. No attempt throws.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attempt } from '../support/racing-writer.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { pendingRequestFor } from '../support/staff-http.ts';
import { createUser, PASSWORD } from '../support/users.ts';

const WRITER = fileURLToPath(new URL('../support/racing-writer.ts', import.meta.url));

interface Result {
  attempt: Attempt;
  outcome?: { ok: boolean; problem?: string; changed?: boolean; deleted?: boolean };
  error?: string;
}

let dir: string;
let path: string;
let database: TestDatabase;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ct-race-'));
  path = join(dir, 'site.db');
  database = await openTestDatabase(path);
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `attempts[0]` in one process and `attempts[1]` in another, started together; resolves with every outcome. */
async function race(attempts: [Attempt[], Attempt[]]): Promise<Result[]> {
  const writers = attempts.map((list) => {
    const child = spawn(process.execPath, [WRITER, database.target, JSON.stringify(list)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const done = new Promise<Result[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`a writer took more than 60 s: ${err}`));
      }, 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`a writer exited with ${code}: ${err}`));
        else resolve(JSON.parse(out) as Result[]);
      });
    });
    return { child, done };
  });
  for (const { child } of writers) child.stdin.end('go\n');
  return (await Promise.all(writers.map((w) => w.done))).flat();
}

const admins = () =>
  database.db
    .selectFrom('user_role')
    .innerJoin('user', 'user.id', 'user_role.user_id')
    .select('user.id')
    .where('role', '=', 'admin')
    .execute();

describe('two writers at once', () => {
  it('always leave an admin: 20 revocations, self-deletions and deletions by request of the two admins', { timeout: 120_000 }, async () => {
    const a = await createUser(database.db, { label: 'admin-a', roles: ['admin'], agreed: false });
    const b = await createUser(database.db, { label: 'admin-b', roles: ['admin'], agreed: false });
    const support = await createUser(database.db, { label: 'support', roles: ['support'], agreed: false });
    const requestA = await pendingRequestFor(database.db, a.id, a.email);
    const requestB = await pendingRequestFor(database.db, b.id, b.email);
    const first: Attempt[] = [];
    const second: Attempt[] = [];
    for (let n = 0; n < 5; n++) {
      for (const who of [a, b]) first.push({ op: 'revoke-admin', userId: who.id, actorId: support.id });
      const target = n % 2 === 0 ? a : b;
      second.push({ op: 'delete-self', userId: target.id, password: PASSWORD });
      second.push({ op: 'confirm-link', token: (n % 2 === 0 ? requestB : requestA).token });
    }
    const results = await race([first, second]);
    expect(results).toHaveLength(20);
    expect(results.filter((r) => r.error)).toEqual([]);
    const left = await admins();
    expect(left).toHaveLength(1);
    // The rule was what stopped the rest: some attempt on the survivor was refused as the last admin.
    expect(results.some((r) => r.outcome?.ok === false && r.outcome.problem === 'last-admin')).toBe(true);
  });

  it('record one open deletion request for an account, however many are recorded at once', { timeout: 120_000 }, async () => {
    const owner = await createUser(database.db, { label: 'leaving', agreed: false });
    const admin = await createUser(database.db, { label: 'admin', roles: ['admin'], agreed: false });
    const attempt: Attempt = { op: 'record-request', email: owner.email, actorId: admin.id };
    const results = await race([Array(10).fill(attempt), Array(10).fill(attempt)]);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.filter((r) => r.outcome?.ok)).toHaveLength(1);
    expect(results.filter((r) => r.outcome?.problem === 'already-open')).toHaveLength(19);
    const open = await database.db.selectFrom('deletion_request').select('id').where('status', 'in', ['pending', 'confirmed']).execute();
    expect(open).toHaveLength(1);
    // One confirmation link was queued, by the request that was recorded.
    expect(await database.db.selectFrom('mail_outbox').select('recipient').execute()).toEqual([{ recipient: owner.email }]);
  });

  it('make one transition of a request approved and cancelled at once', { timeout: 120_000 }, async () => {
    const owner = await createUser(database.db, { label: 'undecided', agreed: false });
    const admin = await createUser(database.db, { label: 'admin', roles: ['admin'], agreed: false });
    const { requestId } = await pendingRequestFor(database.db, owner.id, owner.email);
    const results = await race([
      Array<Attempt>(10).fill({ op: 'approve', requestId, actorId: admin.id }),
      Array<Attempt>(10).fill({ op: 'cancel', requestId, actorId: admin.id }),
    ]);
    expect(results.filter((r) => r.error)).toEqual([]);
    const succeeded = results.filter((r) => r.outcome?.ok);
    expect(succeeded).toHaveLength(1);
    const { status } = await database.db
      .selectFrom('deletion_request')
      .select('status')
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(status).toBe(succeeded[0]!.attempt.op === 'approve' ? 'completed' : 'cancelled');
    const audited = await database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['account.delete', 'deletion-request.cancel'])
      .execute();
    expect(audited).toHaveLength(1);
    const accountLeft = await database.db.selectFrom('user').select('id').where('id', '=', owner.id).execute();
    expect(accountLeft).toHaveLength(status === 'completed' ? 0 : 1);
  });
});
