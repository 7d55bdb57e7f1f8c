/**
 * Announcement banners: editors' announcements with an audience and a schedule, the
 * automatic announcement of each new policy version, readers' dismissals, and the record
 * of who changed what. No Astro here.
 */
export * from './banners.ts';
export * from './dismissed.ts';
export * from './policy.ts';
export * from './rules.ts';
export * from './schedule.ts';
export * from './sources.ts';
export * from './store.ts';
export * from './tables.ts';
