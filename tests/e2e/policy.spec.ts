import { expect, test } from './fixtures.ts';
import { expectNoAxeViolations } from './support.ts';

test('a visitor finds what changed between two versions from the archive', async ({ page }) => {
  await page.goto('/privacy');
  await page
    .getByRole('link', { name: /all versions/i })
    .first()
    .click();
  await expect(page).toHaveURL(/\/privacy\/versions$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page
    .getByRole('link', { name: /see what changed/i })
    .first()
    .click();
  await expect(page).toHaveURL(/\/privacy\/changes\/2009-01-01\.\.\.2027-01-01$/);
  // Insertions and deletions are announced in words, not only shown in colour.
  await expect(page.locator('ins').first()).toBeVisible();
  await expect(page.locator('del').first()).toBeVisible();
  expect(await page.locator('ins').first().textContent()).toMatch(/Added:/);
});

for (const colorScheme of ['light', 'dark'] as const) {
  for (const path of [
    '/privacy',
    '/privacy/versions',
    '/privacy/2009-01-01',
    '/privacy/2027-01-01',
    '/privacy/changes/2009-01-01...2027-01-01',
  ]) {
    test(`${path} has no accessibility violations (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.goto(path);
      await expectNoAxeViolations(page);
    });
  }
}

test('the policy prints without the site chrome', async ({ page }) => {
  await page.emulateMedia({ media: 'print' });
  await page.goto('/privacy');
  await expect(page.locator('header.site-header')).toBeHidden();
  await expect(page.locator('footer').last()).toBeHidden();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
