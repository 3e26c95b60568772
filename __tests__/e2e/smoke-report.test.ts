/**
 * End to end: the bundled action (dist/index.js, run as the runner does) against the local Azure twin — smoke
 * requests after apply and in check mode, the job summary (smoke table, verdict, plan, Mermaid, size budgets) and
 * the sticky PR comment (create, update, unrelated comments, opt-out, fork PRs, read-only tokens, push events).
 * Outcomes are read from the twin (state, served requests), the exit code, the outputs and the files written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import {
  armWrites,
  baseInputs,
  runAction,
  scenario,
  withTwin,
  type ActionRun,
  type Twin
} from '../../scripts/action-runner.js';
import {
  authSettingsOf,
  errorMessage,
  githubRequests,
  githubWrites,
  MARKER,
  policyOf,
  row,
  setPolicy,
  smokeRows,
  stateOf,
  warnings
} from './smoke-helpers.js';

const SMOKE = { 'smoke-path': '/orders' };
const UNRELATED = { id: 17, body: 'Looks good to me, ship it.', user: 'octocat' };

function inputs(state: TwinState, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(state), ...SMOKE, ...extra };
}

function ourComments(state: TwinState) {
  return state.github.comments.filter((c) => c.body.startsWith(MARKER));
}

describe('one PR, three runs on drifted: check → apply → check (smoke, summary, sticky comment)', () => {
  let twin: Twin;
  let state: TwinState;
  const runs: ActionRun[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    state = scenario('drifted');
    state.github.comments = [{ ...UNRELATED }];
    twin = await startEmulator(state);
  });
  afterAll(() => twin?.stop());

  it('C17: check mode on drifted → the direct no-token check says "reachable anonymously"; one attempt per check, nothing written', async () => {
    const r = await runAction(twin, inputs(state, { mode: 'check' }));
    runs.push(r);
    expect(r.code).toBe(1);
    expect(r.outputs['drift']).toBe('true');
    expect(r.outputs['smoke-result']).toBe('failed');
    expect(armWrites(twin)).toEqual([]);
    const direct = row(r.summary, 'no token');
    expect(direct.ok).toBe(false);
    expect(direct.got).toBe('200');
    expect(direct.diagnosis).toMatch(/reachable anonymously/i);
    // Check mode changed nothing, so nothing is propagating: never retried.
    for (const c of smokeRows(r.summary)) expect(c.attempts).toBe(1);
  });

  it('R-comment: the first run creates exactly one sticky comment (hidden marker first); the unrelated comment is untouched', () => {
    const s = stateOf(twin);
    const ours = ourComments(s);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body.startsWith(MARKER)).toBe(true);
    expect(ours[0]!.body).toMatch(/drift/i);
    expect(s.github.comments.find((c) => c.id === UNRELATED.id)).toEqual(UNRELATED);
    expect(githubWrites(twin).map((w) => `${w.method} ${w.status}`)).toEqual(['POST 201']);
    bodies.push(ours[0]!.body);
  });

  it('C10: apply (identity → Easy Auth → policy, in that order) then smoke passes: smoke-result=passed, exit 0, three checks with attempts and seconds', async () => {
    const before = armWrites(twin).length;
    const r = await runAction(twin, inputs(state));
    runs.push(r);
    expect(r.code).toBe(0);
    expect(r.outputs['smoke-result']).toBe('passed');
    const order = armWrites(twin)
      .slice(before)
      .map((w) => `${w.method} ${new URL(w.url).pathname.split('/providers/')[1]}`);
    expect(order.map((o) => o.replace(/\/operationresults\/.*/, ''))).toEqual([
      'PATCH Microsoft.ApiManagement/service/apim-x',
      'PUT Microsoft.Web/sites/func-x/config/authsettingsV2',
      'PUT Microsoft.ApiManagement/service/apim-x/apis/orders/policies/policy'
    ]);
    const rows = smokeRows(r.summary);
    expect(rows.map((x) => x.check.split(' · ')[0])).toEqual([
      'gateway (client → APIM → Function)',
      'direct, no token',
      'direct, foreign token'
    ]);
    for (const x of rows) {
      expect(x.ok).toBe(true);
      expect(x.attempts).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(x.seconds)).toBe(true);
    }
    expect(row(r.summary, 'gateway').got).toBe('200');
    expect(row(r.summary, 'no token').got).toBe('401 (Bearer challenge)');
    expect(row(r.summary, 'foreign token').got).toBe('403');
    // The twin really is in the state the smoke proved.
    const s = stateOf(twin);
    expect(authSettingsOf(s)['platform']).toMatchObject({ enabled: true });
    expect(policyOf(s)).toContain('<authentication-managed-identity resource="55555555-5555-4555-8555-555555555555"');
  });

  it('R-comment: the second run updates the same comment (still one, body changed); the unrelated comment is untouched', () => {
    const s = stateOf(twin);
    const ours = ourComments(s);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).not.toBe(bodies[0]);
    expect(ours[0]!.body).toMatch(/applied/i);
    expect(s.github.comments).toHaveLength(2);
    expect(s.github.comments.find((c) => c.id === UNRELATED.id)).toEqual(UNRELATED);
    expect(githubWrites(twin).map((w) => w.method)).toEqual(['POST', 'PATCH']);
    bodies.push(ours[0]!.body);
  });

  it('R-report: the summary is under 1 MiB with the verdict line, the plan table and the Mermaid block; the comment is under 65,536 characters', () => {
    const r = runs[1]!;
    expect(Buffer.byteLength(r.summary, 'utf8')).toBeLessThan(1024 * 1024);
    expect(r.summary).toMatch(/^### apim-function-auth — 🔧 applied \d+ changes?$/m);
    expect(r.summary).toContain('| Resource | Field | Before → After | Action |');
    expect(r.summary).toContain('| Easy Auth func-x | `platform.enabled` | `false` → `true` | update |');
    expect(r.summary).toMatch(/```mermaid\nflowchart LR\n[\s\S]+?\n```/);
    // The summary-path output is the same report.
    expect(r.summary).toContain(r.reportFile.trim());
    for (const b of bodies) expect(b.length).toBeLessThan(65_536);
  });

  it('R-comment: pr-comment: false → no comment call at all, the sticky comment is left as it was', async () => {
    const ghBefore = githubRequests(twin).length;
    const r = await runAction(twin, inputs(state, { mode: 'check', 'pr-comment': 'false' }));
    expect(r.code).toBe(0);
    expect(r.outputs['drift']).toBe('false');
    expect(githubRequests(twin).slice(ghBefore)).toEqual([]);
    expect(ourComments(stateOf(twin)).map((c) => c.body)).toEqual([bodies[1]]);
    expect(r.summary).toMatch(/in sync/);
  });
});

