/**
 * End-to-end: many targets through the bundled dist/index.js, run as the runner runs it, against the twin with N
 * generated targets (emulator/src/scenario-gen.ts: distinct APIM services and Function Apps). Issue "Many targets":
 * a targets file with N good targets and one broken one (the good ones are reconciled, the step fails naming the
 * broken one), `target:` touches only its target, `mode: list` gives the matrix without any Azure request, and one
 * comment per run configuration. Assertions read the exit code, outputs, summary, the twin's state and request log.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import { generateTargets, targetsYaml, type GeneratedTarget } from '../../emulator/src/scenario-gen.js';
import { armWrites, baseInputs, runAction, scenario, type Twin } from '../../scripts/action-runner.js';
import { countByKind } from '../../bench/twin-requests.js';

const N = 4;
const RG = (state: TwinState) => `/subscriptions/${state.subscriptionId}/resourceGroups/rg-demo/providers`;

/** The twin with N generated drifted targets, and a workspace holding `targets.yml` (N good + `broken`). */
async function setup(opts: { broken?: boolean } = {}) {
  const { state, targets } = generateTargets(scenario('drifted'), N);
  // The broken target has an API of its own on target-001's service (an API belongs to one target) and a Function
  // App that does not exist.
  const api = `${RG(state)}/Microsoft.ApiManagement/service/${targets[0]!.apimName}/apis/orders`;
  state.resources[`${api}-broken`] = {
    ...structuredClone(state.resources[api]!),
    id: `${api}-broken`,
    name: 'orders-broken'
  };
  const twin = await startEmulator(state);
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'afa-ws-'));
  const broken = opts.broken
    ? `  - name: broken\n    apim-name: ${targets[0]!.apimName}\n    api-ids: [orders-broken]\n` +
      `    function-app-name: func-missing\n    app-client-id: ${targets[0]!.appClientId}\n`
    : '';
  writeFileSync(path.join(workspace, 'targets.yml'), targetsYaml(targets) + broken);
  cleanups.push(async () => {
    await twin.stop();
    rmSync(workspace, { recursive: true, force: true });
  });
  return { twin, state, targets, workspace };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The run-level inputs of the scenarios (sign-in, GitHub token); no per-target input. */
function runInputs(state: TwinState): Record<string, string> {
  const b = baseInputs(state);
  return { 'client-id': b['client-id']!, 'tenant-id': b['tenant-id']!, 'github-token': b['github-token']! };
}

function run(twin: Twin, workspace: string, inputs: Record<string, string>) {
  return runAction(twin, inputs, { env: { GITHUB_WORKSPACE: workspace } });
}

/** What the twin holds for one generated target: APIM identity type, Easy Auth on, the policy's managed identity. */
function reconciled(state: TwinState, t: GeneratedTarget): boolean {
  const svc = state.resources[`${RG(state)}/Microsoft.ApiManagement/service/${t.apimName}`] as {
    identity: { type: string };
  };
  const auth = state.resources[`${RG(state)}/Microsoft.Web/sites/${t.functionAppName}/config/authsettingsV2`] as {
    properties: { platform: { enabled: boolean } };
  };
  const policy = state.resources[
    `${RG(state)}/Microsoft.ApiManagement/service/${t.apimName}/apis/orders/policies/policy`
  ] as { properties: { value: string } };
  return (
    svc.identity.type === 'SystemAssigned, UserAssigned' &&
    auth.properties.platform.enabled === true &&
    policy.properties.value.includes(`<authentication-managed-identity resource="${t.appClientId}"`)
  );
}

const markers = (twin: Twin) => twin.getState().github.comments.map((c) => c.body.split('\n')[0]!);

