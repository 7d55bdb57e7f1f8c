// Work that must happen once per site, not once per app server: a scheduled job's period and
// the queue of password-reset messages, with A and B started at the same moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import { Client } from '../support/account-profile.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { mailsIn } from '../support/outbox.ts';
import { withDatabase } from '../support/site-db.ts';
import { createUser, startSession, type NewUser } from '../support/users.ts';

const EXPIRED_SESSIONS = 7;
const SESSION_JOB = 'auth.expired-sessions';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({
    together: true,
    // Sessions long past their lifetime, for the retention job both servers run at start.
    beforeStart: async (database) => {
      const opened = openDatabase(database.databasePath);
      await migrate(opened.db);
      await opened.close();
      // (No policy agreement yet: the servers record the published versions as they start.)
      const user = await createUser(database.databasePath, { agreed: false });
      for (let i = 0; i < EXPIRED_SESSIONS; i++) await startSession(database.databasePath, user.id);
      await withDatabase(database.databasePath, (db) => db.updateTable('session').set({ created_at: 0, last_active_at: 0 }).execute());
    },
  });
});
afterAll(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('jobs run once per site', () => {
  it('a scheduled job: one server claims its period and runs it, the other does not', async () => {
    const lines = [cluster.a.output(), cluster.b.output()].map((output) =>
      output.split('\n').filter((line) => line.startsWith(`job ${SESSION_JOB}:`)),
    );
    // Exactly one run found the expired sessions; the other server claimed nothing.
    expect(lines.flat()).toEqual([`job ${SESSION_JOB}: ${EXPIRED_SESSIONS} deleted`]);
    const row = await withDatabase(cluster.database.databasePath, (db) =>
      db.selectFrom('job_run').selectAll().where('name', '=', SESSION_JOB).executeTakeFirstOrThrow(),
    );
    // One claim: the next run is one period (an hour) after the run.
    expect(row.next_run_at - row.last_run_at!).toBe(60 * 60_000);
    const left = await withDatabase(cluster.database.databasePath, (db) =>
      db
        .selectFrom('session')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    expect(Number(left.n)).toBe(0);
  });

  it('password-reset messages: each request is sent once, though both servers run the sending worker', async () => {
    const users: NewUser[] = [];
    for (let i = 0; i < 6; i++) users.push(await createUser(cluster.database.databasePath, { label: `reset${i}` }));
    for (const user of users) {
      const res = await new Client(cluster.site('nginx')).post('/forgot-password?_action=auth.forgotPassword', { email: user.email });
      expect(res.status).toBeLessThan(400);
    }
    const count = () => users.map((user) => mailsIn(cluster.outboxDir, user.email, /password/i).length);
    const deadline = Date.now() + 15_000;
    while (count().some((n) => n === 0) && Date.now() < deadline) await sleep(200);
    // Time for a second delivery, if there were to be one.
    await sleep(2000);
    expect(count()).toEqual(users.map(() => 1));
  });
});
