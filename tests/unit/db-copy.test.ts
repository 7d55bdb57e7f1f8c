// `npm run db:copy` (src/lib/db/copy.ts, src/cli/db-copy.ts): every table of one database into
// another, empty one, verified table by table. A SQLite source filled through the domain code
// (accounts with roles, an erased account, a closed deletion request, the audit log, view counts
// with their salt and hashes, announcements with booleans, queued mail) is copied SQLite →
// SQLite on every run, and SQLite → PostgreSQL → SQLite when TEST_DATABASE_URL names a server
// (`npm run test:postgres`).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteOwnAccount, eraseAccount } from '../../src/lib/accounts/index.ts';
import { createAnnouncement } from '../../src/lib/announcements/index.ts';
import { recordAudit } from '../../src/lib/audit/index.ts';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { CopyError, copyDatabase } from '../../src/lib/db/copy.ts';
import { describeSchema, migrate, openDatabase, type DB } from '../../src/lib/db/index.ts';
import { syncPolicyVersions } from '../../src/lib/policy/sync.ts';
import { checkDeletionRequestForm, getDeletionRequest, recordDeletionRequest } from '../../src/lib/staff/index.ts';
import { createViewRecorder } from '../../src/lib/views/index.ts';
import { dialect } from '../support/db.ts';
import { publishedVersions } from '../support/policy-versions.ts';
import { createTestPostgresDatabase, databaseUrl, type TestPostgresDatabase } from '../support/postgres.ts';
import { root } from '../support/site.ts';
import { createUser, PASSWORD } from '../support/users.ts';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const SITE = new URL('https://ct.example');
const folder = () => mkdtempSync(join(tmpdir(), 'ct-copy-'));

