import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';

/**
 * E2E_SCREENSHOTS=1 (`E2E_SCREENSHOTS=1 npm run test:e2e`) saves the screenshots the specs
 * take of each page and state under test-results/screens/, to be looked at. Without it they
 * are not taken: none is compared, and taking them was a good part of the suite's time. A
 * failed test still leaves a full-page screenshot of each of its pages in its folder under
 * test-results/playwright/ (the screenshotOnFailure fixture), and the layout-shift spec saves
 * the pages that moved.
 */
export const SAVE_SCREENSHOTS = process.env.E2E_SCREENSHOTS === '1';

/**
 * Saves a screenshot of `target` (a page, or one element of it) as
 * test-results/screens/`name`.png when E2E_SCREENSHOTS=1; otherwise does nothing.
 */
export async function saveScreenshot(target: Page | Locator, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (!SAVE_SCREENSHOTS) return;
  const path = `test-results/screens/${name}.png`;
  if ('goto' in target) await target.screenshot({ path, ...options });
  else await target.screenshot({ path });
}

/** Fails with the list of axe-core violations (WCAG 2.2 A and AA rules) on the current page. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    // A page without frames is checked with one axe.run() in the page itself: the same rules
    // and results as the default axe.runPartial() and axe.finishRun(), without the blank page
    // the latter opens (and injects axe-core into again) for every check. A page with frames
    // gets the default, which also reaches into cross-origin frames.
    .setLegacyMode(page.frames().length === 1)
    .analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary).toEqual([]);
}

/** True when the page is wider than its viewport (horizontal scrolling). */
export async function hasHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
