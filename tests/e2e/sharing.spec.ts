// Sharing in a real browser (issue 17): an admin adds a third party and proposes a purpose, a
// user refuses it from the link in the notice email without signing in, and the share run
// after the notice period leaves them out while including someone who did not refuse; that
// person then sees the share under "Where your data went".
//
// The notice job runs here as the server's scheduler would run it (the server runs it once a
// minute); the notice period is ended by moving the purpose's dates back 31 days in the
// database, the one state only time would otherwise reach.
import { readFileSync } from 'node:fs';
import { enqueueMail } from '../../src/lib/mail/outbox.ts';
import { DAY_MS, noticeJob } from '../../src/lib/sharing/index.ts';
import { E2E_BASE_URL } from '../playwright.config.ts';
import { linkPath, waitForMail } from '../support/outbox.ts';
import { withDatabase } from '../support/site-db.ts';
import { uniqueText } from '../support/users.ts';
import { E2E_DATABASE, E2E_OUTBOX, expect, newSignedInPage, newUser, test } from './fixtures.ts';
import { expectNoAxeViolations } from './support.ts';

/** Runs the notice job until both accounts have been mailed (bounded: the job sends at most 200 a run). */
async function sendNoticesTo(purposeId: number, userIds: number[]): Promise<void> {
  const job = noticeJob({ siteUrl: E2E_BASE_URL, enqueue: enqueueMail });
  for (let run = 0; run < 50; run++) {
    const unsent = await withDatabase(E2E_DATABASE, async (db) => {
      await job.run(db, new Date());
      return db
        .selectFrom('purpose_notice')
        .select('user_id')
        .where('purpose_id', '=', purposeId)
        .where('user_id', 'in', userIds)
        .where('sent_at', 'is not', null)
        .execute();
    });
    if (unsent.length === userIds.length) return;
  }
  throw new Error('the notices were not sent');
}

test('an admin proposes a purpose, a user opts out from the email link, and the share leaves them out', async ({ browser, staffPage }) => {
  test.setTimeout(120_000);
  const refuser = await newUser({ label: 'e2e-share-refuser', profile: { company: 'Refusing Co' } });
  const keeper = await newUser({ label: 'e2e-share-keeper', profile: { company: 'Keeping Co' } });
  const partner = uniqueText('E2E Partners');

  // The admin adds the third party to the register and proposes the purpose.
  const admin = await staffPage('admin');
  await admin.goto('/admin/sharing');
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('Sharing');
  await admin.getByLabel('Name').fill(partner);
  await admin.getByLabel('Country').fill('Ireland');
  await admin.getByLabel('Data it receives').fill('Email address and company');
  await admin.getByLabel('Purpose', { exact: true }).fill('Industry newsletters');
  await admin.getByLabel('Third party (the sharing opt-out applies)').check();
  await admin.getByLabel('Receives data since').fill('2026-01-01');
  await admin.getByRole('button', { name: 'Add to the register' }).click();
  await expect(admin.getByRole('status')).toContainText('added to the public register');
  await expectNoAxeViolations(admin);

  await admin.getByLabel('Third party', { exact: true }).selectOption({ label: `${partner} (Ireland)` });
  await admin.getByLabel('What it will use the data for').fill('Industry newsletters about CRM');
  await admin.getByRole('group', { name: 'Fields it may receive' }).getByLabel('Email address').check();
  await admin.getByRole('group', { name: 'Fields it may receive' }).getByLabel('Company').check();
  await admin.getByRole('button', { name: 'Propose and start the notice period' }).click();
  await expect(admin.getByRole('status')).toContainText('notice period has started');
  await expect(admin.getByText('Nothing can be shared for this purpose until its notice period ends.')).toBeVisible();
  await expectNoAxeViolations(admin);
  const purposeId = Number(/\/purposes\/(\d+)/.exec(admin.url())![1]);

  // The register is public, with the new recipient.
  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.goto('/privacy/recipients');
  await expect(publicPage.getByRole('heading', { name: partner })).toBeVisible();
  await expectNoAxeViolations(publicPage);

  // The notices go out; the refuser opens the link, not signed in, and presses the one button.
  await sendNoticesTo(purposeId, [refuser.id, keeper.id]);
  const mail = await waitForMail(E2E_OUTBOX, refuser.email, /Notice: we propose to share/);
  expect(mail.text).toContain(partner);
  await publicPage.goto(linkPath(mail));
  await expect(publicPage.getByText(`with ${partner} for: Industry newsletters about CRM`)).toBeVisible();
  await expectNoAxeViolations(publicPage);
  await publicPage.getByRole('button', { name: 'Leave me out' }).click();
  await expect(publicPage.getByRole('status')).toContainText('You are left out');
  await visitor.close();

  // Thirty-one days later (the dates moved back), the admin runs the share.
  await withDatabase(E2E_DATABASE, async (db) => {
    const back = 31 * DAY_MS;
    const p = await db.selectFrom('sharing_purpose').selectAll().where('id', '=', purposeId).executeTakeFirstOrThrow();
    await db
      .updateTable('sharing_purpose')
      .set({ proposed_at: Number(p.proposed_at) - back, notice_ends_at: Number(p.notice_ends_at) - back })
      .where('id', '=', purposeId)
      .execute();
    await db
      .updateTable('purpose_notice')
      .set((eb) => ({ sent_at: eb('sent_at', '-', back), queued_at: eb('queued_at', '-', back) }))
      .where('purpose_id', '=', purposeId)
      .execute();
  });
  await admin.reload();
  await expect(admin.getByRole('progressbar')).toBeVisible();
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('button', { name: 'Run the share and download the file' }).click(),
  ]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('email,company');
  expect(csv).toContain(`${keeper.email},Keeping Co`);
  expect(csv).not.toContain(refuser.email);
  expect(csv).not.toContain('Refusing Co');

  // The keeper sees where their data went; the refuser sees nothing left.
  const keeperPage = await newSignedInPage(browser, keeper.id);
  await keeperPage.goto('/account/privacy');
  const went = keeperPage.getByRole('region', { name: 'Where your data went' });
  await expect(went).toContainText(`Shared with ${partner}`);
  await expect(went).toContainText('Email address, Company');
  await expectNoAxeViolations(keeperPage);

  const refuserPage = await newSignedInPage(browser, refuser.id);
  await refuserPage.goto('/account/privacy');
  await expect(refuserPage.getByRole('region', { name: 'Where your data went' })).toContainText('Nothing about you has left');
  await expect(refuserPage.getByRole('region', { name: 'Sharing' })).toContainText('You refused this');
  await keeperPage.context().close();
  await refuserPage.context().close();
});
