// The configuration `npm run deploy:nginx` prints (src/cli/nginx/site-config.ts): generated from
// the Node server's own sources of files and headers, checked by nginx itself where installed.
// The behaviour through a running nginx is proven by `npm run test:cluster`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxSiteConfig, NginxConfigError } from '../../src/cli/nginx/site-config.ts';
import { nginxBinary, standaloneConfig } from '../../src/cli/nginx/process.ts';
import { securityHeaders } from '../../src/lib/http/security-headers.ts';
import { root as checkout } from '../support/site.ts';

/** A built client folder: a page, an asset with variants, the 404 page, the policy and its manifest. */
function build(variants: { from: string; prefix: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ct-nginx-site-'));
  for (const sub of ['_astro', 'about', 'privacy/as-of', 'privacy/versions']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'index.html.gz'), 'gz');
  writeFileSync(join(dir, '404.html'), '<h1>not found</h1>');
  writeFileSync(join(dir, 'about/index.html'), '<h1>about</h1>');
  writeFileSync(join(dir, '_astro/app.abc123.css'), 'body{}');
  writeFileSync(join(dir, 'privacy/index.html'), '<h1>policy</h1>');
  writeFileSync(join(dir, 'privacy/feed.xml'), '<feed/>');
  writeFileSync(join(dir, 'privacy/as-of/manifest.json'), JSON.stringify({ builtAt: '2026-01-01T00:00:00.000Z', variants }));
  return dir;
}

const settled = build([]);
const scheduled = build([{ from: '2027-01-01', prefix: '/privacy/as-of/2027-01-01' }]);
afterAll(() => {
  rmSync(settled, { recursive: true, force: true });
  rmSync(scheduled, { recursive: true, force: true });
});

const options = (root: string, more: Partial<Parameters<typeof nginxSiteConfig>[0]> = {}) => ({
  upstreams: ['127.0.0.1:4321', '127.0.0.1:4322'],
  listen: '127.0.0.1:8080',
  root,
  siteUrl: new URL('https://customertrackr.com'),
  brotli: true,
  ...more,
});

