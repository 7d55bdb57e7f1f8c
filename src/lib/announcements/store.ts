import type { DB } from '../db/index.ts';
import type { CalendarDate } from '../policy/dates.ts';
import { announcementBanner, selectBanners, type Banner } from './banners.ts';
import { policyAnnouncements, type PolicyAnnouncement, type PolicyOverride } from './policy.ts';
import { formatInstant, type AnnouncementInput } from './rules.ts';
import { bannerSources } from './sources.ts';
import { statusAt, type Status } from './schedule.ts';
import type { Audience, ChangeAction, Level, Reader } from './tables.ts';

/**
 * Reading and changing announcements. Every change is one transaction that also appends
 * to `announcement_change` who made it, when, and what it set.
 */

export interface AnnouncementRecord {
  id: number;
  text: string;
  level: Level;
  audience: Audience;
  link: { url: string; text: string } | null;
  dismissible: boolean;
  startsAt: number;
  endsAt: number | null;
  revision: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  status: Status;
}

export interface ChangeRecord {
  at: string;
  /** The staff member's email address, or null once their account is deleted. */
  by: string | null;
  action: ChangeAction;
  details: Record<string, string | boolean | null>;
}

export interface PolicyAnnouncementRecord extends PolicyAnnouncement {
  updatedAt: string | null;
  updatedBy: string | null;
}

function iso(now: Date): string {
  return now.toISOString();
}

function sameMinute(a: number, b: number): boolean {
  return Math.floor(a / 60_000) === Math.floor(b / 60_000);
}

/** The columns an editor's form sets directly (the times are the caller's: an edit may keep them). */
function inputColumns(input: AnnouncementInput) {
  return {
    text: input.text,
    level: input.level,
    audience: input.audience,
    link_url: input.link?.url ?? null,
    link_text: input.link?.text ?? null,
    dismissible: input.dismissible,
  };
}

/** Appends to `announcement_change` who changed an announcement (or a policy announcement), when, and what it set. */
async function recordChange(
  trx: DB,
  about: { announcement_id: number } | { policy_effective_date: CalendarDate },
  actorId: number,
  action: ChangeAction,
  details: unknown,
  now: Date,
): Promise<void> {
  await trx
    .insertInto('announcement_change')
    .values({ ...about, at: iso(now), by_user_id: actorId, action, details: JSON.stringify(details) })
    .execute();
}

function announcementQuery(db: DB) {
  return db
    .selectFrom('announcement')
    .leftJoin('user as creator', 'creator.id', 'announcement.created_by')
    .leftJoin('user as updater', 'updater.id', 'announcement.updated_by')
    .selectAll('announcement')
    .select(['creator.email as created_by_email', 'updater.email as updated_by_email']);
}

type AnnouncementRow = Awaited<ReturnType<ReturnType<typeof announcementQuery>['executeTakeFirstOrThrow']>>;

function toRecord(row: AnnouncementRow, now: Date): AnnouncementRecord {
  return {
    id: row.id,
    text: row.text,
    level: row.level,
    audience: row.audience,
    link: row.link_url !== null && row.link_text !== null ? { url: row.link_url, text: row.link_text } : null,
    dismissible: row.dismissible,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    revision: row.revision,
    createdAt: row.created_at,
    createdBy: row.created_by_email,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by_email,
    status: statusAt({ startsAt: row.starts_at, endsAt: row.ends_at }, now),
  };
}

/** How an announcement looks to a reader (for the editors' preview of one announcement). */
export function recordBanner(record: AnnouncementRecord): Banner {
  return announcementBanner({
    ...record,
    link_url: record.link?.url ?? null,
    link_text: record.link?.text ?? null,
    dismissible: record.dismissible,
    starts_at: record.startsAt,
    ends_at: record.endsAt,
  });
}

/** Every announcement, newest start first, with its status at `now`. */
export async function listAnnouncements(db: DB, now = new Date()): Promise<AnnouncementRecord[]> {
  const rows = await announcementQuery(db).orderBy('announcement.starts_at', 'desc').orderBy('announcement.id', 'desc').execute();
  return rows.map((row) => toRecord(row, now));
}

export async function getAnnouncement(db: DB, id: number, now = new Date()): Promise<AnnouncementRecord | undefined> {
  const row = await announcementQuery(db).where('announcement.id', '=', id).executeTakeFirst();
  return row && toRecord(row, now);
}

function describeInput(input: AnnouncementInput): Record<string, string | boolean | null> {
  return {
    text: input.text,
    level: input.level,
    audience: input.audience,
    link: input.link ? `${input.link.text} → ${input.link.url}` : null,
    dismissible: input.dismissible,
    starts: formatInstant(input.startsAt),
    ends: input.endsAt ? formatInstant(input.endsAt) : null,
  };
}

