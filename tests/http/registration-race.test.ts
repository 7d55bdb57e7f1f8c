// 50 registrations of one new address at the same moment, against the real built server and a
// real SMTP server in this process: every one gets the same "check your inbox" answer (never a
// 500), exactly one account exists, and exactly one verification message is sent. The unique
// key on the address decides the race; the losers' transactions, their queued message
// included, roll back (src/lib/auth/registration.ts).
//
// Rate limits stay as in production. The 50 requests come from 50 client addresses (behind a
// proxy, TRUST_PROXY, as the site supports), and the address's own limit (5 an hour) is given a
// budget of 50 for this window in the limiter's own table, as the benchmark empties buckets.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/lib/auth/index.ts';
import { LIMITS } from '../../src/lib/rate-limit/index.ts';
import { Client, textOf } from '../support/account-profile.ts';
import { waitForMailDelivered, withDatabase } from '../support/site-db.ts';
import { startSite, type RunningSite } from '../support/site.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { PASSWORD, uniqueEmail } from '../support/users.ts';

const ATTEMPTS = 50;

let sink: SmtpSink;
let site: RunningSite;
beforeAll(async () => {
  sink = await startSmtpSink();
  site = await startSite({ SMTP_URL: sink.url, TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await site?.stop();
  await sink?.stop();
});

describe('50 parallel registrations of one address', () => {
  it('all get the same answer, one account is made, one verification message is sent', { timeout: 120_000 }, async () => {
    const email = uniqueEmail('race');
    const normalized = normalizeEmail(email)!.normalized;
    await withDatabase(site, (db) =>
      db
        .insertInto('rate_limit')
        .values({
          bucket: LIMITS.registerPerAddress.bucket,
          key_hash: createHash('sha256').update(normalized).digest('hex'),
          window_start: Date.now(),
          count: LIMITS.registerPerAddress.max - ATTEMPTS,
          blocked_until: 0,
        })
        .execute(),
    );
    const form = await (await new Client(site).get('/register')).text();
    const policy = /name="policy" value="(\d{4}-\d{2}-\d{2})"/.exec(form)?.[1];
    expect(policy).toBeDefined();

    const responses = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, n) =>
        new Client(site, { 'x-forwarded-for': `198.51.100.${n + 1}` }).post('/register?_action=auth.register', {
          email,
          password: PASSWORD,
          agree: 'yes',
          policy: policy!,
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(ATTEMPTS).fill(200));
    // The one that made the account is signed in and told it is ready (decision 0019); every
    // other one gets the answer for a taken address, the same for all: nobody sees an error.
    const answers = await Promise.all(responses.map(async (r) => textOf(/<main[\s\S]*<\/main>/.exec(await r.text())![0])));
    for (const answer of answers) expect(answer).toContain(`We sent a message to ${email}`);
    expect(answers.filter((a) => a.includes('Your account is ready'))).toHaveLength(1);
    expect(new Set(answers.filter((a) => !a.includes('Your account is ready'))).size).toBe(1);
    expect(responses.filter((r) => r.headers.getSetCookie().length > 0)).toHaveLength(1);

    const accounts = await withDatabase(site, (db) =>
      db.selectFrom('user').select('id').where('email_normalized', '=', normalized).execute(),
    );
    expect(accounts).toHaveLength(1);

    const verification = (m: { to: string; subject: string }) => m.to.includes(email) && /Confirm your email address/.test(m.subject);
    await sink.waitFor((messages) => messages.some(verification), 'the verification message');
    await waitForMailDelivered(site); // nothing else due is left unsent
    expect(sink.messages.filter(verification)).toHaveLength(1);
    // The losers were answered as for a taken address; its owner hears of that at most once a day.
    expect(sink.messages.filter((m) => m.to.includes(email) && !verification(m)).length).toBeLessThanOrEqual(1);
  });
});
