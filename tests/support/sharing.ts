// Fixtures of the sharing capability for the HTTP and browser tests: a third party in the
// register, a purpose (by default with its notice period over), and a notice with the token of
// its opt-out link. Made through the domain where it has a function, straight in the database
// where a test needs a state only time would reach (a notice emailed a month ago).
import { issueToken } from '../../src/lib/auth/tokens.ts';
import type { DB } from '../../src/lib/db/index.ts';
import { addRecipient, DAY_MS, proposePurpose } from '../../src/lib/sharing/index.ts';

const SYSTEM = { userId: 0, ip: null };

export async function makeThirdParty(db: DB, name = 'Acme Leads Ltd'): Promise<number> {
  return addRecipient(db, SYSTEM, {
    name,
    country: 'United Kingdom',
    dataReceived: 'Email address and company',
    purpose: 'Industry newsletters',
    kind: 'third-party',
    since: '2026-01-01',
  });
}

/** A purpose for `recipientId`; with `open`, proposed 31 days ago so that its notice period is over. */
export async function makePurpose(
  db: DB,
  recipientId: number,
  { open = true, fields = ['email', 'company'] as ('email' | 'company')[] } = {},
) {
  const proposedAt = open ? new Date(Date.now() - 31 * DAY_MS) : new Date();
  const outcome = await proposePurpose(
    db,
    SYSTEM,
    { recipientId, description: 'Industry newsletters', fields, noticeDays: 30 },
    proposedAt,
  );
  if (!outcome.ok) throw new Error(outcome.problem);
  return outcome.id;
}

/** A notice of `purposeId` to `userId`, emailed `daysAgo` days ago, with the token of its link. */
export async function noticeWithToken(db: DB, purposeId: number, userId: number, daysAgo = 31): Promise<string> {
  const { id, token, secretHash } = issueToken();
  const at = Date.now() - daysAgo * DAY_MS;
  await db
    .insertInto('purpose_notice')
    .values({
      purpose_id: purposeId,
      user_id: userId,
      queued_at: at,
      sent_at: at,
      token_id: id,
      token_hash: Buffer.from(secretHash).toString('hex'),
    })
    .execute();
  return token;
}
