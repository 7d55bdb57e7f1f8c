// The operator's tool, `npm run user -- …` (src/cli/user.ts), run as a child process against a
// temporary database, as an operator would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createEmailToken, createSession, hashPassword, normalizeEmail } from '../../src/lib/auth/index.ts';
import { verifyPassword } from '../../src/lib/auth/passwords.ts';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import { root } from '../support/site.ts';

let dir: string;
let databasePath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-user-cli-'));
  databasePath = join(dir, 'data', 'site.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function user(args: string[], { input, env = {} }: { input?: string; env?: Record<string, string> } = {}): Run {
  const result = spawnSync(process.execPath, [join(root, 'src/cli/user.ts'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_PATH: databasePath,
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
      SMTP_URL: '',
      SITE_URL: 'https://customertrackr.test',
      ...env,
    },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A refusal: non-zero exit, the message on stderr, and no stack trace anywhere. */
function expectRefused(run: Run, code: number, message: RegExp) {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.split('\n')[0]).toMatch(/^user: /);
  for (const output of [run.stdout, run.stderr]) {
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/\b(TypeError|SqliteError|Error:)/);
  }
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new SQLite(databasePath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const rolesOf = (email: string) =>
  query<{ role: string }>('select role from user_role join user on user.id = user_id where email_normalized = ? order by role', email).map(
    (r) => r.role,
  );

describe('npm run user -- add', () => {
  it('creates a verified account with its roles and prints a one-time link to choose a password', () => {
    const run = user(['add', ' Ops.Lead@Example.com ', '--role', 'admin', '--role', 'support', '--role', 'admin']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Created the account Ops.Lead@Example.com with the roles admin, support');
    const link = /https:\/\/customertrackr\.test\/reset-password\?token=([a-z2-7]{24})\.[a-z2-7]{32}&purpose=set-password/.exec(run.stdout);
    expect(link, run.stdout).not.toBeNull();

    const [row] = query<Record<string, unknown>>('select * from user where email_normalized = ?', 'ops.lead@example.com');
    expect(row).toMatchObject({ email: 'Ops.Lead@Example.com', password_hash: null });
    expect(row!.email_verified_at).toEqual(expect.any(String));
    expect(rolesOf('ops.lead@example.com')).toEqual(['admin', 'support']);
    // The link's token is stored hashed, for setting a password, once.
    const tokens = query<{ id: string; purpose: string; used_at: null }>(
      'select id, purpose, used_at from email_token where user_id = ?',
      row!.id,
    );
    expect(tokens).toEqual([{ id: link![1], purpose: 'set-password', used_at: null }]);
  });

  it('creates an account with no roles', () => {
    const run = user(['add', 'plain@example.com']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('with no roles');
    expect(rolesOf('plain@example.com')).toEqual([]);
  });

  it('takes the password from standard input with --password-stdin', async () => {
    const run = user(['add', 'piped@example.com', '--role', 'editor', '--password-stdin'], { input: 'four unrelated words here\n' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/https?:\/\//);
    const [row] = query<{ password_hash: string }>('select password_hash from user where email_normalized = ?', 'piped@example.com');
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The trailing newline of `echo` is not part of the password; nothing else is trimmed.
    expect(await verifyPassword(row!.password_hash, 'four unrelated words here')).toBe(true);
    expect(query('select * from email_token join user on user.id = user_id where email_normalized = ?', 'piped@example.com')).toEqual([]);
  });

  it('refuses a password the site would refuse, creating nothing', () => {
    expectRefused(
      user(['add', 'weak@example.com', '--password-stdin'], { input: 'passwordpassword' }),
      1,
      /the password was refused: .*common/,
    );
    expectRefused(user(['add', 'short@example.com', '--password-stdin'], { input: 'too short' }), 1, /at least 15 characters/);
    expectRefused(user(['add', 'empty@example.com', '--password-stdin'], { input: '' }), 1, /no password was given/);
    expect(
      query('select email from user where email_normalized in (?, ?, ?)', 'weak@example.com', 'short@example.com', 'empty@example.com'),
    ).toEqual([]);
  });

  it('refuses an address that already has an account, whatever its case', () => {
    const before = query('select * from user');
    expectRefused(user(['add', 'OPS.LEAD@example.com', '--role', 'editor']), 1, /OPS\.LEAD@example\.com already has an account/);
    expect(query('select * from user')).toEqual(before);
    expect(rolesOf('ops.lead@example.com')).toEqual(['admin', 'support']);
  });

  it.each([['not-an-email'], ['jane@'], ['@example.com'], ['']])('refuses the address %j', (email) => {
    expectRefused(user(['add', email]), 2, /is not a valid email address/);
  });

  it('refuses an unknown role before touching the database', () => {
    const fresh = join(dir, 'untouched', 'site.db');
    expectRefused(
      user(['add', 'new@example.com', '--role', 'superuser'], { env: { DATABASE_PATH: fresh } }),
      2,
      /unknown role "superuser": use one of support, editor, admin/,
    );
    expectRefused(user(['add', 'new@example.com', '--role', 'Admin'], { env: { DATABASE_PATH: fresh } }), 2, /unknown role "Admin"/);
    expect(query('select * from user where email_normalized = ?', 'new@example.com')).toEqual([]);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('npm run user -- grant / revoke', () => {
  beforeAll(() => {
    expect(user(['add', 'staff@example.com']).code).toBe(0);
  });

  it('grants a role, once', () => {
    const run = user(['grant', 'STAFF@example.com', 'editor']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Granted editor to staff@example.com.');
    const again = user(['grant', 'staff@example.com', 'editor']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already has the role editor; nothing changed');
    expect(rolesOf('staff@example.com')).toEqual(['editor']);
  });

  it('revokes a role, once', () => {
    user(['grant', 'staff@example.com', 'support']);
    const run = user(['revoke', 'staff@example.com', 'support']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Revoked support from staff@example.com.');
    const again = user(['revoke', 'staff@example.com', 'support']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('does not have the role support; nothing changed');
    expect(rolesOf('staff@example.com')).toEqual(['editor']);
  });

  it.each(['grant', 'revoke'])('%s refuses an unknown account, an unknown role and a bad address', (command) => {
    expectRefused(user([command, 'nobody@example.com', 'admin']), 1, /there is no account for nobody@example\.com/);
    expectRefused(user([command, 'staff@example.com', 'owner']), 2, /unknown role "owner"/);
    expectRefused(user([command, 'staff', 'admin']), 2, /"staff" is not a valid email address/);
    expectRefused(user([command, 'staff@example.com']), 2, /needs an email address and a role/);
    expect(rolesOf('staff@example.com')).toEqual(['editor']);
  });

  it('never revokes the last admin role', () => {
    // Ops.Lead@Example.com, added above, is the only admin.
    const refused = user(['revoke', 'ops.lead@example.com', 'admin']);
    expectRefused(refused, 1, /^user: Ops\.Lead@Example\.com is the last admin: grant the admin role to someone else first\.$/m);
    expect(refused.stdout).toBe('');
    expect(rolesOf('ops.lead@example.com')).toEqual(['admin', 'support']);

    // With a second admin, either may go, but not both.
    expect(user(['grant', 'staff@example.com', 'admin']).code).toBe(0);
    const run = user(['revoke', 'ops.lead@example.com', 'admin']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Revoked admin from Ops.Lead@Example.com.');
    expect(rolesOf('ops.lead@example.com')).toEqual(['support']);
    expectRefused(user(['revoke', 'staff@example.com', 'admin']), 1, /staff@example\.com is the last admin/);
    expect(rolesOf('staff@example.com')).toEqual(['admin', 'editor']);
  });
});

/**
 * An account registered on the site by someone who does not own the address: unverified, with
 * a password of theirs, signed in, and a pending move of the account to a mailbox of theirs.
 */
async function strangersAccount(email: string) {
  const { db, close } = openDatabase(databasePath);
  try {
    await migrate(db);
    const id = await createAccount(db, normalizeEmail(email)!, [], await hashPassword('the stranger typed this password'));
    await db.updateTable('user').set({ email_verified_at: null }).where('id', '=', id).execute();
    await createSession(db, id, null);
    await createSession(db, id, null);
    await createEmailToken(db, id, 'change-email', 'stranger@evil.test');
    return id;
  } finally {
    await close();
  }
}

describe('an account registered by someone who does not own the address', () => {
  it('grant refuses it with one line: its address is not confirmed', async () => {
    const id = await strangersAccount('future.hire@example.com');
    const run = user(['grant', 'future.hire@example.com', 'admin']);
    expectRefused(
      run,
      1,
      /^user: future\.hire@example\.com has not confirmed its address, so it gets no role .*npm run user -- add future\.hire@example\.com/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(query('select role from user_role where user_id = ?', id)).toEqual([]);
  });

  it('add takes it over for its owner: new password, verified, every session and link ended, owner emailed', async () => {
    const id = await strangersAccount('new.admin@example.com');
    const run = user(['add', 'New.Admin@example.com', '--role', 'admin', '--password-stdin'], { input: 'the owner chose this long one' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Took over the account new.admin@example.com with the role admin');
    const [row] = query<{ id: number; password_hash: string; email_verified_at: string | null }>(
      'select * from user where email_normalized = ?',
      'new.admin@example.com',
    );
    expect(row!.id).toBe(id);
    expect(row!.email_verified_at).toEqual(expect.any(String));
    expect(await verifyPassword(row!.password_hash, 'the owner chose this long one')).toBe(true);
    expect(await verifyPassword(row!.password_hash, 'the stranger typed this password')).toBe(false);
    expect(query('select id from session where user_id = ?', id)).toEqual([]);
    expect(query('select id from email_token where user_id = ? and used_at is null', id)).toEqual([]);
    expect(rolesOf('new.admin@example.com')).toEqual(['admin']);
    // Queued with the change, for the site's mail worker to send (src/lib/mail).
    expect(query(`select subject, status from mail_outbox where recipient = ?`, 'new.admin@example.com')).toEqual([
      { subject: 'Your CustomerTrackr account was set up by our staff', status: 'pending' },
    ]);

    // Now that it is verified, add refuses it as before.
    expectRefused(user(['add', 'new.admin@example.com']), 1, /new\.admin@example\.com already has an account/);
  });

  it('add without --password-stdin takes it over with a set-password link (the old password no longer works)', async () => {
    const id = await strangersAccount('linked@example.com');
    const run = user(['add', 'linked@example.com']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Took over the account linked@example.com with no roles');
    expect(run.stdout).toMatch(/https:\/\/customertrackr\.test\/reset-password\?token=[a-z2-7.]+&purpose=set-password/);
    expect(query('select password_hash from user where id = ?', id)).toEqual([{ password_hash: null }]);
    expect(query('select purpose from email_token where user_id = ? and used_at is null', id)).toEqual([{ purpose: 'set-password' }]);
    expect(query('select id from session where user_id = ?', id)).toEqual([]);
  });
});

describe('npm run user (usage)', () => {
  it('prints help', () => {
    const run = user(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run user -- <command>/);
    expect(run.stdout).toContain('add <email> [--role <role>]... [--password-stdin]');
  });

  it.each([
    [[], /a command is required/],
    [['delete', 'a@example.com'], /unknown command "delete"/],
    [['add'], /add needs an email address/],
    [['add', 'a@example.com', 'b@example.com'], /unexpected argument "b@example.com"/],
    [['add', 'a@example.com', '--role'], /argument missing/],
    [['add', 'a@example.com', '--admin'], /Unknown option '--admin'/],
    [['grant', 'staff@example.com', 'admin', '--role', 'editor'], /go with add, not grant/],
  ])('refuses %j with the usage', (args, message) => {
    const run = user(args);
    expectRefused(run, 2, message);
    expect(run.stderr).toContain('Usage: npm run user -- <command>');
  });

  it('says which setting is wrong', () => {
    expectRefused(
      user(['grant', 'staff@example.com', 'admin'], { env: { DATABASE_PATH: '/proc/customertrackr/site.db' } }),
      1,
      /cannot open the database/,
    );
    expectRefused(
      user(['add', 'x@example.com'], { env: { SITE_URL: 'customertrackr.test' } }),
      1,
      /SITE_URL="customertrackr.test" is invalid/,
    );
  });
});
