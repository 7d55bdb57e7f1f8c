// Mail through the outbox against the real built server and a real SMTP server in this
// process (tests/support/smtp-sink.ts): mail goes out with the Message-ID of its row; with the
// SMTP server down, registration, password reset and deletion answer as usual and their mail
// arrives once it is back; a `kill -9` of the server in the middle of a batch loses no message
// (a copy can only come from the batch in flight); admins, and only admins, see failed mail.
// Every wait polls with a bounded deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteProcess } from '../../src/cli/site-process.ts';
import { enqueueMail } from '../../src/lib/mail/index.ts';
import { Client, registerThroughForm, signedInClient, textOf } from '../support/account-profile.ts';
import { withDatabase } from '../support/site-db.ts';
import { startSite, TEST_ASTRO_KEY, type RunningSite } from '../support/site.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { clientFor } from '../support/staff-http.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/users.ts';

let sink: SmtpSink;
let site: RunningSite;
beforeAll(async () => {
  sink = await startSmtpSink();
  process.env.SMTP_URL = sink.url; // the test process's own enqueueMail reads MAIL_FROM only
  // Retries a second after the first failure (doubling): the outage below is a few seconds.
  site = await startSite({ SMTP_URL: sink.url, MAIL_RETRY_SECONDS: '1' });
});
afterAll(async () => {
  await site?.stop();
  await sink?.stop();
});

interface OutboxRow {
  message_id: string;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
}
const outboxRows = (at: { databasePath: string }) =>
  withDatabase(at, (db) =>
    db.selectFrom('mail_outbox').select(['message_id', 'recipient', 'subject', 'status', 'attempts']).orderBy('id').execute(),
  ) as Promise<OutboxRow[]>;

/** Resolves once `predicate` holds of the server's outbox rows (checked every 100 ms), or fails after `timeoutMs`. */
async function waitForRows(at: { databasePath: string }, predicate: (rows: OutboxRow[]) => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await outboxRows(at);
    if (predicate(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const to =
  (address: string) =>
  <M extends { to: string }>(messages: M[]) =>
    messages.filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));

describe('mail through SMTP', () => {
  it('goes out after the request, with the Message-ID its row was given', async () => {
    const email = uniqueEmail('smtp-register');
    const res = await registerThroughForm(new Client(site), email);
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain('What happens next');
    await sink.waitFor((m) => to(email)(m).length === 1, `the verification message to ${email}`);
    const [row] = (await waitForRows(site, (rows) => rows.some((r) => r.recipient === email && r.status === 'sent'), 'sent')).filter(
      (r) => r.recipient === email,
    );
    const [received] = to(email)(sink.messages);
    expect(received!.messageId).toBe(row!.message_id);
    expect(received!.subject).toBe(row!.subject);
    expect(received!.raw.replace(/=\r?\n/g, '')).toMatch(/verify-email\?token=/);
  });

  it('with the SMTP server down, registration, reset and deletion answer as usual; their mail arrives once it is back', async () => {
    const newcomer = uniqueEmail('down-register');
    const forgetful = uniqueEmail('down-reset');
    await createUser(site, { email: forgetful });
    const leaving = await signedInClient(site, { label: 'down-delete' });

    await sink.stop();
    const registered = await registerThroughForm(new Client(site), newcomer);
    expect(registered.status).toBe(200);
    expect(textOf(await registered.text())).toContain('What happens next');
    const reset = await new Client(site).post('/forgot-password?_action=auth.forgotPassword', { email: forgetful });
    expect(reset.status).toBe(200);
    expect(textOf(await reset.text())).toContain(forgetful);
    const deleted = await leaving.client.post('/account?_action=account.deleteAccount', {
      deletePassword: PASSWORD,
      confirmation: 'delete my account',
    });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('location')).toBe('/account/deleted');

    // Queued, tried, and waiting for a retry: the server is down.
    const addresses = [newcomer, forgetful, leaving.email];
    const pending = await waitForRows(
      site,
      (rows) => addresses.every((a) => rows.some((r) => r.recipient === a && r.status === 'pending' && r.attempts >= 1)),
      'a failed first attempt for each message',
    );
    expect(addresses.flatMap((a) => to(a)(sink.messages))).toEqual([]);

    await sink.start();
    await sink.waitFor((m) => addresses.every((a) => to(a)(m).length === 1), 'the three messages');
    expect(to(newcomer)(sink.messages)[0]!.subject).toMatch(/Confirm/i);
    expect(to(forgetful)(sink.messages)[0]!.subject).toMatch(/Reset your/);
    expect(to(leaving.email)(sink.messages)[0]!.subject).toMatch(/account has been deleted/);
    // Sent rows are kept for a while; the confirmation to the erased address is forgotten once sent.
    await waitForRows(
      site,
      (r) =>
        [newcomer, forgetful].every((a) => r.some((x) => x.recipient === a && x.status === 'sent')) &&
        !r.some((x) => x.recipient === leaving.email),
      'sent, and the deletion confirmation forgotten',
    );
    for (const a of addresses) expect(to(a)(sink.messages)[0]!.messageId).toBe(pending.find((r) => r.recipient === a)!.message_id);
  });

  it('shows messages given up on to admins only', async () => {
    const recipient = uniqueEmail('undeliverable');
    const messageId = `<undeliverable-${Date.now()}@customertrackr.com>`;
    // What the worker writes after its last attempt (tested in tests/unit/mail-outbox.test.ts);
    // inserted as failed, so that the running worker never takes it.
    await withDatabase(site, (db) =>
      db
        .insertInto('mail_outbox')
        .values({
          message_id: messageId,
          recipient,
          subject: 'Confirm your new email address',
          body: 'x',
          status: 'failed',
          attempts: 10,
          created_at: Date.now() - 60_000,
          next_attempt_at: Date.now() - 60_000,
          lease_until: null,
          last_error: '550 5.1.1 mailbox unavailable',
          finished_at: Date.now(),
        })
        .execute(),
    );
    const { client: admin } = await clientFor(site, 'admin');
    const page = await admin.get('/admin/mail');
    expect(page.status).toBe(200);
    const text = textOf(await page.text());
    for (const shown of [
      recipient,
      'Confirm your new email address',
      '550 5.1.1 mailbox unavailable',
      '10 attempts',
      messageId.slice(1, -1),
    ])
      expect(text).toContain(shown);
    for (const who of ['support', 'editor', 'user'] as const) {
      const res = await (await clientFor(site, who)).client.get('/admin/mail');
      expect(res.status, who).toBe(403);
      expect(await res.text()).not.toContain(recipient);
    }
    expect((await new Client(site).get('/admin/mail')).status).toBe(303);
  });
});

