import AxeBuilder from '@axe-core/playwright';
import SQLite from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';

/** Fails with the list of axe-core violations (WCAG 2.2 A and AA rules) on the current page. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary).toEqual([]);
}

/** True when the page is wider than its viewport (horizontal scrolling). */
export async function hasHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/**
 * Empties the rate-limit counters of the e2e database. Every spec signs in from 127.0.0.1
 * (30 sign-ins per 15 minutes), so journeys must not depend on what earlier specs used up;
 * the limits themselves are tested in tests/http/accounts.test.ts.
 */
export function clearRateLimits(databasePath: string): void {
  const db = new SQLite(databasePath);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('delete from rate_limit').run();
  } finally {
    db.close();
  }
}
