import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { POLICY_CONTENT_TYPES, policyPathResolver } from '../../src/lib/policy/index.ts';
import { effectiveInstant, formatDate } from '../../src/lib/policy/dates.ts';
import { parseAsOfManifest, type AsOfManifest } from '../../src/lib/policy/request-time.ts';
import { AS_OF_MANIFEST_PATH } from '../../src/lib/policy/urls.ts';
import { createSiteServer } from '../../src/server/server.ts';
import { loadStaticFiles } from '../../src/server/static-files.ts';
import { newestVersion, nextVersion, publishedVersions, versionInEffect } from '../support/policy-versions.ts';
import { root, startSite, type RunningSite } from '../support/site.ts';

interface IndexEntry {
  version: number;
  effective: string;
  title: string;
  summary: string | null;
  url: string;
  textUrl: string;
  sha256: string;
}

let site: RunningSite;
let versions: IndexEntry[];
beforeAll(async () => {
  site = await startSite();
  versions = ((await (await fetch(`${site.url}/privacy/versions.json`)).json()) as { versions: IndexEntry[] }).versions;
});
afterAll(async () => {
  await site?.stop();
});

const get = (path: string) => fetch(site.url + path);

describe('the policy routes', () => {
  it('lists every version in versions.json with a hash of its exact text', async () => {
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions[0]).toMatchObject({ version: 1, effective: '2009-01-01' });
    for (const v of versions) {
      const text = await (await get(new URL(v.textUrl).pathname)).text();
      expect(createHash('sha256').update(text).digest('hex'), v.effective).toBe(v.sha256);
      expect(new URL(v.url).pathname).toBe(`/privacy/${v.effective}`);
    }
  });

  it('publishes version 1 as the 2009 text with only the scraping artifact repaired', async () => {
    const text = await (await get('/privacy/2009-01-01.txt')).text();
    expect(text).toContain('Our primary goal in collecting personal information');
    expect(text).not.toContain('layout-u-3-4');
    expect(text).toContain('This Privacy Policy is effective as of January 1, 2009');
  });

  it('shows the version in effect at /privacy with its date and links to the archive and the changes', async () => {
    const res = await get('/privacy');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/privacy/versions"');
    expect(html).toContain(`datetime="${versionInEffect().effective}"`);
    // The upcoming version, when one is published, is announced with its date.
    const next = nextVersion();
    if (next) expect(html).toMatch(new RegExp(`takes effect on[\\s\\S]{0,200}${formatDate(next.effective)}`));
    else expect(html).not.toMatch(/takes effect on/);
  });

  it('has a permanent page for every version, saying which one is in effect', async () => {
    for (const v of versions) {
      const res = await get(`/privacy/${v.effective}`);
      expect(res.status, v.effective).toBe(200);
    }
    // Every version but the one in effect points the reader at /privacy; a version not yet
    // in effect says when it takes effect.
    const inEffect = versionInEffect();
    for (const v of publishedVersions().filter((v) => v.effective !== inEffect.effective)) {
      const html = await (await get(`/privacy/${v.effective}`)).text();
      expect(html, v.effective).toContain('href="/privacy"');
      expect(/takes effect on/.test(html), v.effective).toBe(v.effective > inEffect.effective);
    }
  });

  it('has an archive with every version and its status', async () => {
    const html = await (await get('/privacy/versions')).text();
    for (const v of versions) expect(html).toContain(`/privacy/${v.effective}`);
    const published = publishedVersions();
    const inEffect = versionInEffect();
    expect(html).toMatch(/In effect/);
    // "Upcoming" and "Previous" appear exactly when such versions exist today.
    expect(/Upcoming/.test(html)).toBe(published.some((v) => v.effective > inEffect.effective));
    expect(/Previous/.test(html)).toBe(published.some((v) => v.effective < inEffect.effective));
  });

  it('shows a word-level diff between consecutive versions, readable without colour', async () => {
    const res = await get('/privacy/changes/2009-01-01...2027-01-01');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<ins[\s>]/);
    expect(html).toMatch(/<del[\s>]/);
    expect(html).toMatch(/Added:/);
    expect(html).toMatch(/Removed:/);
  });

  it('answers unknown versions and ranges with 404', async () => {
    for (const path of ['/privacy/2010-01-01', '/privacy/changes/2009-01-01...2010-01-01', '/privacy/changes/nonsense']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('serves an Atom feed with an entry per version', async () => {
    const res = await get('/privacy/feed.xml');
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(xml.match(/<entry>/g)).toHaveLength(versions.length);
  });

  it('keeps the pages prepared for future dates private', async () => {
    expect((await get('/privacy/as-of/2027-01-01')).status).toBe(404);
  });

  it('records the published versions in the database at start', async () => {
    const database = openDatabase(site.databasePath);
    const rows = await database.db
      .selectFrom('policy_version')
      .select(['effective_date', 'content_sha256'])
      .orderBy('effective_date')
      .execute();
    await database.close();
    expect(rows).toEqual(versions.map((v) => ({ effective_date: v.effective, content_sha256: v.sha256 })));
  });
});

describe('correct in time: /privacy follows the clock with no new build', () => {
  let clock = new Date();
  let server: Server;
  let base: string;
  let manifest: AsOfManifest;
  beforeAll(async () => {
    const staticFiles = loadStaticFiles(join(root, 'dist/client'), POLICY_CONTENT_TYPES);
    manifest = parseAsOfManifest(Buffer.from(staticFiles.get(AS_OF_MANIFEST_PATH)!.body).toString('utf8'));
    const database = openDatabase(':memory:');
    server = createSiteServer({
      config: parseConfig({}),
      db: database.db,
      astro: (_req, _res, next) => next?.(),
      staticFiles,
      resolvePath: policyPathResolver(staticFiles),
      now: () => clock,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function pageAt(path: string, instant: Date): Promise<string> {
    clock = instant;
    return (await fetch(`${base}${path}`)).text();
  }
  /** The effective date that /privacy says is in effect. */
  const inEffectOn = (html: string) => /In effect since <time datetime="(\d{4}-\d\d-\d\d)"/.exec(html)?.[1];

  // The instants come from the build itself: every version upcoming when the site was built
  // has its own prerendered pages, which must take over at exactly 00:00 UTC of its date.
  it('has prepared pages for exactly the versions upcoming at build time', () => {
    const builtAt = new Date(manifest.builtAt);
    expect(manifest.variants.map((v) => v.from)).toEqual(
      publishedVersions()
        .filter((v) => effectiveInstant(v.effective) > builtAt)
        .map((v) => v.effective),
    );
  });

  it('switches at exactly midnight UTC of each effective date', async () => {
    const builtAt = new Date(manifest.builtAt);
    const inEffectAtBuild = versionInEffect(builtAt).effective;
    expect(inEffectOn(await pageAt('/privacy', builtAt))).toBe(inEffectAtBuild);
    let previous = inEffectAtBuild;
    for (const { from } of manifest.variants) {
      const start = effectiveInstant(from);
      const before = await pageAt('/privacy', new Date(start.getTime() - 1));
      expect(inEffectOn(before), from).toBe(previous);
      expect(before).toMatch(new RegExp(`takes effect on[\\s\\S]{0,200}${formatDate(from)}`));

      const after = await pageAt('/privacy', start);
      expect(inEffectOn(after), from).toBe(from);
      // The archive agrees: the version before is now "previous".
      expect(await pageAt('/privacy/versions', start)).toMatch(/Previous/);
      previous = from;
    }
    // Long after the last date, the newest version stays in effect.
    expect(inEffectOn(await pageAt('/privacy', new Date(Date.UTC(9999, 0, 1))))).toBe(newestVersion().effective);
  });
});
