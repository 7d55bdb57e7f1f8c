import { recordAudit, type AuditActor } from '../audit/log.ts';
import type { DB } from '../db/index.ts';
import { isCalendarDate } from '../policy/dates.ts';
import type { Selectable } from 'kysely';
import type { RecipientChangeKind, RecipientKind, RecipientTable } from './tables.ts';

/**
 * The public register of recipients (/privacy/recipients): every processor and third party
 * that receives personal data, with what it receives, why and since when. Admins keep it;
 * every change is audited (who) and logged publicly in `recipient_change` (what), which the
 * Atom feed lists. A removed recipient stays in the table (the feed and past disclosures name
 * it) but leaves the register.
 */

export const RECIPIENT_KINDS = ['processor', 'third-party'] as const satisfies readonly RecipientKind[];

export const KIND_LABELS: Record<RecipientKind, string> = {
  processor: 'Processor (acts only on our behalf)',
  'third-party': 'Third party (the sharing opt-out applies)',
};

export interface RecipientValues {
  name: string;
  country: string;
  dataReceived: string;
  purpose: string;
  kind: RecipientKind;
  since: string;
}

export interface Recipient extends RecipientValues {
  id: number;
  addedAt: number;
  updatedAt: number;
  removedAt: number | null;
}

export type RecipientField = keyof RecipientValues;

const LIMITS: Record<Exclude<RecipientField, 'kind' | 'since'>, [number, string]> = {
  name: [120, 'Enter the name of the recipient.'],
  country: [80, 'Enter the country where it processes the data.'],
  dataReceived: [500, 'Say what data it receives.'],
  purpose: [500, 'Say what it receives the data for.'],
};

export type RecipientCheck = { ok: true; value: RecipientValues } | { ok: false; errors: Partial<Record<RecipientField, string>> };

/** Checks what an admin typed; each problem is named for its field. */
export function checkRecipientForm(input: Partial<Record<RecipientField, string | null | undefined>>): RecipientCheck {
  const errors: Partial<Record<RecipientField, string>> = {};
  const value: Partial<RecipientValues> = {};
  for (const [field, [max, missing]] of Object.entries(LIMITS) as [keyof typeof LIMITS, [number, string]][]) {
    const text = (input[field] ?? '').trim().replace(/\s+/g, ' ');
    if (!text) errors[field] = missing;
    else if ([...text].length > max) errors[field] = `At most ${max} characters.`;
    else value[field] = text;
  }
  const kind = input.kind ?? '';
  if ((RECIPIENT_KINDS as readonly string[]).includes(kind)) value.kind = kind as RecipientKind;
  else errors.kind = 'Choose whether it is a processor or a third party.';
  const since = (input.since ?? '').trim();
  if (isCalendarDate(since)) value.since = since;
  else errors.since = 'Enter the date it started receiving data, like 2026-01-31.';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: value as RecipientValues };
}

/** A stored row, as the table declares it (tables.ts). */
type RecipientRow = Selectable<RecipientTable>;

function fromRow(r: RecipientRow): Recipient {
  return {
    id: r.id,
    name: r.name,
    country: r.country,
    dataReceived: r.data_received,
    purpose: r.purpose,
    kind: r.kind,
    since: r.since,
    addedAt: Number(r.added_at),
    updatedAt: Number(r.updated_at),
    removedAt: r.removed_at === null ? null : Number(r.removed_at),
  };
}

/** The register: current recipients by kind then name (with `removed`, former ones too). */
export async function listRecipients(db: DB, { removed = false } = {}): Promise<Recipient[]> {
  let query = db.selectFrom('recipient').selectAll().orderBy('kind').orderBy('name').orderBy('id');
  if (!removed) query = query.where('removed_at', 'is', null);
  return (await query.execute()).map(fromRow);
}

export async function getRecipient(db: DB, id: number): Promise<Recipient | undefined> {
  const row = await db.selectFrom('recipient').selectAll().where('id', '=', id).executeTakeFirst();
  return row && fromRow(row);
}

