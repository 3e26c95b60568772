/**
 * reconcileTarget (src/target.ts) in-process, with plain-object ports (__tests__/support/fake-ports.ts) over the
 * twin's scenarios: check writes nothing and reports drift; apply writes identity → Easy Auth → policy and a second
 * apply writes nothing; a broken read stops the run before any write; a broken re-read stops only the write it
 * guards, and the report's write states say exactly that.
 */
import { describe, expect, it } from '@jest/globals';
import { readSettings } from '../src/inputs.js';
import { reconcileTarget } from '../src/target.js';
import { baseInputs, scenario } from '../scripts/action-runner.js';
import { fakeArm, fakePorts, recordingLog } from './support/fake-ports.js';
import type { TwinState } from '../emulator/src/contracts.js';

function settingsFor(state: TwinState, extra: Record<string, string>) {
  const inputs: Record<string, string> = { ...baseInputs(state), ...extra };
  return readSettings((name) => inputs[name] ?? '');
}

async function run(state: TwinState, mode: 'check' | 'apply', faults = {}) {
  const f = fakeArm(state, faults);
  const { log, lines } = recordingLog();
  const result = await reconcileTarget(settingsFor(state, { mode }), fakePorts(f.arm, log));
  return { ...f, result, lines };
}

describe('reconcileTarget (in-process)', () => {
  it('check on a drifted target: drift reported, the step fails (fail-on-drift), nothing written', async () => {
    const r = await run(scenario('drifted'), 'check');
    expect(r.result.report.verdict).toBe('drift');
    expect(r.result.failed).toBe(true);
    expect(r.result.failure).toMatch(/^Drift found: \d+ change\(s\) needed/);
    expect(r.writes()).toEqual([]);
  });

  it('apply writes identity → Easy Auth → policy, verified; a second apply writes nothing', async () => {
    const state = scenario('drifted');
    const first = await run(state, 'apply');
    expect(first.result.failed).toBe(false);
    expect(first.writes()).toEqual(['patchApimService', 'putAuthSettingsV2', 'putApiPolicy']);
    expect(first.result.report.applied.map((a) => [a.label, a.state])).toEqual([
      ['APIM apim-x identity', 'verified'],
      ['Easy Auth func-x', 'verified'],
      ['API policy orders', 'verified']
    ]);
    const again = await run(state, 'apply');
    expect(again.result.report.verdict).toBe('in-sync');
    expect(again.writes()).toEqual([]);
  });

  it('a first read without content stops the run before any write, naming the request', async () => {
    await expect(run(scenario('drifted'), 'apply', { getAuthSettingsV2: () => ({}) })).rejects.toThrow(
      /config\/authsettingsV2\/list \(Easy Auth of func-x\) answered without the content .*empty object/
    );
  });

  it('a broken re-read before the Easy Auth PUT: the identity is changed, Easy Auth and the policy are not, and the report says so', async () => {
    const state = scenario('drifted');
    const f = fakeArm(state);
    let reads = 0;
    const realRead = f.arm.getAuthSettingsV2;
    f.arm.getAuthSettingsV2 = async () => (++reads === 2 ? ({ properties: {} } as never) : realRead());
    const { log } = recordingLog();
    const result = await reconcileTarget(settingsFor(state, { mode: 'apply' }), fakePorts(f.arm, log));
    expect(f.writes()).toEqual(['patchApimService']);
    expect(result.report.applied.map((a) => [a.label, a.state])).toEqual([
      ['APIM apim-x identity', 'verified'],
      ['Easy Auth func-x', 'not-written'],
      ['API policy orders', 'not-attempted']
    ]);
    expect(result.failure).toMatch(
      /Changed: APIM apim-x identity\. Not changed: Easy Auth func-x, API policy orders\./
    );
  });
});

describe('reconcileTarget (in-process): the typed APIM client is loaded ahead of the identity PATCH', () => {
  async function calls(stateName: string, mode: 'check' | 'apply') {
    const state = scenario(stateName);
    const f = fakeArm(state);
    const seen: string[] = [];
    f.arm.prepareApimUpdate = () => void seen.push('prepare');
    const patch = f.arm.patchApimService.bind(f.arm);
    f.arm.patchApimService = async (body) => {
      seen.push('patch');
      return patch(body);
    };
    await reconcileTarget(settingsFor(state, { mode }), fakePorts(f.arm, recordingLog().log));
    return seen;
  }

  it('an apply that adds the identity asks for it once, before the PATCH', async () => {
    expect(await calls('drifted', 'apply')).toEqual(['prepare', 'patch']);
  });

  it('a check, and an apply with the identity in place, never load it', async () => {
    expect(await calls('drifted', 'check')).toEqual([]);
    expect(await calls('in-sync', 'apply')).toEqual([]);
  });
});

