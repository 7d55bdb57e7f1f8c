// @ts-check
import { satteri } from '@astrojs/markdown-satteri';
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';
import { islandDecryptCache } from './src/integrations/island-decrypt-cache/index.ts';
import { islandPagePolicy } from './src/integrations/island-page-policy/index.ts';
import { MAX_BODY_BYTES } from './src/lib/config/limits.ts';

const site = new URL(process.env.SITE_URL || 'http://localhost:4321');

export default defineConfig({
  // Absolute links in prerendered pages (canonical URLs, the policy feed) use the public origin.
  site: site.origin,
  output: 'static',
  // Middleware mode: the project's own server (src/server) serves the built files and
  // hands everything else to Astro.
  // The server refuses larger bodies before Astro sees them (src/lib/config/limits.ts); the
  // adapter's own limit matches, instead of its default of 1 GB.
  adapter: node({ mode: 'middleware', bodySizeLimit: MAX_BODY_BYTES }),
  // This site keeps its own sessions in SQLite (src/lib/auth), not Astro's session store.
  session: false,
  trailingSlash: 'ignore',
  security: {
    // src/middleware.ts refuses cross-site requests itself, for every method and content
    // type and against SITE_URL (so it also works behind a TLS proxy); see
    // docs/decisions/0003-one-origin-check.md.
    checkOrigin: false,
    // Behind a TLS proxy, trust its X-Forwarded-Host/Proto/For only for the public host, so
    // that Astro.url and the client address (rate limits) are the real ones.
    allowedDomains: [{ hostname: site.hostname, protocol: site.protocol.replace(':', '') }],
    csp: true,
  },
  // The policy and other Markdown hold no code; Shiki's inline styles would also break the CSP.
  markdown: {
    syntaxHighlight: false,
    // No smart punctuation: a policy version is published word for word, quotes included.
    processor: satteri({ features: { smartPunctuation: false } }),
  },
  // No images are transformed at run time: the endpoint Astro adds for that answers 404
  // (src/lib/http/no-image-endpoint.ts).
  image: { endpoint: { route: '/_image', entrypoint: './src/lib/http/no-image-endpoint.ts' } },
  devToolbar: { enabled: false },
  // The built server remembers recent island decryptions (docs/decisions/0030-island-decrypt-cache.md)
  // and works out no page policy for an island's answer (0031-no-page-policy-for-islands.md).
  integrations: [islandDecryptCache(), islandPagePolicy()],
});
