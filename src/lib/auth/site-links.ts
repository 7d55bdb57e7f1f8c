/** Links in emails and tool output: always on the public origin. */

/** Builds an absolute link on the public origin (never on the request's Host header). */
export function siteLink(siteUrl: URL, path: string, params: Record<string, string> = {}): string {
  const url = new URL(path, siteUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}