/** Opens the database at `where` (a file or a URL) for the length of `fn`. */
async function using<T>(where: string, fn: (db: DB) => Promise<T>): Promise<T> {
  const database = openDatabase(where);
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

interface Source {
  path: string;
  /** The highest account number ever given: that account was erased before the copy. */
  erasedId: number;
}

/** A SQLite database with rows in most tables, written the way the site writes them. */
async function fillSource(): Promise<Source> {
  const path = join(folder(), 'site.db');
  const erasedId = await using(path, async (db) => {
    await migrate(db);
    await syncPolicyVersions(
      db,
      publishedVersions().map((v, i) => ({ ...v, title: 'Privacy Policy', sha256: String(i).repeat(64) })),
      T0,
    );
    const admin = await createUser(db, {
      label: 'admin',
      roles: ['admin', 'support'],
      profile: { full_name: 'Ada Admin', phone: '+44 20 7946 0000' },
    });
    const editor = await createUser(db, { label: 'editor', roles: ['editor'] });
    for (const [label, company] of [
      ['zoe', 'Zoë & Co'],
      ['emile', 'Émile SA'],
      ['alpha', 'alpha GmbH'],
      ['bravo', null],
      ['charlie', '日本'],
    ] as const)
      await createUser(db, { label, ...(company ? { profile: { company } } : {}) });

    await createAnnouncement(
      db,
      { text: 'We have moved', level: 'info', audience: 'everyone', link: null, dismissible: true, startsAt: T0, endsAt: null },
      editor.id,
      T0,
    );
    await createAnnouncement(
      db,
      {
        text: 'Maintenance tonight',
        level: 'important',
        audience: 'signed-in',
        link: { url: '/status', text: 'Status' },
        dismissible: false,
        startsAt: T0,
        endsAt: new Date(T0.getTime() + 86_400_000),
      },
      editor.id,
      T0,
    );

    const actor = { userId: admin.id, ip: '203.0.113.9' };
    await db.transaction().execute((trx) => recordAudit(trx, { action: 'account.view', actor, subjectUserId: editor.id, at: T0 }));
    await db
      .transaction()
      .execute((trx) =>
        recordAudit(trx, { action: 'account.reveal', actor, subjectUserId: editor.id, fields: ['email'], reason: 'Ticket 7', at: T0 }),
      );

    // Page views: the day's salt and the visitors' keyed hashes are bytes (blobs / bytea).
    const views = createViewRecorder({ db });
    for (let i = 0; i < 30; i++)
      await views.record(
        { path: i % 3 ? '/pricing' : '/', key: `copy-key-${i}`, visitorId: `Visitor${String(i % 7).padStart(17, 'A')}` },
        T0,
      );
    // More rows than one batch, in one table (keys that sort differently by bytes and by language, too).
    const daily = Array.from({ length: 1234 }, (_, i) => ({
      path: `/${['Äpfel', 'apple', 'Zebra', 'zebra', 'émile'][i % 5]}/${i}`,
      day: '2026-01-01',
      views: i,
      visitors: i % 11,
    }));
    for (let i = 0; i < daily.length; i += 200)
      await db
        .insertInto('view_daily')
        .values(daily.slice(i, i + 200))
        .execute();

    // A deletion request completed by erasing its account: closed, it keeps no address (a check).
    const leaving = await createUser(db, { label: 'leaving' });
    const form = checkDeletionRequestForm({ email: leaving.email, ticket: 'ZD-1', receivedAt: '2026-11-25T09:30' }, T0);
    if (!form.ok) throw new Error(JSON.stringify(form.errors));
    const recorded = await recordDeletionRequest(db, SITE, actor, form.value, T0);
    if (!recorded.ok) throw new Error(recorded.problem);
    await eraseAccount(db, leaving.id, 'support', T0);
    expect((await getDeletionRequest(db, recorded.id))?.status).toBe('completed');

    // The newest account deletes itself: its number is the highest ever given, and no row has it.
    const last = await createUser(db, { label: 'last' });
    expect(await deleteOwnAccount(db, last.id, PASSWORD, T0)).toMatchObject({ ok: true });
    return last.id;
  });
  return { path, erasedId };
}

/**
 * Every row of every table, independently of copy.ts: sorted in JavaScript (no collation), bytes
 * as hex. Booleans come back as booleans on both dialects (SQLite's through its row mapper).
 */
async function dump(where: string): Promise<Record<string, string[]>> {
  return using(where, async (db) => {
    const out: Record<string, string[]> = {};
    for (const table of (await describeSchema(db)).tables) {
      if (table.name.startsWith('kysely_')) continue;
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(db);
      out[table.name] = rows
        .map((row) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? `x:${v.toString('hex')}` : v])))
        .sort();
    }
    return out;
  });
}

/** Creates an account and returns its number, as the site would after the cut-over. */
async function newAccountId(where: string): Promise<number> {
  return using(where, (db) => createAccount(db, normalizeEmail(`after-copy-${Math.random()}@example.com`)!, [], null, T0));
}

