// The account area in a real browser (issues 5 and 14), as a user would use it: edit the
// profile, change the password, sign out another session, download the data, acknowledge a
// policy change, delete the account; every result shown at the top of the page that was used,
// in view and focused; accessibility in light and dark; everything without JavaScript.
//
// Other specs share the server and its database, so every test makes its own account,
// straight in the e2e database (the server shares the SQLite file in WAL mode).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { PASSWORD } from '../support/users.ts';
import { expect, newSignedInPage, newUser, signInAs, submitSignInForm, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll, saveScreenshot } from './support.ts';

const PAGES = ['/account', '/account/security', '/account/privacy', '/account/data'] as const;

/** A signed-in page on an account page. */
async function openAccount(page: Page, id: number, path = '/account'): Promise<void> {
  await signInAs(page.context(), id);
  await page.goto(path);
}

function section(page: Page, name: string) {
  return page.getByRole('region', { name, exact: true });
}

/** A page in a new browser context, signed in as `id`, on the security page. */
async function accountPageElsewhere(browser: Browser, id: number, userAgent?: string): Promise<Page> {
  const page = await newSignedInPage(browser, id, userAgent);
  await page.goto('/account/security');
  return page;
}

/**
 * The result of the last action: at the top of the page (right under its heading), wholly
 * inside the viewport, and focused so that screen readers read it first.
 */
async function expectResultInView(page: Page, text: string | RegExp): Promise<void> {
  const message = page.locator('main [data-focus-on-load]');
  await expect(message).toHaveCount(1);
  await expect(message).toContainText(text);
  await expect(message).toBeFocused();
  const place = await message.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const heading = document.querySelector('main h1')!.getBoundingClientRect();
    // What the reader sees at the message's first line is the message, not a banner over it.
    const seen = document.elementFromPoint(box.left + 12, box.top + 12);
    return { top: box.top, bottom: box.bottom, viewport: window.innerHeight, headingBottom: heading.bottom, visible: el.contains(seen) };
  });
  expect(place.top).toBeGreaterThanOrEqual(0);
  expect(place.bottom).toBeLessThanOrEqual(place.viewport);
  expect(place.visible).toBe(true);
  // Nothing but the page's one-line introduction between the heading and the message.
  expect(place.top - place.headingBottom).toBeLessThan(120);
}

test('a visitor is sent to sign in and comes back to the account page', async ({ page }) => {
  const { email } = await newUser({ label: 'e2e-profile-visitor' });
  await page.goto('/account/privacy');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount%2Fprivacy$/);
  await submitSignInForm(page, email);
  await expect(page).toHaveURL(/\/account\/privacy$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Privacy' })).toBeVisible();
});

