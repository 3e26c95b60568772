/**
 * The last line of defence before every write (pure), independent of the planners and the policy merge: the final
 * outgoing body is compared with the fresh read it was merged into, outside the paths the action owns. Any
 * difference stops that write and names the paths (or policy bytes) that differ. A bug anywhere upstream — a merge
 * that drops a provider, a splice that touches the user's element, a PATCH that narrows the identity — becomes a
 * refused write instead of lost user data.
 *
 * Sources for what is owned: README "What it owns"; Easy Auth PUT replaces the whole document
 * (REST WebApps_UpdateAuthSettingsV2); the APIM identity PATCH replaces `identity` (REST ApiManagementService_Update:
 * user-assigned identities not listed are removed); the policy PUT replaces the document (REST ApiPolicy_CreateOrUpdate).
 */
import { deepEqual, getPath, isPlainObject, isUnder, leaves, pathToString } from './json-path.js';
import { attr, elementChildren, parsePolicy, type ElementNode } from './policy/tree.js';

/** Segments of an owned dotted path (relative to `properties`). */
const segs = (p: string) => p.split('.');

/**
 * Easy Auth: every JSON leaf of `fresh.properties` outside `ownedPaths` must be in `outgoing.properties` with the
 * same value, and `outgoing.properties` must add no leaf outside them (arrays and empty objects are leaves).
 * `ownedPaths` are dotted paths relative to `properties` (EASY_AUTH_PATHS values). Returns the differing paths
 * (`properties.<path>`), empty when the write may go.
 */
export function guardEasyAuthWrite(fresh: unknown, outgoing: unknown, ownedPaths: readonly string[]): string[] {
  const owned = ownedPaths.map(segs);
  const outside = (p: string[]) => !owned.some((o) => isUnder(p, o));
  const before = getPath(fresh, 'properties');
  const after = getPath(outgoing, 'properties');
  if (!isPlainObject(after)) return ['properties (missing from the outgoing body)'];
  const differs = new Set<string>();
  for (const [p, v] of isPlainObject(before) ? leaves(before) : []) {
    // An empty object that now holds owned paths (e.g. `identityProviders: {}` gaining azureActiveDirectory) is kept:
    // whatever else it holds is checked by the second loop.
    const grown = isPlainObject(v) && isPlainObject(getPath(after, p));
    if (outside(p) && !grown && !deepEqual(getPath(after, p), v)) differs.add(`properties.${pathToString(p)}`);
  }
  for (const [p, v] of leaves(after)) {
    if (outside(p) && !deepEqual(getPath(before, p), v)) differs.add(`properties.${pathToString(p)}`);
  }
  return [...differs];
}

/**
 * APIM identity PATCH: the type is never narrowed (a type that had `UserAssigned` keeps it; one that had
 * `SystemAssigned` keeps it) and every user-assigned identity key of the fresh read is in the body
 * (case-insensitively). `fresh` is the service body as read; `outgoing` the PATCH body `{identity:{…}}`. Returns
 * the problems, empty when the write may go.
 */
export function guardIdentityWrite(fresh: unknown, outgoing: unknown): string[] {
  const was = (getPath(fresh, 'identity.type') as string | undefined) ?? 'None';
  const now = String(getPath(outgoing, 'identity.type') ?? '');
  const problems: string[] = [];
  for (const part of ['SystemAssigned', 'UserAssigned']) {
    if (new RegExp(part, 'i').test(was) && !new RegExp(part, 'i').test(now)) {
      problems.push(`identity.type would drop ${part} ('${was}' → '${now}')`);
    }
  }
  const keep = Object.keys((getPath(fresh, 'identity.userAssignedIdentities') as object | null) ?? {});
  const sent = Object.keys((getPath(outgoing, 'identity.userAssignedIdentities') as object | null) ?? {}).map((k) =>
    k.toLowerCase()
  );
  for (const k of keep) {
    if (!sent.includes(k.toLowerCase())) problems.push(`identity.userAssignedIdentities would drop ${k}`);
  }
  const extra = Object.keys(isPlainObject(outgoing) ? outgoing : {}).filter((k) => k !== 'identity');
  if (extra.length) problems.push(`the PATCH body carries more than identity (${extra.join(', ')})`);
  return problems;
}

