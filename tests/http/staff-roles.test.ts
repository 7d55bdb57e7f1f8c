// The role matrix of the staff area, against the real built server: every admin route and
// every staff action × every kind of visitor (none, a user without a role, support, editor,
// admin) → the status the tables say. Generated from src/lib/staff/sections.ts (routes) and
// src/lib/staff/permissions.ts (actions): a page under src/pages/admin or an action in
// src/actions/staff.ts without an entry here fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRole } from '../../src/lib/auth/roles.ts';
import { createSession } from '../../src/lib/auth/sessions.ts';
import { openDatabase, type OpenDatabase } from '../../src/lib/db/index.ts';
import { STAFF_ACTIONS, staffActionRoles, type StaffActionName } from '../../src/lib/staff/permissions.ts';
import { ADMIN_HOME, ADMIN_HOME_ROLES, ADMIN_SECTIONS } from '../../src/lib/staff/sections.ts';
import { textOf, type Client } from '../support/account-profile.ts';
import { root, startSite, type RunningSite } from '../support/site.ts';
import { SHARING_ACTIONS, sharingActionRoles, type SharingActionName } from '../../src/lib/sharing/permissions.ts';
import { makePurpose, makeThirdParty, noticeWithToken } from '../support/sharing.ts';
import { auditCount, clientFor, confirmedRequest, makeAccount, pendingRequest, rolesOf, WHO, type Who } from '../support/staff-http.ts';

let site: RunningSite;
let database: OpenDatabase;
const clients = new Map<Who, Client>();
const ids = new Map<Who, number | null>();
const fixtures = { announcement: 0, policyDate: '', user: 0, request: 0, recipient: 0, purpose: 0 };

