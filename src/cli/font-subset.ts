// `npm run font:subset`: makes the site's one web font, src/styles/fonts/inter-subset.woff2,
// from the Inter variable font of the npm package @fontsource-variable/inter (its Latin file).
// The package's Latin file is 48 KB, most of a page's 60 KB budget; this subset keeps only the
// characters the site writes, the weights it uses (400 to 800) and the layout features it needs,
// and comes to about 22 KB. The output is committed (the build needs no WebAssembly);
// tests/unit/font-subset.test.ts fails when it is not exactly what this script makes from the
// installed package, so an upgrade of the package cannot leave a stale file behind.
// See docs/decisions/0024-web-font.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import subsetFont from 'subset-font';

/**
 * The characters kept: Basic Latin, Latin-1 (names such as José or Müller), and the typographic
 * marks the pages use (dashes, curly quotes, bullet, ellipsis, arrows, ≤ ≥, €, ™, thin spaces).
 * src/styles/fonts.css declares the same ranges as the font's unicode-range, so anything else
 * is drawn by the fallback font.
 */
export const FONT_UNICODE_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x2009, 0x2009],
  [0x2013, 0x2014],
  [0x2018, 0x201a],
  [0x201c, 0x201e],
  [0x2022, 0x2022],
  [0x2026, 0x2026],
  [0x202f, 0x202f],
  [0x20ac, 0x20ac],
  [0x2122, 0x2122],
  [0x2190, 0x2193],
  [0x2212, 0x2212],
  [0x2264, 0x2265],
];
/** Kerning, tabular figures (the view counter, statistics) and what accented letters need. */
const FONT_FEATURES = ['kern', 'tnum', 'ccmp', 'locl', 'mark', 'mkmk'];
/** The weights the styles use: 400 (text) to 800 (large figures). */
export const FONT_WEIGHTS = { min: 400, max: 800 };

const require = createRequire(import.meta.url);
export const SOURCE_FONT = require.resolve('@fontsource-variable/inter/files/inter-latin-wght-normal.woff2');
export const SUBSET_FONT = fileURLToPath(new URL('../styles/fonts/inter-subset.woff2', import.meta.url));

/** Every character of the ranges, as the text hb-subset keeps glyphs for. */
export function subsetText(): string {
  let text = '';
  for (const [first, last] of FONT_UNICODE_RANGES) for (let c = first; c <= last; c++) text += String.fromCodePoint(c);
  return text;
}

/** The subset font's bytes, made from the installed package (deterministic for one version of it). */
export async function makeSubset(): Promise<Buffer> {
  return subsetFont(readFileSync(SOURCE_FONT), subsetText(), {
    targetFormat: 'woff2',
    keepFeatures: [...FONT_FEATURES],
    variationAxes: { wght: { min: FONT_WEIGHTS.min, max: FONT_WEIGHTS.max } },
  });
}

if (import.meta.main) {
  const bytes = await makeSubset();
  writeFileSync(SUBSET_FONT, bytes);
  console.log(`font-subset: wrote ${SUBSET_FONT} (${(bytes.length / 1024).toFixed(1)} KB)`);
}
