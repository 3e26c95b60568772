/**
 * APIM policy text handling inside the twin, modelled on how API Management itself reads policy documents.
 * This is the twin's own, independent implementation (it must not share code with the action's `src/policy/`).
 *
 * Two wire forms exist (REST: "Api Policy - Create Or Update", `properties.format` = `xml` | `rawxml`,
 * https://learn.microsoft.com/rest/api/apimanagement/api-policy/create-or-update):
 * - `rawxml`: the text as authored. Inside policy expressions `@(...)` / `@{...}` raw `"`, `<`, `>` and `&` are legal
 *   (Learn: "API Management policy expressions"; hashicorp/terraform-provider-azurerm#3918, #4140; Azure/apiops#488).
 * - `xml`: well-formed XML; expression text entity-escaped, and newlines inside attribute expressions written as
 *   `&#xA;` (Azure/apiops#14 shows an export with `@{&#xA; var header = ...GetValueOrDefault(&quot;Cache-Control&quot;...`).
 *
 * Model decisions (documented limits):
 * - Expression text in `rawxml` is verbatim: entities inside an expression are NOT decoded. That is what makes mixing
 *   formats double-escape (DESIGN §3; hashicorp/terraform-provider-azurerm#32483, #6441): an `xml` read written back
 *   as `rawxml` stores `&quot;` literally, and the next `xml` read shows `&amp;quot;`.
 * - Outside expressions the usual XML rules apply (comments, CDATA, predefined and numeric entities, `<?xml ?>`).
 * - Line endings: `\r\n` and lone `\r` read as `\n` everywhere (XML 1.0 §2.11), expressions included.
 * - An attribute holds an expression when its value starts with `@(` or `@{`; text holds one where `@(`/`@{` starts a
 *   text run or follows whitespace or `>`. The expression ends where its ()/{} balance closes, skipping C# string
 *   literals (`"..."`, verbatim `@"..."`, interpolated `$"...{hole}..."`), char literals (`'x'`) and comments.
 */
import { SaxesParser } from 'saxes';
import type { PolicyElement, PolicyNode } from './contracts.js';

export type { PolicyElement, PolicyNode } from './contracts.js';

type Mode = 'raw' | 'xml';

/** A span of the source the format conversions rewrite. */
interface Segment {
  start: number;
  end: number;
  kind: 'attr-expr' | 'text-expr' | 'xml-attr' | 'xml-text' | 'ws' | 'selfclose' | 'comment';
  /** attribute delimiter for attr kinds */
  quote?: string;
  /** decoded value (xml-* kinds) */
  value?: string;
}

interface ParseResult {
  root: PolicyElement;
  segments: Segment[];
  /** length of a leading BOM that was skipped (0 or 1) */
  bom: number;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[-A-Za-z0-9_.:\u00B7\u00C0-\uFFFF]/;

class PolicyParser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  readonly segments: Segment[] = [];

  constructor(
    private readonly src: string,
    private readonly mode: Mode
  ) {
    for (let i = 0; i < src.length; i++) {
      if (src[i] === '\n' || (src[i] === '\r' && src[i + 1] !== '\n')) this.lineStarts.push(i + 1);
    }
  }

