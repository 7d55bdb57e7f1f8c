import { setDisplayName } from '../auth/user-records.ts';
import type { DB } from '../db/index.ts';
import { recordChanges, type DataField } from './history.ts';

/**
 * The profile: the display name (on `user`, shared with the header) and the optional fields
 * a CRM vendor keeps about its customers' staff (in `account_profile`). All optional: an
 * empty value removes what was stored.
 */
export const PROFILE_FIELDS = ['display_name', 'full_name', 'company', 'job_title', 'phone'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type ProfileValues = Record<ProfileField, string | null>;

export interface FieldRule {
  label: string;
  /** Shown next to the field: the limits, stated up front. */
  hint: string;
  /** Most characters (Unicode code points) accepted. */
  maxLength: number;
  autocomplete: string;
  inputType: 'text' | 'tel';
}

export const FIELD_RULES: Record<ProfileField, FieldRule> = {
  display_name: {
    label: 'Display name',
    hint: 'Shown in the site header when you are signed in. Up to 60 characters.',
    maxLength: 60,
    autocomplete: 'nickname',
    inputType: 'text',
  },
  full_name: { label: 'Full name', hint: 'Up to 120 characters.', maxLength: 120, autocomplete: 'name', inputType: 'text' },
  company: { label: 'Company', hint: 'Up to 120 characters.', maxLength: 120, autocomplete: 'organization', inputType: 'text' },
  job_title: { label: 'Job title', hint: 'Up to 120 characters.', maxLength: 120, autocomplete: 'organization-title', inputType: 'text' },
  phone: {
    label: 'Phone number',
    hint: 'Digits, spaces and + ( ) - . only, like +1 617 555 0100; an extension may follow as “x 123”. 5 to 15 digits.',
    maxLength: 40,
    autocomplete: 'tel',
    inputType: 'tel',
  },
};

export type FieldVerdict = { ok: true; value: string | null } | { ok: false; message: string };

// Control characters, line and paragraph separators, private-use and unassigned code points,
// and invisible formatting characters (including the bidirectional overrides that can make
// text display differently from what it is) — except the zero-width joiner and non-joiner,
// which some scripts and emoji need.
const FORBIDDEN = /[\p{Cc}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]|(?![\u200c\u200d])\p{Cf}/u;
const PHONE_SHAPE = /^\+?[0-9 ().-]+(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$/i;

/** Checks and normalises one typed value: trimmed, NFC; empty means "remove" (null). */
export function checkProfileField(field: ProfileField, input: string): FieldVerdict {
  const rule = FIELD_RULES[field];
  const value = input.normalize('NFC').trim();
  if (value === '') return { ok: true, value: null };
  const length = [...value].length;
  if (length > rule.maxLength) return { ok: false, message: `Use at most ${rule.maxLength} characters (this has ${length}).` };
  if (FORBIDDEN.test(value))
    return { ok: false, message: 'Remove the invisible or control characters (line breaks, tabs, direction marks).' };
  if (field === 'phone') {
    if (!PHONE_SHAPE.test(value))
      return { ok: false, message: 'Use digits, spaces and + ( ) - . only (a leading + for the country code), like +1 617 555 0100.' };
    const main = value.replace(/\s*(?:x|ext\.?)\s*[0-9]+$/i, '');
    const digits = main.replace(/\D/g, '').length;
    if (digits < 5 || digits > 15) return { ok: false, message: `A phone number has 5 to 15 digits (this has ${digits}).` };
  }
  return { ok: true, value };
}

export interface Profile extends ProfileValues {
  email: string;
  emailVerifiedAt: string | null;
  createdAt: string;
  lastSignInAt: string | null;
}

export async function getProfile(db: DB, userId: number): Promise<Profile | undefined> {
  const row = await db
    .selectFrom('user')
    .leftJoin('account_profile', 'account_profile.user_id', 'user.id')
    .select([
      'user.email',
      'user.email_verified_at',
      'user.display_name',
      'user.created_at',
      'user.last_sign_in_at',
      'account_profile.full_name',
      'account_profile.company',
      'account_profile.job_title',
      'account_profile.phone',
    ])
    .where('user.id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    email: row.email,
    emailVerifiedAt: row.email_verified_at,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
    display_name: row.display_name,
    full_name: row.full_name ?? null,
    company: row.company ?? null,
    job_title: row.job_title ?? null,
    phone: row.phone ?? null,
  };
}

/**
 * Saves checked values (see checkProfileField; a field left out stays as it is) and records
 * one history entry per field that actually changed. Returns the changed fields (empty when
 * nothing changed).
 */
export async function updateProfile(db: DB, userId: number, update: Partial<ProfileValues>, now = new Date()): Promise<ProfileField[]> {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const current = await getProfile(trx, userId);
    if (!current) throw new Error('updateProfile: no such user');
    const values: ProfileValues = { ...current };
    for (const f of PROFILE_FIELDS) {
      const value = update[f];
      if (value !== undefined) values[f] = value;
    }
    const changed = PROFILE_FIELDS.filter((f) => current[f] !== values[f]);
    if (changed.length === 0) return [];
    if (changed.includes('display_name')) {
      await setDisplayName(trx, userId, values.display_name);
    }
    if (changed.some((f) => f !== 'display_name')) {
      const row = {
        full_name: values.full_name,
        company: values.company,
        job_title: values.job_title,
        phone: values.phone,
        updated_at: at,
      };
      await trx
        .insertInto('account_profile')
        .values({ user_id: userId, ...row })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
        .execute();
    }
    await recordChanges(trx, userId, changed satisfies DataField[], 'you', now);
    return changed;
  });
}
