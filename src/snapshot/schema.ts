/**
 * The snapshot file (issue "Snapshot and restore"): what one target's resources held before this action wrote them,
 * and what each write left, so a failed change can be put back exactly — automatically (`on-failure: restore`) or
 * later by hand (`mode: restore` with `snapshot: <path>`). One file per target. Pure: shapes, parsing and target
 * comparison only; reading and writing files is ./file.ts.
 *
 * What it holds per resource the run writes: its ARM ID and the document as read — Easy Auth `properties`
 * (authsettingsV2 carries setting NAMES, never secret values: REST WebApps_GetAuthSettingsV2, SiteAuthSettingsV2 —
 * `clientSecretSettingName`), the policy `rawxml` text with its ETag (REST ApiPolicy_Get), APIM's `identity` block —
 * and, after the write, what ARM held then (the read-back, else the write's response, else what was sent) with the
 * ETag the policy write returned (REST ApiPolicy_CreateOrUpdate answers with an ETag header).
 */
import { ActionError } from '../errors.js';
import { isPlainObject } from '../json-path.js';
import type { Json } from '../ports.js';
import type { TargetIds, TargetSpec } from '../types.js';

/** The `format` of every snapshot this action writes: tells a snapshot apart from any other JSON file. */
export const SNAPSHOT_FORMAT = 'apim-function-auth/snapshot';
/** The schema version this action writes and reads. A file of another version is refused, never guessed at. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** The target a snapshot belongs to (TargetSpec's identity: where the resources live, not how they are configured). */
export interface SnapshotTarget {
  subscriptionId: string;
  apimResourceGroup: string;
  apimName: string;
  apiIds: string[];
  functionAppResourceGroup: string;
  functionAppName: string;
  functionAppSlot?: string;
}

/** Where a recorded "after" came from, best first. */
export type AfterSource = 'read-back' | 'response' | 'sent';

/** What one write left (apply's write state, the document, when it was recorded). */
export interface SnapshotAfter<D> {
  /** apply's WriteState for the write: verified, written-unverified or unknown (sent, outcome not known). */
  state: 'verified' | 'written-unverified' | 'unknown';
  /** The document after the write, when known. */
  document?: D;
  source?: AfterSource;
  /** ISO 8601 time the write was recorded. */
  at: string;
}

/** The APIM identity block (`identity` of ApiManagementService_Get; null when the service has none). */
export interface IdentityDoc {
  identity: Json | null;
}
/** The Easy Auth document's `properties` (authsettingsV2). */
export interface EasyAuthDoc {
  properties: Json;
}
/** A policy as rawxml with its ETag; `value` absent: the API had no policy (404). */
export interface PolicyDoc {
  value?: string;
  etag?: string;
}

/** What makes a policy element the action's own (src/write-guard.ts PolicyOwnership, without named values). */
export interface PolicyOwnershipRecord {
  resources: string[];
  keyHeader: string;
  keyQuery: string;
}

interface ResourceBase {
  resourceId: string;
  /** Human label, as the report names it (e.g. `Easy Auth func-x`). */
  label: string;
  /**
   * True when scrubbing removed a secret-looking value from this resource's copy: its documents are no longer exact,
   * so it is never restored from this snapshot.
   */
  scrubbed?: boolean;
}

export type SnapshotResource =
  | (ResourceBase & { kind: 'apim-identity'; before: IdentityDoc; after?: SnapshotAfter<IdentityDoc> })
  | (ResourceBase & { kind: 'easy-auth'; before: EasyAuthDoc; after?: SnapshotAfter<EasyAuthDoc> })
  | (ResourceBase & {
      kind: 'api-policy';
      apiId: string;
      before: PolicyDoc;
      ownership: PolicyOwnershipRecord;
      after?: SnapshotAfter<PolicyDoc>;
    });

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  /** The action's version that wrote it (src/version.ts). */
  actionVersion: string;
  /** ISO 8601 time the snapshot was taken (before the first write). */
  createdAt: string;
  target: SnapshotTarget;
  /** One entry per resource the run planned to write, in apply order. */
  resources: SnapshotResource[];
}

/** The target identity of a TargetSpec (API IDs in the order given). */
export function snapshotTarget(spec: TargetSpec): SnapshotTarget {
  return {
    subscriptionId: spec.subscriptionId,
    apimResourceGroup: spec.apimResourceGroup,
    apimName: spec.apimName,
    apiIds: [...spec.apiIds],
    functionAppResourceGroup: spec.functionAppResourceGroup,
    functionAppName: spec.functionAppName,
    ...(spec.functionAppSlot ? { functionAppSlot: spec.functionAppSlot } : {})
  };
}

