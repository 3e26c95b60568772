/**
 * Reading an API policy (rawxml text; expressions need not be well-formed XML): what it holds, which elements are
 * owned, and where. Pure module. The owned elements and their sources are described in ./merge.ts.
 */
import { lineAt } from './errors.js';
import { locate, ownedChildren, type Located } from './anchors.js';
import { guardFindings, type PolicyConflict } from './guards.js';
import { resolveAttribute, type OwnershipOptions, type ResourceStatus } from './ownership.js';
import { authoredName, AUTH, deletesKey, existsAction } from './predicates.js';
import { subscriptionKeys, type KeyHeaderOption, type KeyKind, type SubscriptionKey } from './subscription-key.js';
import { attr, descendants, elementChildren, parsePolicy, pathOf, type ElementNode } from './tree.js';

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

/** Empty text, only whitespace, or only a BOM: no policy at all. */
export function isBlankPolicy(raw: string): boolean {
  return raw.trim() === '' || raw === '\ufeff';
}

function describeManagedIdentity(
  el: ElementNode,
  direct: boolean,
  base: ElementNode | undefined
): ManagedIdentityElement {
  return {
    resource: attr(el, 'resource')?.value,
    clientId: attr(el, 'client-id')?.value,
    ignoreError: attr(el, 'ignore-error')?.value,
    outputTokenVariableName: attr(el, 'output-token-variable-name')?.value,
    direct,
    position: !base ? 'no-base' : el.start >= base.end ? 'after' : 'before'
  };
}

/** A direct delete of `kind`'s key in `<inbound>`. */
function deletesOwnedKey(loc: Located, kind: KeyKind): boolean {
  return loc.inbound ? elementChildren(loc.inbound).some((e) => deletesKey(e, loc.keys[kind])) : false;
}

/** Literal names (as authored, trimmed, valid for the kind) of every direct delete of `key`'s kind in `<inbound>`. */
function deletedNames(inbound: ElementNode | undefined, key: SubscriptionKey): string[] {
  if (!inbound) return [];
  return elementChildren(inbound)
    .filter((e) => e.name === key.element && existsAction(e) === 'delete')
    .map(authoredName)
    .filter((n) => key.token.test(n));
}

/**
 * {@link PolicyInspection} of a located document. `conflicts`: the guard findings' conflicts when the caller has
 * them (mergePolicy computes them once), else computed here.
 */
export function inspectLocated(loc: Located, conflicts?: PolicyConflict[]): PolicyInspection {
  const { parsed, inbound, base } = loc;
  const managedIdentity: ManagedIdentityElement[] = [];
  const inInbound = new Set<ElementNode>();
  if (inbound) {
    const direct = new Set(elementChildren(inbound));
    for (const el of descendants(inbound)) {
      if (el.name !== AUTH) continue;
      inInbound.add(el);
      managedIdentity.push(describeManagedIdentity(el, direct.has(el), base));
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
    deletesSubscriptionKey: deletesOwnedKey(loc, 'header'),
    deletedHeaders: deletedNames(inbound, loc.keys.header),
    deletesSubscriptionKeyQuery: deletesOwnedKey(loc, 'query'),
    deletedQueryParameters: deletedNames(inbound, loc.keys.query),
    elsewhere,
    conflicts: conflicts ?? (inbound ? guardFindings(loc, inbound).conflicts : [])
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
  const parsed = parsePolicy(raw);
  return inspectLocated(locate(parsed, subscriptionKeys(opts), opts));
}

/** Whether the owned managed-identity element runs after `<base />` (or `<inbound>` has no `<base />`). */
const afterBase = (loc: Located, el: ElementNode): boolean => !(loc.base && el.start < loc.base.start);

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
 * Throws PolicyParseError like {@link inspectPolicy}; Error when `opts.keyHeader` is not an HTTP header name (or
 * `opts.keyQuery` not a query parameter name), checked first, even for empty text.
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
  const keys = subscriptionKeys(opts);
  if (isBlankPolicy(raw))
    return {
      authPresent: false,
      authAfterBase: false,
      deletesSubscriptionKey: false,
      deletesSubscriptionKeyQuery: false
    };
  const loc = locate(parsePolicy(raw), keys, opts);
  const auth = loc.own.owned?.el;
  const resource = auth ? attr(auth, 'resource')?.value : undefined;
  return {
    ...(resource !== undefined ? { resource } : {}),
    authPresent: auth !== undefined,
    authAfterBase: auth !== undefined && afterBase(loc, auth),
    deletesSubscriptionKey: deletesOwnedKey(loc, 'header'),
    deletesSubscriptionKeyQuery: deletesOwnedKey(loc, 'query')
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
  if (isBlankPolicy(raw)) return undefined;
  const loc = locate(parsePolicy(raw), subscriptionKeys({}), opts);
  const owned = loc.own.owned;
  if (!owned) return undefined;
  const el = owned.el;
  const cid = attr(el, 'client-id');
  const resolvedCid = cid ? resolveAttribute(cid, opts.namedValues) : undefined;
  const out: OwnedManagedIdentity = {
    line: lineAt(loc.parsed.raw, el),
    resourceStatus: owned.judged.status as Exclude<ResourceStatus, 'other'>,
    afterBase: afterBase(loc, el)
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
  const keys = subscriptionKeys(opts);
  if (isBlankPolicy(raw)) return [];
  const loc = locate(parsePolicy(raw), keys, opts);
  if (loc.parsed.root.name !== 'policies' || !loc.inbound) return [];
  return ownedChildren(loc)
    .map((e) => ({ start: e.start, end: e.end }))
    .sort((a, b) => a.start - b.start);
}
