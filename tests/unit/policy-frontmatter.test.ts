import { describe, expect, it } from 'vitest';
import { formatFrontmatterLine, FrontmatterError, parseFrontmatter } from '../../src/lib/policy/frontmatter.ts';

describe('parseFrontmatter', () => {
  it('reads dates, booleans and quoted or plain strings, and keeps the body', () => {
    const parsed = parseFrontmatter(
      [
        '---',
        '# a comment',
        'effective: 2027-01-01',
        "title: 'It''s the policy'",
        'summary: "Says \\"what\\" changed: all of it."',
        'material: true',
        'plain: Privacy Policy',
        '---',
        '',
        'Body text.',
      ].join('\r\n'),
    );
    expect(parsed.data).toEqual({
      effective: '2027-01-01',
      title: "It's the policy",
      summary: 'Says "what" changed: all of it.',
      material: true,
      plain: 'Privacy Policy',
    });
    expect(parsed.body).toBe('\nBody text.');
  });

  it.each([
    ['no opening line', 'title: x\n---\n', /must start with a line "---"/],
    ['no closing line', '---\ntitle: x\n', /no closing "---"/],
    ['a multi-line value', '---\nsummary: >\n  folded\n---\n', /put this value in double quotes|same line/],
    ['an indented line', '---\ntitle: x\n  more\n---\n', /same line as its name/],
    ['a plain value with ": "', '---\ntitle: Privacy: the sequel\n---\n', /double quotes: "Privacy: the sequel"/],
    ['a number', '---\ntitle: 2027\n---\n', /double quotes/],
    ['null', '---\nsummary: null\n---\n', /double quotes/],
    ['an unterminated quote', '---\ntitle: "Privacy\n---\n', /end with a quote/],
    ['a duplicate key', '---\ntitle: a\ntitle: b\n---\n', /appears twice/],
    ['an empty value', '---\ntitle:\n---\n', /has no value/],
  ])('refuses %s', (_name, source, message) => {
    expect(() => parseFrontmatter(source)).toThrow(FrontmatterError);
    expect(() => parseFrontmatter(source)).toThrow(message);
  });
});

describe('formatFrontmatterLine', () => {
  it('writes values that read back identically', () => {
    const values = { effective: '2027-01-01', material: false, summary: 'Quotes " and \\ and: colons # hashes', title: 'Privacy Policy' };
    const source = ['---', ...Object.entries(values).map(([k, v]) => formatFrontmatterLine(k, v)), '---', 'x'].join('\n');
    expect(parseFrontmatter(source).data).toEqual(values);
  });
});
