import type { DB } from '../db/index.ts';
import type { ChangeActor } from './tables.ts';

/**
 * The history of changes to a user's data: which field, when, and who changed it — never
 * the old (or new) value, so the history itself holds nothing more than the profile does.
 */
export const DATA_FIELDS = {
  display_name: 'Display name',
  full_name: 'Full name',
  company: 'Company',
  job_title: 'Job title',
  phone: 'Phone number',
  email: 'Email address',
  password: 'Password',
} as const;
export type DataField = keyof typeof DATA_FIELDS;

export function isDataField(value: string): value is DataField {
  return Object.hasOwn(DATA_FIELDS, value);
}

export async function recordChanges(
  db: DB,
  userId: number,
  fields: readonly DataField[],
  actor: ChangeActor,
  now = new Date(),
): Promise<void> {
  if (fields.length === 0) return;
  const at = now.toISOString();
  await db
    .insertInto('data_change')
    .values(fields.map((field) => ({ user_id: userId, field, changed_at: at, actor })))
    .execute();
}

export interface DataChange {
  field: string;
  /** What the page shows for the field. */
  label: string;
  changedAt: string;
  actor: ChangeActor;
}

/** The user's history, newest first. */
export async function listChanges(db: DB, userId: number, limit = 200): Promise<DataChange[]> {
  const rows = await db
    .selectFrom('data_change')
    .select(['field', 'changed_at', 'actor'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    field: r.field,
    label: isDataField(r.field) ? DATA_FIELDS[r.field] : r.field,
    changedAt: r.changed_at,
    actor: r.actor,
  }));
}

export async function countChanges(db: DB, userId: number): Promise<number> {
  const row = await db
    .selectFrom('data_change')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
