import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FONT_UNICODE_RANGES, makeSubset, SUBSET_FONT } from '../../src/cli/font-subset.ts';

const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

describe('the web font', () => {
  it('is exactly the subset `npm run font:subset` makes from the installed @fontsource-variable/inter', async () => {
    const committed = readFileSync(SUBSET_FONT);
    const made = await makeSubset();
    expect(made.equals(committed), 'run `npm run font:subset` and commit src/styles/fonts/inter-subset.woff2').toBe(true);
    // woff2 only, and small enough to leave most of a page's 60 KB budget to the page.
    expect(committed.subarray(0, 4).toString('latin1')).toBe('wOF2');
    expect(committed.length).toBeLessThan(26 * 1024);
  });

  it('declares the characters it holds as its unicode-range, so the fallback draws the others', () => {
    const css = readFileSync(new URL('../../src/styles/fonts.css', import.meta.url), 'utf8');
    const declared = /unicode-range:([^;]+);/
      .exec(css)?.[1]
      ?.split(',')
      .map((r) => r.trim());
    expect(declared).toEqual(FONT_UNICODE_RANGES.map(([a, b]) => (a === b ? `U+${hex(a)}` : `U+${hex(a)}-${hex(b)}`)));
  });
});
