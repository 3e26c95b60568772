/**
 * The merge of the three elements this action owns in an API policy's `<inbound>`: orchestration only — the element
 * predicates are in ./predicates.ts, the subscription key's two kinds in ./subscription-key.ts, which
 * managed-identity element is owned in ./ownership.ts, where the owned elements are in ./anchors.ts, what undoes them
 * in ./guards.ts, the text edits in ./splice.ts and the read side in ./inspect.ts. Pure module.
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
 * renamed; compared case-insensitively (see {@link KeyHeaderOption.keyQuery}). `<base />` runs the parent scope's
 * policies at that point (Learn: "Policies in Azure API Management", policy scopes / base element), so the owned
 * elements go after it. Everything else in the document is left byte-identical.
 */
import { lineAt, PolicyNotManagedError } from './errors.js';
import { lastDelete, locate, type Anchors, type Located } from './anchors.js';
import { guardFindings, type PolicyConflict } from './guards.js';
import { inspectLocated, isBlankPolicy, type PolicyInspection } from './inspect.js';
import { claimsFunction, type DirectAuth, type OwnershipOptions } from './ownership.js';
import { AUTH, literalName } from './predicates.js';
import {
  applySplices,
  authTag,
  cutRange,
  delta,
  deleteTag,
  escapeAttr,
  insertOwned,
  newDocument,
  type Placement,
  type Splice
} from './splice.js';
import {
  KEY_KINDS,
  subscriptionKeys,
  type KeyHeaderOption,
  type KeyKind,
  type SubscriptionKey
} from './subscription-key.js';
import { attr, elementChildren, parsePolicy, type ElementNode } from './tree.js';

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

type Change = MergeResult['changes'][number];

/** What one step of the merge contributes: changes, warnings and edits of the text. */
interface Step {
  changes: Change[];
  warnings: string[];
  splices: Splice[];
}

/** Characters XML 1.0 cannot carry, even escaped (control characters other than tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Throws Error when `resource` is blank, starts with `@` (an expression to APIM) or holds a character XML cannot carry. */
function checkResource(resource: string): void {
  if (resource.trim() === '' || resource.startsWith('@') || NOT_XML_CHAR.test(resource)) {
    throw new Error(`invalid policy resource ${JSON.stringify(resource)}: expected an app (client) ID or App ID URI`);
  }
}

/** A brand-new document holding the three owned elements, and its changes. */
function newPolicy(resource: string, keys: Record<KeyKind, SubscriptionKey>): MergeResult {
  return {
    text: newDocument(resource, keys),
    changes: [
      { path: 'policy.authentication-managed-identity', before: null, after: resource },
      ...KEY_KINDS.map((kind) => ({ path: keys[kind].path, before: null, after: 'delete' }))
    ],
    warnings: [],
    conflicts: []
  };
}

function lineOf(raw: string, at: number): number {
  return raw.slice(0, at).split(/\r\n|\r|\n/).length;
}

/** `<policies>/<inbound>`; throws PolicyNotManagedError for another root or no `<inbound>`. */
function requireManaged(raw: string, loc: Located): ElementNode {
  const { parsed, inbound } = loc;
  const l = lineOf(raw, parsed.root.start);
  if (parsed.root.name !== 'policies') {
    throw new PolicyNotManagedError(
      `policy root is <${parsed.root.name}> (line ${l}), not <policies>: policy fragments and other documents are ` +
        'not managed by this action. An API policy is a <policies> document (a fragment is used from one with ' +
        '<include-fragment>): replace the API policy with one, or remove this API from api-ids, and re-run',
      l,
      1
    );
  }
  if (!inbound) {
    throw new PolicyNotManagedError(
      `policy has no <inbound> section (<policies> at line ${l}): the managed-identity elements belong there, and ` +
        'adding the section here would change which parent-scope policies run. Add "<inbound><base /></inbound>" ' +
        'to the API policy (APIM portal → API → Policy editor) and re-run',
      l,
      1
    );
  }
  return inbound;
}

