/**
 * planRestore (src/snapshot/restore-plan.ts), pure: per resource, put back / already as before / kept / refused, with
 * the guards of "Never lose what the user owns" applied to the restore writes (mirrored: a restore may change only what
 * the write it undoes changed), the ETag rule for policies, and the read-back checks.
 */
import { describe, expect, it } from '@jest/globals';
import type { PolicyDocument } from '../../src/ports.js';
import { newDocument } from '../../src/policy/splice.js';
import { describeKey } from '../../src/policy/subscription-key.js';
import {
  easyAuthRestoreProblems,
  guardPolicyRestore,
  IDENTITY_KEPT,
  MAY_STILL_LAND,
  planRestore,
  sameEtag,
  type CurrentDocs
} from '../../src/snapshot/restore-plan.js';
import type { SnapshotResource } from '../../src/snapshot/schema.js';
import { APP, easyAuthEntry, IDS, OWNED_ELEMENTS, policyEntry, policyText, snapshotOf } from '../support/snapshots.js';

const BEFORE = policyText();
const AFTER = policyText(OWNED_ELEMENTS);
/** What the action creates for an API without a policy (src/policy/splice.ts newDocument). */
const CREATED = newDocument(APP, { header: describeKey('header', undefined), query: describeKey('query', undefined) });
const doc = (value: string, etag: string): PolicyDocument => ({ value, etag, format: 'rawxml' });
const policies = (p: PolicyDocument | undefined): CurrentDocs => ({ policies: { orders: p } });
const step = (r: SnapshotResource, current: CurrentDocs) => planRestore(snapshotOf([r]), current)[0];

const OFF = {
  platform: { enabled: false, runtimeVersion: '~1' },
  globalValidation: { requireAuthentication: false },
  identityProviders: {},
  login: { tokenStore: { enabled: false } }
};
const ON = {
  platform: { enabled: true, runtimeVersion: '~1' },
  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
  identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: APP } } },
  login: { tokenStore: { enabled: false } }
};
const easyAuthNow = (properties: object) => ({
  easyAuth: { id: IDS.authSettingsV2, name: 'authsettingsV2', properties: structuredClone(properties) },
  policies: {}
});

