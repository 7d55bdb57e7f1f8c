import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/lib/config/index.ts';

describe('parseConfig', () => {
  it('has defaults for everything', () => {
    const config = parseConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4321);
    expect(config.databasePath).toMatch(/\/data\/customertrackr\.db$/);
    expect(config.siteUrl.href).toBe('http://localhost:4321/');
    expect(config.announcePolicyDays).toBe(30);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', SITE_URL: '' }).port).toBe(4321);
  });

  it('reads every variable', () => {
    const config = parseConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_PATH: '/var/lib/ct/site.db',
      SITE_URL: 'https://customertrackr.com',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      databasePath: '/var/lib/ct/site.db',
      databaseUrl: undefined,
      databasePoolSize: 10,
      databaseStatementTimeoutMs: 30_000,
      siteUrl: new URL('https://customertrackr.com'),
      smtpUrl: undefined,
      mailOutboxDir: expect.stringMatching(/\/data\/outbox$/),
      mailOutboxRetentionDays: 7,
      mailFrom: 'CustomerTrackr <no-reply@customertrackr.com>',
      mailRetrySeconds: 30,
      mailLeaseSeconds: 300,
      announcePolicyDays: 30,
      viewsRetentionDays: 730,
      trustProxy: false,
      astroKey: undefined,
    });
  });

  it('reads DATABASE_URL (postgres:// or postgresql://) and never shows a bad one, which may hold a password', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://ct:secret@db.internal:5432/ct?sslmode=require' }).databaseUrl).toBe(
      'postgres://ct:secret@db.internal:5432/ct?sslmode=require',
    );
    expect(parseConfig({ DATABASE_URL: 'postgresql://ct@localhost/ct' }).databaseUrl).toBe('postgresql://ct@localhost/ct');
    expect(() => parseConfig({ DATABASE_URL: 'mysql://ct:secret@localhost/ct' })).toThrow(
      /^DATABASE_URL=\(hidden\) is invalid: must be a postgres:\/\//,
    );
    expect(() => parseConfig({ DATABASE_URL: 'mysql://ct:secret@localhost/ct' })).not.toThrow(/secret/);
  });

  it('reads DATABASE_POOL_SIZE and DATABASE_STATEMENT_TIMEOUT_MS', () => {
    const config = parseConfig({ DATABASE_POOL_SIZE: '25', DATABASE_STATEMENT_TIMEOUT_MS: '0' });
    expect([config.databasePoolSize, config.databaseStatementTimeoutMs]).toEqual([25, 0]);
    expect(() => parseConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/^DATABASE_POOL_SIZE="0" is invalid/);
    expect(() => parseConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '-1' })).toThrow(/^DATABASE_STATEMENT_TIMEOUT_MS="-1" is invalid/);
  });

  it('reads MAIL_OUTBOX_RETENTION_DAYS (1 to 3650, 7 by default)', () => {
    expect(parseConfig({}).mailOutboxRetentionDays).toBe(7);
    expect(parseConfig({ MAIL_OUTBOX_RETENTION_DAYS: '1' }).mailOutboxRetentionDays).toBe(1);
    expect(parseConfig({ MAIL_OUTBOX_RETENTION_DAYS: '3650' }).mailOutboxRetentionDays).toBe(3650);
    for (const bad of ['0', '-1', '3651', '7.5', 'week']) {
      expect(() => parseConfig({ MAIL_OUTBOX_RETENTION_DAYS: bad }), bad).toThrow(
        /MAIL_OUTBOX_RETENTION_DAYS=.* is invalid: must be a whole number of days from 1 to 3650/,
      );
    }
  });

  it('reads MAIL_RETRY_SECONDS (1 to 86400, 30 by default) and MAIL_LEASE_SECONDS (5 to 86400, 300 by default)', () => {
    expect(parseConfig({ MAIL_RETRY_SECONDS: '1', MAIL_LEASE_SECONDS: '5' })).toMatchObject({ mailRetrySeconds: 1, mailLeaseSeconds: 5 });
    expect(parseConfig({ MAIL_RETRY_SECONDS: '86400', MAIL_LEASE_SECONDS: '86400' })).toMatchObject({
      mailRetrySeconds: 86400,
      mailLeaseSeconds: 86400,
    });
    for (const bad of ['0', '-1', '86401', '1.5', 'soon']) {
      expect(() => parseConfig({ MAIL_RETRY_SECONDS: bad }), bad).toThrow(/MAIL_RETRY_SECONDS=.* is invalid/);
    }
    for (const bad of ['4', '0', '86401', 'soon']) {
      expect(() => parseConfig({ MAIL_LEASE_SECONDS: bad }), bad).toThrow(/MAIL_LEASE_SECONDS=.* is invalid/);
    }
  });

  it('reads ANNOUNCE_POLICY_DAYS (0 turns policy announcements off)', () => {
    expect(parseConfig({ ANNOUNCE_POLICY_DAYS: '45' }).announcePolicyDays).toBe(45);
    expect(parseConfig({ ANNOUNCE_POLICY_DAYS: '0' }).announcePolicyDays).toBe(0);
    expect(parseConfig({ ANNOUNCE_POLICY_DAYS: '365' }).announcePolicyDays).toBe(365);
  });

  it.each([
    ['PORT', '80a'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '4321.5'],
    ['SITE_URL', 'customertrackr.com'],
    ['SITE_URL', 'ftp://customertrackr.com'],
    ['SITE_URL', 'https://customertrackr.com/path'],
    ['SITE_URL', 'https://user:pw@customertrackr.com'],
    ['HOST', '   '],
    ['SMTP_URL', 'mail.example.com'],
    ['ANNOUNCE_POLICY_DAYS', '366'],
    ['ANNOUNCE_POLICY_DAYS', '-1'],
    ['ANNOUNCE_POLICY_DAYS', '1.5'],
    ['ANNOUNCE_POLICY_DAYS', 'thirty'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^${name}=`));
  });
});

it('never repeats the SMTP URL, which may hold a password, in its message', () => {
  expect(() => parseConfig({ SMTP_URL: 'http://user:secret@mail' })).toThrow(/^SMTP_URL=\(hidden\) is invalid/);
});

it('trusts proxy headers only when told to', () => {
  expect(parseConfig({}).trustProxy).toBe(false);
  expect(parseConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  expect(() => parseConfig({ TRUST_PROXY: 'yes please' })).toThrow(/^TRUST_PROXY=/);
});
