// The server process cleans its mail outbox: copies of sent mail older than
// MAIL_OUTBOX_RETENTION_DAYS are gone once it has started (and then every hour: the job and
// its clock are tested in tests/unit/mail-retention.test.ts).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSite, type RunningSite } from '../support/site.ts';

const DAY = 24 * 60 * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'ct-outbox-http-'));
let site: RunningSite | undefined;
afterAll(async () => {
  await site?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the mail outbox', () => {
  it('keeps messages for MAIL_OUTBOX_RETENTION_DAYS: older ones are deleted when the server starts', async () => {
    const outbox = join(dir, 'outbox');
    mkdirSync(outbox);
    const write = (name: string, ageDays: number) => {
      const file = join(outbox, name);
      writeFileSync(file, 'To: erased@example.com\n\nYour account has been deleted.');
      const at = new Date(Date.now() - ageDays * DAY);
      utimesSync(file, at, at);
    };
    write('two-weeks-old.eml', 14);
    write('four-days-old.eml', 4);
    write('yesterday.eml', 1);
    site = await startSite({ MAIL_OUTBOX_DIR: outbox, MAIL_OUTBOX_RETENTION_DAYS: '3' });
    expect(readdirSync(outbox).sort()).toEqual(['yesterday.eml']);
  });
});
