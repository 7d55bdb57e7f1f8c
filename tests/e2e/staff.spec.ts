// The staff tools in a real browser (issue 8), as support, admins and users meet them: a
// deletion request from the email to the erasure, support revealing a detail and the user
// seeing it on their account page, the last admin, and accessibility and layout of the admin
// pages in light and dark at 375 and 1280 px.
//
// Other specs share the server and its database, so every test makes its own accounts,
// straight in the e2e database (the server shares the SQLite file in WAL mode). Mail is read
// from the server's outbox (one .eml file per message).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { createAccount, createSession, hashPassword, normalizeEmail, type Role } from '../../src/lib/auth/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { clearRateLimits, expectNoAxeViolations, hasHorizontalScroll } from './support.ts';
import { linkPath, waitForMail } from '../support/outbox.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DATABASE = join(root, 'test-results/e2e-data/site.db');
const OUTBOX = join(root, 'test-results/e2e-data/outbox');
const PASSWORD = 'correct horse battery staple';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

// Every spec signs in from 127.0.0.1 (30 sign-ins per 15 minutes): start with the counters empty.
test.beforeEach(() => clearRateLimits(DATABASE));

function uniqueEmail(label: string): string {
  return `e2e-staff-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** A verified account with a password and `roles`, and optionally a profile. */
async function createUser(label: string, roles: Role[] = [], profile?: { full_name: string; phone: string }): Promise<{ email: string; id: number }> {
  const email = uniqueEmail(label);
  const { db, close } = openDatabase(DATABASE);
  try {
    const id = await createAccount(db, normalizeEmail(email)!, roles, await hashPassword(PASSWORD));
    await db
      .insertInto('policy_agreement')
      .values({ user_id: id, policy_effective_date: '2009-01-01', agreed_at: new Date().toISOString(), context: 'registration', wording: 'I agree.' })
      .execute();
    if (profile) await db.insertInto('account_profile').values({ user_id: id, ...profile, company: null, job_title: null, updated_at: new Date().toISOString() }).execute();
    return { email, id };
  } finally {
    await close();
  }
}

/** Signs `context` in as user `id`, as the sign-in form would: a new session and its cookie. */
async function startSession(context: BrowserContext, id: number, baseURL: string): Promise<void> {
  const { db, close } = openDatabase(DATABASE);
  try {
    const { token } = await createSession(db, id, USER_AGENT);
    await context.addCookies([{ name: 'session', value: token, url: baseURL, httpOnly: true, sameSite: 'Lax' }]);
  } finally {
    await close();
  }
}

/** Signs in through the form, as a staff member does. */
async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/?]/g, '\\$&')}$`));
}

function region(page: Page, name: string | RegExp) {
  return page.getByRole('region', { name });
}

