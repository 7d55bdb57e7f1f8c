import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  checkpointWal,
  connectDatabase,
  DatabaseError,
  executePrepared,
  isDatabaseUnavailable,
  isReachable,
  isTransactionConflict,
  isUniqueViolation,
  migrate,
  openDatabase,
  sharedRead,
  vacuumErased,
  writeTransaction,
  type DB,
} from '../../src/lib/db/index.ts';
import { withStatementCache } from '../../src/lib/db/sqlite.ts';
import { dialect, openTestDatabase } from '../support/db.ts';
import { createTestPostgresDatabase, databaseUrl } from '../support/postgres.ts';

/** The value of a SQLite pragma, through Kysely. */
async function pragma(db: DB, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(db);
  return Object.values(rows[0] ?? {})[0];
}

// SQLite's own settings and files: the PostgreSQL counterparts are below.
describe.runIf(dialect === 'sqlite')('openDatabase on SQLite', () => {
  it('creates the file and its folder with the required settings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'nested', 'site.db');
    const database = openDatabase(path);
    expect(database.dialect).toBe('sqlite');
    expect(await pragma(database.db, 'journal_mode')).toBe('wal');
    expect(await pragma(database.db, 'foreign_keys')).toBe(1);
    expect(await pragma(database.db, 'busy_timeout')).toBe(5000);
    // Deleted content is overwritten with zeros, not left in free space.
    expect(await pragma(database.db, 'secure_delete')).toBe(1);
    await database.close();
  });
});

describe.runIf(dialect === 'postgres')('openDatabase on PostgreSQL', () => {
  it('uses a pool with the configured statement timeout, and reads bigints and sums back as numbers', async () => {
    const created = await createTestPostgresDatabase();
    const database = openDatabase({ dialect: 'postgres', url: created.url, poolSize: 3, statementTimeoutMs: 1234 });
    try {
      expect(database.dialect).toBe('postgres');
      const { rows } = await sql<{ timeout: string }>`select current_setting('statement_timeout') as timeout`.execute(database.db);
      expect(rows[0]!.timeout).toBe('1234ms');
      const at = Date.UTC(2026, 11, 4, 12, 0, 0, 123);
      const big = await sql<{ n: number; total: number; count: number }>`
        select ${at}::bigint as n, sum(x) as total, count(*) as count from (values (${at}::bigint), (1::bigint)) as v(x)
      `.execute(database.db);
      expect(big.rows[0]).toEqual({ n: at, total: at + 1, count: 2 });
      await expect(sql`select pg_sleep(2)`.execute(database.db)).rejects.toThrow(/statement timeout/);
    } finally {
      await database.close();
      await created.drop();
    }
  });

  it('says in one line why it cannot connect, naming DATABASE_URL and never the password', async () => {
    const wrong = new URL(databaseUrl('postgres'));
    wrong.password = 'not-the-password-0451';
    const error = await connectDatabase(wrong.toString()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).variable).toBe('DATABASE_URL');
    expect((error as Error).message).toMatch(/^cannot connect to postgres:\/\/[^:]+:\*\*\*@.*: password authentication failed/);
    expect((error as Error).message).not.toContain('not-the-password-0451');
    expect((error as Error).message).not.toContain('\n');

    const missing = await connectDatabase(databaseUrl('ct_no_such_database')).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/database "ct_no_such_database" does not exist/);
  });
});