describe('PR comment edge cases (in-sync, check mode: the step itself passes)', () => {
  it('R-comment: a fork PR → a warning, no comment, the summary is still written, the step does not fail', async () => {
    const state = scenario('in-sync');
    state.github.headRepository = 'mallory/orders-app';
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { mode: 'check' }));
      expect(r.code).toBe(0);
      expect(r.outputs['smoke-result']).toBe('passed');
      expect(warnings(r.stdout).some((w) => /fork/i.test(w) && /comment/i.test(w))).toBe(true);
      expect(stateOf(twin).github.comments).toEqual([]);
      expect(githubWrites(twin)).toEqual([]);
      expect(r.summary).toMatch(/^### apim-function-auth — ✅ in sync$/m);
    });
  });

  it('R-comment: a token without permission (403) → a warning naming `pull-requests: write`, the step does not fail', async () => {
    const state = scenario('in-sync');
    state.github.tokenCanWrite = false;
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { mode: 'check' }));
      expect(r.code).toBe(0);
      expect(githubWrites(twin).map((w) => w.status)).toEqual([403]);
      expect(warnings(r.stdout).some((w) => w.includes('pull-requests: write'))).toBe(true);
      expect(stateOf(twin).github.comments).toEqual([]);
      expect(r.summary).toMatch(/in sync/);
    });
  });

  it('R-comment: on a push event → no comment and no GitHub call', async () => {
    const state = scenario('in-sync');
    state.github.eventName = 'push';
    delete state.github.pullRequestNumber;
    state.workflowIdentity.federatedSubjects.push('repo:octo/orders-app:ref:refs/heads/main');
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { mode: 'check' }));
      expect(r.code).toBe(0);
      expect(githubRequests(twin)).toEqual([]);
      expect(stateOf(twin).github.comments).toEqual([]);
      expect(r.summary).toMatch(/in sync/);
    });
  });
});

