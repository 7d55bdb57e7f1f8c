/**
 * Cross-site request refusal (CSRF defence) for every state-changing request, whatever its
 * content type: JSON and beacons included, which Astro's own `checkOrigin` does not cover.
 *
 * A request may change state only when the browser says it comes from this site
 * (`Sec-Fetch-Site: same-origin`, sent by every current browser), or, for older browsers,
 * when its `Origin` is the public origin in SITE_URL. Requests carrying neither are refused:
 * safe by default, and scripts that call the site send an `Origin` header.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface OriginHeaders {
  origin?: string | null | undefined;
  secFetchSite?: string | null | undefined;
}

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

export function isAllowedOrigin(method: string, headers: OriginHeaders, siteUrl: URL): boolean {
  if (isSafeMethod(method)) return true;
  if (headers.secFetchSite) return headers.secFetchSite === 'same-origin';
  return headers.origin === siteUrl.origin;
}

export const CROSS_SITE_MESSAGE = 'This request came from another site, so it was refused. Please go back, reload the page and try again.';
