/**
 * /privacy/recipients.xml: an Atom feed of changes to the register of recipients, newest
 * first (the public change log, src/lib/sharing/recipients.ts). On demand, like the page.
 */
import type { APIRoute } from 'astro';
import { onlyReads } from '../../lib/http/methods.ts';
import { Feed } from 'feed';
import { database } from '../../lib/db/index.ts';
import { recipientChanges } from '../../lib/sharing/index.ts';

export const prerender = false;

/** The library marks <summary> type="html": what admins typed must arrive as text, not markup. */
function asHtmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TITLES = { added: 'Recipient added', edited: 'Recipient changed', removed: 'Recipient removed' } as const;

export const GET: APIRoute = async ({ site, url }) => {
  const abs = (path: string) => new URL(path, site ?? url).href;
  const { db } = await database();
  const changes = await recipientChanges(db, 100);
  const feed = new Feed({
    id: abs('/privacy/recipients.xml'),
    title: 'CustomerTrackr: changes to the recipients of personal data',
    description: 'Each processor or third party added to, changed in or removed from the public register.',
    link: abs('/privacy/recipients'),
    feedLinks: { atom: abs('/privacy/recipients.xml') },
    language: 'en',
    author: { name: 'CustomerTrackr' },
    copyright: 'CustomerTrackr',
    generator: false,
    updated: new Date(changes[0]?.at ?? 0),
  });
  for (const change of changes) {
    feed.addItem({
      id: abs(`/privacy/recipients#change-${change.id}`),
      link: abs('/privacy/recipients'),
      title: TITLES[change.change],
      date: new Date(change.at),
      description: asHtmlText(change.summary),
    });
  }
  return new Response(feed.atom1(), {
    headers: { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': 'public, max-age=60' },
  });
};

/** Any other method: 405 naming the ones this address takes (HEAD is answered by GET). */
export const ALL: APIRoute = onlyReads(GET);