describe('smoke failures are classified', () => {
  it('C15: RedirectToLoginPage on an otherwise configured site → "redirects to login instead of 401", the 3xx not followed', async () => {
    const state = scenario('in-sync');
    (authSettingsOf(state)['globalValidation'] as Record<string, unknown>)['unauthenticatedClientAction'] =
      'RedirectToLoginPage';
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { mode: 'check' }));
      expect(r.code).toBe(1);
      expect(r.outputs['smoke-result']).toBe('failed');
      const direct = row(r.summary, 'no token');
      expect(direct.ok).toBe(false);
      expect(direct.got).toMatch(/^302/);
      expect(direct.diagnosis).toMatch(/redirects to login instead of 401/);
      expect(direct.layer).toBe('easy-auth');
      // The redirect went to /.auth/login/…; it was never followed.
      const site = twin.hostMap['func-x.azurewebsites.net']!;
      const siteRequests = twin.requests().filter((q) => q.url.startsWith(`https://${site}/`));
      expect(siteRequests.some((q) => q.status === 302)).toBe(true);
      expect(siteRequests.filter((q) => /\/\.auth\/login/i.test(q.url))).toEqual([]);
      expect(armWrites(twin)).toEqual([]);
    });
  });

  it('C01: a policy whose resource is not a registered App ID URI → gateway "APIM could not obtain a token: resource not found"; check fails, nothing written', async () => {
    const state = scenario('in-sync');
    const app = state.appRegistrations[0].appId;
    const bad = `api://${app}`; // not in identifierUris
    setPolicy(state, policyOf(state).replace(`resource="${app}"`, `resource="${bad}"`));
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { mode: 'check' }));
      expect(r.code).toBe(1);
      expect(r.outputs.drift).toBe('true');
      expect(JSON.parse(r.outputs.changes)).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'policy.resource', before: bad, after: app })])
      );
      expect(r.outputs['smoke-result']).toBe('failed');
      const gw = row(r.summary, 'gateway');
      expect(gw.ok).toBe(false);
      expect(gw.got).toMatch(/^500 \(AADSTS500011\)/);
      expect(gw.diagnosis).toMatch(/APIM could not obtain a token: resource not found/);
      expect(gw.layer).toBe('apim');
      // Not retried: a wrong resource does not propagate into a right one.
      expect(gw.attempts).toBe(1);
      expect(armWrites(twin)).toEqual([]);
    });
  });

  it('C01: token-resource set to an unregistered App ID URI → refused before any write (Entra pre-flight, AADSTS500011)', async () => {
    const state = scenario('in-sync');
    const bad = `api://${state.appRegistrations[0].appId}`;
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { 'token-resource': bad }));
      expect(r.code).toBe(1);
      expect(errorMessage(r.stdout)).toMatch(/token-resource '.*' is not known to Entra ID.*AADSTS500011/);
      expect(errorMessage(r.stdout)).toMatch(/Nothing was changed/);
      expect(armWrites(twin)).toEqual([]);
      expect(policyOf(stateOf(twin))).not.toContain(bad);
    });
  });
});
