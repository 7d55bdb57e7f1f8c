import type { DB } from '../db/index.ts';
import type { SharingSource } from './tables.ts';

/**
 * The sharing preference the policy promises: "you will be notified before your personal
 * information is shared with third parties or used for a purpose incompatible with the
 * purpose for which it was originally collected, and you will be able to prevent the sharing
 * of this information by opting out."
 *
 * One yes/no choice, effective at once, with every change kept (table `sharing_choice`,
 * newest last; the latest row is the stored preference). With no row the user has not
 * refused sharing, as the policy describes (notice first, then the chance to opt out).
 *
 * Global Privacy Control (docs/decisions/0005-gpc.md): a request carrying `Sec-GPC: 1` is an
 * opt-out. It counts at once for that request (`effectiveSharing`), and the next
 * state-changing request that carries it records the opt-out (`recordGpcSignal`). While the
 * browser sends it, opting back in is refused: the browser says otherwise.
 */

/** True when the request carries the Global Privacy Control signal (`Sec-GPC: 1`). */
export function sendsGpc(headers: Headers): boolean {
  return headers.get('sec-gpc')?.trim() === '1';
}

export interface SharingChoice {
  optedOut: boolean;
  chosenAt: string;
  source: SharingSource;
}

export interface SharingState {
  /** What is stored: what any processing that happens away from a request must follow. */
  storedOptedOut: boolean;
  /** The stored preference, or the GPC signal of this request: what applies now. */
  optedOut: boolean;
  /** This request carries GPC. */
  gpc: boolean;
  /** The stored preference is the default (the user never chose). */
  isDefault: boolean;
  /** Every choice, newest first. */
  history: SharingChoice[];
}

async function history(db: DB, userId: number): Promise<SharingChoice[]> {
  const rows = await db
    .selectFrom('sharing_choice')
    .select(['opted_out', 'chosen_at', 'source'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({ optedOut: r.opted_out, chosenAt: r.chosen_at, source: r.source }));
}

/** Whether the user refuses sharing, as stored (GPC signals not yet recorded do not count here). */
export async function storedOptOut(db: DB, userId: number): Promise<boolean> {
  const latest = await db
    .selectFrom('sharing_choice')
    .select('opted_out')
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.opted_out === true;
}

export async function effectiveSharing(db: DB, userId: number, gpc: boolean): Promise<SharingState> {
  const choices = await history(db, userId);
  const storedOptedOut = choices[0]?.optedOut ?? false;
  return { storedOptedOut, optedOut: storedOptedOut || gpc, gpc, isDefault: choices.length === 0, history: choices };
}

export type SharingOutcome = 'changed' | 'unchanged' | 'refused-gpc';

/**
 * Records a choice made on the account page. Saying the same thing twice records nothing.
 * Opting in while the browser sends GPC is refused (and the opt-out recorded, if needed).
 */
export async function chooseSharing(db: DB, userId: number, optOut: boolean, gpc: boolean, now = new Date()): Promise<SharingOutcome> {
  if (!optOut && gpc) {
    await recordGpcSignal(db, userId, now);
    return 'refused-gpc';
  }
  return db.transaction().execute(async (trx) => {
    if ((await storedOptOut(trx, userId)) === optOut) return 'unchanged';
    await trx
      .insertInto('sharing_choice')
      .values({ user_id: userId, opted_out: optOut, chosen_at: now.toISOString(), source: 'account-page' })
      .execute();
    return 'changed';
  });
}

/**
 * Records the GPC signal as an opt-out unless the stored preference already is one. Call it
 * from state-changing requests of a signed-in user that carry `Sec-GPC: 1`. Returns whether
 * a choice was recorded.
 */
export async function recordGpcSignal(db: DB, userId: number, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (await storedOptOut(trx, userId)) return false;
    await trx
      .insertInto('sharing_choice')
      .values({ user_id: userId, opted_out: true, chosen_at: now.toISOString(), source: 'gpc' })
      .execute();
    return true;
  });
}
