// The header and the docked banners (issue 14, items 2-4): the header knows the reader's state
// at first paint, works without JavaScript, collapses on phones with CSS alone, keeps the
// account menu inside the viewport; on phones one banner shows at a time, within 15 % of the
// screen, each dismissible, and the staff pages have none. With E2E_SCREENSHOTS=1,
// screenshots of each state go to test-results/screens/header-*.png.
import type { Browser, Page } from '@playwright/test';
import { createAnnouncement, endAnnouncement } from '../../src/lib/announcements/index.ts';
import { withDatabase } from '../support/site-db.ts';
import { E2E_DATABASE, expect, newUser, signInAs, test } from './fixtures.ts';
import { saveScreenshot } from './support.ts';

const PHONE = { width: 375, height: 812 };
const WIDE = { width: 1440, height: 900 };

/** Holds back every server island until `release` is called (a slow network, made certain). */
async function holdIslands(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/_server-islands/**', async (route) => {
    await released;
    await route.continue().catch(() => undefined);
  });
  return release;
}

async function signedInPage(browser: Browser, viewport: typeof PHONE, displayName?: string, options: { javaScriptEnabled?: boolean } = {}) {
  const { id } = await newUser({ label: 'header', ...(displayName ? { profile: { display_name: displayName } } : {}) });
  const context = await browser.newContext({ viewport, ...options });
  await signInAs(context, id);
  return { page: await context.newPage(), id };
}

const accountSlot = (page: Page) => page.locator('.site-header .account-slot');
const shot = (page: Page, name: string) => saveScreenshot(page, `header-${name}`);

test('a signed-in reader never sees "Sign in / Create account", not even for a frame', async ({ browser }) => {
  const { page } = await signedInPage(browser, WIDE, 'Jane Frame');
  // From the document's start, every frame: is a "Create account" link visible in the header?
  await page.addInitScript(() => {
    const w = window as unknown as { sawSignedOut: boolean };
    w.sawSignedOut = false;
    const check = () => {
      const links = document.querySelector('.site-header .signed-out-links');
      if (links instanceof HTMLElement && links.checkVisibility()) w.sawSignedOut = true;
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  const release = await holdIslands(page);
  await page.goto('/pricing');
  // Before the island: the "Account" chip in the slot the name will fill.
  await expect(accountSlot(page).getByRole('link', { name: 'Account', exact: true })).toBeVisible();
  await shot(page, 'signed-in-before-island-1440');
  release();
  await expect(accountSlot(page).getByText('Jane Frame')).toBeVisible();
  // Two more frames checked with the name in place, whether or not a screenshot is taken.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await shot(page, 'signed-in-1440');
  expect(await page.evaluate(() => (window as unknown as { sawSignedOut: boolean }).sawSignedOut)).toBe(false);
  await page.context().close();
});

test('/privacy/recipients, public to shared caches, shows a signed-in reader their name through the island', async ({ browser }) => {
  const { page } = await signedInPage(browser, WIDE, 'Jane Register');
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const release = await holdIslands(page);
  const response = await page.goto('/privacy/recipients');
  // What a shared cache may store names no one: the chip first, the name from the island.
  expect(await response?.text()).not.toContain('Jane Register');
  await expect(accountSlot(page).getByRole('link', { name: 'Account', exact: true })).toBeVisible();
  release();
  await expect(accountSlot(page).getByText('Jane Register')).toBeVisible();
  expect(errors).toEqual([]);
  await page.context().close();
});

test('a visitor sees "Sign in" and "Create account" before the island arrives', async ({ page }) => {
  await page.setViewportSize(WIDE);
  const release = await holdIslands(page);
  await page.goto('/pricing');
  await expect(accountSlot(page).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(accountSlot(page).getByRole('link', { name: 'Create account' })).toBeVisible();
  await expect(accountSlot(page).getByRole('link', { name: 'Account', exact: true })).toBeHidden();
  release();
  await shot(page, 'signed-out-1440');
});

test('the hint cookie follows the session: set at sign-in, gone at sign-out, and names no one', async ({ browser }) => {
  const { page } = await signedInPage(browser, WIDE);
  const hint = async () => (await page.context().cookies()).find((c) => c.name === 'signed_in');
  // A session from before the hint existed: the first on-demand response adds it.
  await page.context().clearCookies({ name: 'signed_in' });
  await page.goto('/login');
  expect(await hint()).toMatchObject({ value: '1', httpOnly: false, path: '/' });
  await page.goto('/logout');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are signed out');
  expect(await hint()).toBeUndefined();
  // A hint left without a session (expired, ended elsewhere) goes at the next on-demand response.
  await page.context().addCookies([{ name: 'signed_in', value: '1', url: page.url() }]);
  await page.goto('/login');
  expect(await hint()).toBeUndefined();
  await page.context().close();
});

test('without JavaScript the header shows one neutral "Account" link, for visitors and users alike', async ({ browser }) => {
  for (const signedIn of [false, true]) {
    const context = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
    if (signedIn) await signInAs(context, (await newUser({ label: 'header-nojs' })).id);
    const page = await context.newPage();
    await page.goto('/privacy');
    // The visitor links are in the page too, hidden (roles skip hidden elements).
    await expect(accountSlot(page).locator('a')).toHaveCount(3);
    await expect(accountSlot(page).getByRole('link')).toHaveCount(1);
    await expect(accountSlot(page).getByRole('link', { name: 'Account' })).toHaveAttribute('href', '/account');
    if (!signedIn) {
      await accountSlot(page).getByRole('link', { name: 'Account' }).click();
      await expect(page).toHaveURL(/\/login\?next=%2Faccount/);
    }
    await shot(page, `nojs-${signedIn ? 'signed-in' : 'signed-out'}-1440`);
    await context.close();
  }
});

test('/account/basic shows the signed-in state without JavaScript', async ({ browser }) => {
  const { page } = await signedInPage(browser, WIDE, 'Basic Reader', { javaScriptEnabled: false });
  await page.goto('/account/basic');
  await expect(accountSlot(page).getByText('Basic Reader')).toBeVisible();
  await expect(accountSlot(page).getByRole('link', { name: 'Sign in' })).toHaveCount(0);
  await accountSlot(page).getByText('Basic Reader').click();
  await expect(accountSlot(page).getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.context().close();
});

for (const javaScriptEnabled of [true, false]) {
  test(`the phone menu is collapsed from the first paint and opens and closes${javaScriptEnabled ? '' : ' without JavaScript'}`, async ({
    browser,
  }) => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled });
    const page = await context.newPage();
    await page.goto('/features');
    const features = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Features' });
    await expect(features).toBeHidden();
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect(features).toBeVisible();
    if (!javaScriptEnabled) await shot(page, 'phone-menu-open-nojs-375');
    await page.getByRole('button', { name: 'Close menu' }).click();
    await expect(features).toBeHidden();
    await context.close();
  });
}

for (const name of ['J', 'Maximilian Alexander Christopher Montgomery-Featherstonehaugh'.slice(0, 60).padEnd(60, 'x')]) {
  test(`the account menu lies inside the viewport with a ${name.length}-character name`, async ({ browser }) => {
    for (const viewport of [PHONE, WIDE]) {
      const { page } = await signedInPage(browser, viewport, name);
      await page.goto('/pricing');
      if (viewport === PHONE) await page.getByRole('button', { name: 'Menu' }).click();
      const summary = accountSlot(page).locator('summary');
      await expect(summary).toContainText(name.slice(0, 1));
      await summary.click();
      for (const item of [
        accountSlot(page).getByRole('link', { name: 'Account' }),
        accountSlot(page).getByRole('button', { name: 'Sign out' }),
      ]) {
        await expect(item).toBeInViewport({ ratio: 1 });
        const box = (await item.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      }
      await shot(page, `account-menu-${name.length}-${viewport.width}`);
      await page.context().close();
    }
  });
}

test('on a phone: one banner at a time, within 15 % of the screen, each dismissible; policy news said once', async ({ browser }) => {
  const { id: editor } = await newUser({ label: 'header-editor', roles: ['editor'] });
  const text = `Signed-in readers: planned maintenance tonight (${Date.now()})`;
  const announcement = await withDatabase(E2E_DATABASE, (db) =>
    createAnnouncement(
      db,
      { text, level: 'info', audience: 'signed-in', link: null, dismissible: true, startsAt: new Date(Date.now() - 60_000), endsAt: null },
      editor,
    ),
  );
  try {
    // Agreed to the first version only: the policy notice is due, with the announcement above.
    const { page } = await signedInPage(browser, PHONE, 'Banner Reader');
    await page.goto('/features');
    const region = page.getByRole('region', { name: 'Announcements' });
    const notice = region.getByRole('region', { name: 'Privacy policy update' });
    await expect(notice).toBeVisible();
    await expect(region.getByText(text)).toBeHidden();
    // The automatic announcement of the same version is not shown as well.
    await expect(region.locator('li')).toHaveCount(2);
    const box = (await region.boundingBox())!;
    expect(box.height).toBeLessThanOrEqual(0.15 * PHONE.height);
    await shot(page, 'banner-notice-375');

    await notice.getByRole('button', { name: 'Later' }).click();
    await expect(notice).toHaveCount(0);
    await expect(region.getByText(text)).toBeVisible();
    expect((await region.boundingBox())!.height).toBeLessThanOrEqual(0.15 * PHONE.height);
    await shot(page, 'banner-announcement-375');
    await region.getByRole('button', { name: 'Dismiss' }).click();
    await expect(region).toHaveCount(0);

    // Put aside, the notice stays away on the next page; "I have read it" is still on /account.
    await page.goto('/pricing');
    await expect(page.getByRole('region', { name: 'Privacy policy update' })).toHaveCount(0);
    await page.context().close();
  } finally {
    await withDatabase(E2E_DATABASE, (db) => endAnnouncement(db, announcement, editor));
  }
});

test('the staff pages show no banners', async ({ browser }) => {
  const { id } = await newUser({ label: 'header-admin', roles: ['admin'] });
  const context = await browser.newContext({ viewport: PHONE });
  await signInAs(context, id);
  const page = await context.newPage();
  await page.goto('/admin');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Announcements' })).toHaveCount(0);
  expect(await page.locator('script[data-island-id]').count()).toBe(0);
  await context.close();
});
