// Nothing moves under the reader: on every page, signed out and signed in, at 375 and 1440 px,
// the cumulative layout shift from navigation until every server island has rendered stays
// at or below 0.01. A PerformanceObserver registered before the page's first byte (buffered,
// so nothing before it is missed) records each layout-shift entry with the elements that
// moved; the test prints them when it fails. The server islands' answers are held back until
// the page has painted and settled, so that their arrival is measured on every page. A page
// that moved is saved as a full-page screenshot under test-results/screens/ (state, page,
// width), to be looked at; with E2E_SCREENSHOTS=1 (`E2E_SCREENSHOTS=1 npm run test:e2e`)
// every page is.
import type { Page } from '@playwright/test';
import { expect, newUser, signInAs, test } from './fixtures.ts';
import { sitePages, type SitePage } from './site-pages.ts';
import { SAVE_SCREENSHOTS } from './support.ts';

const LIMIT = 0.01;
const WIDTHS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const;

interface Shift {
  value: number;
  hadRecentInput: boolean;
  sources: string[];
}

declare global {
  interface Window {
    __layoutShifts?: Shift[];
  }
}

/** Runs in the page before any of its own scripts: records every layout shift with what moved. */
function recordLayoutShifts(): void {
  const describe = (node: Node | null | undefined): string => {
    if (!node) return '(an element since removed)';
    const element = node instanceof Element ? node : node.parentElement;
    if (!element) return '(text)';
    const id = element.id ? `#${element.id}` : '';
    const classes = [...element.classList]
      .filter((c) => !c.startsWith('astro-'))
      .map((c) => `.${c}`)
      .join('');
    const text = (element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 50);
    return `<${element.tagName.toLowerCase()}${id}${classes}>${text ? ` “${text}”` : ''}`;
  };
  window.__layoutShifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & {
      value: number;
      hadRecentInput: boolean;
      sources?: { node?: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
    })[]) {
      window.__layoutShifts!.push({
        value: entry.value,
        hadRecentInput: entry.hadRecentInput,
        sources: (entry.sources ?? []).map(
          (s) =>
            `${describe(s.node)} moved from (${Math.round(s.previousRect.x)}, ${Math.round(s.previousRect.y)}) ${Math.round(s.previousRect.width)}×${Math.round(s.previousRect.height)} to (${Math.round(s.currentRect.x)}, ${Math.round(s.currentRect.y)}) ${Math.round(s.currentRect.width)}×${Math.round(s.currentRect.height)}`,
        ),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/** Waits until every server island of the page has replaced its fallback with its final content. */
export async function islandsRendered(page: Page): Promise<void> {
  // Astro's loader removes an island's script once its content is in place; a failed island
  // keeps it, and the wait fails.
  await page.waitForFunction(() => document.querySelector('script[data-island-id]') === null, undefined, { timeout: 10_000 });
  await page.evaluate(async () => {
    await document.fonts.ready;
    // Layout shifts are reported with the frame that painted them.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/**
 * Waits until the page has painted its content and settled: loaded, its first contentful
 * paint reported, its fonts in place and two more frames drawn.
 */
async function painted(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, {
    polling: 'raf',
    timeout: 10_000,
  });
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/**
 * Holds back the answers of every server island the page asks for until `release()`. On
 * 127.0.0.1 they could otherwise land before the first paint and hide what their arrival
 * moves; held until the page has painted and settled, they arrive as on a slow network, every
 * time (a request made after the release goes through at once).
 */
async function holdIslands(page: Page): Promise<{ hold: () => void; release: () => void }> {
  let held: Promise<void> = Promise.resolve();
  let release = () => {};
  await page.route('**/_server-islands/**', async (route) => {
    await held;
    await route.continue();
  });
  return {
    hold: () => {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

async function measure(
  page: Page,
  path: string,
  islands: { hold: () => void; release: () => void },
): Promise<{ cls: number; shifts: Shift[] }> {
  islands.hold();
  try {
    await page.goto(path);
    await painted(page);
  } finally {
    islands.release();
  }
  await islandsRendered(page);
  const shifts = await page.evaluate(() => window.__layoutShifts ?? []);
  const counted = shifts.filter((s) => !s.hadRecentInput);
  return { cls: counted.reduce((sum, s) => sum + s.value, 0), shifts: counted };
}

async function measureAll(page: Page, pages: SitePage[], state: string, width: number): Promise<string[]> {
  const islands = await holdIslands(page);
  const failures: string[] = [];
  for (const { name, path } of pages) {
    const { cls, shifts } = await measure(page, path, islands);
    // A page that moved is always saved, to be looked at; the others with E2E_SCREENSHOTS=1.
    if (cls > LIMIT || SAVE_SCREENSHOTS) {
      await page.screenshot({ path: `test-results/screens/${state}-${name}-${width}.png`, fullPage: true });
    }
    if (cls > LIMIT) {
      failures.push(
        `${path} (${state}, ${width}px): CLS ${cls.toFixed(4)}\n${shifts.map((s) => `  ${s.value.toFixed(4)}: ${s.sources.join('; ') || '(no sources reported)'}`).join('\n')}`,
      );
    }
  }
  return failures;
}

for (const viewport of WIDTHS) {
  test(`no page moves after first paint, signed out, at ${viewport.width}px`, async ({ browser }) => {
    test.setTimeout(300_000);
    const { id: staffId } = await newUser({ label: 'layout-staff', roles: ['admin'] });
    const pages = await sitePages(staffId);
    const context = await browser.newContext({ viewport });
    await context.addInitScript(recordLayoutShifts);
    const page = await context.newPage();
    const failures = await measureAll(page, pages, 'signed-out', viewport.width);
    await context.close();
    expect(failures, failures.join('\n\n')).toEqual([]);
  });

  test(`no page moves after first paint, signed in as staff, at ${viewport.width}px`, async ({ browser }) => {
    test.setTimeout(300_000);
    // Every role, so the admin pages render in full; an earlier policy agreement, so the
    // policy notice arrives too.
    const { id } = await newUser({
      label: 'layout-signed-in',
      roles: ['admin', 'editor', 'support'],
      profile: { display_name: 'Jane Layout' },
    });
    const pages = await sitePages(id);
    const context = await browser.newContext({ viewport });
    await context.addInitScript(recordLayoutShifts);
    await signInAs(context, id);
    const page = await context.newPage();
    const failures = await measureAll(page, pages, 'signed-in', viewport.width);
    await context.close();
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
}