  where(at: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo] + 1 };
  }

  fail(message: string, at = this.pos): never {
    const { line, column } = this.where(at);
    throw new Error(`${message} (line ${line}, column ${column})`);
  }

  parseDocument(): ParseResult {
    const bom = this.src.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.pos = bom;
    this.skipMisc(true);
    if (this.src[this.pos] !== '<' || !NAME_START.test(this.src[this.pos + 1] ?? '')) {
      this.fail('Root element is missing');
    }
    const root = this.parseElement();
    this.skipMisc(false);
    if (this.pos < this.src.length) this.fail('Unexpected content after the root element');
    return { root, segments: this.segments, bom };
  }

  /** Whitespace, comments, processing instructions (the XML declaration only first) outside the root. */
  private skipMisc(prolog: boolean): void {
    const s = this.src;
    for (;;) {
      const wsStart = this.pos;
      while (this.pos < s.length && /\s/.test(s[this.pos])) this.pos++;
      if (this.pos > wsStart) this.segments.push({ start: wsStart, end: this.pos, kind: 'ws' });
      if (s.startsWith('<!--', this.pos)) this.readComment();
      else if (s.startsWith('<?', this.pos)) {
        const isDecl = /^<\?xml[\s?]/.test(s.slice(this.pos, this.pos + 6));
        if (isDecl && !(prolog && this.pos === (s.charCodeAt(0) === 0xfeff ? 1 : 0))) {
          this.fail('The XML declaration is allowed only at the start of the document');
        }
        this.readPi();
      } else if (prolog && s.startsWith('<!DOCTYPE', this.pos)) this.fail('DTDs are not allowed in policies');
      else return;
    }
  }

  private readComment(): string {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('Unterminated comment');
    // Strict XML forbids '--' inside a comment; published policies contain it (an unclosed '<!--' before another
    // comment) and are accepted, so the twin tolerates it; toXmlFormat() rewrites it to '- -'.
    const text = this.src.slice(this.pos + 4, end);
    this.segments.push({ start: this.pos + 4, end, kind: 'comment' });
    this.pos = end + 3;
    return eol(text);
  }

  private readPi(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) this.fail('Unterminated processing instruction');
    this.pos = end + 2;
  }

  private readName(): string {
    const s = this.src;
    const start = this.pos;
    if (!NAME_START.test(s[this.pos] ?? '')) this.fail('Name expected');
    this.pos++;
    while (this.pos < s.length && NAME_CHAR.test(s[this.pos])) this.pos++;
    return s.slice(start, this.pos);
  }

  private skipWs(): boolean {
    const start = this.pos;
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
    return this.pos > start;
  }

  private parseElement(): PolicyElement {
    const s = this.src;
    const openAt = this.pos;
    this.pos++; // '<'
    const name = this.readName();
    const attributes: Record<string, string> = {};
    for (;;) {
      const hadWs = this.skipWs();
      const c = s[this.pos];
      if (c === undefined) this.fail(`Unterminated start tag <${name}>`, openAt);
      if (c === '/') {
        if (s[this.pos + 1] !== '>') this.fail("Expected '>' after '/'");
        if (!hadWs) this.segments.push({ start: this.pos, end: this.pos, kind: 'selfclose' });
        this.pos += 2;
        return { name, attributes, children: [] };
      }
      if (c === '>') {
        this.pos++;
        break;
      }
      if (!hadWs) this.fail(`Expecting white space before attribute in <${name}>`);
      const attrAt = this.pos;
      const attr = this.readName();
      this.skipWs();
      if (s[this.pos] !== '=') this.fail(`Expected '=' after attribute '${attr}'`);
      this.pos++;
      this.skipWs();
      if (Object.prototype.hasOwnProperty.call(attributes, attr)) this.fail(`Duplicate attribute '${attr}'`, attrAt);
      attributes[attr] = this.readAttrValue();
    }
    const children = this.parseContent(name, openAt);
    return { name, attributes, children };
  }

  private readAttrValue(): string {
    const s = this.src;
    const q = s[this.pos];
    if (q !== '"' && q !== "'") this.fail('Attribute value must be quoted');
    this.pos++;
    const valueStart = this.pos;
    if (this.mode === 'raw' && s[this.pos] === '@' && (s[this.pos + 1] === '(' || s[this.pos + 1] === '{')) {
      const end = scanExpression(s, this.pos, (m, at) => this.fail(m, at));
      this.segments.push({ start: this.pos, end, kind: 'attr-expr', quote: q });
      const expr = s.slice(this.pos, end);
      this.pos = end;
      const tail = this.readLiteralAttr(q);
      if (tail.trim() !== '') this.fail('Unexpected text after the policy expression in an attribute value', end);
      return eol(expr) + tail;
    }
    const value = this.readLiteralAttr(q);
    if (this.mode === 'xml')
      this.segments.push({ start: valueStart, end: this.pos - 1, kind: 'xml-attr', quote: q, value });
    return value;
  }

  /** Reads a literal attribute value up to and including the quote `q`; decodes entities. */
  private readLiteralAttr(q: string): string {
    const s = this.src;
    let out = '';
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) this.fail('Unterminated attribute value');
      if (c === q) {
        this.pos++;
        return eol(out);
      }
      if (c === '<') this.fail("'<' is not allowed in an attribute value outside a policy expression");
      if (c === '&') out += this.readEntity();
      else {
        out += c;
        this.pos++;
      }
    }
  }

  private readEntity(): string {
    const s = this.src;
    const at = this.pos;
    const semi = s.indexOf(';', at);
    const ref = semi > at && semi - at <= 12 ? s.slice(at + 1, semi) : '';
    let ch: string | undefined;
    if (/^#[0-9]+$/.test(ref)) ch = safeCodePoint(parseInt(ref.slice(1), 10));
    else if (/^#x[0-9a-fA-F]+$/.test(ref)) ch = safeCodePoint(parseInt(ref.slice(2), 16));
    else ch = PREDEFINED[ref];
    if (ch === undefined)
      this.fail(ref ? `Reference to undeclared entity '${ref}'` : "Unescaped '&' outside a policy expression", at);
    this.pos = semi + 1;
    return ch;
  }

  private parseContent(name: string, openAt: number): PolicyNode[] {
    const s = this.src;
    const children: PolicyNode[] = [];
    let text = '';
    let textStart = this.pos;
    let onlyWs = true;
    const flush = (): void => {
      if (text !== '') {
        if (onlyWs) this.segments.push({ start: textStart, end: this.pos, kind: 'ws' });
        else if (this.mode === 'xml')
          this.segments.push({ start: textStart, end: this.pos, kind: 'xml-text', value: text });
        children.push({ type: 'text', text });
      }
      text = '';
      onlyWs = true;
    };
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) this.fail(`Element <${name}> is not closed`, openAt);
      if (c === '<') {
        flush();
        if (s.startsWith('</', this.pos)) {
          const closeAt = this.pos;
          this.pos += 2;
          const closing = this.readName();
          this.skipWs();
          if (s[this.pos] !== '>') this.fail(`Expected '>' to end </${closing}>`);
          this.pos++;
          if (closing !== name) {
            const o = this.where(openAt);
            this.fail(
              `The '${name}' start tag on line ${o.line} position ${o.column} does not match the end tag of '${closing}'`,
              closeAt
            );
          }
          return children;
        }
        if (s.startsWith('<!--', this.pos)) children.push({ type: 'comment', text: this.readComment() });
        else if (s.startsWith('<![CDATA[', this.pos)) {
          const end = s.indexOf(']]>', this.pos + 9);
          if (end < 0) this.fail('Unterminated CDATA section');
          children.push({ type: 'cdata', text: eol(s.slice(this.pos + 9, end)) });
          this.pos = end + 3;
        } else if (s.startsWith('<?', this.pos)) this.readPi();
        else if (NAME_START.test(s[this.pos + 1] ?? ''))
          children.push({ type: 'element', element: this.parseElement() });
        else this.fail("Unescaped '<' outside a policy expression");
        textStart = this.pos;
        continue;
      }
      if (
        this.mode === 'raw' &&
        c === '@' &&
        (s[this.pos + 1] === '(' || s[this.pos + 1] === '{') &&
        (text === '' || /[\s>]/.test(text[text.length - 1]))
      ) {
        const end = scanExpression(s, this.pos, (m, at) => this.fail(m, at));
        this.segments.push({ start: this.pos, end, kind: 'text-expr' });
        text += eol(s.slice(this.pos, end));
        onlyWs = false;
        this.pos = end;
        continue;
      }
      if (c === '&') {
        text += this.readEntity();
        onlyWs = false;
        continue;
      }
      if (c === ']' && s.startsWith(']]>', this.pos)) this.fail("']]>' is not allowed in text");
      if (!/\s/.test(c)) onlyWs = false;
      text += c;
      this.pos++;
      if (c === '\r' && s[this.pos] === '\n') this.pos++;
      if (c === '\r') text = text.slice(0, -1) + '\n';
    }
  }
}

