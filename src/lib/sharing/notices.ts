import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { hashSecret, issueToken, parseToken } from '../auth/tokens.ts';
import type { DB } from '../db/index.ts';
import type { Job } from '../jobs/scheduler.ts';
import { fieldLabels, parseFields } from './fields.ts';

/**
 * Notices of a new purpose, one per account and purpose (the table's primary key makes a
 * second one impossible, whoever runs the job how many times). A scheduled job:
 *
 * 1. queues a notice for every account that has none yet, a bounded batch per run (so that
 *    100,000 accounts are a few short transactions, never one long lock), including accounts
 *    made after the purpose was proposed;
 * 2. sends at most NOTICES_PER_RUN queued notices per run, each in its own transaction that
 *    marks it sent (only if it was not: two processes cannot both send it) and puts the message
 *    in the mail outbox, so that the message leaves exactly when the mark commits.
 *
 * Only accounts with a confirmed address are mailed; the notice shows on every account page
 * as soon as it is queued. A share includes only accounts mailed at least the whole notice
 * period earlier (shares.ts), so an account with no confirmed address is never shared.
 */

export const NOTICES_PER_RUN = 200;
export const QUEUE_BATCH = 5000;
export const NOTICE_JOB_PERIOD_MS = 60_000;
export const OPT_OUT_PATH = '/account/opt-out';

/** A message handed to the mail outbox inside the caller's transaction. */
export interface NoticeMessage {
  to: string;
  subject: string;
  text: string;
}
export type EnqueueMail = (trx: DB, message: NoticeMessage) => Promise<unknown>;

/** Queues notices for accounts that have none, for every purpose not withdrawn. Returns how many were queued. */
export async function queueNotices(db: DB, now = new Date(), batch = QUEUE_BATCH): Promise<number> {
  const purposes = await db.selectFrom('sharing_purpose').select('id').where('withdrawn_at', 'is', null).execute();
  let queued = 0;
  for (const { id } of purposes) {
    if (queued >= batch) break;
    const result = await db
      .insertInto('purpose_notice')
      .columns(['purpose_id', 'user_id', 'queued_at'])
      .expression((eb) =>
        eb
          .selectFrom('user')
          .select([eb.val(id).as('purpose_id'), 'user.id', eb.val(now.getTime()).as('queued_at')])
          .where((w) =>
            w.not(
              w.exists(
                w
                  .selectFrom('purpose_notice')
                  .select('purpose_notice.user_id')
                  .where('purpose_notice.purpose_id', '=', id)
                  .whereRef('purpose_notice.user_id', '=', 'user.id'),
              ),
            ),
          )
          .orderBy('user.id')
          .limit(batch - queued),
      )
      .onConflict((oc) => oc.columns(['purpose_id', 'user_id']).doNothing())
      .executeTakeFirst();
    queued += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return queued;
}

function noticeMessage(
  siteUrl: string | URL,
  to: string,
  token: string,
  p: { recipient: string; country: string; description: string; fields: string; noticeEndsAt: number },
): NoticeMessage {
  const link = new URL(`${OPT_OUT_PATH}?token=${encodeURIComponent(token)}`, siteUrl).href;
  const from = new Date(p.noticeEndsAt).toISOString().slice(0, 10);
  return {
    to,
    subject: `Notice: we propose to share some of your information with ${p.recipient}`,
    text: [
      'Hello,',
      '',
      `Our privacy policy promises to tell you before your personal information is shared with a third party or used for a new purpose, and to let you opt out. We propose to share the following with ${p.recipient} (${p.country}):`,
      '',
      `  What: ${p.fields}`,
      `  Why: ${p.description}`,
      `  Not before: ${from}`,
      '',
      'If you do not want this, open the link below and press the button. You do not need to sign in, and you can use it any time, also after that date:',
      '',
      link,
      '',
      `The link works once. You can also opt out of all sharing on your account page (${new URL('/account', siteUrl).href}), and see every recipient at ${new URL('/privacy/recipients', siteUrl).href}.`,
      '',
      'CustomerTrackr',
    ].join('\n'),
  };
}

/** Notices, each with its purpose and the purpose's recipient. */
function noticesWithPurpose(db: DB) {
  return db
    .selectFrom('purpose_notice')
    .innerJoin('sharing_purpose', 'sharing_purpose.id', 'purpose_notice.purpose_id')
    .innerJoin('recipient', 'recipient.id', 'sharing_purpose.recipient_id');
}

/** Sends up to `max` queued notices to confirmed addresses. Returns how many were sent. */
export async function sendNotices(
  db: DB,
  enqueue: EnqueueMail,
  siteUrl: string | URL,
  now = new Date(),
  max = NOTICES_PER_RUN,
): Promise<number> {
  const due = await noticesWithPurpose(db)
    .innerJoin('user', 'user.id', 'purpose_notice.user_id')
    .select([
      'purpose_notice.purpose_id',
      'purpose_notice.user_id',
      'user.email',
      'recipient.name',
      'recipient.country',
      'sharing_purpose.description',
      'sharing_purpose.fields',
      'sharing_purpose.notice_ends_at',
    ])
    .where('purpose_notice.sent_at', 'is', null)
    .where('purpose_notice.opted_out_at', 'is', null)
    .where('sharing_purpose.withdrawn_at', 'is', null)
    .where('user.email_verified_at', 'is not', null)
    .orderBy('purpose_notice.purpose_id')
    .orderBy('purpose_notice.user_id')
    .limit(max)
    .execute();
  let sent = 0;
  for (const n of due) {
    const issued = issueToken();
    const done = await db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable('purpose_notice')
        .set({ sent_at: now.getTime(), token_id: issued.id, token_hash: Buffer.from(issued.secretHash).toString('hex') })
        .where('purpose_id', '=', n.purpose_id)
        .where('user_id', '=', n.user_id)
        .where('sent_at', 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      await enqueue(
        trx,
        noticeMessage(siteUrl, n.email, issued.token, {
          recipient: n.name,
          country: n.country,
          description: n.description,
          fields: fieldLabels(parseFields(n.fields)),
          noticeEndsAt: Number(n.notice_ends_at),
        }),
      );
      return true;
    });
    if (done) sent++;
  }
  return sent;
}