describe('reconcileTarget (in-process): adversarial review', () => {
  it('an API read as having no policy is not created over one that exists at the write: refused, nothing written', async () => {
    const state = scenario('drifted');
    const f = fakeArm(state);
    let reads = 0;
    const real = f.arm.getApiPolicy;
    f.arm.getApiPolicy = async (apiId) => (++reads === 1 ? undefined : real(apiId)); // the first read says 404
    const { log } = recordingLog();
    const result = await reconcileTarget(settingsFor(state, { mode: 'apply' }), fakePorts(f.arm, log));
    expect(f.writes()).not.toContain('putApiPolicy');
    expect(result.report.applied.at(-1)).toMatchObject({ label: 'API policy orders', state: 'not-written' });
    expect(result.failure).toMatch(/had no policy when it was read and has one now/);
  });

  it('Easy Auth configured from a file (platform.configFilePath) is refused before any write', async () => {
    const state = scenario('drifted');
    const auth = Object.entries(state.resources).find(([k]) => k.endsWith('/config/authsettingsV2'))![1] as {
      properties: { platform: Record<string, unknown> };
    };
    auth.properties.platform.configFilePath = 'auth.json';
    const f = fakeArm(state);
    const { log } = recordingLog();
    // Refused after the plan was built: a failed result carrying the plan (not applied), not an exception.
    const result = await reconcileTarget(settingsFor(state, { mode: 'apply' }), fakePorts(f.arm, log));
    expect(result.failed).toBe(true);
    expect(result.failure).toMatch(/configured from the file "auth.json" \(platform.configFilePath\)/);
    expect(result.report).toMatchObject({ verdict: 'failed', stoppedBeforeWrites: true });
    expect(result.report.plan?.resources.some((r) => r.changes.length > 0)).toBe(true);
    expect(f.writes()).toEqual([]);
  });

  it('a policy resource holding APIM’s principalId (an object ID, C01) is rewritten in place to the client ID', async () => {
    const state = scenario('in-sync');
    const service = Object.entries(state.resources).find(([k]) => /service\/apim-x$/.test(k))![1] as {
      identity: { principalId: string };
    };
    const policyKey = Object.keys(state.resources).find((k) => k.endsWith('/apis/orders/policies/policy'))!;
    const policy = state.resources[policyKey] as { properties: { value: string } };
    const app = state.appRegistrations[0].appId;
    policy.properties.value = policy.properties.value.replace(
      `resource="${app}"`,
      `resource="${service.identity.principalId}"`
    );
    const r = await run(state, 'check');
    expect(r.result.plan?.resources.find((x) => x.kind === 'api-policy')?.changes).toEqual([
      { path: 'policy.resource', before: service.identity.principalId, after: app }
    ]);
  });
});

describe('reconcileTarget: the effective pipeline (in-process)', () => {
  it('reads 60 operation policies with at most arm-max-in-flight (16) in flight, and refuses (nothing written) on one operation that puts the key back', async () => {
    const state = scenario('in-sync');
    const apim = Object.keys(state.resources).find((k) => /\/service\/apim-x$/i.test(k))!;
    for (let i = 0; i < 60; i++) {
      const id = `${apim}/apis/orders/operations/op-${i}`;
      state.resources[id] = { id, name: `op-${i}`, properties: { method: 'GET', urlTemplate: `/o/${i}` } };
    }
    state.resources[`${apim}/apis/orders/operations/op-7/policies/policy`] = {
      properties: {
        format: 'rawxml',
        value:
          '<policies><inbound><base /><set-header name="Ocp-Apim-Subscription-Key" exists-action="append"><value>@(context.Subscription.Key)</value></set-header></inbound></policies>'
      }
    };
    const f = fakeArm(state);
    let inFlight = 0;
    let most = 0;
    const read = f.arm.getOperationPolicy;
    f.arm.getOperationPolicy = async (apiId, opId) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return read(apiId, opId);
    };
    const { log } = recordingLog();
    for (const mode of ['check', 'apply'] as const) {
      // Refused after the plan was built: a failed result carrying the plan, nothing written (issue #12).
      const r = await reconcileTarget(settingsFor(state, { mode }), fakePorts(f.arm, log));
      expect(r.failed).toBe(true);
      expect(r.report.stoppedBeforeWrites).toBe(true);
      expect(r.failure).toMatch(
        /Nothing was changed: API policy orders: .*operation op-7 of API orders: <set-header name="Ocp-Apim-Subscription-Key" exists-action="append"> at line 1 runs after <base \/>/
      );
    }
    expect(f.calls.filter((c) => c === 'getOperationPolicy')).toHaveLength(2 * 62);
    expect(most).toBe(16);
    most = 0;
    const four = { ...settingsFor(state, { mode: 'check' }), armMaxInFlight: 4 };
    expect((await reconcileTarget(four, fakePorts(f.arm, log))).failed).toBe(true);
    expect(most).toBe(4);
    expect(f.writes()).toEqual([]);
  });
});