function safeCodePoint(n: number): string | undefined {
  if (!Number.isFinite(n) || n > 0x10ffff || n === 0) return undefined;
  return String.fromCodePoint(n);
}

/** XML end-of-line handling: CRLF and lone CR become LF. */
function eol(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/**
 * Finds where the policy expression starting at `start` (`@(` or `@{`) ends.
 * Returns the index just past the closing `)`/`}`. Calls `fail` (which throws) on an unterminated expression,
 * string or char literal, or a mismatched bracket.
 */
function scanExpression(s: string, start: number, fail: (message: string, at: number) => never): number {
  const end = scanCode(s, start + 1, fail, false);
  if (end < 0) fail('Unterminated policy expression', start);
  return end;
}

/**
 * Scans C# code from `i` (which must be at an opening bracket unless `untilBrace`), balancing ()/{}.
 * With `untilBrace` it scans an interpolation hole and returns the index of the `}` closing it.
 * Returns -1 at end of input.
 */
function scanCode(s: string, i: number, fail: (message: string, at: number) => never, untilBrace: boolean): number {
  const stack: string[] = [];
  while (i < s.length) {
    const c = s[i];
    const n = s[i + 1];
    if (c === '"') {
      i = skipRegularString(s, i, fail);
      continue;
    }
    if ((c === '@' && n === '"') || ((c === '@' || c === '$') && (n === '$' || n === '@') && s[i + 2] === '"')) {
      const interpolated = c === '$' || n === '$';
      i = interpolated ? skipInterpolated(s, i + 3, fail, true) : skipVerbatim(s, i + 2, fail);
      continue;
    }
    if (c === '$' && n === '"') {
      i = skipInterpolated(s, i + 2, fail, false);
      continue;
    }
    if (c === "'") {
      i = skipCharLiteral(s, i, fail);
      continue;
    }
    if (c === '/' && n === '/') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl;
      continue;
    }
    if (c === '/' && n === '*') {
      const close = s.indexOf('*/', i + 2);
      if (close < 0) fail('Unterminated comment in policy expression', i);
      i = close + 2;
      continue;
    }
    if (c === '(' || c === '{') stack.push(c);
    else if (c === ')' || c === '}') {
      if (stack.length === 0) {
        if (untilBrace && c === '}') return i;
        fail(`Unbalanced '${c}' in policy expression`, i);
      }
      const open = stack.pop();
      if ((open === '(') !== (c === ')')) fail(`'${open}' closed by '${c}' in policy expression`, i);
      if (stack.length === 0 && !untilBrace) return i + 1;
    }
    i++;
  }
  return -1;
}

