/**
 * What a `<meta>` policy cannot express, sent with every response but a server island's
 * rendered answer: Astro's per-page policy (`security.csp`, with hashes of each page's scripts
 * and styles) governs script and style sources, this one framing, `<base>`, form targets and
 * plugins.
 */
export const SITE_POLICY = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/**
 * The policy of a server island's answer. Its HTML is inserted into a page by Astro's script and
 * runs under that page's policy; opened by itself, it may load and run nothing.
 */
export const FRAGMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers every response carries, static or rendered on demand. */
export function securityHeaders(siteUrl: URL): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': SITE_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (siteUrl.protocol === 'https:') {
    headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  }
  return headers;
}

/**
 * The Content-Security-Policy header of a response rendered on demand, given whether it is a
 * server island's rendered answer and the policy Astro set.
 *
 * Astro's header replaces the one src/server sets, so a page rendered on demand would lose
 * SITE_POLICY (and could be framed): both are sent, as one header holding two policies, each of
 * which browsers enforce. A server island's answer gets FRAGMENT_POLICY: a page's policy would
 * be ten times the size of the fragment and govern nothing there, so the build stops Astro from
 * working one out for islands at all (src/integrations/island-page-policy).
 */
export function renderedPolicy(island: boolean, astroPolicy: string | null): string {
  if (island) return FRAGMENT_POLICY;
  return astroPolicy ? `${astroPolicy}, ${SITE_POLICY}` : SITE_POLICY;
}

export const isServerIsland = (pathname: string) => pathname.startsWith('/_server-islands/');
