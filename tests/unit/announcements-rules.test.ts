import { describe, expect, it } from 'vitest';
import {
  checkLinkUrl,
  checkPolicyText,
  checkText,
  formatInstant,
  MAX_TEXT_LENGTH,
  parseUtcDateTime,
  toUtcInputValue,
  validateAnnouncement,
} from '../../src/lib/announcements/index.ts';

const NOW = new Date('2026-11-25T10:00:00.000Z');

describe('announcement text', () => {
  it('is kept exactly as typed, HTML included, on one line', () => {
    const html = '<script>alert(1)</script> <b>bold</b> &amp;';
    expect(checkText(html)).toEqual({ ok: true, value: html });
    expect(checkText('  two\nlines\t and  spaces ')).toEqual({ ok: true, value: 'two lines and spaces' });
  });

  it('is required', () => {
    expect(checkText('')).toMatchObject({ ok: false, message: 'Write the announcement text.' });
    expect(checkText(' \n ')).toMatchObject({ ok: false });
  });

  it(`is at most ${MAX_TEXT_LENGTH} characters, counted as readers see them, with a clear message`, () => {
    expect(checkText('x'.repeat(MAX_TEXT_LENGTH)).ok).toBe(true);
    expect(checkText('é'.repeat(MAX_TEXT_LENGTH)).ok).toBe(true);
    expect(checkText('😀'.repeat(MAX_TEXT_LENGTH)).ok).toBe(true);
    expect(checkText('x'.repeat(MAX_TEXT_LENGTH + 1))).toEqual({
      ok: false,
      message: `Keep the announcement text to ${MAX_TEXT_LENGTH} characters or fewer (it has ${MAX_TEXT_LENGTH + 1}).`,
    });
  });

  it('refuses control and text-reordering characters', () => {
    expect(checkText('a\u0000b').ok).toBe(false);
    expect(checkText('safe \u202egnp.exe').ok).toBe(false);
    expect(checkText('zero\u200bwidth').ok).toBe(false);
  });

  it('for a policy announcement, empty means the default text', () => {
    expect(checkPolicyText(undefined)).toEqual({ ok: true, value: null });
    expect(checkPolicyText('   ')).toEqual({ ok: true, value: null });
    expect(checkPolicyText(' New terms ')).toEqual({ ok: true, value: 'New terms' });
    expect(checkPolicyText('x'.repeat(MAX_TEXT_LENGTH + 1)).ok).toBe(false);
  });
});

describe('announcement links', () => {
  it.each([
    ['/privacy', '/privacy'],
    ['/privacy/changes/2009-01-01...2027-01-01', '/privacy/changes/2009-01-01...2027-01-01'],
    ['/pricing?plan=team#faq', '/pricing?plan=team#faq'],
    [' /about ', '/about'],
    ['https://status.customertrackr.com/incidents/42', 'https://status.customertrackr.com/incidents/42'],
    ['HTTPS://Example.COM', 'https://example.com/'],
  ])('accepts %j', (input, output) => {
    expect(checkLinkUrl(input)).toEqual({ ok: true, value: output });
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'javascript&colon;alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'http://example.com',
    'ftp://example.com',
    'mailto:someone@example.com',
    '//evil.example/path',
    '/\\evil.example',
    '/a\\b',
    'privacy',
    './privacy',
    '../privacy',
    '#top',
    'https://',
    'https://user:secret@example.com',
    'https://exa mple.com',
    '/privacy\u0000',
    `/${'x'.repeat(500)}`,
  ])('refuses %j with a message', (input) => {
    const result = checkLinkUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });
});

describe('UTC date and time fields', () => {
  it('reads what a datetime-local field sends as UTC', () => {
    expect(parseUtcDateTime('2027-01-01T09:30')?.toISOString()).toBe('2027-01-01T09:30:00.000Z');
    expect(parseUtcDateTime('2027-01-01T09:30:15')?.toISOString()).toBe('2027-01-01T09:30:15.000Z');
    expect(toUtcInputValue(new Date('2027-01-01T09:30:15.123Z'))).toBe('2027-01-01T09:30');
    expect(formatInstant('2027-01-01T09:30:00.000Z')).toBe('Jan 1, 2027, 09:30 UTC');
  });

  it.each([
    '',
    '2027-01-01',
    '2027-02-30T10:00',
    '2027-01-01T24:00',
    '2027-01-01T10:60',
    '1999-12-31T23:59',
    'tomorrow',
    '2027-01-01T10:00Z',
  ])('refuses %j', (value) => {
    expect(parseUtcDateTime(value)).toBeUndefined();
  });
});

describe('validateAnnouncement', () => {
  const valid = { text: 'Scheduled maintenance on Saturday.', level: 'info', audience: 'everyone' };

  it('gives a stored form: start now by default, no end, no link', () => {
    expect(validateAnnouncement({ ...valid, dismissible: true }, NOW)).toEqual({
      ok: true,
      value: { text: valid.text, level: 'info', audience: 'everyone', link: null, dismissible: true, startsAt: NOW, endsAt: null },
    });
  });

  it('reads a schedule and a link', () => {
    const result = validateAnnouncement(
      {
        ...valid,
        level: 'important',
        audience: 'signed-in',
        linkUrl: '/privacy',
        linkText: 'Read it',
        startsAt: '2026-12-01T08:00',
        endsAt: '2026-12-02T08:00',
      },
      NOW,
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        level: 'important',
        audience: 'signed-in',
        link: { url: '/privacy', text: 'Read it' },
        dismissible: false,
        startsAt: new Date('2026-12-01T08:00:00Z'),
        endsAt: new Date('2026-12-02T08:00:00Z'),
      },
    });
  });

  it('allows a start in the past (an announcement being edited has started)', () => {
    expect(validateAnnouncement({ ...valid, startsAt: '2026-01-01T00:00' }, NOW).ok).toBe(true);
  });

  it('reports every problem on its own field', () => {
    const result = validateAnnouncement(
      { text: '', level: 'urgent', audience: 'admins', linkUrl: 'javascript:alert(1)', linkText: '', startsAt: 'soon', endsAt: 'later' },
      NOW,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['audience', 'endsAt', 'level', 'linkText', 'linkUrl', 'startsAt', 'text']);
  });

  it('needs both the address and the words of a link', () => {
    expect(validateAnnouncement({ ...valid, linkUrl: '/privacy' }, NOW)).toMatchObject({
      ok: false,
      errors: { linkText: expect.stringMatching(/words/) },
    });
    expect(validateAnnouncement({ ...valid, linkText: 'Read more' }, NOW)).toMatchObject({
      ok: false,
      errors: { linkUrl: expect.stringMatching(/address/) },
    });
  });

  it('refuses an end in the past or before the start', () => {
    expect(validateAnnouncement({ ...valid, endsAt: '2026-11-25T09:59' }, NOW)).toMatchObject({
      ok: false,
      errors: { endsAt: expect.stringMatching(/past.*End now/) },
    });
    expect(validateAnnouncement({ ...valid, endsAt: '2026-11-25T10:00' }, NOW)).toMatchObject({
      ok: false,
      errors: { endsAt: expect.stringMatching(/past/) },
    });
    expect(validateAnnouncement({ ...valid, startsAt: '2026-12-02T00:00', endsAt: '2026-12-01T00:00' }, NOW)).toMatchObject({
      ok: false,
      errors: { endsAt: 'The end must come after the start.' },
    });
  });
});
