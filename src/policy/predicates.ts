/**
 * Element predicates: what one element of a policy document is or does, independent of where it stands (the anchors
 * and guards decide whether that matters). Pure module.
 *
 * Sources: set-header policy reference (`exists-action` override (default) / skip / append / delete),
 * https://learn.microsoft.com/azure/api-management/set-header-policy; set-query-parameter policy reference,
 * https://learn.microsoft.com/azure/api-management/set-query-parameter-policy; "API Management policy expressions"
 * (`context.Subscription.Key`, `context.Request.Headers`, `context.Request.Url.Query`, `context.Variables`);
 * set-body policy ("Using Liquid templates": a template reads the context without `@`).
 */
import { type SubscriptionKey } from './subscription-key.js';
import { attr, decodeEntities, descendants, type ElementNode, type ParsedPolicy } from './tree.js';

/** The managed-identity element's name (Learn: "Authenticate with managed identity" policy reference). */
export const AUTH = 'authentication-managed-identity';

/** Elements whose content goes to the backend (header, query, URL, body). */
const COPY_TARGETS = new Set([
  'set-header',
  'set-query-parameter',
  'rewrite-uri',
  'set-url',
  'set-backend-service',
  'set-body'
]);
/** Reads the caller's subscription key in a policy expression (context.Subscription.Key / PrimaryKey / SecondaryKey). */
const READS_KEY = /\bcontext\s*\.\s*Subscription\s*\??\s*\.\s*(Key|PrimaryKey|SecondaryKey)\b/;

const escapeRegExp = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Lower-cased `exists-action` of a set-header / set-query-parameter: absent → 'override' (the documented default); an expression → '@'. */
export function existsAction(el: ElementNode): string {
  const a = attr(el, 'exists-action');
  if (!a) return 'override';
  if (a.expression) return '@';
  return a.value.trim().toLowerCase();
}

/** The lower-cased literal `name` of a set-header / set-query-parameter ('' for an expression name or none). */
export function literalName(el: ElementNode): string {
  const a = attr(el, 'name');
  return a && !a.expression ? a.value.trim().toLowerCase() : '';
}

/** The `name` as authored (trimmed) when it is literal, else ''. */
export function authoredName(el: ElementNode): string {
  const a = attr(el, 'name');
  return a?.expression === false ? a.value.trim() : '';
}

/** An element of `key`'s kind (set-header / set-query-parameter) named `key` (any case). */
function namesKey(el: ElementNode, key: Pick<SubscriptionKey, 'element' | 'lower'>): boolean {
  return el.name === key.element && literalName(el) === key.lower;
}

/** The owned kind of element: a set-header / set-query-parameter that deletes `key` (name compared case-insensitively). */
export function deletesKey(el: ElementNode, key: Pick<SubscriptionKey, 'element' | 'lower'>): boolean {
  return namesKey(el, key) && existsAction(el) === 'delete';
}

/** A set-header / set-query-parameter that leaves `key` on the request (any exists-action but delete). */
export function restoresKey(el: ElementNode, key: SubscriptionKey): boolean {
  return namesKey(el, key) && existsAction(el) !== 'delete';
}

/**
 * An element of `key`'s kind whose name is an expression, so whether it puts the key back cannot be checked
 * (deletes excluded when the kind says a delete cannot put it back).
 */
export function hasUncheckableName(el: ElementNode, key: SubscriptionKey): boolean {
  if (el.name !== key.element || !attr(el, 'name')?.expression) return false;
  return !(key.expressionName.ignoresDeletes && existsAction(el) === 'delete');
}

/** An element that drops or replaces the Authorization header (set-header other than skip, authentication-basic). */
export function replacesAuthorization(el: ElementNode): boolean {
  if (el.name === 'authentication-basic') return true;
  return el.name === 'set-header' && literalName(el) === 'authorization' && existsAction(el) !== 'skip';
}

/** True when `el` sits inside a side request (send-request / send-one-way-request), whose headers are its own. */
export function inSideRequest(el: ElementNode): boolean {
  for (let p = el.parent; p; p = p.parent)
    if (p.name === 'send-request' || p.name === 'send-one-way-request') return true;
  return false;
}

/** True when `el` sits inside a side request, `<trace>` or `<log-to-eventhub>`: nothing of it goes to the backend. */
export function offTheRequest(el: ElementNode): boolean {
  if (inSideRequest(el)) return true;
  for (let p = el.parent; p; p = p.parent) if (p.name === 'trace' || p.name === 'log-to-eventhub') return true;
  return false;
}

/**
 * True when `el` is an element whose content goes to the backend and an expression inside it (attribute, text or
 * CDATA) reads the caller's subscription key: `context.Subscription.Key` / `PrimaryKey` / `SecondaryKey`, or one of
 * `keys` from the request (`Headers.GetValueOrDefault("<header>"…` / `Headers["<header>"]`, likewise `Query`), or
 * one of the context variables `keyVars` that hold the key ({@link keyVariables}).
 * A setter or delete of one of `keys` itself is not a copy (restores are judged by {@link restoresKey}), nor is any
 * delete.
 */
