import type { Database } from '../db/schema.ts';
import type { DB } from '../db/index.ts';
import { maskEmail } from './masking.ts';
import type { ConfirmedVia, DeletionStatus } from './tables.ts';

/**
 * The deletion-request queue support works from: open requests and the latest closed ones,
 * each with the requester's address masked (and none once the request is closed).
 */

export interface DeletionRequestView {
  id: number;
  ticket: string;
  status: DeletionStatus;
  /** The requester's address, masked; null once the request is closed. */
  maskedEmail: string | null;
  userId: number | null;
  receivedAt: string;
  recordedAt: string;
  /** When the confirmation link stops working (pending requests only). */
  linkExpiresAt: string | null;
  linkExpired: boolean;
  confirmedAt: string | null;
  confirmedVia: ConfirmedVia | null;
  closedAt: string | null;
}

type Row = Pick<
  Database['deletion_request'],
  | 'ticket'
  | 'status'
  | 'requester_email'
  | 'user_id'
  | 'received_at'
  | 'recorded_at'
  | 'token_expires_at'
  | 'confirmed_at'
  | 'confirmed_via'
  | 'closed_at'
> & { id: number };

const COLUMNS = [
  'id',
  'ticket',
  'status',
  'requester_email',
  'user_id',
  'received_at',
  'recorded_at',
  'token_expires_at',
  'confirmed_at',
  'confirmed_via',
  'closed_at',
] as const;

function view(row: Row, now: Date): DeletionRequestView {
  return {
    id: row.id,
    ticket: row.ticket,
    status: row.status,
    maskedEmail: row.requester_email === null ? null : maskEmail(row.requester_email),
    userId: row.user_id,
    receivedAt: row.received_at,
    recordedAt: row.recorded_at,
    linkExpiresAt: row.token_expires_at === null ? null : new Date(row.token_expires_at).toISOString(),
    linkExpired: row.token_expires_at !== null && now.getTime() >= row.token_expires_at,
    confirmedAt: row.confirmed_at,
    confirmedVia: row.confirmed_via,
    closedAt: row.closed_at,
  };
}

export const CLOSED_SHOWN = 50;

/** The queue: open requests oldest first; the latest closed ones newest first. */
export async function deletionQueue(db: DB, now = new Date()): Promise<Record<'pending' | 'confirmed' | 'closed', DeletionRequestView[]>> {
  const open = await db
    .selectFrom('deletion_request')
    .select(COLUMNS)
    .where('status', 'in', ['pending', 'confirmed'])
    .orderBy('id')
    .execute();
  const closed = await db
    .selectFrom('deletion_request')
    .select(COLUMNS)
    .where('status', 'in', ['completed', 'cancelled'])
    .orderBy('closed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(CLOSED_SHOWN)
    .execute();
  return {
    pending: open.filter((r) => r.status === 'pending').map((r) => view(r, now)),
    confirmed: open.filter((r) => r.status === 'confirmed').map((r) => view(r, now)),
    closed: closed.map((r) => view(r, now)),
  };
}

export async function getDeletionRequest(db: DB, id: number, now = new Date()): Promise<DeletionRequestView | undefined> {
  const row = await db.selectFrom('deletion_request').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? view(row, now) : undefined;
}
