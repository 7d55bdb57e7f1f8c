// Announcement banners in the browser (issue 7), as user stories: an editor schedules an
// announcement and it appears at its start for its audience only; a visitor dismisses it
// and it stays dismissed until it changes; a policy version announces itself; the admin
// pages pass axe-core. The database is shared with the other specs: every account and
// text here is unique.
import type { Page } from '@playwright/test';
import { daysBetween, utcDateOf } from '../../src/lib/policy/dates.ts';
import { startSite } from '../support/site.ts';
import { withDatabase } from '../support/site-db.ts';
import { uniqueText } from '../support/users.ts';
import { E2E_DATABASE, expect, newSignedInPage, newUser, test } from './fixtures.ts';
import { expectNoAxeViolations, hasHorizontalScroll, saveScreenshot } from './support.ts';

/**
 * Starts counting layout shifts not caused by the reader's own input (what CLS counts).
 * Called once the page has settled, so that only what happens next is counted.
 */
async function watchLayoutShifts(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { shifts: number[] };
    w.shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        if (!entry.hadRecentInput) w.shifts.push(entry.value);
      }
    }).observe({ type: 'layout-shift' });
  });
}

const layoutShifts = (page: Page) => page.evaluate(() => (window as unknown as { shifts: number[] }).shifts);

/** Opens a page and waits until the banner island has answered and replaced its placeholder. */
async function visit(page: Page, path: string) {
  const island = page.waitForResponse((r) => r.url().includes('/_server-islands/AnnouncementBanner'));
  await page.goto(path);
  await island;
  await page.waitForFunction(
    () => ![...document.querySelectorAll('script[data-island-id]')].some((s) => s.textContent?.includes('AnnouncementBanner')),
  );
}

function banner(page: Page, text: string) {
  return page.getByRole('region', { name: 'Announcements' }).getByRole('listitem').filter({ hasText: text });
}

/** The value a datetime-local field takes for an instant, in UTC, to the second. */
const utcField = (at: number) => new Date(at).toISOString().slice(0, 19);

/** Announcements this spec created and has not ended yet (the database is shared). */
const created: string[] = [];

/** Ends what the spec created, so that other specs (and tests) start without its banners. */
async function endCreated() {
  if (created.length === 0) return;
  await withDatabase(E2E_DATABASE, (db) =>
    db.updateTable('announcement').set({ ends_at: Date.now() }).where('id', 'in', created.splice(0).map(Number)).execute(),
  );
}

async function createAnnouncement(
  page: Page,
  fields: { text: string; audience?: string; level?: string; startsAt?: number; link?: [string, string] },
) {
  await page.goto('/admin/announcements/new');
  await page.getByLabel('Text', { exact: true }).fill(fields.text);
  if (fields.level) await page.getByRole('radio', { name: fields.level }).check();
  if (fields.audience) await page.getByRole('radio', { name: fields.audience }).check();
  if (fields.link) {
    await page.getByLabel('Address').fill(fields.link[0]);
    await page.getByLabel('Link text').fill(fields.link[1]);
  }
  if (fields.startsAt) await page.getByLabel('Starts (UTC)').fill(utcField(fields.startsAt));
  await page.getByRole('button', { name: 'Create announcement' }).click();
  await expect(page).toHaveURL(/\/admin\/announcements\/\d+\?done=created$/);
  await expect(page.getByRole('status')).toContainText('The announcement was created.');
  created.push(/\/admin\/announcements\/(\d+)/.exec(page.url())![1]!);
}

test.afterEach(endCreated);

/** Moves an announcement's start to `startsAt` in the database: its start has come, without waiting for it. */
async function startAt(id: string, startsAt: number) {
  await withDatabase(E2E_DATABASE, (db) =>
    db.updateTable('announcement').set({ starts_at: startsAt }).where('id', '=', Number(id)).execute(),
  );
}

