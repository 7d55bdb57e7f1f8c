import { describe, expect, it } from 'vitest';
import {
  addDismissed,
  announcementKey,
  dismissCookieName,
  dismissCookieOptions,
  dismissToken,
  isDismissToken,
  MAX_DISMISSED,
  noticeKey,
  parseDismissed,
  policyKey,
  serializeDismissed,
} from '../../src/lib/announcements/index.ts';

describe('the dismiss cookie', () => {
  it('names an announcement and its revision', () => {
    expect(dismissToken(announcementKey(12), 3)).toBe('a12r3');
    expect(dismissToken(policyKey('2027-01-01'), 0)).toBe('p20270101r0');
    // A reader's policy notice, put aside ("Later"): its own key, apart from the announcement's.
    expect(dismissToken(noticeKey('2027-01-01'), 0)).toBe('n20270101r0');
    for (const token of ['a12r3', 'p20270101r0', 'n20270101r0']) expect(isDismissToken(token)).toBe(true);
    for (const token of ['', 'a0r1', 'a12', 'x12r3', 'a12r3;', 'p2027-01-01r0', 'a12r3.a13r1', 42])
      expect(isDismissToken(token)).toBe(false);
  });

  it('ignores anything that is not a token, and keeps one revision per announcement', () => {
    expect(parseDismissed(undefined)).toEqual([]);
    expect(parseDismissed('garbage')).toEqual([]);
    expect(parseDismissed('a1r1.<script>.a2r1..a1r2')).toEqual(['a2r1', 'a1r2']);
    expect(parseDismissed('x'.repeat(5000))).toEqual([]);
  });

  it('replaces an earlier revision when a changed announcement is dismissed again', () => {
    expect(addDismissed(['a1r1', 'a2r1'], 'a1r2')).toEqual(['a2r1', 'a1r2']);
    expect(() => addDismissed([], 'nope')).toThrow(RangeError);
  });

  it(`keeps the newest ${MAX_DISMISSED}`, () => {
    let tokens: string[] = [];
    for (let id = 1; id <= MAX_DISMISSED + 10; id++) tokens = addDismissed(tokens, `a${id}r1`);
    expect(tokens).toHaveLength(MAX_DISMISSED);
    expect(tokens[0]).toBe('a11r1');
    const cookie = serializeDismissed(tokens);
    expect(cookie.length).toBeLessThan(1000);
    expect(parseDismissed(cookie)).toEqual(tokens);
  });

  it('is site-wide, same-site, a year long, Secure on https', () => {
    expect(dismissCookieOptions(new URL('http://localhost:4321'))).toEqual({
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      secure: false,
      maxAge: 31_536_000,
    });
    expect(dismissCookieOptions(new URL('https://customertrackr.com')).secure).toBe(true);
    // On https the name is __Host- prefixed: Secure, Path=/ and no Domain, as that prefix requires.
    expect(dismissCookieName(new URL('https://customertrackr.com'))).toBe('__Host-ct-dismissed');
    expect(dismissCookieName(new URL('http://localhost:4321'))).toBe('ct-dismissed');
    expect(dismissCookieOptions(new URL('https://customertrackr.com'))).not.toHaveProperty('domain');
  });
});