describe('openDatabase', () => {
  it('migrates idempotently', async () => {
    const database = await openTestDatabase();
    try {
      const again = await migrate(database.db);
      expect(again.results).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('reports an unreachable database', async () => {
    const database = await openTestDatabase();
    const second = openDatabase(database.target === ':memory:' ? ':memory:' : database.target);
    expect(await isReachable(second.db)).toBe(true);
    await second.close();
    expect(await isReachable(second.db)).toBe(false);
    await database.close();
  });

  it.runIf(dialect === 'sqlite')('says why a SQLite file cannot be opened, naming DATABASE_PATH', async () => {
    const error = await connectDatabase('/proc/version/site.db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).variable).toBe('DATABASE_PATH');
  });
});

// SQLite's write-ahead log and free pages: on PostgreSQL, erasure relies on vacuum instead
// (docs/decisions/0021-postgresql.md).
describe.runIf(dialect === 'sqlite')('checkpointWal', () => {
  const SECRET = 'zanzibar-erased-4711@example.com';
  const bytesOf = (path: string) => (existsSync(path) ? readFileSync(path) : Buffer.alloc(0));

  it('leaves no byte of a deleted row in the file or its WAL; retried while another connection reads an old snapshot', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'site.db');
    const database = openDatabase(path);
    await sql`create table person (id integer primary key, email text)`.execute(database.db);
    for (let i = 0; i < 50; i++) await sql`insert into person (email) values (${`filler-${i}@example.com`})`.execute(database.db);
    await sql`insert into person (email) values (${SECRET})`.execute(database.db);
    // Another connection in the middle of a read: its snapshot needs the WAL as it is.
    const reader = new SQLite(path, { readonly: true });
    reader.prepare('begin').run();
    reader.prepare('select count(*) from person').get();
    await sql`delete from person where email = ${SECRET}`.execute(database.db);
    expect(bytesOf(`${path}-wal`).includes(SECRET)).toBe(true);

    // While the reader holds its snapshot, the checkpoint cannot finish: it says so after its tries.
    let waits = 0;
    expect(await checkpointWal(database.db, { attempts: 2, wait: async () => void waits++ })).toBe(false);
    expect(waits).toBe(1);
    // The reader finishes during the wait before the second try: that try succeeds.
    expect(await checkpointWal(database.db, { attempts: 3, wait: async () => void reader.prepare('commit').run() })).toBe(true);
    reader.close();

    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(bytesOf(path).includes(SECRET)).toBe(false);
    expect(bytesOf(path).includes('filler-7@example.com')).toBe(true);
    // The usual busy timeout is back for every other statement.
    expect(await pragma(database.db, 'busy_timeout')).toBe(5000);
    await database.close();
  });
});

// After an erasure on PostgreSQL (docs/decisions/0025-erasure-on-postgresql.md). Vacuum's own
// record of having run (pg_stat_user_tables.last_vacuum, written by the vacuum itself) is what
// is checked: the dead-tuple counts arrive in the statistics asynchronously.
describe('vacuumErased', () => {
  const lastVacuums = async (db: DB) =>
    Object.fromEntries(
      (
        await sql<{ relname: string; vacuumed: boolean }>`
          select relname, last_vacuum is not null as vacuumed from pg_stat_user_tables where relname in ('user', 'session', 'audit_log')
        `.execute(db)
      ).rows.map((r) => [r.relname, r.vacuumed]),
    );

  it.runIf(dialect === 'sqlite')('does nothing on SQLite, where secure_delete and the checkpoint reach every byte', async () => {
    const database = await openTestDatabase();
    try {
      expect(await vacuumErased(database.db, ['user', 'session'])).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it.runIf(dialect === 'postgres')('vacuums the named tables on PostgreSQL, and refuses to run inside a transaction', async () => {
    const database = await openTestDatabase();
    try {
      const { id } = await database.db
        .insertInto('user')
        .values({ email: 'gone@example.com', email_normalized: 'gone@example.com', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db.deleteFrom('user').where('id', '=', id).execute();
      expect(await lastVacuums(database.db)).toEqual({ user: false, session: false, audit_log: false });

      expect(await vacuumErased(database.db, ['user', 'session', 'user'])).toEqual(['user', 'session']);
      expect(await lastVacuums(database.db)).toEqual({ user: true, session: true, audit_log: false });

      await expect(database.db.transaction().execute((trx) => vacuumErased(trx, ['user']))).rejects.toThrow(
        'vacuumErased runs after the erasing transaction has committed, never inside it',
      );
    } finally {
      await database.close();
    }
  });
});

// The SQLite connection's kept statements (src/lib/db/sqlite.ts).
describe.runIf(dialect === 'sqlite')('withStatementCache', () => {
  it('prepares a query once, keeps at most its size, and gives a query being streamed a statement of its own', async () => {
    const sqlite = new SQLite(':memory:');
    const prepared: string[] = [];
    const original = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      prepared.push(text);
      return original(text);
    }) as typeof sqlite.prepare;
    const cached = withStatementCache(sqlite, 2);
    const db = new Kysely<{ t: { x: number } }>({ dialect: new SqliteDialect({ database: cached }) });
    try {
      await db.schema.createTable('t').addColumn('x', 'integer').execute();
      await db
        .insertInto('t')
        .values([{ x: 1 }, { x: 2 }, { x: 3 }])
        .execute();
      const one = () => db.selectFrom('t').select('x').where('x', '=', 2).execute();
      prepared.length = 0;
      expect(await one()).toEqual([{ x: 2 }]);
      expect(await one()).toEqual([{ x: 2 }]);
      expect(prepared).toHaveLength(1);

      // A statement still being iterated (a streamed select) is busy: the same query gets another.
      const text = 'select x from t order by x';
      const streaming = cached.prepare(text).iterate([]);
      expect(streaming.next().value).toEqual({ x: 1 });
      expect(cached.prepare(text).all([])).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
      expect([...streaming]).toEqual([{ x: 2 }, { x: 3 }]);

      // Two kept at most: after two other queries, the first is prepared again.
      prepared.length = 0;
      await db.selectFrom('t').select('x').where('x', '<', 1).execute();
      await db.selectFrom('t').select('x').where('x', '>', 1).execute();
      await one();
      expect(prepared).toHaveLength(3);

      // A long statement (a multi-row insert) is not kept.
      prepared.length = 0;
      const many = Array.from({ length: 400 }, (_, i) => ({ x: i }));
      await db.insertInto('t').values(many).execute();
      await db.deleteFrom('t').where('x', '>', 3).execute();
      await db.insertInto('t').values(many).execute();
      await db.deleteFrom('t').where('x', '>', 3).execute();
      expect(prepared.filter((text) => text.startsWith('insert'))).toHaveLength(2);

      // A schema change: the kept statement is re-prepared by SQLite, not run against the old table.
      await db.schema.dropTable('t').execute();
      await db.schema.createTable('t').addColumn('x', 'integer').execute();
      await db.insertInto('t').values({ x: 2 }).execute();
      expect(await one()).toEqual([{ x: 2 }]);
    } finally {
      await db.destroy();
    }
  });
});

// SQLite's own behaviour: it ends a transaction by itself after some errors.
describe.runIf(dialect === 'sqlite')('transactions beside another connection to the file', () => {
  /** Two connections to one new file (the server and a CLI command, say), with a table; the second gives up on a lock at once. */
  async function twoConnections() {
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'site.db');
    const first = openDatabase(path);
    const second = openDatabase(path);
    await sql`create table t (x integer)`.execute(first.db);
    // better-sqlite3 is synchronous: waiting out the busy timeout here would block the event loop that must release the lock.
    await sql`pragma busy_timeout = 0`.execute(second.db);
    const insert = (db: DB, x: number) =>
      db
        .insertInto('t' as never)
        .values({ x } as never)
        .execute();
    const count = async () => (await sql<{ n: number }>`select count(*) as n from t`.execute(first.db)).rows[0]!.n;
    return { first, second, insert, count, close: () => Promise.all([first.close(), second.close()]) };
  }

  it('take the write lock first, so one that read before the other connection wrote still commits its write', async () => {
    const { first, second, insert, count, close } = await twoConnections();
    try {
      // With a plain BEGIN the second connection's commit would land between the read and the
      // write, and the write would fail at once with SQLITE_BUSY_SNAPSHOT.
      let refused: unknown;
      await first.db.transaction().execute(async (trx) => {
        await sql`select count(*) from t`.execute(trx);
        refused = await insert(second.db, 1).catch((e: unknown) => e);
        await insert(trx, 2);
      });
      expect((refused as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(await count()).toBe(1);
      // Once committed, the other connection writes again.
      await insert(second.db, 3);
      expect(await count()).toBe(2);
    } finally {
      await close();
    }
  });

  it('begin a read-only one without the lock, so other connections write meanwhile', async () => {
    const { first, second, insert, count, close } = await twoConnections();
    try {
      const seen = await first.db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          const before = (await sql<{ n: number }>`select count(*) as n from t`.execute(trx)).rows[0]!.n;
          await insert(second.db, 1);
          // One snapshot: the other connection's commit is not seen inside.
          const after = (await sql<{ n: number }>`select count(*) as n from t`.execute(trx)).rows[0]!.n;
          return [before, after];
        });
      expect(seen).toEqual([0, 0]);
      expect(await count()).toBe(1);
    } finally {
      await close();
    }
  });
});

describe.runIf(dialect === 'sqlite')('a transaction SQLite rolled back by itself', () => {
  it('fails with the error that ended it, not with the ROLLBACK after it', async () => {
    const database = openDatabase(':memory:');
    try {
      await sql`create table t (x blob)`.execute(database.db);
      // No room to grow: the insert fails with SQLITE_FULL, and SQLite rolls the transaction back.
      const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(database.db);
      await sql.raw(`pragma max_page_count = ${rows[0]!.page_count + 1}`).execute(database.db);
      const error = await writeTransaction(database.db, 'test', (trx) =>
        trx
          .insertInto('t' as never)
          .values({ x: Buffer.alloc(200_000) } as never)
          .execute(),
      ).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('SQLITE_FULL');
      expect(isDatabaseUnavailable(error)).toBe(true);
      // The connection is usable afterwards.
      expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });
});

describe('isUniqueViolation', () => {
  it('recognises a unique-constraint violation, on the named columns only', async () => {
    const database = await openTestDatabase();
    try {
      const insert = () =>
        database.db
          .insertInto('user')
          .values({ email: 'a@example.com', email_normalized: 'a@example.com', created_at: new Date().toISOString() })
          .execute();
      await insert();
      const error = await insert().catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
      expect(isUniqueViolation(error, 'user.email_normalized')).toBe(true);
      expect(isUniqueViolation(error, 'user.email')).toBe(false);
      expect(isUniqueViolation(new Error('UNIQUE constraint failed: user.email_normalized'))).toBe(false);
      expect(isUniqueViolation(null)).toBe(false);
    } finally {
      await database.close();
    }
  });
});

/** A port of 127.0.0.1 that nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('executePrepared', () => {
  it('runs a statement, prepared once per connection on PostgreSQL, and never inside a transaction', async () => {
    const created = dialect === 'postgres' ? await createTestPostgresDatabase() : undefined;
    const database = created ? openDatabase({ dialect: 'postgres', url: created.url, poolSize: 1 }) : await openTestDatabase();
    try {
      const { db } = database;
      for (const n of [1, 2]) {
        expect(await executePrepared(db, 'add_one', sql<{ n: number }>`select ${n} + 1 as n`)).toEqual([{ n: n + 1 }]);
      }
      if (dialect === 'postgres') {
        // One connection in the pool: the statement that ran twice was prepared there once.
        const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(db);
        expect(rows).toEqual([{ name: 'add_one' }]);
      }
      await expect(db.transaction().execute((trx) => executePrepared(trx, 'add_one', sql`select 1`))).rejects.toThrow(
        /not inside a transaction/,
      );
    } finally {
      await database.close();
      await created?.drop();
    }
  });
});

describe('sharedRead', () => {
  it('gives callers that arrive while a read is in flight its answer or its failure, then reads again', async () => {
    const database = await openTestDatabase();
    try {
      const { db } = database;
      let reads = 0;
      const readOn = (on: DB) => async () => {
        reads++;
        return (await sql<{ n: number }>`select cast(${reads} as integer) as n`.execute(on)).rows[0]!.n;
      };
      const read = readOn(db);
      const [a, b] = [sharedRead(db, 'n', read), sharedRead(db, 'n', read)];
      expect(b).toBe(a);
      expect(await Promise.all([a, b, sharedRead(db, 'other', read)])).toEqual([1, 1, 2]);
      expect(await sharedRead(db, 'n', read)).toBe(3); // settled: read again

      const failing = () => Promise.reject(new Error('no database'));
      const [c, d] = [sharedRead(db, 'n', failing), sharedRead(db, 'n', read)];
      await expect(c).rejects.toThrow('no database');
      await expect(d).rejects.toThrow('no database');
      expect(await sharedRead(db, 'n', read)).toBe(4);

      // Inside a transaction: always its own read.
      await db.transaction().execute(async (trx) => {
        const [e, f] = [sharedRead(trx, 'n', readOn(trx)), sharedRead(trx, 'n', readOn(trx))];
        expect(f).not.toBe(e);
        expect((await Promise.all([e, f])).sort()).toEqual([5, 6]);
      });
    } finally {
      await database.close();
    }
  });
});

describe('isTransactionConflict', () => {
  it.runIf(dialect === 'postgres')('recognises a deadlock PostgreSQL broke, and takes it for nothing else', async () => {
    const database = await openTestDatabase();
    try {
      const { db } = database;
      await sql`create table pair (id integer primary key, n integer not null)`.execute(db);
      await sql`insert into pair values (1, 0), (2, 0)`.execute(db);
      // Each transaction locks one row, waits until the other has locked the other, then
      // wants it: the server ends one of them (after deadlock_timeout, 1 s).
      let locked = 0;
      let bothLocked!: () => void;
      const both = new Promise<void>((resolve) => (bothLocked = resolve));
      const crossing = (first: number, second: number) =>
        db.transaction().execute(async (trx) => {
          await sql`update pair set n = n + 1 where id = ${first}`.execute(trx);
          if (++locked === 2) bothLocked();
          await both;
          await sql`update pair set n = n + 1 where id = ${second}`.execute(trx);
        });
      const results = await Promise.allSettled([crossing(1, 2), crossing(2, 1)]);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(refused).toHaveLength(1);
      expect(isTransactionConflict(refused[0])).toBe(true);
      expect(isDatabaseUnavailable(refused[0])).toBe(false);
      // Nothing of the ended one was kept.
      expect((await sql<{ n: number }>`select sum(n)::integer as n from pair`.execute(db)).rows[0]!.n).toBe(2);
    } finally {
      await database.close();
    }
  });

  it('is not a violated constraint, a wrong statement or a missing table', async () => {
    const database = await openTestDatabase();
    try {
      const insert = () => sql`insert into app_meta (key, value) values ('conflict-test', 'x')`.execute(database.db);
      await insert();
      for (const attempt of [
        insert,
        () => sql`selec 1`.execute(database.db),
        () => sql`select * from no_such_table`.execute(database.db),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(isTransactionConflict(error)).toBe(false);
      }
    } finally {
      await database.close();
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it("recognises the drivers' own errors for a database that cannot be used just now", async () => {
    // PostgreSQL that is not there: pg's error for the refused connection.
    const down = openDatabase({ dialect: 'postgres', url: `postgres://ct:secret@127.0.0.1:${await closedPort()}/site`, poolSize: 1 });
    const refused = await sql`select 1`.execute(down.db).catch((e: unknown) => e);
    await down.close();
    expect(refused).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(refused)).toBe(true);

    // SQLite locked by another writer (no busy timeout, so at once), and opened read-only.
    const path = join(mkdtempSync(join(tmpdir(), 'ct-db-')), 'site.db');
    const writer = new SQLite(path);
    writer.exec('create table t (x integer)');
    writer.prepare('begin immediate').run();
    const other = new SQLite(path, { timeout: 0 });
    const busy = (() => {
      try {
        other.prepare('insert into t values (1)').run();
      } catch (error) {
        return error;
      }
    })();
    writer.prepare('commit').run();
    other.close();
    const readOnly = new SQLite(path, { readonly: true });
    const refusedWrite = (() => {
      try {
        readOnly.prepare('insert into t values (1)').run();
      } catch (error) {
        return error;
      }
    })();
    readOnly.close();
    writer.close();
    expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
    expect(isDatabaseUnavailable(busy)).toBe(true);
    expect((refusedWrite as { code?: string }).code).toBe('SQLITE_READONLY');
    expect(isDatabaseUnavailable(refusedWrite)).toBe(true);
  });

  it('does not take a wrong statement or a violated constraint for an outage', async () => {
    const database = await openTestDatabase();
    try {
      const insert = () =>
        database.db
          .insertInto('user')
          .values({ email: 'b@example.com', email_normalized: 'b@example.com', created_at: new Date().toISOString() })
          .execute();
      await insert();
      const duplicate = await insert().catch((e: unknown) => e);
      const typo = await sql`selec 1`.execute(database.db).catch((e: unknown) => e);
      const noTable = await sql`select * from no_such_table`.execute(database.db).catch((e: unknown) => e);
      for (const error of [duplicate, typo, noTable]) {
        expect(error).toBeInstanceOf(Error);
        expect(isDatabaseUnavailable(error)).toBe(false);
      }
    } finally {
      await database.close();
    }
  });

  it("knows PostgreSQL's shutdown, read-only and connection states, pg's lost connections, and looks into causes", () => {
    const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const error of [
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P02'),
      withCode('57P03', 'the database system is shutting down'),
      withCode('53300', 'sorry, too many clients already'),
      withCode('25006', 'cannot execute INSERT in a read-only transaction'),
      withCode('08006'),
      withCode('08001'),
      withCode('ECONNRESET'),
      withCode('EPIPE'),
      withCode('ETIMEDOUT'),
      withCode('SQLITE_IOERR_WRITE', 'disk I/O error'),
      withCode('SQLITE_FULL'),
      withCode('SQLITE_CANTOPEN'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated'),
      new Error('timeout exceeded when trying to connect'),
      // pg-pool's connect timeout, wrapping the client's error.
      new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }),
      new Error('query failed', { cause: withCode('57P01') }),
      // Node's refused connection to a name with several addresses.
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed'),
    ])
      expect(isDatabaseUnavailable(error), `${(error as { code?: string }).code ?? ''} ${error.message}`).toBe(true);

    const loop: Error & { cause?: unknown } = new Error('a cause chain that loops');
    loop.cause = new Error('middle', { cause: loop });
    for (const error of [
      withCode('23505'),
      withCode('42P01'),
      withCode('57014', 'canceling statement due to statement timeout'),
      // A missing privilege is a misconfiguration that waiting does not cure.
      withCode('42501', 'permission denied for table view_count'),
      withCode('SQLITE_CONSTRAINT_UNIQUE'),
      withCode('SQLITE_CORRUPT'),
      withCode('SQLITE_ERROR'),
      new Error('Connection refused by the bouncer at the door'),
      loop,
      null,
      undefined,
      'ECONNREFUSED',
    ])
      expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });
});
