import type { DB } from '../db/index.ts';
import { effectiveInstant, type CalendarDate } from '../policy/dates.ts';
import { byEffectiveDate, versionInEffectAt } from '../policy/versions.ts';

/**
 * "All of our employees are kept up to date on our privacy and security practices." Before a
 * staff member uses any tool that shows personal data, they must have acknowledged, within
 * the last 12 months, the current version of the staff handbook and the privacy policy version
 * in effect. Otherwise the tools answer with the acknowledgement step (src/middleware.ts sends
 * them to /admin/handbook). Acknowledgements are rows of `staff_acknowledgement`, shown to admins.
 */

export const HANDBOOK_PATH = '/admin/handbook';
export const CURRENCY_MS = 365 * 24 * 60 * 60 * 1000;

export interface HandbookVersion {
  version: number;
  /** The day it applies from (versions are never edited: a change is a new version). */
  effective: CalendarDate;
  sections: { heading: string; paragraphs: string[] }[];
}

/** The staff handbook, oldest version first. Add a version to change it: everyone acknowledges again. */
export const HANDBOOK: readonly HandbookVersion[] = [
  {
    version: 1,
    effective: '2026-12-01',
    sections: [
      {
        heading: 'Least privilege',
        paragraphs: [
          'A role gives only what it names. Open an account only when a customer’s request needs it, and reveal a masked detail only with a reason that the customer will read on their account page.',
          'Never act on a staff account as support: ask an admin.',
        ],
      },
      {
        heading: 'Personal data leaves only through the sharing tools',
        paragraphs: [
          'Never copy customer data into email, chat, tickets or spreadsheets. The only ways personal data leaves CustomerTrackr are the customer’s own download, a share run from the sharing tools (which leaves out everyone who opted out) and a recorded legal or fraud disclosure.',
          'A third party receives data only for a purpose every customer was told about at least 30 days before; a processor only on our instructions (decision 0023).',
        ],
      },
      {
        heading: 'Requests from authorities and for fraud prevention',
        paragraphs: [
          'Release data to an authority only when we believe in good faith that the law requires it, and record each release with its legal basis and reference. Use a legal hold only when the law forbids telling the customer, and only until the date it names.',
        ],
      },
      {
        heading: 'Security',
        paragraphs: [
          'Use a password manager and a unique password for your CustomerTrackr account; sign out of shared computers; report a suspected breach to an admin at once.',
          'Everything you look at or change is recorded in the audit log, which customers see for their own account.',
        ],
      },
    ],
  },
];

export function currentHandbook(now = new Date()): HandbookVersion {
  let current = HANDBOOK[0]!;
  for (const v of HANDBOOK) if (effectiveInstant(v.effective).getTime() <= now.getTime()) current = v;
  return current;
}

async function policyInEffect(db: DB, now: Date): Promise<CalendarDate | null> {
  const rows = await db.selectFrom('policy_version').select('effective_date').execute();
  return versionInEffectAt(byEffectiveDate(rows.map((r) => ({ effective: r.effective_date }))), now)?.effective ?? null;
}

export interface StaffCurrency {
  current: boolean;
  handbook: { version: number; acknowledgedAt: number | null };
  /** The policy version in effect (null: none is published, so there is nothing to acknowledge). */
  policy: { version: CalendarDate | null; acknowledgedAt: number | null };
}

async function latest(db: DB, userId: number, document: 'handbook' | 'policy', version: string, since: number): Promise<number | null> {
  const row = await db
    .selectFrom('staff_acknowledgement')
    .select((eb) => eb.fn.max('acknowledged_at').as('at'))
    .where('user_id', '=', userId)
    .where('document', '=', document)
    .where('version', '=', version)
    .where('acknowledged_at', '>', since)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

export async function staffCurrency(db: DB, userId: number, now = new Date()): Promise<StaffCurrency> {
  const since = now.getTime() - CURRENCY_MS;
  const handbook = currentHandbook(now);
  const policy = await policyInEffect(db, now);
  const handbookAt = await latest(db, userId, 'handbook', String(handbook.version), since);
  const policyAt = policy === null ? null : await latest(db, userId, 'policy', policy, since);
  return {
    current: handbookAt !== null && (policy === null || policyAt !== null),
    handbook: { version: handbook.version, acknowledgedAt: handbookAt },
    policy: { version: policy, acknowledgedAt: policyAt },
  };
}

/** Records that `userId` has read the current handbook and the policy version in effect. */
export async function acknowledgeStaffDocuments(db: DB, userId: number, now = new Date()): Promise<void> {
  const handbook = currentHandbook(now);
  const policy = await policyInEffect(db, now);
  const rows: { user_id: number; document: 'handbook' | 'policy'; version: string; acknowledged_at: number }[] = [
    { user_id: userId, document: 'handbook', version: String(handbook.version), acknowledged_at: now.getTime() },
  ];
  if (policy !== null) rows.push({ user_id: userId, document: 'policy', version: policy, acknowledged_at: now.getTime() });
  await db.insertInto('staff_acknowledgement').values(rows).execute();
}

/**
 * Whether a request reaches a tool that shows personal data: the admin sections with customer
 * data and the staff and sharing actions (not the account holder's link actions).
 */
export function isPersonalDataTool(pathname: string): boolean {
  if (/^\/admin\/(users|deletion-requests|roles|audit|sharing)(?:[/.]|$)/.test(pathname)) return true;
  const action = /^\/_actions\/(staff|sharing)\.(\w+)/.exec(pathname);
  if (!action) return false;
  return !['confirmDeletion', 'optOutByLink', 'optOutOfPurpose', 'acknowledgeHandbook'].includes(action[2]!);
}

export interface StaffAcknowledgementRow {
  userId: number;
  email: string;
  document: 'handbook' | 'policy';
  version: string;
  acknowledgedAt: number;
}

/** Every acknowledgement by an account that holds a role, newest first (for admins). */
export async function listStaffAcknowledgements(db: DB, limit = 200): Promise<StaffAcknowledgementRow[]> {
  const rows = await db
    .selectFrom('staff_acknowledgement')
    .innerJoin('user', 'user.id', 'staff_acknowledgement.user_id')
    .select([
      'user.id',
      'user.email',
      'staff_acknowledgement.document',
      'staff_acknowledgement.version',
      'staff_acknowledgement.acknowledged_at',
    ])
    .where((eb) => eb.exists(eb.selectFrom('user_role').select('user_role.user_id').whereRef('user_role.user_id', '=', 'user.id')))
    .orderBy('staff_acknowledgement.acknowledged_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    email: r.email,
    document: r.document,
    version: r.version,
    acknowledgedAt: Number(r.acknowledged_at),
  }));
}
