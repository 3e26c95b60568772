/**
 * Inspection and merge of the three elements this action owns in an API policy's `<inbound>`. Pure module.
 *
 * Owned: the `<authentication-managed-identity resource="…"/>` that sends APIM's token for the Function, chosen by
 * purpose, never by position (./ownership.ts, {@link OwnershipOptions}: a direct child of `<inbound>`, without
 * `output-token-variable-name`, whose `resource` — after `{{named value}}` substitution — is the Function's app or
 * a known wrong form of it; Learn: "Authenticate with managed identity" policy reference,
 * https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy — allowed in `inbound`,
 * attributes `resource` (required, expressions allowed), `client-id` (absent → system-assigned identity),
 * `output-token-variable-name` (the token goes into that variable instead of the Authorization header),
 * `ignore-error`). Every other managed-identity element (Azure OpenAI, Key Vault, Storage, ARM, a token kept in a
 * variable, one inside `<send-request>`) is the user's and stays byte for byte; and
 * `<set-header name="<the API's subscription-key header>" exists-action="delete"/>` (Learn: set-header policy
 * reference, https://learn.microsoft.com/azure/api-management/set-header-policy). The header is the API's
 * `properties.subscriptionKeyParameterNames.header` (Learn: "Subscriptions in Azure API Management"; REST Api
 * `subscriptionKeyParameterNames`), `Ocp-Apim-Subscription-Key` unless the API renames it; header names compare
 * case-insensitively. And, right after it, `<set-query-parameter name="<the API's subscription-key query parameter>"
 * exists-action="delete"/>` (Learn: set-query-parameter policy reference,
 * https://learn.microsoft.com/azure/api-management/set-query-parameter-policy; "Subscriptions in Azure API
 * Management": a key sent in a header or query parameter "by default is passed to the backend", remove it with
 * set-header or set-query-parameter): `properties.subscriptionKeyParameterNames.query`, `subscription-key` unless
 * renamed; compared case-insensitively (see {@link KeyHeaderOption.keyQuery}). `<base />` runs the parent scope's policies at that point (Learn: "Policies in Azure API
 * Management", policy scopes / base element), so the owned elements go after it. Everything else in the document is
 * left byte-identical.
 */
import { lineColumn, PolicyNotManagedError } from './errors.js';
import {
  judgeResource,
  resolveAttribute,
  type OwnershipOptions,
  type ResourceJudgement,
  type ResourceStatus
} from './ownership.js';
import { attr, decodeEntities, elementChildren, parsePolicy, type ElementNode, type ParsedPolicy } from './tree.js';

/**
 * The header APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure API
 * Management"; API `properties.subscriptionKeyParameterNames.header`). The default of every `keyHeader` option.
 */
export const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';

/**
 * The query parameter APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure
 * API Management": the key "by default is passed to the backend" when sent in a header or query parameter, and a
 * policy can remove the query parameter with set-query-parameter; API `properties.subscriptionKeyParameterNames.query`).
 * The default of every `keyQuery` option.
 */
export const DEFAULT_KEY_QUERY = 'subscription-key';

/** Options shared by {@link inspectPolicy}, {@link ownedState} and {@link mergePolicy}. */
export interface KeyHeaderOption {
  /**
   * The API's subscription-key header (`properties.subscriptionKeyParameterNames.header`); default
   * {@link DEFAULT_KEY_HEADER}. Compared case-insensitively.
   */
  keyHeader?: string;
  /**
   * The API's subscription-key query parameter (`properties.subscriptionKeyParameterNames.query`); default
   * {@link DEFAULT_KEY_QUERY}. Compared case-insensitively: Learn documents no case rule for query parameter names
   * (set-query-parameter policy reference; `context.Request.Url.Query` is an `IReadOnlyDictionary` with no stated
   * comparer, "API Management policy expressions"), so a differently-cased delete counts as the owned one and a
   * differently-cased restore as a conflict (the safe side for both).
   */
  keyQuery?: string;
}

export interface ManagedIdentityElement {
  resource?: string;
  clientId?: string;
  ignoreError?: string;
  outputTokenVariableName?: string;
  /** direct child of <inbound> */
  direct: boolean;
  /** index relative to <base/>: 'after' | 'before' | 'no-base' */
  position: 'after' | 'before' | 'no-base';
}

export interface PolicyInspection {
  /** 'policies' for API policies; 'fragment' for fragments */
  rootName: string;
  hasInbound: boolean;
  /** <base/> directly in <inbound> */
  hasBase: boolean;
  /** <authentication-managed-identity> elements anywhere in <inbound> (direct and nested, e.g. inside <choose>) */
  managedIdentity: ManagedIdentityElement[];
  /** `<set-header name="<keyHeader>" exists-action="delete"/>` directly in <inbound> (name compared case-insensitively) */
  deletesSubscriptionKey: boolean;
  /**
   * `<set-query-parameter name="<keyQuery>" exists-action="delete"/>` directly in <inbound> (name compared
   * case-insensitively, see {@link KeyHeaderOption.keyQuery}).
   */
  deletesSubscriptionKeyQuery: boolean;
  /**
   * Literal names (as authored, trimmed; HTTP header names only) of every `<set-header exists-action="delete">`
   * directly in <inbound>.
   */
  deletedHeaders: string[];
  /**
   * Literal names (as authored, trimmed; valid query parameter names only) of every
   * `<set-query-parameter exists-action="delete">` directly in <inbound>.
   */
  deletedQueryParameters: string[];
  /** <authentication-managed-identity> outside <inbound> (e.g. in <outbound>): reported, never touched */
  elsewhere: string[];
  /**
   * Elements of `<inbound>` / `<backend>` that would undo the owned elements once they are where the merge puts
   * them, so the document cannot be made right without changing content the user owns (see
   * {@link PolicyConflict}). Empty when `<inbound>` is absent.
   */
  conflicts: PolicyConflict[];
}

/**
 * One element that undoes an owned element. "After" is document order among the direct children of `<inbound>`,
 * measured from where the owned elements are once merged: the owned `<authentication-managed-identity>` (by
 * purpose, see {@link OwnershipOptions}) where it stands, or right after `<base />` when it is missing or before
 * `<base />` (first in `<inbound>` when there is no `<base />`); the subscription-key delete is the last direct
 * `<set-header name="<keyHeader>" exists-action="delete">`, or (none yet) right after the managed element.
 * Policies in `<inbound>` run in document order, and `<backend>` runs after `<inbound>` (Learn: "Policies in Azure
 * API Management", policy sections), so everything in `<backend>` is "after". `<keyHeader>` is the API's
 * subscription-key header (see {@link KeyHeaderOption}).
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
 * - `token-to-variable`: no owned element, and the element that would be the owned one (direct, resource = the
 *   Function's app) has `output-token-variable-name` and no later Authorization set-header (after `<base />`, or in
 *   `<backend>`) that reads that variable: APIM then puts the token in the variable and does not set the
 *   Authorization header. With such a set-header it is the owned element ("carrier" form).
 * - `key-copied`: an expression reading `context.Subscription.Key` (or `.PrimaryKey` / `.SecondaryKey`; Learn:
 *   "API Management policy expressions", context.Subscription), or the key header from the request
 *   (`context.Request.Headers.GetValueOrDefault("<keyHeader>"…)`), in a `set-header` (other than the key header, which
 *   the rules above cover, and other than a delete), `set-query-parameter`, `rewrite-uri`, `set-url`,
 *   `set-backend-service` or `set-body`, anywhere in `<inbound>` or `<backend>`: the key goes to the Function in
 *   another header, the query, the URL or the body.
 * Elements inside `<send-request>` / `<send-one-way-request>` (their own request), `<trace>` or `<log-to-eventhub>`
 * are never conflicts. Nested `<inbound>` elements (inside `<choose>` etc.) of the first two kinds are never
 * conflicts either; the merge warns about them.
 */
