// `npm run db:backup` (src/cli/db-backup.ts): SQLite's online backup, or pg_dump's custom format
// when DATABASE_URL is set (src/lib/db/postgres-tools.ts). The password reaches pg_dump through
// its environment only, shown here with a stand-in pg_dump that records what it was given; the
// real dump is restored with pg_restore where the tests have a server (`npm run test:postgres`).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccount, normalizeEmail } from '../../src/lib/auth/index.ts';
import { migrate, openDatabase, type DB } from '../../src/lib/db/index.ts';
import { findPostgresTool, libpqConnection } from '../../src/lib/db/postgres-tools.ts';
import { dialect } from '../support/db.ts';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../support/postgres.ts';
import { root } from '../support/site.ts';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const folder = () => mkdtempSync(join(tmpdir(), 'ct-backup-'));
const SECRET = 'pa ss/wörd-0451';
const URL_WITH_SECRET = `postgres://ct:${encodeURIComponent(SECRET)}@127.0.0.1:1/site?sslmode=disable`;

function backup(file: string, env: Record<string, string>) {
  const run = spawnSync(process.execPath, [join(root, 'src/cli/db-backup.ts'), file], {
    cwd: root,
    encoding: 'utf8',
    // Only what the test sets: DATABASE_URL or DATABASE_PATH must not leak in from the shell.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function withDatabase<T>(where: string, fn: (db: DB) => Promise<T>): Promise<T> {
  const database = openDatabase(where);
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

async function addAccounts(db: DB, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await createAccount(db, normalizeEmail(`backup-${i}@example.com`)!, [], null, T0);
}

describe('db:backup on SQLite', () => {
  it('copies the database file while it is open, and refuses to overwrite a file', async () => {
    const dir = folder();
    const path = join(dir, 'site.db');
    const open = openDatabase(path);
    await migrate(open.db);
    await addAccounts(open.db, 3);
    try {
      const file = join(dir, 'site-backup.db');
      const run = backup(file, { DATABASE_PATH: path });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^backed up .*site\.db to .*site-backup\.db \(\d+ pages\)\n$/);
      expect(await withDatabase(file, async (db) => (await db.selectFrom('user').select('id').execute()).length)).toBe(3);
      // Personal data: readable by its owner only, and nothing left beside it.
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).filter((name) => name.includes('.partial-'))).toEqual([]);

      const again = backup(file, { DATABASE_PATH: path });
      expect(again.status).toBe(1);
      expect(again.stderr).toBe(`db:backup: ${file} already exists; choose a new file name\n`);
    } finally {
      await open.close();
    }
  });
});

describe('db:backup on PostgreSQL, with a stand-in pg_dump', () => {
  it('says what to install, or what to run instead, when pg_dump is missing', () => {
    const run = backup(join(folder(), 'site.dump'), { DATABASE_URL: URL_WITH_SECRET, PG_BIN: join(folder(), 'empty') });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^db:backup: pg_dump is not installed \(looked in PG_BIN\): .*apt-get install postgresql-client.*pg_dump -Fc -f <file> "\$DATABASE_URL"\n$/,
    );
    expect(run.stdout + run.stderr).not.toContain('0451');
  });

  it('gives pg_dump the password in PGPASSWORD, never on its command line, and keeps the dump private', () => {
    const bin = folder();
    const record = join(bin, 'record.json');
    // Answers --version like pg_dump; otherwise records its arguments and PGPASSWORD and writes a "dump".
    writeFileSync(
      join(bin, 'pg_dump'),
      `#!${process.execPath}
const { writeFileSync } = require('node:fs');
if (process.argv[2] === '--version') { console.log('pg_dump (PostgreSQL) 99.1'); process.exit(0); }
writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args: process.argv.slice(2), password: process.env.PGPASSWORD }));
const file = process.argv.find((a) => a.startsWith('--file=')).slice('--file='.length);
writeFileSync(file, 'PGDMP');
`,
    );
    chmodSync(join(bin, 'pg_dump'), 0o755);
    const file = join(folder(), 'nested', 'site.dump');
    const run = backup(file, { DATABASE_URL: URL_WITH_SECRET, PG_BIN: bin });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      `backed up postgres://ct:***@127.0.0.1:1/site?sslmode=disable to ${file} (5 bytes, pg_dump 99.1, custom format)\n`,
    );
    const { args, password } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; password: string };
    expect(password).toBe(SECRET);
    expect(args).toEqual([
      '--format=custom',
      '--no-password',
      expect.stringMatching(/^--file=.*site\.dump\.partial-[0-9a-f]{12}$/),
      '--dbname=postgres://ct@127.0.0.1:1/site?sslmode=disable',
    ]);
    expect(JSON.stringify(args)).not.toContain('0451');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(args[2]!.slice('--file='.length))).toBe(false);
  });

  it('passes a URL without a password as it is, and node-postgres’s sslmode=no-verify as libpq’s require', () => {
    expect(libpqConnection('postgres://ct@db.internal/site', {}).env.PGPASSWORD).toBeUndefined();
    expect(libpqConnection('postgresql://ct:x%40y@db.internal/site?sslmode=no-verify', {})).toEqual({
      dbname: 'postgresql://ct@db.internal/site?sslmode=require',
      env: { PGPASSWORD: 'x@y' },
    });
  });
});

describe.runIf(dialect === 'postgres')('db:backup on PostgreSQL, restored with pg_restore', () => {
  const databases: TestPostgresDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });

  it('dumps the database in custom format; pg_restore brings back every row into a new database', async () => {
    const source = await createTestPostgresDatabase();
    const restored = await createTestPostgresDatabase({ migrated: false });
    databases.push(source, restored);
    await withDatabase(source.url, (db) => addAccounts(db, 5));

    const file = join(folder(), 'site.dump');
    const run = backup(file, { DATABASE_URL: source.url });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^backed up postgres:\/\/[^:]+:\*\*\*@.* to .*site\.dump \(\d+ bytes, pg_dump \d+\.\d+, custom format\)\n$/);
    expect(run.stdout).not.toContain(new URL(source.url).password);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');

    const pgRestore = findPostgresTool('pg_restore');
    expect(pgRestore).toBeDefined();
    const { dbname, env } = libpqConnection(restored.url);
    const restore = spawnSync(pgRestore!.file, ['--no-owner', '--exit-on-error', `--dbname=${dbname}`, file], { env, encoding: 'utf8' });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    const count = (db: DB) =>
      db
        .selectFrom('user')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
    expect(await withDatabase(restored.url, count)).toEqual({ n: 5 });
    // The restored database is the site's, history included: nothing left to migrate.
    expect((await withDatabase(restored.url, (db) => migrate(db))).results).toEqual([]);
  });
});
