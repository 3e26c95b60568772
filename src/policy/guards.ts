/**
 * Guards: the elements of an API policy that would undo the owned ones once they are where the merge puts them
 * ({@link PolicyConflict}), and the warnings about those that may (nested, or that cannot be checked). Computed once
 * per document by {@link guardFindings}. Pure module.
 */
import { lineAt, lineColumn, tagText } from './errors.js';
import { anchorsOf, type Anchors, type Located } from './anchors.js';
import { claimsFunction, type DirectAuth } from './ownership.js';
import {
  AUTH,
  copiesKey,
  existsAction,
  hasUncheckableName,
  inSideRequest,
  keyVariables,
  offTheRequest,
  replacesAuthorization,
  restoresKey
} from './predicates.js';
import { KEY_KINDS, type SubscriptionKey } from './subscription-key.js';
import { attr, descendants, elementChildren, type ElementNode } from './tree.js';

/**
 * One element that undoes an owned element. "After" is document order among the direct children of `<inbound>`,
 * measured from where the owned elements are once merged: the owned `<authentication-managed-identity>` (by
 * purpose, see OwnershipOptions in ./ownership.ts) where it stands, or right after `<base />` when it is missing or before
 * `<base />` (first in `<inbound>` when there is no `<base />`); the subscription-key delete is the last direct
 * `<set-header name="<keyHeader>" exists-action="delete">`, or (none yet) right after the managed element.
 * Policies in `<inbound>` run in document order, and `<backend>` runs after `<inbound>` (Learn: "Policies in Azure
 * API Management", policy sections), so everything in `<backend>` is "after". `<keyHeader>` is the API's
 * subscription-key header (see KeyHeaderOption in ./subscription-key.ts).
 * - `key-restored`: `<set-header name="<keyHeader>">` with exists-action override (the default), append, skip or an
 *   expression after the delete — a direct child of `<inbound>`, or anywhere in `<backend>`: the key reaches the
 *   Function again (set-header policy reference). Likewise `<set-query-parameter name="<keyQuery>">` (not delete)
 *   after the query delete — the last direct `<set-query-parameter name="<keyQuery>" exists-action="delete">`, or
 *   (none yet) right after the subscription-key header delete — or anywhere in `<backend>` (set-query-parameter
 *   policy reference).
 * - `authorization-replaced`: `<set-header name="Authorization">` with exists-action delete, override (default),
 *   append or an expression, or `<authentication-basic>`, after the managed element — a direct child of
 *   `<inbound>`, or anywhere in `<backend>`: APIM's token is dropped or replaced.
 * - `second-managed-identity`: another direct `<authentication-managed-identity>` without `output-token-variable-name`
 *   (which therefore sets the Authorization header; the last one to run wins — authentication-managed-identity
 *   policy reference): one that also asks for the Function's app (a duplicate) wherever it is, or one for another
 *   resource after the owned element. One for another resource before it, or any with `output-token-variable-name`
 *   (its token is only a variable), is the user's business.
 * - `key-copied`: an expression reading `context.Subscription.Key` (or `.PrimaryKey` / `.SecondaryKey`; Learn:
 *   "API Management policy expressions", context.Subscription), or the key header from the request
 *   (`context.Request.Headers.GetValueOrDefault("<keyHeader>"…)`), in a `set-header` (other than the key header, which
 *   the rules above cover, and other than a delete), `set-query-parameter`, `rewrite-uri`, `set-url`,
 *   `set-backend-service` or `set-body`, anywhere in `<inbound>` or `<backend>`: the key goes to the Function in
 *   another header, the query, the URL or the body. Also when the expression reads a context variable that holds
 *   the key (`<set-variable>` from such an expression, followed through variables: predicates.ts keyVariables).
 * Elements inside `<send-request>` / `<send-one-way-request>` (their own request), `<trace>` or `<log-to-eventhub>`
 * are never conflicts. Nested `<inbound>` elements (inside `<choose>` etc.) of the first two kinds are never
 * conflicts either; the merge warns about them.
 */
export interface PolicyConflict {
  kind: 'key-restored' | 'authorization-replaced' | 'second-managed-identity' | 'key-copied';
  /** The element's start tag as authored (on one line, shortened). */
  element: string;
  /** 1-based line and column of the element's `<` in the text as given. */
  line: number;
  column: number;
  /** What the element does, where it is, and the fix (one sentence, no trailing period). */
  message: string;
}

/** What {@link guardFindings} finds in one document. */
export interface GuardFindings {
  /** In document order per rule: second-managed-identity, direct, `<backend>`, key-copied. */
  conflicts: PolicyConflict[];
  /** Elements that cannot be checked, then nested ones that undo an owned element when their block runs. */
  nestedWarnings: string[];
  /** Where the owned elements are or will be (the merge places new key deletes by them). */
  anchors: Anchors;
}

