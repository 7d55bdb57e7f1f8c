import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

/**
 * The privacy policy: one Markdown file per version, `src/content/policy/v1.md`, `v2.md`…
 * (docs/policy-editors.md). The frontmatter is kept simple on purpose so that the command
 * line and the server can read it without Astro (src/lib/policy/frontmatter.ts); the rules
 * that involve several versions or the lock file are checked by `npm run policy -- check`
 * and again when the site is built (src/components/policy/site.ts).
 */
const calendarDate = z
  .union([z.date(), z.string()])
  // YAML reads an unquoted 2027-01-01 as a Date at 00:00 UTC; keep dates as YYYY-MM-DD text.
  .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value))
  .refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), {
    message: 'must be a date written YYYY-MM-DD',
  });

const policy = defineCollection({
  loader: glob({
    pattern: 'v*.md',
    base: './src/content/policy',
    generateId: ({ entry }) => entry.replace(/\.md$/, ''),
  }),
  schema: z.strictObject({
    effective: calendarDate,
    title: z.string().trim().min(1),
    summary: z.string().trim().min(1).optional(),
    material: z.boolean(),
  }),
});

export const collections = { policy };
