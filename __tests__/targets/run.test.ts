/**
 * One run, many targets (src/targets/run.ts): bounded concurrency (max-parallel), targets on one Function App one
 * after another, a failing target — before or after its writes — does not stop the others, and the step's failure
 * names each failed target and what it changed. The real reconcileTarget runs over in-memory ports for the
 * failure-after-writes case.
 */
import { describe, expect, it } from '@jest/globals';
import type { TwinState } from '../../emulator/src/contracts.js';
import { ActionError } from '../../src/errors.js';
import { ArmError, type Logger } from '../../src/ports.js';
import type { TargetPorts, TargetResult } from '../../src/target.js';
import { lanes, runTargets, targetsFailure, type NamedTarget } from '../../src/targets/run.js';
import type { RunSettings, TargetSpec } from '../../src/types.js';
import { scenario } from '../../scripts/action-runner.js';
import { fakeArm, fakePorts, recordingLog } from '../support/fake-ports.js';

const RUN: RunSettings = {
  clientId: 'c',
  tenantId: '11111111-1111-4111-8111-111111111111',
  environment: 'AzureCloud',
  endpoints: {
    armEndpoint: 'https://arm',
    armScope: 'https://arm/.default',
    authorityHost: 'https://login',
    graphEndpoint: 'https://graph',
    graphScope: 'https://graph/.default'
  },
  audience: 'api://AzureADTokenExchange',
  mode: 'apply',
  failOnDrift: true,
  prComment: false,
  maxParallel: 3
};

function spec(site: string, extra: Partial<TargetSpec> = {}): TargetSpec {
  return {
    subscriptionId: '22222222-2222-4222-8222-222222222222',
    apimName: 'apim-x',
    apimResourceGroup: 'rg-demo',
    apiIds: ['orders'],
    functionAppName: site,
    functionAppResourceGroup: 'rg-demo',
    allowedCallers: 'apim-only',
    excludedPaths: [],
    smoke: { path: '', method: 'GET', expectedStatus: '200', timeoutSeconds: 0, subscriptionName: 'master' },
    ...extra
  };
}

const quiet: Logger = { info: () => undefined, warning: () => undefined, debug: () => undefined };
const ok = (name: string): TargetResult => ({
  failed: false,
  report: {
    mode: 'apply',
    verdict: 'in-sync',
    target: { apim: 'apim-x', apis: ['orders'], functionApp: name },
    applied: [],
    warnings: [],
    durationSeconds: 0
  }
});

