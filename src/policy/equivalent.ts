/**
 * Semantic comparison of policy documents. Pure module.
 *
 * APIM reformats a policy on save (CRLF → LF, indentation, `<x/>` → `<x />`, `&#xA;` for line breaks inside
 * attribute expressions, the escaped `format=xml` form vs `rawxml`): ../shared/DESIGN.md §3, field case C12
 * (hashicorp/terraform-provider-azurerm#3145, Azure/terraform-provider-azapi#334). So documents are compared on a
 * canonical form, never as strings.
 */
import { ownedElementSpans } from './inspect.js';
import { deletesKey } from './predicates.js';
import { describeKeys, KEY_KINDS } from './subscription-key.js';
import { decodeEntities, elementChildren, parsePolicy, type ElementNode } from './tree.js';

/** Canonical, JSON-serializable form of an element. */
export interface CanonicalElement {
  name: string;
  /** [name, value] sorted by name */
  attrs: [string, string][];
  /** elements, `{ text }` (character data incl. CDATA, trimmed, non-empty), `{ comment }`, `{ pi }` */
  children: (CanonicalElement | { text: string } | { comment: string } | { pi: string })[];
}

const lf = (s: string): string => s.replace(/\r\n?/g, '\n');

/**
 * Canonical form of a policy document: whitespace-only character data between elements dropped, other
 * character data (text and CDATA merged, entities decoded, CRLF → LF) trimmed, attributes sorted, quote style and
 * `<x/>` vs `<x />` forgotten, comments kept (trimmed), the XML declaration and BOM ignored. Attribute values:
 * non-expression values as XML reads them; expressions exactly as written except entities decoded and CRLF → LF.
 * `dropOwned: true` removes the owned direct children of `<policies>/<inbound>` (authentication-managed-identity,
 * set-header deleting `opts.keyHeader`, the API's subscription-key header, default Ocp-Apim-Subscription-Key, and
 * set-query-parameter deleting `opts.keyQuery`, its query parameter, default subscription-key; names compared
 * case-insensitively). With `opts.acceptableResources` (and `opts.namedValues`), `dropOwned` removes only the
 * elements owned by purpose (see ownedElementSpans in ./inspect.ts): a managed-identity element for another resource
 * stays in the canonical form. Throws PolicyParseError when the text cannot be parsed.
 */
export function canonicalPolicy(
  raw: string,
  opts: {
    dropOwned?: boolean;
    keyHeader?: string;
    keyQuery?: string;
    acceptableResources?: string[];
    namedValues?: ReadonlyMap<string, string | undefined>;
  } = {}
): CanonicalElement {
  // not validated: a comparison never throws for a name (ownedElementSpans, by purpose, does)
  const described = describeKeys(opts);
  const keys = KEY_KINDS.map((kind) => described[kind]);
  const { root } = parsePolicy(raw);
  const owned = new Set<ElementNode>();
  if (opts.dropOwned && root.name === 'policies' && opts.acceptableResources) {
    // by purpose: exactly the elements ownedElementSpans names
    const spans = ownedElementSpans(raw, {
      acceptableResources: opts.acceptableResources,
      namedValues: opts.namedValues,
      keyHeader: opts.keyHeader,
      keyQuery: opts.keyQuery
    });
    const inbound = elementChildren(root).find((e) => e.name === 'inbound');
    for (const e of inbound ? elementChildren(inbound) : []) {
      if (spans.some((s) => s.start === e.start && s.end === e.end)) owned.add(e);
    }
  } else if (opts.dropOwned && root.name === 'policies') {
    const inbound = elementChildren(root).find((e) => e.name === 'inbound');
    for (const e of inbound ? elementChildren(inbound) : []) {
      if (e.name === 'authentication-managed-identity' || keys.some((k) => deletesKey(e, k))) owned.add(e);
    }
  }
  const canon = (el: ElementNode): CanonicalElement => {
    const children: CanonicalElement['children'] = [];
    let chars = '';
    const flush = (): void => {
      const t = chars.trim();
      if (t !== '') children.push({ text: t });
      chars = '';
    };
    for (const c of el.children) {
      const text = raw.slice(c.start, c.end);
      if (c.kind === 'text') chars += decodeEntities(lf(text));
      else if (c.kind === 'cdata') chars += lf(text.slice(9, -3));
      else {
        flush();
        if (c.kind === 'element') {
          if (!owned.has(c)) children.push(canon(c));
        } else if (c.kind === 'comment') children.push({ comment: lf(text.slice(4, -3)).trim() });
        else children.push({ pi: lf(text) });
      }
    }
    flush();
    return {
      name: el.name,
      attrs: el.attrs
        .map((a): [string, string] => [a.name, a.value])
        .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)),
      children
    };
  };
  return canon(root);
}

/**
 * Semantic equality of two policy documents (rawxml or xml form): ignores whitespace between elements,
 * attribute order, quote style, `<x/>` vs `<x />`, CRLF vs LF, entity vs literal character where equivalent,
 * CDATA vs escaped text; expression text is compared exactly (after entity decoding and CRLF → LF); comments count.
 * Identical strings are equal without parsing. Throws PolicyParseError when either document cannot be parsed.
 */
export function policiesEquivalent(a: string, b: string): boolean {
  if (a === b) return true;
  return JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
}
