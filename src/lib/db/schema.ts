import type { AccountProfileTable, DataChangeTable, DeletionRecordTable, SharingChoiceTable } from '../accounts/tables.ts';
import type {
  EmailTokenTable,
  PasswordResetRequestTable,
  PolicyAgreementTable,
  SessionTable,
  UserRoleTable,
  UserTable,
} from '../auth/tables.ts';
import type { PolicyVersionTable } from '../policy/table.ts';
import type { RateLimitTable } from '../rate-limit/table.ts';
import type {
  ViewDailyTable,
  ViewEventKeyTable,
  ViewSaltTable,
  ViewSeenTable,
  ViewSiteDailyTable,
  ViewTotalTable,
} from '../views/table.ts';
import type {
  AnnouncementChangeTable,
  AnnouncementTable,
  BannerGenerationTable,
  PolicyAnnouncementTable,
} from '../announcements/tables.ts';
import type { AuditLogTable } from '../audit/tables.ts';
import type { DeletionRequestTable } from '../staff/tables.ts';
import type { JobRunTable } from '../jobs/table.ts';
import type { MailOutboxTable } from '../mail/table.ts';
import type {
  DisclosureTable,
  PurposeNoticeTable,
  RecipientChangeTable,
  RecipientTable,
  ShareTable,
  SharingPurposeTable,
  StaffAcknowledgementTable,
} from '../sharing/tables.ts';

/**
 * The typed schema of the whole database, as Kysely sees it.
 *
 * Each capability owns its tables and declares their row types in its own folder;
 * this interface gathers them so that one Kysely instance is typed end to end.
 */
export interface AppMetaTable {
  key: string;
  value: string;
}

export interface Database {
  app_meta: AppMetaTable;
  policy_version: PolicyVersionTable;
  user: UserTable;
  user_role: UserRoleTable;
  session: SessionTable;
  email_token: EmailTokenTable;
  password_reset_request: PasswordResetRequestTable;
  policy_agreement: PolicyAgreementTable;
  rate_limit: RateLimitTable;
  view_daily: ViewDailyTable;
  view_total: ViewTotalTable;
  view_site_daily: ViewSiteDailyTable;
  view_salt: ViewSaltTable;
  view_seen: ViewSeenTable;
  view_event_key: ViewEventKeyTable;
  account_profile: AccountProfileTable;
  data_change: DataChangeTable;
  sharing_choice: SharingChoiceTable;
  deletion_record: DeletionRecordTable;
  announcement: AnnouncementTable;
  policy_announcement: PolicyAnnouncementTable;
  announcement_change: AnnouncementChangeTable;
  banner_generation: BannerGenerationTable;
  audit_log: AuditLogTable;
  deletion_request: DeletionRequestTable;
  job_run: JobRunTable;
  mail_outbox: MailOutboxTable;
  recipient: RecipientTable;
  recipient_change: RecipientChangeTable;
  sharing_purpose: SharingPurposeTable;
  purpose_notice: PurposeNoticeTable;
  share: ShareTable;
  disclosure: DisclosureTable;
  staff_acknowledgement: StaffAcknowledgementTable;
}