describe('runTargets', () => {
  it('runs at most max-parallel targets at once, and every target once, results in the order given', async () => {
    const targets: NamedTarget[] = Array.from({ length: 10 }, (_, i) => ({ name: `t${i}`, spec: spec(`func-${i}`) }));
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const runs = await runTargets(RUN, targets, {
      log: quiet,
      portsFor: () => ({}) as never,
      reconcile: async (s) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5 + (Number(s.functionAppName.slice(5)) % 3) * 5));
        seen.push(s.functionAppName);
        running--;
        return ok(s.functionAppName);
      }
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual(targets.map((t) => t.spec.functionAppName).sort());
    expect(runs.map((r) => r.name)).toEqual(targets.map((t) => t.name));
  });

  it('runs targets on the same Function App (or slot, case-insensitively) one after another, in file order', async () => {
    const targets: NamedTarget[] = [
      { name: 'a', spec: spec('func-x') },
      { name: 'b', spec: spec('FUNC-X', { apimName: 'apim-y' }) },
      { name: 'c', spec: spec('func-x', { functionAppSlot: 'staging' }) },
      { name: 'd', spec: spec('func-y') }
    ];
    expect(lanes(targets).map((l) => l.map((t) => t.name))).toEqual([['a', 'b'], ['c'], ['d']]);
    const events: string[] = [];
    await runTargets({ ...RUN, maxParallel: 4 }, targets, {
      log: quiet,
      portsFor: () => ({}) as never,
      reconcile: async (s) => {
        events.push(`start ${s.functionAppName}/${s.apimName}`);
        await new Promise((r) => setTimeout(r, 10));
        events.push(`end ${s.functionAppName}/${s.apimName}`);
        return ok(s.functionAppName);
      }
    });
    expect(events.indexOf('start FUNC-X/apim-y')).toBeGreaterThan(events.indexOf('end func-x/apim-x'));
  });

  it('a target that throws before its writes fails alone; the others run, each with its own prefixed log', async () => {
    const rec = recordingLog();
    const targets: NamedTarget[] = ['a', 'b', 'c'].map((n) => ({ name: n, spec: spec(`func-${n}`) }));
    const written = { patchApimService: async () => undefined } as unknown as TargetPorts['arm'];
    const runs = await runTargets(RUN, targets, {
      log: rec.log,
      portsFor: (_t, l) => {
        l.info('ports made');
        return fakePorts(written, l);
      },
      reconcile: async (s, ports) => {
        if (s.functionAppName === 'func-b') throw new ActionError('Nothing was changed: the site was not found');
        if (s.functionAppName === 'func-c') {
          await ports.arm.patchApimService({});
          throw new TypeError('a bug');
        }
        return ok(s.functionAppName);
      }
    });
    expect(runs.map((r) => [r.name, r.result.failed, r.result.report.verdict])).toEqual([
      ['a', false, 'in-sync'],
      ['b', true, 'failed'],
      ['c', true, 'failed']
    ]);
    expect(rec.lines.filter((l) => l.text.endsWith('ports made')).map((l) => l.text)).toEqual(
      expect.arrayContaining(['[a] ports made', '[b] ports made', '[c] ports made'])
    );
    expect(rec.lines).toContainEqual({
      level: 'warning',
      text: expect.stringMatching(/^\[b\] failed after [0-9.]+ s: Nothing was changed: the site was not found$/)
    });
    // Before any write the target changed nothing; an error after a write was sent leaves it unknown.
    expect(targetsFailure(runs)).toBe(
      '2 of 3 targets failed: b, c.\n' +
        '- b: Nothing was changed: the site was not found Nothing was changed.\n' +
        '- c: a bug What it changed before the error is not known: check its resources.'
    );
    expect(targetsFailure([runs[0]!])).toBeUndefined();
  });

  it('a check that stops the step only by drift is worded as drift, not failure; failures stay failures', async () => {
    const rec = recordingLog();
    const drifted = (name: string): TargetResult => {
      const r = ok(name);
      return {
        ...r,
        failed: true,
        failure: 'Drift found: 2 change(s) needed (…). Run with mode: apply to fix.',
        report: { ...r.report, mode: 'check', verdict: 'drift' }
      };
    };
    const targets: NamedTarget[] = ['t1', 't2', 't3'].map((n) => ({ name: n, spec: spec(`func-${n}`) }));
    const runs = await runTargets({ ...RUN, mode: 'check' }, targets, {
      log: rec.log,
      portsFor: (_t, l) => fakePorts({} as TargetPorts['arm'], l),
      reconcile: async (s) => {
        if (s.functionAppName === 'func-t2') return drifted('func-t2');
        if (s.functionAppName === 'func-t3') throw new ActionError('Nothing was changed: the site was not found');
        return ok(s.functionAppName);
      }
    });
    expect(rec.lines).toContainEqual({
      level: 'warning',
      text: expect.stringMatching(/^\[t2\] drifted \(found in [0-9.]+ s\): Drift found: 2 change/)
    });
    expect(rec.lines.some((l) => /^\[t2\] failed/.test(l.text))).toBe(false);
    expect(targetsFailure(runs)).toBe(
      '1 of 3 targets failed: t3. 1 of 3 targets drifted: t2.\n' +
        '- t3: Nothing was changed: the site was not found Nothing was changed.\n' +
        '- t2: Drift found: 2 change(s) needed (…). Run with mode: apply to fix.'
    );
    expect(targetsFailure([runs[0]!, runs[1]!])).toMatch(/^1 of 2 targets drifted: t2\.\n/);
    expect(targetsFailure([runs[0]!, runs[1]!])).not.toContain('failed');
  });

  it('a target that fails after its writes (the real reconcile) says what it changed; the other is applied', async () => {
    // Two subscriptions' worth of the same names would need two ARMs: each target gets its own in-memory ARM.
    const good = scenario('drifted') as TwinState;
    const bad = scenario('drifted') as TwinState;
    const policy = `/subscriptions/${bad.subscriptionId}/resourceGroups/rg-demo/providers/Microsoft.ApiManagement/service/apim-x/apis/orders/policies/policy`;
    // The bad target's policy write is refused (412) after its identity and Easy Auth were written.
    const armBad = fakeArm(bad, {
      putApiPolicy: () => {
        throw new ArmError('PUT policy → 412', 412, 'PreconditionFailed', policy);
      }
    });
    const armGood = fakeArm(good);
    const app = good.appRegistrations[0]!.appId;
    const runs = await runTargets(
      RUN,
      [
        { name: 'good', spec: spec('func-x', { appClientId: app }) },
        { name: 'bad', spec: spec('func-x', { appClientId: app }) }
      ],
      { log: quiet, portsFor: (t, l) => fakePorts(t.name === 'good' ? armGood.arm : armBad.arm, l) }
    );
    const [g, b] = runs;
    expect(g!.result.report.verdict).toBe('applied');
    expect(armGood.writes()).toEqual(['patchApimService', 'putAuthSettingsV2', 'putApiPolicy']);
    expect(b!.result.failed).toBe(true);
    expect(armBad.writes()).toEqual(['patchApimService', 'putAuthSettingsV2', 'putApiPolicy']);
    const message = targetsFailure(runs)!;
    expect(message).toMatch(/^1 of 2 targets failed: bad\./);
    expect(message).toContain('Changed: APIM apim-x identity, Easy Auth func-x.');
    expect(message).toContain('API policy orders');
  });
});
