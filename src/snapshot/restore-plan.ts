/**
 * Planning a restore (issue "Snapshot and restore", items 2 and 3), pure: given a snapshot and a fresh read of each of
 * its resources now, decide per resource whether to put the earlier document back, leave it (already as before), keep
 * it (the system-assigned identity: never removed) or refuse (someone changed it after this action's write, the copy
 * was scrubbed, or the restore body would change something the action does not own). The restore writes go through
 * the same last-line guard as apply's (src/write-guard.ts), mirrored: what a restore may change is exactly what the
 * write it undoes changed.
 */
import { deepEqual, getPath, isPlainObject, leaves, pathToString } from '../json-path.js';
import { canonicalPolicy, policiesEquivalent } from '../policy/equivalent.js';
import type { Json, PolicyDocument } from '../ports.js';
import { EASY_AUTH_PATHS } from '../resources/easy-auth.js';
import type { ResourceKind } from '../types.js';
import { guardEasyAuthWrite, guardPolicyWrite, type PolicyOwnership } from '../write-guard.js';
import type { PolicyDoc, PolicyOwnershipRecord, Snapshot, SnapshotResource } from './schema.js';

/** What a fresh read found now, for each resource of a snapshot. */
export interface CurrentDocs {
  /** GET config/authsettingsV2/list (whole body), when the snapshot holds Easy Auth. */
  easyAuth?: Json;
  /** Per API ID (as the snapshot spells it): the policy now; undefined → none (404). */
  policies: Record<string, PolicyDocument | undefined>;
}

/** The one write that puts a resource back, or none. */
export type RestoreWrite =
  | { op: 'put-authsettings-v2'; body: Json; expect: Json }
  | { op: 'put-api-policy'; apiId: string; value: string; ifMatch: string }
  | { op: 'delete-api-policy'; apiId: string; ifMatch: string };

/** The decision for one resource of the snapshot. */
export interface RestoreStep {
  kind: ResourceKind;
  resourceId: string;
  label: string;
  /**
   * `write`: put back; `unchanged`: already as before; `unsure`: as before when read, but this run's write of it ended
   * without an answer and may still take effect (nothing to write, nothing to claim); `keep`: never removed; `refuse`:
   * see `reason`.
   */
  action: 'write' | 'unchanged' | 'unsure' | 'keep' | 'refuse';
  reason: string;
  write?: RestoreWrite;
  /** The document as it was before the run (what the read-back must show): Easy Auth properties or policy text. */
  before?: Json | PolicyDoc;
}

/** Why the identity is never removed, for the log and the report. */
export const IDENTITY_KEPT =
  'kept: the system-assigned identity is never removed (removing it deletes its service principal and every role ' +
  'assignment other teams made for it)';

const OWNED: readonly string[] = Object.values(EASY_AUTH_PATHS);

/**
 * What a policy this action created from nothing holds besides its owned elements (src/policy/splice.ts
 * newDocument): `<base />` in every section. Deleting a policy is a restore only when the policy now is this, once the
 * owned elements are set aside (canonically: APIM's save normalisation may reformat it).
 */
const CREATED_SKELETON = [
  '<policies>',
  ...['inbound', 'backend', 'outbound', 'on-error'].flatMap((s) => [`    <${s}>`, '        <base />', `    </${s}>`]),
  '</policies>',
  ''
].join('\n');

/** ETags compare without quotes and the weak prefix (`W/"x"` = `"x"` = `x`; RFC 9110 weak comparison). */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  const n = (e: string | undefined) => (e ?? '').trim().replace(/^W\//, '').replace(/"/g, '');
  return n(a) !== '' && n(a) === n(b);
}

/** What a resource that reads as before the run is, when this run's write of it had an unknown outcome. */
export const MAY_STILL_LAND =
  "as before the run when read, but this run's write of it ended without an answer and may still take effect: check " +
  'it in a minute (run mode: check)';

/**
 * One step per resource of `snapshot`, in its order (apply order), from `current` (what a fresh read found now).
 * `namedValues` (optional) resolves `{{named value}}` resources when judging policy ownership (an automatic restore
 * has them from the run's reads; a restore from a file does not, and then refuses rather than guesses).
 * `opts.recent`: the restore follows the writes at once (`on-failure: restore`): a write of unknown outcome (a timeout,
 * a 5xx) may still be in flight, so a resource that reads as before is `unsure`, not `unchanged` (a later `mode:
 * restore` reads what such a write did long ago). Pure.
 */
