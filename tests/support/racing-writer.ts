// One of the processes of the concurrency tests (tests/unit/concurrent-writers.test.ts): opens
// its own connection to the database file named on the command line, waits for "go" on stdin
// (so that both processes start together), runs its attempts at once, and prints each one's
// outcome (or the error it threw) as one JSON line. A separate process, not a second connection
// in the test's process: better-sqlite3 is synchronous, so a connection waiting for the write
// lock in one process would block the very event loop that must release it.
import { createInterface } from 'node:readline';
import { deleteOwnAccount } from '../../src/lib/accounts/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import {
  cancelDeletionRequest,
  checkDeletionRequestForm,
  confirmDeletionByLink,
  deleteWithVerifiedIdentity,
  recordDeletionRequest,
  revokeRoleFrom,
} from '../../src/lib/staff/index.ts';

export type Attempt =
  | { op: 'revoke-admin'; userId: number; actorId: number }
  | { op: 'delete-self'; userId: number; password: string }
  | { op: 'confirm-link'; token: string }
  | { op: 'record-request'; email: string; actorId: number }
  | { op: 'approve'; requestId: number; actorId: number }
  | { op: 'cancel'; requestId: number; actorId: number };

const SITE = new URL('https://ct.example');

const [databasePath, attemptsJson] = process.argv.slice(2);
const attempts = JSON.parse(attemptsJson!) as Attempt[];
const { db, close } = openDatabase(databasePath!);

function run(attempt: Attempt): Promise<unknown> {
  const actor = 'actorId' in attempt ? { userId: attempt.actorId, ip: '203.0.113.7' } : undefined;
  switch (attempt.op) {
    case 'revoke-admin':
      return revokeRoleFrom(db, actor!, attempt.userId, 'admin');
    case 'delete-self':
      return deleteOwnAccount(db, attempt.userId, attempt.password);
    case 'confirm-link':
      return confirmDeletionByLink(db, attempt.token);
    case 'record-request': {
      const form = checkDeletionRequestForm({ email: attempt.email, ticket: `ZD-${process.pid}`, receivedAt: '' }, new Date());
      if (!form.ok) throw new Error(JSON.stringify(form.errors));
      return recordDeletionRequest(db, SITE, actor!, form.value);
    }
    case 'approve':
      return deleteWithVerifiedIdentity(db, actor!, attempt.requestId, 'Identity checked by a call to the number on file');
    case 'cancel':
      return cancelDeletionRequest(db, actor!, attempt.requestId, 'The requester changed their mind');
  }
}

await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const outcomes = await Promise.all(
  attempts.map((a) =>
    run(a).then(
      (outcome) => ({ attempt: a, outcome }),
      (error: unknown) => ({ attempt: a, error: error instanceof Error ? error.message : String(error) }),
    ),
  ),
);
await close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
