/**
 * Text hygiene shared by every input, whatever its source (a step input or a targets-file entry): limits, control
 * characters, list splitting, and how a user-given value is shown in a message. Pure.
 */

/**
 * Longest accepted name, ID or keyword (ARM names, GUIDs, enumerations, each `api-ids` entry, `smoke-subscription`):
 * 256 characters, the APIM REST spec's maximum for an API ID (`apiId`) and a subscription ID (`sid`). The stricter
 * per-name rules (e.g. 1-50 for `apim-name`) still apply; this bound only keeps a pasted blob out of the checks.
 */
export const MAX_NAME_LENGTH = 256;

/**
 * Longest accepted URL, URI, path or token (`audience`, `arm-endpoint`, `authority-host`, `graph-endpoint`,
 * `token-resource`, `open-id-issuer`, `smoke-path`, each `excluded-paths` entry, `github-token`): 2,048 characters,
 * the conventional safe URL length; no legitimate value comes near it.
 */
export const MAX_VALUE_LENGTH = 2048;

/** Longest accepted `subscription-key`: 256 characters (APIM REST spec: subscription `primaryKey`, maxLength 256). */
export const MAX_SUBSCRIPTION_KEY_LENGTH = 256;

/**
 * Most entries in one list input (`api-ids`, `excluded-paths`), counted after exact duplicates are dropped: 50. Each
 * API costs ARM reads and a policy write per run (an unbounded list once made 24,004 GETs for 12,000 API IDs); Easy
 * Auth exclusions are meant for a few anonymous endpoints. Split larger sets across steps or jobs.
 */
export const MAX_LIST_ENTRIES = 50;

/**
 * Longest accepted text of a list input as a whole: 131,072 characters ({@link MAX_LIST_ENTRIES} entries of
 * {@link MAX_VALUE_LENGTH} characters with separators and indentation fit). Bounds the work before entries are counted.
 */
export const MAX_LIST_INPUT_LENGTH = 131_072;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` has the 8-4-4-4-12 hexadecimal GUID shape. */
export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** Unicode format characters (general category Cf: zero-width spaces and joiners, bidi overrides, BOM …). */
const FORMAT = /\p{Cf}/u;

/**
 * True for the code points refused in every input: C0, DEL, C1, U+2028 and U+2029, and the invisible format
 * characters (Cf: U+200B zero-width space, U+202E right-to-left override, U+FEFF …) that make a value read
 * differently from what it is.
 */
function isControl(code: number): boolean {
  if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return true;
  return code >= 0xad && FORMAT.test(String.fromCharCode(code));
}

const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0b: 'vertical tab',
  0x0c: 'form feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'delete',
  0x85: 'next line',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x200b: 'zero-width space',
  0x202e: 'right-to-left override',
  0xfeff: 'zero-width no-break space'
};

/** A control character found by {@link findControlCharacter}. */
export interface ControlCharacter {
  /** 0-based index in the text given. */
  index: number;
  /** The code point, e.g. 0x0a. */
  code: number;
  /** e.g. `U+000A (line feed)`. */
  label: string;
}

/**
 * The first control character `text` may not contain, or undefined when it is clean.
 *
 * Refused everywhere: C0 (U+0000–U+001F, tab included), DEL (U+007F), C1 (U+0080–U+009F), U+2028 and U+2029 — except
 * line breaks (LF, or CR directly followed by LF): those are allowed anywhere when `lineBreaksSeparate` (a list input),
 * and otherwise only among the spaces and line breaks before or after the value (they are trimmed off, as
 * `core.getInput` does; a YAML block scalar ends with one). Linear in `text.length`.
 */
export function findControlCharacter(text: string, lineBreaksSeparate: boolean): ControlCharacter | undefined {
  const isEdge = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d;
  let lead = 0;
  while (lead < text.length && isEdge(text.charCodeAt(lead))) lead++;
  let trail = text.length;
  while (trail > lead && isEdge(text.charCodeAt(trail - 1))) trail--;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code)) continue;
    const lineBreak = code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) === 0x0a);
    if (lineBreak && (lineBreaksSeparate || i < lead || i >= trail)) continue;
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    const name = CONTROL_NAMES[code] ?? (code > 0x9f ? 'format character' : 'control character');
    const label = code === 0x0d ? `U+${hex} (carriage return without a line feed)` : `U+${hex} (${name})`;
    return { index: i, code, label };
  }
  return undefined;
}

/** What {@link textProblem} needs to know about an input (every {@link InputSpec} has it). */
export interface TextRules {
  /** A list input: line breaks separate entries. */
  readonly list: boolean;
  /** A secret: its value (and the position of a bad character in it) never appears in a message. */
  readonly secret: boolean;
  /** Longest accepted trimmed text (for a list: the whole list). */
  readonly maxLength: number;
}

/**
 * The hygiene problem of one input's raw (untrimmed) text, or undefined: a control character
 * ({@link findControlCharacter}; line breaks only between entries of a list), else a trimmed length over
 * `rules.maxLength`. An input with such a problem is checked no further (its value is then never shown).
 */
export function textProblem(text: string, rules: TextRules): string | undefined {
  const bad = findControlCharacter(text, rules.list);
  if (bad) {
    const where = rules.secret ? '(value not shown: secret)' : `at character ${bad.index + 1}`;
    const rule = rules.list
      ? 'entries are separated by commas or line breaks (LF or CRLF); no other control character (tab, CR, ' +
        'U+0000–U+001F, U+007F–U+009F, U+2028, U+2029) may appear'
      : 'a single value has no line breaks, tabs or other control characters (U+0000–U+001F, U+007F–U+009F, ' +
        'U+2028, U+2029); only api-ids and excluded-paths take one entry per line';
    return `contains control character ${bad.label} ${where}; ${rule}: remove it`;
  }
  const length = text.trim().length;
  if (length > rules.maxLength) {
    const size = rules.secret ? 'is too long' : `is ${count(length)} characters long`;
    return (
      `${size}; the limit is ${count(rules.maxLength)} characters${rules.list ? ' for the whole list' : ''}: give ` +
      'only the value (check for text pasted by mistake)'
    );
  }
  return undefined;
}

/**
 * Splits a newline- or comma-separated list into its entries, trimmed, empty ones dropped, duplicates and order kept.
 * `splitList(' a, b\r\n\na ,c ')` → `['a', 'b', 'a', 'c']`. Does not check characters (see {@link textProblem}).
 */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((raw) => raw.trim())
    .filter((item) => item !== '');
}

/**
 * Splits a newline- or comma-separated list: entries trimmed, empty ones dropped, duplicates removed (first kept),
 * order kept. `parseList(' a, b\n\na ,c ')` → `['a', 'b', 'c']`. Exact comparison; the `api-ids` validator refuses
 * entries that differ only in letter case. For a YAML list, see `listEntries` (src/inputs/check.ts).
 */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const item of splitList(text)) {
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** Parses `true`/`false` (case-insensitive, trimmed); undefined for anything else. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/**
 * Shows a user-given (non-secret) value in a message: quoted and cut to 80 characters; control and format characters
 * (which could start a workflow command on a new log line or reorder the text) appear as `\u{…}` escapes.
 */
export function show(value: string): string {
  const v = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  const safe = v.replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`
  );
  return `'${safe}'`;
}

/** `1234` → `1,234` (limits in messages). */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
