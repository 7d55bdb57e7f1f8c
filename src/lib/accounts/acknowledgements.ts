import { recordPolicyAgreement } from '../auth/user-records.ts';
import type { DB } from '../db/index.ts';
import { effectiveInstant, type CalendarDate } from '../policy/dates.ts';
import { byEffectiveDate, versionInEffectAt } from '../policy/versions.ts';

/**
 * Which versions of the privacy policy a user agreed to, and whether a newer one needs their
 * attention: one that came into effect after the version they last agreed to, or a material
 * one announced for later. Acknowledging records the version and the time
 * (`policy_agreement`, context 'acknowledgement').
 */

export interface KnownVersion {
  effective: CalendarDate;
  version: number;
  title: string;
  material: boolean;
}

export interface Agreement {
  policyEffectiveDate: CalendarDate;
  version: number | null;
  agreedAt: string;
  context: 'registration' | 'acknowledgement';
  wording: string;
}

async function knownVersions(db: DB): Promise<KnownVersion[]> {
  const rows = await db.selectFrom('policy_version').select(['effective_date', 'version', 'title', 'material']).execute();
  return byEffectiveDate(rows.map((r) => ({ effective: r.effective_date, version: r.version, title: r.title, material: r.material })));
}

/** The user's agreements, newest first. */
export async function listAgreements(db: DB, userId: number): Promise<Agreement[]> {
  const rows = await db
    .selectFrom('policy_agreement')
    .leftJoin('policy_version', 'policy_version.effective_date', 'policy_agreement.policy_effective_date')
    .select([
      'policy_agreement.policy_effective_date',
      'policy_version.version',
      'policy_agreement.agreed_at',
      'policy_agreement.context',
      'policy_agreement.wording',
    ])
    .where('policy_agreement.user_id', '=', userId)
    .orderBy('policy_agreement.id', 'desc')
    .execute();
  return rows.map((r) => ({
    policyEffectiveDate: r.policy_effective_date,
    version: r.version ?? null,
    agreedAt: r.agreed_at,
    context: r.context,
    wording: r.wording,
  }));
}

export interface PendingAcknowledgement {
  /** The version to acknowledge: the newest one that needs attention. */
  target: KnownVersion;
  /** Whether it is already in effect (else it is a material version announced for later). */
  inEffect: boolean;
  /** The latest version the user agreed to (undefined: none recorded). */
  lastAgreed: KnownVersion | undefined;
  /** Consecutive pairs from the last agreed version to the target: what changed, step by step. */
  steps: { from: CalendarDate; to: CalendarDate }[];
}

/**
 * The version the user should be told about, or undefined when they are up to date. A
 * version counts when it is newer than the one they last agreed to and either in effect now
 * or material and upcoming. Non-material upcoming versions wait until they take effect.
 */
export async function pendingAcknowledgement(db: DB, userId: number, now = new Date()): Promise<PendingAcknowledgement | undefined> {
  const versions = await knownVersions(db);
  const latest = await db
    .selectFrom('policy_agreement')
    .select((eb) => eb.fn.max('policy_effective_date').as('effective'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const lastAgreedDate = latest?.effective ?? null;
  const started = (v: KnownVersion) => effectiveInstant(v.effective).getTime() <= now.getTime();
  // Newer than the last agreed version, and either started (in effect, or superseded since)
  // or a material change announced ahead of its date.
  const candidates = versions.filter((v) => (lastAgreedDate === null || v.effective > lastAgreedDate) && (started(v) || v.material));
  const target = candidates.at(-1);
  if (!target) return undefined;
  const lastAgreed = versions.find((v) => v.effective === lastAgreedDate);
  const steps: { from: CalendarDate; to: CalendarDate }[] = [];
  if (lastAgreed) {
    const path = versions.filter((v) => v.effective >= lastAgreed.effective && v.effective <= target.effective);
    for (let i = 1; i < path.length; i++) steps.push({ from: path[i - 1]!.effective, to: path[i]!.effective });
  }
  return { target, inEffect: started(target), lastAgreed, steps };
}

/** The words recorded with an acknowledgement (and shown on its button's label). */
export function acknowledgementWording(version: KnownVersion): string {
  return `I have read the privacy policy version ${version.version}, effective ${version.effective}.`;
}

export type AcknowledgeOutcome = { ok: true; version: KnownVersion } | { ok: false; reason: 'not-pending' };

/**
 * Records that the user has read `effectiveDate`. Only the version currently pending for
 * this user is accepted (a stale form, or a made-up date, changes nothing).
 */
export async function acknowledgePolicy(db: DB, userId: number, effectiveDate: string, now = new Date()): Promise<AcknowledgeOutcome> {
  const pending = await pendingAcknowledgement(db, userId, now);
  if (!pending || pending.target.effective !== effectiveDate) return { ok: false, reason: 'not-pending' };
  await recordPolicyAgreement(db, {
    user_id: userId,
    policy_effective_date: pending.target.effective,
    agreed_at: now.toISOString(),
    context: 'acknowledgement',
    wording: acknowledgementWording(pending.target),
  });
  return { ok: true, version: pending.target };
}

/** The policy version in effect at `now` and the last one the user agreed to (for the deletion record). */
export async function policyFacts(
  db: DB,
  userId: number,
  now = new Date(),
): Promise<{ inEffect: CalendarDate | null; lastAgreed: CalendarDate | null }> {
  const versions = await knownVersions(db);
  const latest = await db
    .selectFrom('policy_agreement')
    .select((eb) => eb.fn.max('policy_effective_date').as('effective'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return { inEffect: versionInEffectAt(versions, now)?.effective ?? null, lastAgreed: latest?.effective ?? null };
}