describe('a targets file with N good targets and one broken', () => {
  it('apply: one sign-in, the good ones reconciled, the step fails naming the broken one; outputs aggregate', async () => {
    const { twin, state, targets, workspace } = await setup({ broken: true });
    const r = await run(twin, workspace, { ...runInputs(state), targets: 'targets.yml', mode: 'apply' });
    expect(r.code).toBe(1);
    const after = twin.getState();
    for (const t of targets) expect([t.name, reconciled(after, t)]).toEqual([t.name, true]);
    // The broken target (a Function App that does not exist) failed before any write of its own.
    expect(armWrites(twin).filter((w) => w.url.includes('func-missing'))).toEqual([]);
    expect(r.stdout).toMatch(
      /::error title=apim-function-auth::1 of 5 targets failed: broken\.%0A- broken: .*func-missing/
    );
    expect(r.stdout).toContain('Nothing was changed.');
    // One sign-in for all targets: one GitHub OIDC token.
    expect(countByKind(twin).OIDC).toBe(1);
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs.drift).toBe('true');
    const rows = JSON.parse(r.outputs.changes!) as { target: string; state: string }[];
    expect(new Set(rows.map((x) => x.target))).toEqual(new Set(targets.map((t) => t.name)));
    expect(rows.every((x) => x.state === 'verified')).toBe(true);
    expect(Number(r.outputs['change-count'])).toBe(rows.length);
    const each = JSON.parse(r.outputs.targets!) as { target: string; result: string }[];
    expect(each.map((e) => [e.target, e.result])).toEqual([
      ...targets.map((t) => [t.name, 'applied']),
      ['broken', 'failed']
    ]);
    expect(r.summary).toMatch(/^### apim-function-auth — ❌ 1 failed, 4 applied \(5 targets\)/);
    expect(r.summary.split('\n').filter((l) => /^\| (target-\d{3}|broken) /.test(l))).toHaveLength(5);
    expect(markers(twin)).toEqual(['<!-- apim-function-auth: targets=targets.yml target=* -->']);
  });

  it('check after apply: the good targets are in sync, the broken one still fails; nothing is written', async () => {
    const { twin, state, workspace } = await setup({ broken: true });
    await run(twin, workspace, { ...runInputs(state), targets: 'targets.yml', mode: 'apply' });
    const writes = armWrites(twin).length;
    const r = await run(twin, workspace, { ...runInputs(state), targets: 'targets.yml', mode: 'check' });
    expect(r.code).toBe(1);
    expect(armWrites(twin)).toHaveLength(writes);
    expect(r.outputs.drift).toBe('false');
    expect(JSON.parse(r.outputs.targets!).map((e: { result: string }) => e.result)).toEqual([
      'in-sync',
      'in-sync',
      'in-sync',
      'in-sync',
      'failed'
    ]);
  });
});

describe('target: a filter', () => {
  it('touches only its target: every ARM request is about it, the other targets stay drifted', async () => {
    const { twin, state, targets, workspace } = await setup();
    const r = await run(twin, workspace, {
      ...runInputs(state),
      targets: 'targets.yml',
      target: 'target-002',
      mode: 'apply'
    });
    expect(r.code).toBe(0);
    const arm = twin.requests().filter((q) => new URL(q.url).pathname.startsWith('/subscriptions/'));
    expect(arm.length).toBeGreaterThan(5);
    expect(arm.filter((q) => !/apim-t002|func-t002/.test(q.url))).toEqual([]);
    const after = twin.getState();
    expect(targets.map((t) => reconciled(after, t))).toEqual([false, true, false, false]);
    expect(JSON.parse(r.outputs.targets!).map((e: { target: string }) => e.target)).toEqual(['target-002']);
    expect(markers(twin)).toEqual(['<!-- apim-function-auth: targets=targets.yml target=target-002 -->']);
  });
});