/** An announcement made straight in the database, starting at `startsAt` (epoch ms); its id. */
async function insertAnnouncement(text: string, startsAt: number): Promise<number> {
  const at = new Date().toISOString();
  const row = await database.db
    .insertInto('announcement')
    .values({
      text,
      level: 'info',
      audience: 'everyone',
      link_url: null,
      link_text: null,
      dismissible: true,
      starts_at: startsAt,
      ends_at: null,
      revision: 1,
      created_at: at,
      created_by: null,
      updated_at: at,
      updated_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  site = await startSite();
  database = openDatabase(site.databasePath);
  for (const who of WHO) {
    const { client, id } = await clientFor(site, who);
    clients.set(who, client);
    ids.set(who, id);
  }
  const index = JSON.parse(readFileSync(join(root, 'dist/client/privacy/versions.json'), 'utf8')) as { versions: { effective: string }[] };
  fixtures.policyDate = index.versions
    .map((v) => v.effective)
    .sort()
    .at(-1)!;
  fixtures.announcement = await insertAnnouncement('Matrix', 0);
  fixtures.user = (await makeAccount(database.db, 'matrix-subject')).id;
  fixtures.request = (await pendingRequest(database.db, 'matrix-request')).requestId;
  fixtures.recipient = await makeThirdParty(database.db, 'Matrix Partners');
  fixtures.purpose = await makePurpose(database.db, fixtures.recipient);
});
afterAll(async () => {
  await database?.close();
  await site?.stop();
});

// ---------------------------------------------------------------------------------------------
// Routes

/** Every page and endpoint under src/pages/admin, with the address to ask for it. */
const ROUTES: Record<string, () => string> = {
  'index.astro': () => ADMIN_HOME,
  'handbook.astro': () => '/admin/handbook',
  'announcements/index.astro': () => '/admin/announcements',
  'announcements/new.astro': () => '/admin/announcements/new',
  'announcements/preview.astro': () => '/admin/announcements/preview',
  'announcements/[id].astro': () => `/admin/announcements/${fixtures.announcement}`,
  'announcements/policy/[date].astro': () => `/admin/announcements/policy/${fixtures.policyDate}`,
  'stats.astro': () => '/admin/stats',
  'stats.csv.ts': () => '/admin/stats.csv',
  'users/index.astro': () => '/admin/users',
  'users/[id].astro': () => `/admin/users/${fixtures.user}`,
  'deletion-requests/index.astro': () => '/admin/deletion-requests',
  'deletion-requests/new.astro': () => '/admin/deletion-requests/new',
  'deletion-requests/[id].astro': () => `/admin/deletion-requests/${fixtures.request}`,
  'roles.astro': () => '/admin/roles',
  'audit.astro': () => '/admin/audit',
  'audit.csv.ts': () => '/admin/audit.csv',
  'mail.astro': () => '/admin/mail',
  'sharing/index.astro': () => '/admin/sharing',
  'sharing/recipients/[id].astro': () => `/admin/sharing/recipients/${fixtures.recipient}`,
  'sharing/purposes/[id].astro': () => `/admin/sharing/purposes/${fixtures.purpose}`,
  'sharing/disclosures.astro': () => '/admin/sharing/disclosures',
};

/** Endpoints that only take a POST (a GET is answered 405), with what to post. */
const POST_ENDPOINTS: Record<string, { path: string; fields: () => Record<string, string> }> = {
  'sharing/share.ts': {
    path: '/admin/sharing/share',
    fields: () => ({ purposeId: String(fixtures.purpose), fields: 'email', format: 'csv' }),
  },
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

/** The roles that may open `path`: its section's (the longest section path it is under), or the admin home's. */
function rolesFor(path: string) {
  if (path === ADMIN_HOME || path === '/admin/handbook') return ADMIN_HOME_ROLES;
  const section = ADMIN_SECTIONS.filter((s) => path === s.path || path.startsWith(`${s.path}/`) || path.startsWith(`${s.path}.`)).sort(
    (a, b) => b.path.length - a.path.length,
  )[0];
  if (!section) throw new Error(`${path} is under no section of ADMIN_SECTIONS`);
  return section.roles;
}

function expectedStatus(who: Who, roles: readonly string[]): number {
  if (who === 'visitor') return 303;
  return rolesOf(who).some((r) => roles.includes(r)) ? 200 : 403;
}

describe('the route table', () => {
  it('lists every page and endpoint under src/pages/admin, and nothing else', () => {
    const files = filesUnder(join(root, 'src/pages/admin')).map((f) => relative(join(root, 'src/pages/admin'), f).split('\\').join('/'));
    expect(files.sort()).toEqual([...Object.keys(ROUTES), ...Object.keys(POST_ENDPOINTS)].sort());
  });

  it('has a route for every section of ADMIN_SECTIONS', () => {
    const paths = Object.values(ROUTES).map((route) => route());
    for (const section of ADMIN_SECTIONS) expect(paths, section.id).toContain(section.path);
  });
});

describe('routes × roles', () => {
  for (const [file, route] of Object.entries(ROUTES)) {
    it(`${file} answers each role as its section says`, async () => {
      const path = route();
      const roles = rolesFor(path);
      for (const who of WHO) {
        const res = await clients.get(who)!.get(path);
        const expected = expectedStatus(who, roles);
        expect(res.status, `${who} → ${path}`).toBe(expected);
        expect(res.headers.get('cache-control'), `${who} → ${path}`).toBe('private, no-store');
        if (expected === 303) expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
        const body = await res.text();
        if (expected === 403 && path.endsWith('.csv')) expect(body).toMatch(/does not have a role/);
        else if (expected === 403) expect(body).toContain('You cannot open this page');
      }
    });
  }

  for (const [file, endpoint] of Object.entries(POST_ENDPOINTS)) {
    it(`${file} answers a POST from each role as its section says, and a GET with 405`, async () => {
      const roles = rolesFor(endpoint.path);
      for (const who of WHO) {
        const before = await auditCount(database.db);
        const res = await clients.get(who)!.post(endpoint.path, endpoint.fields(), { accept: 'application/json' });
        const expected = who === 'visitor' ? 401 : rolesOf(who).some((r) => roles.includes(r)) ? 200 : 403;
        expect(res.status, `${who} → POST ${endpoint.path}: ${await res.clone().text()}`).toBe(expected);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        if (expected !== 200) expect(await auditCount(database.db), `${who} → POST ${endpoint.path}`).toBe(before);
        else expect(await auditCount(database.db), `${who} → POST ${endpoint.path}`).toBe(before + 1);
        expect((await clients.get(who)!.get(endpoint.path)).status).toBe(405);
      }
    });
  }

  it('answers editors 403 on every route with personal data', async () => {
    const personal = Object.values(ROUTES)
      .map((r) => r())
      .filter((p) => /^\/admin\/(users|deletion-requests|roles|audit|sharing)/.test(p));
    expect(personal.length).toBeGreaterThanOrEqual(11);
    for (const path of personal) expect((await clients.get('editor')!.get(path)).status, path).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------------
// Actions

/** Valid input for each action, on things made for the call (so allowed calls succeed: 200). */
const CALLS: Record<StaffActionName, () => Promise<Record<string, string>>> = {
  searchAccounts: async () => ({ q: 'matrix' }),
  revealField: async () => ({
    userId: String((await makeAccount(database.db, 'reveal')).id),
    field: 'email',
    reason: 'Role matrix: checking who may reveal',
  }),
  endSessions: async () => ({
    userId: String((await makeAccount(database.db, 'end')).id),
    reason: 'Role matrix: checking who may end sessions',
  }),
  resendVerification: async () => ({ userId: String((await makeAccount(database.db, 'resend', [], { verified: false })).id) }),
  recordDeletionRequest: async () => ({ email: (await makeAccount(database.db, 'record')).email, receivedAt: '', ticket: 'MATRIX-1' }),
  resendDeletionLink: async () => ({ requestId: String((await pendingRequest(database.db, 'relink')).requestId) }),
  deleteVerified: async () => ({
    requestId: String((await pendingRequest(database.db, 'verified')).requestId),
    reason: 'Role matrix: identity verified by phone',
  }),
  completeDeletion: async () => ({ requestId: String((await confirmedRequest(database.db, 'complete')).requestId) }),
  cancelDeletionRequest: async () => ({
    requestId: String((await pendingRequest(database.db, 'cancel')).requestId),
    reason: 'Role matrix: the requester withdrew it',
  }),
  grantRole: async () => ({ email: (await makeAccount(database.db, 'grant')).email, role: 'support' }),
  revokeRole: async () => ({ userId: String((await makeAccount(database.db, 'revoke', ['support'])).id), role: 'support' }),
  confirmDeletion: async () => ({ token: (await pendingRequest(database.db, 'link')).token }),
};

/** The audit entry each action writes when it succeeds: every staff read and write is audited. */
const AUDITED: Record<StaffActionName, string> = {
  searchAccounts: 'account.search',
  revealField: 'account.reveal',
  endSessions: 'account.end-sessions',
  resendVerification: 'account.resend-verification',
  recordDeletionRequest: 'deletion-request.record',
  resendDeletionLink: 'deletion-request.resend',
  deleteVerified: 'account.delete',
  completeDeletion: 'account.delete',
  cancelDeletionRequest: 'deletion-request.cancel',
  grantRole: 'role.grant',
  revokeRole: 'role.revoke',
  confirmDeletion: 'account.delete',
};

describe('the action table', () => {
  it('has an entry for every action of src/actions/staff.ts, and a call for each', () => {
    const source = readFileSync(join(root, 'src/actions/staff.ts'), 'utf8');
    const defined = [...source.matchAll(/^ {2}(\w+): defineAction\(/gm)].map((m) => m[1]!);
    expect(defined.length).toBeGreaterThan(5);
    expect(defined.sort()).toEqual(Object.keys(STAFF_ACTIONS).sort());
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(STAFF_ACTIONS).sort());
    expect(Object.keys(AUDITED).sort()).toEqual(Object.keys(STAFF_ACTIONS).sort());
  });
});

describe('actions × roles', () => {
  for (const action of Object.keys(STAFF_ACTIONS) as StaffActionName[]) {
    const roles = staffActionRoles(action);
    it(`staff.${action} answers each role as STAFF_ACTIONS says (${roles === 'anyone' ? 'anyone with the link' : roles.join(', ')})`, async () => {
      for (const who of WHO) {
        const fields = await CALLS[action]();
        const before = await auditCount(database.db);
        const res = await clients.get(who)!.post(`/_actions/staff.${action}`, fields, { accept: 'application/json' });
        const user = who === 'visitor' ? null : { id: 0, email: '', displayName: null, emailVerified: true, roles: rolesOf(who) };
        const expected = roles === 'anyone' ? 200 : who === 'visitor' ? 401 : checkRole(user, roles) === 'allowed' ? 200 : 403;
        expect(res.status, `${who} → staff.${action}: ${await res.clone().text()}`).toBe(expected);
        // Refused calls read and write nothing, so they leave no audit entry; allowed ones leave
        // theirs, naming the staff member and their address (the account holder: neither).
        if (expected !== 200) {
          expect(await auditCount(database.db), `${who} → staff.${action}`).toBe(before);
          continue;
        }
        const entry = await database.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
        expect(entry.id, `${who} → staff.${action} wrote an entry`).toBeGreaterThan(before);
        const staff = roles !== 'anyone';
        expect(entry, `${who} → staff.${action}`).toMatchObject({ action: AUDITED[action], actor_user_id: staff ? ids.get(who) : null });
        if (staff) expect(entry.actor_ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
        else expect(entry.actor_ip).toBeNull();
      }
    });
  }

  it('refuses editors on every action that touches personal data, whatever they send', async () => {
    const editor = clients.get('editor')!;
    for (const action of Object.keys(STAFF_ACTIONS) as StaffActionName[]) {
      if (STAFF_ACTIONS[action] === 'link-holder') continue;
      const junk: Record<string, string>[] = [{}, { userId: 'x', reason: '' }, { requestId: '-1', email: 'not an address' }];
      for (const fields of junk) {
        const res = await editor.post(`/_actions/staff.${action}`, fields, { accept: 'application/json' });
        expect(res.status, `editor → staff.${action} ${JSON.stringify(fields)}`).toBe(403);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Sharing actions (src/actions/sharing.ts, SHARING_ACTIONS)

const RECIPIENT = {
  name: 'Matrix Recipient',
  country: 'Ireland',
  dataReceived: 'Email address',
  purpose: 'Role matrix',
  kind: 'third-party',
  since: '2026-01-01',
};

const SHARING_CALLS: Record<SharingActionName, (who: Who) => Promise<Record<string, string>>> = {
  addRecipient: async () => RECIPIENT,
  editRecipient: async () => ({ id: String(await makeThirdParty(database.db, 'Matrix Edit')), ...RECIPIENT }),
  removeRecipient: async () => ({ id: String(await makeThirdParty(database.db, 'Matrix Remove')) }),
  proposePurpose: async () => ({ recipientId: String(fixtures.recipient), description: 'Role matrix', fields: 'email', noticeDays: '30' }),
  recordDisclosure: async () => ({
    userId: String((await makeAccount(database.db, 'disclosed')).id),
    kind: 'legal',
    requester: 'Matrix Court',
    legalBasis: 'Role matrix order',
    reference: 'RM-1',
    fields: 'email',
    reason: 'Role matrix: checking who may record',
  }),
  optOutByLink: async () => ({ token: await noticeWithToken(database.db, fixtures.purpose, (await makeAccount(database.db, 'link')).id) }),
  // The caller's own notice (a visitor has none, and is refused before it matters).
  optOutOfPurpose: async (who) => {
    const id = ids.get(who);
    if (id) await noticeWithToken(database.db, await makePurpose(database.db, fixtures.recipient), id);
    const latest = await database.db.selectFrom('sharing_purpose').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    return { purposeId: String(latest.id) };
  },
  acknowledgeHandbook: async () => ({ next: '/admin' }),
};

/** The audit entry each admin action writes; the account holder's own refusals are recorded on the notice instead. */
const SHARING_AUDITED: Record<SharingActionName, string | null> = {
  addRecipient: 'recipient.add',
  editRecipient: 'recipient.edit',
  removeRecipient: 'recipient.remove',
  proposePurpose: 'purpose.propose',
  recordDisclosure: 'disclosure.record',
  optOutByLink: null,
  optOutOfPurpose: null,
  acknowledgeHandbook: null,
};

describe('sharing actions × roles', () => {
  it('has an entry for every action of src/actions/sharing.ts, and a call for each', () => {
    const source = readFileSync(join(root, 'src/actions/sharing.ts'), 'utf8');
    const defined = [...source.matchAll(/^ {2}(\w+): defineAction\(/gm)].map((m) => m[1]!);
    expect(defined.sort()).toEqual(Object.keys(SHARING_ACTIONS).sort());
    expect(Object.keys(SHARING_CALLS).sort()).toEqual(Object.keys(SHARING_ACTIONS).sort());
    expect(Object.keys(SHARING_AUDITED).sort()).toEqual(Object.keys(SHARING_ACTIONS).sort());
  });

  for (const action of Object.keys(SHARING_ACTIONS) as SharingActionName[]) {
    const roles = sharingActionRoles(action);
    it(`sharing.${action} answers each role as SHARING_ACTIONS says (${typeof roles === 'string' ? roles : roles.join(', ')})`, async () => {
      for (const who of WHO) {
        const fields = await SHARING_CALLS[action](who);
        const before = await auditCount(database.db);
        const res = await clients.get(who)!.post(`/_actions/sharing.${action}`, fields, { accept: 'application/json' });
        const expected =
          roles === 'anyone'
            ? 200
            : who === 'visitor'
              ? 401
              : roles === 'signed-in' || rolesOf(who).some((r) => roles.includes(r))
                ? 200
                : 403;
        expect(res.status, `${who} → sharing.${action}: ${await res.clone().text()}`).toBe(expected);
        const audited = SHARING_AUDITED[action];
        if (expected !== 200 || audited === null) {
          expect(await auditCount(database.db), `${who} → sharing.${action}`).toBe(before);
          continue;
        }
        const entry = await database.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
        expect(entry, `${who} → sharing.${action}`).toMatchObject({ action: audited, actor_user_id: ids.get(who) });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Staff accounts: only admins act on them

/**
 * Each support action on an account, called on an account that holds a role (made for the
 * call, with a session, so that ending sessions would show), and that account's id.
 */
const ON_STAFF: Partial<Record<StaffActionName, () => Promise<{ fields: Record<string, string>; subject: number }>>> = {
  revealField: async () => {
    const { id } = await makeAccount(database.db, 'staff-reveal', ['editor']);
    return { subject: id, fields: { userId: String(id), field: 'email', reason: 'Role matrix: revealing a staff address' } };
  },
  endSessions: async () => {
    const { id } = await makeAccount(database.db, 'staff-end', ['admin']);
    await createSession(database.db, id, null);
    return { subject: id, fields: { userId: String(id), reason: 'Role matrix: ending an admin’s sessions' } };
  },
  resendVerification: async () => {
    const { id } = await makeAccount(database.db, 'staff-resend', ['support'], { verified: false });
    return { subject: id, fields: { userId: String(id) } };
  },
  recordDeletionRequest: async () => {
    const { id, email } = await makeAccount(database.db, 'staff-record', ['admin']);
    return { subject: id, fields: { email, receivedAt: '', ticket: 'MATRIX-STAFF' } };
  },
  resendDeletionLink: async () => {
    const r = await pendingRequest(database.db, 'staff-relink', ['editor']);
    return { subject: r.userId, fields: { requestId: String(r.requestId) } };
  },
  deleteVerified: async () => {
    const r = await pendingRequest(database.db, 'staff-verified', ['admin']);
    return { subject: r.userId, fields: { requestId: String(r.requestId), reason: 'Role matrix: identity verified by phone' } };
  },
  completeDeletion: async () => {
    const r = await confirmedRequest(database.db, 'staff-complete', ['admin']);
    return { subject: r.userId, fields: { requestId: String(r.requestId) } };
  },
  cancelDeletionRequest: async () => {
    const r = await pendingRequest(database.db, 'staff-cancel', ['support']);
    return { subject: r.userId, fields: { requestId: String(r.requestId), reason: 'Role matrix: the requester withdrew it' } };
  },
};

describe('actions on staff accounts', () => {
  it('covers every support action on an account (all of the users and deletion-requests sections but the search)', () => {
    const onAccounts = (Object.keys(STAFF_ACTIONS) as StaffActionName[]).filter(
      (a) => (STAFF_ACTIONS[a] === 'users' || STAFF_ACTIONS[a] === 'deletion-requests') && a !== 'searchAccounts',
    );
    expect(Object.keys(ON_STAFF).sort()).toEqual(onAccounts.sort());
  });

  for (const action of Object.keys(ON_STAFF) as StaffActionName[]) {
    it(`staff.${action} on an account with a role: support is refused ("ask an admin"), nothing changes; admin may`, async () => {
      const { fields, subject } = await ON_STAFF[action]!();
      const sessions = async () => (await database.db.selectFrom('session').select('id').where('user_id', '=', subject).execute()).length;
      const sessionsBefore = await sessions();
      const before = await auditCount(database.db);
      const refused = await clients.get('support')!.post(`/_actions/staff.${action}`, fields, { accept: 'application/json' });
      const body = await refused.text();
      expect(refused.status, `support → staff.${action}: ${body}`).toBe(403);
      expect(body).toMatch(/ask an admin/i);
      expect(await auditCount(database.db), `support → staff.${action}`).toBe(before);
      expect(
        await database.db.selectFrom('user').select('id').where('id', '=', subject).executeTakeFirst(),
        `support → staff.${action}`,
      ).toEqual({ id: subject });
      expect(await sessions()).toBe(sessionsBefore);

      const allowed = await clients.get('admin')!.post(`/_actions/staff.${action}`, fields, { accept: 'application/json' });
      expect(allowed.status, `admin → staff.${action}: ${await allowed.clone().text()}`).toBe(200);
      expect(await auditCount(database.db)).toBeGreaterThan(before);
    });
  }

  it('shows support, on the account’s page, that only an admin can act on it', async () => {
    const { id } = await makeAccount(database.db, 'staff-page', ['editor']);
    const page = await (await clients.get('support')!.get(`/admin/users/${id}`)).text();
    expect(page).toMatch(/only an admin can act on it\. Ask an admin\./);
  });
});

describe('the staff shell and the overview', () => {
  /** The figure an overview card shows under `label`, as a number. */
  function figure(html: string, label: string): number | undefined {
    const match = new RegExp(`>${label}</a>\\s*<p class="value"[^>]*>([\\d,]+)</p>`).exec(html);
    return match ? Number(match[1]!.replace(/,/g, '')) : undefined;
  }

  it('has no marketing navigation, footer, banners or "Create account", and says who is signed in with which roles', async () => {
    for (const who of ['support', 'editor', 'admin'] as const) {
      const html = await (await clients.get(who)!.get(ADMIN_HOME)).text();
      expect(html, who).not.toMatch(/aria-label="Main"/);
      expect(html, who).not.toMatch(/<footer/);
      expect(html, who).not.toContain('Create account');
      expect(html, who).not.toContain('_server-islands/AnnouncementBanner');
      expect(html, who).toMatch(/<nav class="side-nav"[^>]*aria-label="Admin"/);
      expect(html, who).toMatch(new RegExp(`<span class="role"[^>]*>${who}</span>`));
    }
  });

  it('shows each role the live counts of its own sections only', async () => {
    const labels = ['Deletion requests waiting', 'Announcements live or scheduled', 'Views today \\(UTC\\)'];
    const shown = async (who: Who) => {
      const html = await (await clients.get(who)!.get(ADMIN_HOME)).text();
      return labels.map((label) => figure(html, label) !== undefined);
    };
    expect(await shown('support')).toEqual([true, false, false]);
    expect(await shown('editor')).toEqual([false, true, true]);
    expect(await shown('admin')).toEqual([true, true, true]);
  });

  it('counts what is waiting now: a new request and a scheduled announcement show at once', async () => {
    const admin = clients.get('admin')!;
    const before = await (await admin.get(ADMIN_HOME)).text();
    await pendingRequest(database.db, 'overview-request');
    await insertAnnouncement('Overview, scheduled', Date.now() + 86_400_000);
    const after = await (await admin.get(ADMIN_HOME)).text();
    expect(figure(after, 'Deletion requests waiting')).toBe(figure(before, 'Deletion requests waiting')! + 1);
    expect(figure(after, 'Announcements live or scheduled')).toBe(figure(before, 'Announcements live or scheduled')! + 1);
    expect(textOf(after)).toMatch(/Views today \(UTC\) [\d,]+ (the same as yesterday|[\d,]+ (more|fewer) than yesterday) \([\d,]+\)/);
  });
});