test('a deletion request received by email: support records it, the user confirms from the mail, the queue shows it completed with no personal data', async ({ page, browser, baseURL }) => {
  const support = await createUser('support', ['support']);
  const customer = await createUser('leaving', [], { full_name: 'Lee Leaving', phone: '+1 212 555 0123' });

  // Support records the request from the admin area.
  await signIn(page, support.email, '/admin');
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
  const mail = await waitForMail(OUTBOX, customer.email, /Confirm the deletion of your CustomerTrackr account/);
  expect(mail.text).toContain(ticket);
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  await userPage.goto(new URL(linkPath(mail), baseURL).href);
  await expect(userPage.getByRole('heading', { level: 1 })).toHaveText('Confirm the deletion of your account');
  await expectNoAxeViolations(userPage);
  await userPage.getByRole('button', { name: 'Delete my account' }).click();
  await expect(userPage.getByRole('status')).toContainText('Your account has been deleted');
  await waitForMail(OUTBOX, customer.email, /Your CustomerTrackr account has been deleted/);
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

test('support reveals a detail with a reason, and the user sees it on their account page', async ({ page, browser, baseURL }) => {
  const support = await createUser('support-reveal', ['support']);
  const customer = await createUser('watched', [], { full_name: 'Wendy Watched', phone: '+1 212 555 0177' });

  await signIn(page, support.email, '/admin/users');
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
  await startSession(userContext, customer.id, baseURL!);
  const userPage = await userContext.newPage();
  await userPage.goto('/account');
  await expect(userPage.locator('.island-loading')).toHaveCount(0);
  const access = region(userPage, 'Staff access');
  await expect(access).toContainText('Our support team revealed a masked detail of your account.');
  await expect(access).toContainText('Fields: Phone number');
  await expect(access).toContainText(`Reason given: “${reason}”`);
  await expect(access).toContainText('Our support team opened your account record');
  await expect(access).not.toContainText(support.email);
  await access.screenshot({ path: 'test-results/screens/staff-access-on-account.png' });
  await expectNoAxeViolations(userPage);
  await userContext.close();
});

test('an admin grants and revokes a role in the browser, but cannot remove the last admin', async ({ page }) => {
  const admin = await createUser('admin-roles', ['admin']);
  const sam = await createUser('sam');
  await signIn(page, admin.email, '/admin/roles');
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
  const { db, close } = openDatabase(DATABASE);
  try {
    await db.deleteFrom('user_role').where('role', '=', 'admin').where('user_id', '!=', admin.id).execute();
  } finally {
    await close();
  }
  await page.reload();
  await page.locator(`[data-holder="${admin.id}"]`).getByRole('button', { name: 'Revoke admin' }).click();
  await expect(page.getByRole('alert')).toContainText('This is the last admin');
  await expect(page.locator(`[data-holder="${admin.id}"]`)).toContainText('admin');
});

const ADMIN_PAGES = ['/admin/users', '/admin/deletion-requests', '/admin/deletion-requests/new', '/admin/roles', '/admin/audit'];

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the staff pages have no accessibility violations (${colorScheme})`, async ({ page, baseURL }) => {
    // Eight pages analysed by axe-core: more than the default budget on a busy 2-core machine.
    test.slow();
    const admin = await createUser(`axe-${colorScheme}`, ['admin', 'support']);
    const customer = await createUser(`axe-subject-${colorScheme}`, [], { full_name: 'Axel Axe', phone: '+1 212 555 0111' });
    await startSession(page.context(), admin.id, baseURL!);
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

for (const width of [375, 1280]) {
  test(`the staff pages render at ${width}px without horizontal scrolling`, async ({ page, baseURL }) => {
    const admin = await createUser(`screen-${width}`, ['admin', 'support']);
    const customer = await createUser(`screen-subject-${width}`, [], { full_name: 'Sasha Screen', phone: '+1 212 555 0155' });
    const { db, close } = openDatabase(DATABASE);
    try {
      // A request waiting, so that the queue shows open and closed ones.
      const now = new Date().toISOString();
      await db
        .insertInto('deletion_request')
        .values({ ticket: `SCREEN-${width}`, requester_email: customer.email, user_id: customer.id, status: 'pending', received_at: now, recorded_at: now, token_id: null, token_hash: null, token_expires_at: Date.now() + 86_400_000 })
        .execute();
    } finally {
      await close();
    }
    await startSession(page.context(), admin.id, baseURL!);
    await page.setViewportSize({ width, height: 900 });
    const shots: [string, string][] = [
      ['/admin/users', 'users'],
      [`/admin/users/${customer.id}`, 'user-record'],
      ['/admin/deletion-requests', 'deletion-queue'],
      ['/admin/roles', 'roles'],
      ['/admin/audit', 'audit'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [path, name] of shots) {
        await page.goto(path);
        expect(await hasHorizontalScroll(page), `${path} at ${width}px`).toBe(false);
        await page.screenshot({ path: `test-results/screens/staff-${name}-${width}-${colorScheme}.png`, fullPage: true });
      }
    }
    // The search with its results.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/admin/users');
    await page.getByLabel('Email address, or how it begins').fill('e2e-staff-screen');
    await page.getByRole('button', { name: 'Find' }).click();
    expect(await hasHorizontalScroll(page)).toBe(false);
    await page.screenshot({ path: `test-results/screens/staff-users-results-${width}.png`, fullPage: true });
  });
}
