/**
 * Ownership by purpose: which `<authentication-managed-identity>` of an API policy is the one this action owns.
 * Pure module (no @actions/*, no network).
 *
 * The owned element is the one that sends APIM's token for the Function: a direct child of `<inbound>`, without
 * `output-token-variable-name` (with it, APIM "stores the token in the variable" instead of setting the
 * Authorization header — Learn: "Authenticate with managed identity" policy reference,
 * https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy), whose `resource` is the
 * Function's app. Any other managed-identity element (Azure OpenAI, Key Vault, Storage, ARM, a token kept in a
 * variable, one inside `<send-request>`) is the user's and is never edited.
 *
 * `resource` / `client-id` may hold named-value references (`{{name}}`, whole or partial attribute values): APIM
 * substitutes them before the policy runs (Learn: "Use named values in Azure API Management policies",
 * https://learn.microsoft.com/azure/api-management/api-management-howto-properties; DESIGN §3). The caller resolves
 * them (src/named-values.ts) and hands in a map name → value (`undefined`: unknown or unreadable, e.g. a Key
 * Vault-backed one); values are judged after substitution and are never put into messages (they may be secrets).
 */
import { AUTH, carriesToken, inSideRequest, writesVariable } from './predicates.js';
import { attr, descendants, elementChildren, type AttrNode, type ElementNode, type ParsedPolicy } from './tree.js';

/**
 * How the owned element is recognised. Shared by inspectPolicy, ownedState, ownedManagedIdentity,
 * ownedElementSpans, mergePolicy and canonicalPolicy.
 */
export interface OwnershipOptions {
  /**
   * The `resource` values that are the Function's app: its client ID, its App ID URI(s) / token-resource. GUIDs are
   * compared case-insensitively (Entra reads them so), everything else exactly (after trimming). Omitted →
   * "by position": every resolvable `resource` counts as the Function's (the behaviour before ownership by purpose;
   * what inspectPolicy/ownedState do for callers that do not know the app). mergePolicy always adds its
   * `desired.resource`.
   */
  acceptableResources?: string[];
  /**
   * Named values by display name (what `{{…}}` refers to), as src/named-values.ts resolveNamedValues returns them:
   * a string is the value; `undefined` (or no entry) means unknown/unreadable, so an attribute using it cannot be
   * judged (it is never rewritten, and never refused for that alone).
   */
  namedValues?: ReadonlyMap<string, string | undefined>;
  /**
   * Object IDs of the Function's app registration / service principal, when known: a `resource` equal to one of
   * them (or `api://<it>`) is a known wrong form of the owned element (field case C01), rewritten to the desired one.
   */
  appObjectIds?: string[];
}

/**
 * - `acceptable`: resolves to one of the acceptable resources (in sync; never rewritten).
 * - `wrong-form`: a known wrong form of the Function's app (missing `resource`, `api://<clientId>` when that URI is
 *   not acceptable, the app's object ID, a trailing-slash or case variant of an acceptable App ID URI): the owned
 *   element, its `resource` rewritten.
 * - `unknown`: cannot be judged (an expression, a named value that is unknown/unresolved or holds an expression).
 * - `other`: another resource (Azure OpenAI, Key Vault, another app, …).
 */
export type ResourceStatus = 'acceptable' | 'wrong-form' | 'unknown' | 'other';

