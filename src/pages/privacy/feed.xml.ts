/**
 * /privacy/feed.xml: an Atom feed with one entry per published version, dated when the
 * version became public (published, or took effect if that was earlier, as for 2009's).
 * The server sends it as application/atom+xml (see the note in the report / static files).
 */
import type { APIRoute } from 'astro';
import { Feed } from 'feed';
import { loadPolicy } from '../../components/policy/site.ts';
import { effectiveInstant, formatDate } from '../../lib/policy/dates.ts';
import { changesPath, FEED_PATH, POLICY_PATH, versionPath } from '../../lib/policy/urls.ts';
import { byEffectiveDate, neighbours } from '../../lib/policy/versions.ts';

export const prerender = true;

/** Text for an element the feed marks type="html". */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const GET: APIRoute = async ({ site }) => {
  const policy = await loadPolicy();
  const published = byEffectiveDate(policy.versions.filter((v) => !v.draft));
  const abs = (path: string) => new URL(path, site ?? 'http://localhost:4321').href;
  const announced = (v: (typeof published)[number]) => {
    const publishedOn = v.publishedOn ?? v.effective;
    return effectiveInstant(publishedOn < v.effective ? publishedOn : v.effective);
  };
  const feed = new Feed({
    id: abs(FEED_PATH),
    title: 'CustomerTrackr Privacy Policy: versions',
    description: 'Each new version of the CustomerTrackr privacy policy, with the date it takes effect and what changed.',
    link: abs(POLICY_PATH),
    feedLinks: { atom: abs(FEED_PATH) },
    language: 'en',
    author: { name: 'CustomerTrackr' },
    copyright: 'CustomerTrackr',
    generator: false,
    updated: published.length > 0 ? new Date(Math.max(...published.map((v) => announced(v).getTime()))) : new Date(0),
  });
  for (const version of [...published].reverse()) {
    const { previous } = neighbours(published, version);
    const url = abs(versionPath(version.effective));
    const intro = [
      `<p>Version ${version.version} of the privacy policy takes effect on ${escapeHtml(formatDate(version.effective))}${version.material ? ' (a material change)' : ''}.</p>`,
      version.summary ? `<p>${escapeHtml(version.summary)}</p>` : '<p>The first published version of the policy.</p>',
      previous ? `<p><a href="${escapeHtml(abs(changesPath(previous.effective, version.effective)))}">See what changed</a>.</p>` : '',
    ].join('');
    const text = policy.entryOf(version).rendered?.html ?? '';
    feed.addItem({
      id: url,
      link: url,
      title: escapeHtml(`${version.title}: version ${version.version}, effective ${formatDate(version.effective)}`),
      date: announced(version),
      published: announced(version),
      description: escapeHtml(version.summary ?? 'The first published version of the policy.'),
      // A CDATA section cannot contain "]]>"; in HTML, "]]&gt;" reads the same.
      content: `${intro}<hr>${text}`.replaceAll(']]>', ']]&gt;'),
    });
  }
  return new Response(feed.atom1(), { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
