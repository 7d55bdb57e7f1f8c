import { PERSONAL_DATA, type RegistryEntry } from './registry.ts';

/**
 * The public data inventory (/privacy/data): for every table of the personal-data registry,
 * why we keep it and who can see it, in the reader's words. What it is, each column, how long
 * it is kept and whether it is exported and erased come from the registry itself, so the page
 * cannot drift from what export and erasure do. tests/unit/data-inventory.test.ts fails when a
 * table of the registry has no entry here, or a column of personal data no public description.
 */
export const INVENTORY_PATH = '/privacy/data';

export interface InventoryFacts {
  why: string;
  seenBy: string;
}

const SUPPORT_MASKED = 'You; our support staff and admins, masked unless they reveal it with a reason (audited).';
const STAFF_ONLY = 'You and our staff; never anyone outside CustomerTrackr.';
const NOBODY = 'Nobody reads it: only the website uses it, automatically.';

export const INVENTORY: Readonly<Record<string, InventoryFacts>> = {
  user: { why: 'To let you sign in, and to write to you about your account.', seenBy: SUPPORT_MASKED },
  account_profile: { why: 'Only because you chose to fill it in, to personalise your account.', seenBy: SUPPORT_MASKED },
  user_role: { why: 'To give CustomerTrackr employees the tools their job needs, and no more.', seenBy: 'You and our admins.' },
  session: {
    why: 'To keep you signed in, and to let you sign out other browsers.',
    seenBy: 'You; support sees how many sessions you have.',
  },
  email_token: { why: 'To prove that you hold an address before acting on it.', seenBy: NOBODY },
  policy_agreement: { why: 'To show which version of the privacy policy applied to you, and when you agreed.', seenBy: STAFF_ONLY },
  sharing_choice: { why: 'To honour your choice about sharing, and to prove that we did.', seenBy: STAFF_ONLY },
  data_change: { why: 'So that you can see when your data changed and who changed it.', seenBy: STAFF_ONLY },
  announcement: { why: 'To keep the record of the website’s announcements (staff accounts only).', seenBy: 'Our editors and admins.' },
  policy_announcement: { why: 'To keep the record of the policy announcements (staff accounts only).', seenBy: 'Our editors and admins.' },
  announcement_change: {
    why: 'To keep the record of who changed an announcement (staff accounts only).',
    seenBy: 'Our editors and admins.',
  },
  deletion_request: {
    why: 'To carry out a request to delete your account that you sent by email.',
    seenBy: 'You, our support staff and admins.',
  },
  audit_log: {
    why: 'So that every access by our staff to your data can be checked, by you too.',
    seenBy: 'You (without the staff member’s name) and our admins.',
  },
  purpose_notice: {
    why: 'To tell you before a new purpose starts, and to honour your refusal.',
    seenBy: 'You and our admins (as counts).',
  },
  disclosure: {
    why: 'So that you can see everything about you that left CustomerTrackr, and why.',
    seenBy: 'You and our admins; the recipient named in it saw the data it lists.',
  },
  staff_acknowledgement: {
    why: 'To show that our staff read the current handbook and policy (staff accounts only).',
    seenBy: 'You and our admins.',
  },
  rate_limit: { why: 'To slow down password guessing and floods of messages.', seenBy: NOBODY },
  password_reset_request: { why: 'To send a password reset link without making you wait.', seenBy: NOBODY },
  mail_outbox: {
    why: 'To deliver the messages we send you even when the mail server is briefly unavailable.',
    seenBy: 'Nobody reads it; our mail delivery service (a processor, see /privacy/recipients) receives each message.',
  },
};

export interface InventoryColumn {
  name: string;
  description: string;
  exported: boolean;
}

export interface InventoryItem {
  table: string;
  what: string;
  why: string;
  seenBy: string;
  kept: string;
  erased: string;
  columns: InventoryColumn[];
}

const ERASED: Record<RegistryEntry['erase'], string> = {
  'delete-rows': 'Erased with your account.',
  unlink: 'Your account number is removed from it when your account is erased; the record stays without saying whose it was.',
  'rate-limit-keys': 'Erased with your account.',
  'by-address': 'Erased with your account.',
  keep: 'Kept when your account is erased (see why below); it holds only the account number.',
};

/** The inventory, in the registry's order. Throws when a table has no facts (the test says which). */
export function dataInventory(): InventoryItem[] {
  return PERSONAL_DATA.map((e) => {
    const facts = INVENTORY[e.table];
    if (!facts) throw new Error(`the data inventory has no entry for table ${e.table} (src/lib/accounts/inventory.ts)`);
    return {
      table: e.table,
      what: e.description,
      why: facts.why,
      seenBy: facts.seenBy,
      kept: e.retention.rule,
      erased: e.erase === 'keep' && e.kept ? `${ERASED.keep} ${e.kept}` : ERASED[e.erase],
      columns: Object.entries(e.columns).map(([name, rule]) => ({
        name,
        description: 'export' in rule ? rule.export : rule.exclude,
        exported: 'export' in rule,
      })),
    };
  });
}