export interface ResourceJudgement {
  status: ResourceStatus;
  /** Why (for wrong-form / unknown), in words that never contain a resolved named value. */
  why?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REF = /\{\{([^{}]*)\}\}/g;

/** True when `s` is a GUID (8-4-4-4-12 hex). */
export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** The names referenced as `{{name}}` in `value`, in order (duplicates kept). */
export function referencedNames(value: string): string[] {
  return [...value.matchAll(REF)].map((m) => m[1]);
}

/**
 * `value` with every `{{name}}` replaced from `namedValues`. `unresolved` lists the names that have no string value
 * (absent from the map, or mapped to undefined); `value` is then undefined.
 */
export function substituteNamedValues(
  value: string,
  namedValues: ReadonlyMap<string, string | undefined> | undefined
): { value?: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const out = value.replace(REF, (whole, name: string) => {
    const v = namedValues?.get(name);
    if (typeof v !== 'string') {
      unresolved.push(name);
      return whole;
    }
    return v;
  });
  return unresolved.length > 0 ? { unresolved } : { value: out, unresolved };
}

/**
 * The value of an attribute as APIM would use it: expressions and unresolved named values → `value` undefined with
 * `why`. A named value whose value is itself an expression (Learn: named values "can contain policy expressions")
 * or still holds `{{` cannot be judged either.
 */
export function resolveAttribute(
  a: AttrNode,
  namedValues: ReadonlyMap<string, string | undefined> | undefined
): { value?: string; why?: string; usesNamedValues: boolean } {
  if (a.expression) return { why: 'it is a policy expression', usesNamedValues: false };
  const names = referencedNames(a.value);
  if (names.length === 0) return { value: a.value.trim(), usesNamedValues: false };
  const r = substituteNamedValues(a.value, namedValues);
  if (r.value === undefined) {
    const list = [...new Set(r.unresolved)].map((n) => `{{${n}}}`).join(', ');
    return {
      why: `named value ${list} could not be resolved (unknown, or a Key Vault-backed or secret value that could not be read)`,
      usesNamedValues: true
    };
  }
  const v = r.value.trim();
  if (/^@[({]/.test(v) || v.includes('{{')) {
    return { why: 'its named value holds a policy expression or another reference', usesNamedValues: true };
  }
  return { value: v, usesNamedValues: true };
}

const sameResource = (a: string, b: string): boolean =>
  isGuid(a) && isGuid(b) ? a.toLowerCase() === b.toLowerCase() : a === b;

/**
 * Judges a `resource` attribute (undefined: the attribute is missing) against `opts` (see {@link ResourceStatus}).
 * `extraAcceptable` is added to `opts.acceptableResources` (mergePolicy's desired resource); when both are empty or
 * `opts.acceptableResources` is undefined and `extraAcceptable` is empty, every resolvable value is acceptable
 * ("by position").
 */
export function judgeResource(
  a: AttrNode | undefined,
  opts: OwnershipOptions,
  extraAcceptable: string[] = []
): ResourceJudgement {
  if (!a) return { status: 'wrong-form', why: 'it has no resource attribute' };
  const byPosition = opts.acceptableResources === undefined && extraAcceptable.length === 0;
  const acceptable = [...(opts.acceptableResources ?? []), ...extraAcceptable]
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // The very text of an acceptable value (e.g. a desired `{{name}}` reference) is acceptable as written.
  if (!a.expression && acceptable.includes(a.value.trim())) return { status: 'acceptable' };
  const r = resolveAttribute(a, opts.namedValues);
  if (r.value === undefined) return { status: 'unknown', why: r.why };
  if (byPosition) return { status: 'acceptable' };
  const v = r.value;
  const via = r.usesNamedValues ? ' (through its named value)' : '';
  if (acceptable.some((x) => sameResource(x, v))) return { status: 'acceptable' };
  const objectIds = (opts.appObjectIds ?? []).map((s) => s.trim()).filter(isGuid);
  const guids = acceptable.filter(isGuid);
  const uri = /^api:\/\/([^/]+)\/?$/i.exec(v);
  if (isGuid(v) && objectIds.some((o) => sameResource(o, v))) {
    return { status: 'wrong-form', why: `it is the app's object ID${via}, never a valid resource (C01)` };
  }
  if (uri && isGuid(uri[1])) {
    if (guids.some((g) => sameResource(g, uri[1]))) {
      return { status: 'wrong-form', why: `it is api://<client ID>${via}, which is not the configured resource (C01)` };
    }
    if (objectIds.some((o) => sameResource(o, uri[1]))) {
      return { status: 'wrong-form', why: `it is api://<object ID>${via}, never a valid resource (C01)` };
    }
  }
  const trimSlash = (s: string) => s.replace(/\/+$/, '');
  if (acceptable.some((x) => !isGuid(x) && trimSlash(x).toLowerCase() === trimSlash(v).toLowerCase())) {
    return {
      status: 'wrong-form',
      why: `it differs from the configured App ID URI only in case or a trailing slash${via}`
    };
  }
  return { status: 'other' };
}

/** True for the statuses that claim the Function's app (the owned element, or a duplicate of it). */
export const claimsFunction = (s: ResourceStatus): boolean => s === 'acceptable' || s === 'wrong-form';

/** One direct `<authentication-managed-identity>` of `<inbound>` with what its attributes say. */
export interface DirectAuth {
  el: ElementNode;
  /** It has `output-token-variable-name`: APIM keeps the token in that variable, not in Authorization. */
  hasVar: boolean;
  judged: ResourceJudgement;
}

/**
 * The owned managed-identity element by purpose:
 * 1. a direct element without `output-token-variable-name` whose `resource` is acceptable; else such a one in a
 *    known wrong form; else such a one that cannot be judged (it sets the Authorization header; it is kept as written
 *    and warned about). Within each, the first one after `<base />` (where the owned element belongs), else the
 *    first one;
 * 2. else ("carrier" form) the first direct element with `output-token-variable-name` whose resource is the
 *    Function's app (acceptable or wrong form) and whose variable a later Authorization set-header reads (direct in
 *    `<inbound>` after the element and after `<base />`, or in `<backend>`) and which no other element writes (another
 *    token, a set-variable, a send-request answer: the set-header might then send that);
 * 3. else none: the action adds its own. Any other element with `output-token-variable-name` — also one for the
 *    Function's app whose token no Authorization set-header carries — is a lookup (APIM "stores the token in the
 *    variable" and sets no header: authentication-managed-identity policy reference), not what authenticates the call
 *    to the Function: it is the user's, kept byte for byte, and the owned element is added next to it.
 */
export interface Ownership {
  opts: OwnershipOptions;
  /** Resources acceptable beyond opts.acceptableResources (mergePolicy's desired resource). */
  extra: string[];
  direct: DirectAuth[];
  owned?: DirectAuth;
  /** The later Authorization set-header that carries the owned element's token variable (carrier form). */
  carrier?: ElementNode;
}

/**
 * Which direct `<authentication-managed-identity>` of `inbound` is owned (see {@link Ownership}); `backend` is
 * `<policies>/<backend>` (where a carrier set-header may also stand). No `inbound` → nothing owned. Never throws.
 */
export function ownershipOf(
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
  // Within a status, one that already runs after <base /> (and so stays where it is) is preferred: the merge moves
  // an owned element found before <base /> after it, and the next merge must find the same one (idempotence).
  const base = direct.find((e) => e.name === 'base');
  const afterBase = (d: DirectAuth) => !base || d.el.start > base.start;
  const varless = own.direct.filter((d) => !d.hasVar);
  const pick = (status: ResourceStatus): DirectAuth | undefined => {
    const all = varless.filter((d) => d.judged.status === status);
    return all.find(afterBase) ?? all[0];
  };
  own.owned = pick('acceptable') ?? pick('wrong-form') ?? pick('unknown');
  if (own.owned) return own;
  const inBackend = backend ? descendants(backend).filter((e) => !inSideRequest(e)) : [];
  const withVar = own.direct.filter((x) => x.hasVar && claimsFunction(x.judged.status));
  // after-<base /> ones first (idempotence, as above)
  const everyElement = [parsed.root, ...descendants(parsed.root)];
  for (const d of [...withVar.filter(afterBase), ...withVar.filter((x) => !afterBase(x))]) {
    const name = attr(d.el, 'output-token-variable-name')!.value;
    // A variable something else also writes (another token, a set-variable) may not hold the Function's token when
    // the set-header reads it: no carrier then (the set-header is judged as the Authorization replacement it may be).
    if (everyElement.some((e) => e !== d.el && writesVariable(e, name))) continue;
    // The carrier must run after <base /> too (where the owned element belongs): one before it would be left behind
    // when the element is moved after <base />, reading a variable that is not set yet.
    const after = Math.max(d.el.start, base ? base.start : -1);
    const carrier = [...direct.filter((e) => e.start > after), ...inBackend].find((e) =>
      carriesToken(parsed.raw, e, name)
    );
    if (carrier) {
      own.owned = d;
      own.carrier = carrier;
      return own;
    }
  }
  return own;
}