export async function createAnnouncement(db: DB, input: AnnouncementInput, actorId: number, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('announcement')
      .values({
        ...inputColumns(input),
        starts_at: input.startsAt.getTime(),
        ends_at: input.endsAt?.getTime() ?? null,
        revision: 1,
        created_at: iso(now),
        created_by: actorId,
        updated_at: iso(now),
        updated_by: actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordChange(trx, { announcement_id: id }, actorId, 'created', describeInput(input), now);
    return id;
  });
}

export type ChangeOutcome = { ok: true; changed: boolean } | { ok: false; problem: 'not-found' | 'conflict' | 'already-ended' };

/**
 * Saves an edit. `expectedUpdatedAt` is the `updatedAt` the editor's form was made from:
 * if someone else saved in between, nothing is written (`conflict`). Changing what readers
 * see (text, link, level) bumps the revision, so that readers who dismissed it see it again.
 */
export async function updateAnnouncement(
  db: DB,
  id: number,
  input: AnnouncementInput,
  actorId: number,
  expectedUpdatedAt: string,
  now = new Date(),
): Promise<ChangeOutcome> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('announcement').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return { ok: false, problem: 'not-found' } as const;
    if (row.updated_at !== expectedUpdatedAt) return { ok: false, problem: 'conflict' } as const;
    const before = describeInput({
      text: row.text,
      level: row.level,
      audience: row.audience,
      link: row.link_url !== null && row.link_text !== null ? { url: row.link_url, text: row.link_text } : null,
      dismissible: row.dismissible,
      startsAt: new Date(row.starts_at),
      endsAt: row.ends_at === null ? null : new Date(row.ends_at),
    });
    // The form shows times to the minute: a time left as it was keeps its exact stored value.
    const startsAt = sameMinute(row.starts_at, input.startsAt.getTime()) ? row.starts_at : input.startsAt.getTime();
    const endsAt =
      input.endsAt === null
        ? null
        : row.ends_at !== null && sameMinute(row.ends_at, input.endsAt.getTime())
          ? row.ends_at
          : input.endsAt.getTime();
    const after = describeInput({ ...input, startsAt: new Date(startsAt), endsAt: endsAt === null ? null : new Date(endsAt) });
    const changed = Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
    if (row.starts_at !== startsAt) changed.starts = after.starts ?? null;
    if (row.ends_at !== endsAt) changed.ends = after.ends ?? null;
    if (Object.keys(changed).length === 0) return { ok: true, changed: false } as const;
    const visible = 'text' in changed || 'link' in changed || 'level' in changed;
    await trx
      .updateTable('announcement')
      .set({
        ...inputColumns(input),
        starts_at: startsAt,
        ends_at: endsAt,
        revision: visible ? row.revision + 1 : row.revision,
        updated_at: iso(now),
        updated_by: actorId,
      })
      .where('id', '=', id)
      .execute();
    await recordChange(trx, { announcement_id: id }, actorId, 'edited', changed, now);
    return { ok: true, changed: true } as const;
  });
}

/** Ends an announcement now (a scheduled one then never shows). */
export async function endAnnouncement(db: DB, id: number, actorId: number, now = new Date()): Promise<ChangeOutcome> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('announcement').select(['starts_at', 'ends_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return { ok: false, problem: 'not-found' } as const;
    if (statusAt({ startsAt: row.starts_at, endsAt: row.ends_at }, now) === 'ended')
      return { ok: false, problem: 'already-ended' } as const;
    await trx
      .updateTable('announcement')
      .set({ ends_at: now.getTime(), updated_at: iso(now), updated_by: actorId })
      .where('id', '=', id)
      .execute();
    await recordChange(trx, { announcement_id: id }, actorId, 'ended', { ends: formatInstant(now) }, now);
    return { ok: true, changed: true } as const;
  });
}

function historyQuery(db: DB) {
  return db
    .selectFrom('announcement_change')
    .leftJoin('user', 'user.id', 'announcement_change.by_user_id')
    .select(['announcement_change.at', 'announcement_change.action', 'announcement_change.details', 'user.email']);
}

function toChange(row: { at: string; action: ChangeAction; details: string; email: string | null }): ChangeRecord {
  let details: ChangeRecord['details'] = {};
  try {
    details = JSON.parse(row.details) as ChangeRecord['details'];
  } catch {
    // Written by this module as JSON; an unreadable row still shows who and when.
  }
  return { at: row.at, by: row.email, action: row.action, details };
}

/** Who changed an announcement and when, newest first. */
export async function announcementHistory(db: DB, id: number): Promise<ChangeRecord[]> {
  const rows = await historyQuery(db)
    .where('announcement_change.announcement_id', '=', id)
    .orderBy('announcement_change.id', 'desc')
    .execute();
  return rows.map(toChange);
}

