// Announcement banners in the browser (issue 7), as user stories: an editor schedules an
// announcement and it appears at its start for its audience only; a visitor dismisses it
// and it stays dismissed until it changes; a policy version announces itself; the admin
// pages pass axe-core. The database is shared with the other specs: every account and
// text here is unique.
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createAccount, hashPassword, normalizeEmail, type Role } from '../../src/lib/auth/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { daysBetween, utcDateOf } from '../../src/lib/policy/dates.ts';
import { E2E_DATA_DIR } from '../playwright.config.ts';
import { root, startSite } from '../support/site.ts';
import { expectNoAxeViolations, hasHorizontalScroll } from './support.ts';

const PASSWORD = 'correct horse battery staple';
/** The e2e server's database (E2E_DATABASE_PATH when a run uses a private one). */
const DATABASE = process.env.E2E_DATABASE_PATH ?? join(root, E2E_DATA_DIR, 'site.db');
const run = `${Date.now().toString(36)}-${process.pid}`;
let counter = 0;
const unique = (label: string) => `${label} ${run}-${++counter}`;

async function account(...roles: Role[]): Promise<string> {
  const email = `${roles.join('-') || 'reader'}-${run}-${++counter}@example.com`;
  const database = openDatabase(DATABASE);
  try {
    await createAccount(database.db, normalizeEmail(email)!, roles, await hashPassword(PASSWORD));
  } finally {
    await database.close();
  }
  return email;
}

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
}

async function signedInPage(browser: Browser, ...roles: Role[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, await account(...roles));
  return page;
}

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
  await page.waitForFunction(() => ![...document.querySelectorAll('script[data-island-id]')].some((s) => s.textContent?.includes('AnnouncementBanner')));
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
  const database = openDatabase(DATABASE);
  try {
    await database.db.updateTable('announcement').set({ ends_at: Date.now() }).where('id', 'in', created.splice(0).map(Number)).execute();
  } finally {
    await database.close();
  }
}

async function createAnnouncement(page: Page, fields: { text: string; audience?: string; level?: string; startsAt?: number; link?: [string, string] }) {
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
  const database = openDatabase(DATABASE);
  try {
    await database.db.updateTable('announcement').set({ starts_at: startsAt }).where('id', '=', Number(id)).execute();
  } finally {
    await database.close();
  }
}

test('an editor schedules an announcement; it appears at its start, for its audience only', async ({ browser, page }) => {
  const editor = await signedInPage(browser, 'editor');
  const member = await signedInPage(browser);
  const text = unique('Visitors: our offices close early on Friday.');
  // Scheduled for tomorrow; the passing of time is then played by moving its start into the
  // past (the transition itself is unit-tested with an injected clock).
  const startsAt = Date.now() + 86_400_000;
  await createAnnouncement(editor, { text, audience: 'Visitors who are not signed in only', level: 'Important', startsAt, link: ['/about#contact', 'Contact us'] });
  const id = created.at(-1)!;

  // The editors' list shows it as scheduled, with who created it.
  await editor.goto('/admin/announcements');
  const card = editor.getByRole('region', { name: /Scheduled/ }).getByRole('listitem').filter({ hasText: text });
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
  await expect(editor.getByRole('region', { name: /Showing now/ }).getByRole('listitem').filter({ hasText: text })).toBeVisible();
});

test('a visitor dismisses an announcement with the keyboard; it stays dismissed until it changes; nothing shifts', async ({ browser, page }) => {
  const editor = await signedInPage(browser, 'editor');
  const text = unique('New: export your contacts as CSV.');
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
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/');
  await expect(page.locator('[data-site-header][data-menu="collapsible"]')).toHaveCount(1);
  await watchLayoutShifts(page);
  release();
  const item = banner(page, text);
  await expect(item).toBeVisible();
  // Two frames: any shift the banner causes has been laid out and reported by then.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  expect(await layoutShifts(page), 'the banner arrives without moving the page').toEqual([]);
  expect(await hasHorizontalScroll(page)).toBe(false);
  await page.screenshot({ path: 'test-results/screens/announcement-banner-375.png' });

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
  const changed = unique('New: export your contacts as CSV or JSON.');
  await editor.getByLabel('Text', { exact: true }).fill(changed);
  await editor.getByRole('button', { name: 'Save changes' }).click();
  await expect(editor.getByRole('status')).toContainText('Your changes were saved.');
  await expect(editor.getByRole('region', { name: 'History' })).toContainText('Edited by editor-');

  await visit(page, '/');
  await expect(banner(page, changed)).toBeVisible();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`a banner has no accessibility violations (${colorScheme})`, async ({ browser, page }) => {
    const editor = await signedInPage(browser, 'editor');
    const text = unique('Scheduled maintenance on Saturday from 06:00 to 07:00 UTC.');
    await createAnnouncement(editor, { text, level: colorScheme === 'light' ? 'Important' : 'Notice', link: ['https://status.customertrackr.com/', 'Status page'] });
    await page.emulateMedia({ colorScheme });
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await visit(page, '/features');
      await expect(banner(page, text)).toBeVisible();
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.screenshot({ path: `test-results/screens/announcement-banner-${width}-${colorScheme}.png` });
    }
    await expectNoAxeViolations(page);
  });
}

test('a policy version announces itself in the weeks around its effective date', async ({ page }) => {
  // A server of its own, whose window reaches today from the newest version's date, if the
  // longest window allowed (ANNOUNCE_POLICY_DAYS ≤ 365) can: else the notice must not show.
  const index = (await (await page.request.get('/privacy/versions.json')).json()) as { versions: { effective: string }[] };
  const newest = index.versions.map((v) => v.effective).sort().at(-1)!;
  const days = Math.abs(daysBetween(utcDateOf(new Date()), newest)) + 2;
  const site = await startSite({ ANNOUNCE_POLICY_DAYS: String(Math.min(days, 365)) });
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await visit(page, `${site.url}/pricing`);
    const notice = page.getByRole('region', { name: 'Announcements' }).getByRole('listitem').filter({ hasText: /Our privacy policy change[sd] on/ });
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
    page = await signedInPage(browser, 'editor');
    await createAnnouncement(page, { text: unique('Webinar on Thursday: staying GDPR-ready.'), link: ['/features', 'See the features'] });
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
            await page.screenshot({ path: `test-results/screens/${name}-${width}-${colorScheme}.png`, fullPage: true });
          }
        }
        await expectNoAxeViolations(page);
      });
    }
  }

  test('support staff see only their sections, and get 403 on announcements', async ({ browser }) => {
    const support = await signedInPage(browser, 'support');
    await support.goto('/admin');
    const nav = support.getByRole('navigation', { name: 'Admin' });
    await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Announcements' })).toHaveCount(0);
    const res = await support.goto('/admin/announcements');
    expect(res?.status()).toBe(403);
    await expect(support.getByRole('heading', { level: 1 })).toHaveText('You cannot open this page');
  });
});
