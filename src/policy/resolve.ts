/**
 * Named values in the attributes the guards judge, substituted the way APIM does before a policy runs, so the guards
 * see what runs (`<set-header name="{{auth-header}}">` is an Authorization set-header when the named value says so).
 * Pure module.
 *
 * Learn: "Use named values in Azure API Management policies"
 * (https://learn.microsoft.com/azure/api-management/api-management-howto-properties): `{{name}}` (the display name)
 * may stand for a whole or a partial attribute value or element text and is substituted before the policy runs; a
 * named value may itself hold a policy expression. DESIGN §3.
 *
 * Only attribute values are substituted, in the parsed tree (offsets untouched): messages keep quoting the text as
 * authored (line numbers, the start tag), so a resolved value — possibly a secret — never reaches a message.
 */
import { referencedNames, substituteNamedValues } from './ownership.js';
import { AUTH } from './predicates.js';
import { descendants, type AttrNode, type ElementNode, type ParsedPolicy } from './tree.js';

/** The attributes whose named values decide what an element does to the owned elements, per element name. */
export const GUARD_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  'set-header': ['name', 'exists-action'],
  'set-query-parameter': ['name', 'exists-action'],
  [AUTH]: ['resource', 'client-id', 'output-token-variable-name', 'ignore-error']
};

/** The guard attributes of `el` (see {@link GUARD_ATTRIBUTES}) that are literal text (not expressions). */
function guardAttrs(el: ElementNode): AttrNode[] {
  const names = GUARD_ATTRIBUTES[el.name] ?? [];
  return el.attrs.filter((a) => names.includes(a.name) && !a.expression);
}

/**
 * The display names referenced (`{{name}}`) in the guard attributes of every element of `parsed` (root included),
 * in first-use order, without duplicates: the named values a judgement of this document needs.
 */
export function guardNamedValueRefs(parsed: ParsedPolicy): string[] {
  const out: string[] = [];
  for (const el of [parsed.root, ...descendants(parsed.root)]) {
    for (const a of guardAttrs(el)) for (const n of referencedNames(a.value)) if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** One guard attribute whose named values could not all be resolved (it is judged as written). */
export interface UnresolvedAttribute {
  el: ElementNode;
  attr: string;
  names: string[];
}

/**
 * Substitutes `namedValues` (display name → value; undefined or absent: unresolved) into the guard attributes of
 * `parsed` IN PLACE: `value` becomes the substituted text, and an attribute whose substituted value starts with
 * `@(` / `@{` becomes an expression (APIM evaluates a named value that holds one). Offsets and `raw` stay as
 * authored. Returns the attributes left as written because a name could not be resolved. Never throws.
 */
export function resolveGuardAttributes(
  parsed: ParsedPolicy,
  namedValues: ReadonlyMap<string, string | undefined> | undefined
): UnresolvedAttribute[] {
  const unresolved: UnresolvedAttribute[] = [];
  for (const el of [parsed.root, ...descendants(parsed.root)]) {
    for (const a of guardAttrs(el)) {
      if (referencedNames(a.value).length === 0) continue;
      const r = substituteNamedValues(a.value, namedValues);
      if (r.value === undefined) {
        unresolved.push({ el, attr: a.name, names: [...new Set(r.unresolved)] });
        continue;
      }
      a.value = r.value.replace(/\r\n?/g, '\n');
      a.expression = /^\s*@[({]/.test(a.value);
      if (a.expression) a.value = a.value.trim();
    }
  }
  return unresolved;
}
