// The policy pages and the marketing pages as a reader sees them (issue 14, items 8-10 and 13):
// the policy's sticky contents (or reader's guide), its "About this version" box, tables that
// turn into cards on phones with nothing clipped or scrolling sideways, the diff's marks in
// dark mode, the web font, and the calls to action for signed-in readers. With
// E2E_SCREENSHOTS=1, screenshots of each page at 375 and 1440 px, light and dark, go to
// test-results/screens/ (without it, the pages are still loaded and must answer 200).
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { expectNoAxeViolations, SAVE_SCREENSHOTS, saveScreenshot } from './support.ts';

const CHANGES = '/privacy/changes/2009-01-01...2027-01-01';

/** Neither the page nor any element is wider than the window (no sideways scrolling). */
async function expectNoSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

test.describe('the privacy policy', () => {
  test('a version with headings has a sticky table of contents beside the text on wide screens', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/privacy/2027-01-01');
    const toc = page.getByRole('navigation', { name: 'Contents' });
    await expect(toc).toBeVisible();
    await expect(toc.getByRole('link')).not.toHaveCount(0);
    const text = page.locator('.policy-text');
    const [tocBox, textBox] = [await toc.boundingBox(), await text.boundingBox()];
    // Beside the text, not above it.
    expect(tocBox!.x).toBeGreaterThan(textBox!.x + textBox!.width);

    // Deep in the text, the contents are still in view at the top of the window.
    await page.getByRole('heading', { name: 'Changes to this policy' }).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 300));
    const stuck = await toc.boundingBox();
    expect(stuck!.y).toBeGreaterThanOrEqual(0);
    expect(stuck!.y).toBeLessThan(100);

    // A contents link goes to its section.
    await page.evaluate(() => window.scrollTo(0, 0));
    await toc.getByRole('link', { name: 'Your choices and rights' }).click();
    await expect(page).toHaveURL(/#your-choices-and-rights$/);
  });

  test('version 1, which has no headings, gets a reader’s guide beside its unchanged text', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/privacy/2009-01-01');
    await expect(page.getByRole('navigation', { name: 'Contents' })).toHaveCount(0);
    const guide = page.getByRole('region', { name: 'Reader’s guide' });
    await expect(guide).toBeVisible();
    await expect(guide.getByRole('listitem')).toHaveCount(6);
    // The paragraph numbers the guide points at are drawn by CSS: the text itself is the
    // published text, word for word.
    const published = await (await page.request.get('/privacy/2009-01-01.txt')).text();
    const firstParagraph = published.trim().split(/\n\s*\n/)[0]!;
    expect(await page.locator('.policy-text > p').first().textContent()).toBe(firstParagraph);
  });

  test('/privacy opens with the title, the date in effect and the latest changes; its secondary links are in one box after the text', async ({
    page,
  }) => {
    await page.goto('/privacy');
    const intro = page.locator('.policy-intro');
    await expect(intro.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(intro.getByText(/In effect since/)).toBeVisible();
    await expect(intro.getByRole('region', { name: /changes/i })).toBeVisible();

    const about = page.getByRole('region', { name: 'About this version' });
    await expect(about).toBeVisible();
    for (const name of [/\/privacy\/\d{4}-\d\d-\d\d/, /Plain text of version/, 'All versions', 'Atom feed', 'JSON']) {
      await expect(about.getByRole('link', { name })).toBeVisible();
    }
    await expect(about.getByText(/^[0-9a-f]{64}$/)).toBeVisible();
    // After the text, not above it.
    const [aboutBox, textBox] = [await about.boundingBox(), await page.locator('.policy-text').boundingBox()];
    expect(aboutBox!.y).toBeGreaterThan(textBox!.y + textBox!.height - 1);
    // The text column starts where the intro's title does, as on the other pages.
    const titleBox = await intro.getByRole('heading', { level: 1 }).boundingBox();
    expect(Math.abs(textBox!.x - titleBox!.x)).toBeLessThanOrEqual(1);
  });
});

test.describe('phones', () => {
  const pages = ['/privacy', '/privacy/versions', '/privacy/2027-01-01', CHANGES, '/pricing', '/features', '/'];
  for (const width of [320, 375]) {
    for (const path of pages) {
      test(`${path} has no sideways scrolling at ${width}px`, async ({ page }) => {
        await page.setViewportSize({ width, height: 812 });
        await page.goto(path);
        await expectNoSidewaysScroll(page);
      });
    }

    test(`the versions table and the plan comparison are cards at ${width}px, nothing clipped`, async ({ page }) => {
      await page.setViewportSize({ width, height: 812 });
      for (const [path, table, cells] of [
        ['/privacy/versions', 'Versions of the privacy policy, newest first', 4],
        ['/pricing', 'Features and limits of the Starter, Team and Business plans', 4],
      ] as const) {
        await page.goto(path);
        const grid = page.getByRole('table', { name: table });
        // The table keeps its meaning for screen readers while it is drawn as cards.
        const firstRow = grid
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader') })
          .first();
        await expect(firstRow.getByRole('cell').or(firstRow.getByRole('rowheader'))).toHaveCount(cells);
        // No cell reaches past the window, and none sits in a scrolling box.
        const overflow = await grid.evaluate((el) => {
          const out: string[] = [];
          for (const cell of el.querySelectorAll('th, td')) {
            const box = cell.getBoundingClientRect();
            if (box.width > 0 && (box.right > window.innerWidth + 0.5 || box.left < -0.5)) out.push(cell.textContent!.trim());
          }
          for (let node = el.parentElement; node; node = node.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(node).overflowX)) out.push(`scroll box ${node.className}`);
          }
          return out;
        });
        expect(overflow).toEqual([]);
        await expectNoSidewaysScroll(page);
      }
    });
  }
});

