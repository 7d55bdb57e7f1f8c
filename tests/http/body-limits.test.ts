// No request body is read past its limit (src/lib/config/limits.ts): 50 MB bodies, declared
// and chunked, to every POST route get 413 with Connection: close, and the server stops
// reading. What it accepted is counted on the client: the bytes the kernel took from it
// before the server's answer and close. A server reading the whole body accepts all 50 MB.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../../src/lib/config/limits.ts';
import { root, startSite, type RunningSite } from '../support/site.ts';

const BODY_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');
/** Far below the 50 MB sent: the limit plus what the kernel's socket buffers hold. */
const MAX_ACCEPTED = 20 * 1024 * 1024;

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

/** Every action, as `namespace.name`, read from src/actions. */
function actionNames(): string[] {
  const index = readFileSync(join(root, 'src/actions/index.ts'), 'utf8');
  const names: string[] = [];
  for (const [, namespace, file] of index.matchAll(/import \{ (\w+) \} from '\.\/([\w-]+)\.ts'/g)) {
    const source = readFileSync(join(root, 'src/actions', `${file}.ts`), 'utf8');
    for (const [, name] of source.matchAll(/^ {2}(\w+): defineAction\(/gm)) names.push(`${namespace}.${name}`);
  }
  return names;
}

/** Every page and endpoint rendered on demand, as a path (dynamic segments filled in). */
function onDemandPaths(): string[] {
  const pagesDir = join(root, 'src/pages');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  return walk(pagesDir)
    .filter((file) => readFileSync(file, 'utf8').includes('prerender = false'))
    .map((file) =>
      `/${relative(pagesDir, file)}`
        .replace(/\.(astro|ts)$/, '')
        .replace(/\/index$/, '/')
        .replace(/\[date\]/, '2009-01-01')
        .replace(/\[\w+\]/g, '1'),
    );
}

/** Every POST route: actions (RPC and form), endpoints, pages' form posts, islands, the view counter. */
function postRoutes(): string[] {
  const actions = actionNames();
  expect(actions.length).toBeGreaterThan(20);
  const pages = onDemandPaths();
  expect(pages).toEqual(expect.arrayContaining(['/announcements/dismiss', '/account/export.json', '/login']));
  return [
    '/api/views/event',
    '/_server-islands/ViewCountIsland',
    ...actions.map((name) => `/_actions/${name}`),
    ...pages.map((path) => `${path}?_action=${actions[0]}`),
  ];
}

interface Outcome {
  /** Body bytes the client got to hand to the kernel before the server answered and closed. */
  accepted: number;
  head: string;
  body: string;
}

/**
 * POSTs a body of `size` bytes (declared with Content-Length, or chunked), writing as fast as
 * the connection takes it, until the server closes its side or the whole body is sent; then
 * reads the answer to the end.
 */
function flood(
  path: string,
  mode: 'declared' | 'chunked',
  size = BODY_BYTES,
  contentType = 'application/x-www-form-urlencoded',
): Promise<Outcome> {
  const { port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = Buffer.alloc(0);
    let serverEnded = false;
    let wake: (() => void) | undefined;
    const signal = () => {
      wake?.();
      wake = undefined;
    };
    socket.on('data', (chunk: Buffer) => (response = Buffer.concat([response, chunk])));
    socket.on('end', () => {
      serverEnded = true;
      signal();
    });
    socket.on('drain', signal);
    socket.on('error', () => {
      serverEnded = true;
      signal();
    });
    let accepted = 0;
    let resolved = false;
    const done = () => {
      if (resolved) return;
      resolved = true;
      socket.destroy();
      const text = response.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      resolve({ accepted, head: split < 0 ? text : text.slice(0, split), body: split < 0 ? '' : text.slice(split + 4) });
    };
    socket.once('close', done);
    const sendBody = async () => {
      const framing = mode === 'declared' ? `Content-Length: ${size}` : 'Transfer-Encoding: chunked';
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${site.origin}\r\nContent-Type: ${contentType}\r\n${framing}\r\nConnection: close\r\n\r\n`,
      );
      // At most size / CHUNK writes: the loop ends when the body is sent or the server closed.
      while (accepted < size && !serverEnded && !socket.destroyed) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, size - accepted));
        const framed =
          mode === 'declared' ? piece : Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
        const flushed = socket.write(framed);
        accepted += piece.length;
        if (!flushed && !serverEnded) await new Promise<void>((wakeUp) => (wake = wakeUp));
      }
      if (!serverEnded && !socket.destroyed && mode === 'chunked') socket.write('0\r\n\r\n');
      // The server has sent all it will once it closed its side (the answer and the FIN): it
      // no longer reads, so this side closes instead of waiting for it.
      if (serverEnded) return done();
      socket.once('end', done);
    };
    socket.once('connect', () => void sendBody().catch(reject));
    socket.once('error', (error) => (socket.destroyed ? undefined : reject(error)));
  });
}

describe('request bodies over their limit', () => {
  for (const mode of ['declared', 'chunked'] as const) {
    it(`gets 413 on every POST route, without the rest being read (${mode} 50 MB)`, { timeout: 120_000 }, async () => {
      const routes = postRoutes();
      const results: string[] = [];
      for (const route of routes) {
        const { accepted, head, body } = await flood(route, mode);
        results.push(`${route}: ${head.split('\r\n', 1)[0]} after ${(accepted / 1048576).toFixed(1)} MB`);
        expect(head, route).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
        expect(head.toLowerCase(), route).toContain('\r\nconnection: close');
        expect(body, route).toMatch(/larger than this address accepts \(\d+ bytes\)/);
        expect(accepted, `${route} accepted ${accepted} bytes`).toBeLessThan(MAX_ACCEPTED);
        // Other requests are unaffected.
        expect((await fetch(`${site.url}/healthz`)).status, route).toBe(200);
      }
      expect(results).toHaveLength(routes.length);
      if (process.env.SHOW_FLOOD) console.log(results.join('\n'));
    });
  }

  it('sets 64 KB for forms and actions and 2 KB for view events', async () => {
    const form = (bytes: number) => `token=${'a'.repeat(bytes - 'token='.length)}`;
    const post = (path: string, body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${site.url}${path}`, { method: 'POST', headers: { origin: site.origin, 'content-type': type }, body });
    // At the limit: read, and refused for what it says (not its size).
    expect((await post('/announcements/dismiss', form(BODY_LIMITS.default))).status).toBe(400);
    expect((await post('/announcements/dismiss', form(BODY_LIMITS.default + 1))).status).toBe(413);
    const event = (bytes: number) => JSON.stringify({ path: '/features', key: 'k'.repeat(bytes - 32) }).padEnd(bytes, ' ');
    expect((await post('/api/views/event', event(BODY_LIMITS.viewEvent), 'application/json')).status).toBe(400);
    expect((await post('/api/views/event', event(BODY_LIMITS.viewEvent + 1), 'application/json')).status).toBe(413);
    // Chunked, just over: refused as well.
    const chunked = await flood('/announcements/dismiss', 'chunked', BODY_LIMITS.default + 1);
    expect(chunked.head).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('refuses a declared body over its limit without inviting it (Expect: 100-continue)', async () => {
    const { port } = new URL(site.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
      socket.on('end', () => {
        socket.destroy();
        resolve(data);
      });
      socket.on('error', () => resolve(data));
      socket.write(
        `POST /announcements/dismiss HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${site.origin}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${BODY_BYTES}\r\nExpect: 100-continue\r\n\r\n`,
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(answer).not.toContain('100 Continue');
  });

  it('leaves the adapter no larger limit (astro.config.mjs)', () => {
    const config = readFileSync(join(root, 'astro.config.mjs'), 'utf8');
    expect(config).toMatch(/node\(\{[^}]*bodySizeLimit: MAX_BODY_BYTES/);
    const middleware = readFileSync(join(root, 'src/middleware.ts'), 'utf8');
    expect(middleware).not.toMatch(/64 \* 1024/);
  });
});
