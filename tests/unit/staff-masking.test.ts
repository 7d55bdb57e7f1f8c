import { describe, expect, it } from 'vitest';
import { checkReason } from '../../src/lib/staff/reasons.ts';
import { maskEmail, maskEmailFoundBy, maskField, maskPhone, maskText } from '../../src/lib/staff/masking.ts';

describe('masking', () => {
  it('shows an address’s first character and its domain', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j•••@example.com');
    expect(maskEmail('j@example.com')).toBe('j•••@example.com');
    expect(maskEmail('"odd@local"@example.com')).toBe('"•••@example.com');
    expect(maskEmail('not-an-address')).toBe('•••');
  });

  it('in search results, shows no more than support typed', () => {
    expect(maskEmailFoundBy('Jane.Doe@example.com', 'jane')).toBe('jane•••@example.com');
    expect(maskEmailFoundBy('jane.doe@example.com', 'jane.doe@example.com')).toBe('j•••@example.com');
    expect(maskEmailFoundBy('jane.doe@example.com', 'jane.doe')).toBe('j•••@example.com');
    expect(maskEmailFoundBy('jane.doe@example.com', 'j')).toBe('j•••@example.com');
    expect(maskEmailFoundBy('bob@example.com', 'jan')).toBe('b•••@example.com');
  });

  it('shows a phone number’s last two digits', () => {
    expect(maskPhone('+1 617 555 0142')).toBe('•••• 42');
    expect(maskPhone('+44 (20) 7946-0958 x 12')).toBe('•••• 12');
    expect(maskPhone('123')).toBe('••••');
  });

  it('shows a name’s first letter only, a whole character even for emoji and accents', () => {
    expect(maskText('Sam Sample')).toBe('S•••');
    expect(maskText('Émile Zola')).toBe('É•••');
    expect(maskText('👩🏽‍💻 Dev')).toBe('👩🏽‍💻•••');
  });

  it('keeps an empty field empty, so support sees it is not filled in', () => {
    expect(maskField('phone', null)).toBeNull();
    expect(maskField('full_name', '')).toBeNull();
    expect(maskField('company', 'Acme Corporation')).toBe('A•••');
    expect(maskField('email', 'x@y.example')).toBe('x•••@y.example');
  });
});

describe('reasons', () => {
  it('are required, 10 to 500 characters, on one line, without control characters', () => {
    expect(checkReason(undefined)).toMatchObject({ ok: false, message: expect.stringMatching(/Give the reason/) });
    expect(checkReason('   ')).toMatchObject({ ok: false });
    expect(checkReason('too short')).toEqual({ ok: false, message: 'Give a reason of at least 10 characters (this has 9).' });
    expect(checkReason('x'.repeat(501))).toEqual({ ok: false, message: 'Keep the reason to 500 characters or fewer (this has 501).' });
    expect(checkReason('Caller verified\r\n  by phone\tcallback')).toEqual({ ok: true, value: 'Caller verified by phone callback' });
    expect(checkReason('Looks fine \u202eevil')).toMatchObject({ ok: false, message: expect.stringMatching(/invisible/) });
    expect(checkReason('x'.repeat(500))).toMatchObject({ ok: true });
  });
});
