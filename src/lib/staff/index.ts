/**
 * The staff area's domain: support tools on accounts (masked, audited), deletion requests
 * received by email, role administration, and who may do what. No Astro here.
 */
export * from './deletion-requests.ts';
export * from './lookup.ts';
export * from './masking.ts';
export * from './permissions.ts';
export * from './reasons.ts';
export * from './roles.ts';
export * from './sections.ts';
export * from './tables.ts';
