/** Accounts and sessions: registration, sign-in, passwords, emailed links, roles. No Astro here. */
export * from './accounts.ts';
export * from './email-tokens.ts';
export * from './passwords.ts';
export * from './reset-queue.ts';
export * from './retention.ts';
export * from './roles.ts';
export * from './sessions.ts';
export * from './tables.ts';
export * from './user-records.ts';
export { parseToken } from './tokens.ts';