/**
 * Warnings about the managed-identity elements that are the user's: nested ones, ones outside `<inbound>`, and
 * direct ones that are not the Function's token. A second direct one that sets the Authorization header after the
 * owned one is a conflict (guards.ts), not mentioned here.
 */
function foreignWarnings(raw: string, loc: Located, ins: PolicyInspection): string[] {
  const warnings: string[] = [];
  for (const m of ins.managedIdentity.filter((x) => !x.direct)) {
    warnings.push(
      `a nested <${AUTH}${m.resource !== undefined ? ` resource="${m.resource}"` : ''}> inside <inbound> was left unchanged (it is conditional or belongs to send-request)`
    );
  }
  for (const p of ins.elsewhere) warnings.push(`<${AUTH}> at ${p} is outside <inbound> and was left unchanged`);
  for (const d of loc.own.direct) {
    if (d === loc.own.owned) continue;
    const res = attr(d.el, 'resource');
    const shown = res ? (res.expression ? 'an expression' : `"${res.value}"`) : 'none';
    const forFunction = claimsFunction(d.judged.status);
    if (d.hasVar && forFunction) {
      warnings.push(
        `a direct <${AUTH}> at line ${lineAt(raw, d.el)} (resource ${shown}) keeps a token for the Function's app in ` +
          'a variable (a lookup: APIM sets no header from it) and was left unchanged; the owned element sends the token'
      );
    } else if (d.hasVar || !forFunction) {
      const kind = d.hasVar ? 'keeps its token in a variable' : 'sends a token for another resource';
      warnings.push(
        `a direct <${AUTH}> at line ${lineAt(raw, d.el)} (resource ${shown}) ${kind}: it is not the Function's ` +
          'token and was left unchanged'
      );
    }
  }
  return warnings;
}

/** The owned element's `resource`: rewritten when in a known wrong form, kept (with a warning) when it cannot be judged. */
function resourceFix(raw: string, owned: DirectAuth, resource: string): Step {
  const auth = owned.el;
  const res = attr(auth, 'resource');
  if (owned.judged.status === 'unknown') {
    const warning =
      `<${AUTH}> at line ${lineAt(raw, auth)}: resource ${res?.expression ? 'is an expression' : `"${res?.value ?? ''}"`} ` +
      `cannot be checked (${owned.judged.why ?? 'unknown'}), so it was left as written: make sure it is the ` +
      `Function's app (${resource})`;
    return { changes: [], warnings: [warning], splices: [] };
  }
  if (owned.judged.status !== 'wrong-form') return { changes: [], warnings: [], splices: [] };
  const at = raw[auth.openEnd - 2] === '/' ? auth.openEnd - 2 : auth.openEnd - 1;
  const splice = res
    ? { start: res.valueStart, end: res.valueEnd, text: escapeAttr(resource) }
    : { start: at, end: at, text: ` resource="${escapeAttr(resource)}"` };
  const warnings =
    res && !res.expression && /\{\{[^{}]*\}\}/.test(res.value)
      ? [
          `<${AUTH}> at line ${lineAt(raw, auth)}: resource="${res.value}" was replaced by "${resource}" because ` +
            `${owned.judged.why ?? 'it is a wrong form of the Function app'}; the named value itself is unchanged`
        ]
      : [];
  return {
    changes: [{ path: 'policy.resource', before: res?.value ?? null, after: resource }],
    warnings,
    splices: [splice]
  };
}

/** Warnings about the attributes of the owned element that are kept as they are. */
function keptAttributes(auth: ElementNode): string[] {
  const warnings: string[] = [];
  const clientId = attr(auth, 'client-id');
  if (clientId) {
    warnings.push(
      `<${AUTH}> keeps client-id="${clientId.value}": it selects a user-assigned identity, not APIM's system-assigned one`
    );
  }
  const ignore = attr(auth, 'ignore-error');
  if (ignore) warnings.push(`<${AUTH}> keeps ignore-error="${ignore.value}"`);
  return warnings;
}

