import { recordAudit, type AuditActor } from '../audit/log.ts';
import type { DB } from '../db/index.ts';
import type { Job } from '../jobs/scheduler.ts';
import { isCalendarDate, effectiveInstant } from '../policy/dates.ts';
import { fieldLabels, isShareableField, orderedFields, parseFields, type ShareableField } from './fields.ts';
import type { EnqueueMail, NoticeMessage } from './notices.ts';
import { policyVersionAt } from './shares.ts';
import type { DisclosureKind } from './tables.ts';

/**
 * Disclosures about one account outside a share: to comply with the law, or for fraud
 * protection and credit risk reduction, as the policy allows. An admin records each one
 * (audited); the user is told by email and sees it on their account and in their export,
 * unless the admin records a legal hold with an end date: then it stays hidden from them
 * until the hold ends, and a scheduled job emails them when it does (`disclosureNoticeJob`).
 */

export const LEGAL_KINDS = ['legal', 'fraud'] as const satisfies readonly DisclosureKind[];
export type LegalKind = (typeof LEGAL_KINDS)[number];

export interface LegalDisclosureValues {
  userId: number;
  kind: LegalKind;
  requester: string;
  legalBasis: string;
  reference: string;
  fields: ShareableField[];
  reason: string;
  /** Epoch ms; undefined: no hold, the user is told at once. */
  holdUntil?: number | undefined;
}

export type DisclosureField = 'userId' | 'kind' | 'requester' | 'legalBasis' | 'reference' | 'fields' | 'reason' | 'holdUntil';

const TEXTS: [Exclude<DisclosureField, 'userId' | 'kind' | 'fields' | 'holdUntil'>, number, string][] = [
  ['requester', 200, 'Name who asked for the data (an authority, a company).'],
  ['legalBasis', 500, 'Name the law, order or agreement that requires or allows it.'],
  ['reference', 200, 'Enter the requester’s reference.'],
  ['reason', 500, 'Say why the release is necessary.'],
];

export type DisclosureCheck = { ok: true; value: LegalDisclosureValues } | { ok: false; errors: Partial<Record<DisclosureField, string>> };

export function checkDisclosureForm(
  input: Partial<Record<Exclude<DisclosureField, 'fields'>, string | null | undefined>> & { fields?: readonly string[] | undefined },
  now = new Date(),
): DisclosureCheck {
  const errors: Partial<Record<DisclosureField, string>> = {};
  const value: Partial<LegalDisclosureValues> = {};
  const userId = /^[1-9]\d{0,11}$/.test(input.userId ?? '') ? Number(input.userId) : undefined;
  if (userId === undefined) errors.userId = 'Enter the number of the account.';
  else value.userId = userId;
  if ((LEGAL_KINDS as readonly string[]).includes(input.kind ?? '')) value.kind = input.kind as LegalKind;
  else errors.kind = 'Choose legal or fraud.';
  for (const [field, max, missing] of TEXTS) {
    const text = (input[field] ?? '').trim().replace(/\s+/g, ' ');
    if (text.length < 3) errors[field] = missing;
    else if ([...text].length > max) errors[field] = `At most ${max} characters.`;
    else value[field] = text;
  }
  const chosen = input.fields ?? [];
  const fields = orderedFields(chosen.filter(isShareableField));
  if (fields.length === 0 || fields.length !== new Set(chosen).size) errors.fields = 'Choose at least one field, from the list.';
  else value.fields = fields;
  const hold = (input.holdUntil ?? '').trim();
  if (hold) {
    if (!isCalendarDate(hold)) errors.holdUntil = 'Enter the day the hold ends, like 2026-01-31, or leave it empty.';
    else if (effectiveInstant(hold).getTime() <= now.getTime()) errors.holdUntil = 'A hold ends in the future.';
    else value.holdUntil = effectiveInstant(hold).getTime();
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: value as LegalDisclosureValues };
}

export type RecordDisclosureOutcome = { ok: true; id: number } | { ok: false; problem: 'no-account' };

export async function recordLegalDisclosure(
  db: DB,
  actor: AuditActor,
  values: LegalDisclosureValues,
  now = new Date(),
): Promise<RecordDisclosureOutcome> {
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('user').select('id').where('id', '=', values.userId).executeTakeFirst();
    if (!user) return { ok: false, problem: 'no-account' } as const;
    const { id } = await trx
      .insertInto('disclosure')
      .values({
        user_id: values.userId,
        kind: values.kind,
        share_id: null,
        recipient: values.requester,
        purpose: values.kind === 'legal' ? 'To comply with the law' : 'Fraud protection and credit risk reduction',
        fields: JSON.stringify(values.fields),
        disclosed_at: now.getTime(),
        policy_version: await policyVersionAt(trx, now),
        legal_basis: values.legalBasis,
        reference: values.reference,
        reason: values.reason,
        hold_until: values.holdUntil ?? null,
        notified_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: 'disclosure.record',
      actor,
      subjectUserId: values.userId,
      fields: values.fields,
      reason: values.reason,
      at: now,
    });
    return { ok: true, id } as const;
  });
}

