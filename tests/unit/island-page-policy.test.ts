import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdsText } from '../../src/integrations/astro-build-patch.ts';
import { ISLAND_ROUTE, SKIPPED_FOR_ISLANDS, skipPolicyInSource } from '../../src/integrations/island-page-policy/index.ts';
import { root } from '../support/site.ts';

const astroModule = (path: string) => readFileSync(join(root, 'node_modules/astro/dist', path), 'utf8');

describe("no page policy for a server island's answer", () => {
  it("changes Astro's one per-request decision, or the build stops", () => {
    const source = astroModule('core/fetch/fetch-state.js');
    const patched = skipPolicyInSource(source);
    expect(patched).toContain(`const shouldInjectCspMetaTags = ${SKIPPED_FOR_ISLANDS} (this.shouldInjectCspMetaTags`);
    expect(patched!.length - source.length).toBe(SKIPPED_FOR_ISLANDS.length + 3);
    // Decided elsewhere, or twice: the patch no longer knows what it changes.
    expect(skipPolicyInSource(source.replace('const shouldInjectCspMetaTags = this.', 'const inject = this.'))).toBeUndefined();
    const decided = /const shouldInjectCspMetaTags = [^\n]*\n/.exec(source)![0];
    expect(skipPolicyInSource(source + decided)).toBeUndefined();
  });

  it('names the route Astro gives its islands', () => {
    // Were it renamed, islands would quietly get their policy worked out again.
    expect(astroModule('core/server-islands/endpoint.js')).toContain(`const SERVER_ISLAND_ROUTE = ${JSON.stringify(ISLAND_ROUTE)};`);
  });

  it('is built into the server (global setup builds it), not into the client files', () => {
    expect(holdsText(join(root, 'dist/server'), SKIPPED_FOR_ISLANDS)).toBe(true);
    expect(holdsText(join(root, 'dist/client'), SKIPPED_FOR_ISLANDS)).toBe(false);
  });
});