export interface PolicyConflict {
  kind: 'key-restored' | 'authorization-replaced' | 'second-managed-identity' | 'token-to-variable' | 'key-copied';
  /** The element's start tag as authored (on one line, shortened). */
  element: string;
  /** 1-based line and column of the element's `<` in the text as given. */
  line: number;
  column: number;
  /** What the element does, where it is, and the fix (one sentence, no trailing period). */
  message: string;
}

export interface MergeResult {
  text: string;
  changes: { path: string; before: unknown; after: unknown }[];
  warnings: string[];
  /**
   * {@link PolicyInspection.conflicts} of the document as given. Non-empty → the merged `text` would still not
   * be in the desired state at run time: do not write it (planApiPolicy turns these into a plan error).
   */
  conflicts: PolicyConflict[];
}

const AUTH = 'authentication-managed-identity';
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
/**
 * A header name APIM can be configured with: an HTTP field name (RFC 9110 §5.1 token), which also keeps it from
 * being read as an expression (`@`) or breaking the attribute.
 */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A query parameter name the action manages: RFC 3986 query characters other than the separators `&`, `=`, `#`
 * (percent-escapes allowed), not starting with `@` (an expression) and without `{{` (a named value).
 */
const QUERY_TOKEN = /^(?!@)(?!.*\{\{)[A-Za-z0-9\-._~!$'()*+,;:@/?%]+$/;
/** Characters XML 1.0 cannot carry, even escaped (control characters other than tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Path of `el` from the root, e.g. `policies/outbound/choose/when/authentication-managed-identity`. */
function pathOf(el: ElementNode): string {
  const names: string[] = [];
  for (let e: ElementNode | undefined = el; e; e = e.parent) names.unshift(e.name);
  return names.join('/');
}

function descendants(el: ElementNode, out: ElementNode[] = []): ElementNode[] {
  for (const c of elementChildren(el)) {
    out.push(c);
    descendants(c, out);
  }
  return out;
}

/** `keyHeader` lower-cased and checked: throws Error for a name that is not an HTTP header name (e.g. blank, `@…`). */
function keyOf(keyHeader: string | undefined): string {
  const k = (keyHeader ?? DEFAULT_KEY_HEADER).trim();
  if (!HEADER_TOKEN.test(k)) {
    throw new Error(
      `invalid subscription-key header name ${JSON.stringify(keyHeader)}: expected an HTTP header name (the API's subscriptionKeyParameterNames.header)`
    );
  }
  return k.toLowerCase();
}

/**
 * `keyQuery` lower-cased and checked: throws Error for a name that is not a query parameter name (blank, `@…`, `&`,
 * `=`, whitespace, …).
 */
function queryOf(keyQuery: string | undefined): string {
  const q = (keyQuery ?? DEFAULT_KEY_QUERY).trim();
  if (!QUERY_TOKEN.test(q)) {
    throw new Error(
      `invalid subscription-key query parameter name ${JSON.stringify(keyQuery)}: expected a query parameter name (the API's subscriptionKeyParameterNames.query)`
    );
  }
  return q.toLowerCase();
}

/** A set-query-parameter that deletes the query parameter `q` (lower-case). */
function isQueryDelete(el: ElementNode, q: string): boolean {
  return el.name === 'set-query-parameter' && headerName(el) === q && existsAction(el) === 'delete';
}

/** A set-query-parameter that leaves the subscription key (query parameter `q`, lower-case) on the request. */
function restoresQuery(el: ElementNode, q: string): boolean {
  return el.name === 'set-query-parameter' && headerName(el) === q && existsAction(el) !== 'delete';
}

/** A direct set-header that deletes the header `key` (lower-case). */
function isKeyDelete(el: ElementNode, key: string): boolean {
  return el.name === 'set-header' && headerName(el) === key && existsAction(el) === 'delete';
}

/** Lower-cased `exists-action` of a set-header: absent → 'override' (the documented default); an expression → '@'. */
function existsAction(el: ElementNode): string {
  const a = attr(el, 'exists-action');
  if (!a) return 'override';
  if (a.expression) return '@';
  return a.value.trim().toLowerCase();
}

/** The lower-cased literal `name` of a set-header / set-query-parameter ('' for an expression name or none). */
function headerName(el: ElementNode): string {
  const a = attr(el, 'name');
  return a && !a.expression ? a.value.trim().toLowerCase() : '';
}

/** A set-header that leaves the subscription key (header `key`, lower-case) on the request (any exists-action but delete). */
function restoresKey(el: ElementNode, key: string): boolean {
  return el.name === 'set-header' && headerName(el) === key && existsAction(el) !== 'delete';
}

/** An element that drops or replaces the Authorization header (set-header other than skip, authentication-basic). */
function replacesAuthorization(el: ElementNode): boolean {
  if (el.name === 'authentication-basic') return true;
  return el.name === 'set-header' && headerName(el) === 'authorization' && existsAction(el) !== 'skip';
}

/** True when `el` sits inside a side request (send-request / send-one-way-request), whose headers are its own. */
function inSideRequest(el: ElementNode): boolean {
  for (let p = el.parent; p; p = p.parent)
    if (p.name === 'send-request' || p.name === 'send-one-way-request') return true;
  return false;
}

/** True when `el` sits inside a side request, `<trace>` or `<log-to-eventhub>`: nothing of it goes to the backend. */
function offTheRequest(el: ElementNode): boolean {
  if (inSideRequest(el)) return true;
  for (let p = el.parent; p; p = p.parent) if (p.name === 'trace' || p.name === 'log-to-eventhub') return true;
  return false;
}

/**
 * True when an expression inside `el` (attribute, text or CDATA) reads the caller's subscription key:
 * `context.Subscription.Key` / `PrimaryKey` / `SecondaryKey`, or the key header itself from the request
 * (`Headers.GetValueOrDefault("<key>"…` / `Headers["<key>"]`).
 */
function copiesKey(parsed: ParsedPolicy, el: ElementNode, key: string, query: string): boolean {
  if (!COPY_TARGETS.has(el.name)) return false;
  if (el.name === 'set-header' && (headerName(el) === key || existsAction(el) === 'delete')) return false;
  if (el.name === 'set-query-parameter' && (headerName(el) === query || existsAction(el) === 'delete')) return false;
  const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const readsHeader = new RegExp(`Headers\\s*(\\.\\s*GetValueOrDefault\\s*\\(|\\[)\\s*"${esc(key)}"`, 'i');
  const readsQuery = new RegExp(`Query\\s*(\\.\\s*GetValueOrDefault\\s*\\(|\\[)\\s*"${esc(query)}"`, 'i');
  const reads = (text: string) => READS_KEY.test(text) || readsHeader.test(text) || readsQuery.test(text);
  // A Liquid template reads the context without `@` (Learn: set-body policy, "Using Liquid templates").
  if (el.name === 'set-body' && attr(el, 'template')?.value.trim().toLowerCase() === 'liquid')
    return READS_KEY.test(decodeEntities(parsed.raw.slice(el.openEnd, el.closeStart)));
  return parsed.expressions.some(
    (x) => x.start >= el.start && x.end <= el.end && reads(decodeEntities(parsed.raw.slice(x.start, x.end)))
  );
}

/** The start tag of `el` as authored, on one line, at most 160 characters. */
function tagText(raw: string, el: ElementNode): string {
  const t = raw
    .slice(el.start, el.openEnd)
    .replace(/\s+/g, ' ')
    .replace(/\s*\/?>$/, '>');
  return t.length > 160 ? `${t.slice(0, 157)}...>` : t;
}

function lineAt(raw: string, el: ElementNode): number {
  return lineColumn(raw, el.start).line;
}

interface Located {
  parsed: ParsedPolicy;
  inbound?: ElementNode;
  base?: ElementNode;
  /** `<policies>/<backend>` (runs after `<inbound>`) */
  backend?: ElementNode;
  /** The API's subscription-key header, lower-case. */
  key: string;
  /** The API's subscription-key header as configured (for messages and new elements). */
  keyName: string;
  /** The API's subscription-key query parameter, lower-case. */
  query: string;
  /** The API's subscription-key query parameter as configured (for messages and new elements). */
  queryName: string;
  /** Which managed-identity element is owned (see {@link Ownership}). */
  own: Ownership;
}

/** One direct `<authentication-managed-identity>` of `<inbound>` with what its attributes say. */
interface DirectAuth {
  el: ElementNode;
  /** It has `output-token-variable-name`: APIM keeps the token in that variable, not in Authorization. */
  hasVar: boolean;
  judged: ResourceJudgement;
}

/**
 * The owned managed-identity element by purpose (see ./ownership.ts):
 * 1. a direct element without `output-token-variable-name` whose `resource` is acceptable; else such a one in a
 *    known wrong form; else such a one that cannot be judged (it sets the Authorization header; it is kept as written
 *    and warned about). Within each, the first one after `<base />` (where the owned element belongs), else the
 *    first one;
 * 2. else ("carrier" form) the first direct element with `output-token-variable-name` whose resource is the
 *    Function's app (acceptable or wrong form) and whose variable a later Authorization set-header reads (direct in
 *    `<inbound>` after the element and after `<base />`, or in `<backend>`);
 * 3. else none: the action adds its own. A direct element with `output-token-variable-name` whose resource is the
 *    Function's app and whose token no Authorization set-header carries is `wouldBe` (a `token-to-variable`
 *    conflict).
 */
interface Ownership {
  opts: OwnershipOptions;
  /** Resources acceptable beyond opts.acceptableResources (mergePolicy's desired resource). */
  extra: string[];
  direct: DirectAuth[];
  owned?: DirectAuth;
  /** The later Authorization set-header that carries the owned element's token variable (carrier form). */
  carrier?: ElementNode;
  wouldBe?: DirectAuth;
}

const claimsFunction = (s: ResourceStatus) => s === 'acceptable' || s === 'wrong-form';

function ownershipOf(
  parsed: ParsedPolicy,
  inbound: ElementNode | undefined,
  backend: ElementNode | undefined,
  opts: OwnershipOptions,
  extra: string[]
): Ownership {
  const own: Ownership = { opts, extra, direct: [] };
  if (!inbound) return own;
  const direct = elementChildren(inbound);
  own.direct = direct
    .filter((e) => e.name === AUTH)
    .map((el) => ({
      el,
      hasVar: attr(el, 'output-token-variable-name') !== undefined,
      judged: judgeResource(attr(el, 'resource'), opts, extra)
    }));
  const varless = own.direct.filter((d) => !d.hasVar);
  // Within a status, one that already runs after <base /> (and so stays where it is) is preferred: the merge moves
  // an owned element found before <base /> after it, and the next merge must find the same one (idempotence).
  const base = direct.find((e) => e.name === 'base');
  const afterBase = (d: DirectAuth) => !base || d.el.start > base.start;
  const pick = (status: ResourceStatus): DirectAuth | undefined => {
    const all = varless.filter((d) => d.judged.status === status);
    return all.find(afterBase) ?? all[0];
  };
  own.owned = pick('acceptable') ?? pick('wrong-form') ?? pick('unknown');
  if (own.owned) return own;
  const inBackend = backend ? descendants(backend).filter((e) => !inSideRequest(e)) : [];
  const withVar = own.direct.filter((x) => x.hasVar && claimsFunction(x.judged.status));
  // after-<base /> ones first (idempotence, as above); `wouldBe` is the first in document order
  for (const d of [...withVar.filter(afterBase), ...withVar.filter((x) => !afterBase(x))]) {
    const name = attr(d.el, 'output-token-variable-name')!.value;
    // The carrier must run after <base /> too (where the owned element belongs): one before it would be left behind
    // when the element is moved after <base />, reading a variable that is not set yet.
    const after = Math.max(d.el.start, base ? base.start : -1);
    const carrier = [...direct.filter((e) => e.start > after), ...inBackend].find(
      (e) =>
        replacesAuthorization(e) &&
        e.name === 'set-header' &&
        existsAction(e) !== 'delete' &&
        readsVariable(parsed.raw.slice(e.start, e.end), name)
    );
    if (carrier) {
      own.owned = d;
      own.carrier = carrier;
      return own;
    }
  }
  own.wouldBe = withVar[0];
  return own;
}

function locate(
  parsed: ParsedPolicy,
  keyHeader: string | undefined,
  keyQuery?: string,
  opts: OwnershipOptions = {},
  extra: string[] = []
): Located {
  const key = keyOf(keyHeader);
  const keyName = (keyHeader ?? DEFAULT_KEY_HEADER).trim();
  const query = queryOf(keyQuery);
  const queryName = (keyQuery ?? DEFAULT_KEY_QUERY).trim();
  const section = (name: string) =>
    parsed.root.name === 'policies' ? elementChildren(parsed.root).find((e) => e.name === name) : undefined;
  const inbound = section('inbound');
  const base = inbound ? elementChildren(inbound).find((e) => e.name === 'base') : undefined;
  const backend = section('backend');
  const own = ownershipOf(parsed, inbound, backend, opts, extra);
  return { parsed, inbound, base, backend, key, keyName, query, queryName, own };
}

function describe(el: ElementNode, direct: boolean, base: ElementNode | undefined): ManagedIdentityElement {
  return {
    resource: attr(el, 'resource')?.value,
    clientId: attr(el, 'client-id')?.value,
    ignoreError: attr(el, 'ignore-error')?.value,
    outputTokenVariableName: attr(el, 'output-token-variable-name')?.value,
    direct,
    position: !base ? 'no-base' : el.start >= base.end ? 'after' : 'before'
  };
}

/** Where the owned elements are once merged (see {@link PolicyConflict}), as offsets into the text, with words. */
interface Anchors {
  /** offset after which a direct child runs after the managed <authentication-managed-identity> */
  auth: number;
  /** offset after which a direct child runs after the subscription-key delete */
  key: number;
  /** Where the managed element is (or will be), e.g. "<authentication-managed-identity> (line 7)". */
  authWhere: string;
  /** Where the subscription-key delete is (or will be), e.g. "the subscription-key delete (line 8)". */
  keyWhere: string;
  /** The fix for an element after the managed one, e.g. "remove it or move it before <…> (line 7)". */
  authFix: string;
  /** The fix for a subscription-key set-header after the delete. */
  keyFix: string;
  /** offset after which a direct child runs after the subscription-key query delete */
  query: number;
  /** Where the query delete is (or will be). */
  queryWhere: string;
  /** The fix for a subscription-key set-query-parameter after the query delete. */
  queryFix: string;
}

function anchorsOf(raw: string, inbound: ElementNode, base: ElementNode | undefined, loc: Located): Anchors {
  const direct = elementChildren(inbound);
  const auth = loc.own.owned?.el;
  const stays = auth !== undefined && !(base && auth.start < base.start);
  const addYourself = `add <${AUTH}> yourself after it`;
  let authAt: number;
  let authWhere: string;
  let authFix: string;
  let placed: string; // where the action puts the managed element, for the subscription-key delete's position
  if (stays) {
    const l = lineAt(raw, auth);
    authAt = auth.end;
    authWhere = `<${AUTH}> (line ${l})`;
    authFix = `remove it or move it before <${AUTH}> (line ${l})`;
    placed = `right after <${AUTH}>, line ${l}`;
  } else if (base) {
    const l = lineAt(raw, base);
    authAt = base.end;
    authWhere = `<${AUTH}> (which the action puts right after <base />, line ${l})`;
    authFix = `remove it, move it before <base /> (line ${l}), or ${addYourself}`;
    placed = `with <${AUTH}> right after <base />, line ${l}`;
  } else {
    const l = lineAt(raw, inbound);
    authAt = inbound.openEnd;
    authWhere = `<${AUTH}> (which the action puts first in <inbound>, line ${l}, as there is no <base />)`;
    authFix = `remove it, or ${addYourself}`;
    placed = `with <${AUTH}> first in <inbound>, line ${l}`;
  }
  const deletes = direct.filter((e) => isKeyDelete(e, loc.key));
  const lastDelete = deletes[deletes.length - 1];
  let keyAt: number;
  let keyWhere: string;
  let keyFix: string;
  if (lastDelete) {
    const l = lineAt(raw, lastDelete);
    keyAt = lastDelete.end;
    keyWhere = `the subscription-key delete (line ${l})`;
    keyFix = `remove it or move it before <set-header name="${loc.keyName}" exists-action="delete"> (line ${l})`;
  } else {
    keyAt = authAt;
    keyWhere = `the subscription-key delete (which the action puts ${placed})`;
    keyFix = authFix;
  }
  const qDeletes = direct.filter((e) => isQueryDelete(e, loc.query));
  const lastQDelete = qDeletes[qDeletes.length - 1];
  let queryAt = keyAt;
  let queryWhere = lastDelete
    ? `the subscription-key query delete (which the action puts right after the header delete, line ${lineAt(raw, lastDelete)})`
    : `the subscription-key query delete (which the action puts right after the header delete, ${placed})`;
  let queryFix = lastDelete
    ? `remove it or move it before <set-header name="${loc.keyName}" exists-action="delete"> (line ${lineAt(raw, lastDelete)})`
    : authFix;
  if (lastQDelete) {
    const l = lineAt(raw, lastQDelete);
    queryAt = lastQDelete.end;
    queryWhere = `the subscription-key query delete (line ${l})`;
    queryFix = `remove it or move it before <set-query-parameter name="${loc.queryName}" exists-action="delete"> (line ${l})`;
  }
  return { auth: authAt, authWhere, authFix, key: keyAt, keyWhere, keyFix, query: queryAt, queryWhere, queryFix };
}

/** True when `text` reads the policy variable `name` (`context.Variables["name"]`, `…GetValueOrDefault<…>("name"`). */
function readsVariable(text: string, name: string): boolean {
  const q = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `Variables\\s*(\\[\\s*(&quot;|")${q}(&quot;|")|\\.\\s*GetValueOrDefault\\s*(<[^>]*>|&lt;.*?&gt;)?\\s*\\(\\s*(&quot;|")${q}(&quot;|"))`
  ).test(text);
}

/**
 * Conflicts (see {@link PolicyConflict}) and warnings about elements that undo the owned ones or cannot be checked:
 * nested `<inbound>` key restores / Authorization replacements after the owned elements, and — after the owned
 * elements in `<inbound>`, or anywhere in `<backend>` — a `set-header` whose name is an expression and an
 * `<include-fragment>` (its content is not inspected).
 */
function guardFindings(loc: Located, inbound: ElementNode) {
  const { parsed, base, backend, key, query } = loc;
  const raw = parsed.raw;
  const conflicts: PolicyConflict[] = [];
  const nestedWarnings: string[] = [];
  const at = anchorsOf(raw, inbound, base, loc);
  const inBackend = backend ? descendants(backend).filter((e) => !inSideRequest(e)) : [];
  const direct = elementChildren(inbound);
  const add = (kind: PolicyConflict['kind'], el: ElementNode, message: string) => {
    const { line, column } = lineColumn(raw, el.start);
    conflicts.push({ kind, element: tagText(raw, el), line, column, message });
  };
  const own = loc.own;
  const managed = own.owned?.el;
  // The common "token into a variable, then set the header from it" pattern: a later direct Authorization
  // set-header whose text reads that variable (e.g. @("Bearer " + (string)context.Variables["msi-token"])) carries
  // APIM's token itself, so neither the variable nor that set-header undoes anything (own.carrier; it may also be
  // in <backend>, which runs after <inbound>). Only for the element that is the Function's token (ownershipOf).
  const carrier = own.carrier;
  if (own.wouldBe) {
    const el = own.wouldBe.el;
    const outVar = attr(el, 'output-token-variable-name')!;
    add(
      'token-to-variable',
      el,
      `${tagText(raw, el)} at line ${lineAt(raw, el)} has output-token-variable-name="${outVar.value}": ` +
        'APIM then stores the token in that variable and does not set the Authorization header, so the Function ' +
        'gets no token from it; remove output-token-variable-name (or set the Authorization header from that ' +
        'variable in a set-header after <base />)'
    );
  }
  // Another direct element without output-token-variable-name sets the Authorization header too: one that also
  // asks for the Function's token is a duplicate wherever it is; one for another resource replaces APIM's token
  // when it runs after the owned element (the last one to run wins: authentication-managed-identity reference).
  for (const d of own.direct) {
    if (d === own.owned || d.hasVar) continue;
    const duplicate = claimsFunction(d.judged.status);
    if (!duplicate && d.el.start < at.auth) continue;
    const l = lineAt(raw, d.el);
    if (managed && duplicate) {
      add(
        'second-managed-identity',
        d.el,
        `a second direct ${tagText(raw, d.el)} at line ${l} (the managed one is at line ${lineAt(raw, managed)}): ` +
          "the last one to run sets the Authorization header, so it replaces APIM's token for the Function; remove it"
      );
    } else if (managed) {
      add(
        'second-managed-identity',
        d.el,
        `a second direct ${tagText(raw, d.el)} at line ${l} (the managed one is at line ${lineAt(raw, managed)}) ` +
          "runs after it without output-token-variable-name, so it sets the Authorization header and replaces APIM's " +
          'token for the Function with a token for its own resource; remove it, move it before the managed one, or ' +
          'add output-token-variable-name to keep its token in a variable'
      );
    } else {
      add(
        'second-managed-identity',
        d.el,
        `a direct ${tagText(raw, d.el)} at line ${l} runs after ${at.authWhere} without ` +
          "output-token-variable-name, so it sets the Authorization header and replaces APIM's token for the " +
          `Function with a token for its own resource: ${at.authFix}; or add output-token-variable-name to keep ` +
          'its token in a variable'
      );
    }
  }
  const what = (el: ElementNode): string => {
    if (el.name === 'authentication-basic')
      return "replaces the Authorization header (APIM's token) with basic credentials";
    const act = existsAction(el);
    if (act === 'delete') return "deletes the Authorization header that carries APIM's token";
    if (act === 'append') return "appends to the Authorization header that carries APIM's token";
    if (act === '@')
      return "may replace the Authorization header that carries APIM's token (exists-action is an expression)";
    return "replaces the Authorization header that carries APIM's token";
  };
  const keyWhat = (el: ElementNode): string =>
    existsAction(el) === '@'
      ? 'may put the subscription key back (its exists-action is an expression), so it can reach the Function'
      : 'puts the subscription key back, so it reaches the Function';
  const queryWhat = (el: ElementNode): string =>
    existsAction(el) === '@'
      ? `may put the subscription-key query parameter (${loc.queryName}) back (its exists-action is an expression), so it can reach the Function`
      : `keeps or puts the subscription-key query parameter (${loc.queryName}) back, so it reaches the Function`;
  for (const el of direct) {
    if (restoresQuery(el, query) && el.start >= at.query) {
      add(
        'key-restored',
        el,
        `${tagText(raw, el)} at line ${lineAt(raw, el)} runs after ${at.queryWhere} and ${queryWhat(el)}: ${at.queryFix}`
      );
    }
    if (restoresKey(el, key) && el.start >= at.key) {
      add(
        'key-restored',
        el,
        `${tagText(raw, el)} at line ${lineAt(raw, el)} runs after ${at.keyWhere} and ${keyWhat(el)}: ${at.keyFix}`
      );
    }
    if (replacesAuthorization(el) && el.start >= at.auth && el !== carrier) {
      add(
        'authorization-replaced',
        el,
        `${tagText(raw, el)} at line ${lineAt(raw, el)} runs after ${at.authWhere} and ${what(el)}: ${at.authFix}`
      );
    }
  }
  for (const el of inBackend) {
    const l = lineAt(raw, el);
    if (restoresQuery(el, query)) {
      add(
        'key-restored',
        el,
        `${tagText(raw, el)} at line ${l} is in <backend>, which runs after <inbound> (and ${at.queryWhere}), and ` +
          `${queryWhat(el)}: remove it`
      );
    } else if (restoresKey(el, key)) {
      add(
        'key-restored',
        el,
        `${tagText(raw, el)} at line ${l} is in <backend>, which runs after <inbound> (and ${at.keyWhere}), and ` +
          `${keyWhat(el)}: remove it`
      );
    } else if (replacesAuthorization(el) && el !== carrier) {
      add(
        'authorization-replaced',
        el,
        `${tagText(raw, el)} at line ${l} is in <backend>, which runs after <inbound> (and ${at.authWhere}), and ` +
          `${what(el)}: remove it`
      );
    }
  }
  const inInbound = descendants(inbound).filter((e) => !inSideRequest(e));
  for (const el of [...inInbound, ...inBackend]) {
    if (offTheRequest(el) || !copiesKey(parsed, el, key, query)) continue;
    const section = el.start >= inbound.end ? '<backend>' : '<inbound>';
    add(
      'key-copied',
      el,
      `${tagText(raw, el)} at line ${lineAt(raw, el)} in ${section} copies the subscription key ` +
        `into the request sent to the Function, so it reaches the Function even though ` +
        `${loc.keyName} is deleted: remove it (a side request inside <send-request> may use the key)`
    );
  }
  // Elements this engine cannot see into, where they could undo the owned ones.
  const ownedEnd = Math.min(at.auth, at.key, at.query);
  for (const el of [...inInbound.filter((e) => e.start >= ownedEnd), ...inBackend]) {
    const where = el.start >= inbound.end ? 'in <backend>' : 'after the owned elements in <inbound>';
    if (el.name === 'set-query-parameter' && attr(el, 'name')?.expression && existsAction(el) !== 'delete') {
      nestedWarnings.push(
        `${tagText(raw, el)} at line ${lineAt(raw, el)} ${where} has an expression as its name, so whether it ` +
          `puts the subscription-key query parameter (${loc.queryName}) back cannot be checked: make sure it does not`
      );
    } else if (el.name === 'set-header' && attr(el, 'name')?.expression) {
      nestedWarnings.push(
        `${tagText(raw, el)} at line ${lineAt(raw, el)} ${where} has an expression as its name, so whether it ` +
          `puts the subscription key (${loc.keyName}) back or replaces the Authorization header cannot be checked: ` +
          'make sure it does neither'
      );
    } else if (el.name === 'include-fragment') {
      const id = attr(el, 'fragment-id')?.value ?? '';
      nestedWarnings.push(
        `<include-fragment fragment-id="${id}"> at line ${lineAt(raw, el)} ${where}: its content is not inspected; ` +
          `make sure fragment "${id}" does not put the subscription key (${loc.keyName}) back, copy it ` +
          '(context.Subscription.Key) or replace the Authorization header'
      );
    }
  }
  const directSet = new Set(direct);
  for (const el of inInbound) {
    if (directSet.has(el)) continue;
    if (restoresQuery(el, query) && el.start >= at.query) {
      nestedWarnings.push(
        `a nested ${tagText(raw, el)} at line ${lineAt(raw, el)} runs after the subscription-key query delete when ` +
          `its block runs and ${queryWhat(el)}: make sure that is intended`
      );
    } else if (restoresKey(el, key) && el.start >= at.key) {
      nestedWarnings.push(
        `a nested ${tagText(raw, el)} at line ${lineAt(raw, el)} runs after the subscription-key delete when its ` +
          `block runs and ${keyWhat(el)}: make sure that is intended`
      );
    } else if (replacesAuthorization(el) && el.start >= at.auth) {
      nestedWarnings.push(
        `a nested ${tagText(raw, el)} at line ${lineAt(raw, el)} runs after <${AUTH}> when its block runs and ` +
          `${what(el)}: make sure that is intended`
      );
    }
  }
  return { conflicts, nestedWarnings, anchors: at };
}

function inspectParsed(loc: Located): PolicyInspection {
  const { parsed, inbound, base, key, query } = loc;
  const managedIdentity: ManagedIdentityElement[] = [];
  const inInbound = new Set<ElementNode>();
  if (inbound) {
    const direct = new Set(elementChildren(inbound));
    for (const el of descendants(inbound)) {
      if (el.name !== AUTH) continue;
      inInbound.add(el);
      managedIdentity.push(describe(el, direct.has(el), base));
    }
  }
  const elsewhere = [parsed.root, ...descendants(parsed.root)]
    .filter((e) => e.name === AUTH && !inInbound.has(e))
    .map(pathOf);
  return {
    rootName: parsed.root.name,
    hasInbound: inbound !== undefined,
    hasBase: base !== undefined,
    managedIdentity,
    deletesSubscriptionKey: inbound ? elementChildren(inbound).some((e) => isKeyDelete(e, key)) : false,
    deletedHeaders: inbound
      ? elementChildren(inbound)
          .filter((e) => e.name === 'set-header' && existsAction(e) === 'delete')
          .map((e) => (attr(e, 'name')?.expression === false ? attr(e, 'name')!.value.trim() : ''))
          .filter((n) => HEADER_TOKEN.test(n))
      : [],
    deletesSubscriptionKeyQuery: inbound ? elementChildren(inbound).some((e) => isQueryDelete(e, query)) : false,
    deletedQueryParameters: inbound
      ? elementChildren(inbound)
          .filter((e) => e.name === 'set-query-parameter' && existsAction(e) === 'delete')
          .map((e) => (attr(e, 'name')?.expression === false ? attr(e, 'name')!.value.trim() : ''))
          .filter((n) => QUERY_TOKEN.test(n))
      : [],
    elsewhere,
    conflicts: inbound ? guardFindings(loc, inbound).conflicts : []
  };
}

/**
 * Parses and describes a policy document (rawxml text). Any root is accepted (a fragment gives
 * `rootName: 'fragment'`, `hasInbound: false`, its managed-identity elements in `elsewhere`); `<inbound>` and
 * `<backend>` are looked for only as direct children of `<policies>`. `opts.keyHeader`: the API's subscription-key
 * header (default `Ocp-Apim-Subscription-Key`), used for `deletesSubscriptionKey` and the conflicts; `opts.keyQuery`:
 * its query parameter (default `subscription-key`), used for `deletesSubscriptionKeyQuery` and the conflicts.
 * `opts.acceptableResources` / `namedValues` / `appObjectIds` ({@link OwnershipOptions}) decide which
 * managed-identity element is the owned one, and so the conflicts; without `acceptableResources` ownership is by
 * position (every resolvable resource counts as the Function's), as before ownership by purpose.
 * Throws PolicyParseError with line/column when the text cannot be tokenized or is not well-formed once expressions
 * are masked; Error when `opts.keyHeader` is not an HTTP header name or `opts.keyQuery` not a query parameter name.
 */
export function inspectPolicy(raw: string, opts: KeyHeaderOption & OwnershipOptions = {}): PolicyInspection {
  return inspectParsed(locate(parsePolicy(raw), opts.keyHeader, opts.keyQuery, opts));
}

/**
 * The owned-elements view used to decide drift (field case C12: never compare policies as strings).
 * `resource` is the decoded `resource` (as authored: a `{{name}}` reference is not substituted) of the owned
 * `<authentication-managed-identity>` (by purpose, see {@link OwnershipOptions}; without `acceptableResources`, by
 * position: the first direct one without output-token-variable-name); `authAfterBase` is true when that element is
 * after `<base />` or `<inbound>` has no `<base />`;
 * `deletesSubscriptionKey` as in {@link PolicyInspection}: a direct delete of `opts.keyHeader` (the API's
 * subscription-key header, default `Ocp-Apim-Subscription-Key`, case-insensitive); `deletesSubscriptionKeyQuery`
 * likewise for `opts.keyQuery` (default `subscription-key`). Empty text (or only
 * whitespace), a root other than `<policies>` or no `<inbound>` → nothing present.
 * Throws PolicyParseError like {@link inspectPolicy}; Error when `opts.keyHeader` is not an HTTP header name.
 */
export function ownedState(
  raw: string,
  opts: KeyHeaderOption & OwnershipOptions = {}
): {
  resource?: string;
  authPresent: boolean;
  authAfterBase: boolean;
  deletesSubscriptionKey: boolean;
  deletesSubscriptionKeyQuery: boolean;
} {
  keyOf(opts.keyHeader);
  queryOf(opts.keyQuery);
  if (raw.trim() === '' || raw === '\ufeff')
    return {
      authPresent: false,
      authAfterBase: false,
      deletesSubscriptionKey: false,
      deletesSubscriptionKeyQuery: false
    };
  const loc = locate(parsePolicy(raw), opts.keyHeader, opts.keyQuery, opts);
  const ins = inspectParsed(loc);
  const auth = loc.own.owned?.el;
  const resource = auth ? attr(auth, 'resource')?.value : undefined;
  return {
    ...(resource !== undefined ? { resource } : {}),
    authPresent: auth !== undefined,
    authAfterBase: auth !== undefined && !(loc.base && auth.start < loc.base.start),
    deletesSubscriptionKey: ins.deletesSubscriptionKey,
    deletesSubscriptionKeyQuery: ins.deletesSubscriptionKeyQuery
  };
}

/** The owned `<authentication-managed-identity>` as {@link ownedManagedIdentity} describes it. */
export interface OwnedManagedIdentity {
  /** 1-based line of the element's `<`. */
  line: number;
  /** `resource` as authored (XML-decoded; `{{name}}` references NOT substituted); absent when the attribute is. */
  resource?: string;
  /**
   * `acceptable` (in sync), `wrong-form` (the merge rewrites it to the desired resource) or `unknown` (an expression
   * or an unresolved named value: kept as written, warned about). Never `other`: such an element is not owned.
   */
  resourceStatus: Exclude<ResourceStatus, 'other'>;
  /** Why it is `wrong-form` / `unknown`; never contains a resolved named value. */
  why?: string;
  /** `client-id` as authored (absent → APIM's system-assigned identity). */
  clientId?: string;
  /** `client-id` with named values substituted (trimmed); absent when there is none or it cannot be resolved. */
  clientIdResolved?: string;
  /** Why `client-id` cannot be resolved (an expression, an unresolved named value). */
  clientIdUnresolved?: string;
  /** `ignore-error` as authored. */
  ignoreError?: string;
  /** After `<base />` (or `<inbound>` has no `<base />`). */
  afterBase: boolean;
  /**
   * Set in the "carrier" form: the element keeps the token in this variable and a later Authorization set-header
   * sends it (`@("Bearer " + (string)context.Variables["…"])`).
   */
  tokenVariable?: string;
}

/**
 * The owned `<authentication-managed-identity>` of an API policy (rawxml text), by purpose (see
 * {@link OwnershipOptions}; without `acceptableResources`, by position), or undefined when there is none (empty
 * text, a root other than `<policies>`, no `<inbound>`, or no element that sends the Function's token: the merge adds
 * one). For the read-back check after a write and for inspectPolicies (which identity calls the Function).
 * Throws PolicyParseError like {@link inspectPolicy}.
 */
export function ownedManagedIdentity(raw: string, opts: OwnershipOptions = {}): OwnedManagedIdentity | undefined {
  if (raw.trim() === '' || raw === '\ufeff') return undefined;
  const loc = locate(parsePolicy(raw), undefined, undefined, opts);
  const owned = loc.own.owned;
  if (!owned) return undefined;
  const el = owned.el;
  const cid = attr(el, 'client-id');
  const resolvedCid = cid ? resolveAttribute(cid, opts.namedValues) : undefined;
  const out: OwnedManagedIdentity = {
    line: lineAt(loc.parsed.raw, el),
    resourceStatus: owned.judged.status as Exclude<ResourceStatus, 'other'>,
    afterBase: !(loc.base && el.start < loc.base.start)
  };
  const res = attr(el, 'resource');
  if (res) out.resource = res.value;
  if (owned.judged.why) out.why = owned.judged.why;
  if (cid) out.clientId = cid.value;
  if (resolvedCid?.value !== undefined && resolvedCid.value !== '') out.clientIdResolved = resolvedCid.value;
  else if (resolvedCid?.why) out.clientIdUnresolved = resolvedCid.why;
  const ignore = attr(el, 'ignore-error');
  if (ignore) out.ignoreError = ignore.value;
  if (loc.own.carrier) out.tokenVariable = attr(el, 'output-token-variable-name')!.value;
  return out;
}

/**
 * Text spans of the elements of `raw` that this action owns, by purpose — for an independent last-line write guard
 * that checks every byte outside them is unchanged. Pure.
 *
 * Input: `raw`, an API policy in rawxml (the text as read from or about to be written to ARM); `opts.acceptableResources`
 * (the Function's app: client ID, App ID URI(s) / token-resource), `opts.namedValues` (display name → value,
 * `undefined` when unresolved; src/named-values.ts), `opts.keyHeader` / `opts.keyQuery` (the API's
 * `subscriptionKeyParameterNames`; defaults `Ocp-Apim-Subscription-Key` / `subscription-key`, compared
 * case-insensitively).
 * Output: `{start, end}` UTF-16 offsets into `raw` (`raw.slice(start, end)` is the element from its `<` to the end of
 * its end tag or `/>`), sorted by `start`, non-overlapping:
 * - the owned `<authentication-managed-identity>` (see {@link ownedManagedIdentity}; at most one);
 * - every direct `<set-header name="<keyHeader>" exists-action="delete">` child of `<inbound>`;
 * - every direct `<set-query-parameter name="<keyQuery>" exists-action="delete">` child of `<inbound>`.
 * Empty for empty text, a root other than `<policies>` or no `<inbound>`. The merge also adds or removes the line
 * break and indentation next to an owned element it inserts or moves (layout only); the carrier Authorization
 * set-header of the "carrier" form is the user's, not a span.
 * Throws PolicyParseError when the text cannot be tokenized or is not well-formed outside expressions; Error when
 * `keyHeader` / `keyQuery` is not a valid name (as mergePolicy does).
 */
export function ownedElementSpans(
  raw: string,
  opts: {
    acceptableResources: string[];
    /** A `Map` as resolveNamedValues returns it (any ReadonlyMap is accepted). */
    namedValues?: ReadonlyMap<string, string | undefined>;
    keyHeader?: string;
    keyQuery?: string;
    /** Optional, as in {@link OwnershipOptions}: the app's object IDs (a known wrong form of the owned element). */
    appObjectIds?: string[];
  }
): { start: number; end: number }[] {
  keyOf(opts.keyHeader);
  queryOf(opts.keyQuery);
  if (raw.trim() === '' || raw === '\ufeff') return [];
  const loc = locate(parsePolicy(raw), opts.keyHeader, opts.keyQuery, opts);
  if (loc.parsed.root.name !== 'policies' || !loc.inbound) return [];
  const els = elementChildren(loc.inbound).filter(
    (e) => e === loc.own.owned?.el || isKeyDelete(e, loc.key) || isQueryDelete(e, loc.query)
  );
  return els.map((e) => ({ start: e.start, end: e.end })).sort((a, b) => a.start - b.start);
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

function authTag(resource: string, close: string): string {
  return `<${AUTH} resource="${escapeAttr(resource)}"${close}`;
}

/** The owned delete of the subscription-key header `keyName` (an HTTP token: nothing to escape). */
function keyTag(keyName: string, close: string): string {
  return `<set-header name="${keyName}" exists-action="delete"${close}`;
}

/** The owned delete of the subscription-key query parameter `queryName` (escaped: `'` may occur). */
function queryTag(queryName: string, close: string): string {
  return `<set-query-parameter name="${escapeAttr(queryName)}" exists-action="delete"${close}`;
}

/** A brand-new API policy document holding the owned elements (4-space indentation, LF, as APIM stores it). */
function newDocument(resource: string, keyName: string, queryName: string): string {
  return [
    '<policies>',
    '    <inbound>',
    '        <base />',
    `        ${authTag(resource, ' />')}`,
    `        ${keyTag(keyName, ' />')}`,
    `        ${queryTag(queryName, ' />')}`,
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
function indentBefore(raw: string, at: number): string | undefined {
  let i = at;
  while (i > 0 && (raw[i - 1] === ' ' || raw[i - 1] === '\t')) i--;
  if (i === 0 || raw[i - 1] === '\n' || raw[i - 1] === '\r') return raw.slice(i, at);
  return undefined;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Ensures the three owned elements in `<inbound>` of an API policy (rawxml in, rawxml out).
 *
 * - `raw` undefined, '' or only whitespace → a new document (`<policies>` with `<base />` in every section and the
 *   three owned elements after the inbound `<base />`).
 * - No change needed → `text === raw` (the same string) and `changes` empty.
 * - `desired.keyHeader` is the API's subscription-key header (`properties.subscriptionKeyParameterNames.header`,
 *   default `Ocp-Apim-Subscription-Key`; see {@link KeyHeaderOption}): the owned delete is
 *   `<set-header name="<keyHeader>" exists-action="delete"/>`. A delete of another header (e.g. an earlier
 *   `Ocp-Apim-Subscription-Key` one after the API renamed its header) is the user's and is kept.
 * - `desired.keyQuery` is the API's subscription-key query parameter (`subscriptionKeyParameterNames.query`, default
 *   `subscription-key`): the owned `<set-query-parameter name="<keyQuery>" exists-action="delete"/>` goes right after
 *   the header delete (with it when both are new, else after the last direct header delete); an existing one
 *   (any case, anywhere among the direct children of `<inbound>`) is kept byte for byte.
 * - Change paths: `policy.authentication-managed-identity` (added: before null, after `resource`),
 *   `policy.resource` (before → after), `policy.set-header[<keyHeader>]` (e.g. `policy.set-header[X-Api-Key]`;
 *   added: before null, after 'delete'), `policy.set-query-parameter[<keyQuery>]` (e.g.
 *   `policy.set-query-parameter[subscription-key]`; added: before null, after 'delete'),
 *   `policy.authentication-managed-identity.position` (before 'before-base' →
 *   after 'after-base').
 * - The owned `<authentication-managed-identity>` is chosen by purpose (`desired.acceptableResources` — always with
 *   `desired.resource` —, `desired.namedValues`, `desired.appObjectIds`; see {@link OwnershipOptions}). An owned
 *   element whose `resource` is acceptable (also through a `{{named value}}`, GUIDs in any case) is in sync and never
 *   rewritten; one in a known wrong form (`api://<client ID>`, the app's object ID, no `resource`, …) gets its
 *   `resource` (only) set to `desired.resource`; one that cannot be judged (an expression, an unresolved named value)
 *   is kept as written with a warning. `client-id`, `ignore-error` are kept and produce warnings. Without an owned
 *   element one is added. Every other managed-identity element — another resource, a token kept in a variable,
 *   nested ones (`<choose>`, `<send-request>`), ones outside `<inbound>` — is left byte for byte (with a warning).
 * - Elements that would undo the owned ones (a later subscription-key set-header or set-query-parameter, a later Authorization
 *   set-header / authentication-basic — in `<backend>` too —, another direct managed-identity element that sets the
 *   Authorization header after the owned one, `output-token-variable-name` on the element that would be the owned
 *   one, the key copied by an expression into what goes to the Function)
 *   are returned in `conflicts` (see {@link PolicyConflict}; the text is still merged; the caller must not write it).
 *   Nested `<inbound>` ones of the first two kinds (outside side requests) after the owned elements give warnings;
 *   so do a `set-header` with an expression as its name and an `<include-fragment>` after the owned elements or in
 *   `<backend>` (they cannot be checked). New elements go right after `<base />` (or first in `<inbound>` when there is none), matching the
 *   surrounding indentation, line endings and `<x />` / `<x/>` style. An element found before `<base />` is moved
 *   after it. A self-closing `<inbound/>` is expanded. `<base />` is never added to an existing document.
 * - Attribute values are escaped (`&`, `<`, `>`, quotes, line breaks), so a hostile `resource` cannot break the document.
 *
 * Throws PolicyParseError (nothing to write) when the text cannot be tokenized or is not well-formed outside
 * expressions; PolicyNotManagedError (a PolicyParseError) when the root is not `<policies>` (e.g. a policy
 * fragment: fragments are not managed) or `<policies>` has no `<inbound>` (adding one would change which
 * parent-scope policies run). Messages say what is wrong, where (line) and how to fix it. Throws Error when `desired.resource` is blank, starts with `@` (APIM would read it as an expression) or holds a
 * character XML cannot carry, or when `desired.keyHeader` is not an HTTP header name or `desired.keyQuery` not a
 * query parameter name.
 */
export function mergePolicy(
  raw: string | undefined,
  desired: { resource: string } & KeyHeaderOption & OwnershipOptions
): MergeResult {
  const resource = desired.resource;
  if (resource.trim() === '' || resource.startsWith('@') || NOT_XML_CHAR.test(resource)) {
    throw new Error(`invalid policy resource ${JSON.stringify(resource)}: expected an app (client) ID or App ID URI`);
  }
  keyOf(desired.keyHeader);
  queryOf(desired.keyQuery);
  const keyName = (desired.keyHeader ?? DEFAULT_KEY_HEADER).trim();
  const keyPath = `policy.set-header[${keyName}]`;
  const queryName = (desired.keyQuery ?? DEFAULT_KEY_QUERY).trim();
  const queryPath = `policy.set-query-parameter[${queryName}]`;
  if (raw === undefined || raw.trim() === '' || raw === '\ufeff') {
    return {
      text: newDocument(resource, keyName, queryName),
      changes: [
        { path: 'policy.authentication-managed-identity', before: null, after: resource },
        { path: keyPath, before: null, after: 'delete' },
        { path: queryPath, before: null, after: 'delete' }
      ],
      warnings: [],
      conflicts: []
    };
  }
  const loc = locate(parsePolicy(raw), desired.keyHeader, desired.keyQuery, desired, [resource]);
  const { parsed, inbound, base, key } = loc;
  if (parsed.root.name !== 'policies') {
    const l = lineOf(raw, parsed.root.start);
    throw new PolicyNotManagedError(
      `policy root is <${parsed.root.name}> (line ${l}), not <policies>: policy fragments and other documents are ` +
        'not managed by this action. An API policy is a <policies> document (a fragment is used from one with ' +
        '<include-fragment>): replace the API policy with one, or remove this API from api-ids, and re-run',
      l,
      1
    );
  }
  if (!inbound) {
    const l = lineOf(raw, parsed.root.start);
    throw new PolicyNotManagedError(
      `policy has no <inbound> section (<policies> at line ${l}): the managed-identity elements belong there, and ` +
        'adding the section here would change which parent-scope policies run. Add "<inbound><base /></inbound>" ' +
        'to the API policy (APIM portal → API → Policy editor) and re-run',
      l,
      1
    );
  }
  const ins = inspectParsed(loc);
  const guards = guardFindings(loc, inbound);
  const warnings: string[] = [...guards.nestedWarnings];
  const changes: MergeResult['changes'] = [];
  const splices: Splice[] = [];

  const direct = elementChildren(inbound);
  const nl = raw.includes('\r\n') ? '\r\n' : '\n';
  const close = base && /\s\/>$/.test(raw.slice(base.start, base.end)) ? ' />' : base ? '/>' : ' />';

  for (const m of ins.managedIdentity.filter((x) => !x.direct)) {
    warnings.push(
      `a nested <${AUTH}${m.resource !== undefined ? ` resource="${m.resource}"` : ''}> inside <inbound> was left unchanged (it is conditional or belongs to send-request)`
    );
  }
  for (const p of ins.elsewhere) warnings.push(`<${AUTH}> at ${p} is outside <inbound> and was left unchanged`);
  // A second direct element that sets the Authorization header after the owned one is a conflict
  // (ins.conflicts); the other direct ones are the user's and are only mentioned.
  for (const d of loc.own.direct) {
    if (d === loc.own.owned || d === loc.own.wouldBe) continue;
    const res = attr(d.el, 'resource');
    const shown = res ? (res.expression ? 'an expression' : `"${res.value}"`) : 'none';
    const kind = d.hasVar ? 'keeps its token in a variable' : 'sends a token for another resource';
    if (d.hasVar || (d.judged.status !== 'acceptable' && d.judged.status !== 'wrong-form')) {
      warnings.push(
        `a direct <${AUTH}> at line ${lineAt(raw, d.el)} (resource ${shown}) ${kind}: it is not the Function's ` +
          'token and was left unchanged'
      );
    }
  }

  const owned = loc.own.owned;
  const auth = owned?.el;
  let authBlock = ''; // owned elements to insert after <base /> (or first in <inbound>), without leading whitespace
  let insertAfterAuth: ElementNode | undefined;
  if (owned && auth) {
    const res = attr(auth, 'resource');
    const authSplices: Splice[] = [];
    if (owned.judged.status === 'wrong-form') {
      if (res) authSplices.push({ start: res.valueStart, end: res.valueEnd, text: escapeAttr(resource) });
      else {
        const at = raw[auth.openEnd - 2] === '/' ? auth.openEnd - 2 : auth.openEnd - 1;
        authSplices.push({ start: at, end: at, text: ` resource="${escapeAttr(resource)}"` });
      }
      changes.push({ path: 'policy.resource', before: res?.value ?? null, after: resource });
      if (res && !res.expression && /\{\{[^{}]*\}\}/.test(res.value)) {
        warnings.push(
          `<${AUTH}> at line ${lineAt(raw, auth)}: resource="${res.value}" was replaced by "${resource}" because ` +
            `${owned.judged.why ?? 'it is a wrong form of the Function app'}; the named value itself is unchanged`
        );
      }
    } else if (owned.judged.status === 'unknown') {
      warnings.push(
        `<${AUTH}> at line ${lineAt(raw, auth)}: resource ${res?.expression ? 'is an expression' : `"${res?.value ?? ''}"`} ` +
          `cannot be checked (${owned.judged.why ?? 'unknown'}), so it was left as written: make sure it is the ` +
          `Function's app (${resource})`
      );
    }
    const clientId = attr(auth, 'client-id');
    if (clientId) {
      warnings.push(
        `<${AUTH}> keeps client-id="${clientId.value}": it selects a user-assigned identity, not APIM's system-assigned one`
      );
    }
    const ignore = attr(auth, 'ignore-error');
    if (ignore) warnings.push(`<${AUTH}> keeps ignore-error="${ignore.value}"`);
    // output-token-variable-name is a conflict (ins.conflicts): APIM does not set the Authorization header.
    if (base && auth.start < base.start) {
      // move: cut the element (with its own line when it stands alone on it), re-insert after <base />
      splices.push(cutRange(raw, auth));
      authBlock = applySplices(raw, authSplices).slice(auth.start, auth.end + delta(authSplices));
      changes.push({
        path: 'policy.authentication-managed-identity.position',
        before: 'before-base',
        after: 'after-base'
      });
    } else {
      insertAfterAuth = auth;
      splices.push(...authSplices);
    }
  } else {
    authBlock = authTag(resource, close);
    changes.push({ path: 'policy.authentication-managed-identity', before: null, after: resource });
  }

  if (!ins.deletesSubscriptionKey) {
    // Only the ones before where the delete goes: later ones are conflicts (ins.conflicts).
    for (const e of direct.filter((x) => x.name === 'set-header' && x.start < guards.anchors.key)) {
      if (headerName(e) === key) {
        warnings.push(
          `<inbound> already sets ${keyName} (exists-action="${attr(e, 'exists-action')?.value ?? ''}"); a delete was added after it`
        );
      }
    }
    changes.push({ path: keyPath, before: null, after: 'delete' });
  }
  const needKey = !ins.deletesSubscriptionKey;
  if (!ins.deletesSubscriptionKeyQuery) changes.push({ path: queryPath, before: null, after: 'delete' });
  const needQuery = !ins.deletesSubscriptionKeyQuery;

  const conflicts = ins.conflicts;
  if (changes.length === 0) return { text: raw, changes, warnings, conflicts };

  // The query delete goes right after the header delete: with it when both are new, else after the last direct one.
  const keyItems = [needKey ? keyTag(keyName, close) : '', needKey && needQuery ? queryTag(queryName, close) : ''];
  if (authBlock) {
    const items = [authBlock, ...keyItems].filter((s) => s !== '');
    splices.push(insertion(raw, inbound, base, items, nl));
  } else if (needKey && insertAfterAuth) {
    const ind = indentBefore(raw, insertAfterAuth.start);
    const items = keyItems.filter((s) => s !== '');
    splices.push({
      start: insertAfterAuth.end,
      end: insertAfterAuth.end,
      text: ind !== undefined ? items.map((t) => `${nl}${ind}${t}`).join('') : items.join('')
    });
  }
  if (needQuery && !needKey) {
    const keyDeletes = direct.filter((e) => isKeyDelete(e, key));
    const after = keyDeletes[keyDeletes.length - 1];
    const ind = indentBefore(raw, after.start);
    splices.push({
      start: after.end,
      end: after.end,
      text: ind !== undefined ? `${nl}${ind}${queryTag(queryName, close)}` : queryTag(queryName, close)
    });
  }
  return { text: applySplices(raw, splices), changes, warnings, conflicts };
}

function lineOf(raw: string, at: number): number {
  return raw.slice(0, at).split(/\r\n|\r|\n/).length;
}

/** Length change of the text after applying `splices`. */
function delta(splices: Splice[]): number {
  return splices.reduce((d, s) => d + s.text.length - (s.end - s.start), 0);
}

/** The range to delete when moving `el`: its whole line (with the preceding line break) when it stands alone on it. */
function cutRange(raw: string, el: ElementNode): Splice {
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

/** Inserts `items` after `<base />`, or first in `<inbound>`, in the surrounding layout. */
function insertion(
  raw: string,
  inbound: ElementNode,
  base: ElementNode | undefined,
  items: string[],
  nl: string
): Splice {
  if (base) {
    const ind = indentBefore(raw, base.start);
    return {
      start: base.end,
      end: base.end,
      text: ind !== undefined ? items.map((t) => `${nl}${ind}${t}`).join('') : items.join('')
    };
  }
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

/** One indentation step: the difference between <inbound>'s indentation and its parent's, else 4 spaces (tab if the document indents with tabs). */
function guessUnit(raw: string, inbound: ElementNode, inboundInd: string | undefined): string {
  const parentInd = inbound.parent ? indentBefore(raw, inbound.parent.start) : undefined;
  if (inboundInd !== undefined && parentInd !== undefined && inboundInd.startsWith(parentInd)) {
    const unit = inboundInd.slice(parentInd.length);
    if (unit !== '') return unit;
  }
  return inboundInd?.includes('\t') ? '\t' : '    ';
}

function applySplices(raw: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = raw;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}
