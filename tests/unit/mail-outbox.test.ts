// The mail outbox (src/lib/mail): messages are rows written in the transaction of their change,
// sent by the delivery worker through a real SMTP server (in this process), with a Message-ID
// fixed when queued, retried with exponential backoff on an injected clock, given up on and
// shown to admins, claimed with a lease so that two connections never send one message twice,
// and pruned by their retention job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, writeTransaction } from '../../src/lib/db/index.ts';
import { backoffMs, deliverDueMail, enqueueMail, failedMail } from '../../src/lib/mail/index.ts';
import { claimDueMail, MAX_BACKOFF_MS } from '../../src/lib/mail/delivery.ts';
import { FAILED_MAIL_RETENTION_DAYS, OUTBOX_ROWS_JOB, SENT_MAIL_RETENTION_DAYS } from '../../src/lib/mail/retention.ts';
import { dialect, openTestDatabase, testDatabase } from '../support/db.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const t0 = new Date('2026-11-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const DAY = 24 * 60 * 60_000;
const message = (n: number) => ({ to: `person${n}@example.com`, subject: `Message ${n}`, text: `Hello ${n}.\n` });

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  // config() is read at the first send or enqueue, after this.
  process.env.SMTP_URL = sink.url;
});
afterAll(async () => {
  await sink.stop();
});
beforeEach(async () => {
  sink.onMessage = undefined;
  sink.messages.length = 0;
  await sink.start(); // a test may have stopped it
});

const database = testDatabase();
const rows = () => database.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();

describe('enqueueMail', () => {
  it('writes the message in the transaction of its change: rolled back with it, sent once committed, with its Message-ID', async () => {
    await expect(
      writeTransaction(database.db, 'test', async (trx) => {
        await enqueueMail(trx, message(1), t0);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rows()).toEqual([]);

    const messageId = await writeTransaction(database.db, 'test', (trx) => enqueueMail(trx, message(2), t0));
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@customertrackr\.com>$/);
    expect(await rows()).toMatchObject([{ message_id: messageId, recipient: 'person2@example.com', status: 'pending', attempts: 0 }]);

    expect(await deliverDueMail(database.db, { now: () => at(1000) })).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(sink.messages.map((m) => [m.messageId, m.to, m.subject])).toEqual([[messageId, 'person2@example.com', 'Message 2']]);
    expect(sink.messages[0]!.raw).toContain('Hello 2.');
    expect(await rows()).toMatchObject([{ status: 'sent', attempts: 1, finished_at: at(1000).getTime(), lease_until: null }]);
    // Sent once: nothing is due any more.
    expect(await deliverDueMail(database.db, { now: () => at(2000) })).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(sink.messages).toHaveLength(1);
  });

  it('deletes the row of a message to forget (to an erased account) once it is sent, and keeps the others', async () => {
    const forgotten = await enqueueMail(database.db, message(3), t0, { forgetWhenSent: true });
    const kept = await enqueueMail(database.db, message(4), t0);
    expect((await rows()).filter((r) => r.status === 'pending')).toHaveLength(2);
    expect(await deliverDueMail(database.db, { now: () => at(1000) })).toMatchObject({ sent: 2 });
    expect(sink.messages.map((m) => m.messageId).sort()).toEqual([forgotten, kept].sort());
    const left = (await rows()).map((r) => r.message_id);
    expect(left).toContain(kept);
    expect(left).not.toContain(forgotten);
    if (dialect === 'postgres') {
      // Its dead version leaves the table at once too, not at autovacuum's next pass (decision 0025).
      const { rows: stats } = await sql<{ vacuumed: boolean }>`
        select last_vacuum is not null as vacuumed from pg_stat_user_tables where relname = 'mail_outbox'
      `.execute(database.db);
      expect(stats).toEqual([{ vacuumed: true }]);
    }
  });
});

describe('delivery', () => {
  const settings = { retryMs: 10_000, maxAttempts: 4, leaseMs: 60_000 };

  it('backs off exponentially while the SMTP server is down, sends when it is back, and never before a retry is due', async () => {
    const id = await enqueueMail(database.db, message(1), t0);
    await sink.stop();
    expect(await deliverDueMail(database.db, { ...settings, now: () => t0 })).toEqual({ sent: 0, retrying: 1, failed: 0 });
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: t0.getTime() + 10_000, lease_until: null });
    expect(row!.last_error).toBeTruthy();
    // Not due yet, even with the server back.
    await sink.start();
    expect(await deliverDueMail(database.db, { ...settings, now: () => at(9_999) })).toEqual({ sent: 0, retrying: 0, failed: 0 });
    await sink.stop();
    expect(await deliverDueMail(database.db, { ...settings, now: () => at(10_000) })).toMatchObject({ retrying: 1 });
    expect((await rows())[0]).toMatchObject({ attempts: 2, next_attempt_at: at(10_000 + 20_000).getTime() });
    await sink.start();
    expect(await deliverDueMail(database.db, { ...settings, now: () => at(30_000) })).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(sink.messages.map((m) => m.messageId)).toEqual([id]);
  });

  it('doubles the wait after each failure, up to an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 30_000))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(20, 30_000)).toBe(MAX_BACKOFF_MS);
  });

  it('gives up after the last attempt, and lists the message for admins', async () => {
    await enqueueMail(database.db, message(1), t0);
    const refuse = async () => {
      throw new Error('550 mailbox unavailable');
    };
    let now = t0;
    for (let attempt = 1; attempt <= 4; attempt++) {
      const report = await deliverDueMail(database.db, { ...settings, send: refuse, now: () => now });
      expect(report).toEqual(attempt < 4 ? { sent: 0, retrying: 1, failed: 0 } : { sent: 0, retrying: 0, failed: 1 });
      now = new Date(now.getTime() + backoffMs(attempt, settings.retryMs));
    }
    expect(await rows()).toMatchObject([{ status: 'failed', attempts: 4, last_error: '550 mailbox unavailable' }]);
    expect(await deliverDueMail(database.db, { ...settings, send: refuse, now: () => at(DAY) })).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
    expect(await failedMail(database.db)).toMatchObject([
      { recipient: 'person1@example.com', subject: 'Message 1', attempts: 4, lastError: '550 mailbox unavailable' },
    ]);
  });

  it('one failing message does not hold up the others', async () => {
    for (let n = 1; n <= 3; n++) await enqueueMail(database.db, message(n), t0);
    const send = async (m: { to: string }, messageId: string) => {
      if (m.to === 'person2@example.com') throw new Error('refused');
      sink.messages.push({ messageId, to: m.to, subject: '', raw: '' });
    };
    expect(await deliverDueMail(database.db, { ...settings, send, now: () => t0 })).toEqual({ sent: 2, retrying: 1, failed: 0 });
  });

  it('leaves a claimed message alone until its lease ends (its worker may still be sending), then sends it with the same Message-ID', async () => {
    const id = await enqueueMail(database.db, message(1), t0);
    // A worker claims it and dies before sending or marking it.
    expect(await claimDueMail(database.db, t0, { leaseMs: 60_000, batchSize: 10 })).toMatchObject([{ messageId: id, attempts: 1 }]);
    expect(await deliverDueMail(database.db, { ...settings, now: () => at(59_999) })).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(await deliverDueMail(database.db, { ...settings, now: () => at(60_000) })).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(sink.messages.map((m) => m.messageId)).toEqual([id]);
  });
});

