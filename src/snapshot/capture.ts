/**
 * Taking a snapshot before the first write, and recording what each write left (issue "Snapshot and restore",
 * item 1). Pure: the caller hands in the reads, the plan, the write records and the time.
 */
import type { WriteRecord } from '../apply.js';
import { isPlainObject } from '../json-path.js';
import type { Observed } from '../plan.js';
import type { Json, PolicyDocument } from '../ports.js';
import type { WriteBasis } from '../reconcilers/index.js';
import type { Plan, TargetSpec } from '../types.js';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_SCHEMA_VERSION,
  snapshotTarget,
  type AfterSource,
  type EasyAuthDoc,
  type IdentityDoc,
  type PolicyDoc,
  type Snapshot,
  type SnapshotResource
} from './schema.js';

const props = (doc: unknown): Json =>
  isPlainObject(doc) && isPlainObject(doc.properties) ? structuredClone(doc.properties) : {};
const identityOf = (service: unknown): Json | null =>
  isPlainObject(service) && isPlainObject(service.identity) ? structuredClone(service.identity) : null;

/**
 * The snapshot of one target before apply: one entry per resource the plan will write (a `write`, or one deferred
 * until an earlier write), in apply order, each with its document as first read (`observed`); a policy also with its
 * ETag and what makes an element the action's own (`basis`: the write guard's ownership and the API's
 * subscription-key names), so a later restore can run the same guard. `actionVersion` and `now` go in as given.
 */
export function captureSnapshot(
  spec: TargetSpec,
  observed: Observed,
  plan: Plan,
  basis: WriteBasis,
  meta: { actionVersion: string; now: Date }
): Snapshot {
  const resources: SnapshotResource[] = [];
  for (const rp of plan.resources.filter((r) => r.write || r.deferredUntil)) {
    const base = { resourceId: rp.resourceId, label: rp.label };
    if (rp.kind === 'apim-identity') {
      resources.push({ ...base, kind: 'apim-identity', before: { identity: identityOf(observed.service) } });
    } else if (rp.kind === 'easy-auth') {
      resources.push({ ...base, kind: 'easy-auth', before: { properties: props(observed.authSettingsV2) } });
    } else if (rp.write?.op === 'put-api-policy') {
      const apiId = rp.write.apiId;
      const api = observed.apis.find((a) => a.apiId.toLowerCase() === apiId.toLowerCase());
      const read = Object.entries(basis.policies).find(([id]) => id.toLowerCase() === apiId.toLowerCase())?.[1];
      const before: PolicyDoc = api?.policy ? { value: api.policy.value, etag: api.policy.etag } : {};
      resources.push({
        ...base,
        kind: 'api-policy',
        apiId,
        before,
        ownership: {
          resources: [...new Set(basis.ownership.resources)],
          keyHeader: read?.keyHeader ?? 'Ocp-Apim-Subscription-Key',
          keyQuery: read?.keyQuery ?? 'subscription-key'
        }
      });
    }
  }
  return {
    format: SNAPSHOT_FORMAT,
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    actionVersion: meta.actionVersion,
    createdAt: meta.now.toISOString(),
    target: snapshotTarget(spec),
    resources
  };
}

/**
 * `snapshot` with one write recorded (a new object; `snapshot` is not changed): the resource's `after` — the
 * read-back when there was one, else the write's response, else the body sent — and its write state. For Easy Auth
 * and the identity, `before` becomes the fresh read the write was merged into (what the write replaced: someone may
 * have changed an owned setting since the first read). A policy's `after` keeps the ETag the write returned (else the
 * read-back's). A record of a resource the snapshot does not hold is ignored.
 */
export function recordWrite(snapshot: Snapshot, rec: WriteRecord, now: Date): Snapshot {
  const at = now.toISOString();
  const resources = snapshot.resources.map((r): SnapshotResource => {
    if (r.resourceId.toLowerCase() !== rec.rp.resourceId.toLowerCase() || r.kind !== rec.rp.kind) return r;
    if (r.kind === 'apim-identity') {
      const fresh = Object.keys(rec.fresh).length ? { identity: identityOf(rec.fresh) } : r.before;
      const [document, source] = identityAfter(rec);
      return { ...r, before: fresh, after: { state: rec.state, document, source, at } };
    }
    if (r.kind === 'easy-auth') {
      const fresh = isPlainObject(rec.fresh.properties) ? { properties: props(rec.fresh) } : r.before;
      const [document, source] = easyAuthAfter(rec);
      return { ...r, before: fresh, after: { state: rec.state, document, source, at } };
    }
    const [document, source] = policyAfter(rec);
    return { ...r, after: { state: rec.state, document, source, at } };
  });
  return { ...snapshot, resources };
}

function identityAfter(rec: WriteRecord): [IdentityDoc, AfterSource] {
  if (isPlainObject(rec.readBack)) return [{ identity: identityOf(rec.readBack) }, 'read-back'];
  const sent = rec.write.op === 'patch-apim-identity' ? rec.write.body.identity : null;
  return [{ identity: sent ? structuredClone(sent as unknown as Json) : null }, 'sent'];
}

function easyAuthAfter(rec: WriteRecord): [EasyAuthDoc, AfterSource] {
  if (isPlainObject(rec.readBack)) return [{ properties: props(rec.readBack) }, 'read-back'];
  if (isPlainObject(rec.response) && isPlainObject(rec.response.properties)) {
    return [{ properties: props(rec.response) }, 'response'];
  }
  return [{ properties: rec.write.op === 'put-authsettings-v2' ? props(rec.write.body) : {} }, 'sent'];
}

function policyAfter(rec: WriteRecord): [PolicyDoc, AfterSource] {
  const response = rec.response as PolicyDocument | undefined;
  const readBack = rec.readBack as PolicyDocument | undefined;
  const sent = rec.write.op === 'put-api-policy' ? rec.write.value : undefined;
  // The ETag the write returned is what a restore's If-Match carries; the read-back's only when the write had none.
  const etag = response?.etag ?? readBack?.etag;
  const withEtag = (value: string | undefined): PolicyDoc => ({ value, ...(etag ? { etag } : {}) });
  // The write's response holds the document in the xml view (REST ApiPolicy_CreateOrUpdate example
  // ApiManagementCreateApiPolicyNonXmlEncoded), not the rawxml text: the text comes from the read-back or what was sent.
  if (readBack && typeof readBack.value === 'string') return [withEtag(readBack.value), 'read-back'];
  return [withEtag(sent), response ? 'response' : 'sent'];
}

/**
 * `snapshot` passed through `scrubDeep` (the run's secrets and JWT-shaped text replaced by `***`), with every resource
 * whose copy the scrub changed marked `scrubbed: true`: its documents are no longer exact, so it is never restored
 * from the file (Easy Auth holds setting names only, so this should never happen; scrubbed anyway). Pure.
 */
export function scrubSnapshot(snapshot: Snapshot, scrubDeep: <T>(value: T) => T): Snapshot {
  const resources = snapshot.resources.map((r) => {
    const clean = scrubDeep(r);
    return JSON.stringify(clean) === JSON.stringify(r) ? r : { ...clean, scrubbed: true };
  });
  return { ...scrubDeep({ ...snapshot, resources: [] }), resources };
}
