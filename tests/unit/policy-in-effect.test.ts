import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  effectiveInstant,
  firstOfNextMonth,
  formatDate,
  isCalendarDate,
  utcDateOf,
} from '../../src/lib/policy/dates.ts';
import { neighbours, statusAt, upcomingAt, versionInEffectAt } from '../../src/lib/policy/versions.ts';

const versions = [
  { effective: '2009-01-01', name: 'v1' },
  { effective: '2027-01-01', name: 'v2' },
  { effective: '2027-03-15', name: 'v3' },
];
const at = (iso: string) => new Date(iso);

describe('versionInEffectAt', () => {
  it('has no version before the first one takes effect', () => {
    expect(versionInEffectAt(versions, at('2008-12-31T23:59:59.999Z'))).toBeUndefined();
    expect(versionInEffectAt(versions, at('1970-01-01T00:00:00.000Z'))).toBeUndefined();
    expect(versionInEffectAt([], at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('switches exactly at 00:00:00.000 UTC of the effective date', () => {
    expect(versionInEffectAt(versions, at('2009-01-01T00:00:00.000Z'))?.name).toBe('v1');
    expect(versionInEffectAt(versions, at('2026-12-31T23:59:59.999Z'))?.name).toBe('v1');
    expect(versionInEffectAt(versions, at('2027-01-01T00:00:00.000Z'))?.name).toBe('v2');
    expect(versionInEffectAt(versions, at('2027-03-14T23:59:59.999Z'))?.name).toBe('v2');
    expect(versionInEffectAt(versions, at('2027-03-15T00:00:00.000Z'))?.name).toBe('v3');
  });

  it('uses UTC, whatever the offset the instant was written with', () => {
    // 2026-12-31 19:00 in New York is already 2027-01-01 00:00 UTC.
    expect(versionInEffectAt(versions, at('2026-12-31T19:00:00.000-05:00'))?.name).toBe('v2');
    expect(versionInEffectAt(versions, at('2026-12-31T18:59:59.999-05:00'))?.name).toBe('v1');
  });

  it('keeps the last version in effect after its date, for ever', () => {
    expect(versionInEffectAt(versions, at('2027-03-16T00:00:00Z'))?.name).toBe('v3');
    expect(versionInEffectAt(versions, at('2999-12-31T23:59:59.999Z'))?.name).toBe('v3');
  });

  it('does not depend on the order it is given the versions in', () => {
    expect(versionInEffectAt([...versions].reverse(), at('2027-02-01T00:00:00Z'))?.name).toBe('v2');
  });

  it('refuses an invalid instant', () => {
    expect(() => versionInEffectAt(versions, new Date('not a date'))).toThrow(RangeError);
  });
});

describe('statusAt and upcomingAt', () => {
  const [v1, v2, v3] = versions as [(typeof versions)[0], (typeof versions)[0], (typeof versions)[0]];

  it('marks previous, in effect and upcoming versions', () => {
    const now = at('2027-01-01T00:00:00.000Z');
    expect(statusAt(versions, v1, now)).toBe('previous');
    expect(statusAt(versions, v2, now)).toBe('in-effect');
    expect(statusAt(versions, v3, now)).toBe('upcoming');
    expect(upcomingAt(versions, now).map((v) => v.name)).toEqual(['v3']);
  });

  it('makes a version upcoming until the very last millisecond before its date', () => {
    expect(statusAt(versions, v2, at('2026-12-31T23:59:59.999Z'))).toBe('upcoming');
    expect(statusAt(versions, v1, at('2026-12-31T23:59:59.999Z'))).toBe('in-effect');
    expect(upcomingAt(versions, at('2026-12-31T23:59:59.999Z')).map((v) => v.name)).toEqual(['v2', 'v3']);
  });

  it('finds neighbours in date order', () => {
    expect(neighbours(versions, v2)).toEqual({ previous: v1, next: v3 });
    expect(neighbours(versions, v1).previous).toBeUndefined();
    expect(neighbours(versions, v3).next).toBeUndefined();
  });
});

describe('calendar dates', () => {
  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isCalendarDate('2027-01-01')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
    expect(isCalendarDate('2027-13-01')).toBe(false);
    expect(isCalendarDate('2027-1-1')).toBe(false);
    expect(isCalendarDate('0099-01-01')).toBe(false);
    expect(isCalendarDate(20270101)).toBe(false);
  });

  it('turns dates into UTC midnights and back', () => {
    expect(effectiveInstant('2027-01-01').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(utcDateOf(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31');
    expect(utcDateOf(at('2026-12-31T20:00:00-05:00'))).toBe('2027-01-01');
    expect(() => effectiveInstant('2027-02-30')).toThrow(RangeError);
  });

  it('counts days across months, years and leap days', () => {
    expect(addDays('2026-11-25', 30)).toBe('2026-12-25');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(daysBetween('2026-11-25', '2027-01-01')).toBe(37);
    expect(daysBetween('2027-01-01', '2026-11-25')).toBe(-37);
    expect(firstOfNextMonth('2026-12-25')).toBe('2027-01-01');
    expect(firstOfNextMonth('2027-01-01')).toBe('2027-02-01');
  });

  it('writes dates the way the policy does', () => {
    expect(formatDate('2027-01-01')).toBe('January 1, 2027');
  });
});
