import { AUTH_JOBS } from '../auth/retention.ts';
import { OUTBOX_ROWS_JOB, outboxRetentionJob } from '../mail/retention.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { RATE_LIMIT_JOB } from '../rate-limit/index.ts';
import { disclosureNoticeJob, noticeJob } from '../sharing/index.ts';
import { viewsRetentionJob } from '../views/retention.ts';
import type { Job } from './scheduler.ts';

/**
 * Scheduled jobs (retention and housekeeping): the scheduler and the list of jobs it runs.
 * Each job lives in the capability that owns what it deletes; this list only names them.
 * docs/decisions/0016-retention-jobs.md; README "Retention" says what each keeps how long.
 */
export * from './scheduler.ts';

export interface JobSettings {
  mailOutboxDir: string;
  mailOutboxRetentionDays: number;
  viewsRetentionDays: number;
  /** The public origin, for the links in the notices the sharing jobs send. */
  siteUrl: string | URL;
}

/** Every job the server runs (src/server/main.ts starts the scheduler with this list). */
export function retentionJobs(settings: JobSettings): Job[] {
  return [
    AUTH_JOBS.sessions,
    AUTH_JOBS.emailTokens,
    AUTH_JOBS.resetRequests,
    RATE_LIMIT_JOB,
    OUTBOX_ROWS_JOB,
    outboxRetentionJob({ dir: settings.mailOutboxDir, retentionDays: settings.mailOutboxRetentionDays }),
    viewsRetentionJob({ retentionDays: settings.viewsRetentionDays }),
    // Not retention: the notices of new purposes at a steady rate, and of disclosures once a hold ends.
    noticeJob({ siteUrl: settings.siteUrl, enqueue: enqueueMail }),
    disclosureNoticeJob({ siteUrl: settings.siteUrl, enqueue: enqueueMail }),
  ];
}