describe('two connections on one database file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ct-mail-two-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deliver every message exactly once when they work at the same time', async () => {
    const path = join(dir, 'site.db');
    const first = await openTestDatabase(path);
    const second = openDatabase(first.target); // the same SQLite file, or the same PostgreSQL database
    try {
      const ids = new Set<string>();
      for (let n = 0; n < 40; n++) ids.add(await enqueueMail(first.db, message(n), t0));
      const reports = await Promise.all(
        [first, second].map((d) => deliverDueMail(d.db, { batchSize: 3, leaseMs: 60_000, now: () => at(1000) })),
      );
      expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(40);
      expect(reports.every((r) => r.sent > 0)).toBe(true); // both took part
      const received = sink.messages.map((m) => m.messageId);
      expect(received).toHaveLength(40);
      expect(new Set(received)).toEqual(ids);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('the retention job of the outbox table', () => {
  it('deletes sent messages after 7 days and failed ones after 30, never pending ones', async () => {
    expect([SENT_MAIL_RETENTION_DAYS, FAILED_MAIL_RETENTION_DAYS]).toEqual([7, 30]);
    const insert = (status: 'pending' | 'sent' | 'failed', finishedDaysAgo: number | null, n: number) =>
      database.db
        .insertInto('mail_outbox')
        .values({
          message_id: `<${status}-${n}@example.com>`,
          recipient: 'x@example.com',
          subject: 's',
          body: 'b',
          status,
          created_at: t0.getTime() - 60 * DAY,
          next_attempt_at: t0.getTime() - 60 * DAY,
          lease_until: null,
          last_error: null,
          finished_at: finishedDaysAgo === null ? null : t0.getTime() - finishedDaysAgo * DAY,
        })
        .execute();
    await insert('sent', 7, 1);
    await insert('sent', 6.9, 2);
    await insert('failed', 30, 3);
    await insert('failed', 29.9, 4);
    await insert('failed', 7, 5);
    await insert('pending', null, 6);
    expect(await OUTBOX_ROWS_JOB.run(database.db, t0)).toBe(2);
    expect((await rows()).map((r) => r.message_id)).toEqual([
      '<sent-2@example.com>',
      '<failed-4@example.com>',
      '<failed-5@example.com>',
      '<pending-6@example.com>',
    ]);
  });
});
