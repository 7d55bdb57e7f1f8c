import { account } from './account.ts';
import { announcements } from './announcements.ts';
import { auth } from './auth.ts';
import { sharing } from './sharing.ts';
import { staff } from './staff.ts';

/** Astro actions: every form of the site posts to one of these. */
export const server = { auth, account, announcements, staff, sharing };
