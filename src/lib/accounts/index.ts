/**
 * Profiles and data rights: see, correct, export and delete your data; sessions; the sharing
 * preference (with Global Privacy Control); policy acknowledgements. No Astro here.
 */
export * from './acknowledgements.ts';
export * from './credentials.ts';
export * from './deletion.ts';
export * from './emails.ts';
export * from './export.ts';
export * from './history.ts';
export * from './profile.ts';
export * from './registry.ts';
export * from './sessions.ts';
export * from './sharing.ts';
export * from './tables.ts';
export * from './inventory.ts';
