/**
 * Counts formatted for the reader: the number in the reader's locale (from Accept-Language),
 * the words in English (the site's language).
 */
export const DEFAULT_LOCALE = 'en';

const negotiated = new Map<string, string>();
const formatters = new Map<string, Intl.NumberFormat>();
/**
 * Both caches are keyed by what clients send (any well-formed language tag, with extensions
 * and variants, is a distinct locale): they are emptied when full, so they stay this small.
 */
export const MAX_CACHED_LOCALES = 500;
export const MAX_CACHED_FORMATTERS = 64;

/** How many negotiated headers and number formatters are cached (for tests). */
export function localeCacheSizes(): { negotiated: number; formatters: number } {
  return { negotiated: negotiated.size, formatters: formatters.size };
}

/**
 * The first language of an `Accept-Language` header (by preference) that this runtime can
 * format numbers for; `en` when none. Results are remembered (a few hundred distinct headers
 * at most are kept).
 */
export function negotiateLocale(acceptLanguage: string | null | undefined): string {
  if (!acceptLanguage || acceptLanguage.length > 256) return DEFAULT_LOCALE;
  const known = negotiated.get(acceptLanguage);
  if (known) return known;
  const ranked = acceptLanguage
    .split(',')
    .slice(0, 12)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(entry.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  let locale = DEFAULT_LOCALE;
  for (const { tag } of ranked) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf([tag]);
      if (supported) {
        locale = supported;
        break;
      }
    } catch {
      // Not a valid language tag after all: try the next one.
    }
  }
  if (negotiated.size >= MAX_CACHED_LOCALES) negotiated.clear();
  negotiated.set(acceptLanguage, locale);
  return locale;
}

/** `1234` → "1,234" (en), "1.234" (de), "1 234" (fr)… */
export function formatCount(value: number, locale: string = DEFAULT_LOCALE): string {
  let formatter = formatters.get(locale);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    if (formatters.size >= MAX_CACHED_FORMATTERS) formatters.clear();
    formatters.set(locale, formatter);
  }
  return formatter.format(value);
}

/** "time"/"times", "visitor"/"visitors": English words for a count. */
export function plural(value: number, one: string, other: string): string {
  return value === 1 ? one : other;
}
