import { diffArrays, diffWords } from 'diff';

/**
 * What changed between two versions, word by word, in a shape a page can render as
 * paragraphs with `<ins>` and `<del>` (no HTML is produced here).
 *
 * The Markdown is first read as blocks (headings, paragraphs, list items) with the inline
 * markup removed, so the reader compares sentences, not syntax. Blocks are matched first;
 * a changed block is then compared word by word when enough of it survives, and otherwise
 * shown as one block removed and another added.
 */

export type BlockKind = 'heading' | 'paragraph' | 'item';

export interface TextBlock {
  kind: BlockKind;
  /** Heading level (1–6) for headings. */
  level?: number;
  text: string;
}

export type SegmentType = 'same' | 'added' | 'removed';

export interface Segment {
  type: SegmentType;
  text: string;
}

export type BlockStatus = 'same' | 'added' | 'removed' | 'changed';

export interface DiffBlock {
  kind: BlockKind;
  level?: number;
  status: BlockStatus;
  segments: Segment[];
}

export interface PolicyDiff {
  blocks: DiffBlock[];
  /** Words added and removed, for a one-line summary. */
  wordsAdded: number;
  wordsRemoved: number;
}

/** Removes inline Markdown (emphasis, code, links, images, escapes), keeping the words. */
export function plainInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<(https?:[^>\s]+|[^@>\s]+@[^>\s]+)>/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(?<![\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, '$1')
    .replace(/(?<![\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!>])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

const HEADING_RE = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const ITEM_RE = /^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(.*)$/;

/** Reads Markdown as a list of blocks (headings, paragraphs, list items). */
export function markdownBlocks(markdown: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let paragraph: string[] = [];
  let item: string[] | undefined;
  const flush = () => {
    if (item) blocks.push({ kind: 'item', text: plainInline(item.join(' ')) });
    else if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: plainInline(paragraph.join(' ')) });
    item = undefined;
    paragraph = [];
  };
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = HEADING_RE.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1]!.length, text: plainInline(heading[2]!) });
      continue;
    }
    const listItem = ITEM_RE.exec(line);
    if (listItem) {
      flush();
      item = [listItem[1]!];
      continue;
    }
    if (item) item.push(line.trim());
    else paragraph.push(line.trim());
  }
  flush();
  return blocks.filter((b) => b.text !== '');
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

function countWords(text: string): number {
  return text.match(WORD_RE)?.length ?? 0;
}

function wordDiff(before: string, after: string): Segment[] {
  return diffWords(before, after).map((c) => ({ type: c.added ? 'added' : c.removed ? 'removed' : 'same', text: c.value }));
}

/** Share of the words two texts have in common (0–1). */
function similarity(segments: Segment[]): number {
  let same = 0;
  let total = 0;
  for (const s of segments) {
    const n = countWords(s.text);
    total += n;
    if (s.type === 'same') {
      same += n;
      total += n; // counted once for each side
    }
  }
  return total === 0 ? 1 : (2 * same) / total;
}

/** A changed block is shown word by word only when at least this share of its words survive. */
const SIMILAR_ENOUGH = 0.4;

const sameShape = (a: TextBlock, b: TextBlock) => a.kind === b.kind && a.level === b.level;

function whole(block: TextBlock, status: 'same' | 'added' | 'removed'): DiffBlock {
  return { kind: block.kind, ...(block.level ? { level: block.level } : {}), status, segments: [{ type: status, text: block.text }] };
}

/** The differences between two versions' Markdown texts. */
export function diffPolicies(beforeMarkdown: string, afterMarkdown: string): PolicyDiff {
  const before = markdownBlocks(beforeMarkdown);
  const after = markdownBlocks(afterMarkdown);
  const blocks: DiffBlock[] = [];
  const changes = diffArrays(before, after, { comparator: (a, b) => sameShape(a, b) && a.text === b.text });

  let removedRun: TextBlock[] = [];
  const emitRun = (added: TextBlock[]) => {
    // Pair the removed blocks with the added ones, in order, where they are similar enough.
    let next = 0;
    for (const old of removedRun) {
      let paired = false;
      for (let j = next; j < added.length; j++) {
        const candidate = added[j]!;
        if (!sameShape(old, candidate)) continue;
        const segments = wordDiff(old.text, candidate.text);
        if (similarity(segments) >= SIMILAR_ENOUGH) {
          for (const skipped of added.slice(next, j)) blocks.push(whole(skipped, 'added'));
          blocks.push({ kind: candidate.kind, ...(candidate.level ? { level: candidate.level } : {}), status: 'changed', segments });
          next = j + 1;
          paired = true;
          break;
        }
      }
      if (!paired) blocks.push(whole(old, 'removed'));
    }
    for (const rest of added.slice(next)) blocks.push(whole(rest, 'added'));
    removedRun = [];
  };

  for (const change of changes) {
    if (change.removed) {
      removedRun.push(...change.value);
    } else if (change.added) {
      emitRun(change.value);
    } else {
      emitRun([]);
      for (const block of change.value) blocks.push(whole(block, 'same'));
    }
  }
  emitRun([]);

  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const block of blocks) {
    for (const s of block.segments) {
      if (s.type === 'added') wordsAdded += countWords(s.text);
      if (s.type === 'removed') wordsRemoved += countWords(s.text);
    }
  }
  return { blocks, wordsAdded, wordsRemoved };
}