describe('planRestore: API policy', () => {
  it('the ETag now is the one the write returned → PUT the text before the run with If-Match on that ETag', () => {
    const s = step(policyEntry(BEFORE, '"e1"', { value: AFTER, etag: '"e2"' }), policies(doc(AFTER, 'W/"e2"')));
    expect(s).toMatchObject({
      action: 'write',
      write: { op: 'put-api-policy', apiId: 'orders', value: BEFORE, ifMatch: '"e2"' }
    });
  });

  it('someone changed it after the write (another ETag) → refused, naming both ETags', () => {
    const theirs = AFTER.replace('<base />', '<base />\n        <rate-limit calls="5" renewal-period="60" />');
    const s = step(policyEntry(BEFORE, '"e1"', { value: AFTER, etag: '"e2"' }), policies(doc(theirs, '"e9"')));
    expect(s.action).toBe('refuse');
    expect(s.reason).toBe(
      `someone changed it after this action's write (ETag now "e9", after this action's write "e2")`
    );
  });

  it('already as before (semantically: APIM reformatted it) → unchanged, nothing written', () => {
    const reformatted = BEFORE.replace(/<base \/>/g, '<base/>').replace(/\n/g, '\r\n');
    const s = step(policyEntry(BEFORE, '"e1"', { value: AFTER, etag: '"e2"' }), policies(doc(reformatted, '"e3"')));
    expect(s).toMatchObject({ action: 'unchanged', reason: 'already as before the run' });
  });

  it('no write recorded and it differs from the snapshot → refused', () => {
    expect(step(policyEntry(BEFORE, '"e1"'), policies(doc(AFTER, '"e2"')))).toMatchObject({
      action: 'refuse',
      reason: 'it differs from the snapshot and no write of it by this action was recorded'
    });
  });

  it('the API had no policy: the one this action created is deleted with If-Match; deleted meanwhile → refused', () => {
    const r = policyEntry(undefined, undefined, { value: CREATED, etag: '"e2"' });
    expect(step(r, policies(doc(CREATED, '"e2"')))).toMatchObject({
      action: 'write',
      write: { op: 'delete-api-policy', apiId: 'orders', ifMatch: '"e2"' }
    });
    expect(step(r, policies(undefined)).action).toBe('unchanged');
    const gone = step(policyEntry(BEFORE, '"e1"', { value: AFTER, etag: '"e2"' }), policies(undefined));
    expect(gone).toMatchObject({ action: 'refuse', reason: "someone deleted it after this action's write" });
  });

  it('"no policy before" but the policy now holds elements the action does not own (a hand-edited file) → refused, never deleted', () => {
    // The file says the API had none (its "before" dropped), the ETag is the write's: the policy is still the user's.
    const r = policyEntry(undefined, undefined, { value: AFTER, etag: '"e2"' });
    const s = step(r, policies(doc(AFTER, '"e2"')));
    expect(s.action).toBe('refuse');
    expect(s.reason).toMatch(
      /^the snapshot says the API had no policy, but the policy now holds elements this action does not own: deleting it would remove them \(bytes outside the owned elements would change/
    );
    // APIM's save normalisation of the document the action created is still the action's own.
    const saved = CREATED.replace(/<base \/>/g, '<base/>').replace(/\n/g, '\r\n');
    expect(step(r, policies(doc(saved, '"e2"')))).toMatchObject({
      action: 'write',
      write: { op: 'delete-api-policy' }
    });
  });

  it('a write of unknown outcome (no ETag): ours only when its text is what was sent; then If-Match on the ETag read now', () => {
    const r = policyEntry(BEFORE, '"e1"', { value: AFTER, state: 'unknown' });
    expect(step(r, policies(doc(AFTER, '"e7"')))).toMatchObject({ action: 'write', write: { ifMatch: '"e7"' } });
    const other = AFTER.replace('subscription-key"', 'sk"');
    expect(step(r, policies(doc(other, '"e7"')))).toMatchObject({ action: 'refuse' });
  });

  it('a snapshot whose "before" differs from the policy now outside the owned elements (a hand-edited file) → refused by the guard', () => {
    const edited = BEFORE.replace('X-Caller', 'X-Other');
    const s = step(policyEntry(edited, '"e1"', { value: AFTER, etag: '"e2"' }), policies(doc(AFTER, '"e2"')));
    expect(s.action).toBe('refuse');
    expect(s.reason).toMatch(/^the restore guard refused it: bytes outside the owned elements would change/);
  });

  it('a copy scrubbed of a secret-looking value is never restored', () => {
    const r = { ...policyEntry(BEFORE, '"e1"', { value: AFTER, etag: '"e2"' }), scrubbed: true };
    expect(step(r, policies(doc(AFTER, '"e2"')))).toMatchObject({ action: 'refuse', reason: /scrubbed/ });
  });
});

describe('guardPolicyRestore', () => {
  const own = { resources: [APP], keyHeader: 'Ocp-Apim-Subscription-Key', keyQuery: 'subscription-key' };

  it('passes when only the owned elements differ, and when only APIM save normalisation differs outside them', () => {
    expect(guardPolicyRestore(AFTER, BEFORE, own)).toEqual([]);
    const normalised = AFTER.replace(/<base \/>/g, '<base/>').replace(/\n/g, '\r\n');
    expect(guardPolicyRestore(normalised, BEFORE, own)).toEqual([]);
  });

  it('refuses a change to another element, or to a managed-identity element for another resource', () => {
    expect(guardPolicyRestore(AFTER, BEFORE.replace('"none"', '"anon"'), own)).toHaveLength(1);
    const theirs = AFTER.replace(
      OWNED_ELEMENTS,
      `${OWNED_ELEMENTS}        <authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv" />\n`
    );
    expect(guardPolicyRestore(theirs, BEFORE, own)).toHaveLength(1);
  });
});

describe('planRestore: Easy Auth', () => {
  it('equal to what the write left → PUT the properties before the run into the current document', () => {
    const s = step(easyAuthEntry(OFF, ON), easyAuthNow(ON));
    expect(s.action).toBe('write');
    expect(s.write).toEqual({
      op: 'put-authsettings-v2',
      body: { id: IDS.authSettingsV2, name: 'authsettingsV2', properties: OFF },
      expect: ON
    });
  });

  it('already as before → unchanged; no current document → refused', () => {
    expect(step(easyAuthEntry(OFF, ON), easyAuthNow(OFF)).action).toBe('unchanged');
    expect(step(easyAuthEntry(OFF, ON), { policies: {} }).action).toBe('refuse');
  });

  it('someone changed a setting after the write → refused, naming the path', () => {
    const theirs = { ...structuredClone(ON), login: { tokenStore: { enabled: true } } };
    const s = step(easyAuthEntry(OFF, ON), easyAuthNow(theirs));
    expect(s.action).toBe('refuse');
    expect(s.reason).toBe(
      "someone changed it after this action's write (differs from the recorded after at properties.login.tokenStore.enabled)"
    );
  });

  it('a "before" that differs outside the owned paths (a hand-edited file) → refused by the mirrored write guard', () => {
    const edited = { ...structuredClone(OFF), login: { tokenStore: { enabled: true } } };
    const s = step(easyAuthEntry(edited, ON), easyAuthNow(ON));
    expect(s).toMatchObject({
      action: 'refuse',
      reason: 'the restore would change settings this action does not own (properties.login.tokenStore.enabled)'
    });
  });
});

describe('planRestore: a write of unknown outcome that reads as before', () => {
  it('right after the run (on-failure: restore) is unsure — it may still land —; later (mode: restore) unchanged', () => {
    const snap = snapshotOf([
      {
        ...easyAuthEntry(OFF, ON),
        after: { state: 'unknown', document: { properties: ON }, source: 'sent', at: 'x' }
      } as SnapshotResource,
      policyEntry(BEFORE, '"e1"', { value: AFTER, state: 'unknown' })
    ]);
    const now: CurrentDocs = { ...easyAuthNow(OFF), policies: { orders: doc(BEFORE, '"e1"') } };
    const recent = planRestore(snap, now, undefined, { recent: true });
    expect(recent.map((x) => [x.label, x.action])).toEqual([
      ['Easy Auth func-x', 'unsure'],
      ['API policy orders', 'unsure']
    ]);
    expect(recent[0]!.reason).toBe(MAY_STILL_LAND);
    expect(planRestore(snap, now).map((x) => x.action)).toEqual(['unchanged', 'unchanged']);
    // A verified write that reads as before again is plainly unchanged, even right after the run.
    const verified = snapshotOf([easyAuthEntry(OFF, ON)]);
    expect(planRestore(verified, easyAuthNow(OFF), undefined, { recent: true })[0]!.action).toBe('unchanged');
  });
});

describe('planRestore: the identity', () => {
  it('is kept when the run enabled it (never removed), and says why', () => {
    const identity: SnapshotResource = {
      kind: 'apim-identity',
      resourceId: IDS.apim,
      label: 'APIM apim-x identity',
      before: { identity: { type: 'UserAssigned' } },
      after: { state: 'verified', document: { identity: { type: 'SystemAssigned, UserAssigned' } }, at: 'x' }
    };
    expect(step(identity, { policies: {} })).toMatchObject({ action: 'keep', reason: IDENTITY_KEPT });
    expect(IDENTITY_KEPT).toMatch(/never removed .*deletes its service principal and every role assignment/);
  });
});

describe('easyAuthRestoreProblems and sameEtag', () => {
  it('equal as JSON → exact; an empty list for an absent one → equal, not exact; another value → the path', () => {
    expect(easyAuthRestoreProblems(OFF, { properties: structuredClone(OFF) })).toEqual({ problems: [], exact: true });
    const withEmpty = {
      ...structuredClone(OFF),
      globalValidation: { requireAuthentication: false, excludedPaths: [] }
    };
    expect(easyAuthRestoreProblems(OFF, { properties: withEmpty })).toEqual({ problems: [], exact: false });
    expect(easyAuthRestoreProblems(OFF, { properties: ON }).problems).toContain('platform.enabled');
    expect(easyAuthRestoreProblems(OFF, {}).problems).toEqual(['no Easy Auth document after the restore']);
  });

  it('compares ETags without quotes or the weak prefix; an empty one matches nothing', () => {
    expect(sameEtag('W/"abc"', '"abc"')).toBe(true);
    expect(sameEtag('"abc"', '"abd"')).toBe(false);
    expect(sameEtag('', '')).toBe(false);
    expect(sameEtag(undefined, '"x"')).toBe(false);
  });
});
