// The staff tools in a real browser (issue 8), as support, admins and users meet them: a
// deletion request from the email to the erasure, support revealing a detail and the user
// seeing it on their account page, the last admin, and accessibility and layout of the admin
// pages in light and dark at 375 and 1280 px.
//
// Other specs share the server and its database, so every test makes its own accounts,
// straight in the e2e database (the server shares the SQLite file in WAL mode). Mail is read
// from the server's outbox (one .eml file per message).
import type { Page } from '@playwright/test';
import { linkPath, waitForMail } from '../support/outbox.ts';
import { withDatabase } from '../support/site-db.ts';
import { E2E_DATABASE, E2E_OUTBOX, expect, newUser, signInAs, signInWithForm, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll, saveScreenshot } from './support.ts';

function region(page: Page, name: string | RegExp) {
  return page.getByRole('region', { name });
}

test('a deletion request received by email: support records it, the user confirms from the mail, the queue shows it completed with no personal data', async ({
  page,
  browser,
  baseURL,
}) => {
  // Two browsers, a mail round trip and axe-core: more than the default budget on a shared machine.
  test.slow();
  const support = await newUser({ label: 'e2e-staff-support', roles: ['support'] });
  const customer = await newUser({ label: 'e2e-staff-leaving', profile: { full_name: 'Lee Leaving', phone: '+1 212 555 0123' } });

  // Support records the request from the admin area.
  await signInWithForm(page, support.email, { next: '/admin' });
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Deletion requests' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Deletion requests');
  await page.getByRole('link', { name: 'Record a request' }).click();
  await page.getByLabel('The requester’s email address').fill(customer.email);
  const ticket = `ZD-${Date.now().toString(36)}`;
  await page.getByLabel('Ticket reference').fill(ticket);
  await page.getByRole('button', { name: 'Record and email the confirmation link' }).click();
  await expect(page.getByRole('status')).toContainText('the account holder was emailed a link');
  await expect(page.getByText('Waiting for confirmation')).toBeVisible();
  const requestUrl = page.url().replace(/\?.*$/, '');
  await expectNoAxeViolations(page);

  // The queue lists it as waiting, the address masked.
  await page.goto('/admin/deletion-requests');
  const waiting = region(page, /Waiting for the holder’s confirmation/);
  await expect(waiting.getByRole('link', { name: new RegExp(`ticket ${ticket}`) })).toBeVisible();
  await expect(waiting).toContainText(`${customer.email[0]}•••@example.com`);
  await expect(page.locator('body')).not.toContainText(customer.email);

  // The user opens the link from the message (not signed in) and confirms.
  const mail = await waitForMail(E2E_OUTBOX, customer.email, /Confirm the deletion of your CustomerTrackr account/);
  expect(mail.text).toContain(ticket);
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  await userPage.goto(new URL(linkPath(mail), baseURL).href);
  await expect(userPage.getByRole('heading', { level: 1 })).toHaveText('Confirm the deletion of your account');
  await expectNoAxeViolations(userPage);
  await userPage.getByRole('button', { name: 'Delete my account' }).click();
  await expect(userPage.getByRole('status')).toContainText('Your account has been deleted');
  await waitForMail(E2E_OUTBOX, customer.email, /Your CustomerTrackr account has been deleted/);
  // The link worked once.
  await userPage.goto(new URL(linkPath(mail), baseURL).href);
  await expect(userPage.getByRole('alert')).toContainText('already been used');
  await userContext.close();

  // The queue shows it completed, with nothing personal left.
  await page.goto('/admin/deletion-requests');
  const closed = region(page, /Completed and cancelled/);
  const card = closed.locator('li', { hasText: ticket });
  await expect(card).toContainText('Completed');
  await expect(card).toContainText('Deleted after the holder confirmed by email');
  await expect(card).not.toContainText('•••');
  await expect(region(page, /Waiting for the holder’s confirmation/)).not.toContainText(ticket);
  await expectNoAxeViolations(page);
  await page.goto(requestUrl);
  await expect(page.getByText('A closed request keeps no personal data')).toBeVisible();
  await expect(page.locator('body')).not.toContainText(customer.email);
  await expect(page.locator('body')).not.toContainText(`${customer.email[0]}•••`);
});