test('an editor schedules an announcement; it appears at its start, for its audience only', async ({ staffPage, page }) => {
  const editor = await staffPage('editor');
  const member = await staffPage();
  const text = uniqueText('Visitors: our offices close early on Friday.');
  // Scheduled for tomorrow; the passing of time is then played by moving its start into the
  // past (the transition itself is unit-tested with an injected clock).
  const startsAt = Date.now() + 86_400_000;
  await createAnnouncement(editor, {
    text,
    audience: 'Visitors who are not signed in only',
    level: 'Important',
    startsAt,
    link: ['/about#contact', 'Contact us'],
  });
  const id = created.at(-1)!;

  // The editors' list shows it as scheduled, with who created it.
  await editor.goto('/admin/announcements');
  const card = editor
    .getByRole('region', { name: /Scheduled/ })
    .getByRole('listitem')
    .filter({ hasText: text });
  await expect(card).toContainText('Scheduled');
  await expect(card).toContainText(/Last changed by editor-/);

  await visit(page, '/features');
  await expect(banner(page, text)).toHaveCount(0);

  // At its start it shows to visitors who are not signed in…
  await startAt(id, Date.now() - 1000);
  await visit(page, '/features');
  await expect(banner(page, text)).toBeVisible();
  await expect(banner(page, text)).toContainText('Important');
  await expect(banner(page, text).getByRole('link', { name: 'Contact us' })).toHaveAttribute('href', '/about#contact');

  // …and not to signed-in users.
  await visit(member, '/features');
  await expect(banner(member, text)).toHaveCount(0);

  await editor.goto('/admin/announcements');
  await expect(
    editor
      .getByRole('region', { name: /Showing now/ })
      .getByRole('listitem')
      .filter({ hasText: text }),
  ).toBeVisible();
});

test('a visitor dismisses an announcement with the keyboard; it stays dismissed until it changes; nothing shifts', async ({
  staffPage,
  page,
}) => {
  const editor = await staffPage('editor');
  const text = uniqueText('New: export your contacts as CSV.');
  await createAnnouncement(editor, { text });
  const editUrl = editor.url().replace(/\?.*$/, '');

  // The worst case: the banner arrives after the page has rendered and settled (the island
  // answer is held back until then), while the reader is already looking at it.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/_server-islands/AnnouncementBanner*', async (route) => {
    await held;
    await route.continue();
  });
  // Wide: every banner shows (on phones one at a time, and a policy announcement may come first).
  await page.setViewportSize({ width: 1024, height: 740 });
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await watchLayoutShifts(page);
  release();
  const item = banner(page, text);
  await expect(item).toBeVisible();
  // Two frames: any shift the banner causes has been laid out and reported by then.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  expect(await layoutShifts(page), 'the banner arrives without moving the page').toEqual([]);
  expect(await hasHorizontalScroll(page)).toBe(false);
  await saveScreenshot(page, 'announcement-banner-1024');

  // Reach its Dismiss button from the top of the page with Tab, and press it.
  const dismiss = item.getByRole('button', { name: 'Dismiss' });
  for (let i = 0; i < 12 && !(await dismiss.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(dismiss).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(item).toHaveCount(0);
  expect(await layoutShifts(page), 'dismissing moves nothing either').toEqual([]);
  await expect(page.locator(':focus')).toHaveCount(1);

  await visit(page, '/pricing');
  await expect(banner(page, text)).toHaveCount(0);
  await visit(page, '/');
  await expect(banner(page, text)).toHaveCount(0);

  // An editor changes the text: it shows again.
  await editor.goto(editUrl);
  const changed = uniqueText('New: export your contacts as CSV or JSON.');
  await editor.getByLabel('Text', { exact: true }).fill(changed);
  await editor.getByRole('button', { name: 'Save changes' }).click();
  await expect(editor.getByRole('status')).toContainText('Your changes were saved.');
  await expect(editor.getByRole('region', { name: 'History' })).toContainText('Edited by editor-');

  await visit(page, '/');
  await expect(banner(page, changed)).toBeVisible();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`a banner has no accessibility violations (${colorScheme})`, async ({ staffPage, page }) => {
    const editor = await staffPage('editor');
    const text = uniqueText('Scheduled maintenance on Saturday from 06:00 to 07:00 UTC.');
    await createAnnouncement(editor, {
      text,
      level: colorScheme === 'light' ? 'Important' : 'Notice',
      link: ['https://status.customertrackr.com/', 'Status page'],
    });
    await page.emulateMedia({ colorScheme });
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await visit(page, '/features');
      if (width === 375) {
        // Phones show one banner at a time: this one, or it waits, hidden (so not a listitem
        // to getByRole), behind one that came first.
        await expect(page.getByRole('region', { name: 'Announcements' }).locator('li', { hasText: text })).toBeAttached();
        await expect(page.getByRole('region', { name: 'Announcements' }).locator('li:visible')).toHaveCount(1);
      } else {
        await expect(banner(page, text)).toBeVisible();
      }
      expect(await hasHorizontalScroll(page)).toBe(false);
      await saveScreenshot(page, `announcement-banner-${width}-${colorScheme}`);
    }
    await expectNoAxeViolations(page);
  });
}

