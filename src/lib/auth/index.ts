/** Accounts and sessions: registration, sign-in, passwords, emailed links, roles. No Astro here. */
export * from './email-address.ts';
export * from './email-tokens.ts';
export * from './email-verification.ts';
export * from './operator-accounts.ts';
export * from './passwords.ts';
export * from './registration.ts';
export * from './reset-queue.ts';
export * from './retention.ts';
export * from './role-grants.ts';
export * from './roles.ts';
export * from './sessions.ts';
export * from './set-password.ts';
export * from './sign-in.ts';
export * from './site-links.ts';
export * from './tables.ts';
export * from './user-records.ts';
export { parseToken } from './tokens.ts';
