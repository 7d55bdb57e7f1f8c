import { describe, expect, it } from 'vitest';
import { MAX_PATH_LENGTH, normalizePagePath } from '../../src/lib/views/index.ts';

describe('normalizePagePath', () => {
  it.each([
    ['/', '/'],
    ['/features', '/features'],
    ['/features/', '/features'],
    ['/features/index.html', '/features'],
    ['/index.html', '/'],
    ['/privacy/2009-01-01', '/privacy/2009-01-01'],
    ['/privacy/changes/2009-01-01...2027-01-01', '/privacy/changes/2009-01-01...2027-01-01'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ["/a-b_c.d~e!$&'()*+,;=:@", "/a-b_c.d~e!$&'()*+,;=:@"],
  ])('%s is stored as %s', (input, stored) => {
    expect(normalizePagePath(input)).toBe(stored);
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['relative', 'features'],
    ['protocol-relative', '//evil.example/x'],
    ['a full URL', 'https://evil.example/'],
    ['a query', '/features?x=1'],
    ['a fragment', '/features#top'],
    ['a space', '/fea tures'],
    ['a backslash', '/\\evil'],
    ['a control character', '/a\u0000b'],
    ['non-ASCII (not encoded)', '/café'],
    ['bad percent-encoding', '/a%zz'],
    ['percent-encoding of invalid UTF-8', '/%ff'],
    ['an empty segment', '/a//b'],
    ['a dot segment', '/a/./b'],
    ['a dot-dot segment', '/a/../b'],
    ['too long', `/${'a'.repeat(MAX_PATH_LENGTH)}`],
    ['null', null],
    ['an array', ['/features']],
  ])('refuses %s', (_what, input) => {
    expect(normalizePagePath(input)).toBeNull();
  });
});
