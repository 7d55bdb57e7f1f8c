// One of the processes of tests/unit/concurrent-writers.test.ts: opens the database file named
// on the command line (its own connection), says "ready", waits for "go" on stdin (so that the
// processes start together, without a timer), makes its attempts all at once, and prints their
// outcomes as one line of JSON. Run with Node's type stripping.
import { createInterface } from 'node:readline';
import { deleteOwnAccount } from '../../src/lib/accounts/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import {
  cancelDeletionRequest,
  checkDeletionRequestForm,
  deleteWithVerifiedIdentity,
  recordDeletionRequest,
  revokeRoleFrom,
} from '../../src/lib/staff/index.ts';

export type Attempt =
  | { kind: 'revoke-admin'; actorId: number; userId: number }
  | { kind: 'delete-self'; userId: number; password: string }
  | { kind: 'record-request'; actorId: number; email: string; ticket: string }
  | { kind: 'delete-verified'; actorId: number; requestId: number }
  | { kind: 'cancel-request'; actorId: number; requestId: number };

const [path, json] = process.argv.slice(2);
const attempts = JSON.parse(json!) as Attempt[];
const database = openDatabase(path!);
const site = new URL('https://ct.example');
const actor = (userId: number) => ({ userId, ip: '203.0.113.7' });

async function run(a: Attempt): Promise<string> {
  const db = database.db;
  try {
    switch (a.kind) {
      case 'revoke-admin': {
        const o = await revokeRoleFrom(db, actor(a.actorId), a.userId, 'admin');
        return o.ok ? (o.changed ? 'revoked' : 'not-held') : o.problem;
      }
      case 'delete-self': {
        const o = await deleteOwnAccount(db, a.userId, a.password);
        return o.ok ? 'deleted' : o.problem;
      }
      case 'record-request': {
        const form = checkDeletionRequestForm({ email: a.email, ticket: a.ticket, receivedAt: '2026-11-25T09:30' }, new Date());
        if (!form.ok) return 'bad-form';
        const o = await recordDeletionRequest(db, site, actor(a.actorId), form.value);
        return o.ok ? 'recorded' : o.problem;
      }
      case 'delete-verified': {
        const o = await deleteWithVerifiedIdentity(db, actor(a.actorId), a.requestId, 'Identity verified on a video call');
        return o.ok ? 'deleted' : o.problem;
      }
      case 'cancel-request': {
        const o = await cancelDeletionRequest(db, actor(a.actorId), a.requestId, 'The requester changed their mind');
        return o.ok ? 'cancelled' : o.problem;
      }
    }
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

console.log('ready');
const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (line.trim() !== 'go') continue;
  const outcomes = await Promise.all(attempts.map(run));
  console.log(JSON.stringify(outcomes));
  break;
}
input.close();
await database.close();
