// Small wording faults of issue 14 (item 14), read as the reader sees them: the rendered text,
// not the source, since the compiler is what dropped the space.
import { expect, newSignedInPage, newUser, test } from './fixtures.ts';

test('the export paragraph keeps its space before "the format is described here"', async ({ browser }) => {
  const { id } = await newUser({ label: 'feedback-export' });
  const page = await newSignedInPage(browser, id);
  await page.goto('/account/data');
  const link = page.getByRole('link', { name: 'the format is described here' });
  const paragraph = page.locator('p', { has: link }).first();
  await expect(paragraph).toContainText('and the format is described here.');
  await page.context().close();
});

test('the staff header says who is signed in, with each role whole on a line of its own width', async ({ browser }) => {
  const { id } = await newUser({
    label: 'feedback-admin',
    roles: ['admin', 'editor', 'support'],
    profile: { display_name: 'Ada Sidebar' },
  });
  const page = await newSignedInPage(browser, id);
  for (const width of [375, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/admin');
    const who = page.locator('.staff-header .who');
    await expect(who).toContainText('Signed in as Ada Sidebar');
    await expect(who).toContainText('roles: admin editor support');
    for (const role of await who.locator('.role').all()) {
      await expect(role).toBeVisible();
      const box = (await role.boundingBox())!;
      const lineHeight = await role.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || el.getBoundingClientRect().height);
      // A role is never broken across lines, and lies inside the viewport.
      expect(box.height).toBeLessThan(lineHeight * 1.5 + 8);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
  }
  await page.context().close();
});