export async function policyHistory(db: DB, effective: CalendarDate): Promise<ChangeRecord[]> {
  const rows = await historyQuery(db)
    .where('announcement_change.policy_effective_date', '=', effective)
    .orderBy('announcement_change.id', 'desc')
    .execute();
  return rows.map(toChange);
}

/** The automatic announcement of every policy version that follows another, with editors' changes. */
export async function listPolicyAnnouncements(db: DB, days: number, now = new Date()): Promise<PolicyAnnouncementRecord[]> {
  const versions = await db.selectFrom('policy_version').select(['effective_date', 'version', 'material']).execute();
  const rows = await db
    .selectFrom('policy_announcement')
    .leftJoin('user', 'user.id', 'policy_announcement.updated_by')
    .selectAll('policy_announcement')
    .select('user.email')
    .execute();
  const overrides = new Map<CalendarDate, PolicyOverride>(
    rows.map((r) => [r.policy_effective_date, { text: r.text, endedAt: r.ended_at, revision: r.revision }]),
  );
  const byDate = new Map(rows.map((r) => [r.policy_effective_date, r]));
  return policyAnnouncements(
    versions.map((v) => ({ effective: v.effective_date, version: v.version, material: v.material })),
    overrides,
    days,
    now,
  ).map((a) => ({ ...a, updatedAt: byDate.get(a.effective)?.updated_at ?? null, updatedBy: byDate.get(a.effective)?.email ?? null }));
}

export async function getPolicyAnnouncement(
  db: DB,
  effective: CalendarDate,
  days: number,
  now = new Date(),
): Promise<PolicyAnnouncementRecord | undefined> {
  return (await listPolicyAnnouncements(db, days, now)).find((a) => a.effective === effective);
}

export type PolicyChange = { kind: 'text'; text: string | null } | { kind: 'end' } | { kind: 'resume' };

/**
 * An editor's change to a policy version's announcement: new text (null: back to the
 * default), end it now, or show it again for the rest of its window.
 */
export async function changePolicyAnnouncement(
  db: DB,
  effective: CalendarDate,
  change: PolicyChange,
  actorId: number,
  days: number,
  now = new Date(),
): Promise<ChangeOutcome> {
  return db.transaction().execute(async (trx) => {
    const announcement = (await listPolicyAnnouncements(trx, days, now)).find((a) => a.effective === effective);
    if (!announcement) return { ok: false, problem: 'not-found' } as const;
    const row = await trx.selectFrom('policy_announcement').selectAll().where('policy_effective_date', '=', effective).executeTakeFirst();
    const current = { text: row?.text ?? null, ended_at: row?.ended_at ?? null, revision: row?.revision ?? 0 };
    let next = current;
    let action: ChangeAction;
    let details: Record<string, string | null>;
    switch (change.kind) {
      case 'text':
        if (change.text === current.text) return { ok: true, changed: false } as const;
        next = { ...current, text: change.text, revision: current.revision + 1 };
        action = change.text === null ? 'text-restored' : 'text-edited';
        details = { text: change.text };
        break;
      case 'end':
        if (announcement.status === 'ended') return { ok: false, problem: 'already-ended' } as const;
        next = { ...current, ended_at: now.getTime() };
        action = 'ended';
        details = { ends: formatInstant(now) };
        break;
      case 'resume':
        if (current.ended_at === null) return { ok: true, changed: false } as const;
        next = { ...current, ended_at: null };
        action = 'resumed';
        details = {};
        break;
    }
    const values = { ...next, updated_at: iso(now), updated_by: actorId };
    await trx
      .insertInto('policy_announcement')
      .values({ policy_effective_date: effective, ...values })
      .onConflict((oc) => oc.column('policy_effective_date').doUpdateSet(values))
      .execute();
    await recordChange(trx, { policy_effective_date: effective }, actorId, action, details, now);
    return { ok: true, changed: true } as const;
  });
}

/**
 * The banners a reader sees at `now` (dismissed ones left out). Without `dismissed`, what
 * a reader who dismissed nothing sees: the editors' preview.
 */
export async function bannersFor(
  db: DB,
  options: { now: Date; reader: Reader; policyDays: number; dismissed?: readonly string[]; covered?: readonly string[] },
): Promise<Banner[]> {
  const sources = await bannerSources(db, options.now);
  const policy = options.policyDays > 0 ? policyAnnouncements(sources.versions, sources.overrides, options.policyDays, options.now) : [];
  return selectBanners({
    now: options.now,
    reader: options.reader,
    announcements: sources.announcements,
    policy,
    dismissed: options.dismissed ?? [],
    covered: options.covered ?? [],
  });
}
