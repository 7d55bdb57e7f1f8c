/**
 * Small helpers for on-demand pages that render their own form results.
 */

/**
 * What was typed into a submitted form, so a page that shows errors can keep it. Only the
 * named fields are returned (never pass password fields here: they are not echoed back).
 */
export async function submittedValues<K extends string>(request: Request, names: readonly K[]): Promise<Partial<Record<K, string>>> {
  if (request.method !== 'POST') return {};
  try {
    const data = await request.clone().formData();
    const values: Partial<Record<K, string>> = {};
    for (const name of names) {
      const value = data.get(name);
      if (typeof value === 'string') values[name] = value.slice(0, 2000);
    }
    return values;
  } catch {
    return {};
  }
}

/**
 * A same-site path to continue to after signing in, or undefined. Only plain absolute paths
 * are accepted: `//evil.example`, `/\evil.example` and full URLs would leave the site.
 * The path is returned percent-encoded (characters outside printable ASCII, and spaces), so
 * that it can always go into a `Location` header; `%` escapes already there are kept.
 */
export function safeNextPath(value: string | null | undefined): string | undefined {
  if (!value || value.length > 2000) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  if (/\p{Cc}/u.test(value) || !value.isWellFormed()) return undefined;
  return value.replace(/[^\x21-\x7e]+/g, (run) => encodeURIComponent(run));
}

/**
 * A row id as a form field or route parameter carries it: a positive whole number of at most
 * 12 digits (so it is always a safe integer), or undefined.
 */
export function parseId(value: string | null | undefined): number | undefined {
  return value && /^[1-9]\d{0,11}$/.test(value) ? Number(value) : undefined;
}

/** "5 minutes", "1 minute", "30 seconds": for telling people how long to wait. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
