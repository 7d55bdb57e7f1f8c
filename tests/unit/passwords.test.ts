import { describe, expect, it, vi } from 'vitest';
import {
  checkNewPassword,
  LONG_PASSPHRASE_LENGTH,
  strengthEstimates,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../../src/lib/auth/passwords.ts';

describe('checkNewPassword', () => {
  it.each([
    'correct horse battery staple',
    'my cat sleeps on the keyboard',
    'ilovemydogsomuch',
    'Tr0ub4dor&3xyzzy!',
    'ñandú rápido sobre el puente',
    '🦊🦊 orange fox jumps high 🦊',
  ])('accepts %j', (password) => {
    expect(checkNewPassword(password)).toEqual({ ok: true });
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    expect(checkNewPassword('🦊'.repeat(14)).ok).toBe(false); // 14 characters, 28 UTF-16 units
    expect(checkNewPassword('short one')).toEqual({
      ok: false,
      reason: expect.stringMatching(/at least 15 characters \(this one has 9\)/),
    });
  });

  it('refuses passwords over 256 characters rather than truncating them', () => {
    const long = 'abcdefghij klmnop '.repeat(15); // 270 characters
    expect(checkNewPassword(long)).toEqual({ ok: false, reason: expect.stringMatching(/at most 256/) });
  });

  it.each([
    ['passwordpassword', /repeats|common/],
    ['correcthorsecorrecthorse', /repeats/],
    ['aaaaaaaaaaaaaaaa', /repeats/],
    ['abcabcabcabcabcabc', /repeats/],
    ['1234567890123456', /sequence|common/],
    ['zyxwvutsrqponmlk', /sequence/],
    ['qwertyuiopasdfgh', /keyboard|common/],
    ['1q2w3e4r5t6y7u8i', /keyboard|common/],
  ])('refuses %j with the reason', (password, reason) => {
    const verdict = checkNewPassword(password);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.reason).toMatch(reason);
  });

  it('runs the strength estimator once per check, on at most the first 100 characters', async () => {
    const { ZxcvbnFactory } = await import('@zxcvbn-ts/core');
    const check = vi.spyOn(ZxcvbnFactory.prototype, 'check');
    try {
      const before = strengthEstimates();
      checkNewPassword('correct horse battery staple', ['jane@example.com']);
      expect(strengthEstimates() - before).toBe(1);
      expect(check).toHaveBeenCalledTimes(1);
      // A long passphrase passes on its length: the estimator does not run at all.
      const long = 'the quick brown fox jumps over the lazy dog and keeps on running far away '.repeat(3); // 225 characters
      expect(checkNewPassword(long)).toEqual({ ok: true });
      expect(check).toHaveBeenCalledTimes(1);
      expect(strengthEstimates() - before).toBe(1);
      for (const call of check.mock.calls) expect([...(call[0] as string)].length).toBeLessThanOrEqual(100);
    } finally {
      check.mockRestore();
    }
  });

  it(`accepts a passphrase of ${LONG_PASSPHRASE_LENGTH}+ characters on its length, unless it repeats a few characters`, () => {
    expect(checkNewPassword('a'.repeat(LONG_PASSPHRASE_LENGTH - 1)).ok).toBe(false);
    expect(checkNewPassword('abab'.repeat(20))).toEqual({ ok: false, reason: expect.stringMatching(/repeats/) });
    expect(checkNewPassword('correcthorse'.repeat(6))).toEqual({ ok: true }); // 72 characters: a pattern, but long
    expect(checkNewPassword('x'.repeat(257)).ok).toBe(false);
  });

  it('refuses a password that is just the account email', () => {
    const verdict = checkNewPassword('jane.doe@example.com', ['jane.doe@example.com']);
    expect(verdict.ok).toBe(false);
  });
});

describe('hashing', () => {
  it('hashes with argon2id at m=19456, t=2, p=1 and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(stored)).toBe(false);
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('flags weaker stored parameters for rehash', () => {
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });
});
