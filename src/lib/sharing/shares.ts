import { csvCell } from '../audit/csv.ts';
import { recordAudit, type AuditActor } from '../audit/log.ts';
import type { DB } from '../db/index.ts';
import { isCalendarDate } from '../policy/dates.ts';
import { byEffectiveDate, versionInEffectAt } from '../policy/versions.ts';
import { isShareableField, orderedFields, type ShareableField } from './fields.ts';
import { DAY_MS } from './purposes.ts';
import type { ShareFormat } from './tables.ts';

/**
 * A share: the only way personal data leaves the system, apart from the user's own export
 * (docs/decisions/0023-sharing-and-processors.md). An admin picks a purpose whose notice
 * period has ended, the fields (within the purpose's) and optionally a filter; one
 * transaction selects the accounts, writes a disclosure record for each, and builds the file,
 * so the file and the records cannot disagree. An account is left out when, at that moment:
 *
 * - its latest sharing choice is an opt-out (the account page, or a recorded GPC signal);
 * - it refused this purpose (the notice's opt-out link, or the notice on the account page);
 * - it has an open request to delete it (a refusal of any further use);
 * - it was not mailed the notice of this purpose at least the whole notice period ago (so no
 *   account is shared without the notice the policy promises, however late it registered).
 */

export const SHARE_FORMATS = ['csv', 'json'] as const satisfies readonly ShareFormat[];

export interface ShareFilter {
  /** Only accounts created on or after this day (YYYY-MM-DD). */
  registeredFrom?: string;
  /** Only accounts that have a company in their profile. */
  withCompany?: boolean;
}

export interface ShareRequest {
  purposeId: number;
  fields: ShareableField[];
  format: ShareFormat;
  filter: ShareFilter;
}

export type ShareField = 'purposeId' | 'fields' | 'format' | 'registeredFrom';

export type ShareCheck = { ok: true; value: ShareRequest } | { ok: false; errors: Partial<Record<ShareField, string>> };

export function checkShareForm(input: {
  purposeId?: string | null | undefined;
  fields?: readonly string[] | undefined;
  format?: string | null | undefined;
  registeredFrom?: string | null | undefined;
  withCompany?: string | null | undefined;
}): ShareCheck {
  const errors: Partial<Record<ShareField, string>> = {};
  const purposeId = /^[1-9]\d{0,11}$/.test(input.purposeId ?? '') ? Number(input.purposeId) : undefined;
  if (purposeId === undefined) errors.purposeId = 'Choose the purpose.';
  const chosen = input.fields ?? [];
  const fields = orderedFields(chosen.filter(isShareableField));
  if (fields.length === 0 || fields.length !== new Set(chosen).size) errors.fields = 'Choose at least one field, from the list.';
  const format = input.format ?? 'csv';
  if (!(SHARE_FORMATS as readonly string[]).includes(format)) errors.format = 'Choose CSV or JSON.';
  const filter: ShareFilter = {};
  const from = (input.registeredFrom ?? '').trim();
  if (from) {
    if (isCalendarDate(from)) filter.registeredFrom = from;
    else errors.registeredFrom = 'Enter a date like 2026-01-31, or leave it empty.';
  }
  if (input.withCompany === 'on' || input.withCompany === 'true') filter.withCompany = true;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { purposeId: purposeId!, fields, format: format as ShareFormat, filter } };
}

/** Why a share was refused, with the status and the words the admin sees. */
export const SHARE_REFUSALS = {
  form: { status: 400, message: 'Choose the purpose, at least one field and the format; a date must look like 2026-01-31.' },
  'no-purpose': { status: 404, message: 'That purpose does not exist.' },
  withdrawn: { status: 409, message: 'This purpose was withdrawn: nothing can be shared for it.' },
  'recipient-removed': {
    status: 409,
    message: 'The recipient of this purpose is no longer in the register: nothing can be shared with it.',
  },
  'fields-not-in-purpose': { status: 400, message: 'Only the fields the purpose named in its notice can be shared.' },
  'notice-period': { status: 409, message: 'The notice period of this purpose has not ended: nothing can be shared for it yet.' },
  'too-many': { status: 429, message: 'Too many shares. Please wait a little and try again.' },
} as const;
export type ShareRefusal = keyof typeof SHARE_REFUSALS;

