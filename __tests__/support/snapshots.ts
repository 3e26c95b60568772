/** Builders of snapshots for the unit tests of src/snapshot (a target with two APIs, hand-written policies). */
import { targetResourceIds } from '../../src/azure/arm.js';
import type { Json } from '../../src/ports.js';
import {
  SNAPSHOT_FORMAT,
  type Snapshot,
  type SnapshotResource,
  type SnapshotTarget
} from '../../src/snapshot/schema.js';

export const SUB = '22222222-2222-4222-8222-222222222222';
export const APP = '55555555-5555-4555-8555-555555555555';

export const TARGET: SnapshotTarget = {
  subscriptionId: SUB,
  apimResourceGroup: 'rg-demo',
  apimName: 'apim-x',
  apiIds: ['orders', 'billing'],
  functionAppResourceGroup: 'rg-demo',
  functionAppName: 'func-x'
};
export const IDS = targetResourceIds(TARGET, TARGET.apiIds);

/** A snapshot of TARGET holding `resources`. */
export function snapshotOf(resources: SnapshotResource[] = [], target = TARGET): Snapshot {
  return {
    format: SNAPSHOT_FORMAT,
    schemaVersion: 1,
    actionVersion: '0.1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    target,
    resources
  };
}

/** The Easy Auth entry: `before` properties, and optionally what the write left. */
export function easyAuthEntry(before: Json, after?: Json): SnapshotResource {
  return {
    kind: 'easy-auth',
    resourceId: IDS.authSettingsV2,
    label: 'Easy Auth func-x',
    before: { properties: before },
    ...(after
      ? {
          after: { state: 'verified' as const, document: { properties: after }, source: 'read-back' as const, at: 'x' }
        }
      : {})
  };
}

/** The orders policy entry: `before` text (undefined: none) and ETag, and optionally what the write left. */
export function policyEntry(
  before: string | undefined,
  etag?: string,
  after?: { value: string; etag?: string; state?: 'verified' | 'unknown' }
): SnapshotResource {
  return {
    kind: 'api-policy',
    resourceId: `${IDS.apis.orders}/policies/policy`,
    label: 'API policy orders',
    apiId: 'orders',
    before: before === undefined ? {} : { value: before, ...(etag ? { etag } : {}) },
    ownership: { resources: [APP], keyHeader: 'Ocp-Apim-Subscription-Key', keyQuery: 'subscription-key' },
    ...(after
      ? {
          after: {
            state: after.state ?? 'verified',
            document: { value: after.value, ...(after.etag ? { etag: after.etag } : {}) },
            source: 'read-back' as const,
            at: 'x'
          }
        }
      : {})
  };
}

/** A policy document with `inner` as the content of `<inbound>` (after `<base />`). */
export function policyText(inner = ''): string {
  return (
    '<policies>\n    <inbound>\n        <base />\n' +
    inner +
    '        <set-variable name="caller" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />\n' +
    '    </inbound>\n    <backend>\n        <base />\n    </backend>\n</policies>'
  );
}

/** The owned elements the action adds after `<base />`. */
export const OWNED_ELEMENTS =
  `        <authentication-managed-identity resource="${APP}" />\n` +
  '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\n' +
  '        <set-query-parameter name="subscription-key" exists-action="delete" />\n';
