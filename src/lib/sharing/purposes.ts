import { recordAudit, type AuditActor } from '../audit/log.ts';
import type { DB } from '../db/index.ts';
import { DEFAULT_NOTICE_DAYS } from '../policy/check.ts';
import { fieldLabels, isShareableField, orderedFields, parseFields, type ShareableField } from './fields.ts';

/**
 * Purposes for sharing with a third party. The policy promises notice before personal data is
 * shared with a third party or used for a new purpose, and a way to opt out: a purpose is
 * proposed, every account is told (notices.ts), and nothing is shared for it until its notice
 * period has ended (shares.ts). The period is never shorter than the notice the policy gives
 * itself for a material change (DEFAULT_NOTICE_DAYS, src/lib/policy/check.ts).
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
export const MIN_NOTICE_DAYS = DEFAULT_NOTICE_DAYS;
export const MAX_NOTICE_DAYS = 365;

export interface PurposeValues {
  recipientId: number;
  description: string;
  fields: ShareableField[];
  noticeDays: number;
}

export type PurposeField = 'recipientId' | 'description' | 'fields' | 'noticeDays';

export type PurposeCheck = { ok: true; value: PurposeValues } | { ok: false; errors: Partial<Record<PurposeField, string>> };

export function checkPurposeForm(input: {
  recipientId?: string | null | undefined;
  description?: string | null | undefined;
  fields?: readonly string[] | undefined;
  noticeDays?: string | null | undefined;
}): PurposeCheck {
  const errors: Partial<Record<PurposeField, string>> = {};
  const recipientId = /^[1-9]\d{0,11}$/.test(input.recipientId ?? '') ? Number(input.recipientId) : undefined;
  if (recipientId === undefined) errors.recipientId = 'Choose the third party.';
  const description = (input.description ?? '').trim().replace(/\s+/g, ' ');
  if (!description) errors.description = 'Say what the third party will use the data for.';
  else if ([...description].length > 500) errors.description = 'At most 500 characters.';
  const chosen = input.fields ?? [];
  const fields = orderedFields(chosen.filter(isShareableField));
  if (fields.length === 0 || fields.length !== new Set(chosen).size) errors.fields = 'Choose at least one field, from the list.';
  const daysText = (input.noticeDays ?? '').trim();
  const noticeDays = daysText === '' ? MIN_NOTICE_DAYS : /^\d{1,3}$/.test(daysText) ? Number(daysText) : NaN;
  if (!(noticeDays >= MIN_NOTICE_DAYS && noticeDays <= MAX_NOTICE_DAYS))
    errors.noticeDays = `The notice period is ${MIN_NOTICE_DAYS} to ${MAX_NOTICE_DAYS} days (never shorter than the policy’s notice for a material change).`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { recipientId: recipientId!, description, fields, noticeDays } };
}

export type ProposeOutcome = { ok: true; id: number; noticeEndsAt: number } | { ok: false; problem: 'no-recipient' | 'not-third-party' };

export async function proposePurpose(db: DB, actor: AuditActor, values: PurposeValues, now = new Date()): Promise<ProposeOutcome> {
  if (values.noticeDays < MIN_NOTICE_DAYS) throw new RangeError(`a notice period is at least ${MIN_NOTICE_DAYS} days`);
  return db.transaction().execute(async (trx) => {
    const recipient = await trx
      .selectFrom('recipient')
      .select(['kind', 'name'])
      .where('id', '=', values.recipientId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!recipient) return { ok: false, problem: 'no-recipient' };
    if (recipient.kind !== 'third-party') return { ok: false, problem: 'not-third-party' };
    const at = now.getTime();
    const noticeEndsAt = at + values.noticeDays * DAY_MS;
    const { id } = await trx
      .insertInto('sharing_purpose')
      .values({
        recipient_id: values.recipientId,
        description: values.description,
        fields: JSON.stringify(values.fields),
        notice_days: values.noticeDays,
        proposed_at: at,
        notice_ends_at: noticeEndsAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: 'purpose.propose',
      actor,
      subjectUserId: null,
      fields: values.fields,
      reason: `${recipient.name}: ${values.description}`.slice(0, 500),
      at: now,
    });
    return { ok: true, id, noticeEndsAt };
  });
}

export interface Purpose {
  id: number;
  recipientId: number;
  recipientName: string;
  recipientCountry: string;
  description: string;
  fields: ShareableField[];
  fieldLabels: string;
  noticeDays: number;
  proposedAt: number;
  noticeEndsAt: number;
  withdrawnAt: number | null;
}

function purposeQuery(db: DB) {
  return db
    .selectFrom('sharing_purpose')
    .innerJoin('recipient', 'recipient.id', 'sharing_purpose.recipient_id')
    .select([
      'sharing_purpose.id',
      'sharing_purpose.recipient_id',
      'recipient.name',
      'recipient.country',
      'sharing_purpose.description',
      'sharing_purpose.fields',
      'sharing_purpose.notice_days',
      'sharing_purpose.proposed_at',
      'sharing_purpose.notice_ends_at',
      'sharing_purpose.withdrawn_at',
    ]);
}

type PurposeRow = Awaited<ReturnType<ReturnType<typeof purposeQuery>['executeTakeFirstOrThrow']>>;

function fromRow(r: PurposeRow): Purpose {
  const fields = parseFields(r.fields);
  return {
    id: r.id,
    recipientId: r.recipient_id,
    recipientName: r.name,
    recipientCountry: r.country,
    description: r.description,
    fields,
    fieldLabels: fieldLabels(fields),
    noticeDays: r.notice_days,
    proposedAt: Number(r.proposed_at),
    noticeEndsAt: Number(r.notice_ends_at),
    withdrawnAt: r.withdrawn_at === null ? null : Number(r.withdrawn_at),
  };
}

/** Every purpose, newest first. */
export async function listPurposes(db: DB): Promise<Purpose[]> {
  return (await purposeQuery(db).orderBy('sharing_purpose.id', 'desc').execute()).map(fromRow);
}

export async function getPurpose(db: DB, id: number): Promise<Purpose | undefined> {
  const row = await purposeQuery(db).where('sharing_purpose.id', '=', id).executeTakeFirst();
  return row && fromRow(row);
}
