// Accounts in a real browser (issue 4): register, confirm the address from the mail, sign in
// and out through the header, reset a forgotten password; accessibility of the forms.
//
// Other specs share the server and its database, so every test uses its own address. Mail is
// read from the server's outbox (one .eml file per message).
import type { Page } from '@playwright/test';
import { linkPath, waitForMail } from '../support/outbox.ts';
import { PASSWORD, uniqueEmail } from '../support/users.ts';
import { E2E_OUTBOX, expect, newUser, signInWithForm, submitSignInForm, test } from './fixtures.ts';
import { expectNoAxeViolations, saveScreenshot } from './support.ts';

/** The header's account menu (the server island), once it has arrived. */
function accountMenu(page: Page) {
  return page.locator('header [data-account-menu]');
}

test('register, confirm the address from the mail, sign in and out through the header', async ({ page, baseURL }) => {
  const email = uniqueEmail('e2e-journey');
  await page.goto('/register');
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await expect(page.locator('[data-hint-text]')).toHaveText(/Strong|Good/);
  await page.getByLabel(/I have read and agree/).check();
  await page.getByRole('button', { name: 'Create account' }).click();
  // Registering signs the new account in and says what happens next.
  await expect(page.getByRole('status')).toContainText('Your account is ready');
  await expect(page.getByRole('status')).toContainText(email);
  await expect(page.getByRole('status')).toContainText('confirm your address');
  await expect(accountMenu(page).locator('summary')).toContainText(email);

  // Confirm the address with the link from the message, in the session registration started.
  const mail = await waitForMail(E2E_OUTBOX, email, /Confirm your email address/);
  const link = new URL(linkPath(mail), baseURL).href;
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('status')).toContainText('Your email address is confirmed');

  // Signed in: the header shows who is signed in, with a menu.
  await page.getByRole('link', { name: 'Go to your account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const menu = accountMenu(page);
  await expect(menu.locator('summary')).toContainText(email);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toHaveCount(0);
  await menu.locator('summary').click();
  await expect(menu.getByRole('link', { name: 'Account' })).toBeVisible();
  const signOut = menu.getByRole('button', { name: 'Sign out' });
  await expect(signOut).toBeVisible();

  // Sign out from the menu: back to the sign-in links, and the account page asks to sign in.
  await signOut.click();
  await expect(page).toHaveURL(/\/logout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are signed out');
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(accountMenu(page)).toHaveCount(0);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);

  // And in again, straight back to where we were going.
  await submitSignInForm(page, email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(accountMenu(page).locator('summary')).toContainText(email);
});

test('a failed sign-in keeps the address but not the password, says nothing about which was wrong, and passes axe-core', async ({
  page,
}) => {
  const email = uniqueEmail('e2e-wrong');
  await newUser({ email, agreed: false }); // verified, with a password, as the operator's tool makes it
  await signInWithForm(page, email, { password: 'not the right password at all' });
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
  await expect(page.getByRole('alert')).toBeFocused();
  await expect(page.getByLabel('Email address')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expect(accountMenu(page)).toHaveCount(0);
  await expectNoAxeViolations(page);
});

test('forgot and reset the password', async ({ page, baseURL }) => {
  const email = uniqueEmail('e2e-reset');
  await newUser({ email, agreed: false }); // verified, with a password, as the operator's tool makes it

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status')).toContainText('Check your inbox');

  const mail = await waitForMail(E2E_OUTBOX, email, /Reset your CustomerTrackr password/);
  const link = new URL(linkPath(mail), baseURL).href;
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');

  // A refused password is explained at the field, and the link still works.
  const field = page.getByLabel('New password');
  await field.fill('qwertyuiopasdfgh');
  await page.getByRole('button', { name: 'Save password' }).click();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAccessibleDescription(/keyboard|common/);
  await expect(field).toHaveValue('');

  const newPassword = 'four unrelated words here';
  await field.fill(newPassword);
  await page.getByRole('button', { name: 'Save password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is set');

  // The link was single-use.
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('already been used');

  // The new password works (that the old one no longer does is checked over HTTP).
  await signInWithForm(page, email, { password: newPassword });
  await expect(page).toHaveURL(/\/account$/);
  await expect(accountMenu(page).locator('summary')).toContainText(email);
});

test('registration errors are tied to their fields and keep what was typed', async ({ page }) => {
  await page.goto('/register');
  await page.getByLabel('Email address').fill('not-an-address');
  await page.getByLabel('Password', { exact: true }).fill('passwordpassword');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('alert')).toBeFocused();
  // The GOV.UK-style summary: one link per problem, each leading to its field.
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('There is a problem');
  await expect(summary.getByRole('link')).toHaveCount(2);
  await summary.getByRole('link', { name: /name@example\.com/ }).click();
  await expect(page.getByLabel('Email address')).toBeFocused();
  const emailField = page.getByLabel('Email address');
  await expect(emailField).toHaveValue('not-an-address');
  await expect(emailField).toHaveAttribute('aria-invalid', 'true');
  await expect(emailField).toHaveAccessibleDescription(/name@example\.com/);
  const passwordField = page.getByLabel('Password', { exact: true });
  await expect(passwordField).toHaveValue('');
  const agree = page.getByLabel(/I have read and agree/);
  await expect(agree).toHaveAttribute('aria-invalid', 'true');
  await expect(agree).toHaveAccessibleDescription(/agree to the privacy policy/);

  // The password's rules are checked once the rest is right (after the rate limits), and shown
  // at the field the same way.
  await emailField.fill(uniqueEmail('weak'));
  await passwordField.fill('passwordpassword');
  await agree.check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toBeFocused();
  await expect(passwordField).toHaveAttribute('aria-invalid', 'true');
  await expect(passwordField).toHaveAccessibleDescription(/common passwords/);
  await expect(passwordField).toHaveValue('');
  // The strength hint does not repeat the error until the reader types again.
  await expect(page.locator('[data-hint-text]')).toHaveText('');
  await passwordField.fill('a');
  await expect(page.locator('[data-hint-text]')).toHaveText('14 more characters needed.');
  await saveScreenshot(page, 'register-errors', { fullPage: true });
});

for (const colorScheme of ['light', 'dark'] as const) {
  for (const path of ['/register', '/login', '/forgot-password']) {
    test(`${path} has no accessibility violations (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.goto(path);
      await expectNoAxeViolations(page);
    });
  }

  test(`a form showing errors has no accessibility violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto('/register');
    await page.getByLabel('Email address').fill('not-an-address');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectNoAxeViolations(page);
  });
}