export function planRestore(
  snapshot: Snapshot,
  current: CurrentDocs,
  namedValues?: ReadonlyMap<string, string | undefined>,
  opts: { recent?: boolean } = {}
): RestoreStep[] {
  const asBefore = (r: SnapshotResource): Decision =>
    opts.recent && r.after?.state === 'unknown'
      ? { action: 'unsure', reason: MAY_STILL_LAND }
      : { action: 'unchanged', reason: 'already as before the run' };
  return snapshot.resources.map((r) => {
    const base = { kind: r.kind, resourceId: r.resourceId, label: r.label };
    if (r.kind === 'apim-identity') {
      return { ...base, action: r.after ? 'keep' : 'unchanged', reason: r.after ? IDENTITY_KEPT : 'not written' };
    }
    if (r.scrubbed) {
      return {
        ...base,
        action: 'refuse',
        reason: 'its copy in the snapshot held a secret-looking value and was scrubbed: restore it by hand'
      };
    }
    const d =
      r.kind === 'easy-auth'
        ? planEasyAuthRestore(r, current.easyAuth)
        : planPolicyRestore(r, findPolicy(current, r.apiId), namedValues);
    return { ...base, ...(d.action === 'unchanged' ? asBefore(r) : d) };
  });
}

function findPolicy(current: CurrentDocs, apiId: string): PolicyDocument | undefined {
  return Object.entries(current.policies).find(([id]) => id.toLowerCase() === apiId.toLowerCase())?.[1];
}

type Decision = Pick<RestoreStep, 'action' | 'reason' | 'write' | 'before'>;

/**
 * Easy Auth (authsettingsV2 has no ETag): as before → unchanged; equal to what the action's write left (`after`) →
 * PUT the earlier `properties` back into the current document; anything else → refused (changed after the write),
 * naming the paths that differ from the recorded after. The body is guarded with guardEasyAuthWrite mirrored: the
 * current document may differ from the restore body only in the owned paths, as the write being undone did.
 */
function planEasyAuthRestore(r: Extract<SnapshotResource, { kind: 'easy-auth' }>, now: Json | undefined): Decision {
  const before = r.before.properties;
  const nowProps = isPlainObject(now?.properties) ? now.properties : undefined;
  if (!now || !nowProps) return { action: 'refuse', reason: 'no current Easy Auth document to compare with' };
  if (deepEqual(nowProps, before)) return { action: 'unchanged', reason: 'already as before the run' };
  const after = r.after?.document?.properties;
  if (!after) {
    return { action: 'refuse', reason: 'it differs from the snapshot and no write of it by this action was recorded' };
  }
  if (!deepEqual(nowProps, after)) {
    const paths = guardEasyAuthWrite({ properties: after }, now, []).slice(0, 10);
    return {
      action: 'refuse',
      reason: `someone changed it after this action's write (differs from the recorded after at ${paths.join(', ')})`
    };
  }
  const body: Json = { ...structuredClone(now), properties: structuredClone(before) };
  const refused = guardEasyAuthWrite(body, now, OWNED);
  if (refused.length) {
    return {
      action: 'refuse',
      reason: `the restore would change settings this action does not own (${refused.slice(0, 10).join(', ')})`
    };
  }
  return {
    action: 'write',
    reason: "equal to what this action's write left",
    write: { op: 'put-authsettings-v2', body, expect: nowProps },
    before
  };
}

/**
 * A policy: as before (semantically) → unchanged; the ETag now is the one this action's write returned → PUT the
 * earlier text back with If-Match on that ETag (or DELETE, If-Match, when the API had no policy and the policy now
 * holds nothing but the owned elements and `<base />`s — else refused: the DELETE would take the user's elements with
 * it); anything else →
 * refused (changed after the write). A write of unknown outcome has no ETag: its document is ours only when it is the
 * text that was sent (semantically), and then the ETag just read is the If-Match. The restore body is guarded like
 * apply's (guardPolicyWrite: byte for byte outside the owned elements); bytes that differ only by APIM's save
 * normalisation (canonically equal outside the owned elements) pass.
 */