function runCli(args: string[], env: Record<string, string> = {}, as: { uid?: number; gid?: number } = {}) {
  const run = spawnSync(process.execPath, [join(root, 'src/cli/db-copy.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    ...as,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let source: Promise<Source> | undefined;
/** One filled source for the whole file (filling it hashes passwords: slow); never written to by a test. */
const filled = () => (source ??= fillSource());

describe('db:copy SQLite → SQLite', () => {
  it('copies every table, verifies each, and the copy gives new rows numbers never given before', async () => {
    const { path, erasedId } = await filled();
    const target = join(folder(), 'nested', 'copy.db');
    const copied: string[] = [];
    // Small batches: every kind of key (numbers, text, bytes, composite) is paged through.
    const result = await copyDatabase({ from: path, to: target, batchSize: 7, onCopied: (table) => void copied.push(table) });

    expect(result.ok).toBe(true);
    const byName = new Map(result.tables.map((t) => [t.table, t]));
    expect(byName.get('view_daily')).toMatchObject({ sourceRows: 1236, targetRows: 1236, ok: true });
    expect(byName.get('audit_log')?.targetRows).toBe(3); // two views by staff, one recorded deletion request
    expect(byName.get('user_role')?.targetRows).toBe(3);
    expect(result.tables.every((t) => t.sourceChecksum === t.targetChecksum && /^[0-9a-f]{64}$/.test(t.targetChecksum))).toBe(true);
    // Parents first: every account before what references it; the rows the migrations seed last.
    expect(copied.indexOf('user')).toBeLessThan(copied.indexOf('user_role'));
    expect(copied.indexOf('policy_version')).toBeLessThan(copied.indexOf('policy_agreement'));
    expect(copied.slice(-2).sort()).toEqual(['app_meta', 'banner_generation']);

    expect(await dump(target)).toEqual(await dump(path));
    expect(await newAccountId(target)).toBe(erasedId + 1);
  });

  it('refuses a target that holds data, but takes one that is only migrated', async () => {
    const { path } = await filled();
    const target = join(folder(), 'copy.db');
    await using(target, (db) => migrate(db));
    expect((await copyDatabase({ from: path, to: target })).ok).toBe(true);
    await expect(copyDatabase({ from: path, to: target })).rejects.toThrow(
      new CopyError(`${target} is not empty (account_profile has 5 rows): copy into a new, empty database`),
    );
  });

  it('refuses a source that is not fully migrated, or not a database of the site', async () => {
    const dir = folder();
    const partial = join(dir, 'partial.db');
    await using(partial, async (db) => {
      await migrate(db);
      await sql`delete from kysely_migration where name = '0012_sharing'`.execute(db);
    });
    await expect(copyDatabase({ from: partial, to: join(dir, 'a.db') })).rejects.toThrow(
      /partial\.db is not fully migrated \(1 pending, from 0012_sharing\): run npm run db:migrate on it first/,
    );
    const stranger = join(dir, 'stranger.db');
    await using(stranger, async (db) => void (await sql`create table notes (id integer primary key)`.execute(db)));
    await expect(copyDatabase({ from: stranger, to: join(dir, 'b.db') })).rejects.toThrow(/has no migration history/);
    await expect(copyDatabase({ from: join(dir, 'missing.db'), to: join(dir, 'c.db') })).rejects.toThrow(
      `there is no database at ${join(dir, 'missing.db')}`,
    );
    await expect(copyDatabase({ from: partial, to: partial })).rejects.toThrow(/the source and the target are the same database/);
  });

  it('reports a table whose copy differs from the source', async () => {
    const { path } = await filled();
    const target = join(folder(), 'copy.db');
    const result = await copyDatabase({
      from: path,
      to: target,
      // Someone writes to the target between the copy of a table and its verification.
      onCopied: async (table) => {
        if (table === 'view_total')
          await using(target, (db) => db.insertInto('view_total').values({ path: '/intruder', views: 1, visitors: 1 }).execute());
      },
    });
    const wrong = result.tables.filter((t) => !t.ok);
    expect(result.ok).toBe(false);
    expect(wrong.map((t) => t.table)).toEqual(['view_total']);
    expect(wrong[0]!.targetRows).toBe(wrong[0]!.sourceRows + 1);
  });

  it('copies one snapshot of a source the site writes to meanwhile, and holds none of its writes up', async () => {
    const { path } = await filled();
    const dir = folder();
    const live = join(dir, 'live.db');
    copyFileSync(path, live);
    const before = await dump(live);
    const site = openDatabase(live);
    try {
      // The site's own connection gives up at once on a lock: a copy holding the write lock would fail it.
      await sql`pragma busy_timeout = 0`.execute(site.db);
      let written = false;
      const result = await copyDatabase({
        from: live,
        to: join(dir, 'copy.db'),
        onCopied: async () => {
          if (written) return;
          written = true;
          await site.db.insertInto('view_total').values({ path: '/meanwhile', views: 1, visitors: 1 }).execute();
        },
      });
      expect(written).toBe(true);
      expect(result.ok).toBe(true);
      expect(await dump(join(dir, 'copy.db'))).toEqual(before);
      expect((await site.db.selectFrom('view_total').select('path').where('path', '=', '/meanwhile').execute()).length).toBe(1);
    } finally {
      await site.close();
    }
  });
});

describe('npm run db:copy', () => {
  it('prints one line per table, and copies from DATABASE_PATH when no --from is given', async () => {
    const { path } = await filled();
    const target = join(folder(), 'copy.db');
    const run = runCli(['--to', target], { DATABASE_PATH: path });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^view_daily: 1236 rows, checksum ok$/m);
    expect(run.stdout).toMatch(/^app_meta: 1 row, checksum ok$/m);
    expect(run.stdout).toMatch(/34 tables copied and verified/);
  });

  it('copies from a file it may only read, and leaves it as it was; says what to do when its folder is read-only too', async () => {
    const { path } = await filled();
    // Root ignores file modes: the command then runs as nobody, as an operator's own account would.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const sourceDir = folder();
    chmodSync(sourceDir, 0o777);
    const readOnly = join(sourceDir, 'backup.db');
    copyFileSync(path, readOnly);
    // In rollback-journal mode, as a file from elsewhere may be: opening it to write would
    // turn it to WAL mode (the site's setting), a change to the source.
    const sqlite = new SQLite(readOnly);
    sqlite.pragma('journal_mode = DELETE');
    sqlite.close();
    chmodSync(readOnly, 0o444);
    const before = readFileSync(readOnly);
    const targetDir = folder();
    chmodSync(targetDir, 0o777);

    const run = runCli(['--from', readOnly, '--to', join(targetDir, 'copy.db')], {}, as);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/34 tables copied and verified/);
    expect(readFileSync(readOnly).equals(before)).toBe(true);

    // The site's own files are in WAL mode, which needs the folder to be writable.
    const walDir = folder();
    const walFile = join(walDir, 'backup.db');
    copyFileSync(path, walFile);
    chmodSync(walDir, 0o555);
    const refused = runCli(['--from', walFile, '--to', join(targetDir, 'second.db')], {}, as);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^db:copy: cannot read .*backup\.db in its folder, which is read-only: .*Copy the file .* to a folder you can write to/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses bad arguments with one line and never prints a password', () => {
    const secret = 's3cret-0451';
    const url = `postgres://ct:${secret}@127.0.0.1:1/x`;
    const cases: [string[], number, RegExp][] = [
      [[], 2, /^db:copy: --to is required; usage: npm run db:copy -- /],
      [['--to'], 2, /^db:copy: --to needs a value/],
      [['--to', 'a.db', '--to', 'b.db'], 2, /^db:copy: --to is given twice/],
      [['--into', 'a.db'], 2, /^db:copy: unexpected argument --into/],
      [[url], 2, /^db:copy: unexpected argument postgres:\/\/ct:\*\*\*@127\.0\.0\.1:1\/x/],
      [['--from', join(folder(), 'none.db'), '--to', url], 1, /^db:copy: there is no database at .*none\.db$/],
    ];
    for (const [args, status, message] of cases) {
      const run = runCli(args);
      expect(run.status, args.join(' ')).toBe(status);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr.trim(), args.join(' ')).toMatch(message);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });
});

// PostgreSQL, as the cut-over does it: only where the tests have a server (`npm run test:postgres`).
describe.runIf(dialect === 'postgres')('db:copy SQLite → PostgreSQL → SQLite', () => {
  const databases: TestPostgresDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });
  /** A new database on the test server: empty (as `createdb` makes it), or migrated. */
  const newDatabase = async (migrated: boolean) => {
    const created = await createTestPostgresDatabase({ migrated });
    databases.push(created);
    return created.url;
  };

  it('copies into an empty database and back, with booleans, bytes and numbers intact and fresh ids on both', async () => {
    const { path, erasedId } = await filled();
    const url = await newDatabase(false);
    const there = await copyDatabase({ from: path, to: url, batchSize: 250 });
    expect(there.ok).toBe(true);
    expect(there.to).not.toContain(new URL(url).password);
    expect(there.tables.find((t) => t.table === 'view_daily')?.targetRows).toBe(1236);

    await using(url, async (db) => {
      // Real booleans and bytes, not 0/1 and text.
      const { rows } = await sql<{ dismissible: unknown; salt: unknown }>`
        select a.dismissible, (select salt from view_salt limit 1) as salt from announcement a order by a.id
      `.execute(db);
      expect(rows.map((r) => r.dismissible)).toEqual([true, false]);
      expect(Buffer.isBuffer(rows[0]!.salt) && (rows[0]!.salt as Buffer).length).toBe(32);
      // Historical rows the triggers refuse to change went in; they still refuse changes.
      await expect(sql`delete from audit_log`.execute(db)).rejects.toThrow(/append-only/);
    });
    expect(await dump(url)).toEqual(await dump(path));
    // The identity sequence starts above every number the SQLite file ever gave.
    expect(await newAccountId(url)).toBe(erasedId + 1);

    // And back: from PostgreSQL into a new SQLite file (the sequence's mark comes along).
    const back = join(folder(), 'back.db');
    const home = await copyDatabase({ from: url, to: back, batchSize: 7 });
    expect(home.ok).toBe(true);
    const [before, after] = [await dump(path), await dump(back)];
    // The account made on PostgreSQL after the copy is the only difference.
    expect(after.user).toHaveLength(before.user!.length + 1);
    expect({ ...after, user: [] }).toEqual({ ...before, user: [] });
    expect(await newAccountId(back)).toBe(erasedId + 2);
  });

  it('reads text keys in the same order on both sides when the database sorts text by a language’s rules', async () => {
    const { path } = await filled();
    // ICU's English order ('apple' < 'Zebra') is not SQLite's order of bytes ('Zebra' < 'apple').
    const name = `ct_test_icu_${process.pid}_${Date.now()}`;
    const admin = openDatabase(process.env.TEST_DATABASE_URL!);
    try {
      await sql`create database ${sql.id(name)} template template0 locale_provider icu icu_locale 'en-US'`.execute(admin.db);
      const url = databaseUrl(name);
      const result = await copyDatabase({ from: path, to: url, batchSize: 7 });
      expect(result.tables.filter((t) => !t.ok)).toEqual([]);
      const { rows } = await using(url, (db) =>
        sql<{ path: string }>`select path from view_daily where path in ('/Zebra/2', '/apple/1') order by path`.execute(db),
      );
      expect(rows.map((r) => r.path)).toEqual(['/apple/1', '/Zebra/2']);
    } finally {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db);
      await admin.close();
    }
  });

  it('takes a migrated, unused database, and refuses one that holds data', async () => {
    const { path } = await filled();
    const url = await newDatabase(true);
    expect((await copyDatabase({ from: path, to: url })).ok).toBe(true);
    const again = await copyDatabase({ from: path, to: url }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CopyError);
    expect((again as Error).message).toMatch(
      /^postgres:\/\/[^:]+:\*\*\*@.* is not empty \(account_profile has 5 rows\): copy into a new, empty database$/,
    );
  });

  it('says so without the password when the command copies into PostgreSQL', async () => {
    const { path } = await filled();
    const url = await newDatabase(false);
    const password = new URL(url).password;
    const run = runCli(['--from', path, '--to', url]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^user: 7 rows, checksum ok$/m);
    expect(run.stdout + run.stderr).not.toContain(password);
    const refused = runCli(['--from', path, '--to', url]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^db:copy: postgres:\/\/.*:\*\*\*@.* is not empty \(.*\): copy into a new, empty database\n$/);
    expect(refused.stdout + refused.stderr).not.toContain(password);
  });
});