function skipRegularString(s: string, i: number, fail: (message: string, at: number) => never): number {
  const start = i;
  i++;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if (c === '\n' || c === '\r') break;
    else i++;
  }
  return fail('Unterminated string literal in policy expression', start);
}

function skipVerbatim(s: string, i: number, fail: (message: string, at: number) => never): number {
  const start = i - 2;
  while (i < s.length) {
    if (s[i] === '"') {
      if (s[i + 1] === '"') i += 2;
      else return i + 1;
    } else i++;
  }
  return fail('Unterminated verbatim string literal in policy expression', start);
}

/** `i` is just past the opening quote of `$"` / `$@"`; holes `{...}` are scanned as code, `{{`/`}}` are literal. */
function skipInterpolated(
  s: string,
  i: number,
  fail: (message: string, at: number) => never,
  verbatim: boolean
): number {
  const start = i;
  while (i < s.length) {
    const c = s[i];
    if (c === '{') {
      if (s[i + 1] === '{') {
        i += 2;
        continue;
      }
      const close = scanCode(s, i + 1, fail, true);
      if (close < 0) break;
      i = close + 1;
      continue;
    }
    if (c === '}' && s[i + 1] === '}') {
      i += 2;
      continue;
    }
    if (!verbatim && c === '\\') {
      i += 2;
      continue;
    }
    if (c === '"') {
      if (verbatim && s[i + 1] === '"') {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (!verbatim && (c === '\n' || c === '\r')) break;
    i++;
  }
  return fail('Unterminated interpolated string in policy expression', start);
}

function skipCharLiteral(s: string, i: number, fail: (message: string, at: number) => never): number {
  // 'x', '\n', '\'', '\u0041', '\x41'
  const m = /^'(?:[^'\\\r\n]|\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{8}|[^\r\n]))'/.exec(
    s.slice(i, i + 12)
  );
  if (m) return i + m[0].length;
  // Not a valid C# char literal, e.g. `ContainsKey('Retry-After')` in a published Azure-Samples policy: be lenient and
  // treat it as a quoted run up to the next `'` on the same line (so brackets inside it are not counted).
  const rest = /^'[^'\r\n]*'/.exec(s.slice(i));
  if (rest) return i + rest[0].length;
  return fail('Unterminated character literal in policy expression', i);
}