/** One document under guard: what every rule reads, and what they find. */
interface Scope {
  loc: Located;
  raw: string;
  inbound: ElementNode;
  at: Anchors;
  keys: readonly SubscriptionKey[];
  direct: ElementNode[];
  /** Every element of `<inbound>` outside side requests. */
  inInbound: ElementNode[];
  /** Every element of `<backend>` outside side requests. */
  inBackend: ElementNode[];
  conflicts: PolicyConflict[];
  warnings: string[];
}

function conflict(s: Scope, kind: PolicyConflict['kind'], el: ElementNode, message: string): void {
  const { line, column } = lineColumn(s.raw, el.start);
  s.conflicts.push({ kind, element: tagText(s.raw, el), line, column, message });
}

/** `<tag …>` at line N: how every message starts naming its element. */
const shown = (s: Scope, el: ElementNode): string => `${tagText(s.raw, el)} at line ${lineAt(s.raw, el)}`;

/** What an element that replaces the Authorization header does to APIM's token. */
export function authorizationWhat(el: ElementNode): string {
  if (el.name === 'authentication-basic')
    return "replaces the Authorization header (APIM's token) with basic credentials";
  const act = existsAction(el);
  if (act === 'delete') return "deletes the Authorization header that carries APIM's token";
  if (act === 'append') return "appends to the Authorization header that carries APIM's token";
  if (act === '@')
    return "may replace the Authorization header that carries APIM's token (exists-action is an expression)";
  return "replaces the Authorization header that carries APIM's token";
}

/** What an element that restores `key` does. */
export function restoreWhat(el: ElementNode, key: SubscriptionKey): string {
  return existsAction(el) === '@'
    ? `${key.mayPutBack(key.name)} (its exists-action is an expression), so it can reach the Function`
    : `${key.putsBack(key.name)}, so it reaches the Function`;
}

/** The message for another direct managed-identity element that sets the Authorization header (see below). */
function secondIdentityMessage(s: Scope, d: DirectAuth, duplicate: boolean): string {
  const managed = s.loc.own.owned?.el;
  if (!managed) {
    return (
      `a direct ${shown(s, d.el)} runs after ${s.at.auth.where} without ` +
      "output-token-variable-name, so it sets the Authorization header and replaces APIM's token for the " +
      `Function with a token for its own resource: ${s.at.auth.fix}; or add output-token-variable-name to keep ` +
      'its token in a variable'
    );
  }
  const second = `a second direct ${shown(s, d.el)} (the managed one is at line ${lineAt(s.raw, managed)})`;
  if (duplicate) {
    return (
      `${second}: ` +
      "the last one to run sets the Authorization header, so it replaces APIM's token for the Function; remove it"
    );
  }
  return (
    `${second} ` +
    "runs after it without output-token-variable-name, so it sets the Authorization header and replaces APIM's " +
    'token for the Function with a token for its own resource; remove it, move it before the managed one, or ' +
    'add output-token-variable-name to keep its token in a variable'
  );
}

/**
 * `second-managed-identity`: another direct element without output-token-variable-name sets the Authorization header
 * too: one that also asks for the Function's token is a duplicate wherever it is; one for another resource replaces
 * APIM's token when it runs after the owned element (the last one to run wins: authentication-managed-identity
 * reference).
 */
function secondManagedIdentities(s: Scope): void {
  const own = s.loc.own;
  for (const d of own.direct) {
    if (d === own.owned || d.hasVar) continue;
    const duplicate = claimsFunction(d.judged.status);
    if (!duplicate && d.el.start < s.at.auth.at) continue;
    conflict(s, 'second-managed-identity', d.el, secondIdentityMessage(s, d, duplicate));
  }
}

/**
 * `key-restored` / `authorization-replaced` among the direct children of `<inbound>`, after the anchor they undo.
 * The common "token into a variable, then set the header from it" pattern: the carrier set-header (own.carrier)
 * sends APIM's token itself, so it undoes nothing.
 */
function directUndoers(s: Scope): void {
  for (const el of s.direct) {
    for (const key of s.keys) {
      const a = s.at.keys[key.kind];
      if (restoresKey(el, key) && el.start >= a.at) {
        conflict(s, 'key-restored', el, `${shown(s, el)} runs after ${a.where} and ${restoreWhat(el, key)}: ${a.fix}`);
      }
    }
    if (replacesAuthorization(el) && el.start >= s.at.auth.at && el !== s.loc.own.carrier) {
      conflict(
        s,
        'authorization-replaced',
        el,
        `${shown(s, el)} runs after ${s.at.auth.where} and ${authorizationWhat(el)}: ${s.at.auth.fix}`
      );
    }
  }
}