/** The owned managed-identity element: added, kept where it is (its resource fixed), or moved after `<base />`. */
function authStep(raw: string, loc: Located, resource: string, close: string): Step & { place: Placement } {
  const owned = loc.own.owned;
  if (!owned) {
    const added = { path: 'policy.authentication-managed-identity', before: null, after: resource };
    return { place: { text: authTag(resource, close) }, changes: [added], warnings: [], splices: [] };
  }
  const auth = owned.el;
  const fix = resourceFix(raw, owned, resource);
  const warnings = [...fix.warnings, ...keptAttributes(auth)];
  if (!(loc.base && auth.start < loc.base.start)) {
    return { place: { existing: auth }, changes: fix.changes, warnings, splices: fix.splices };
  }
  // move: cut the element (with its own line when it stands alone on it), re-insert after <base />
  const text = applySplices(raw, fix.splices).slice(auth.start, auth.end + delta(fix.splices));
  const moved = { path: 'policy.authentication-managed-identity.position', before: 'before-base', after: 'after-base' };
  return { place: { text }, changes: [...fix.changes, moved], warnings, splices: [cutRange(raw, auth)] };
}

/** Warnings about direct setters of `key` before `at` (where its new delete goes): the delete runs after them. */
function earlierSetters(inbound: ElementNode, key: SubscriptionKey, at: number): string[] {
  return elementChildren(inbound)
    .filter((e) => e.name === key.element && e.start < at && literalName(e) === key.lower)
    .map(
      (e) =>
        `<inbound> already sets ${key.name} (exists-action="${attr(e, 'exists-action')?.value ?? ''}"); a delete was added after it`
    );
}

/**
 * Each subscription-key delete, in KEY_KINDS order: kept where it is (any case; the last direct one anchors the
 * next owned element), or added right after the previous owned element. An earlier setter of the key (before where
 * the delete goes) is mentioned when the kind says so; later ones are conflicts (guards.ts).
 */
function keySteps(
  loc: Located,
  inbound: ElementNode,
  anchors: Anchors,
  close: string
): { changes: Change[]; warnings: string[]; places: Placement[] } {
  const out = { changes: [] as Change[], warnings: [] as string[], places: [] as Placement[] };
  for (const kind of KEY_KINDS) {
    const key = loc.keys[kind];
    const existing = lastDelete(inbound, key);
    if (existing) {
      out.places.push({ existing });
      continue;
    }
    if (key.warnsEarlierSetter) out.warnings.push(...earlierSetters(inbound, key, anchors.keys[kind].at));
    out.changes.push({ path: key.path, before: null, after: 'delete' });
    out.places.push({ text: deleteTag(key, close) });
  }
  return out;
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
 *   Authorization header after the owned one, the key copied by an expression into what goes to the Function; an
 *   element with `output-token-variable-name` is a lookup — the user's — even for the Function's app)
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
  checkResource(resource);
  const keys = subscriptionKeys(desired);
  if (raw === undefined || isBlankPolicy(raw)) return newPolicy(resource, keys);
  const loc = locate(parsePolicy(raw), keys, desired, [resource]);
  const inbound = requireManaged(raw, loc);
  const guards = guardFindings(loc, inbound); // once per merge: the inspection below reuses its conflicts
  const ins = inspectLocated(loc, guards.conflicts);
  const nl = raw.includes('\r\n') ? '\r\n' : '\n';
  const base = loc.base;
  const close = base && /\s\/>$/.test(raw.slice(base.start, base.end)) ? ' />' : base ? '/>' : ' />';
  const auth = authStep(raw, loc, resource, close);
  const key = keySteps(loc, inbound, guards.anchors, close);
  const warnings = [...guards.nestedWarnings, ...foreignWarnings(raw, loc, ins), ...auth.warnings, ...key.warnings];
  const changes = [...auth.changes, ...key.changes];
  const conflicts = ins.conflicts;
  if (changes.length === 0) return { text: raw, changes, warnings, conflicts };
  const splices = [...auth.splices, ...insertOwned(raw, inbound, base, [auth.place, ...key.places], nl)];
  return { text: applySplices(raw, splices), changes, warnings, conflicts };
}