/** The scheduled job: queue, then send, every minute at a steady rate. */
export function noticeJob(options: { siteUrl: string | URL; enqueue: EnqueueMail }): Job {
  return {
    name: 'sharing.purpose-notices',
    next: (now) => new Date(now.getTime() + NOTICE_JOB_PERIOD_MS),
    run: async (db, now) => {
      const queued = await queueNotices(db, now);
      const sent = await sendNotices(db, options.enqueue, options.siteUrl, now);
      return { queued, sent };
    },
  };
}

export interface NoticeProgress {
  accounts: number;
  queued: number;
  sent: number;
  /** Queued for an account whose address is not confirmed: shown on its account page, never mailed. */
  unconfirmed: number;
  optedOut: number;
}

export async function noticeProgress(db: DB, purposeId: number): Promise<NoticeProgress> {
  const accounts = await db
    .selectFrom('user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const row = await db
    .selectFrom('purpose_notice')
    .innerJoin('user', 'user.id', 'purpose_notice.user_id')
    .select((eb) => [
      eb.fn.countAll<number>().as('queued'),
      eb.fn.count<number>('purpose_notice.sent_at').as('sent'),
      eb.fn.count<number>('purpose_notice.opted_out_at').as('optedOut'),
      eb.fn.sum<number>(eb.case().when('user.email_verified_at', 'is', null).then(1).else(0).end()).as('unconfirmed'),
    ])
    .where('purpose_notice.purpose_id', '=', purposeId)
    .executeTakeFirstOrThrow();
  return {
    accounts: Number(accounts.n),
    queued: Number(row.queued),
    sent: Number(row.sent),
    optedOut: Number(row.optedOut),
    unconfirmed: Number(row.unconfirmed ?? 0),
  };
}

export interface LinkNotice {
  userId: number;
  purposeId: number;
  recipient: string;
  description: string;
  fields: string;
}

/** The notice a presented opt-out link belongs to, or undefined (malformed, unknown, wrong secret or used). */
export async function noticeForLink(db: DB, token: string | null | undefined): Promise<LinkNotice | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const row = await noticesWithPurpose(db)
    .select([
      'purpose_notice.user_id',
      'purpose_notice.purpose_id',
      'purpose_notice.token_hash',
      'recipient.name',
      'sharing_purpose.description',
      'sharing_purpose.fields',
    ])
    .where('purpose_notice.token_id', '=', parsed.id)
    .executeTakeFirst();
  if (!row?.token_hash) return undefined;
  if (!constantTimeEqual(hashSecret(parsed.secret), new Uint8Array(Buffer.from(row.token_hash, 'hex')))) return undefined;
  return {
    userId: row.user_id,
    purposeId: row.purpose_id,
    recipient: row.name,
    description: row.description,
    fields: fieldLabels(parseFields(row.fields)),
  };
}