describe('nginxSiteConfig', () => {
  it('maps each path the Node server answers from a file to that file, by exact path', () => {
    const conf = nginxSiteConfig(options(settled));
    for (const [path, file] of [
      ['/', '/index.html'],
      ['/about', '/about/index.html'],
      ['/about/', '/about/index.html'],
      ['/_astro/app.abc123.css', '/_astro/app.abc123.css'],
    ])
      expect(conf).toContain(`  "${path}" "${file}";`);
    expect(conf).toContain('if ($customertrackr_path != $uri) { return 418; }');
    expect(conf).toContain('if ($request_method !~ ^(?:GET|HEAD)$) { return 418; }');
  });

  it('sends the security headers of src/lib/http/security-headers.ts, HSTS only for an https site', () => {
    const https = nginxSiteConfig(options(settled));
    for (const [name, value] of Object.entries(securityHeaders(new URL('https://customertrackr.com'))))
      expect(https).toContain(`add_header ${name} "${value}" always;`);
    expect(https).toContain('add_header Strict-Transport-Security');
    expect(nginxSiteConfig(options(settled, { siteUrl: new URL('http://localhost:4321') }))).not.toContain('Strict-Transport-Security');
  });

  it('caches hashed assets immutably and revalidates the rest; Vary only where a precompressed variant exists', () => {
    const conf = nginxSiteConfig(options(settled));
    expect(conf).toContain('"/_astro/app.abc123.css" "public, max-age=31536000, immutable";');
    expect(conf).toContain('"/index.html" "public, max-age=0, must-revalidate";');
    const vary = /map \$customertrackr_file \$customertrackr_vary \{([^}]*)\}/.exec(conf)![1]!;
    expect(vary).toContain('"/index.html" "Accept-Encoding";');
    expect(vary).not.toContain('/about/index.html');
  });

  it('gives a file typed by its path (the Atom feed) a location of its own', () => {
    const conf = nginxSiteConfig(options(settled));
    expect(conf).toMatch(/location = \/privacy\/feed\.xml \{\n\s*types \{ \}\n\s*default_type "application\/atom\+xml; charset=utf-8";/);
    expect(conf).toContain('"text/html; charset=utf-8" html;');
  });

  it('serves /privacy itself when no version is still to take effect, and leaves it to the app servers otherwise', () => {
    const fromFiles = nginxSiteConfig(options(settled));
    expect(fromFiles).toContain('"/privacy" "/privacy/index.html";');
    expect(fromFiles).not.toContain('location ^~ /privacy/ {');
    const byApp = nginxSiteConfig(options(scheduled));
    expect(byApp).not.toContain('"/privacy" "/privacy/index.html";');
    expect(byApp).toMatch(/location = \/privacy \{\n\s*proxy_pass http:\/\/customertrackr_app;/);
    expect(byApp).toMatch(/location \^~ \/privacy\/ \{\n\s*proxy_pass http:\/\/customertrackr_app;/);
    // The internal pages are never a file nginx serves.
    for (const conf of [fromFiles, byApp]) expect(conf).not.toContain('"/privacy/as-of/manifest.json"');
  });

  it('sets the forwarded headers, retries only what never reached a server, and brotli only when asked', () => {
    const conf = nginxSiteConfig(options(settled));
    expect(conf).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(conf).toContain('proxy_set_header X-Forwarded-Host $http_host;');
    expect(conf).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(conf).toContain('proxy_next_upstream error timeout;');
    expect(conf).not.toMatch(/^\s*proxy_next_upstream [^;#]*non_idempotent/m);
    expect(conf).toContain('server 127.0.0.1:4322 max_fails=1 fail_timeout=5s;');
    expect(conf).toContain('brotli_static on;');
    expect(nginxSiteConfig(options(settled, { brotli: false }))).not.toContain('brotli_static');
  });

  it('refuses what it cannot serve, with a message naming the option', () => {
    expect(() => nginxSiteConfig(options(settled, { upstreams: [] }))).toThrow(/--upstream/);
    expect(() => nginxSiteConfig(options(settled, { upstreams: ['localhost'] }))).toThrow(/--upstream localhost: give host:port/);
    expect(() => nginxSiteConfig(options('dist/client'))).toThrow(/--root dist\/client: give the absolute path/);
    expect(() => nginxSiteConfig(options('/nonexistent'))).toThrow(/no build there/);
    expect(() => nginxSiteConfig(options(settled, { listen: '80; include /etc/passwd' }))).toThrow(NginxConfigError);
  });

  it.runIf(nginxBinary() !== undefined)('is a configuration nginx accepts (nginx -t)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-nginx-t-'));
    try {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, standaloneConfig(dir, nginxSiteConfig(options(scheduled, { brotli: false }))));
      const result = spawnSync(nginxBinary()!, ['-t', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { encoding: 'utf8' });
      expect(result.stderr).toContain('syntax is ok');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run deploy:nginx', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(checkout, 'src/cli/deploy-nginx.ts'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, SITE_URL: '' },
    });

  it('prints the configuration for a build', () => {
    const result = run('--upstream', '127.0.0.1:4321', '--root', settled, '--brotli', 'off', '--site-url', 'https://customertrackr.com');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('upstream customertrackr_app {');
    expect(result.stdout).toContain('server_name "customertrackr.com";');
    expect(result.stdout).toContain('listen 80;');
  });

  it('explains a bad option and exits 2', () => {
    const none = run('--root', settled);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/deploy:nginx: name at least one app server with --upstream host:port\nusage:/);
    expect(run('--upstream', '127.0.0.1:1', '--root', settled, '--brotli', 'maybe').stderr).toMatch(/--brotli maybe: give auto, on or off/);
    expect(run('--upstream', '127.0.0.1:1', '--root', settled, '--site-url', 'ftp://x').stderr).toMatch(
      /SITE_URL=.*must use http or https/,
    );
    expect(run('--upstream', '127.0.0.1:1', '--root', settled, '--ssl-certificate', '/x.pem').stderr).toMatch(/give both/);
  });
});
