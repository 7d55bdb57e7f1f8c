// `npm run check:lighthouse`: Lighthouse scores of the key pages, on the mobile and the desktop
// presets, in Debian's Chromium (issue 14's measured goals). It builds the site when the build
// is stale, starts it on a free port of 127.0.0.1 with a database of its own (a new temporary
// folder, removed at the end), makes one staff account with a session for the signed-in pages,
// and prints one row per page and preset. It is not a CI gate: the scores of a shared, busy
// machine move from run to run (docs/performance.md records the figures of a run).
//
// Options: --only /path (repeatable) to run some pages; CHROMIUM_PATH to use another browser.
// Exit code: 0 when every page was measured (whatever its scores), 1 when a run failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import {
  createAccount,
  createSession,
  hashPassword,
  normalizeEmail,
  policyVersionInEffect,
  recordPolicyAgreement,
  SIGNED_IN_HINT,
} from '../lib/auth/index.ts';
import { migrate, openDatabase } from '../lib/db/index.ts';
import { build, buildIsStale } from './build.ts';
import { startSiteProcess } from './site-process.ts';

interface Target {
  path: string;
  signedIn: boolean;
  /** Meant for search engines; the others say `noindex`, which costs them SEO's is-crawlable audit by design. */
  indexed: boolean;
}

/** The pages of the goal; /account and /admin as a signed-in staff member, the rest as a visitor. */
const TARGETS: Target[] = [
  { path: '/', signedIn: false, indexed: true },
  { path: '/privacy', signedIn: false, indexed: true },
  { path: '/login', signedIn: false, indexed: false },
  { path: '/account', signedIn: true, indexed: false },
  { path: '/admin', signedIn: true, indexed: false },
];

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const PRESETS = ['mobile', 'desktop'] as const;

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
const targets = values.only?.length ? TARGETS.filter((t) => values.only!.includes(t.path)) : TARGETS;
if (targets.length === 0) {
  console.error(`check:lighthouse: --only takes one of ${TARGETS.map((t) => t.path).join(', ')}`);
  process.exit(2);
}

if (buildIsStale()) {
  console.log('The build is missing or older than the sources: building the site.');
  if (!build()) {
    console.error('check:lighthouse: the build failed (see above)');
    process.exit(1);
  }
}

/** A staff account (every role, so /admin shows every section) that agreed to the policy in effect; returns its cookies. */
async function staffSessionCookies(databasePath: string): Promise<string> {
  const database = openDatabase(databasePath);
  try {
    await migrate(database.db);
    const now = new Date();
    const id = await createAccount(
      database.db,
      normalizeEmail('lighthouse@example.com')!,
      ['admin', 'editor', 'support'],
      await hashPassword('lighthouse measures the pages'),
      now,
    );
    const policy = await policyVersionInEffect(database.db, now);
    if (policy) {
      await recordPolicyAgreement(database.db, {
        user_id: id,
        policy_effective_date: policy.effective_date,
        agreed_at: now.toISOString(),
        context: 'registration',
        wording: 'I agree.',
      });
    }
    const { token } = await createSession(database.db, id, 'check:lighthouse');
    // SITE_URL stays the default (http), so the session cookie has its plain name.
    return `session=${token}; ${SIGNED_IN_HINT.name}=${SIGNED_IN_HINT.value}`;
  } finally {
    await database.close();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'customertrackr-lighthouse-'));
const databasePath = join(dataDir, 'site.db');
let failed = false;
const site = await startSiteProcess({ DATABASE_PATH: databasePath, MAIL_OUTBOX_DIR: join(dataDir, 'outbox') }, 60_000);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const cookies = await staffSessionCookies(databasePath);
  const rows: string[][] = [];
  for (const target of targets) {
    for (const preset of PRESETS) {
      const url = new URL(target.path, site.url).href;
      const run = () =>
        lighthouse(
          url,
          {
            port: chrome.port,
            output: 'json',
            logLevel: 'error',
            onlyCategories: [...CATEGORIES],
            ...(target.signedIn ? { extraHeaders: { Cookie: cookies } } : {}),
          },
          preset === 'desktop' ? desktopConfig : undefined,
        );
      // On a busy machine Chromium now and then loses the trace of a load (NO_NAVSTART): one more try.
      let lhr = (await run())?.lhr;
      if (lhr?.runtimeError) lhr = (await run())?.lhr;
      if (!lhr || lhr.runtimeError) {
        failed = true;
        rows.push([target.path, preset, `failed: ${lhr?.runtimeError?.message ?? 'no result'}`]);
        continue;
      }
      const score = (id: string) => {
        const value = lhr.categories[id]?.score;
        return value === null || value === undefined ? '–' : String(Math.round(value * 100));
      };
      const audit = (id: string) => lhr.audits[id]?.displayValue ?? '–';
      rows.push([
        target.path + (target.signedIn ? ' (signed in)' : ''),
        preset,
        ...CATEGORIES.map((id) => (id === 'seo' && !target.indexed ? `${score(id)} (noindex)` : score(id))),
        audit('largest-contentful-paint'),
        audit('cumulative-layout-shift') === '–' ? '–' : String(lhr.audits['cumulative-layout-shift']!.numericValue?.toFixed(3)),
        audit('total-blocking-time'),
      ]);
      // What kept a category below 100, so a low score says why.
      for (const id of CATEGORIES) {
        const category = lhr.categories[id];
        if (!category || category.score === 1) continue;
        const misses = category.auditRefs
          .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
          .filter((ref) => target.indexed || ref.id !== 'is-crawlable')
          .map((ref) => `${ref.id} (${lhr.audits[ref.id]!.displayValue ?? lhr.audits[ref.id]!.score})`);
        if (misses.length) console.log(`  ${target.path} ${preset} ${id}: ${misses.join(', ')}`);
      }
    }
  }
  const header = ['page', 'preset', 'perf', 'a11y', 'best pr.', 'SEO', 'LCP', 'CLS', 'TBT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\nLighthouse ${(await import('lighthouse/package.json', { with: { type: 'json' } })).default.version}, ${chrome.process.spawnargs[0]}`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
} catch (error) {
  failed = true;
  console.error('check:lighthouse:', error);
} finally {
  chrome.kill();
  site.child.kill('SIGTERM');
  await site.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
