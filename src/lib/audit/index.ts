/** The append-only audit log of staff access to personal data. No Astro here. */
export * from './actions.ts';
export * from './csv.ts';
export * from './log.ts';
export * from './query.ts';
export * from './tables.ts';
