/**
 * apply.ts with a plain-object ArmPort: order, write states (verified / written-unverified / unknown / not-written)
 * and the statement of what was and was not changed.
 */
import { describe, expect, it } from '@jest/globals';
import { applyPlan, type ApplyDeps } from '../src/apply.js';
import { BundleLoadError } from '../src/bundle.js';
import { describeOutcome } from '../src/apply.js';
import { ArmError, EARLIER_ATTEMPT_NOTE, type ArmPort, type Json } from '../src/ports.js';
import type { Plan, ResourcePlan } from '../src/types.js';

const APP = '55555555-5555-4555-8555-555555555555';
const POLICY = `<policies><inbound><base /><authentication-managed-identity resource="${APP}" /><set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /><set-query-parameter name="subscription-key" exists-action="delete" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
const authDoc = (enabled: boolean): Json => ({
  properties: {
    platform: { enabled },
    globalValidation: { requireAuthentication: enabled, unauthenticatedClientAction: 'Return401' },
    identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: APP } } }
  }
});

function plan(): Plan {
  const easyAuth: ResourcePlan = {
    kind: 'easy-auth',
    resourceId: '/sites/func-x/config/authsettingsV2',
    label: 'Easy Auth func-x',
    changes: [{ path: 'platform.enabled', before: false, after: true }],
    write: {
      op: 'put-authsettings-v2',
      body: authDoc(true),
      ownedPaths: ['platform.enabled', 'globalValidation.requireAuthentication']
    },
    notes: []
  };
  const policy: ResourcePlan = {
    kind: 'api-policy',
    resourceId: '/apis/orders/policies/policy',
    label: 'API policy orders',
    changes: [{ path: 'policy.authentication-managed-identity', before: null, after: APP }],
    write: { op: 'put-api-policy', apiId: 'orders', value: POLICY, format: 'rawxml', ifMatch: '"e1"' },
    notes: []
  };
  return { resources: [easyAuth, policy], warnings: [], facts: { effectiveAudiences: [APP], excludedPaths: [] } };
}

/** An in-memory ArmPort; `fail` decides per call name whether (and how) it throws. */
function fakeArm(fail: Partial<Record<keyof ArmPort, () => never>> = {}) {
  const calls: string[] = [];
  let auth = authDoc(false);
  let policyText = '<policies><inbound><base /></inbound></policies>';
  const arm = {
    async getAuthSettingsV2() {
      calls.push('getAuthSettingsV2');
      fail.getAuthSettingsV2?.();
      return structuredClone(auth);
    },
    async putAuthSettingsV2(body: Json) {
      calls.push('putAuthSettingsV2');
      fail.putAuthSettingsV2?.();
      auth = structuredClone(body);
      return body;
    },
    async putApiPolicy(_apiId: string, value: string) {
      calls.push('putApiPolicy');
      fail.putApiPolicy?.();
      policyText = value;
      return { value, format: 'rawxml' as const };
    },
    async getApiPolicy() {
      calls.push('getApiPolicy');
      fail.getApiPolicy?.();
      return { value: policyText, format: 'rawxml' as const, etag: '"e2"' };
    }
  } as unknown as ArmPort;
  return { arm, calls, state: () => ({ auth, policyText }) };
}

const log = { info: () => undefined, warning: () => undefined, debug: () => undefined };
function deps(arm: ArmPort): ApplyDeps {
  return {
    arm,
    log,
    // Re-reads the document and keeps the planned write (what main's rederive does when nothing changed).
    rederive: async (rp: ResourcePlan) => ({ plan: rp, before: await arm.getAuthSettingsV2() }),
    // The policy write creates the document (no policy was read), so the write guard has no user bytes to keep.
    basis: {
      service: {},
      easyAuth: authDoc(false),
      policies: { orders: { keyHeader: 'Ocp-Apim-Subscription-Key', keyQuery: 'subscription-key' } },
      ownership: { resources: [APP] },
      ownershipOptions: { acceptableResources: [APP] }
    }
  };
}
const throwArm = (status: number) => () => {
  throw new ArmError(`boom ${status}`, status, status === 403 ? 'AuthorizationFailed' : 'InternalServerError', '/x');
};

describe('applyPlan', () => {
  it('writes in plan order, re-reads Easy Auth right before its PUT, and verifies each read-back', async () => {
    const f = fakeArm();
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.error).toBeUndefined();
    expect(f.calls).toEqual([
      'getAuthSettingsV2',
      'putAuthSettingsV2',
      'getAuthSettingsV2',
      'putApiPolicy',
      'getApiPolicy'
    ]);
    expect(out.applied.map((a) => [a.label, a.state])).toEqual([
      ['Easy Auth func-x', 'verified'],
      ['API policy orders', 'verified']
    ]);
    expect(out.writes).toBe(2);
  });

  it.each([
    [
      'a refused write (4xx) → not written',
      'putApiPolicy',
      throwArm(403),
      'not-written',
      /Changed: Easy Auth func-x\. Not changed: API policy orders\./
    ],
    [
      'a 5xx on the write → outcome unknown',
      'putApiPolicy',
      throwArm(500),
      'unknown',
      /Outcome unknown \(check it\): API policy orders\./
    ],
    [
      'a failed read-back → written but not verified',
      'getApiPolicy',
      throwArm(503),
      'written-unverified',
      /Written but not verified: API policy orders\./
    ]
  ] as const)('%s', async (_name, method, thrower, state, statement) => {
    const f = fakeArm({ [method]: thrower });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.error?.message).toMatch(/^API policy orders: /);
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', ok: false, state });
    expect(describeOutcome(out)).toMatch(statement);
    // Easy Auth was written and the policy was not (or not surely): the 401 risk is said.
    expect(describeOutcome(out)).toMatch(/calls through APIM may get 401/);
  });

  it('a first write refused → nothing changed, the rest not attempted, no 401 warning', async () => {
    const f = fakeArm({ putAuthSettingsV2: throwArm(403) });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.notApplied).toEqual(['API policy orders']);
    expect(f.calls).not.toContain('putApiPolicy');
    expect(describeOutcome(out)).toBe('Changed: nothing. Not changed: Easy Auth func-x, API policy orders.');
    expect(out.error?.message).toMatch(/Website Contributor/);
  });

  it('a policy 412 says nothing was overwritten', async () => {
    const f = fakeArm({ putApiPolicy: throwArm(412) });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.error?.message).toMatch(
      /changed by someone else since it was read \(ETag mismatch, 412\)\. Nothing was overwritten/
    );
    expect(out.applied.at(-1)?.state).toBe('not-written');
  });

  it('a write whose error already says it may have been applied says it once', async () => {
    // What the ARM transport throws for a write refused after an earlier attempt without a clear answer.
    const f = fakeArm({
      putApiPolicy: () => {
        throw new ArmError(`PUT /x → 500 InternalServerError: no ${EARLIER_ATTEMPT_NOTE}`, 500, 'X', '/x', true);
      }
    });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.applied.at(-1)?.state).toBe('unknown');
    expect(out.error?.message).toBe(`API policy orders: PUT /x → 500 InternalServerError: no ${EARLIER_ATTEMPT_NOTE}`);
    expect(out.error?.message.match(/may (or may not )?have been applied/g)).toHaveLength(1);
  });

  it('an error without a message still names the resource', async () => {
    const f = fakeArm({
      putAuthSettingsV2: () => {
        throw new Error('');
      }
    });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.error?.message).toMatch(/^Easy Auth func-x: unknown error/);
  });

  it('refuses a plan with errors before any call', async () => {
    const f = fakeArm();
    const p = plan();
    p.resources[1] = { ...p.resources[1], write: undefined, error: 'cannot be parsed (line 3, column 9)' };
    await expect(applyPlan(p, deps(f.arm))).rejects.toThrow(/Refusing to apply: API policy orders: cannot be parsed/);
    expect(f.calls).toEqual([]);
  });
});

describe('applyPlan: the policy read-back checks the API subscription-key header the plan deletes', () => {
  const X_POLICY = POLICY.replace('Ocp-Apim-Subscription-Key', 'X-Api-Key');
  const withPolicy = (value: string): Plan => {
    const p = plan();
    const rp = p.resources[1];
    if (rp.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    p.resources[1] = { ...rp, write: { ...rp.write, value } };
    return p;
  };

  it('a written X-Api-Key delete read back as written → verified (no Ocp-Apim-Subscription-Key delete needed)', async () => {
    const f = fakeArm();
    const out = await applyPlan(withPolicy(X_POLICY), deps(f.arm));
    expect(out.error).toBeUndefined();
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'verified' });
  });

  it('the X-Api-Key delete missing from what APIM stored → written but not verified, naming X-Api-Key', async () => {
    const f = fakeArm();
    const arm = {
      ...f.arm,
      getApiPolicy: async () => ({ value: POLICY, format: 'rawxml' as const, etag: '"e2"' })
    } as unknown as ArmPort;
    const out = await applyPlan(withPolicy(X_POLICY), deps(arm));
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'written-unverified' });
    expect(out.error?.message).toMatch(/policy read-back differs from what was written: X-Api-Key is not deleted/);
    expect(out.error?.message).not.toMatch(/Ocp-Apim-Subscription-Key is not deleted/);
  });
});

describe('applyPlan: the write states are the truth, whatever fails', () => {
  it('an unexpected exception after ARM acknowledged the write → written but not verified, never "not changed"', async () => {
    const f = fakeArm();
    const arm = {
      ...f.arm,
      getApiPolicy: async () => {
        throw new TypeError('boom in the verification code');
      }
    } as unknown as ArmPort;
    const out = await applyPlan(plan(), deps(arm));
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'written-unverified' });
    expect(describeOutcome(out)).toMatch(/Written but not verified: API policy orders\./);
    expect(describeOutcome(out)).not.toMatch(/Not changed: API policy orders/);
  });

  it('a non-ARM exception while the write is in flight → outcome unknown', async () => {
    const f = fakeArm({
      putApiPolicy: () => {
        throw new TypeError('socket hang up');
      }
    });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'unknown' });
  });

  it('a write whose client could not be loaded (a damaged bundle) was never sent → not written, never "unknown"', async () => {
    const f = fakeArm({
      putAuthSettingsV2: () => {
        throw new BundleLoadError("Could not load the typed client from the action's files (Cannot find module)");
      }
    });
    const out = await applyPlan(plan(), deps(f.arm));
    expect(out.applied[0]).toMatchObject({ label: 'Easy Auth func-x', state: 'not-written' });
    expect(describeOutcome(out)).toMatch(/^Changed: nothing\. Not changed: Easy Auth func-x, API policy orders\./);
    expect(describeOutcome(out)).not.toMatch(/unknown|may or may not/i);
  });

  it('the write guard refuses a body that drops a user setting: nothing is sent, the paths are named', async () => {
    const f = fakeArm();
    const withGoogle = (enabled: boolean): Json => {
      const d = authDoc(enabled);
      (d.properties as Json).identityProviders = { google: { enabled: true }, azureActiveDirectory: {} };
      return d;
    };
    const arm = { ...f.arm, getAuthSettingsV2: async () => withGoogle(false) } as unknown as ArmPort;
    const out = await applyPlan(plan(), deps(arm));
    expect(out.applied[0]).toMatchObject({ label: 'Easy Auth func-x', state: 'not-written' });
    expect(out.error?.message).toMatch(/write refused by the guard.*properties\.identityProviders\.google\.enabled/);
    expect(f.calls).not.toContain('putAuthSettingsV2');
    expect(out.writes).toBe(0);
  });

  it('the policy guard refuses a body that changes bytes the user owns', async () => {
    const f = fakeArm();
    const d = deps(f.arm);
    d.basis.policies.orders = {
      ...d.basis.policies.orders,
      value: POLICY.replace('<base />', '<base /><!-- mine -->')
    };
    const out = await applyPlan(plan(), d);
    expect(out.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'not-written' });
    expect(out.error?.message).toMatch(/write refused by the guard: .*bytes outside the owned elements/);
    expect(f.calls).not.toContain('putApiPolicy');
  });

  it('Easy Auth still waiting for APIM’s principalId after the identity step is not written', async () => {
    const f = fakeArm();
    const d = {
      ...deps(f.arm),
      rederive: async (rp: ResourcePlan) => ({
        plan: { ...rp, deferredUntil: 'apim-identity' as const },
        before: await f.arm.getAuthSettingsV2()
      })
    };
    const out = await applyPlan(plan(), d);
    expect(out.applied[0]).toMatchObject({ label: 'Easy Auth func-x', state: 'not-written' });
    expect(out.error?.message).toMatch(/principalId is still unknown after the identity step/);
    expect(f.calls).not.toContain('putAuthSettingsV2');
  });
});

describe('applyPlan: the identity PATCH is guarded against a fresh read of the service', () => {
  const uai = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/certs';
  it('a PATCH planned on a read that missed a user-assigned identity is refused, nothing sent', async () => {
    const calls: string[] = [];
    const arm = {
      async getApimService() {
        calls.push('getApimService');
        return {
          body: { properties: { a: 1 }, identity: { type: 'UserAssigned', userAssignedIdentities: { [uai]: {} } } }
        };
      },
      async patchApimService() {
        calls.push('patchApimService');
      }
    } as unknown as ArmPort;
    const identity: ResourcePlan = {
      kind: 'apim-identity',
      resourceId: '/service/apim-x',
      label: 'APIM apim-x identity',
      changes: [{ path: 'identity.type', before: 'None', after: 'SystemAssigned' }],
      write: { op: 'patch-apim-identity', body: { identity: { type: 'SystemAssigned' } } },
      notes: []
    };
    const d = deps(arm);
    d.basis.service = { properties: { a: 1 } }; // the first read (e.g. a broken answer) showed no identity
    const out = await applyPlan(
      { resources: [identity], warnings: [], facts: { effectiveAudiences: [], excludedPaths: [] } },
      d
    );
    expect(calls).toEqual(['getApimService']);
    expect(out.applied[0]).toMatchObject({ label: 'APIM apim-x identity', state: 'not-written' });
    expect(out.error?.message).toMatch(/write refused by the guard: .*identity\.type would drop UserAssigned/);
  });
});