function planPolicyRestore(
  r: Extract<SnapshotResource, { kind: 'api-policy' }>,
  now: PolicyDocument | undefined,
  namedValues?: ReadonlyMap<string, string | undefined>
): Decision {
  const before = r.before;
  if (same(before.value, now?.value)) return { action: 'unchanged', reason: 'already as before the run' };
  const after = r.after?.document;
  if (!after) {
    return { action: 'refuse', reason: 'it differs from the snapshot and no write of it by this action was recorded' };
  }
  if (!now) return { action: 'refuse', reason: "someone deleted it after this action's write" };
  const ours = after.etag ? sameEtag(now.etag, after.etag) : same(after.value, now.value);
  if (!ours) {
    const why = after.etag ? `ETag now ${now.etag ?? 'none'}, after this action's write ${after.etag}` : 'its text';
    return { action: 'refuse', reason: `someone changed it after this action's write (${why})` };
  }
  const ifMatch = after.etag ?? now.etag ?? '';
  if (!ifMatch) return { action: 'refuse', reason: 'no ETag to guard the restore write with If-Match' };
  if (before.value === undefined) {
    // The API had no policy: the document should be the one this action created (its ETag says so). A DELETE removes
    // the whole document, so it goes only when nothing but the owned elements is in it — never on the word of a
    // snapshot file alone (a hand-edited one may drop "before" from an API whose policy is the user's).
    const extra = guardPolicyRestore(now.value, CREATED_SKELETON, r.ownership, namedValues);
    if (extra.length) {
      return {
        action: 'refuse',
        reason:
          'the snapshot says the API had no policy, but the policy now holds elements this action does not own: ' +
          `deleting it would remove them (${extra.join('; ')})`
      };
    }
    return {
      action: 'write',
      reason: 'created by this action',
      write: { op: 'delete-api-policy', apiId: r.apiId, ifMatch },
      before
    };
  }
  const refused = guardPolicyRestore(now.value, before.value, r.ownership, namedValues);
  if (refused.length) return { action: 'refuse', reason: `the restore guard refused it: ${refused.join('; ')}` };
  return {
    action: 'write',
    reason: "its ETag is the one this action's write returned",
    write: { op: 'put-api-policy', apiId: r.apiId, value: before.value, ifMatch },
    before
  };
}

function same(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return policiesEquivalent(a, b);
  } catch {
    return a === b;
  }
}

/**
 * The policy restore's guard: the restore body (`outgoing`, the text before the run) against the policy now
 * (`current`, what the action's write left), outside the owned elements — byte for byte (guardPolicyWrite), or, when
 * only APIM's save normalisation differs (line endings, indentation, `<x/>`; DESIGN §3), canonically. Returns the
 * problems, empty when the write may go. Pure.
 */
export function guardPolicyRestore(
  current: string,
  outgoing: string,
  own: PolicyOwnershipRecord,
  namedValues?: ReadonlyMap<string, string | undefined>
): string[] {
  const ownership: PolicyOwnership = { ...own, ...(namedValues ? { namedValues } : {}) };
  const bytes = guardPolicyWrite(current, outgoing, ownership);
  if (bytes.length === 0) return [];
  const opts = {
    dropOwned: true,
    acceptableResources: own.resources,
    keyHeader: own.keyHeader,
    keyQuery: own.keyQuery,
    ...(namedValues ? { namedValues } : {})
  };
  try {
    const a = JSON.stringify(canonicalPolicy(current, opts));
    return a === JSON.stringify(canonicalPolicy(outgoing, opts)) ? [] : bytes;
  } catch {
    return bytes;
  }
}

/**
 * Easy Auth after a restore against the `properties` before the run: the paths whose values differ (an empty list or
 * object counts as absent, as apply's read-back check has it), and whether the two are equal as JSON. Pure.
 */
export function easyAuthRestoreProblems(before: Json, after: unknown): { problems: string[]; exact: boolean } {
  const a = isPlainObject(after) && isPlainObject(after.properties) ? after.properties : undefined;
  if (!a) return { problems: ['no Easy Auth document after the restore'], exact: false };
  if (deepEqual(a, before)) return { problems: [], exact: true };
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isPlainObject(v) && Object.keys(v).length === 0);
  const problems = new Set<string>();
  for (const [p] of [...leaves(before), ...leaves(a)]) {
    const [x, y] = [getPath(before, p), getPath(a, p)];
    if (!(empty(x) && empty(y)) && !deepEqual(x, y) && !(isPlainObject(x) && isPlainObject(y))) {
      problems.add(pathToString(p));
    }
  }
  return { problems: [...problems], exact: false };
}
