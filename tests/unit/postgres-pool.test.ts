// The PostgreSQL pool when the server goes away: a connection dropped while it is in use must
// not end the process (pg emits 'error' on the client, and pg-pool listens only to idle ones).
// Against a stand-in server speaking just enough of the protocol to accept a connection and
// then end it as PostgreSQL's fast shutdown does, so that this runs without PostgreSQL.
import { createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDatabaseUnavailable } from '../../src/lib/db/index.ts';
import { openPostgres } from '../../src/lib/db/postgres.ts';

/** A backend message: its type, its length (itself included), its body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const AUTHENTICATION_OK = message('R', Buffer.alloc(4));
const READY_FOR_QUERY = message('Z', Buffer.from('I', 'latin1'));
const ADMIN_SHUTDOWN = message(
  'E',
  Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0', 'latin1'),
);

/** Accepts every connection (no password asked), then leaves it idle. */
async function standInServer(): Promise<{ port: number; sockets: Set<Socket>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    // The startup message, then the connection is ready.
    socket.once('data', () => socket.write(Buffer.concat([AUTHENTICATION_OK, READY_FOR_QUERY])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the PostgreSQL pool when the server goes away', () => {
  it('a connection dropped while in use fails its next statement, is discarded, and the process lives on', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = await standInServer();
    const { pool, db } = openPostgres(`postgres://ct:secret@127.0.0.1:${server.port}/site`, { poolSize: 1, statementTimeoutMs: 0 });
    try {
      const client = await pool.connect();
      const ended = new Promise((resolve) => client.once('end', resolve));
      // A fast shutdown: the backend says why, then closes, with no statement running.
      for (const socket of server.sockets) socket.end(ADMIN_SHUTDOWN);
      await ended;
      // Unheard, the client's 'error' would have been thrown out of the socket's handler.
      const next = await client.query('select 1').catch((error: unknown) => error);
      expect(next).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(next)).toBe(true);
      client.release();
      expect(pool.totalCount).toBe(0);

      // With the server gone too, a query fails as an outage, and nothing else happens.
      await server.close();
      const refused = await sql`select 1`.execute(db).catch((error: unknown) => error);
      expect(isDatabaseUnavailable(refused)).toBe(true);
    } finally {
      await db.destroy();
      await server.close();
    }
  });
});