test('support reveals a detail with a reason, and the user sees it on their account page', async ({ page, browser }) => {
  const support = await newUser({ label: 'e2e-staff-support-reveal', roles: ['support'] });
  const customer = await newUser({ label: 'e2e-staff-watched', profile: { full_name: 'Wendy Watched', phone: '+1 212 555 0177' } });

  await signInWithForm(page, support.email, { next: '/admin/users' });
  await page.getByLabel('Email address, or how it begins').fill(customer.email);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByRole('heading', { name: '1 account found' })).toBeFocused();
  await page.getByRole('link', { name: new RegExp(`account ${customer.id}`) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Account #${customer.id}`);

  // Masked by default.
  const details = region(page, 'Personal details');
  await expect(details).toContainText('•••• 77');
  await expect(details).toContainText('W•••');
  await expect(page.locator('body')).not.toContainText('Wendy');
  await expect(page.locator('body')).not.toContainText('212 555');

  // Revealing takes a reason; without one, nothing is shown.
  const phone = page.locator('#detail-phone');
  await phone.locator('summary').click();
  await phone.getByRole('button', { name: 'Reveal the phone number' }).click();
  const reasonField = page.locator('#detail-phone').getByLabel('Why do you need the phone number?');
  await expect(reasonField).toHaveAttribute('aria-invalid', 'true');
  await expect(reasonField).toHaveAccessibleDescription(/Give the reason/);
  await expect(page.locator('body')).not.toContainText('212 555');
  const reason = 'The caller asked us to read back the number on file';
  await reasonField.fill(reason);
  await page.locator('#detail-phone').getByRole('button', { name: 'Reveal the phone number' }).click();
  await expect(page.locator('#detail-phone')).toContainText('+1 212 555 0177');
  await expect(page.locator('#detail-phone')).toContainText('Revealed, and recorded in the audit log');
  await expect(page.locator('body')).not.toContainText('Wendy');
  await expectNoAxeViolations(page);

  // The user sees it, with the reason, and without the staff member's address.
  const userContext = await browser.newContext();
  await signInAs(userContext, customer.id);
  const userPage = await userContext.newPage();
  await userPage.goto('/account/privacy');
  const access = region(userPage, 'Staff access');
  await expect(access).toContainText('Our support team revealed a masked detail of your account.');
  await expect(access).toContainText('Fields: Phone number');
  await expect(access).toContainText(`Reason given: “${reason}”`);
  await expect(access).toContainText('Our support team opened your account record');
  await expect(access).not.toContainText(support.email);
  await saveScreenshot(access, 'staff-access-on-account');
  await expectNoAxeViolations(userPage);
  await userContext.close();
});

test('an admin grants and revokes a role in the browser, but cannot remove the last admin', async ({ page }) => {
  const admin = await newUser({ label: 'e2e-staff-admin-roles', roles: ['admin'] });
  const sam = await newUser({ label: 'e2e-staff-sam' });
  await signInWithForm(page, admin.email, { next: '/admin/roles' });
  await page.getByLabel('Email address of the account').fill(sam.email);
  await page.getByLabel('Role', { exact: true }).selectOption('support');
  await page.getByRole('button', { name: 'Grant the role' }).click();
  await expect(page.getByRole('status')).toContainText('The role was granted');
  const samCard = page.locator(`[data-holder="${sam.id}"]`);
  await expect(samCard).toContainText('support');
  await samCard.getByRole('button', { name: 'Revoke support' }).click();
  await expect(page.getByRole('status')).toContainText('The role was revoked');
  await expect(page.locator(`[data-holder="${sam.id}"]`)).toHaveCount(0);

  // Other specs' admins share this database: make this one the last, then try.
  await withDatabase(E2E_DATABASE, async (db) => {
    await db.deleteFrom('user_role').where('role', '=', 'admin').where('user_id', '!=', admin.id).execute();
  });
  await page.reload();
  await page.locator(`[data-holder="${admin.id}"]`).getByRole('button', { name: 'Revoke admin' }).click();
  await expect(page.getByRole('alert')).toContainText('This is the last admin');
  await expect(page.locator(`[data-holder="${admin.id}"]`)).toContainText('admin');
});

const ADMIN_PAGES = [
  '/admin',
  '/admin/users',
  '/admin/deletion-requests',
  '/admin/deletion-requests/new',
  '/admin/roles',
  '/admin/audit',
  '/admin/audit?from=nope',
];

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the staff pages have no accessibility violations (${colorScheme})`, async ({ page }) => {
    // Eight pages analysed by axe-core: more than the default budget on a busy 2-core machine.
    test.slow();
    const admin = await newUser({ label: `e2e-staff-axe-${colorScheme}`, roles: ['admin', 'support', 'editor'] });
    const customer = await newUser({
      label: `e2e-staff-axe-subject-${colorScheme}`,
      profile: { full_name: 'Axel Axe', phone: '+1 212 555 0111' },
    });
    await signInAs(page.context(), admin.id);
    await page.emulateMedia({ colorScheme });
    for (const path of [...ADMIN_PAGES, `/admin/users/${customer.id}`]) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expectNoAxeViolations(page);
    }
    // With a search result, and with an error at a field.
    await page.goto('/admin/users');
    await page.getByLabel('Email address, or how it begins').fill('e2e-staff-');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(page.getByRole('heading', { name: /accounts? found/ })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.goto('/admin/deletion-requests/new');
    await page.getByRole('button', { name: 'Record and email the confirmation link' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectNoAxeViolations(page);
  });
}

for (const width of [320, 375, 1440]) {
  test(`the staff pages render at ${width}px without horizontal scrolling`, async ({ page }) => {
    test.slow();
    const admin = await newUser({ label: `e2e-staff-screen-${width}`, roles: ['admin', 'support', 'editor'] });
    const customer = await newUser({
      label: `e2e-staff-screen-subject-${width}`,
      profile: { full_name: 'Sasha Screen', phone: '+1 212 555 0155' },
    });
    await withDatabase(E2E_DATABASE, async (db) => {
      // A request waiting, so that the queue shows open and closed ones.
      const now = new Date().toISOString();
      await db
        .insertInto('deletion_request')
        .values({
          ticket: `SCREEN-${width}`,
          requester_email: customer.email,
          user_id: customer.id,
          status: 'pending',
          received_at: now,
          recorded_at: now,
          token_id: null,
          token_hash: null,
          token_expires_at: Date.now() + 86_400_000,
        })
        .execute();
    });
    await signInAs(page.context(), admin.id);
    await page.setViewportSize({ width, height: 900 });
    const shots: [string, string][] = [
      ['/admin', 'overview'],
      ['/admin/stats', 'stats'],
      ['/admin/users', 'users'],
      [`/admin/users/${customer.id}`, 'user-record'],
      ['/admin/deletion-requests', 'deletion-queue'],
      ['/admin/roles', 'roles'],
      ['/admin/audit', 'audit'],
      ['/admin/audit?from=nope', 'audit-error'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [path, name] of shots) {
        await page.goto(path);
        expect(await hasHorizontalScroll(page), `${path} at ${width}px`).toBe(false);
        if (width !== 320) await saveScreenshot(page, `staff-${name}-${width}-${colorScheme}`, { fullPage: true });
      }
    }
    // The search with its results.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/admin/users');
    await page.getByLabel('Email address, or how it begins').fill('e2e-staff-screen');
    await page.getByRole('button', { name: 'Find' }).click();
    expect(await hasHorizontalScroll(page)).toBe(false);
    await saveScreenshot(page, `staff-users-results-${width}`, { fullPage: true });
  });
}

test('the staff area has a shell of its own, and the audit filter bar keeps one control height as it wraps', async ({ page }) => {
  const admin = await newUser({ label: 'e2e-staff-shell', roles: ['admin'] });
  await signInAs(page.context(), admin.id);
  for (const width of [320, 375, 800, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/admin');
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(page.getByRole('contentinfo')).toHaveCount(0);
    await expect(page.getByText('Create account')).toHaveCount(0);
    await expect(page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Overview' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expect(page.getByRole('link', { name: 'Deletion requests waiting' })).toBeVisible();
    await page.goto('/admin/audit');
    const heights = await page
      .locator('form.filters')
      .locator('input, select, .button')
      .evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().height)));
    expect(new Set(heights).size, `${width}px: ${heights.join(', ')}`).toBe(1);
    // Each control lies wholly inside the bar: nothing clipped or overflowing as it wraps.
    const inside = await page.locator('form.filters').evaluate((form) => {
      const bar = form.getBoundingClientRect();
      return [...form.querySelectorAll('input, select, .button')].every((el) => {
        const box = el.getBoundingClientRect();
        return box.left >= bar.left && box.right <= bar.right + 0.5;
      });
    });
    expect(inside, `${width}px`).toBe(true);
    expect(await hasHorizontalScroll(page)).toBe(false);
  }
});
