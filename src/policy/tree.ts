/**
 * A light, position-carrying tree of a policy document. Pure module.
 *
 * The expression-masked text (see scan.ts) is parsed with `saxes` (a conformant, non-validating XML parser that
 * reports string offsets); every node keeps `[start, end)` offsets into the ORIGINAL text, so edits can be spliced
 * into it and everything else stays byte-identical.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { PolicyParseError, lineColumn, parseErrorAt } from './errors.js';
import { scanPolicy, type ExpressionSpan } from './scan.js';

/** One attribute as authored. Offsets are into the original text; `[valueStart, valueEnd)` excludes the quotes. */
export interface AttrNode {
  name: string;
  /** Value as XML reads it (entities decoded, attribute whitespace normalized); for an expression, see `expression`. */
  value: string;
  /** The value's text as authored, between the quotes. */
  raw: string;
  valueStart: number;
  valueEnd: number;
  quote: '"' | "'";
  /** true when the value is a policy expression (`@(...)` / `@{...}`); `value` is then the expression with entities decoded and CRLF → LF. */
  expression: boolean;
}

export interface ElementNode {
  kind: 'element';
  name: string;
  /** offset of `<` of the start tag */
  start: number;
  /** offset after `>` of the start tag */
  openEnd: number;
  /** offset of `<` of the end tag (=== openEnd when self-closing) */
  closeStart: number;
  /** offset after the element */
  end: number;
  selfClosing: boolean;
  attrs: AttrNode[];
  children: PolicyNode[];
  parent?: ElementNode;
}

/** Non-element content of an element: character data between markup, comments, CDATA sections, PIs. */
export interface LeafNode {
  kind: 'text' | 'comment' | 'cdata' | 'pi';
  start: number;
  end: number;
}

export type PolicyNode = ElementNode | LeafNode;

export interface ParsedPolicy {
  raw: string;
  root: ElementNode;
  expressions: ExpressionSpan[];
}

const ENTITY_ANY = /&(quot|apos|lt|gt|amp|#[0-9]+|#x[0-9a-fA-F]+);/g;
const NAMED: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };

/** Decodes the five XML entities and character references in `s` (no other normalization). */
export function decodeEntities(s: string): string {
  return s.replace(ENTITY_ANY, (_m, name: string) =>
    name[0] === '#'
      ? String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10))
      : NAMED[name]
  );
}

/**
 * Parses a policy document (rawxml text, optional BOM / XML declaration / comments around the root).
 * Throws PolicyParseError with line/column when the text cannot be tokenized or is not well-formed once the
 * expressions are masked, or when it has a DOCTYPE (never valid for APIM; refused to rule out entity tricks).
 */
export function parsePolicy(raw: string): ParsedPolicy {
  const { masked, expressions } = scanPolicy(raw);
  const offset = raw.charCodeAt(0) === 0xfeff ? 1 : 0;
  const parser = new SaxesParser<{ position: true; xmlns: false }>({ position: true, xmlns: false });
  const stack: ElementNode[] = [];
  let root: ElementNode | undefined;
  let lastEnd = offset;
  const pos = (): number => parser.position + offset;
  const markupStart = (): number => masked.indexOf('<', lastEnd);
  const addLeaf = (kind: LeafNode['kind'], close: string): void => {
    const start = markupStart();
    const end = masked.indexOf(close, start) + close.length;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push({ kind, start, end });
    lastEnd = end;
  };

  parser.on('error', (err: Error) => {
    const { line, column } = lineColumn(raw, pos());
    const msg = err.message.replace(/^\d+:\d+: /, '');
    throw new PolicyParseError(
      `not well-formed outside expressions: ${msg} (line ${line}, column ${column})`,
      line,
      column
    );
  });
  parser.on('doctype', () => {
    throw parseErrorAt(raw, markupStart(), 'DOCTYPE is not allowed in a policy document');
  });
  parser.on('xmldecl', () => addLeaf('pi', '?>'));
  parser.on('processinginstruction', () => addLeaf('pi', '?>'));
  parser.on('comment', () => addLeaf('comment', '-->'));
  parser.on('cdata', () => addLeaf('cdata', ']]>'));
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const start = markupStart();
    const openEnd = pos();
    if (masked[start] !== '<' || masked[openEnd - 1] !== '>') {
      throw parseErrorAt(raw, start, 'internal error: tag offsets do not line up');
    }
    const el: ElementNode = {
      kind: 'element',
      name: tag.name,
      start,
      openEnd,
      closeStart: openEnd,
      end: openEnd,
      selfClosing: tag.isSelfClosing,
      attrs: readAttrs(raw, masked, start, openEnd, tag.attributes, expressions),
      children: [],
      parent: stack[stack.length - 1]
    };
    if (el.parent) el.parent.children.push(el);
    else root = el;
    stack.push(el);
    lastEnd = openEnd;
  });
  parser.on('closetag', () => {
    const el = stack.pop();
    if (!el) return;
    if (!el.selfClosing) {
      el.closeStart = markupStart();
      el.end = pos();
      fillText(el);
    }
    lastEnd = el.end;
  });
  parser.write(masked.slice(offset)).close();
  if (!root) throw new PolicyParseError('policy document has no root element', 1, 1);
  return { raw, root, expressions };
}

