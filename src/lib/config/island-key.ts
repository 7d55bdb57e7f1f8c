import { createHash } from 'node:crypto';

/**
 * The key of the server islands (`ASTRO_KEY`), checked at start (docs/decisions/0022).
 *
 * Astro encrypts the props of every server island into the page that defers it, with a key it
 * writes into the build: the `ASTRO_KEY` given to `astro build`, or a random one. Several app
 * servers behind one nginx are one site only when every page (prerendered, served by nginx, or
 * rendered by any server) was encrypted with the key every server decrypts with: the same
 * `ASTRO_KEY` for the build and every server. Astro reads the key at build time only, so the
 * build records a fingerprint of it (`dist/.astro-key`, src/cli/build.ts) and each server
 * compares its own `ASTRO_KEY` with that record before it answers anything.
 */

/** Where the build records which key it was made with (relative to `dist/`, never served). */
export const BUILT_KEY_RECORD = '.astro-key';
/** What the record says for a build made without ASTRO_KEY (a random key of its own). */
export const NO_KEY = 'none';

/** A one-way fingerprint of a key: enough to tell keys apart, nothing to recover one from. */
export function keyFingerprint(key: string | undefined): string {
  if (!key) return NO_KEY;
  return `sha256:${createHash('sha256').update(key.trim()).digest('hex').slice(0, 32)}`;
}

/** Why `key` cannot be an AES key as `astro create-key` makes them (base64 of 16, 24 or 32 bytes); null when it can. */
export function islandKeyProblem(key: string): string | null {
  const trimmed = key.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return 'must be base64, as `npx astro create-key` prints it';
  const bytes = Buffer.from(trimmed, 'base64').length;
  if (![16, 24, 32].includes(bytes))
    return `must be a key of 16, 24 or 32 bytes (this one has ${bytes}); make one with \`npx astro create-key\``;
  return null;
}

export interface IslandKeyFacts {
  /** ASTRO_KEY of this process. */
  astroKey: string | undefined;
  /** Whether the database is one several app servers may share (DATABASE_URL is set). */
  sharedDatabase: boolean;
  /** The build's record (`dist/.astro-key`); undefined when the build has none. */
  builtWith: string | undefined;
}

/** The problem with the island key of a server about to start, as a message for the operator; null when there is none. */
export function islandKeyError({ astroKey, sharedDatabase, builtWith }: IslandKeyFacts): string | null {
  if (astroKey) {
    const problem = islandKeyProblem(astroKey);
    if (problem) return `ASTRO_KEY ${problem}`;
    if (builtWith === undefined || builtWith === NO_KEY)
      return 'ASTRO_KEY is set but the build was made without it, so pages carry islands encrypted with a key of their own: build again with the same ASTRO_KEY (`npm run build`)';
    if (builtWith !== keyFingerprint(astroKey))
      return 'ASTRO_KEY is not the key the build was made with: build and run every app server with the same ASTRO_KEY (`npm run build`)';
    return null;
  }
  if (sharedDatabase)
    return 'ASTRO_KEY must be set when DATABASE_URL is: the app servers sharing the database must decrypt each other’s server islands. Make a key with `npx astro create-key` and give the same ASTRO_KEY to `npm run build` and to every app server';
  return null;
}
