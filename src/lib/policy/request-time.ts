import { effectiveInstant, isCalendarDate, type CalendarDate } from './dates.ts';
import { upcomingAt } from './versions.ts';
import { AS_OF_MANIFEST_PATH, AS_OF_ROOT, asOfPrefix, POLICY_PATH } from './urls.ts';

/**
 * The policy pages stay right when a scheduled version takes effect and nobody rebuilds
 * (docs/decisions/0002-policy-in-effect-at-request-time.md).
 *
 * The build prerenders every /privacy page twice or more: once as of the build (at its
 * usual URL) and once as of each upcoming effective date, under /privacy/as-of/<date>/….
 * It also writes a manifest of those dates. At request time the server asks
 * `resolvePath(path, now)` which prerendered file answers `path`: the one for the latest
 * effective date that has come, else the usual one. The /privacy/as-of/… URLs themselves
 * are never served (404), so nobody reads a version "in effect" before its date.
 */

export interface AsOfManifest {
  /** When the pages at the usual URLs were rendered. */
  builtAt: string;
  /** One set of pages per version that was upcoming at build time, soonest first. */
  variants: { from: CalendarDate; prefix: string }[];
}

/** The manifest for a build at `builtAt` (only upcoming versions need pages of their own). */
export function buildAsOfManifest(versions: readonly { effective: CalendarDate }[], builtAt: Date): AsOfManifest {
  return {
    builtAt: builtAt.toISOString(),
    variants: upcomingAt(versions, builtAt).map((v) => ({ from: v.effective, prefix: asOfPrefix(v.effective) })),
  };
}

export function parseAsOfManifest(json: string): AsOfManifest {
  const raw = JSON.parse(json) as { builtAt?: unknown; variants?: unknown };
  if (typeof raw.builtAt !== 'string' || !Array.isArray(raw.variants)) throw new Error('as-of manifest: malformed');
  const variants = raw.variants.map((v: unknown) => {
    const { from, prefix } = (v ?? {}) as { from?: unknown; prefix?: unknown };
    if (!isCalendarDate(from) || typeof prefix !== 'string' || !prefix.startsWith(`${AS_OF_ROOT}/`)) {
      throw new Error('as-of manifest: malformed variant');
    }
    return { from, prefix };
  });
  return { builtAt: raw.builtAt, variants: variants.sort((a, b) => (a.from < b.from ? -1 : 1)) };
}

/**
 * Maps a request path to the path of the prerendered file that answers it at `now`;
 * `null` means "no file: answer 404" (for the internal /privacy/as-of/… pages).
 */
export type PathResolver = (path: string, now: Date) => string | null;

const isUnder = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

export function createPolicyPathResolver(manifest: AsOfManifest, exists: (path: string) => boolean): PathResolver {
  const variants = [...manifest.variants].map((v) => ({ ...v, at: effectiveInstant(v.from).getTime() })).sort((a, b) => a.at - b.at);
  return (path, now) => {
    if (isUnder(path, AS_OF_ROOT)) return null;
    if (!isUnder(path, POLICY_PATH)) return path;
    const t = now.getTime();
    let variant: (typeof variants)[number] | undefined;
    for (const v of variants) if (v.at <= t) variant = v;
    if (!variant) return path;
    const candidate = variant.prefix + path.slice(POLICY_PATH.length);
    return exists(candidate) ? candidate : path;
  };
}

/**
 * The resolver for a set of built files, as `loadStaticFiles` returns them (keyed by URL
 * path). Without a manifest (a build with no policy) it changes nothing but still hides
 * the internal prefix.
 */
export function policyPathResolver(files: ReadonlyMap<string, { body: Uint8Array }>): PathResolver {
  const manifestFile = files.get(AS_OF_MANIFEST_PATH);
  const manifest: AsOfManifest = manifestFile
    ? parseAsOfManifest(Buffer.from(manifestFile.body).toString('utf8'))
    : { builtAt: new Date(0).toISOString(), variants: [] };
  return createPolicyPathResolver(manifest, (path) => files.has(path));
}
