import { createHash } from 'node:crypto';
import { SIGNED_IN_HINT } from '../../lib/auth/sessions.ts';

/**
 * The one script in every page's <head>, run before the first paint: it marks <html> with
 * `signed-in` when the signed-in hint cookie is present (no identifier in it, only "this
 * browser has a session"), so that CSS shows the header's signed-in placeholder instead of
 * "Sign in / Create account" from the first frame. The name arrives with the sign-in island.
 * See docs/decisions/0019-header-state-at-first-paint.md.
 */
export const FIRST_PAINT_SCRIPT = `document.cookie.split('; ').includes('${SIGNED_IN_HINT.name}=${SIGNED_IN_HINT.value}')&&document.documentElement.classList.add('signed-in')`;

/** Its CSP hash: inline scripts Astro does not process are allowed by hash (Base.astro adds it). */
export const FIRST_PAINT_SCRIPT_HASH = `sha256-${createHash('sha256').update(FIRST_PAINT_SCRIPT).digest('base64')}` as const;