test('the side navigation leads to each page and marks the current one', async ({ userPage: page }) => {
  await page.goto('/account');
  const nav = page.getByRole('navigation', { name: 'Your account' });
  for (const [name, path, heading] of [
    ['Sign-in & security', '/account/security', 'Sign-in & security'],
    ['Privacy', '/account/privacy', 'Privacy'],
    ['Your data', '/account/data', 'Your data'],
    ['Profile', '/account', 'Your profile'],
  ] as const) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${path.replace(/\//g, '\\/')}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(nav.locator('[aria-current]')).toHaveCount(1);
  }
});

test('links to the sections of the old single page lead to the page that has them now', async ({ userPage: page }) => {
  await page.goto('/account#sessions');
  await expect(page).toHaveURL(/\/account\/security#sessions$/);
  await expect(section(page, 'Sessions')).toBeVisible();
  await page.goto('/account#delete');
  await expect(page).toHaveURL(/\/account\/data#delete$/);
});

test('times read "… ago", with the exact time in the reader\'s time zone in the title', async ({ browser }) => {
  const { id } = await newUser({ label: 'e2e-profile-times' });
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  await openAccount(page, id);
  const created = section(page, 'Profile').locator('time').first();
  await expect(created).toHaveText(/^(just now|\d+ minutes? ago)$/);
  await expect(created).toHaveAttribute('title', /GMT\+9$/);
  await context.close();
});

test('edit the profile: saved, shown as text, listed in the history; bad values explained by field', async ({
  userPage: page,
  user: { email },
}) => {
  await page.goto('/account');
  const profile = section(page, 'Profile');
  await expect(profile.getByText(email).first()).toBeVisible();

  await profile.getByLabel('Display name').fill('<b>Robin</b>');
  await profile.getByLabel('Full name').fill('Robin Example');
  await profile.getByLabel('Phone number').fill('not a number');
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await expectResultInView(page, 'There is a problem');
  await expect(section(page, 'Profile').getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expect(section(page, 'Profile').getByText(/Use digits, spaces and/)).toBeVisible();
  // What was typed is still there to correct; the summary's link leads to the field.
  await expect(section(page, 'Profile').getByLabel('Full name')).toHaveValue('Robin Example');
  await page
    .getByRole('alert')
    .getByRole('link', { name: /Use digits, spaces and/ })
    .click();
  await expect(section(page, 'Profile').getByLabel('Phone number')).toBeFocused();

  await section(page, 'Profile').getByLabel('Phone number').fill('+1 617 555 0100');
  await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
  await expect(page).toHaveURL(/\/account\?done=profile$/);
  await expectResultInView(page, 'Your profile was saved.');
  await expect(section(page, 'Profile').getByLabel('Display name')).toHaveValue('<b>Robin</b>');
  // The header shows the name as text, not as markup.
  await expect(page.locator('header').getByText('<b>Robin</b>')).toBeVisible();
  await page.goto('/account/privacy');
  const history = section(page, 'History of changes');
  await expect(history.getByText('Display name', { exact: true })).toBeVisible();
  await expect(history.getByText('Phone number', { exact: true })).toBeVisible();
  await expect(history).not.toContainText('Robin');
});

test('every action shows its result at the top of the page that was used, in view and focused', async ({ page, browser }) => {
  // Fourteen submissions in one journey: more than the default budget on a shared machine.
  test.slow();
  const { id } = await newUser({ label: 'e2e-profile-results', verified: false });
  await page.setViewportSize({ width: 375, height: 812 });
  await (await accountPageElsewhere(browser, id)).context().close();
  await (await accountPageElsewhere(browser, id)).context().close();
  await openAccount(page, id, '/account/security');

  // Sign-in & security: the confirmation link, the change of address and its cancellation,
  // the password (refused, then changed), one session, every other session.
  await section(page, 'Email address').getByRole('button', { name: 'Send a new confirmation link' }).click();
  await expectResultInView(page, 'We sent a new confirmation link to your address.');
  await section(page, 'Email address').getByLabel('New email address').fill('e2e-results-next@example.com');
  await section(page, 'Email address').getByLabel('Current password').fill('not the password');
  await section(page, 'Email address').getByRole('button', { name: 'Send confirmation link' }).click();
  await expectResultInView(page, 'That is not your current password.');
  await section(page, 'Email address').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Email address').getByRole('button', { name: 'Send confirmation link' }).click();
  await expectResultInView(page, 'We sent a confirmation link to the new address.');
  await section(page, 'Email address').getByRole('button', { name: 'Cancel this change' }).click();
  await expectResultInView(page, 'The change of address was cancelled');
  await section(page, 'Password').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Password').getByLabel('New password').fill('short');
  await section(page, 'Password').getByRole('button', { name: 'Change password' }).click();
  await expectResultInView(page, 'There is a problem');
  // The strength hint stays quiet: the error already says what is wrong.
  await expect(section(page, 'Password').locator('[data-hint-text]')).toHaveText('');
  await section(page, 'Sessions')
    .getByRole('listitem')
    .filter({ hasNotText: 'This browser' })
    .first()
    .getByRole('button', { name: /Sign out/ })
    .click();
  await expectResultInView(page, 'That session was signed out.');
  await section(page, 'Sessions')
    .getByRole('button', { name: /Sign out all other sessions/ })
    .click();
  await expectResultInView(page, 'Every other session was signed out.');
  await section(page, 'Password').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Password').getByLabel('New password').fill('seven silver herons in the rain');
  await section(page, 'Password').getByRole('button', { name: 'Change password' }).click();
  await expectResultInView(page, 'Your password was changed.');
  await expect(page).toHaveURL(/\/account\/security\?done=password$/);

  // Privacy: sharing off and on again, then the policy acknowledgement.
  await page.goto('/account/privacy');
  await section(page, 'Sharing').getByRole('button', { name: 'Opt out of sharing' }).click();
  await expectResultInView(page, 'Your choice was saved and applies from now on.');
  await expect(page).toHaveURL(/\/account\/privacy\?done=sharing-changed$/);
  await section(page, 'Sharing').getByRole('button', { name: 'Allow sharing again' }).click();
  await expectResultInView(page, 'Your choice was saved and applies from now on.');
  await section(page, 'Privacy policy')
    .getByRole('button', { name: /I have read it/ })
    .click();
  await expectResultInView(page, 'we recorded that you have read the new version');
  await expect(page).toHaveURL(/\/account\/privacy\?done=policy$/);

  // Your data: the deletion form refused (a success leaves the area).
  await page.goto('/account/data');
  await section(page, 'Delete your account').getByLabel('Current password').fill('seven silver herons in the rain');
  await section(page, 'Delete your account')
    .getByLabel(/Type “delete my account”/)
    .fill('delete');
  await section(page, 'Delete your account').getByRole('button', { name: 'Delete my account' }).click();
  await expectResultInView(page, 'There is a problem');
  await expect(page).toHaveURL(/\/account\/data\?_action=account\.deleteAccount$/);
});

test('change the password, signing out the other session', async ({ page, browser }) => {
  const { email, id } = await newUser({ label: 'e2e-profile-password' });
  await openAccount(page, id, '/account/security');
  const other = await accountPageElsewhere(browser, id);
  const password = section(page, 'Password');
  await password.getByLabel('Current password').fill('not the password at all');
  await password.getByLabel('New password').fill('seven silver herons in the rain');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(section(page, 'Password').getByText(/not your current password/)).toBeVisible();

  await section(page, 'Password').getByLabel('Current password').fill(PASSWORD);
  await section(page, 'Password').getByLabel('New password').fill('seven silver herons in the rain');
  await expect(section(page, 'Password').getByLabel(/Sign out every other session/)).toBeChecked();
  await section(page, 'Password').getByRole('button', { name: 'Change password' }).click();
  await expectResultInView(page, 'Your password was changed and every other session was signed out.');

  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  // The new password signs in.
  await submitSignInForm(other, email, 'seven silver herons in the rain');
  await expect(other).toHaveURL(/\/account\/security$/);
  await other.context().close();
});

test('sign out another session from the list', async ({ page, browser }) => {
  const { id } = await newUser({ label: 'e2e-profile-sessions' });
  const other = await accountPageElsewhere(
    browser,
    id,
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  );
  await openAccount(page, id, '/account/security');
  const sessions = section(page, 'Sessions');
  await expect(sessions.getByText('This browser', { exact: true })).toHaveCount(1);
  const phone = sessions.getByRole('listitem').filter({ hasText: 'Safari on iOS' });
  await expect(phone).toHaveCount(1);
  await phone.getByRole('button', { name: /Sign out/ }).click();
  await expectResultInView(page, 'That session was signed out.');
  await expect(section(page, 'Sessions').getByRole('listitem')).toHaveCount(1);
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await other.context().close();
});

test('download my data as a JSON file', async ({ userPage: page, user: { email } }) => {
  await page.goto('/account/data');
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
  await expect(page).toHaveURL(/\/account\/data$/);
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
  await page.goto('/account/privacy');
  await expect(section(page, 'Privacy policy').getByText('You are up to date with the privacy policy.')).toBeVisible();
  await expect(section(page, 'Privacy policy').getByText(/with “I have read it”/)).toBeVisible();
});

test('delete the account', async ({ userPage: page, user: { email } }) => {
  await page.goto('/account/data');
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
  await expect(page).toHaveURL(/\/account\/deleted$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account has been deleted' })).toBeVisible();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login/);
  await submitSignInForm(page, email);
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
});

test('works without JavaScript: every page shows its data and its forms work', async ({ browser }) => {
  const { email, id } = await newUser({ label: 'e2e-profile-nojs' });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await openAccount(page, id);
  await expect(page).toHaveURL(/\/account$/);
  await expect(section(page, 'Profile').getByText(email).first()).toBeVisible();
  await section(page, 'Profile').getByLabel('Company').fill('No Script Ltd');
  await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
  await expect(page).toHaveURL(/\/account\?done=profile$/);
  await expect(page.getByRole('status')).toContainText('Your profile was saved.');
  await expect(section(page, 'Profile').getByLabel('Company')).toHaveValue('No Script Ltd');
  await page.goto('/account/privacy');
  await section(page, 'Sharing').getByRole('button', { name: 'Opt out of sharing' }).click();
  await expect(page).toHaveURL(/\/account\/privacy\?done=sharing-changed$/);
  await expect(section(page, 'Sharing')).toContainText('Off — you opted out');
  await page.goto('/account/security');
  await expect(section(page, 'Sessions').getByText('This browser', { exact: true })).toBeVisible();
  // The old address for browsers without JavaScript leads to the profile page.
  await page.goto('/account/basic');
  await expect(page).toHaveURL(/\/account$/);
  await context.close();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the account pages have no accessibility violations (${colorScheme})`, async ({ page }) => {
    // Five pages checked by axe: more than the default budget on a shared machine.
    test.setTimeout(120_000);
    const { id } = await newUser({ label: `e2e-profile-axe-${colorScheme}` });
    await page.emulateMedia({ colorScheme });
    await openAccount(page, id, '/account?done=profile');
    await expectNoAxeViolations(page);
    for (const path of PAGES.slice(1)) {
      await page.goto(path);
      await expectNoAxeViolations(page);
    }
    // With errors showing: the summary, the marked fields.
    await page.goto('/account');
    await section(page, 'Profile').getByLabel('Phone number').fill('nope');
    await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByRole('alert')).toContainText('There is a problem');
    await expectNoAxeViolations(page);
  });
}

for (const width of [320, 375, 1440]) {
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the account pages render at ${width}px (${colorScheme}) without horizontal scrolling`, async ({ page, browser }) => {
      const { id } = await newUser({ label: `e2e-profile-screen-${width}-${colorScheme}` });
      // A second session, so that the list shows both kinds.
      await (await accountPageElsewhere(browser, id)).context().close();
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme });
      await signInAs(page.context(), id);
      for (const path of PAGES) {
        await page.goto(path);
        expect(await hasHorizontalScroll(page), path).toBe(false);
        if (width !== 320) {
          const name = path.slice(1).replace(/\//g, '-');
          await saveScreenshot(page, `${name}-${width}-${colorScheme}`, { fullPage: true });
        }
      }
      // A refused form, as the reader sees it.
      await page.goto('/account');
      await section(page, 'Profile').getByLabel('Phone number').fill('nope');
      await section(page, 'Profile').getByRole('button', { name: 'Save profile' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      expect(await hasHorizontalScroll(page)).toBe(false);
      if (width !== 320) await saveScreenshot(page, `account-error-${width}-${colorScheme}`);
    });
  }
}
