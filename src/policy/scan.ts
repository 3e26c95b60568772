/**
 * Expression-aware scanner for APIM policy documents in `rawxml` form. Pure module.
 *
 * In `rawxml` (the text as authored) policy expressions `@(...)` / `@{...}` may hold raw `"` (even the attribute's
 * own delimiting quote), `<` (generics, comparisons), `&&`, C# string/char literals and nested brackets, so the
 * document is often not well-formed XML (../shared/DESIGN.md §3; field case C11). This scanner finds where each
 * expression ends by balancing brackets while skipping C# literals and comments, and masks the expressions with a
 * same-length filler so the rest can be parsed as XML with offsets that are valid in the original text.
 *
 * Expression placement follows the APIM policy-expression reference
 * (https://learn.microsoft.com/azure/api-management/api-management-policy-expressions): an expression is the
 * whole value of an attribute or the text of an element, starting with `@(` (single statement) or `@{` (multi
 * statement). XML entities (`&quot;`, `&#xA;`, …) inside an expression are read as the characters they stand for
 * (the escaped `format=xml` form), raw characters are read as themselves (the `rawxml` form).
 */
import { PolicyParseError, lineColumn, parseErrorAt } from './errors.js';

/** Where one expression sits in the original text: `[start, end)` UTF-16 offsets, `start` at the `@`. */
export interface ExpressionSpan {
  start: number;
  end: number;
  /** attribute value, element text, or inside a CDATA section (CDATA expressions are never masked) */
  context: 'attribute' | 'text' | 'cdata';
}

/** Result of {@link scanPolicy}: `masked` has the same length as the input and the same line breaks. */
export interface ScanResult {
  masked: string;
  expressions: ExpressionSpan[];
}

const ENTITY = /&(quot|apos|lt|gt|amp|#[0-9]+|#x[0-9a-fA-F]+);/y;
const NAMED: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
const CLOSER: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
const MASK = 'x';

/** Reads one character at `i`, decoding an XML entity; returns the character and how many code units it took. */
function readChar(s: string, i: number): [string, number] {
  if (s.charCodeAt(i) === 38 /* & */) {
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(s);
    if (m) {
      const name = m[1];
      const ch =
        name[0] === '#'
          ? String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10))
          : NAMED[name];
      return [ch, m[0].length];
    }
  }
  return [s[i], 1];
}

function isBreak(ch: string): boolean {
  return ch === '\n' || ch === '\r';
}

/**
 * Skips a C# string literal whose opening quote ends just before `i`. Handles regular (`\"` escapes), verbatim
 * (`""` escapes) and interpolated (`{hole}`, `{{`/`}}` literal braces) strings. Returns the offset after the
 * closing quote. Throws PolicyParseError on a line break inside a regular string or on end of text.
 */
function skipString(s: string, i: number, limit: number, verbatim: boolean, interpolated: boolean, from: number) {
  while (i < limit) {
    const [ch, len] = readChar(s, i);
    if (!verbatim && ch === '\\') {
      const [, len2] = readChar(s, i + len);
      i += len + len2;
      continue;
    }
    if (ch === '"') {
      if (verbatim && readChar(s, i + len)[0] === '"') {
        i += len + readChar(s, i + len)[1];
        continue;
      }
      return i + len;
    }
    if (interpolated && (ch === '{' || ch === '}')) {
      const [next, len2] = readChar(s, i + len);
      if (next === ch) {
        i += len + len2;
        continue;
      }
      if (ch === '{') {
        i = scanBalanced(s, i, limit, i);
        continue;
      }
    }
    if (!verbatim && isBreak(ch)) {
      throw parseErrorAt(s, i, 'line break inside a C# string literal of a policy expression');
    }
    i += len;
  }
  throw parseErrorAt(s, from, 'C# string literal of a policy expression is not closed');
}

/**
 * Skips a C# char literal whose opening `'` ends just before `i`; returns the offset after the closing `'`.
 * Lenient: runs to the next unescaped `'` on the same line, so a multi-character "char literal" (seen in public
 * samples, e.g. `ContainsKey('Retry-After')`) does not stop tokenizing; APIM's compiler is the judge of C#.
 */
function skipCharLiteral(s: string, i: number, limit: number, from: number): number {
  while (i < limit) {
    const [ch, len] = readChar(s, i);
    if (ch === '\\') {
      i += len + readChar(s, i + len)[1];
      continue;
    }
    if (ch === "'") return i + len;
    if (isBreak(ch)) break;
    i += len;
  }
  throw parseErrorAt(s, from, 'C# character literal of a policy expression is not closed');
}

/**
 * Scans C# code from the opening bracket at `open` to its matching closing bracket, skipping string and char
 * literals and comments. Returns the offset just after the closing bracket. `from` is where to report an
 * unterminated construct. Throws PolicyParseError on mismatched brackets or end of text.
 */
