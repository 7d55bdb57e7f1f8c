// The account page in a real browser (issue 5), as a user would use it: edit the profile,
// change the password, sign out another session, download the data, acknowledge a policy
// change, delete the account; accessibility in light and dark; the page without JavaScript.
//
// Other specs share the server and its database, so every test makes its own account,
// straight in the e2e database (the server shares the SQLite file in WAL mode).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { PASSWORD } from '../support/users.ts';
import { expect, newSignedInPage, newUser, signInAs, submitSignInForm, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll } from './support.ts';

/** A signed-in page on the account page. */
async function openAccount(page: Page, id: number, path = '/account'): Promise<void> {
  await signInAs(page.context(), id);
  await page.goto(path);
}

/** Waits until every server island of the account page has arrived. */
async function islandsLoaded(page: Page): Promise<void> {
  await expect(page.locator('.island-loading')).toHaveCount(0);
}

function section(page: Page, name: string) {
  return page.getByRole('region', { name, exact: true });
}

/** A page in a new browser context, signed in as `id`, on the account page. */
async function accountPageElsewhere(browser: Browser, id: number, userAgent?: string): Promise<Page> {
  const page = await newSignedInPage(browser, id, userAgent);
  await page.goto('/account');
  return page;
}

test('a visitor is sent to sign in and comes back to the account page', async ({ page }) => {
  const { email } = await newUser({ label: 'e2e-profile-visitor' });
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await submitSignInForm(page, email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
});

test('edit the profile: saved, shown as text, listed in the history; bad values explained by field', async ({
  userPage: page,
  user: { email },
}) => {
  await page.goto('/account');
  await islandsLoaded(page);
  const profile = section(page, 'Profile');
  await expect(profile.getByText(email).first()).toBeVisible();

  await profile.getByLabel('Display name').fill('<b>Robin</b>');
  await profile.getByLabel('Full name').fill('Robin Example');
  await profile.getByLabel('Phone number').fill('not a number');
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await islandsLoaded(page);
  await expect(section(page, 'Profile').getByText('Nothing was saved.')).toBeVisible();
  await expect(section(page, 'Profile').getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expect(section(page, 'Profile').getByText(/Use digits, spaces and/)).toBeVisible();
  // What was typed is still there to correct.
  await expect(section(page, 'Profile').getByLabel('Full name')).toHaveValue('Robin Example');

  await section(page, 'Profile').getByLabel('Phone number').fill('+1 617 555 0100');
  await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
  await expect(page).toHaveURL(/\/account\?done=profile#profile$/);
  await islandsLoaded(page);
  await expect(section(page, 'Profile').getByText('Your profile was saved.')).toBeVisible();
  await expect(section(page, 'Profile').getByLabel('Display name')).toHaveValue('<b>Robin</b>');
  // The header shows the name as text, not as markup.
  await expect(page.locator('header').getByText('<b>Robin</b>')).toBeVisible();
  const history = section(page, 'History of changes');
  await expect(history.getByText('Display name', { exact: true })).toBeVisible();
  await expect(history.getByText('Phone number', { exact: true })).toBeVisible();
  await expect(history).not.toContainText('Robin');
});

test('change the password, signing out the other session', async ({ page, browser }) => {
  const { email, id } = await newUser({ label: 'e2e-profile-password' });
  await openAccount(page, id);
  const other = await accountPageElsewhere(browser, id);
  await islandsLoaded(page);
  const password = section(page, 'Password');
  await password.getByLabel('Current password').fill('not the password at all');
  await password.getByLabel('New password').fill('seven silver herons in the rain');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(section(page, 'Password').getByText(/not your current password/)).toBeVisible();

  await section(page, 'Password').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Password').getByLabel('New password').fill('seven silver herons in the rain');
  await expect(section(page, 'Password').getByLabel(/Sign out every other session/)).toBeChecked();
  await section(page, 'Password').getByRole('button', { name: 'Change password' }).click();
  await expect(section(page, 'Password').getByText('Your password was changed and every other session was signed out.')).toBeVisible();

  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  // The new password signs in.
  await submitSignInForm(other, email, 'seven silver herons in the rain');
  await expect(other).toHaveURL(/\/account$/);
  await other.context().close();
});

test('sign out another session from the list', async ({ page, browser }) => {
  const { id } = await newUser({ label: 'e2e-profile-sessions' });
  const other = await accountPageElsewhere(
    browser,
    id,
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  );
  await openAccount(page, id);
  await islandsLoaded(page);
  const sessions = section(page, 'Sessions');
  await expect(sessions.getByText('This browser', { exact: true })).toHaveCount(1);
  const phone = sessions.getByRole('listitem').filter({ hasText: 'Safari on iOS' });
  await expect(phone).toHaveCount(1);
  await phone.getByRole('button', { name: /Sign out/ }).click();
  await expect(section(page, 'Sessions').getByText('That session was signed out.')).toBeVisible();
  await islandsLoaded(page);
  await expect(section(page, 'Sessions').getByRole('listitem')).toHaveCount(1);
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await other.context().close();
});

test('download my data as a JSON file', async ({ userPage: page, user: { email } }) => {
  await page.goto('/account');
  await islandsLoaded(page);
  const download = page.waitForEvent('download');
  await section(page, 'Download your data')
    .getByRole('button', { name: /Download my data/ })
    .click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^customertrackr-data-\d{4}-\d\d-\d\d\.json$/);
  const data = JSON.parse(readFileSync((await file.path())!, 'utf8')) as {
    format: string;
    tables: { user: { rows: { email: string }[] } };
  };
  expect(data.format).toBe('customertrackr-account-export');
  expect(data.tables.user.rows[0]!.email).toBe(email);
  // The page stays where it was.
  await expect(page).toHaveURL(/\/account$/);
});

test('acknowledge a policy change from the notice on any page', async ({ page }) => {
  const { id } = await newUser({ label: 'e2e-profile-ack' });
  await signInAs(page.context(), id);
  await page.goto('/pricing');
  const notice = page.getByRole('region', { name: 'Privacy policy update' });
  await expect(notice).toBeVisible();
  await expect(notice.getByRole('link', { name: 'See what changed' })).toHaveAttribute('href', '/privacy/changes/2009-01-01...2027-01-01');
  await expectNoAxeViolations(page);
  await notice.getByRole('button', { name: /I have read it/ }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Privacy policy update' })).toHaveCount(0);
  await page.goto('/account');
  await islandsLoaded(page);
  await expect(section(page, 'Privacy policy').getByText('You are up to date with the privacy policy.')).toBeVisible();
  await expect(section(page, 'Privacy policy').getByText(/with “I have read it”/)).toBeVisible();
});

test('delete the account', async ({ userPage: page, user: { email } }) => {
  await page.goto('/account');
  await islandsLoaded(page);
  const remove = section(page, 'Delete your account');
  await remove.getByLabel('Current password').fill(PASSWORD);
  await remove.getByLabel(/Type “delete my account”/).fill('delete');
  await remove.getByRole('button', { name: 'Delete my account' }).click();
  await expect(section(page, 'Delete your account').getByText(/Type “delete my account” exactly/)).toBeVisible();

  await section(page, 'Delete your account').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Delete your account')
    .getByLabel(/Type “delete my account”/)
    .fill('delete my account');
  await section(page, 'Delete your account').getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/account\/deleted(#delete)?$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account has been deleted' })).toBeVisible();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login/);
  await submitSignInForm(page, email);
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
});

test('works without JavaScript: the basic page shows and saves the same things', async ({ browser }) => {
  const { email, id } = await newUser({ label: 'e2e-profile-nojs' });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await openAccount(page, id);
  await expect(page).toHaveURL(/\/account\/basic$/);
  await expect(section(page, 'Profile').getByText(email).first()).toBeVisible();
  await section(page, 'Profile').getByLabel('Company').fill('No Script Ltd');
  await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
  await expect(page).toHaveURL(/\/account\/basic\?done=profile#profile$/);
  await expect(section(page, 'Profile').getByLabel('Company')).toHaveValue('No Script Ltd');
  await context.close();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the account page has no accessibility violations (${colorScheme})`, async ({ page }) => {
    const { id } = await newUser({ label: `e2e-profile-axe-${colorScheme}` });
    await page.emulateMedia({ colorScheme });
    await openAccount(page, id, '/account?done=profile');
    await islandsLoaded(page);
    await expectNoAxeViolations(page);
    // With an error showing, and on the page without JavaScript.
    await section(page, 'Profile').getByLabel('Phone number').fill('nope');
    await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
    await islandsLoaded(page);
    await expect(section(page, 'Profile').getByText('Nothing was saved.')).toBeVisible();
    await expectNoAxeViolations(page);
    await page.goto('/account/basic');
    await expectNoAxeViolations(page);
  });
}

for (const width of [375, 1280]) {
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the account page renders at ${width}px (${colorScheme}) without horizontal scrolling`, async ({ page, browser }) => {
      const { id } = await newUser({ label: `e2e-profile-screen-${width}-${colorScheme}` });
      // A second session, so that the list shows both kinds.
      await (await accountPageElsewhere(browser, id)).context().close();
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme });
      await openAccount(page, id);
      await islandsLoaded(page);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.screenshot({ path: `test-results/screens/account-${width}-${colorScheme}.png`, fullPage: true });
    });
  }
}