test('a policy version announces itself in the weeks around its effective date', async ({ page }) => {
  // A server of its own, whose window reaches today from the newest version's date, if the
  // longest window allowed (ANNOUNCE_POLICY_DAYS ≤ 365) can: else the notice must not show.
  const index = (await (await page.request.get('/privacy/versions.json')).json()) as { versions: { effective: string }[] };
  const newest = index.versions
    .map((v) => v.effective)
    .sort()
    .at(-1)!;
  const days = Math.abs(daysBetween(utcDateOf(new Date()), newest)) + 2;
  const site = await startSite({ ANNOUNCE_POLICY_DAYS: String(Math.min(days, 365)) });
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await visit(page, `${site.url}/pricing`);
    const notice = page
      .getByRole('region', { name: 'Announcements' })
      .getByRole('listitem')
      .filter({ hasText: /Our privacy policy change[sd] on/ });
    if (days > 365) {
      // The newest version is more than a year from today: no window reaches it.
      await expect(notice).toHaveCount(0);
      return;
    }
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('Important');
    const link = notice.getByRole('link', { name: /See what change[sd]/ });
    await link.click();
    await expect(page).toHaveURL(new RegExp(`/privacy/changes/\\d{4}-\\d{2}-\\d{2}\\.\\.\\.${newest}$`));
    await expectNoAxeViolations(page);
  } finally {
    await site.stop();
  }
});

test.describe('the admin pages', () => {
  let id: string;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await newSignedInPage(browser, (await newUser({ label: 'editor', roles: ['editor'] })).id);
    await createAnnouncement(page, {
      text: uniqueText('Webinar on Thursday: staying GDPR-ready.'),
      link: ['/features', 'See the features'],
    });
    id = created.at(-1)!;
    // Kept showing for all the admin pages' tests; ended after the last one.
    created.pop();
  });
  test.afterAll(async () => {
    created.push(id);
    await endCreated();
    await page.context().close();
  });

  const PAGES = [
    ['admin', '/admin'],
    ['announcements', '/admin/announcements'],
    ['announcement-new', '/admin/announcements/new'],
    ['announcement-edit', '/admin/announcements/:id'],
    ['announcement-preview', '/admin/announcements/preview'],
    ['announcement-policy', '/admin/announcements/policy/2027-01-01'],
  ] as const;

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [name, path] of PAGES) {
      test(`${path} has no accessibility violations and fits a phone (${colorScheme})`, async () => {
        await page.emulateMedia({ colorScheme });
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(path.replace(':id', id));
          await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
          await expect(page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Announcements' })).toBeVisible();
          expect(await hasHorizontalScroll(page), `${path} at ${width}px`).toBe(false);
          if (name === 'announcements' || name === 'announcement-edit' || colorScheme === 'light') {
            await saveScreenshot(page, `${name}-${width}-${colorScheme}`, { fullPage: true });
          }
        }
        await expectNoAxeViolations(page);
      });
    }
  }

  test('support staff see only their sections, and get 403 on announcements', async ({ staffPage }) => {
    const support = await staffPage('support');
    await support.goto('/admin');
    const nav = support.getByRole('navigation', { name: 'Admin' });
    await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Announcements' })).toHaveCount(0);
    const res = await support.goto('/admin/announcements');
    expect(res?.status()).toBe(403);
    await expect(support.getByRole('heading', { level: 1 })).toHaveText('You cannot open this page');
  });
});