/** The target in one line, e.g. `APIM apim-x (rg-demo) APIs orders → Function App func-x (rg-demo) in 2222…`. */
export function describeTarget(t: SnapshotTarget): string {
  const site = t.functionAppSlot ? `${t.functionAppName}/slots/${t.functionAppSlot}` : t.functionAppName;
  return (
    `APIM ${t.apimName} (${t.apimResourceGroup}), APIs ${t.apiIds.join(', ')}, Function App ${site} ` +
    `(${t.functionAppResourceGroup}), subscription ${t.subscriptionId}`
  );
}

/**
 * How `snap` (the snapshot's target) differs from `step` (this step's target): one line per field, empty when they are
 * the same target. ARM names and IDs compare case-insensitively (ARM resource IDs are case-insensitive); API IDs as
 * sets. Pure.
 */
export function targetDifferences(snap: SnapshotTarget, step: SnapshotTarget): string[] {
  const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
  const out: string[] = [];
  const fields = [
    'subscriptionId',
    'apimResourceGroup',
    'apimName',
    'functionAppResourceGroup',
    'functionAppName',
    'functionAppSlot'
  ] as const;
  for (const f of fields) {
    if (!same(snap[f], step[f])) out.push(`${f}: snapshot '${snap[f] ?? ''}', this step '${step[f] ?? ''}'`);
  }
  const set = (xs: string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort().join(',');
  if (set(snap.apiIds) !== set(step.apiIds)) {
    out.push(`apiIds: snapshot '${snap.apiIds.join(', ')}', this step '${step.apiIds.join(', ')}'`);
  }
  return out;
}

const KINDS = ['apim-identity', 'easy-auth', 'api-policy'] as const;
const STATES = ['verified', 'written-unverified', 'unknown'] as const;

/**
 * Checks that `raw` (the parsed JSON of a snapshot file) is a snapshot this action can restore from, and returns it.
 * `source` names the file in messages.
 * @throws ActionError (nothing is written) when it is not a snapshot of this action (`format`), has another schema
 *   version than {@link SNAPSHOT_SCHEMA_VERSION}, nests deeper than {@link MAX_SNAPSHOT_DEPTH}, lacks a field restore
 *   relies on (named by path), or lists a resource twice.
 */
export function parseSnapshot(raw: unknown, source: string): Snapshot {
  const refuse = (why: string): never => {
    throw new ActionError(`Nothing was changed: the snapshot ${source} ${why}.`);
  };
  if (!isPlainObject(raw) || raw.format !== SNAPSHOT_FORMAT) {
    return refuse(`is not a snapshot of apim-function-auth (no "format": "${SNAPSHOT_FORMAT}")`);
  }
  if (raw.schemaVersion !== SNAPSHOT_SCHEMA_VERSION) {
    return refuse(
      `has schema version ${shortJson(raw.schemaVersion)}, which this action does not know (it reads version ` +
        `${SNAPSHOT_SCHEMA_VERSION}); restore it with the action version that wrote it (${versionOf(raw.actionVersion)})`
    );
  }
  if (nestedDeeperThan(raw, MAX_SNAPSHOT_DEPTH)) {
    return refuse(`is damaged: it nests deeper than ${MAX_SNAPSHOT_DEPTH} levels (a snapshot nests about ten)`);
  }
  const problem = snapshotProblem(raw) ?? duplicateResource(raw.resources as unknown[]);
  if (problem) refuse(`is incomplete or damaged: ${problem}`);
  return raw as unknown as Snapshot;
}

const str = (v: unknown) => typeof v === 'string' && v !== '';

/**
 * Deepest nesting a snapshot may have: ARM documents (Easy Auth `properties`, the identity block) nest about ten
 * levels below the file's root. A deeper file is damaged or hostile, and recursive comparisons would overflow the stack
 * on it ("Maximum call stack size exceeded") instead of saying so.
 */
export const MAX_SNAPSHOT_DEPTH = 64;

/** True when `v` has objects or arrays nested more than `max` levels deep (looks no deeper than `max` + 1). */
function nestedDeeperThan(v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (max <= 0) return true;
  return Object.values(v as object).some((x) => nestedDeeperThan(x, max - 1));
}

/** An `actionVersion` for a message: a short version text as written, else `unknown` (the file is untrusted). */
function versionOf(v: unknown): string {
  return typeof v === 'string' && /^[0-9A-Za-z][0-9A-Za-z.+-]{0,39}$/.test(v) ? v : 'unknown';
}

/** A JSON value for a message, at most 40 characters. */
function shortJson(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * The second entry of a resource listed twice (same kind and ARM ID, letter case ignored): a file written by this
 * action lists each resource once, and restoring two "befores" of one resource would put one back and then call the
 * action's own write "someone else's change".
 */
function duplicateResource(resources: unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, r] of resources.entries()) {
    const { kind, resourceId } = r as { kind: string; resourceId: string };
    const key = `${kind} ${resourceId.toLowerCase()}`;
    if (seen.has(key)) return `resources[${i}]: ${resourceId} is listed twice`;
    seen.add(key);
  }
  return undefined;
}

