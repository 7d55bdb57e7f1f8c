/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in user, or null (set by src/middleware.ts on every on-demand request). */
    user: import('./lib/auth/sessions.ts').SessionUser | null;
    session: import('./lib/auth/sessions.ts').Session | null;
    /** Set by an action refused by a rate limit: seconds until it may be tried again. */
    retryAfterSeconds?: number;
  }
}
