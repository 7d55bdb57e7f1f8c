import { isIP } from 'node:net';

/**
 * Which `Host` (or, behind a trusted proxy, `X-Forwarded-Host`) a request may name, and which
 * client address a trusted proxy's `X-Forwarded-For` gives. The project's server refuses any
 * other host before routing (src/server/server.ts), then hands Astro the site's own host, so
 * that the URL Astro builds can never name another page than the one the server routed.
 */

/** A `Host` value: a name or IPv4 address, or a bracketed IPv6 address, then an optional port. */
const HOST_SYNTAX =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export interface HostName {
  /** Lower case, without a trailing dot; IPv6 addresses in brackets and canonical form. */
  hostname: string;
  /** The port as written, or '' when none was given. */
  port: string;
}

/** Parses a `Host` header value; null when it is not one (`a@b`, a path, a bad port…). */
export function parseHost(value: string | undefined | null): HostName | null {
  if (!value || value.length > 300 || !HOST_SYNTAX.test(value)) return null;
  let url: URL;
  try {
    url = new URL(`http://${value}/`);
  } catch {
    return null;
  }
  const port = /:(\d{1,5})$/.exec(value)?.[1] ?? '';
  if (port !== '' && Number(port) > 65535) return null;
  return { hostname: url.hostname.replace(/\.$/, ''), port };
}

/** localhost, 127.0.0.0/8 and ::1 (URL form: `[::1]`). */
export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

/** A socket's remote address is the machine itself (IPv4, IPv6 or IPv4-mapped IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * A check of a `Host` value against the site's origin (`SITE_URL`). When the site itself is a
 * loopback origin (the default `http://localhost:4321`), every loopback name and port is the
 * site's host: the server answers at 127.0.0.1 and localhost alike, on whatever port it was
 * given. Otherwise the host name must be the site's, with its port (or none, for the
 * scheme's default port).
 */
export function siteHostMatcher(siteUrl: URL): (host: string | undefined | null) => boolean {
  const site = parseHost(siteUrl.host)!;
  const loopbackSite = isLoopbackHostname(site.hostname);
  const defaultPort = siteUrl.protocol === 'https:' ? '443' : '80';
  const sitePort = siteUrl.port || defaultPort;
  return (host) => {
    const parsed = parseHost(host);
    if (!parsed) return false;
    if (loopbackSite) return isLoopbackHostname(parsed.hostname);
    return parsed.hostname === site.hostname && (parsed.port || defaultPort) === sitePort;
  };
}

/**
 * The client address a trusted proxy's `X-Forwarded-For` gives: its first entry, only when it
 * is an IP address; undefined otherwise (then the socket's address is the client's).
 */
export function forwardedClientAddress(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const first = header.split(',', 1)[0]!.trim();
  return isIP(first) ? first : undefined;
}
