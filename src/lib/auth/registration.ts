import { isUniqueViolation, writeTransaction, type DB } from '../db/index.ts';
import { enqueueMail } from '../mail/index.ts';
import { versionInEffectAt } from '../policy/versions.ts';
import { hit, LIMITS } from '../rate-limit/index.ts';
import { findUserByEmail, type NormalizedEmail } from './email-address.ts';
import { queueVerificationEmail } from './email-verification.ts';
import { alreadyRegisteredMessage } from './emails.ts';
import { checkNewPassword, hashPassword } from './passwords.ts';
import { siteLink } from './site-links.ts';

/**
 * Registration: creating an account with the policy agreement the form showed, without telling
 * the person registering whether the address already had one.
 */

/** The policy version in effect at `now`, as recorded in the database at start-up. */
export async function policyVersionInEffect(db: DB, now = new Date()) {
  const rows = await db.selectFrom('policy_version').select(['effective_date', 'title', 'version']).execute();
  return versionInEffectAt(
    rows.map((r) => ({ ...r, effective: r.effective_date })),
    now,
  );
}

export interface Registration {
  email: NormalizedEmail;
  password: string;
  /** The policy version the form showed, and the exact words of the agreement checkbox. */
  policyEffectiveDate: string;
  agreementWording: string;
}

export type RegistrationOutcome =
  { kind: 'created'; userId: number } | { kind: 'already-registered' } | { kind: 'weak-password'; reason: string };

/**
 * Registers an account, or, when the address already has one, emails its owner instead. Both
 * paths look the same to the person registering (the caller shows one response) and take the
 * same time (the password is hashed either way), so the form cannot be used to find out who
 * has an account. The password rules are checked here, once (the caller counts its rate limits
 * first: the strength estimate is the costly part of a refusal).
 *
 * The owner is told of such attempts at most once a day (LIMITS.mailAlreadyRegistered), so
 * registrations with someone's address cannot flood their inbox; further attempts are answered
 * the same and send nothing. That budget is the message's own: it never delays another kind.
 */
export async function registerAccount(db: DB, siteUrl: URL, registration: Registration, now = new Date()): Promise<RegistrationOutcome> {
  const verdict = checkNewPassword(registration.password, [registration.email.email]);
  if (!verdict.ok) return { kind: 'weak-password', reason: verdict.reason };
  const passwordHash = await hashPassword(registration.password);
  const existing = await findUserByEmail(db, registration.email.normalized);
  if (existing) {
    if ((await hit(db, LIMITS.mailAlreadyRegistered, registration.email.normalized, now)).allowed) {
      await enqueueMail(
        db,
        alreadyRegisteredMessage(existing.email, siteLink(siteUrl, '/login'), siteLink(siteUrl, '/forgot-password')),
        now,
      );
    }
    return { kind: 'already-registered' };
  }
  // Another registration of the same address may have committed since the check above (two
  // tabs, a double submit, several app servers): the unique key on the address decides, and the
  // loser is answered like any registration of a taken address. Its owner was just sent the
  // verification mail (queued in the winner's transaction), so nothing more is sent: the
  // loser's transaction, its message included, is rolled back.
  const userId = await writeTransaction(db, 'user', async (trx) => {
    const { id } = await trx
      .insertInto('user')
      .values({
        email: registration.email.email,
        email_normalized: registration.email.normalized,
        password_hash: passwordHash,
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('policy_agreement')
      .values({
        user_id: id,
        policy_effective_date: registration.policyEffectiveDate,
        agreed_at: now.toISOString(),
        context: 'registration',
        wording: registration.agreementWording,
      })
      .execute();
    await queueVerificationEmail(trx, siteUrl, id, registration.email.email, now);
    return id;
  }).catch((error: unknown) => {
    if (isUniqueViolation(error, 'user.email_normalized')) return undefined;
    throw error;
  });
  if (userId === undefined) return { kind: 'already-registered' };
  return { kind: 'created', userId };
}
