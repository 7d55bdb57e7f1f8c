// Every table that holds personal data or secrets has a retention rule, and every rule that
// names a job names one the scheduler runs (README "Retention"). Driven by the personal-data
// registry and the live schema: a new table without a rule fails here.
import { describe, expect, it } from 'vitest';
import { NOT_PERSONAL, PERSONAL_DATA, registryEntry } from '../../src/lib/accounts/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { retentionJobs } from '../../src/lib/jobs/index.ts';
import { testDatabase } from '../support/db.ts';

/** Auth's tables of sessions, links, queued addresses and counters: time, not erasure, must end them. */
const ENDED_BY_TIME = ['session', 'email_token', 'password_reset_request', 'rate_limit'];

const jobs = retentionJobs({
  mailOutboxDir: '/nonexistent',
  mailOutboxRetentionDays: 7,
  viewsRetentionDays: 730,
  siteUrl: 'http://localhost:4321',
});
const jobNames = new Set(jobs.map((j) => j.name));

const database = testDatabase();

describe('retention rules', () => {
  it('cover every table of the live schema that is not listed as holding nothing personal', async () => {
    const tables = (await describeSchema(database.db)).tables.map((t) => t.name);
    const missing = tables.filter((t) => !(t in NOT_PERSONAL) && !registryEntry(t)?.retention.rule.trim());
    expect(missing).toEqual([]);
    for (const table of ENDED_BY_TIME) expect(tables).toContain(table);
  });

  it('name, for sessions, emailed links, the reset queue and rate limits, the job that deletes them', () => {
    for (const table of ENDED_BY_TIME) {
      const job = registryEntry(table)?.retention.job;
      expect(job, table).toBeDefined();
      expect(jobNames, `${table}: ${job}`).toContain(job);
    }
  });

  it('name only jobs the scheduler runs', () => {
    for (const e of PERSONAL_DATA) if (e.retention.job) expect(jobNames, `${e.table}: ${e.retention.job}`).toContain(e.retention.job);
  });

  it('are listed in the README, one row per job', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Retention'));
    expect(section.length).toBeLessThan(readme.length);
    for (const name of jobNames) expect(section, name).toContain(`\`${name}\``);
  });
});