/** `key-restored` / `authorization-replaced` anywhere in `<backend>` (it runs after `<inbound>`). */
function backendUndoers(s: Scope): void {
  const inBackend = (el: ElementNode, where: string) =>
    `${shown(s, el)} is in <backend>, which runs after <inbound> (and ${where}), and `;
  for (const el of s.inBackend) {
    const key = s.keys.find((k) => restoresKey(el, k));
    if (key) {
      const where = s.at.keys[key.kind].where;
      conflict(s, 'key-restored', el, `${inBackend(el, where)}${restoreWhat(el, key)}: remove it`);
    } else if (replacesAuthorization(el) && el !== s.loc.own.carrier) {
      conflict(s, 'authorization-replaced', el, `${inBackend(el, s.at.auth.where)}${authorizationWhat(el)}: remove it`);
    }
  }
}

/** `key-copied`: an expression that copies the key into what goes to the Function (outside side requests / traces). */
function keyCopies(s: Scope): void {
  const keyVars = keyVariables([s.loc.parsed], s.keys);
  for (const el of [...s.inInbound, ...s.inBackend]) {
    if (offTheRequest(el) || !copiesKey(s.loc.parsed, el, s.keys, keyVars)) continue;
    const section = el.start >= s.inbound.end ? '<backend>' : '<inbound>';
    conflict(
      s,
      'key-copied',
      el,
      `${shown(s, el)} in ${section} copies the subscription key ` +
        `into the request sent to the Function, so it reaches the Function even though ` +
        `${s.loc.keys.header.name} is deleted: remove it (a side request inside <send-request> may use the key)`
    );
  }
}

/** Warnings: elements this engine cannot see into (an expression name, a fragment) where they could undo the owned ones. */
function uncheckable(s: Scope): void {
  const { header } = s.loc.keys;
  for (const el of [...s.inInbound.filter((e) => e.start >= s.at.ownedEnd), ...s.inBackend]) {
    const where = el.start >= s.inbound.end ? 'in <backend>' : 'after the owned elements in <inbound>';
    const key = s.keys.find((k) => hasUncheckableName(el, k));
    if (key) {
      s.warnings.push(
        `${shown(s, el)} ${where} has an expression as its name, so whether it ` +
          `${key.expressionName.risk(key.name)} cannot be checked: ${key.expressionName.ask}`
      );
    } else if (el.name === 'include-fragment') {
      const id = attr(el, 'fragment-id')?.value ?? '';
      s.warnings.push(
        `<include-fragment fragment-id="${id}"> at line ${lineAt(s.raw, el)} ${where}: its content is not inspected; ` +
          `make sure fragment "${id}" does not put the subscription key (${header.name}) back, copy it ` +
          '(context.Subscription.Key) or replace the Authorization header'
      );
    }
  }
}

/** Warnings: nested `<inbound>` elements (inside `<choose>` etc.) that undo an owned element when their block runs. */
function nestedUndoers(s: Scope): void {
  const directSet = new Set(s.direct);
  for (const el of s.inInbound) {
    if (directSet.has(el)) continue;
    const key = s.keys.find((k) => restoresKey(el, k) && el.start >= s.at.keys[k.kind].at);
    if (key) {
      s.warnings.push(
        `a nested ${shown(s, el)} runs after ${key.deleteLabel} when its block runs and ` +
          `${restoreWhat(el, key)}: make sure that is intended`
      );
    } else if (replacesAuthorization(el) && el.start >= s.at.auth.at) {
      s.warnings.push(
        `a nested ${shown(s, el)} runs after <${AUTH}> when its block runs and ` +
          `${authorizationWhat(el)}: make sure that is intended`
      );
    }
  }
}

/**
 * Conflicts (see {@link PolicyConflict}) and warnings about elements that undo the owned ones or cannot be checked:
 * nested `<inbound>` key restores / Authorization replacements after the owned elements, and — after the owned
 * elements in `<inbound>`, or anywhere in `<backend>` — a `set-header` whose name is an expression (a
 * `set-query-parameter` one unless it deletes) and an `<include-fragment>` (its content is not inspected).
 * `inbound` is `loc.inbound`. Never throws.
 */
export function guardFindings(loc: Located, inbound: ElementNode): GuardFindings {
  const backend = loc.backend;
  const s: Scope = {
    loc,
    raw: loc.parsed.raw,
    inbound,
    at: anchorsOf(loc, inbound),
    keys: KEY_KINDS.map((kind) => loc.keys[kind]),
    direct: elementChildren(inbound),
    inInbound: descendants(inbound).filter((e) => !inSideRequest(e)),
    inBackend: backend ? descendants(backend).filter((e) => !inSideRequest(e)) : [],
    conflicts: [],
    warnings: []
  };
  secondManagedIdentities(s);
  directUndoers(s);
  backendUndoers(s);
  keyCopies(s);
  uncheckable(s);
  nestedUndoers(s);
  return { conflicts: s.conflicts, nestedWarnings: s.warnings, anchors: s.at };
}