export function copiesKey(
  parsed: ParsedPolicy,
  el: ElementNode,
  keys: readonly SubscriptionKey[],
  keyVars: ReadonlySet<string> = new Set()
): boolean {
  if (!COPY_TARGETS.has(el.name)) return false;
  for (const k of keys) {
    if (el.name === k.element && (literalName(el) === k.lower || existsAction(el) === 'delete')) return false;
  }
  const reads = keyReader(keys, keyVars);
  // A Liquid template reads the context without `@` (Learn: set-body policy, "Using Liquid templates").
  if (el.name === 'set-body' && attr(el, 'template')?.value.trim().toLowerCase() === 'liquid') {
    const text = decodeEntities(parsed.raw.slice(el.openEnd, el.closeStart));
    return READS_KEY.test(text) || [...keyVars].some((v) => readsVariable(text, v));
  }
  return expressionsIn(parsed, el).some(reads);
}

/** The decoded text of every policy expression inside `el` (attributes, text, CDATA). */
function expressionsIn(parsed: ParsedPolicy, el: ElementNode): string[] {
  return parsed.expressions
    .filter((x) => x.start >= el.start && x.end <= el.end)
    .map((x) => decodeEntities(parsed.raw.slice(x.start, x.end)));
}

/** A test for expression text that reads the subscription key, one of `keys` from the request, or one of `keyVars`. */
function keyReader(keys: readonly SubscriptionKey[], keyVars: ReadonlySet<string>): (text: string) => boolean {
  const readers = keys.map(
    (k) => new RegExp(`${k.collection}\\s*(\\.\\s*GetValueOrDefault\\s*\\(|\\[)\\s*"${escapeRegExp(k.lower)}"`, 'i')
  );
  return (text) =>
    READS_KEY.test(text) || readers.some((r) => r.test(text)) || [...keyVars].some((v) => readsVariable(text, v));
}

/**
 * The context variables that hold the subscription key across `docs` (one pipeline): a `<set-variable>` whose value
 * expression reads the key (as {@link copiesKey} judges) or a variable already known to hold it — followed until no
 * new one is found. A later element that sends one of them to the backend copies the key.
 */
export function keyVariables(docs: readonly ParsedPolicy[], keys: readonly SubscriptionKey[]): Set<string> {
  const out = new Set<string>();
  const setters = docs.flatMap((p) =>
    [p.root, ...descendants(p.root)]
      .filter((e) => e.name === 'set-variable')
      .map((e) => ({ name: attr(e, 'name'), texts: expressionsIn(p, e) }))
      .filter((x) => x.name && !x.name.expression && x.name.value.trim() !== '')
  );
  for (let grew = true; grew;) {
    grew = false;
    const reads = keyReader(keys, out);
    for (const s of setters) {
      const name = s.name!.value.trim();
      if (!out.has(name) && s.texts.some(reads)) {
        out.add(name);
        grew = true;
      }
    }
  }
  return out;
}

/** True when `text` reads the policy variable `name` (`context.Variables["name"]`, `…GetValueOrDefault<…>("name"`). */
export function readsVariable(text: string, name: string): boolean {
  const q = escapeRegExp(name);
  return new RegExp(
    `Variables\\s*(\\[\\s*(&quot;|")${q}(&quot;|")|\\.\\s*GetValueOrDefault\\s*(<[^>]*>|&lt;.*?&gt;)?\\s*\\(\\s*(&quot;|")${q}(&quot;|"))`
  ).test(text);
}

/**
 * Attributes through which an element keeps a value in a context variable: output-token-variable-name
 * (authentication-managed-identity, validate-jwt, get-authorization-context), response-variable-name (send-request),
 * variable-name (cache-lookup-value); set-variable's `name` (policy references of each).
 */
const VARIABLE_ATTRIBUTES = ['output-token-variable-name', 'response-variable-name', 'variable-name'];

/** True when `el` stores a value in the context variable `name` (literal attribute; compared case-insensitively). */
export function writesVariable(el: ElementNode, name: string): boolean {
  const lower = name.trim().toLowerCase();
  const names = el.name === 'set-variable' ? ['name'] : VARIABLE_ATTRIBUTES;
  return el.attrs.some((a) => names.includes(a.name) && !a.expression && a.value.trim().toLowerCase() === lower);
}

/**
 * A set-header that sends the token kept in variable `name` as the Authorization header (the "carrier" form:
 * `@("Bearer " + (string)context.Variables["name"])`).
 */
export function carriesToken(raw: string, el: ElementNode, name: string): boolean {
  return (
    replacesAuthorization(el) &&
    el.name === 'set-header' &&
    existsAction(el) !== 'delete' &&
    readsVariable(raw.slice(el.start, el.end), name)
  );
}
