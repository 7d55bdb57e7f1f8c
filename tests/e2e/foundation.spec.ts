import { expect, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll, saveScreenshot } from './support.ts';

const PAGES = [
  ['home', '/'],
  ['features', '/features'],
  ['pricing', '/pricing'],
  ['about', '/about'],
  ['terms', '/terms'],
  ['privacy', '/privacy'],
  ['not-found', '/no-such-page'],
] as const;

for (const width of [320, 375, 1280]) {
  for (const [name, path] of PAGES) {
    test(`${name} renders at ${width}px without horizontal scrolling`, async ({ page }) => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(path);
      await expect(page.locator('h1')).toHaveCount(1);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await saveScreenshot(page, `${name}-${width}`, { fullPage: true });
    });
  }
}

for (const colorScheme of ['light', 'dark'] as const) {
  for (const [name, path] of PAGES) {
    test(`${name} has no accessibility violations (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.goto(path);
      await expectNoAxeViolations(page);
      if (colorScheme === 'dark' && name === 'home') {
        await saveScreenshot(page, `${name}-dark`, { fullPage: true });
      }
    });
  }
}

test('the phone navigation opens and closes with the keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/');
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  const panel = page.locator('#site-menu');
  const features = page.getByRole('navigation', { name: /main/i }).getByRole('link', { name: 'Features' });
  // Collapsed by CSS from the first paint (a popover), not by a script.
  expect(await panel.evaluate((el) => el.matches(':popover-open'))).toBe(false);
  await expect(features).toBeHidden();

  // Reach the button by keyboard, the way a keyboard user would.
  for (let i = 0; i < 15 && !(await menu.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(menu).toBeFocused();
  await page.keyboard.press('Enter');
  expect(await panel.evaluate((el) => el.matches(':popover-open'))).toBe(true);
  await expect(features).toBeVisible();
  // The panel comes next in the focus order.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Close menu' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toBeVisible();

  // Escape closes it and gives focus back to the button.
  await page.keyboard.press('Escape');
  await expect(features).toBeHidden();
  await expect(menu).toBeFocused();

  await page.keyboard.press('Space');
  await expect(features).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(features).toBeHidden();
});

test('the wide navigation shows every link without a menu button', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Menu', exact: true })).toBeHidden();
  for (const name of ['Features', 'Pricing', 'About', 'Privacy']) {
    await expect(page.getByRole('navigation', { name: /main/i }).getByRole('link', { name })).toBeVisible();
  }
});

test('a page rendered on demand refuses to be framed, and runs its own scripts', async ({ page }) => {
  // The sign-in form inside another page's frame is how a clickjacking attack starts.
  const refused = page.waitForEvent('console', (message) => message.text().includes("frame-ancestors 'none'"));
  await page.goto('/features');
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.src = '/login';
    document.body.append(frame);
  });
  await refused;
  const framed = page.frames().find((frame) => frame !== page.mainFrame());
  expect(framed ? await framed.locator('form').count() : 0).toBe(0);

  // Opened by itself, the page runs its scripts under Astro's policy, sent beside the site's.
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto('/register');
  await page.getByLabel('Password', { exact: true }).fill('a');
  await expect(page.locator('[data-hint-text]')).toHaveText('14 more characters needed.');
  expect(errors).toEqual([]);
});
