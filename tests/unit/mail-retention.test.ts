// The outbox sweep (src/lib/mail/retention.ts): copies of sent mail are deleted after the
// retention period, by a scheduler job (src/lib/jobs) whose clock is injected here.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/db/index.ts';
import { OUTBOX_SWEEP_INTERVAL_MS, outboxRetentionJob, pruneOutbox } from '../../src/lib/mail/retention.ts';

const DAY = 24 * 60 * 60_000;
const t0 = new Date('2026-11-01T12:00:00Z');

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'ct-outbox-')), 'outbox');
  mkdirSync(dir);
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

/** A file in the outbox last written at `at`. */
function message(name: string, at: Date) {
  const file = join(dir, name);
  writeFileSync(file, 'To: jane@example.com\n\nhello');
  utimesSync(file, at, at);
}

const left = () => readdirSync(dir).sort();

describe('pruneOutbox', () => {
  it('deletes the .eml files written the retention period ago or earlier, and nothing else', () => {
    message('old.eml', new Date(t0.getTime() - 7 * DAY));
    message('older.eml', new Date(t0.getTime() - 30 * DAY));
    message('recent.eml', new Date(t0.getTime() - 7 * DAY + 1000));
    message('notes.txt', new Date(t0.getTime() - 30 * DAY));
    expect(pruneOutbox(dir, 7, t0)).toBe(2);
    expect(left()).toEqual(['notes.txt', 'recent.eml']);
  });

  it('finds nothing to delete when the outbox does not exist', () => {
    expect(pruneOutbox(join(dir, 'missing'), 7, t0)).toBe(0);
  });
});

describe('outboxRetentionJob', () => {
  it('is a scheduler job that runs every OUTBOX_SWEEP_INTERVAL_MS and deletes by its clock', async () => {
    message('a.eml', new Date(t0.getTime() - 8 * DAY));
    message('b.eml', new Date(t0.getTime() - 2 * DAY));
    const job = outboxRetentionJob({ dir, retentionDays: 7 });
    expect(job.next(t0).getTime() - t0.getTime()).toBe(OUTBOX_SWEEP_INTERVAL_MS);
    // The job touches files only: it never uses the database it is given.
    const noDatabase = undefined as unknown as DB;
    expect(await job.run(noDatabase, t0)).toBe(1);
    expect(left()).toEqual(['b.eml']);
    expect(await job.run(noDatabase, new Date(t0.getTime() + 5 * DAY - 1000))).toBe(0);
    expect(await job.run(noDatabase, new Date(t0.getTime() + 5 * DAY))).toBe(1);
    expect(left()).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});
