/**
 * Headers every response carries, static or rendered on demand.
 *
 * Script and style sources are governed by the per-page policy Astro generates
 * (`security.csp`, with hashes of each page's scripts); this second policy adds what a
 * `<meta>` policy cannot express. Browsers enforce both, so the stricter rule always wins.
 */
export function securityHeaders(siteUrl: URL): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
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