/** What the policy guard may treat as owned. */
export interface PolicyOwnership {
  /**
   * Values of `resource` that make a direct `<authentication-managed-identity>` without `output-token-variable-name`
   * the owned one: the desired token resource and the known forms of the Function's app (client ID, `api://<id>`,
   * object IDs field case C01 names). Compared case-insensitively, trailing slashes ignored.
   */
  resources: readonly string[];
  /** Resolved named values (`{{name}}` → value, undefined when unresolved); a reference resolves before it is judged. */
  namedValues?: ReadonlyMap<string, string | undefined>;
  /** The API's subscription-key header and query parameter (their deletes are owned). */
  keyHeader: string;
  keyQuery: string;
}

/**
 * Policy PUT: `outgoing` must equal `fresh` byte for byte once the owned elements (direct children of `<inbound>`
 * of the owned kinds, see {@link PolicyOwnership}) are cut from both, each with the white space right before it.
 * `fresh` undefined (the API had no policy: nothing the user owns) always passes. A document the guard cannot parse
 * is refused. Returns the problems (with the first differing line of each side), empty when the write may go.
 */
export function guardPolicyWrite(fresh: string | undefined, outgoing: string, own: PolicyOwnership): string[] {
  if (fresh === undefined) return [];
  let a: string;
  let b: string;
  try {
    a = withoutOwnedElements(fresh, own);
    b = withoutOwnedElements(outgoing, own);
  } catch (e) {
    return [`the guard could not parse the policy (${(e as Error).message})`];
  }
  if (a === b) return [];
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && la[i] === lb[i]) i++;
  const clip = (s: string | undefined) => JSON.stringify((s ?? '<end>').trim().slice(0, 120));
  return [`bytes outside the owned elements would change: read ${clip(la[i])}, outgoing ${clip(lb[i])}`];
}

/**
 * The policy text with every owned element (see {@link PolicyOwnership}; direct children of `<inbound>`) and the
 * white space right before it removed; the text as given when it has no `<policies><inbound>`. Throws
 * PolicyParseError when the text cannot be parsed.
 */
export function withoutOwnedElements(raw: string, own: PolicyOwnership): string {
  const parsed = parsePolicy(raw);
  const inbound =
    parsed.root.name === 'policies' ? elementChildren(parsed.root).find((e) => e.name === 'inbound') : undefined;
  if (!inbound) return raw;
  const cut = elementChildren(inbound).filter((e) => isOwned(e, own));
  let out = '';
  let at = 0;
  for (const el of cut) {
    let start = el.start;
    while (start > at && /\s/.test(raw[start - 1])) start--;
    out += raw.slice(at, start);
    at = el.end;
  }
  return out + raw.slice(at);
}

function norm(v: string): string {
  return v.trim().toLowerCase().replace(/\/+$/, '');
}

function resolved(v: string | undefined, own: PolicyOwnership): string | undefined {
  if (v === undefined) return undefined;
  return v.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (m, name: string) => own.namedValues?.get(name) ?? m);
}

function isOwned(el: ElementNode, own: PolicyOwnership): boolean {
  const value = (n: string) => attr(el, n)?.value;
  if (el.name === 'authentication-managed-identity') {
    if (value('output-token-variable-name') !== undefined) return false;
    const r = resolved(value('resource'), own);
    return r !== undefined && own.resources.some((x) => norm(x) === norm(r));
  }
  const deletes = (value('exists-action') ?? '').trim().toLowerCase() === 'delete';
  const name = (value('name') ?? '').trim().toLowerCase();
  if (el.name === 'set-header') return deletes && name === own.keyHeader.trim().toLowerCase();
  if (el.name === 'set-query-parameter') return deletes && name === own.keyQuery.trim().toLowerCase();
  return false;
}
