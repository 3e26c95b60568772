/**
 * Small, pure helpers for GitHub-flavoured markdown: escaping, shortening, and a block model whose tables and
 * lists can be cut to a row budget ("… N more rows not shown") so a document never breaks mid-structure.
 * No imports of @actions/* or network code.
 */

/** Visible stand-in for a line break inside a single-line cell. */
const NEWLINE_MARK = '⏎';

/**
 * Shortens `text` to at most `max` code points (never splitting a surrogate pair), ending with `…` when cut.
 * `max` < 1 is treated as 1.
 */
export function shorten(text: string, max: number): string {
  const limit = Math.max(1, max);
  const points = Array.from(text);
  if (points.length <= limit) return text;
  return points.slice(0, limit - 1).join('') + '…';
}

/** Replaces every line break (CRLF, CR, LF, U+2028/9) with a visible `⏎` so a value stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, NEWLINE_MARK);
}

/**
 * Escapes plain text for inline markdown inside a table cell or list item: HTML (`&`, `<`, `>`) becomes entities
 * (so a value can never open `<details>`, a comment `<!--`, or a tag), markdown punctuation that changes rendering
 * is backslash-escaped, `|` becomes `\|` (GFM: a pipe in a cell must be escaped, also inside code spans),
 * line breaks become `⏎`, and `@name` gets a word joiner (U+2060) after `@` so text from ARM never mentions anyone.
 * The result is shortened to `max` code points first (default 300).
 * Source: GitHub Flavored Markdown spec, "Tables (extension)" and "Backslash escapes".
 */
export function escapeText(text: string, max = 300): string {
  return (
    oneLine(shorten(text, max))
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_[\]|~])/g, '\\$1')
      // `@name` in text from ARM or a policy would notify a user or team on the PR: a word joiner keeps it inert.
      .replace(/@(?=[A-Za-z0-9])/g, '@\u2060')
  );
}

/**
 * Renders `text` as an inline code span: the fence is one backtick longer than the longest backtick run in the
 * value, padded with spaces when the value starts or ends with a backtick, and line breaks become `⏎`. With
 * `inTable` (default true) `|` is escaped as `\|` (GFM requires it in cells, even inside code spans, and renders it
 * as `|`; outside a table the backslash would show). Shortened to `max` code points first (default 120).
 * Source: GitHub Flavored Markdown spec, "Code spans" and "Tables (extension)".
 */
