import { describe, expect, it } from 'vitest';
import { diffPolicies, markdownBlocks, plainInline, type PolicyDiff } from '../../src/lib/policy/diff.ts';

/** The diff written out with [+added+] and [-removed-] marks, one block per line. */
function show(diff: PolicyDiff): string[] {
  return diff.blocks.map(
    (b) =>
      `${b.status} ${b.kind}: ` +
      b.segments.map((s) => (s.type === 'added' ? `[+${s.text}+]` : s.type === 'removed' ? `[-${s.text}-]` : s.text)).join(''),
  );
}

describe('markdownBlocks', () => {
  it('reads headings, paragraphs and list items, without inline markup', () => {
    const blocks = markdownBlocks(
      '## Who we are\n\nWe are **CustomerTrackr**, see [the archive](/privacy/versions)\nand `this`.\n\n- first *item*\n  continued\n- second\n\n### Sub',
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 2, text: 'Who we are' },
      { kind: 'paragraph', text: 'We are CustomerTrackr, see the archive and this.' },
      { kind: 'item', text: 'first item continued' },
      { kind: 'item', text: 'second' },
      { kind: 'heading', level: 3, text: 'Sub' },
    ]);
  });

  it('keeps underscores and asterisks that are not emphasis', () => {
    expect(plainInline('snake_case_name and 2 * 3 * 4')).toBe('snake_case_name and 2 * 3 * 4');
  });
});

describe('diffPolicies', () => {
  it('finds nothing between identical texts', () => {
    const diff = diffPolicies('One.\n\nTwo.', 'One.\n\nTwo.\n');
    expect(diff.wordsAdded).toBe(0);
    expect(diff.wordsRemoved).toBe(0);
    expect(diff.blocks.every((b) => b.status === 'same')).toBe(true);
  });

  it('marks changed words within a paragraph', () => {
    const diff = diffPolicies(
      'CustomerTrackr may also add on any page display the total counts that page has been viewed.',
      'CustomerTrackr may display on any page the total number of times that page has been viewed.',
    );
    expect(show(diff)).toEqual([
      'changed paragraph: CustomerTrackr may [-also add-][+display+] on any page [-display -]the total [-counts-][+number of times+] that page has been viewed.',
    ]);
    expect(diff.wordsAdded).toBe(4);
    expect(diff.wordsRemoved).toBe(4);
  });

  it('shows whole paragraphs added and removed when too little survives', () => {
    const diff = diffPolicies(
      'Kept paragraph.\n\nThe old way of doing things entirely.',
      'Kept paragraph.\n\nSomething completely different is said here now.\n\n## New heading',
    );
    expect(show(diff)).toEqual([
      'same paragraph: Kept paragraph.',
      'removed paragraph: [-The old way of doing things entirely.-]',
      'added paragraph: [+Something completely different is said here now.+]',
      'added heading: [+New heading+]',
    ]);
    expect(diff.blocks[3]!.level).toBe(2);
  });

  it('pairs an edited paragraph even when a heading was inserted before it', () => {
    const diff = diffPolicies(
      'We receive and store any information you enter on our website.',
      '## Information you give us\n\nWe receive and store any information you enter on our website or give us.',
    );
    expect(show(diff)).toEqual([
      'added heading: [+Information you give us+]',
      'changed paragraph: We receive and store any information you enter on our website [+or give us+].',
    ]);
  });

  it('compares words, not Markdown syntax', () => {
    const diff = diffPolicies('We use **two** cookies.', 'We use two cookies.');
    expect(diff.blocks.map((b) => b.status)).toEqual(['same']);
  });

  it('diffs list items as blocks', () => {
    const diff = diffPolicies('- see your data\n- delete your account', '- see your data\n- export your data\n- delete your account');
    expect(show(diff)).toEqual(['same item: see your data', 'added item: [+export your data+]', 'same item: delete your account']);
  });
});
