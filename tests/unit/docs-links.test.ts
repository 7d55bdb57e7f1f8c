// Every relative link in README.md and docs/ resolves: to a file or folder of the
// repository, and to a heading of it when the link names one (#anchor, as GitHub makes them).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/site.ts';

const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slugOf(m[1]!)));
}

/** The relative link targets of a Markdown text (code blocks and inline code left out). */
function relativeLinks(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('links in the documentation', () => {
  it('finds the documents and their links', () => {
    expect(documents).toContain('docs/architecture.md');
    expect(relativeLinks('[a](docs/x.md) [b](https://example.com) `[c](no.md)` [d](#here)')).toEqual(['docs/x.md', '#here']);
    expect(slugOf('Stack choices')).toBe('stack-choices');
    expect(slugOf('0002 — The policy: in effect')).toBe('0002--the-policy-in-effect');
  });

  it.each(documents)('%s: every relative link resolves', (document) => {
    const markdown = readFileSync(join(root, document), 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinks(markdown)) {
      const [path, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = path === '' ? join(root, document) : join(root, dirname(document), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link}: no such file (${relative(root, target)})`);
        continue;
      }
      if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
