/**
 * Splicing: the text of the owned elements and the edits that put them into a policy document, matching the
 * surrounding indentation, line endings and `<x />` / `<x/>` style, everything else byte-identical. A brand-new
 * document uses 4-space indentation and LF, as APIM stores it. Pure module.
 */
import { AUTH } from './predicates.js';
import { KEY_KINDS, type KeyKind, type SubscriptionKey } from './subscription-key.js';
import { elementChildren, type ElementNode } from './tree.js';

/** Replace `[start, end)` of the text with `text` (an insertion when start === end). */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Escapes an attribute value for a `"`-delimited attribute (also `'`, `>` and line breaks/tabs, which XML would normalize). */
export function escapeAttr(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/** The owned `<authentication-managed-identity resource="…">`, ending with `close` (` />` or `/>`). */
export function authTag(resource: string, close: string): string {
  return `<${AUTH} resource="${escapeAttr(resource)}"${close}`;
}

/** The owned delete of `key` (e.g. `<set-header name="X-Api-Key" exists-action="delete" />`), ending with `close`. */
export function deleteTag(key: SubscriptionKey, close: string): string {
  const name = key.escapeInTag ? escapeAttr(key.name) : key.name;
  return `<${key.element} name="${name}" exists-action="delete"${close}`;
}

/** A brand-new API policy document holding the owned elements (4-space indentation, LF, as APIM stores it). */
export function newDocument(resource: string, keys: Record<KeyKind, SubscriptionKey>): string {
  return [
    '<policies>',
    '    <inbound>',
    '        <base />',
    `        ${authTag(resource, ' />')}`,
    ...KEY_KINDS.map((kind) => `        ${deleteTag(keys[kind], ' />')}`),
    '    </inbound>',
    '    <backend>',
    '        <base />',
    '    </backend>',
    '    <outbound>',
    '        <base />',
    '    </outbound>',
    '    <on-error>',
    '        <base />',
    '    </on-error>',
    '</policies>',
    ''
  ].join('\n');
}

/** Whitespace between the last line break before `at` and `at`, or undefined when other text sits there. */
export function indentBefore(raw: string, at: number): string | undefined {
  let i = at;
  while (i > 0 && (raw[i - 1] === ' ' || raw[i - 1] === '\t')) i--;
  if (i === 0 || raw[i - 1] === '\n' || raw[i - 1] === '\r') return raw.slice(i, at);
  return undefined;
}

/** Length change of the text after applying `splices`. */
export function delta(splices: Splice[]): number {
  return splices.reduce((d, s) => d + s.text.length - (s.end - s.start), 0);
}

/** `raw` with `splices` applied (non-overlapping; offsets are into `raw`). */
export function applySplices(raw: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = raw;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/** The range to delete when moving `el`: its whole line (with the preceding line break) when it stands alone on it. */
export function cutRange(raw: string, el: ElementNode): Splice {
  const ind = indentBefore(raw, el.start);
  let after = el.end;
  while (after < raw.length && (raw[after] === ' ' || raw[after] === '\t')) after++;
  const aloneAfter = after >= raw.length || raw[after] === '\n' || raw[after] === '\r';
  if (ind !== undefined && aloneAfter) {
    let start = el.start - ind.length;
    if (raw[start - 1] === '\n') start--;
    if (raw[start - 1] === '\r') start--;
    return { start, end: after, text: '' };
  }
  return { start: el.start, end: el.end, text: '' };
}

/** Inserts `items` right after `el`, each on its own line with `el`'s indentation when `el` starts a line. */
function afterElement(raw: string, el: ElementNode, items: string[], nl: string): Splice {
  const ind = indentBefore(raw, el.start);
  return {
    start: el.end,
    end: el.end,
    text: ind !== undefined ? items.map((t) => `${nl}${ind}${t}`).join('') : items.join('')
  };
}

/** One indentation step: the difference between <inbound>'s indentation and its parent's, else 4 spaces (tab if the document indents with tabs). */
function guessUnit(raw: string, inbound: ElementNode, inboundInd: string | undefined): string {
  const parentInd = inbound.parent ? indentBefore(raw, inbound.parent.start) : undefined;
  if (inboundInd !== undefined && parentInd !== undefined && inboundInd.startsWith(parentInd)) {
    const unit = inboundInd.slice(parentInd.length);
    if (unit !== '') return unit;
  }
  return inboundInd?.includes('\t') ? '\t' : '    ';
}

/** Inserts `items` after `<base />`, or first in `<inbound>` (expanding a self-closing one), in the surrounding layout. */
function atStart(
  raw: string,
  inbound: ElementNode,
  base: ElementNode | undefined,
  items: string[],
  nl: string
): Splice {
  if (base) return afterElement(raw, base, items, nl);
  const inboundInd = indentBefore(raw, inbound.start);
  const multiline = inboundInd !== undefined;
  const firstChild = elementChildren(inbound)[0];
  const childInd =
    (firstChild && indentBefore(raw, firstChild.start)) ?? (inboundInd ?? '') + guessUnit(raw, inbound, inboundInd);
  if (inbound.selfClosing) {
    const tag = raw.slice(inbound.start, inbound.end).replace(/\s*\/>$/, '>');
    const text = multiline
      ? `${tag}${items.map((t) => `${nl}${childInd}${t}`).join('')}${nl}${inboundInd}</${inbound.name}>`
      : `${tag}${items.join('')}</${inbound.name}>`;
    return { start: inbound.start, end: inbound.end, text };
  }
  if (!multiline) return { start: inbound.openEnd, end: inbound.openEnd, text: items.join('') };
  const content = raw.slice(inbound.openEnd, inbound.closeStart);
  const tail = /[\r\n]/.test(content) ? '' : `${nl}${inboundInd}`;
  return {
    start: inbound.openEnd,
    end: inbound.openEnd,
    text: items.map((t) => `${nl}${childInd}${t}`).join('') + tail
  };
}

/** One owned element, in the order the owned elements run: its text to insert, or the existing element that stays. */
export type Placement = { text: string } | { existing: ElementNode };

/**
 * The insertions that put the owned elements in place. `chain` lists every owned element in order (the managed
 * identity, then each key delete in KEY_KINDS order): consecutive new ones (`text`) go together right after the
 * previous existing one, or — before any existing one — right after `<base />` (first in `<inbound>` when there is
 * no `<base />`). `nl` is the document's line break.
 */
export function insertOwned(
  raw: string,
  inbound: ElementNode,
  base: ElementNode | undefined,
  chain: Placement[],
  nl: string
): Splice[] {
  const out: Splice[] = [];
  let anchor: ElementNode | undefined;
  let items: string[] = [];
  const flush = () => {
    if (items.length > 0)
      out.push(anchor ? afterElement(raw, anchor, items, nl) : atStart(raw, inbound, base, items, nl));
    items = [];
  };
  for (const p of chain) {
    if ('existing' in p) {
      flush();
      anchor = p.existing;
    } else items.push(p.text);
  }
  flush();
  return out;
}
