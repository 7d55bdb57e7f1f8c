// Small wording faults of issue 14 (item 14), read as the reader sees them: the rendered text,
// not the source, since the compiler is what dropped the space.
import { expect, newSignedInPage, newUser, test } from './fixtures.ts';

test('the export paragraph keeps its space before "the format is described here"', async ({ browser }) => {
  const { id } = await newUser({ label: 'feedback-export' });
  const page = await newSignedInPage(browser, id);
  await page.goto('/account/basic');
  const link = page.getByRole('link', { name: 'the format is described here' });
  const paragraph = page.locator('p', { has: link }).first();
  await expect(paragraph).toContainText('and the format is described here.');
  await page.context().close();
});

test('the admin sidebar says who is signed in and their roles on lines of their own', async ({ browser }) => {
  const { id } = await newUser({
    label: 'feedback-admin',
    roles: ['admin', 'editor', 'support'],
    profile: { display_name: 'Ada Sidebar' },
  });
  const page = await newSignedInPage(browser, id);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/admin');
  const sidebar = page.getByRole('navigation', { name: 'Admin' });
  const who = sidebar.getByText('Signed in as Ada Sidebar', { exact: true });
  const roles = sidebar.getByText('Roles: admin, editor, support', { exact: true });
  await expect(who).toBeVisible();
  await expect(roles).toBeVisible();
  // Each on its own line, neither broken across lines: one line's height apiece.
  const [whoBox, rolesBox] = [(await who.boundingBox())!, (await roles.boundingBox())!];
  const lineHeight = await roles.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
  expect(rolesBox.y).toBeGreaterThanOrEqual(whoBox.y + whoBox.height - 1);
  expect(rolesBox.height).toBeLessThan(lineHeight * 1.5);
  await page.context().close();
});
