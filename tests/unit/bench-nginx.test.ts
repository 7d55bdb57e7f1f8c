// The nginx peer of `npm run bench` (src/cli/bench/nginx.ts): it must serve the file holding the
// very bytes the site sent, with the site's headers, and refuse what it cannot copy.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxConfig } from '../../src/cli/bench/nginx.ts';

const root = mkdtempSync(join(tmpdir(), 'ct-nginx-conf-'));
mkdirSync(join(root, 'privacy/2009-01-01'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<p>home</p>');
writeFileSync(join(root, 'index.html.br'), Buffer.from([0x1b, 0x0a, 0x00, 0xf8]));
writeFileSync(join(root, 'privacy/2009-01-01/index.html'), '<p>policy</p>');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const reply = (body: string | Buffer, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
  body: Buffer.from(body).toString('base64'),
});

describe('nginxConfig', () => {
  it('answers each path with the file holding the site’s bytes, and the site’s headers', () => {
    const conf = nginxConfig('/tmp/run', root, 8123, [
      {
        path: '/',
        reply: reply(Buffer.from([0x1b, 0x0a, 0x00, 0xf8]), {
          'content-encoding': 'br',
          'content-security-policy': "frame-ancestors 'none'",
          etag: '"x"',
        }),
      },
      { path: '/privacy', reply: reply('<p>policy</p>') },
    ]);
    expect(conf).toContain('listen 127.0.0.1:8123;');
    expect(conf).toContain('worker_processes 1;');
    expect(conf).toMatch(/location = \/ \{\n(?:.*\n)*?\s*try_files \/index\.html\.br =404;/);
    expect(conf).toContain(`add_header content-encoding "br";`);
    expect(conf).toContain(`add_header content-security-policy "frame-ancestors 'none'";`);
    expect(conf).not.toContain('add_header etag'); // nginx sends its own
    expect(conf).toMatch(/location = \/privacy \{\n(?:.*\n)*?\s*try_files \/privacy\/2009-01-01\/index\.html =404;/);
  });

  it('refuses what it cannot copy', () => {
    expect(() => nginxConfig('/tmp/run', root, 8123, [{ path: '/', reply: reply('not a built file') }])).toThrow(/no file/);
    expect(() => nginxConfig('/tmp/run', root, 8123, [{ path: '/', reply: { ...reply('<p>home</p>'), status: 404 } }])).toThrow(
      /only static pages/,
    );
    expect(() => nginxConfig('/tmp/run', root, 8123, [{ path: '/', reply: reply('<p>home</p>', { 'x-a': 'cost $5' }) }])).toThrow(/\$/);
  });
});
