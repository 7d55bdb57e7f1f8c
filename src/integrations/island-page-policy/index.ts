import { astroBuildPatch } from '../astro-build-patch.ts';

/**
 * Stops Astro from working out a page's content security policy for each server island's
 * answer (why: docs/decisions/0031-no-page-policy-for-islands.md).
 *
 * For every request it renders, Astro hashes the route's inline styles and scripts (a WebCrypto
 * digest each) and then writes the header from every hash of the site; for an island that
 * header is replaced by FRAGMENT_POLICY (src/lib/http/security-headers.ts), which a page's
 * hashes have no part in. This patch makes the decision Astro takes per request (in
 * astro/dist/core/fetch/fetch-state.js) "no" for the island route, whose pattern is
 * ISLAND_ROUTE (astro/dist/core/server-islands/endpoint.js).
 */
export const ISLAND_ROUTE = '/_server-islands/[name]';
const DECIDED = 'const shouldInjectCspMetaTags = this.shouldInjectCspMetaTags ?? manifest.shouldInjectCspMetaTags;';
export const SKIPPED_FOR_ISLANDS = `this.routeData.route === ${JSON.stringify(ISLAND_ROUTE)} ? false :`;

/** fetch-state.js deciding "no policy" for the island route; undefined unless it decides once, as expected. */
export function skipPolicyInSource(code: string): string | undefined {
  if (code.split(DECIDED).length !== 2) return undefined;
  return code.replace(
    DECIDED,
    `const shouldInjectCspMetaTags = ${SKIPPED_FOR_ISLANDS} (this.shouldInjectCspMetaTags ?? manifest.shouldInjectCspMetaTags);`,
  );
}

export const islandPagePolicy = () =>
  astroBuildPatch({
    name: 'island-page-policy',
    module: 'core/fetch/fetch-state.js',
    patch: skipPolicyInSource,
    expects: `"${DECIDED}" once`,
    marker: SKIPPED_FOR_ISLANDS,
    decision: 'docs/decisions/0031-no-page-policy-for-islands.md',
  });