/** The register's date: when it last changed (undefined: never). */
export async function registerUpdatedAt(db: DB): Promise<number | undefined> {
  const row = await db
    .selectFrom('recipient_change')
    .select((eb) => eb.fn.max('at').as('at'))
    .executeTakeFirst();
  return row?.at == null ? undefined : Number(row.at);
}

const describe = (v: RecipientValues) =>
  `${v.name} (${v.country}), ${v.kind === 'processor' ? 'a processor' : 'a third party'} since ${v.since}, receives ${v.dataReceived} for ${v.purpose}`;

const LABELS: Record<RecipientField, string> = {
  name: 'name',
  country: 'country',
  dataReceived: 'data received',
  purpose: 'purpose',
  kind: 'kind',
  since: 'since',
};

export async function addRecipient(db: DB, actor: AuditActor, values: RecipientValues, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const at = now.getTime();
    const { id } = await trx
      .insertInto('recipient')
      .values({
        name: values.name,
        country: values.country,
        data_received: values.dataReceived,
        purpose: values.purpose,
        kind: values.kind,
        since: values.since,
        added_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await logChange(trx, id, 'added', `Added: ${describe(values)}.`, at);
    await recordAudit(trx, { action: 'recipient.add', actor, subjectUserId: null, reason: values.name, at: now });
    return id;
  });
}

export type RecipientOutcome = { ok: true; changed: boolean } | { ok: false; problem: 'not-found' };

export async function editRecipient(
  db: DB,
  actor: AuditActor,
  id: number,
  values: RecipientValues,
  now = new Date(),
): Promise<RecipientOutcome> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('recipient').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
    if (!before) return { ok: false, problem: 'not-found' };
    const old = fromRow(before);
    const changed = (Object.keys(LABELS) as RecipientField[]).filter((f) => old[f] !== values[f]);
    if (changed.length === 0) return { ok: true, changed: false };
    const at = now.getTime();
    await trx
      .updateTable('recipient')
      .set({
        name: values.name,
        country: values.country,
        data_received: values.dataReceived,
        purpose: values.purpose,
        kind: values.kind,
        since: values.since,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
    const what = changed.map((f) => `${LABELS[f]} “${old[f]}” → “${values[f]}”`).join('; ');
    await logChange(trx, id, 'edited', `Changed ${old.name}: ${what}.`, at);
    await recordAudit(trx, { action: 'recipient.edit', actor, subjectUserId: null, reason: values.name, at: now });
    return { ok: true, changed: true };
  });
}

export async function removeRecipient(db: DB, actor: AuditActor, id: number, now = new Date()): Promise<RecipientOutcome> {
  return db.transaction().execute(async (trx) => {
    const at = now.getTime();
    const removed = await trx
      .updateTable('recipient')
      .set({ removed_at: at, updated_at: at })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .returning(['name'])
      .executeTakeFirst();
    if (!removed) return { ok: false, problem: 'not-found' };
    await logChange(trx, id, 'removed', `Removed: ${removed.name} no longer receives personal data.`, at);
    await recordAudit(trx, { action: 'recipient.remove', actor, subjectUserId: null, reason: removed.name, at: now });
    return { ok: true, changed: true };
  });
}

async function logChange(trx: DB, recipientId: number, change: RecipientChangeKind, summary: string, at: number): Promise<void> {
  await trx
    .insertInto('recipient_change')
    .values({ recipient_id: recipientId, at, change, summary: summary.slice(0, 2000) })
    .execute();
}

export interface RecipientChange {
  id: number;
  recipientId: number;
  at: number;
  change: RecipientChangeKind;
  summary: string;
}

/** The newest changes first, for the feed (at most `limit`). */
export async function recipientChanges(db: DB, limit = 50): Promise<RecipientChange[]> {
  const rows = await db.selectFrom('recipient_change').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, recipientId: r.recipient_id, at: Number(r.at), change: r.change, summary: r.summary }));
}