export type ShareOutcome =
  | {
      ok: true;
      shareId: number;
      included: number;
      excluded: number;
      filename: string;
      contentType: string;
      body: string;
    }
  | { ok: false; problem: 'no-purpose' | 'withdrawn' | 'recipient-removed' | 'fields-not-in-purpose' }
  | { ok: false; problem: 'notice-period'; noticeEndsAt: number };

/** The policy version in effect at `now` (its effective date), recorded with each disclosure. */
export async function policyVersionAt(db: DB, now: Date): Promise<string | null> {
  const rows = await db.selectFrom('policy_version').select('effective_date').execute();
  return versionInEffectAt(byEffectiveDate(rows.map((r) => ({ effective: r.effective_date }))), now)?.effective ?? null;
}

const DISCLOSURE_BATCH = 500;

export async function runShare(db: DB, actor: AuditActor, request: ShareRequest, now = new Date()): Promise<ShareOutcome> {
  const at = now.getTime();
  return db.transaction().execute(async (trx) => {
    const purpose = await trx
      .selectFrom('sharing_purpose')
      .innerJoin('recipient', 'recipient.id', 'sharing_purpose.recipient_id')
      .select([
        'sharing_purpose.id',
        'sharing_purpose.description',
        'sharing_purpose.fields',
        'sharing_purpose.notice_days',
        'sharing_purpose.notice_ends_at',
        'sharing_purpose.withdrawn_at',
        'recipient.name',
        'recipient.removed_at',
        'recipient.kind',
      ])
      .where('sharing_purpose.id', '=', request.purposeId)
      .executeTakeFirst();
    if (!purpose) return { ok: false, problem: 'no-purpose' } as const;
    if (purpose.withdrawn_at !== null) return { ok: false, problem: 'withdrawn' } as const;
    if (purpose.removed_at !== null || purpose.kind !== 'third-party') return { ok: false, problem: 'recipient-removed' } as const;
    if (at < Number(purpose.notice_ends_at))
      return { ok: false, problem: 'notice-period', noticeEndsAt: Number(purpose.notice_ends_at) } as const;
    const allowed = new Set(JSON.parse(purpose.fields) as string[]);
    const fields = orderedFields(request.fields);
    if (fields.length === 0 || fields.some((f) => !allowed.has(f))) return { ok: false, problem: 'fields-not-in-purpose' } as const;
    const toldBy = at - purpose.notice_days * DAY_MS;

    let query = trx
      .selectFrom('user')
      .innerJoin('purpose_notice', (j) =>
        j.onRef('purpose_notice.user_id', '=', 'user.id').on('purpose_notice.purpose_id', '=', purpose.id),
      )
      .leftJoin('account_profile', 'account_profile.user_id', 'user.id')
      .select([
        'user.id',
        'user.email',
        'user.display_name',
        'account_profile.full_name',
        'account_profile.company',
        'account_profile.job_title',
        'account_profile.phone',
      ])
      .where('purpose_notice.sent_at', 'is not', null)
      .where('purpose_notice.sent_at', '<=', toldBy)
      .where('purpose_notice.opted_out_at', 'is', null)
      // The latest sharing choice is not an opt-out (the account page, or recorded GPC).
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sharing_choice as sc')
              .select('sc.id')
              .whereRef('sc.user_id', '=', 'user.id')
              .where('sc.opted_out', '=', true)
              .where('sc.id', '=', (inner) =>
                inner
                  .selectFrom('sharing_choice as latest')
                  .select((l) => l.fn.max('latest.id').as('id'))
                  .whereRef('latest.user_id', '=', 'user.id'),
              ),
          ),
        ),
      )
      // An open deletion request is a refusal of any further use.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deletion_request')
              .select('deletion_request.id')
              .whereRef('deletion_request.user_id', '=', 'user.id')
              .where('deletion_request.status', 'in', ['pending', 'confirmed']),
          ),
        ),
      );
    if (request.filter.registeredFrom) query = query.where('user.created_at', '>=', request.filter.registeredFrom);
    if (request.filter.withCompany)
      query = query.where('account_profile.company', 'is not', null).where('account_profile.company', '!=', '');
    const rows = await query.orderBy('user.id').execute();
    const total = await trx
      .selectFrom('user')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();

    const policyVersion = await policyVersionAt(trx, now);
    const { id: shareId } = await trx
      .insertInto('share')
      .values({
        purpose_id: purpose.id,
        fields: JSON.stringify(fields),
        filter: JSON.stringify(request.filter),
        format: request.format,
        ran_at: at,
        included: rows.length,
        excluded: Number(total.n) - rows.length,
        policy_version: policyVersion,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < rows.length; i += DISCLOSURE_BATCH) {
      await trx
        .insertInto('disclosure')
        .values(
          rows.slice(i, i + DISCLOSURE_BATCH).map((r) => ({
            user_id: r.id,
            kind: 'share' as const,
            share_id: shareId,
            recipient: purpose.name,
            purpose: purpose.description,
            fields: JSON.stringify(fields),
            disclosed_at: at,
            policy_version: policyVersion,
            // A share is told in advance (the notice): nothing more to send.
            notified_at: at,
          })),
        )
        .execute();
    }
    await recordAudit(trx, {
      action: 'share.run',
      actor,
      subjectUserId: null,
      fields,
      reason: `Share ${shareId} to ${purpose.name}: ${rows.length} account(s)`.slice(0, 500),
      at: now,
    });

    const records = rows.map((r) => {
      const values: Record<ShareableField, string | null> = {
        email: r.email,
        display_name: r.display_name,
        full_name: r.full_name,
        company: r.company,
        job_title: r.job_title,
        phone: r.phone,
      };
      return Object.fromEntries(fields.map((f) => [f, values[f] ?? null])) as Partial<Record<ShareableField, string | null>>;
    });
    const day = now.toISOString().slice(0, 10);
    const filename = `customertrackr-share-${shareId}-${day}.${request.format}`;
    if (request.format === 'json') {
      const body = JSON.stringify(
        { share: shareId, recipient: purpose.name, purpose: purpose.description, createdAt: now.toISOString(), records },
        null,
        2,
      );
      return {
        ok: true,
        shareId,
        included: rows.length,
        excluded: Number(total.n) - rows.length,
        filename,
        contentType: 'application/json; charset=utf-8',
        body,
      } as const;
    }
    const lines = [fields.join(','), ...records.map((r) => fields.map((f) => csvCell(r[f] ?? null)).join(','))];
    return {
      ok: true,
      shareId,
      included: rows.length,
      excluded: Number(total.n) - rows.length,
      filename,
      contentType: 'text/csv; charset=utf-8; header=present',
      body: lines.join('\r\n') + '\r\n',
    } as const;
  });
}

export interface ShareSummary {
  id: number;
  purposeId: number;
  fields: string[];
  format: ShareFormat;
  ranAt: number;
  included: number;
  excluded: number;
}

export async function listShares(db: DB, purposeId: number): Promise<ShareSummary[]> {
  const rows = await db.selectFrom('share').selectAll().where('purpose_id', '=', purposeId).orderBy('id', 'desc').limit(100).execute();
  return rows.map((r) => ({
    id: r.id,
    purposeId: r.purpose_id,
    fields: JSON.parse(r.fields) as string[],
    format: r.format,
    ranAt: Number(r.ran_at),
    included: r.included,
    excluded: r.excluded,
  }));
}
