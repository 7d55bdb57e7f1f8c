// The outbox sweep (src/lib/mail/retention.ts): copies of sent mail are deleted after the
// retention period, by a periodic job whose clock and timer are injected here.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTBOX_SWEEP_INTERVAL_MS, pruneOutbox, startOutboxRetention } from '../../src/lib/mail/retention.ts';

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

describe('startOutboxRetention', () => {
  it('sweeps at start, then at every tick of its timer, by its clock', () => {
    let now = t0;
    let tick: (() => void) | undefined;
    let interval = 0;
    let stopped = false;
    message('a.eml', new Date(t0.getTime() - 8 * DAY));
    message('b.eml', new Date(t0.getTime() - 2 * DAY));
    const stop = startOutboxRetention({
      dir,
      retentionDays: 7,
      now: () => now,
      every: (run, ms) => {
        tick = run;
        interval = ms;
        return () => (stopped = true);
      },
    });
    expect(interval).toBe(OUTBOX_SWEEP_INTERVAL_MS);
    expect(left()).toEqual(['b.eml']);

    now = new Date(t0.getTime() + 4 * DAY);
    tick!();
    expect(left()).toEqual(['b.eml']);
    now = new Date(t0.getTime() + 5 * DAY);
    tick!();
    expect(left()).toEqual([]);
    expect(existsSync(dir)).toBe(true);

    stop();
    expect(stopped).toBe(true);
  });
});