/**
 * Parses a policy document in the tolerant `rawxml` form, as APIM reads it.
 *
 * @param raw policy text (a BOM and an `<?xml ?>` declaration are allowed).
 * @returns the root element (`policies` or `fragment` for real documents; the name is not checked). Attribute values
 *   and text are entity-decoded outside expressions; expression text is verbatim (line endings normalized to `\n`).
 * @throws Error whose message ends with `(line L, column C)` (1-based) for text APIM rejects with 400 ValidationError:
 *   mismatched or unclosed tags, unterminated expression / string literal, unbalanced brackets, raw `<` or `&`
 *   outside expressions, unknown entities, duplicate attributes.
 * Source: Learn "API Management policy expressions" (syntax `@(...)`, `@{...}`); REST "Api Policy - Create Or Update".
 */
export function parsePolicyText(raw: string): PolicyElement {
  return new PolicyParser(raw, 'raw').parseDocument().root;
}

function escapeExpr(text: string, quote: string | undefined): string {
  let out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (quote !== undefined) {
    out = quote === '"' ? out.replace(/"/g, '&quot;') : out.replace(/'/g, '&apos;');
    out = out.replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');
  }
  return out;
}

function rewrite(
  src: string,
  from: number,
  segments: Segment[],
  replace: (seg: Segment, text: string) => string
): string {
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = from;
  for (const seg of sorted) {
    if (seg.start < pos) continue;
    out += src.slice(pos, seg.start) + replace(seg, src.slice(seg.start, seg.end));
    pos = seg.end;
  }
  return out + src.slice(pos);
}

/**
 * The `format=xml` view of a stored `rawxml` document: the same text, with every policy expression entity-escaped
 * (`&`→`&amp;`, `<`→`&lt;`, `>`→`&gt;`; in attribute expressions also the delimiting quote → `&quot;`/`&apos;` and
 * CR/LF/TAB → `&#xD;`/`&#xA;`/`&#x9;`, as Azure/apiops#14 shows). A leading BOM is dropped. The result is well-formed XML.
 *
 * @throws Error (line/column) when `raw` does not parse (see `parsePolicyText`).
 */
export function toXmlFormat(raw: string): string {
  const p = new PolicyParser(raw, 'raw');
  const { segments, bom } = p.parseDocument();
  const edits = segments.filter((s) => s.kind === 'attr-expr' || s.kind === 'text-expr' || s.kind === 'comment');
  return rewrite(raw, bom, edits, (seg, text) =>
    seg.kind === 'comment'
      ? text.replace(/--/g, '- -').replace(/-$/, '- ')
      : escapeExpr(text, seg.kind === 'attr-expr' ? seg.quote : undefined)
  );
}

function startsExpression(v: string): boolean {
  return v.startsWith('@(') || v.startsWith('@{');
}

/**
 * The `rawxml` text APIM stores for a write with `format=xml`: the input must be well-formed XML (checked with a strict
 * parser, saxes); inside attribute values that are expressions and text that holds expressions, entities are decoded
 * back to raw characters. Everything else is kept as written.
 *
 * Round trip: `parsePolicyText(fromXmlFormat(toXmlFormat(r)))` equals `parsePolicyText(r)`.
 * @throws Error with line/column when `xml` is not well-formed (APIM answers 400 ValidationError), or when a decoded
 *   expression is not balanced.
 */
export function fromXmlFormat(xml: string): string {
  assertWellFormed(xml);
  const p = new PolicyParser(xml, 'xml');
  const { segments, bom } = p.parseDocument();
  const edits = segments.filter(
    (s) =>
      (s.kind === 'xml-attr' && startsExpression(s.value ?? '')) ||
      (s.kind === 'xml-text' && /@[({]/.test(s.value ?? ''))
  );
  return rewrite(xml, bom, edits, (seg, text) => {
    const value = seg.value ?? '';
    if (seg.kind === 'xml-attr') {
      // The raw form must still be readable by parsePolicyText: the expression must end where the value ends.
      const end = scanExpression(value, 0, (m) => p.fail(m, seg.start));
      if (value.slice(end).trim() !== '') return text;
      return value;
    }
    return rawTextFromDecoded(value, (m) => p.fail(m, seg.start));
  });
}

/** Decoded text → raw text: expressions verbatim, the rest re-escaped. */
function rawTextFromDecoded(value: string, fail: (message: string) => never): string {
  let out = '';
  let i = 0;
  let lit = '';
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  while (i < value.length) {
    if (value[i] === '@' && (value[i + 1] === '(' || value[i + 1] === '{') && (i === 0 || /[\s>]/.test(value[i - 1]))) {
      const end = scanExpression(value, i, (m) => fail(m));
      out += esc(lit) + value.slice(i, end);
      lit = '';
      i = end;
    } else lit += value[i++];
  }
  return out + esc(lit);
}

/**
 * Throws `Error("Policy is not well-formed XML: <saxes message>")` (saxes messages carry `line:column`) when `xml`
 * is not well-formed XML 1.0.
 */
export function assertWellFormed(xml: string): void {
  const parser = new SaxesParser({ xmlns: false, position: true });
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  if (error) throw new Error(`Policy is not well-formed XML: ${error.message}`);
}

/**
 * What APIM stores on save (the twin's deterministic model of service-side reformatting): CRLF/CR → LF everywhere
 * (expression text included: line endings carry no C# meaning); tabs → 4 spaces in whitespace-only runs between
 * markup (indentation) only; `<x/>` → `<x />`. Expression text, attribute values, comments and CDATA are otherwise
 * untouched, so the parsed tree is unchanged apart from whitespace-only text nodes.
 *
 * Sources: hashicorp/terraform-provider-azurerm#3145 ("the backend service will always re-format the XML content
 * (line endings, quotation marks, indentation)"), #11230 (stored indentation differs from the input), #6441
 * (expressions come back escaped); Azure/terraform-provider-azapi#334. The real service's exact choices (e.g. CRLF
 * vs LF, tab vs spaces) have varied over time; the twin picks the form fixed in emulator/src/contracts.ts. What the
 * action must honour is only that stored text differs from what it wrote, so it never compares policies as strings.
 * @throws Error (line/column) when `raw` does not parse.
 */
export function normalizeOnSave(raw: string): string {
  const p = new PolicyParser(raw, 'raw');
  const { segments, bom } = p.parseDocument();
  const edits = segments.filter((s) => s.kind === 'ws' || s.kind === 'selfclose');
  return eol(rewrite(raw, bom, edits, (seg, text) => (seg.kind === 'selfclose' ? ' ' : text.replace(/\t/g, '    '))));
}

/**
 * Semantic equality of two parsed policies: same element names, attributes (any order), and children in order,
 * ignoring comments, whitespace-only text nodes and leading/trailing whitespace of text nodes (APIM ignores all three).
 */
export function policyTreesEqual(a: PolicyElement, b: PolicyElement): boolean {
  return JSON.stringify(canonicalTree(a)) === JSON.stringify(canonicalTree(b));
}

/** Canonical plain-data form used by `policyTreesEqual` (sorted attributes; comments and whitespace-only text dropped). */
export function canonicalTree(el: PolicyElement): unknown {
  const attrs = Object.keys(el.attributes)
    .sort()
    .map((k) => [k, el.attributes[k]]);
  const children = el.children
    .filter((c) => c.type !== 'comment' && !(c.type === 'text' && c.text.trim() === ''))
    .map((c) =>
      c.type === 'element' ? canonicalTree(c.element) : { [c.type]: c.type === 'text' ? c.text.trim() : c.text }
    );
  return { name: el.name, attrs, children };
}

/** Depth-first list of every element named `name` under (and including) `root`. */
export function findElements(root: PolicyElement, name: string): PolicyElement[] {
  const out: PolicyElement[] = [];
  const walk = (el: PolicyElement): void => {
    if (el.name === name) out.push(el);
    for (const c of el.children) if (c.type === 'element') walk(c.element);
  };
  walk(root);
  return out;
}