describe('a server killed in the middle of a batch', () => {
  it('loses no message: each reaches the SMTP server, a copy only from the batch in flight', async () => {
    const killed = await startSite({ SMTP_URL: sink.url, MAIL_LEASE_SECONDS: '5' });
    const ids = await withDatabase(killed, (db) =>
      db.transaction().execute(async (trx) => {
        const queued: string[] = [];
        for (let n = 0; n < 45; n++)
          queued.push(await enqueueMail(trx, { to: `batch${n}@example.com`, subject: `Batch ${n}`, text: `${n}` }));
        return queued;
      }),
    );
    const idSet = new Set(ids);
    const fromBatch = () => sink.messages.filter((m) => idSet.has(m.messageId));
    // The fifth message of the first batch: the server is killed while the SMTP server holds
    // it, before it has answered, so it is received but never marked sent.
    const exited = new Promise<unknown>((resolve) => killed.process.once('exit', (_code, signal) => resolve(signal)));
    const killedAt = new Promise<void>((resolve) => {
      sink.onMessage = (message) => {
        if (!idSet.has(message.messageId) || fromBatch().length !== 5) return;
        killed.process.kill('SIGKILL');
        sink.onMessage = undefined;
        resolve();
      };
    });
    await killedAt;
    expect(await exited).toBe('SIGKILL');
    // Rows claimed and not finished: the batch in flight.
    const inFlight = (
      await withDatabase(killed, (db) =>
        db.selectFrom('mail_outbox').select('message_id').where('status', '=', 'pending').where('lease_until', 'is not', null).execute(),
      )
    ).map((r) => r.message_id);
    expect(inFlight.length).toBeGreaterThan(0);

    // Restarted on the same database: the leases run out (5 s) and every message goes out.
    const restarted = await startSiteProcess({
      ASTRO_KEY: TEST_ASTRO_KEY,
      ...killed.databaseEnv,
      SMTP_URL: sink.url,
      MAIL_LEASE_SECONDS: '5',
    });
    try {
      await sink.waitFor(
        (m) => idSet.size === new Set(m.filter((x) => idSet.has(x.messageId)).map((x) => x.messageId)).size,
        'all 45',
        40_000,
      );
      const counts = new Map<string, number>();
      for (const m of fromBatch()) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      const copies = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(copies.length).toBeGreaterThan(0); // the fifth message, at least
      for (const id of copies) expect(inFlight).toContain(id);
      expect(Math.max(...counts.values())).toBe(2);
      // The SMTP server has the last message as soon as it answers; its row is marked sent
      // just after, on the restarted server.
      const allSent = (all: OutboxRow[]) => all.filter((r) => idSet.has(r.message_id)).every((r) => r.status === 'sent');
      expect(allSent(await waitForRows(killed, allSent, 'all 45 sent'))).toBe(true);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
      await killed.stop(); // removes its folder
    }
  }, 90_000);
});