describe('mode: list', () => {
  it('gives the matrix without any Azure request (no sign-in inputs needed), honouring the filter', async () => {
    const { twin, workspace } = await setup({ broken: true });
    const all = await run(twin, workspace, { targets: 'targets.yml', mode: 'list' });
    expect(all.code).toBe(0);
    expect(JSON.parse(all.outputs.matrix!)).toEqual({
      include: ['target-001', 'target-002', 'target-003', 'target-004', 'broken'].map((target) => ({ target }))
    });
    expect(all.summary).toContain('📋 5 targets listed');
    const some = await run(twin, workspace, { targets: 'targets.yml', target: 'target-003,broken', mode: 'list' });
    expect(JSON.parse(some.outputs.matrix!)).toEqual({ include: [{ target: 'target-003' }, { target: 'broken' }] });
    expect(twin.requests()).toEqual([]);
  });

  it('an invalid file fails with every problem and its line, before any request', async () => {
    const { twin, state, workspace } = await setup();
    writeFileSync(
      path.join(workspace, 'bad.yml'),
      'targets:\n  - name: a\n    apim-name: -bad-\n  - name: a\n    colour: blue\n'
    );
    for (const mode of ['list', 'apply']) {
      const r = await run(twin, workspace, { ...runInputs(state), targets: 'bad.yml', mode });
      expect(r.code).toBe(1);
      const error = r.stdout.split('\n').find((l) => l.startsWith('::error'))!;
      expect(error).toContain('Invalid targets file bad.yml');
      expect(error).toContain("bad.yml:3: target 'a': apim-name:");
      expect(error).toContain("bad.yml:4: target 'a': name: is also the name of the target on line 2");
      expect(error).toContain("bad.yml:5: target 'a': colour: 'colour' is not a per-target input");
    }
    expect(twin.requests().filter((q) => !q.url.startsWith(twin.githubApiUrl))).toEqual([]);
  });
});

describe('ARM throttling', () => {
  it('a 429 with Retry-After pauses the subscription for every target; the pipeline retries; all succeed', async () => {
    const { state, targets } = generateTargets(scenario('in-sync'), 3);
    const served: { at: number; line: string }[] = [];
    const twin = await startEmulator(state, { log: (line) => served.push({ at: Date.now(), line }) });
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'afa-ws-'));
    cleanups.push(async () => {
      await twin.stop();
      rmSync(workspace, { recursive: true, force: true });
    });
    writeFileSync(path.join(workspace, 'targets.yml'), targetsYaml(targets));
    // Every ARM request waits 100 ms, so the three targets' reads overlap; the first read of target-002's site is
    // throttled (ARM: 429 TooManyRequests with Retry-After, Learn "Understand how Azure Resource Manager throttles
    // requests").
    twin.addFaults([
      {
        match: { method: 'GET', pathRegex: '/sites/func-t002\\?' },
        respond: {
          status: 429,
          headers: { 'Retry-After': '2' },
          body: { error: { code: 'TooManyRequests', message: 'throttled' } }
        }
      },
      { match: { pathRegex: '^/subscriptions/' }, delayMs: 100, times: 1e6 }
    ]);
    const r = await run(twin, workspace, { ...runInputs(state), targets: 'targets.yml', mode: 'check' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /ARM throttled subscription 22222222-2222-4222-8222-222222222222 \(429\): its requests wait 2 s/
    );
    const arm = served.filter((s) => s.line.startsWith('arm '));
    const throttled = arm.find((s) => s.line.endsWith('-> 429'))!;
    expect(throttled).toBeDefined();
    // Nothing of that subscription was sent during the pause: requests answered later arrived after it (answer −
    // 100 ms delay ≥ 429 + 2 s), except those already in flight when the 429 came — answered within 500 ms of it even
    // on a busy machine (each waits 100 ms at the twin; 150 ms was too tight at load 6–8). Without the pause the
    // remaining requests would be answered before 1.9 s (or all before 500 ms, leaving `later` empty): both fail.
    const later = arm.filter((s) => s.at > throttled.at + 500);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((s) => s.at - 100 >= throttled.at + 1900)).toBe(true);
    expect(JSON.parse(r.outputs.targets!).map((e: { result: string }) => e.result)).toEqual([
      'in-sync',
      'in-sync',
      'in-sync'
    ]);
  });
});

