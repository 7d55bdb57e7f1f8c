// Every page of the site, for the specs that visit them all (layout shift, screenshots). The
// list is read from src/pages, so a new page is covered without anyone remembering to add
// it; a new dynamic route must be given its concrete addresses below, or the list refuses.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createAnnouncement } from '../../src/lib/announcements/index.ts';
import { publishedVersions } from '../support/policy-versions.ts';
import { root } from '../support/site.ts';
import { withDatabase } from '../support/site-db.ts';
import { E2E_DATABASE } from './fixtures.ts';

export interface SitePage {
  /** A file-name-safe name: `admin-users-12`, `privacy-2009-01-01`. */
  name: string;
  path: string;
}

const PAGES_DIR = join(root, 'src/pages');

function pageFiles(dir = PAGES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return pageFiles(path);
    return entry.name.endsWith('.astro') ? [relative(PAGES_DIR, path)] : [];
  });
}

/**
 * The concrete addresses of each dynamic route. `staffId`: an account whose page the admin
 * pages show; `announcementId`: a scheduled announcement's.
 */
function dynamicPaths(file: string, ids: { staffId: number; announcementId: number }): string[] {
  const versions = publishedVersions();
  switch (file) {
    case 'privacy/[date].astro':
      return versions.map((v) => `/privacy/${v.effective}`);
    case 'privacy/changes/[range].astro':
      return versions.slice(1).map((v, i) => `/privacy/changes/${versions[i]!.effective}...${v.effective}`);
    case 'privacy/as-of/[asOf]/[...page].astro':
      return []; // prerendered copies served under the public /privacy paths above
    case 'admin/users/[id].astro':
      return [`/admin/users/${ids.staffId}`];
    case 'admin/announcements/[id].astro':
      return [`/admin/announcements/${ids.announcementId}`];
    case 'admin/announcements/policy/[date].astro':
      return versions.slice(1).map((v) => `/admin/announcements/policy/${v.effective}`);
    case 'admin/deletion-requests/[id].astro':
      return ['/admin/deletion-requests/1']; // the "no such request" answer, in the admin shell
    // The "no such" answers, in the admin shell: a real recipient or purpose would show on the
    // public register and on every account, under the other specs sharing this database.
    case 'admin/sharing/purposes/[id].astro':
      return ['/admin/sharing/purposes/999999'];
    case 'admin/sharing/recipients/[id].astro':
      return ['/admin/sharing/recipients/999999'];
    default:
      throw new Error(`tests/e2e/site-pages.ts: give the dynamic route ${file} its addresses`);
  }
}

function routeOf(file: string): string {
  const route = '/' + file.replace(/\.astro$/, '').replace(/(^|\/)index$/, '');
  return route === '/404' ? '/no-such-page' : route.replace(/\/$/, '') || '/';
}

function nameOf(path: string): string {
  return path === '/' ? 'home' : path.slice(1).replace(/[^a-z0-9-]+/gi, '-');
}

/** Every page, with an announcement scheduled for later made for its admin page. */
export async function sitePages(staffId: number): Promise<SitePage[]> {
  const announcementId = await withDatabase(E2E_DATABASE, (db) =>
    createAnnouncement(
      db,
      {
        text: 'Scheduled maintenance next year (made by the layout-shift test).',
        level: 'info',
        audience: 'everyone',
        link: null,
        dismissible: true,
        // Far enough ahead that it never shows as a banner while the suite runs.
        startsAt: new Date(Date.now() + 300 * 86_400_000),
        endsAt: null,
      },
      staffId,
    ),
  );
  const paths = pageFiles()
    .sort()
    .flatMap((file) => (file.includes('[') ? dynamicPaths(file, { staffId, announcementId }) : [routeOf(file)]));
  return paths.map((path) => ({ name: nameOf(path), path }));
}
