// The view counter in the browser (issue 6), as user stories: a visitor opens a page and
// the counter shows the page's views, their own included, and the page is counted exactly
// once (the island's preload and fetch never count); a reload counts again; the counter
// arrives without moving anything; staff read the statistics, which pass axe-core. The
// database is shared with the other specs: counts are compared before and after.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, newUser, signInAs, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll, saveScreenshot } from './support.ts';

/** What the counter says for `n` views. */
const viewed = (n: number) => `Viewed ${n.toLocaleString('en-US')} ${n === 1 ? 'time' : 'times'}`;

async function views(request: APIRequestContext, path: string): Promise<number> {
  const res = await request.get(`/api/views?path=${encodeURIComponent(path)}`);
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { views: number }).views;
}

/** Opens (or reloads) a page and waits for its view to be counted and its counter to show. */
async function load(page: Page, open: () => Promise<unknown>) {
  const islandRequests: string[] = [];
  const listener = (req: { url: () => string }) => {
    if (req.url().includes('/_server-islands/ViewCount')) islandRequests.push(req.url());
  };
  page.on('request', listener);
  const counted = page.waitForResponse((r) => r.url().endsWith('/api/views/event') && r.request().method() === 'POST');
  await open();
  const event = await counted;
  expect(event.status()).toBe(200);
  await expect(page.locator('[data-view-count] [data-views]')).toBeVisible();
  page.off('request', listener);
  return { event: (await event.json()) as { counted: boolean; views: number }, islandRequests };
}

test('a page loaded once counts once, its own view shown; a reload counts again', async ({ page, request }) => {
  const before = await views(request, '/pricing');

  const first = await load(page, () => page.goto('/pricing'));
  expect(first.event).toMatchObject({ counted: true, views: before + 1 });
  // The island was preloaded and fetched; neither counted.
  expect(first.islandRequests.length).toBeGreaterThanOrEqual(1);
  await expect(page.locator('[data-view-count]')).toHaveText(viewed(before + 1));
  await page.waitForLoadState('networkidle'); // anything sent late has been answered by now
  expect(await views(request, '/pricing')).toBe(before + 1);

  const second = await load(page, () => page.reload());
  expect(second.event).toMatchObject({ counted: true, views: before + 2 });
  await expect(page.locator('[data-view-count]')).toHaveText(viewed(before + 2));
  await page.waitForLoadState('networkidle');
  expect(await views(request, '/pricing')).toBe(before + 2);
});

test('the counter shows the reader’s own view even when the island answers first', async ({ page, request }) => {
  // Hold the beacon until the island has answered: the island's count cannot include this view.
  let releaseBeacon!: () => void;
  const beaconHeld = new Promise<void>((resolve) => (releaseBeacon = resolve));
  await page.route('**/api/views/event', async (route) => {
    await beaconHeld;
    await route.continue();
  });
  const before = await views(request, '/about');
  const island = page.waitForResponse((r) => r.url().includes('/_server-islands/ViewCount'));
  await page.goto('/about');
  await island;
  // The island cannot include this view yet, but never says 0: the reader is reading it.
  await expect(page.locator('[data-view-count]')).toHaveText(viewed(Math.max(before, 1)));
  const counted = page.waitForResponse((r) => r.url().endsWith('/api/views/event'));
  releaseBeacon();
  await counted;
  await expect(page.locator('[data-view-count]')).toHaveText(viewed(before + 1));
});

