/**
 * The privacy policy capability: versions, what is in effect when, the editors' checks,
 * the diff, the database record and the request-time choice of page. No Astro here.
 */
export * from './dates.ts';
export * from './versions.ts';
export * from './lock.ts';
export * from './files.ts';
export * from './published.ts';
export * from './check.ts';
export * from './diff.ts';
export * from './sync.ts';
export * from './urls.ts';
export * from './index-json.ts';
export * from './request-time.ts';
export type { PolicyVersionTable } from './table.ts';
