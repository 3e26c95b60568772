/**
 * The snapshot's schema (src/snapshot/schema.ts) and file naming (src/snapshot/file.ts): what is refused before any
 * write (not a snapshot, another schema version, a damaged file, another target, resources of another target), and a
 * file name per target that tells apart targets whose names repeat.
 */
import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { snapshotFileName } from '../../src/snapshot/file.js';
import { foreignResources, parseSnapshot, targetDifferences } from '../../src/snapshot/schema.js';
import { easyAuthEntry, IDS, policyEntry, SUB, TARGET, snapshotOf } from '../support/snapshots.js';

const easyAuth = easyAuthEntry({ platform: { enabled: false } });
const policy = policyEntry('<policies />', '"e1"');

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ActionError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('parseSnapshot', () => {
  it('accepts a snapshot of this schema version, as is', () => {
    const s = snapshotOf([easyAuth, policy]);
    expect(parseSnapshot(JSON.parse(JSON.stringify(s)), 'f.json')).toEqual(s);
  });

  it.each([
    [null, /is not a snapshot of apim-function-auth/],
    [{ resources: [] }, /is not a snapshot of apim-function-auth/],
    [{ ...snapshotOf(), schemaVersion: 2, actionVersion: '9.0.0' }, /schema version 2, .*does not know.*\(9\.0\.0\)/],
    [{ ...snapshotOf(), schemaVersion: '1' }, /schema version "1"/],
    [{ ...snapshotOf(), target: { ...TARGET, apimName: '' } }, /damaged: target\.apimName is missing/],
    [{ ...snapshotOf(), resources: [{ ...easyAuth, kind: 'dns' }] }, /resources\[0\]: unknown kind "dns"/],
    [{ ...snapshotOf(), resources: [{ ...easyAuth, before: {} }] }, /resources\[0\]: before\.properties is missing/],
    [{ ...snapshotOf(), resources: [{ ...policy, ownership: undefined }] }, /resources\[0\]: ownership is missing/],
    [
      { ...snapshotOf(), resources: [{ ...policy, after: { state: 'written', at: 'x' } }] },
      /resources\[0\]: after\.state is unknown/
    ],
    [{ ...snapshotOf(), resources: [easyAuth, policy, { ...easyAuth }] }, /resources\[2\]: .* is listed twice/],
    [
      { ...snapshotOf(), resources: [policy, { ...policy, resourceId: policy.resourceId.toUpperCase() }] },
      /resources\[1\]: .* is listed twice/
    ],
    [{ ...snapshotOf(), schemaVersion: 2, actionVersion: '1.0\n::error::x' }, /schema version 2, .*\(unknown\)\.$/]
  ])('refuses %j before any write', (raw, message) => {
    const m = messageOf(() => parseSnapshot(raw, 'f.json'));
    expect(m).toMatch(/^Nothing was changed: the snapshot f\.json /);
    expect(m).toMatch(message);
  });
});

describe('parseSnapshot on a deeply nested file', () => {
  it('refuses it with a clear message instead of overflowing the stack later', () => {
    // JSON.parse reads a million nested arrays; recursive comparisons of them would throw a RangeError.
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`) as unknown;
    const raw = snapshotOf([easyAuthEntry({ platform: { enabled: false }, deep } as never)]);
    expect(messageOf(() => parseSnapshot(raw, 'f.json'))).toBe(
      'Nothing was changed: the snapshot f.json is damaged: it nests deeper than 64 levels (a snapshot nests about ten).'
    );
    const fine = snapshotOf([easyAuthEntry({ a: { b: { c: { d: { e: [[[[{ f: 1 }]]]] } } } } })]);
    expect(parseSnapshot(fine, 'f.json')).toEqual(fine);
  });
});

describe('targetDifferences', () => {
  it('is empty for the same target in another letter case and API order', () => {
    const step = { ...TARGET, apimName: 'APIM-X', apiIds: ['Billing', 'orders'] };
    expect(targetDifferences(TARGET, step)).toEqual([]);
  });

  it('names every field that differs, a slot included', () => {
    const step = { ...TARGET, subscriptionId: '33333333-3333-4333-8333-333333333333', functionAppSlot: 'staging' };
    expect(targetDifferences(TARGET, step)).toEqual([
      `subscriptionId: snapshot '${SUB}', this step '33333333-3333-4333-8333-333333333333'`,
      "functionAppSlot: snapshot '', this step 'staging'"
    ]);
    expect(targetDifferences(TARGET, { ...TARGET, apiIds: ['orders'] })).toEqual([
      "apiIds: snapshot 'orders, billing', this step 'orders'"
    ]);
  });
});

describe('foreignResources', () => {
  it('names a resource whose ID is not the target’s, and a policy of an API the step does not list', () => {
    const other = { ...easyAuth, resourceId: IDS.authSettingsV2.replace('func-x', 'func-y') };
    const unlisted = { ...policy, apiId: 'stock', resourceId: `${IDS.apim}/apis/stock/policies/policy` };
    expect(foreignResources(snapshotOf([easyAuth, policy]), IDS)).toEqual([]);
    expect(foreignResources(snapshotOf([other, unlisted]), IDS)).toEqual([
      `Easy Auth func-x (${other.resourceId})`,
      `API policy orders (${unlisted.resourceId})`
    ]);
  });
});

describe('snapshotFileName', () => {
  it('is deterministic, names the target, and differs for the same names in another resource group or slot', () => {
    const name = snapshotFileName(TARGET);
    expect(name).toMatch(/^snapshot-apim-x-func-x-[0-9a-f]{12}\.json$/);
    expect(snapshotFileName({ ...TARGET, apiIds: ['billing', 'ORDERS'] })).toBe(name);
    expect(snapshotFileName({ ...TARGET, functionAppResourceGroup: 'rg-other' })).not.toBe(name);
    expect(snapshotFileName({ ...TARGET, functionAppSlot: 'staging' })).toMatch(
      /^snapshot-apim-x-func-x-staging-[0-9a-f]{12}\.json$/
    );
  });

  it('keeps only file-name-safe characters', () => {
    expect(snapshotFileName({ ...TARGET, apimName: '../x y' })).toMatch(/^snapshot-\.\._x_y-func-x-/);
  });
});