/** The first field a snapshot lacks or has in the wrong shape (by path), or undefined. Pure. */
function snapshotProblem(raw: Record<string, unknown>): string | undefined {
  if (!str(raw.createdAt)) return 'createdAt is missing';
  const t = raw.target;
  if (!isPlainObject(t)) return 'target is missing';
  for (const f of ['subscriptionId', 'apimResourceGroup', 'apimName', 'functionAppResourceGroup', 'functionAppName']) {
    if (!str(t[f])) return `target.${f} is missing`;
  }
  if (t.functionAppSlot !== undefined && !str(t.functionAppSlot)) return 'target.functionAppSlot is not a name';
  if (!Array.isArray(t.apiIds) || !t.apiIds.every(str)) return 'target.apiIds is not a list of API IDs';
  if (!Array.isArray(raw.resources)) return 'resources is not a list';
  for (const [i, r] of raw.resources.entries()) {
    const p = resourceProblem(r);
    if (p) return `resources[${i}]: ${p}`;
  }
  return undefined;
}

function resourceProblem(r: unknown): string | undefined {
  if (!isPlainObject(r)) return 'not an object';
  if (!(KINDS as readonly unknown[]).includes(r.kind)) return `unknown kind ${JSON.stringify(r.kind)}`;
  if (!str(r.resourceId) || !str(r.label)) return 'resourceId or label is missing';
  if (!isPlainObject(r.before)) return 'before is missing';
  const after = r.after;
  if (after !== undefined) {
    if (!isPlainObject(after) || !(STATES as readonly unknown[]).includes(after.state)) return 'after.state is unknown';
    if (after.document !== undefined && !isPlainObject(after.document)) return 'after.document is not an object';
  }
  const doc = after?.document as Record<string, unknown> | undefined;
  if (r.kind === 'easy-auth') {
    if (!isPlainObject(r.before.properties)) return 'before.properties is missing';
    if (doc && !isPlainObject(doc.properties)) return 'after.document.properties is missing';
  }
  if (r.kind === 'api-policy') {
    if (!str(r.apiId)) return 'apiId is missing';
    if (r.before.value !== undefined && typeof r.before.value !== 'string') return 'before.value is not text';
    const o = r.ownership;
    if (!isPlainObject(o) || !Array.isArray(o.resources) || !str(o.keyHeader) || !str(o.keyQuery)) {
      return 'ownership is missing';
    }
    if (doc && typeof doc.value !== 'string') return 'after.document.value is not text';
  }
  return undefined;
}

/** What became of one resource in a restore. */
export type RestoreState =
  /** put back and read back as it was before the run */
  | 'restored'
  /** the restore write was accepted, but the read-back failed or differed */
  | 'restored-unverified'
  /** the restore write failed in a way that does not tell whether it was applied */
  | 'unknown'
  /** already as before the run: nothing to write */
  | 'unchanged'
  /** the system-assigned identity: never removed */
  | 'kept'
  /** refused, or the write was refused: nothing changed */
  | 'not-restored'
  /** not tried because an earlier restore write failed */
  | 'not-attempted';

export interface RestoreItem {
  label: string;
  kind: 'apim-identity' | 'easy-auth' | 'api-policy';
  resourceId: string;
  state: RestoreState;
  detail: string;
}

/** What a restore did, for the report (RunReport.restore). */
export interface RestoreReport {
  /** Why it ran: apply failed after writes, the smoke requests failed after apply, or `mode: restore`. */
  trigger: 'apply-failed' | 'smoke-failed' | 'requested';
  /** One item per resource of the snapshot, in apply order. */
  items: RestoreItem[];
  /** Why nothing (or not everything) was restored: a refusal before any write, or the failure that stopped it. */
  problem?: string;
  /** True when it refused before any write (`problem` says why, per resource). */
  refused?: boolean;
}

/** The snapshot as the report shows it (RunReport.snapshot). */
export interface SnapshotReport {
  /** Where the file is (output `snapshot-path`); absent when none was written. */
  path?: string;
  /** The file's JSON text as written (scrubbed), for the summary's collapsed section. */
  json?: string;
}

/**
 * Resources of `snapshot` that are not this target's (`ids`: the step's ARM IDs): an ID that is not the expected one
 * for its kind, or a policy of an API the step does not list — a hand-edited or mixed-up file. One line each; empty
 * when every resource belongs to the target. Pure.
 */
export function foreignResources(snapshot: Snapshot, ids: TargetIds): string[] {
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const out: string[] = [];
  for (const r of snapshot.resources) {
    let expected: string | undefined;
    if (r.kind === 'apim-identity') expected = ids.apim;
    else if (r.kind === 'easy-auth') expected = ids.authSettingsV2;
    else {
      const api = Object.entries(ids.apis).find(([id]) => eq(id, r.apiId));
      expected = api ? `${api[1]}/policies/policy` : undefined;
    }
    if (!expected || !eq(expected, r.resourceId)) out.push(`${r.label} (${r.resourceId})`);
  }
  return out;
}