/** Adds text nodes for the gaps between the markup children of `el`. */
function fillText(el: ElementNode): void {
  const out: PolicyNode[] = [];
  let at = el.openEnd;
  for (const c of el.children) {
    if (c.start > at) out.push({ kind: 'text', start: at, end: c.start });
    out.push(c);
    at = c.end;
  }
  if (el.closeStart > at) out.push({ kind: 'text', start: at, end: el.closeStart });
  el.children = out;
}

/** Reads the attributes of the start tag `masked[start, openEnd)` with their offsets in the original. */
function readAttrs(
  raw: string,
  masked: string,
  start: number,
  openEnd: number,
  decoded: Record<string, string>,
  expressions: ExpressionSpan[]
): AttrNode[] {
  const attrs: AttrNode[] = [];
  const re = /([^\s=/>]+)\s*=\s*(["'])/gy;
  let i = start + 1;
  while (i < openEnd && !/[\s/>]/.test(masked[i])) i++; // element name
  for (;;) {
    while (i < openEnd && /\s/.test(masked[i])) i++;
    re.lastIndex = i;
    const m = re.exec(masked);
    if (!m) break;
    const quote = m[2] as '"' | "'";
    const valueStart = re.lastIndex;
    const valueEnd = masked.indexOf(quote, valueStart);
    const text = raw.slice(valueStart, valueEnd);
    const expression = expressions.some((e) => e.context === 'attribute' && e.start === valueStart);
    attrs.push({
      name: m[1],
      value: expression ? decodeEntities(text).replace(/\r\n?/g, '\n') : (decoded[m[1]] ?? decodeEntities(text)),
      raw: text,
      valueStart,
      valueEnd,
      quote,
      expression
    });
    i = valueEnd + 1;
  }
  return attrs;
}

/** Element children of `el` (direct). */
export function elementChildren(el: ElementNode): ElementNode[] {
  return el.children.filter((c): c is ElementNode => c.kind === 'element');
}

/** The value of attribute `name` of `el` (exact name), or undefined. */
export function attr(el: ElementNode, name: string): AttrNode | undefined {
  return el.attrs.find((a) => a.name === name);
}

/** Every element below `el` (children, grandchildren, …) in document order. */
export function descendants(el: ElementNode, out: ElementNode[] = []): ElementNode[] {
  for (const c of elementChildren(el)) {
    out.push(c);
    descendants(c, out);
  }
  return out;
}

/** Path of `el` from the root, e.g. `policies/outbound/choose/when/authentication-managed-identity`. */
export function pathOf(el: ElementNode): string {
  const names: string[] = [];
  for (let e: ElementNode | undefined = el; e; e = e.parent) names.unshift(e.name);
  return names.join('/');
}
