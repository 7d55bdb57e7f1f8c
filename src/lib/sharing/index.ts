/**
 * Sharing: the public register of recipients, purposes with notice before they start, shares
 * that leave out everyone who refused, and the disclosure record each user sees. No Astro here.
 */
export * from './fields.ts';
export * from './notices.ts';
export * from './purposes.ts';
export * from './recipients.ts';
export * from './shares.ts';
export * from './tables.ts';
export * from './permissions.ts';
export * from './disclosures.ts';
export * from './staff-currency.ts';