test.describe('the changes page in dark mode', () => {
  test('insertions and deletions keep their contrast, and their markers read as words', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(CHANGES);
    const { violations } = await new AxeBuilder({ page }).withRules(['color-contrast']).include('.diff').analyze();
    expect(violations.map((v) => v.nodes.map((n) => n.target.join(' '))).flat()).toEqual([]);
    await expectNoAxeViolations(page);

    // Translucent backgrounds, so that the dark page shows through.
    const backgrounds = await page.evaluate(() =>
      ['ins', 'del'].map((tag) => getComputedStyle(document.querySelector(`.diff ${tag}`)!).backgroundColor),
    );
    for (const colour of backgrounds) expect(colour).toMatch(/^rgba\(.+, 0\.\d+\)$/);

    // Words for screen readers; visibly a small, quiet tag, not struck through or underlined.
    const addedBlock = page.locator('.diff-block--added ins').first();
    expect(await addedBlock.textContent()).toMatch(/^\s*Added: /);
    const tag = addedBlock.locator('.diff-tag');
    await expect(tag).toBeVisible();
    const style = await tag.evaluate((el) => {
      const s = getComputedStyle(el);
      return { weight: Number(s.fontWeight), transform: s.textTransform, size: parseFloat(s.fontSize) };
    });
    const textSize = await addedBlock.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(style.weight).toBeLessThan(700);
    expect(style.transform).toBe('none');
    expect(style.size).toBeLessThan(textSize);
    expect(await page.locator('.diff del').first().textContent()).toMatch(/Removed: [\s\S]+\(end of removal\)/);
  });
});

test('the site font is the preloaded, self-hosted Inter subset', async ({ page }) => {
  const fontRequests: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'font') fontRequests.push(new URL(r.url()).pathname);
  });
  await page.goto('/pricing');
  const preload = page.locator('link[rel="preload"][as="font"]');
  await expect(preload).toHaveAttribute('type', 'font/woff2');
  await expect(preload).toHaveAttribute('href', /^\/_astro\/inter-subset\.[\w-]+\.woff2$/);
  await page.evaluate(() => document.fonts.ready);
  expect(await page.evaluate(() => document.fonts.check('16px "Inter subset"'))).toBe(true);
  // One file, from this site.
  expect(new Set(fontRequests).size).toBe(1);
  expect(fontRequests[0]).toBe(await preload.getAttribute('href'));
});

test('the view counter has one place, in the footer, on every page that counts', async ({ page }) => {
  for (const path of ['/', '/features', '/pricing', '/privacy', '/privacy/versions']) {
    await page.goto(path);
    const counter = page.locator('footer [data-view-count]');
    await expect(counter, path).toHaveCount(1);
    await expect(page.locator('[data-view-count]'), path).toHaveCount(1);
    await expect(page.locator('footer .page-views-label'), path).toHaveText('This page');
  }
});

test('signed-in readers are offered their account, not a new one', async ({ page }) => {
  await page.goto('/pricing');
  const create = page.getByRole('link', { name: /Create your free account|Create a free account|Start a 14-day free trial/ });
  await expect(create.first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to your account' })).toHaveCount(0);
  // The class the header's first-paint script sets from the signed-in hint cookie.
  await page.evaluate(() => document.documentElement.classList.add('signed-in'));
  await expect(create).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Go to your account' }).first()).toBeVisible();
});

test.describe('screenshots', () => {
  const shots = [
    ['home', '/'],
    ['features', '/features'],
    ['pricing', '/pricing'],
    ['privacy', '/privacy'],
    ['privacy-v2', '/privacy/2027-01-01'],
    ['privacy-versions', '/privacy/versions'],
    ['privacy-changes', CHANGES],
  ] as const;
  for (const [name, path] of shots) {
    test(`${name} at 375 and 1440 px, light and dark`, async ({ page }) => {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const width of [375, 1440]) {
          await page.setViewportSize({ width, height: 900 });
          const response = await page.goto(path);
          expect(response?.status(), `${path} at ${width}px (${colorScheme})`).toBe(200);
          if (SAVE_SCREENSHOTS) {
            // Every island and late resource in place before the picture is taken.
            await page.waitForLoadState('networkidle');
            await saveScreenshot(page, `pages-${name}-${width}-${colorScheme}`, { fullPage: true });
          }
        }
      }
    });
  }
});