test('the counter arrives without moving anything', async ({ page }) => {
  // Hold the island so that the fallback can be measured, then let it through.
  let releaseIsland = () => {};
  let islandHeld = Promise.resolve();
  await page.route('**/_server-islands/ViewCount*', async (route) => {
    await islandHeld;
    await route.continue();
  });
  for (const width of [320, 1280]) {
    islandHeld = new Promise<void>((resolve) => (releaseIsland = resolve));
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/features');
    const line = page.locator('[data-view-count]');
    // A neutral placeholder of the final size, never "…" or 0.
    await expect(line.locator('.view-count-skeleton')).toBeVisible();
    expect(await line.innerText()).not.toMatch(/…|\d/);
    const fallback = await line.boundingBox();
    releaseIsland();
    await expect(line.locator('[data-views]')).toBeVisible();
    const shown = await line.boundingBox();
    expect(shown?.height).toBe(fallback?.height);
    expect(shown?.y).toBe(fallback?.y);
    expect(await hasHorizontalScroll(page)).toBe(false);
  }
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`a page with its counter has no accessibility violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await load(page, () => page.goto('/terms'));
    await expectNoAxeViolations(page);
  });

  test(`/admin/stats has no accessibility violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await signInAs(page.context(), (await newUser({ label: 'e2e-views-editor', roles: ['editor'] })).id);
    await page.goto('/admin/stats');
    await expect(page.getByRole('heading', { level: 1, name: 'Visitor statistics' })).toBeVisible();
    await expect(page.getByRole('img', { name: /Views and visitors per day/ })).toBeVisible();
    await expectNoAxeViolations(page);
    await saveScreenshot(page, `admin-stats-${colorScheme}`, { fullPage: true });
  });
}

test('staff choose a date range; a bad one is explained', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signInAs(page.context(), (await newUser({ label: 'e2e-views-admin', roles: ['admin'] })).id);
  await page.goto('/admin/stats');
  await page.getByLabel('From', { exact: true }).fill('2026-01-01');
  await page.getByLabel('To', { exact: true }).fill('2026-01-07');
  await page.getByRole('button', { name: 'Show dates' }).click();
  await expect(page).toHaveURL(/\/admin\/stats\?from=2026-01-01&to=2026-01-07$/);
  await expect(page.getByRole('heading', { name: 'Custom dates: 2026-01-01 to 2026-01-07' })).toBeVisible();
  await page.getByText('Day by day, as a table').click();
  await expect(page.getByRole('table', { name: 'Site-wide, day by day' }).getByRole('row')).toHaveCount(8);
  expect(await hasHorizontalScroll(page)).toBe(false);

  await page.goto('/admin/stats?from=2026-03-10&to=2026-03-01');
  await expect(page.getByRole('alert')).toContainText('on or before');
  await expectNoAxeViolations(page);
});

test('a visitor not signed in is sent to sign in; a reader without a staff role is refused', async ({ page, user }) => {
  await page.goto('/admin/stats');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fstats$/);
  await signInAs(page.context(), user.id);
  const res = await page.goto('/admin/stats');
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You cannot open this page');
});

test('statistics at a glance: presets, the comparison, definitions, and a chart that fits a phone', async ({ page }) => {
  await signInAs(page.context(), (await newUser({ label: 'e2e-views-glance', roles: ['editor'] })).id);
  for (const width of [320, 375, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/admin/stats');
    const presets = page.getByRole('navigation', { name: 'Period' });
    await expect(presets.getByRole('link', { name: 'Last 30 days' })).toHaveAttribute('aria-current', 'page');
    await presets.getByRole('link', { name: 'Last 7 days' }).click();
    await expect(page).toHaveURL(/\/admin\/stats\?range=7d$/);
    await expect(presets.getByRole('link', { name: 'Last 7 days' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 2, name: /^Last 7 days: / })).toBeVisible();
    await expect(page.getByText(/than the previous period|the same as the previous period/).first()).toBeVisible();
    // One drawing of the chart shows, and it fits the screen.
    const chart = page.getByRole('img', { name: /Views and visitors per day/ });
    await expect(chart).toHaveCount(1);
    const box = (await chart.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(await hasHorizontalScroll(page)).toBe(false);
    // "Visitors" is defined where it is used.
    await page.getByRole('button', { name: 'What “Visitors” means' }).click();
    await expect(page.getByText(/A visitor is one browser on one day/)).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByText(/A visitor is one browser on one day/)).toBeHidden();
    if (width !== 320) await saveScreenshot(page, `admin-stats-7d-${width}`, { fullPage: true });
  }
});