export function code(text: string, max = 120, inTable = true): string {
  const flat = oneLine(shorten(text, max));
  const value = inTable ? flat.replace(/\|/g, '\\|') : flat;
  if (value === '') return '` `';
  const runs = value.match(/`+/g) ?? [];
  const longest = runs.reduce((m, r) => Math.max(m, r.length), 0);
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') || /^ .* $/.test(value) ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/**
 * Longest run of characters without a break opportunity that a table cell may hold (code points): a longer one (a
 * JSON array without spaces, a long field path or URL) makes GitHub scroll the table sideways instead of wrapping.
 * 40: the plan table has two such columns (field, before → after); a 40-character code span is about 290 px wide in
 * GitHub's monospace at 85 % of 14 px, so the table's narrowest layout is about 800 px and fits a job summary at
 * GitHub's 1012 px page width (measured in headless Chromium: at 80 the plan table scrolled 85 px sideways).
 */
export const MAX_UNBROKEN_RUN = 40;

/**
 * A line-break opportunity that shows nothing and copies as nothing. GitHub keeps `<wbr>` (its HTML allowlist, as in
 * html-pipeline's SanitizationFilter, lists `wbr`, `details`, `summary`, `sub`); a renderer that drops it only loses
 * the break hint, never text.
 */
export const WBR = '<wbr>';

/**
 * Characters after which a long run is preferably broken, best first: between list entries (`,` `;`), then at the
 * joints of a path or URL (`.` `/` `&` `?` `=`), then inside a name (`-` `_` `:` and closing brackets).
 */
const BREAK_TIERS: readonly ReadonlySet<string>[] = [
  new Set([',', ';']),
  new Set(['.', '/', '&', '?', '=']),
  new Set(['-', '_', ':', ')', ']', '}'])
];

function breakTier(c: string): number {
  return BREAK_TIERS.findIndex((t) => t.has(c));
}

/**
 * Splits `text` (already on one line) into pieces such that no piece holds a run of more than `max` code points
 * without white space; joining the pieces gives `text` back. A long run is cut after the last `.`, `/`, `,` and the
 * like within it when that leaves at least a quarter of `max` before the cut, else after `max` code points; never
 * inside a surrogate pair, and never right after `@` (so `@name` stays one piece and {@link escapeText} can defuse
 * it). `'a.b'` → `['a.b']`; text without a long run → `[text]`.
 */
export function splitLongRuns(text: string, max = MAX_UNBROKEN_RUN): string[] {
  const cps = Array.from(text);
  const limit = Math.max(2, max);
  const pieces: string[] = [];
  let start = 0;
  let runStart = 0;
  // Per tier, the index just after the last break character of that tier in the current run (-1: none).
  let soft = BREAK_TIERS.map(() => -1);
  const note = (j: number): void => {
    const tier = breakTier(cps[j]);
    if (tier >= 0) soft[tier] = j + 1;
  };
  for (let i = 0; i < cps.length; i++) {
    if (/\s/u.test(cps[i])) {
      runStart = i + 1;
      soft = soft.map(() => -1);
      continue;
    }
    if (i - runStart >= limit) {
      let cut = soft.find((at) => at > runStart + limit / 4) ?? i;
      if (cps[cut - 1] === '@' && cut - 1 > runStart) cut -= 1;
      pieces.push(cps.slice(start, cut).join(''));
      start = cut;
      runStart = cut;
      soft = soft.map(() => -1);
      for (let j = cut; j < i; j++) note(j);
    }
    note(i);
  }
  pieces.push(cps.slice(start).join(''));
  return pieces;
}

/**
 * {@link escapeText} for a table cell: the same escaping and shortening (to `max` code points), with a `<wbr>`
 * break opportunity inside every run longer than {@link MAX_UNBROKEN_RUN} (see {@link splitLongRuns}).
 */
export function escapeCell(text: string, max = 300): string {
  const flat = oneLine(shorten(text, max));
  return splitLongRuns(flat)
    .map((piece) => escapeText(piece, Number.MAX_SAFE_INTEGER))
    .join(WBR);
}

/**
 * {@link code} for a table cell: a value whose longest run without white space fits {@link MAX_UNBROKEN_RUN} is one
 * code span; a longer one becomes adjacent code spans of at most that many code points, joined by `<wbr>` (a code
 * span shows `<wbr>` literally, so the break goes between spans). Copying the cell still gives the value.
 */
export function codeCell(text: string, max = 120): string {
  const flat = oneLine(shorten(text, max));
  const pieces = splitLongRuns(flat);
  if (pieces.length === 1) return code(flat, Number.MAX_SAFE_INTEGER);
  return pieces.map((p) => code(p, Number.MAX_SAFE_INTEGER)).join(WBR);
}

/** One piece of a document: fixed text, a table whose rows may be cut, or a bullet list whose items may be cut. */
export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][]; noun?: string }
  | { kind: 'list'; items: string[]; noun?: string }
  | DetailsBlock;

/**
 * A collapsed section (`<details>`): `summary` (plain text, HTML-escaped here) is what shows; `body` (a table or a
 * list, whose rows may be cut like any other) opens on a click. Markdown inside renders because the body is set off
 * by blank lines (GFM, "HTML blocks" type 6).
 */
export interface DetailsBlock {
  kind: 'details';
  summary: string;
  body: Extract<Block, { kind: 'table' | 'list' }>;
}

/** The rows or items of a block that a row cap can cut. */
function rowCount(b: Block): number {
  if (b.kind === 'table') return b.rows.length;
  if (b.kind === 'list') return b.items.length;
  if (b.kind === 'details') return rowCount(b.body);
  return 0;
}

function htmlText(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function renderTable(block: Extract<Block, { kind: 'table' }>, cap: number): string {
  const head = `| ${block.header.join(' | ')} |`;
  const sep = `|${block.header.map(() => ' --- ').join('|')}|`;
  const shown = block.rows.slice(0, cap).map((r) => `| ${r.join(' | ')} |`);
  const cut = block.rows.length - shown.length;
  if (cut > 0) {
    const filler = block.header.slice(1).map(() => ' ');
    shown.push(`| … ${cut} more ${block.noun ?? 'rows'} not shown | ${filler.join(' | ')} |`);
  }
  return [head, sep, ...shown].join('\n');
}

function renderList(block: Extract<Block, { kind: 'list' }>, cap: number): string {
  const shown = block.items.slice(0, cap).map((i) => `- ${i}`);
  const cut = block.items.length - shown.length;
  if (cut > 0) shown.push(`- … ${cut} more ${block.noun ?? 'items'} not shown`);
  return shown.join('\n');
}

function renderBlock(b: Block, cap: number): string {
  if (b.kind === 'text') return b.text;
  if (b.kind === 'table') return renderTable(b, cap);
  if (b.kind === 'list') return renderList(b, cap);
  return `<details><summary>${htmlText(b.summary)}</summary>\n\n${renderBlock(b.body, cap)}\n\n</details>`;
}

/** Renders blocks separated by blank lines, showing at most `cap` rows of every table and items of every list. */
export function renderBlocks(blocks: Block[], cap = Number.POSITIVE_INFINITY): string {
  const parts = blocks.map((b) => renderBlock(b, cap));
  return parts.filter((p) => p !== '').join('\n\n') + '\n';
}

/** UTF-8 size of a string, in bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Renders `blocks` within `budget` as measured by `measure` (e.g. UTF-8 bytes, or UTF-16 length for comments).
 * Everything fits → the whole document. Otherwise the largest per-table/per-list row cap that fits is found by
 * binary search, so tables end with "… N more rows not shown" instead of being cut mid-structure. If even zero
 * rows do not fit, trailing blocks are dropped (the first block, the verdict, is always kept) and a closing line
 * says so. Returns the text and how many rows/items were left out.
 */
export function fitBlocks(
  blocks: Block[],
  budget: number,
  measure: (text: string) => number
): { text: string; omittedRows: number } {
  const full = renderBlocks(blocks);
  if (measure(full) <= budget) return { text: full, omittedRows: 0 };
  const sizes = blocks.map(rowCount);
  const omitted = (cap: number): number => sizes.reduce((n, s) => n + Math.max(0, s - cap), 0);
  let lo = 0;
  let hi = Math.max(0, ...sizes);
  if (measure(renderBlocks(blocks, 0)) <= budget) {
    // invariant: cap `lo` fits, cap `hi` does not
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (measure(renderBlocks(blocks, mid)) <= budget) lo = mid;
      else hi = mid;
    }
    return { text: renderBlocks(blocks, lo), omittedRows: omitted(lo) };
  }
  // Last resort: drop whole blocks from the end.
  for (let keep = blocks.length - 1; keep >= 1; keep--) {
    const dropped = blocks.length - keep;
    const tail: Block = { kind: 'text', text: `_… ${dropped} more sections not shown (size limit)._` };
    const text = renderBlocks([...blocks.slice(0, keep), tail], 0);
    if (measure(text) <= budget) return { text, omittedRows: omitted(0) };
  }
  const first = blocks[0];
  const head = first && first.kind === 'text' ? first.text : '';
  return { text: shortenToBudget(head, budget, measure) + '\n', omittedRows: omitted(0) };
}

function shortenToBudget(text: string, budget: number, measure: (t: string) => number): string {
  let points = Array.from(text);
  while (points.length > 0 && measure(points.join('') + '…\n') > budget) {
    points = points.slice(0, Math.floor(points.length * 0.9));
  }
  return points.length === Array.from(text).length ? text : points.join('') + '…';
}
