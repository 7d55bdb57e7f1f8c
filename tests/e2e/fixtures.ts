// What the browser specs share: the e2e server's database and outbox, accounts made straight
// in that database (the server shares the SQLite file in WAL mode), pages signed in with a
// session as the sign-in form would make it, and the sign-in form itself for the specs that
// go through it. Specs import `test` and `expect` from here.
import { join } from 'node:path';
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SIGNED_IN_HINT, type Role } from '../../src/lib/auth/index.ts';
import { E2E_BASE_URL, E2E_DATA_DIR } from '../playwright.config.ts';
import { root } from '../support/site.ts';
import { clearRateLimits as clearSiteRateLimits } from '../support/site-db.ts';
import { createUser, PASSWORD, startSession, USER_AGENT, type NewUser, type UserOptions } from '../support/users.ts';

export { expect };

/** The e2e server's database (E2E_DATABASE_PATH when a run uses a private one). */
export const E2E_DATABASE = process.env.E2E_DATABASE_PATH ?? join(root, E2E_DATA_DIR, 'site.db');
/** Where the e2e server writes outgoing mail (one .eml file per message). */
export const E2E_OUTBOX = join(root, E2E_DATA_DIR, 'outbox');

/** A new account in the e2e database (see createUser for the options; the address starts with 'e2e-'). */
export function newUser(options: UserOptions = {}): Promise<NewUser> {
  return createUser(E2E_DATABASE, { label: 'e2e-user', ...options });
}

/**
 * Signs `context` in as account `userId`, as the sign-in form would: a new session, its cookie
 * and the signed-in hint cookie the header reads at first paint.
 */
export async function signInAs(context: BrowserContext, userId: number, userAgent = USER_AGENT): Promise<void> {
  const token = await startSession(E2E_DATABASE, userId, userAgent);
  await context.addCookies([
    { name: 'session', value: token, url: E2E_BASE_URL, httpOnly: true, sameSite: 'Lax' },
    { name: SIGNED_IN_HINT.name, value: SIGNED_IN_HINT.value, url: E2E_BASE_URL, httpOnly: false, sameSite: 'Lax' },
  ]);
}

/** A page in a new browser context signed in as account `userId`; closing its context is the caller's. */
export async function newSignedInPage(browser: Browser, userId: number, userAgent?: string): Promise<Page> {
  const context = await browser.newContext();
  await signInAs(context, userId, userAgent);
  return context.newPage();
}

/** Fills in and submits the sign-in form the page shows. */
export async function submitSignInForm(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Signs in through the form, as a person does. With `next`, starts from /login?next=… and
 * waits to arrive there.
 */
export async function signInWithForm(page: Page, email: string, options: { password?: string; next?: string } = {}): Promise<void> {
  const { password = PASSWORD, next } = options;
  await page.goto(next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`);
  await submitSignInForm(page, email, password);
  if (next !== undefined) await expect(page).toHaveURL(new RegExp(`${next.replace(/[/?]/g, '\\$&')}$`));
}

/**
 * Empties the rate-limit counters of the e2e database. Every spec signs in from 127.0.0.1
 * (30 sign-ins per 15 minutes, registration 10 an hour), so journeys must not depend on what
 * earlier specs used up; the limits themselves are tested in tests/http/accounts.test.ts.
 */
export function clearRateLimits(): Promise<unknown> {
  return clearSiteRateLimits(E2E_DATABASE);
}

export interface Fixtures {
  /** Runs before every test (automatically): the rate-limit counters start empty. */
  cleanRateLimits: void;
  /**
   * Runs after every test (automatically): a test that failed leaves a full-page screenshot
   * of each page still open under its folder in test-results/playwright/ (a passing test
   * takes none; E2E_SCREENSHOTS=1 saves the specs' own screenshots, see support.ts).
   */
  screenshotOnFailure: void;
  /** A new account (verified, with PASSWORD, agreed to the first policy version). */
  user: NewUser;
  /** The test's page, its context signed in as `user`. */
  userPage: Page;
  /**
   * A page in a new context signed in as a new account with `roles` (none: an ordinary
   * account), its address starting with them; closed after the test.
   */
  staffPage: (...roles: Role[]) => Promise<Page>;
}

export const test = base.extend<Fixtures>({
  cleanRateLimits: [
    // Playwright reads a fixture's dependencies from its first parameter, which must be a pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await clearRateLimits();
      await use();
    },
    { auto: true },
  ],
  // On `context`, so that it runs before the test's own context closes.
  screenshotOnFailure: [
    async ({ browser, context }, use, testInfo) => {
      await use();
      if (testInfo.status === testInfo.expectedStatus) return;
      const pages = [context, ...browser.contexts().filter((c) => c !== context)].flatMap((c) => c.pages());
      for (const [i, page] of pages.entries()) {
        const path = testInfo.outputPath(`test-failed-${i + 1}.png`);
        try {
          await page.screenshot({ path, fullPage: true, timeout: 5_000 });
          testInfo.attachments.push({ name: 'screenshot', path, contentType: 'image/png' });
        } catch {
          // A page that cannot be drawn (closed, or stuck): the trace has what it showed.
        }
      }
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern
  user: async ({}, use) => {
    await use(await newUser());
  },
  userPage: async ({ page, user }, use) => {
    await signInAs(page.context(), user.id);
    await use(page);
  },
  staffPage: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (...roles) => {
      // The address starts with the roles ('editor-…'): the admin pages show who changed what.
      const { id } = await newUser({ label: roles.join('-') || 'reader', roles });
      const page = await newSignedInPage(browser, id);
      contexts.push(page.context());
      return page;
    });
    for (const context of contexts) await context.close();
  },
});