function scanBalanced(s: string, open: number, limit: number, from: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < limit) {
    const [ch, len] = readChar(s, i);
    switch (ch) {
      case '(':
      case '{':
      case '[':
        stack.push(ch);
        i += len;
        break;
      case ')':
      case '}':
      case ']': {
        const top = stack.pop();
        if (top !== CLOSER[ch]) {
          throw parseErrorAt(s, i, `unbalanced '${ch}' in a policy expression`);
        }
        i += len;
        if (stack.length === 0) return i;
        break;
      }
      case '"':
        i = skipString(s, i + len, limit, false, false, i);
        break;
      case "'":
        i = skipCharLiteral(s, i + len, limit, i);
        break;
      case '@':
      case '$': {
        const [n1, l1] = readChar(s, i + len);
        const [n2, l2] = readChar(s, i + len + l1);
        if (n1 === '"') {
          i = skipString(s, i + len + l1, limit, ch === '@', ch === '$', i);
        } else if ((n1 === '@' || n1 === '$') && n1 !== ch && n2 === '"') {
          i = skipString(s, i + len + l1 + l2, limit, true, true, i);
        } else {
          i += len;
        }
        break;
      }
      case '/': {
        const [n1, l1] = readChar(s, i + len);
        if (n1 === '/') {
          i += len + l1;
          while (i < limit && !isBreak(readChar(s, i)[0])) i += readChar(s, i)[1];
        } else if (n1 === '*') {
          const close = s.indexOf('*/', i + len + l1);
          if (close < 0 || close >= limit) throw parseErrorAt(s, i, 'C# comment of a policy expression is not closed');
          i = close + 2;
        } else {
          i += len;
        }
        break;
      }
      default:
        i += len;
    }
  }
  throw parseErrorAt(s, from, 'policy expression is not terminated (unbalanced brackets or an unclosed literal)');
}

/** {@link scanBalanced} for the expression whose `@` is at `at`; errors also name where the expression starts. */
function scanExpression(s: string, at: number, limit: number): number {
  try {
    return scanBalanced(s, at + 1, limit, at);
  } catch (e) {
    if (!(e instanceof PolicyParseError)) throw e;
    const { line, column } = lineColumn(s, at);
    if (e.line === line && e.column === column) throw e;
    throw new PolicyParseError(`${e.message} (expression starts at line ${line}, column ${column})`, e.line, e.column);
  }
}

function startsExpression(s: string, i: number): boolean {
  return s.charCodeAt(i) === 64 /* @ */ && (s[i + 1] === '(' || s[i + 1] === '{');
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Finds every policy expression of a `rawxml` document and masks the attribute/text ones.
 * Input: the document text (any line endings, optional BOM). Output: `masked` (same length, line breaks kept,
 * each masked expression replaced by `x` characters) and the expression spans in document order.
 * Throws PolicyParseError (with line/column) when an expression, comment, CDATA section, processing instruction,
 * tag or quoted attribute value is not terminated, or brackets in an expression do not match.
 */
export function scanPolicy(raw: string): ScanResult {
  const n = raw.length;
  const spans: ExpressionSpan[] = [];
  // comment bodies are masked too: APIM keeps comments that a strict XML parser rejects (`--` inside,
  // e.g. a comment opened twice); they are never edited, so reading them leniently is safe
  const comments: [number, number][] = [];
  let i = 0;
  const need = (close: string, from: number, what: string): number => {
    const e = raw.indexOf(close, from);
    if (e < 0) throw parseErrorAt(raw, from, `${what} is not closed`);
    return e;
  };
  while (i < n) {
    if (raw.charCodeAt(i) !== 60 /* < */) {
      // a text run: an expression is the text's first non-blank content
      let j = i;
      while (j < n && isSpace(raw.charCodeAt(j))) j++;
      if (startsExpression(raw, j)) {
        const end = scanExpression(raw, j, n);
        spans.push({ start: j, end, context: 'text' });
        j = end;
      }
      const lt = raw.indexOf('<', j);
      i = lt < 0 ? n : lt;
      continue;
    }
    if (raw.startsWith('<!--', i)) {
      const e = need('-->', i + 4, 'comment');
      comments.push([i + 4, e]);
      i = e + 3;
    } else if (raw.startsWith('<![CDATA[', i)) {
      const e = need(']]>', i + 9, 'CDATA section');
      let j = i + 9;
      while (j < e && isSpace(raw.charCodeAt(j))) j++;
      if (startsExpression(raw, j)) {
        try {
          spans.push({ start: j, end: scanBalanced(raw, j + 1, e, j), context: 'cdata' });
        } catch {
          // CDATA is opaque to XML; an odd expression there is APIM's business, not a tokenizing problem
        }
      }
      i = e + 3;
    } else if (raw.startsWith('<?', i)) {
      i = need('?>', i + 2, 'processing instruction') + 2;
    } else if (raw.startsWith('<!', i)) {
      i = need('>', i + 2, 'declaration') + 1;
    } else {
      i = scanTag(raw, i, spans);
    }
  }
  const chars = raw.split('');
  for (const sp of spans) {
    if (sp.context === 'cdata') continue;
    for (let k = sp.start; k < sp.end; k++) if (!isBreak(chars[k])) chars[k] = MASK;
  }
  for (const [from, to] of comments) for (let k = from; k < to; k++) if (!isBreak(chars[k])) chars[k] = MASK;
  return { masked: chars.join(''), expressions: spans };
}

/** Scans a start or end tag from its `<`; records attribute-value expressions; returns the offset after `>`. */
function scanTag(raw: string, lt: number, spans: ExpressionSpan[]): number {
  const n = raw.length;
  let j = lt + 1;
  while (j < n) {
    const c = raw[j];
    if (c === '>') return j + 1;
    if (c === '"' || c === "'") {
      let k = j + 1;
      if (startsExpression(raw, k)) {
        const end = scanExpression(raw, k, n);
        spans.push({ start: k, end, context: 'attribute' });
        k = end;
      }
      const close = raw.indexOf(c, k);
      if (close < 0) throw parseErrorAt(raw, j, 'attribute value is not closed');
      j = close + 1;
      continue;
    }
    if (c === '<') break;
    j++;
  }
  throw parseErrorAt(raw, lt, 'tag is not closed');
}

/**
 * Every expression's text as authored (from `@` to its closing bracket), in document order, including
 * expressions inside CDATA sections. Throws PolicyParseError like {@link scanPolicy}.
 */
export function extractExpressions(raw: string): string[] {
  return scanPolicy(raw).expressions.map((e) => raw.slice(e.start, e.end));
}
