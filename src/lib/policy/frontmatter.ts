/**
 * A deliberately small reader for the policy files' frontmatter, so that the command line
 * and the server can read `src/content/policy/*.md` without Astro (and without a YAML
 * dependency).
 *
 * It reads one `key: value` per line, where a value is `true`, `false`, a date
 * (`2027-01-01`), a "double-quoted" or 'single-quoted' string, or a plain word or phrase.
 * Anything that a YAML parser (Astro's) might read differently — a value spanning several
 * lines, a plain value containing `: ` or ` #`, a number, `null` — is refused with a message
 * saying how to write it, so both readers always agree.
 */

export type FrontmatterValue = string | boolean;

export class FrontmatterError extends Error {
  override name = 'FrontmatterError';
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}

export interface ParsedFile {
  data: Record<string, FrontmatterValue>;
  /** Everything after the closing `---`, untouched. */
  body: string;
}

const KEY_RE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:\s+(.*))?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
// Plain YAML scalars that are not strings, and characters that start something else in YAML.
const NOT_A_STRING = /^(?:null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?(?:\.?\d|\.(?:inf|Inf|INF|nan|NaN|NAN)\b).*)$/;
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

function parseValue(raw: string, line: number): FrontmatterValue {
  const value = raw.trim();
  if (value === '') throw new FrontmatterError('the value is missing', line);
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (DATE_RE.test(value)) return value;
  if (value.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // fall through to the error below
    }
    throw new FrontmatterError('a "double-quoted" value must end with a quote on the same line; write \\" for a quote inside it', line);
  }
  if (value.startsWith("'")) {
    const match = /^'((?:[^']|'')*)'$/.exec(value);
    if (match) return match[1]!.replace(/''/g, "'");
    throw new FrontmatterError("a 'single-quoted' value must end with a quote on the same line; write '' for a quote inside it", line);
  }
  if (NOT_A_STRING.test(value) || INDICATOR.test(value) || value.includes(': ') || value.includes(' #')) {
    throw new FrontmatterError(`put this value in double quotes: "${value.replace(/["\\]/g, '\\$&')}"`, line);
  }
  return value;
}

/** Splits a Markdown file into its frontmatter (parsed) and its body. */
export function parseFrontmatter(source: string): ParsedFile {
  const text = source.replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    throw new FrontmatterError('the file must start with a line "---", then the frontmatter, then another "---"', 1);
  }
  const data: Record<string, FrontmatterValue> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.trim() === '---') {
      // The body starts after the closing line, exactly as written.
      const bodyStart = lines.slice(0, i + 1).join('\n').length + 1;
      const normalised = text.replace(/\r\n/g, '\n');
      return { data, body: normalised.slice(Math.min(bodyStart, normalised.length)) };
    }
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (/^\s/.test(line)) {
      throw new FrontmatterError('a value must be written on the same line as its name (no indented or multi-line values)', lineNo);
    }
    const match = KEY_RE.exec(line);
    if (!match) throw new FrontmatterError(`expected "name: value", found ${JSON.stringify(line)}`, lineNo);
    const key = match[1]!;
    if (Object.hasOwn(data, key)) throw new FrontmatterError(`"${key}" appears twice`, lineNo);
    if (match[2] === undefined || match[2].trim() === '') {
      throw new FrontmatterError(
        `"${key}" has no value (multi-line values are not supported: write it on one line in double quotes)`,
        lineNo,
      );
    }
    data[key] = parseValue(match[2], lineNo);
  }
  throw new FrontmatterError('the frontmatter has no closing "---" line');
}

/** Writes one frontmatter line that both this reader and YAML read back as `value`. */
export function formatFrontmatterLine(key: string, value: FrontmatterValue): string {
  if (typeof value === 'boolean' || DATE_RE.test(value)) return `${key}: ${String(value)}`;
  return `${key}: ${JSON.stringify(value)}`;
}