export type LinkOptOutOutcome = { ok: true; recipient: string } | { ok: false; problem: 'invalid' };

/**
 * The one click of the emailed link: refuses this purpose (shares.ts leaves the account out of
 * every share for it) and forgets the link. The link is the authority: no sign-in. Used once: a
 * second use finds no token. Opting out of all sharing stays on the account page.
 */
export async function optOutByLink(db: DB, token: string | null | undefined, now = new Date()): Promise<LinkOptOutOutcome> {
  const notice = await noticeForLink(db, token);
  if (!notice) return { ok: false, problem: 'invalid' };
  const parsed = parseToken(token)!;
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('purpose_notice')
      .set((eb) => ({ token_id: null, token_hash: null, opted_out_at: eb.fn.coalesce('opted_out_at', eb.val(now.getTime())) }))
      .where('token_id', '=', parsed.id)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { ok: false, problem: 'invalid' } as const;
    return { ok: true, recipient: notice.recipient } as const;
  });
}

export interface AccountNotice {
  purposeId: number;
  recipient: string;
  country: string;
  description: string;
  fields: string;
  noticeEndsAt: number;
  optedOutAt: number | null;
}

/** The notices on the user's account, newest purpose first. */
export async function accountNotices(db: DB, userId: number): Promise<AccountNotice[]> {
  const rows = await noticesWithPurpose(db)
    .select([
      'purpose_notice.purpose_id',
      'recipient.name',
      'recipient.country',
      'sharing_purpose.description',
      'sharing_purpose.fields',
      'sharing_purpose.notice_ends_at',
      'purpose_notice.opted_out_at',
    ])
    .where('purpose_notice.user_id', '=', userId)
    .where('sharing_purpose.withdrawn_at', 'is', null)
    .orderBy('purpose_notice.purpose_id', 'desc')
    .execute();
  return rows.map((r) => ({
    purposeId: r.purpose_id,
    recipient: r.name,
    country: r.country,
    description: r.description,
    fields: fieldLabels(parseFields(r.fields)),
    noticeEndsAt: Number(r.notice_ends_at),
    optedOutAt: r.opted_out_at === null ? null : Number(r.opted_out_at),
  }));
}

/** The signed-in user refuses one purpose from the notice on their account page. */
export async function optOutOfPurpose(db: DB, userId: number, purposeId: number, now = new Date()): Promise<'done' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('purpose_notice')
      .set((eb) => ({ token_id: null, token_hash: null, opted_out_at: eb.fn.coalesce('opted_out_at', eb.val(now.getTime())) }))
      .where('user_id', '=', userId)
      .where('purpose_id', '=', purposeId)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? 'done' : 'not-found';
  });
}