describe('one comment per run configuration', () => {
  it('the whole file, a matrix leg, and one-target runs (same names, another subscription) keep their own', async () => {
    const { twin, state, targets, workspace } = await setup();
    const file = { ...runInputs(state), targets: 'targets.yml', mode: 'check' };
    await run(twin, workspace, file);
    await run(twin, workspace, file);
    await run(twin, workspace, { ...file, target: 'target-001' });
    const t = targets[0]!;
    const one = {
      ...runInputs(state),
      'subscription-id': state.subscriptionId,
      'apim-resource-group': 'rg-demo',
      'apim-name': t.apimName,
      'api-ids': 'orders',
      'function-app-name': t.functionAppName,
      'app-client-id': t.appClientId,
      mode: 'check'
    };
    await run(twin, workspace, one);
    await run(twin, workspace, one);
    // Same names in another subscription (the twin has none there: the run fails, and still reports on its own).
    const other = await run(twin, workspace, { ...one, 'subscription-id': '99999999-9999-4999-8999-999999999999' });
    expect(other.code).toBe(1);
    const m = markers(twin);
    expect(m).toHaveLength(4);
    expect(new Set(m).size).toBe(4);
    expect(m).toEqual(
      expect.arrayContaining([
        '<!-- apim-function-auth: targets=targets.yml target=* -->',
        '<!-- apim-function-auth: targets=targets.yml target=target-001 -->',
        `<!-- apim-function-auth: subscription=${state.subscriptionId} apim=rg-demo/apim-t001 function-app=rg-demo/func-t001 apis=orders -->`,
        '<!-- apim-function-auth: subscription=99999999-9999-4999-8999-999999999999 apim=rg-demo/apim-t001 function-app=rg-demo/func-t001 apis=orders -->'
      ])
    );
  });
});

describe('drift watch over a targets file (issue "Drift watch" after "Many targets")', () => {
  it('a scheduled check opens ONE issue for the run configuration, titled with the drifted targets; apply + check close it', async () => {
    const { state, targets } = generateTargets(scenario('drifted'), 2);
    state.github.eventName = 'schedule';
    state.workflowIdentity.federatedSubjects.push('repo:octo/orders-app:ref:refs/heads/main');
    const twin = await startEmulator(state);
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'afa-ws-'));
    writeFileSync(path.join(workspace, 'targets.yml'), targetsYaml(targets));
    cleanups.push(async () => {
      await twin.stop();
      rmSync(workspace, { recursive: true, force: true });
    });
    const inputs = { ...runInputs(state), targets: 'targets.yml', 'drift-issue': 'true', 'fail-on-drift': 'false' };
    const issueMarker = '<!-- apim-function-auth:drift-issue: targets=targets.yml target=* -->';
    const ours = () => (twin.getState().github.issues ?? []).filter((i) => i.body.startsWith(issueMarker));

    const first = await run(twin, workspace, { ...inputs, mode: 'check' });
    expect(first.code).toBe(0);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.state).toBe('open');
    for (const t of targets) expect(ours()[0]!.title).toContain(`${t.apimName} → ${t.functionAppName}`);
    expect(first.outputs['issue-url']).toMatch(/\/issues\/\d+$/);

    expect((await run(twin, workspace, { ...inputs, mode: 'check' })).code).toBe(0);
    expect(ours()).toHaveLength(1);

    expect((await run(twin, workspace, { ...inputs, mode: 'apply' })).code).toBe(0);
    const last = await run(twin, workspace, { ...inputs, mode: 'check' });
    expect(last.outputs.result).toBe('in-sync');
    expect(ours().map((i) => i.state)).toEqual(['closed']);
  }, 120_000);
});
