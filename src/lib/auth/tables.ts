import type { Generated } from 'kysely';

export const ROLES = ['support', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface UserTable {
  id: Generated<number>;
  email: string;
  email_normalized: string;
  email_verified_at: string | null;
  password_hash: string | null;
  display_name: string | null;
  created_at: string;
  last_sign_in_at: string | null;
}

export interface UserRoleTable {
  user_id: number;
  role: Role;
  granted_at: string;
}

export interface SessionTable {
  id: string;
  user_id: number;
  secret_hash: Uint8Array;
  created_at: number;
  last_active_at: number;
  client: Generated<string>;
}

export type EmailTokenPurpose = 'verify-email' | 'reset-password' | 'set-password' | 'change-email';

export interface EmailTokenTable {
  id: string;
  user_id: number;
  purpose: EmailTokenPurpose;
  secret_hash: Uint8Array;
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PolicyAgreementTable {
  id: Generated<number>;
  user_id: number;
  policy_effective_date: string;
  agreed_at: string;
  context: 'registration' | 'acknowledgement';
  wording: string;
}

/** A password reset asked for and not yet handled (src/lib/auth/reset-queue.ts). */
export interface PasswordResetRequestTable {
  id: Generated<number>;
  email: string;
  requested_at: number;
}