function disclosureMessage(
  siteUrl: string | URL,
  to: string,
  d: { recipient: string; purpose: string; fields: string; at: number },
): NoticeMessage {
  return {
    to,
    subject: 'Information about your account was disclosed',
    text: [
      'Hello,',
      '',
      `On ${new Date(d.at).toISOString().slice(0, 10)} we released information about your CustomerTrackr account to ${d.recipient}.`,
      '',
      `  Why: ${d.purpose}`,
      `  What: ${d.fields}`,
      '',
      `Our privacy policy allows this when we believe in good faith that it is necessary. The details are on your account page, under "Where your data went": ${new URL('/account/privacy#data-went', siteUrl).href}`,
      '',
      'CustomerTrackr',
    ].join('\n'),
  };
}

/**
 * Tells each user about their disclosures that are due (no hold, or the hold has ended) and
 * not yet told: marks each told, only if it was not, and hands the message to the outbox in the
 * same transaction. Returns how many were told.
 */
export async function sendDisclosureNotices(
  db: DB,
  enqueue: EnqueueMail,
  siteUrl: string | URL,
  now = new Date(),
  max = 200,
): Promise<number> {
  const at = now.getTime();
  const due = await db
    .selectFrom('disclosure')
    .innerJoin('user', 'user.id', 'disclosure.user_id')
    .select(['disclosure.id', 'user.email', 'disclosure.recipient', 'disclosure.purpose', 'disclosure.fields', 'disclosure.disclosed_at'])
    .where('disclosure.notified_at', 'is', null)
    .where((eb) => eb.or([eb('disclosure.hold_until', 'is', null), eb('disclosure.hold_until', '<=', at)]))
    .orderBy('disclosure.id')
    .limit(max)
    .execute();
  let sent = 0;
  for (const d of due) {
    const done = await db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable('disclosure')
        .set({ notified_at: at })
        .where('id', '=', d.id)
        .where('notified_at', 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      await enqueue(
        trx,
        disclosureMessage(siteUrl, d.email, {
          recipient: d.recipient,
          purpose: d.purpose,
          fields: fieldLabels(parseFields(d.fields)),
          at: Number(d.disclosed_at),
        }),
      );
      return true;
    });
    if (done) sent++;
  }
  return sent;
}

export function disclosureNoticeJob(options: { siteUrl: string | URL; enqueue: EnqueueMail }): Job {
  return {
    name: 'sharing.disclosure-notices',
    next: (now) => new Date(now.getTime() + 60_000),
    run: (db, now) => sendDisclosureNotices(db, options.enqueue, options.siteUrl, now),
  };
}

export interface DisclosureView {
  id: number;
  kind: DisclosureKind;
  recipient: string;
  purpose: string;
  fields: string;
  at: number;
  policyVersion: string | null;
  legalBasis: string | null;
  reference: string | null;
  reason: string | null;
}

/**
 * "Where your data went": every share that included the user and every disclosure about them
 * that they may know of (no hold, or the hold has ended), newest first.
 */
export async function disclosuresFor(db: DB, userId: number, now = new Date(), limit = 500): Promise<DisclosureView[]> {
  const rows = await db
    .selectFrom('disclosure')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('hold_until', 'is', null), eb('hold_until', '<=', now.getTime())]))
    .orderBy('disclosed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    recipient: r.recipient,
    purpose: r.purpose,
    fields: fieldLabels(parseFields(r.fields)),
    at: Number(r.disclosed_at),
    policyVersion: r.policy_version,
    legalBasis: r.legal_basis,
    reference: r.reference,
    reason: r.reason,
  }));
}

export interface HeldDisclosure {
  id: number;
  userId: number;
  kind: DisclosureKind;
  recipient: string;
  at: number;
  holdUntil: number | null;
  notifiedAt: number | null;
}

/** The latest legal and fraud disclosures, for admins (with their hold and whether the user was told). */
export async function recentLegalDisclosures(db: DB, limit = 50): Promise<HeldDisclosure[]> {
  const rows = await db
    .selectFrom('disclosure')
    .select(['id', 'user_id', 'kind', 'recipient', 'disclosed_at', 'hold_until', 'notified_at'])
    .where('kind', 'in', ['legal', 'fraud'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    recipient: r.recipient,
    at: Number(r.disclosed_at),
    holdUntil: r.hold_until === null ? null : Number(r.hold_until),
    notifiedAt: r.notified_at === null ? null : Number(r.notified_at),
  }));
}
