// Work that must happen once per site, not once per app server: a scheduled job's period, and
// the mail outbox (with the password-reset queue that feeds it), whose deliveries are counted
// where they arrive: an SMTP server both app servers send to. A and B start at the same moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import { Client } from '../support/account-profile.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { withDatabase } from '../support/site-db.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { createUser, startSession, type NewUser } from '../support/users.ts';

const EXPIRED_SESSIONS = 7;
const SESSION_JOB = 'auth.expired-sessions';
/** Password resets requested through nginx: under the per-address limit (LIMITS.resetPerIp, 10), as nginx makes every request come from 127.0.0.1. */
const RESETS = 8;

let cluster: Cluster;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  cluster = await startCluster({
    together: true,
    env: { SMTP_URL: sink.url },
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
  await sink?.stop();
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

  it('the outbox: messages queued through both servers are delivered once each, counted at the SMTP server', async () => {
    const users: NewUser[] = [];
    for (let i = 0; i < RESETS; i++) users.push(await createUser(cluster.database.databasePath, { label: `reset${i}` }));
    const before = cluster.accessLog().length;
    for (const user of users) {
      const res = await new Client(cluster.site('nginx')).post('/forgot-password?_action=auth.forgotPassword', { email: user.email });
      expect(res.status).toBeLessThan(400);
    }
    // nginx spread the requests over both servers.
    const servers = new Set((await cluster.accessLogSince(before, RESETS)).flatMap((e) => e.upstreams));
    expect(servers).toEqual(new Set([`127.0.0.1:${cluster.a.port}`, `127.0.0.1:${cluster.b.port}`]));

    // Both servers' reset workers take requests from the queue and both mail workers send:
    // wait (bounded) until every request became a message and none is left to send.
    const outbox = () =>
      withDatabase(cluster.database.databasePath, async (db) => ({
        queued: Number(
          (
            await db
              .selectFrom('password_reset_request')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
        rows: await db.selectFrom('mail_outbox').select(['message_id', 'recipient', 'status', 'attempts']).orderBy('id').execute(),
      }));
    const deadline = Date.now() + 30_000;
    let state = await outbox();
    while (state.queued > 0 || state.rows.length < RESETS || state.rows.some((r) => r.status === 'pending')) {
      if (Date.now() > deadline) throw new Error(`the outbox did not empty: ${JSON.stringify(state)}`);
      await sleep(100);
      state = await outbox();
    }
    // A second send would come from a worker that claimed a message another had claimed too,
    // before the first marked it sent: give both workers another look (they look every second).
    await sleep(2500);

    const emails = users.map((u) => u.email.toLowerCase()).sort();
    const rows = (await outbox()).rows;
    expect(rows.map((r) => r.recipient.toLowerCase()).sort()).toEqual(emails);
    // Each message was claimed once (a claim counts an attempt) and sent.
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ['sent', 1]));
    // At the SMTP server: exactly one message per request, each recipient once, with the row's Message-ID.
    const received = sink.messages.filter((m) => /password/i.test(m.subject));
    expect(received.map((m) => m.to.toLowerCase()).sort()).toEqual(emails);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(RESETS);
    expect(received.map((m) => m.messageId).sort()).toEqual(rows.map((r) => r.message_id).sort());
    expect(sink.messages).toHaveLength(RESETS);
  });
});
