/**
 * End to end (issue "Drift watch"): the bundled dist/index.js, run as the runner runs it, against the twin's GitHub
 * issues API. On `schedule`: a drifted check opens one issue, a second drifted check updates that same issue, an
 * apply leaves it, an in-sync check closes it with "in sync since <run>"; a token without `issues: write` gets one
 * warning and no issue; a `pull_request` event never opens one. Outcomes are read from the twin's state and request
 * log, the exit code, the outputs and the annotations.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import { baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import { jwtsIn } from './helpers.js';
import { githubRequests, stateOf, warnings } from './smoke-helpers.js';

// The sticky comment's run-configuration marker (subscription, resource groups, slot, APIs) with the issue's prefix.
const MARKER =
  '<!-- apim-function-auth:drift-issue: subscription=22222222-2222-4222-8222-222222222222 apim=rg-demo/apim-x ' +
  'function-app=rg-demo/func-x apis=orders -->';
const RUNS = 'https://github.com/octo/orders-app/actions/runs';
const UNRELATED = { number: 8, title: 'Checkout page is slow', body: 'p95 is 3 s', state: 'open' as const, labels: [] };

/** A scheduled run's state: no pull request in the event; pull request #7 and issue #8 exist in the repository. */
function scheduled(name: 'drifted' | 'in-sync'): TwinState {
  const state = scenario(name);
  state.github.eventName = 'schedule';
  state.github.issues = [{ ...UNRELATED, user: 'octocat' }];
  state.workflowIdentity.federatedSubjects.push('repo:octo/orders-app:ref:refs/heads/main');
  return state;
}

function inputs(state: TwinState, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseInputs(state),
    'smoke-path': '/orders',
    mode: 'check',
    'drift-issue': 'true',
    'drift-issue-labels': 'drift, azure',
    ...extra
  };
}

const runEnv = (id: number) => ({ env: { GITHUB_RUN_ID: String(id), GITHUB_SERVER_URL: 'https://github.com' } });
const ours = (t: Twin) => (stateOf(t).github.issues ?? []).filter((i) => i.body.startsWith(MARKER));
/** The repository calls the run made (GET /user, the token's identity lookup, left out), from index `from` on. */
const issueCalls = (t: Twin, from = 0) =>
  githubRequests(t)
    .slice(from)
    .filter((r) => new URL(r.url).pathname.startsWith('/repos/'))
    .map((r) => `${r.method} ${new URL(r.url).pathname.replace('/repos/octo/orders-app', '')} ${r.status}`);

describe('drift watch on schedule: check → check → apply → check', () => {
  let twin: Twin;
  let state: TwinState;
  const secrets: string[] = [];

  beforeAll(async () => {
    state = scheduled('drifted');
    twin = await startEmulator(state);
    for (const r of Object.values(state.resources)) {
      const p = r.properties as { primaryKey?: string; secondaryKey?: string } | undefined;
      if (p?.primaryKey) secrets.push(p.primaryKey, p.secondaryKey ?? p.primaryKey);
    }
    secrets.push(baseInputs(state)['github-token']!);
  });
  afterAll(() => twin?.stop());

  it('a drifted check opens ONE issue: title names the target, body = marker + report + run link, labels applied', async () => {
    const r = await runAction(twin, inputs(state), runEnv(1001));
    expect(r.code).toBe(1); // drift with fail-on-drift, as without the issue
    expect(r.outputs.drift).toBe('true');
    const issues = ours(twin);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    // Issue numbers continue the sequence of pull request #7 and issue #8.
    expect(issue).toMatchObject({
      number: 9,
      state: 'open',
      title: 'apim-function-auth: drift in apim-x → func-x (orders)',
      labels: ['drift', 'azure']
    });
    expect(issue.body).toContain(`[run 1001](${RUNS}/1001)`);
    expect(issue.body).toContain('event `schedule`');
    expect(issue.body).toMatch(/drift found/);
    expect(issue.body).toContain('globalValidation.requireAuthentication');
    expect(r.outputs['issue-url']).toBe('https://github.com/octo/orders-app/issues/9');
    expect(r.outputs['comment-url']).toBe(''); // not a pull request: no sticky comment
    expect(stateOf(twin).github.comments).toEqual([]);
    expect(issueCalls(twin)).toEqual(['GET /issues 200', 'POST /issues 201', 'GET /issues 200']);
    expect(stateOf(twin).github.issues!.find((i) => i.number === 8)).toEqual({ ...UNRELATED, user: 'octocat' });
  });

  it('a second drifted check updates the same issue (no second issue)', async () => {
    const from = githubRequests(twin).length;
    const r = await runAction(twin, inputs(state), runEnv(1002));
    expect(r.code).toBe(1);
    const issues = ours(twin);
    expect(issues.map((i) => [i.number, i.state])).toEqual([[9, 'open']]);
    expect(issues[0]!.body).toContain(`[run 1002](${RUNS}/1002)`);
    expect(issues[0]!.body).not.toContain('run 1001');
    expect(r.outputs['issue-url']).toBe('https://github.com/octo/orders-app/issues/9');
    expect(issueCalls(twin, from)).toEqual(['GET /issues 200', 'PATCH /issues/9 200']);
    expect(stateOf(twin).github.issues).toHaveLength(2);
  });

  it('apply fixes Azure and leaves the issue alone', async () => {
    const from = githubRequests(twin).length;
    const r = await runAction(twin, inputs(state, { mode: 'apply' }), runEnv(1003));
    expect(r.code).toBe(0);
    expect(r.outputs.result).toBe('applied');
    expect(ours(twin).map((i) => [i.number, i.state])).toEqual([[9, 'open']]);
    expect(issueCalls(twin, from)).toEqual([]);
    expect(r.outputs['issue-url']).toBe('');
  });

  it('an in-sync check closes the issue with "in sync since <run>"', async () => {
    const r = await runAction(twin, inputs(state), runEnv(1004));
    expect(r.code).toBe(0);
    expect(r.outputs.drift).toBe('false');
    const [issue] = ours(twin);
    expect(issue).toMatchObject({ number: 9, state: 'closed', stateReason: 'completed' });
    expect(stateOf(twin).github.comments).toEqual([
      expect.objectContaining({
        issueNumber: 9,
        body: `✅ In sync since [run 1004](${RUNS}/1004): apim-function-auth found no drift. Closing this issue.`
      })
    ]);
    // The run that closed the issue links it, and says so outside the collapsed group.
    expect(r.outputs['issue-url']).toBe('https://github.com/octo/orders-app/issues/9');
    const lines = r.stdout.split('\n');
    const closed = lines.lastIndexOf('Drift issue #9 closed: https://github.com/octo/orders-app/issues/9');
    expect(closed).toBeGreaterThan(lines.lastIndexOf('::endgroup::'));
    expect(warnings(r.stdout)).toEqual([]);
    expect(stateOf(twin).github.issues!.find((i) => i.number === 8)).toEqual({ ...UNRELATED, user: 'octocat' });
  });

  it('no secret or token reached the issue, its comments or the outputs', () => {
    const texts = [
      ...(stateOf(twin).github.issues ?? []).flatMap((i) => [i.title, i.body]),
      ...stateOf(twin).github.comments.map((c) => c.body)
    ].join('\n');
    expect(secrets.length).toBeGreaterThan(1);
    for (const s of secrets) expect(texts).not.toContain(s);
    expect(jwtsIn(texts)).toEqual([]);
  });
});

describe('drift watch: one issue per configuration', () => {
  it('a check of the same names in another resource group, in sync, leaves the drifted configuration’s issue open', async () => {
    const state = scheduled('drifted');
    // rg-demo2 holds an in-sync copy of the target under the same names (apim-x, func-x, orders).
    const copy = scenario('in-sync');
    const moved = (text: string) => text.split('/resourceGroups/rg-demo/').join('/resourceGroups/rg-demo2/');
    for (const [id, body] of Object.entries(copy.resources)) {
      state.resources[moved(id)] = JSON.parse(moved(JSON.stringify(body))) as (typeof state.resources)[string];
    }
    state.workflowIdentity.scopes.push(`/subscriptions/${state.subscriptionId}/resourceGroups/rg-demo2`);
    const rg2 = { 'apim-resource-group': 'rg-demo2', 'function-app-resource-group': 'rg-demo2', 'smoke-path': '' };
    await withTwin(state, async (twin) => {
      const drifted = await runAction(twin, inputs(state), runEnv(4001));
      expect(drifted.outputs.drift).toBe('true');
      expect(ours(twin).map((i) => [i.number, i.state])).toEqual([[9, 'open']]);
      const from = githubRequests(twin).length;
      const other = await runAction(twin, inputs(state, rg2), runEnv(4002));
      expect(other.code).toBe(0);
      expect(other.outputs.drift).toBe('false');
      expect(ours(twin).map((i) => [i.number, i.state])).toEqual([[9, 'open']]);
      expect(issueCalls(twin, from)).toEqual(['GET /issues 200']);
      expect(stateOf(twin).github.comments).toEqual([]);
    });
  });
});

describe('drift watch: a policy edit that breaks the chain', () => {
  it('a check refused by a plan blocker (a later set-header replaces APIM’s token) opens the issue', async () => {
    const state = scheduled('in-sync');
    const id = Object.keys(state.resources).find((k) => k.endsWith('/apis/orders/policies/policy'))!;
    const policy = state.resources[id]!.properties as { value: string };
    policy.value = policy.value.replace(
      '</inbound>',
      '    <set-header name="Authorization" exists-action="override"><value>Basic dTpw</value></set-header>\n    </inbound>'
    );
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { 'smoke-path': '' }), runEnv(6001));
      expect(r.code).toBe(1);
      expect(r.outputs.result).toBe('failed');
      const [issue, ...more] = ours(twin);
      expect(more).toEqual([]);
      expect(issue).toMatchObject({ number: 9, state: 'open' });
      expect(issue!.body).toContain('replaces the Authorization header that carries APIM');
      expect(r.outputs['issue-url']).toBe('https://github.com/octo/orders-app/issues/9');
    });
  });
});

describe('drift watch: permissions and events', () => {
  it('no issues: write (403) → one warning, no issue; the run’s result is the drift alone', async () => {
    const state = scheduled('drifted');
    state.github.tokenCanWriteIssues = false;
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state, { 'fail-on-drift': 'false' }), runEnv(2001));
      expect(r.code).toBe(0); // drift without fail-on-drift: the issue's 403 does not fail the step
      expect(r.outputs.drift).toBe('true');
      expect(r.outputs.result).toBe('drift');
      const issueWarnings = warnings(r.stdout).filter((w) => /drift issue/i.test(w));
      expect(issueWarnings).toHaveLength(1);
      expect(issueWarnings[0]).toMatch(/HTTP 403.*Resource not accessible by integration.*issues: write/s);
      expect(ours(twin)).toEqual([]);
      expect(r.outputs['issue-url']).toBe('');
      expect(issueCalls(twin)).toEqual(['GET /issues 200', 'POST /issues 403']);
    });
  });

  it('a close that GitHub refuses once: one warning, and the next in-sync check closes the issue with ONE note', async () => {
    const state = scheduled('in-sync');
    state.github.issues!.push({ number: 9, title: 'drift', body: `${MARKER}\nold report`, state: 'open', labels: [] });
    await withTwin(state, async (twin) => {
      twin.addFaults([{ match: { method: 'PATCH', pathRegex: '/issues/9$' }, respond: { status: 403, body: {} } }]);
      const first = await runAction(twin, inputs(state), runEnv(5001));
      expect(first.code).toBe(0);
      expect(warnings(first.stdout).filter((w) => /drift issue/i.test(w))).toHaveLength(1);
      expect(ours(twin).map((i) => i.state)).toEqual(['open']);
      const second = await runAction(twin, inputs(state), runEnv(5002));
      expect(second.code).toBe(0);
      expect(ours(twin).map((i) => i.state)).toEqual(['closed']);
      expect(
        stateOf(twin)
          .github.comments.filter((c) => c.issueNumber === 9)
          .map((c) => c.body)
      ).toEqual([`✅ In sync since [run 5002](${RUNS}/5002): apim-function-auth found no drift. Closing this issue.`]);
    });
  });

  it('a pull_request event never opens an issue (the sticky PR comment reports the drift)', async () => {
    const state = scenario('drifted'); // event pull_request, PR #7
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, inputs(state), runEnv(3001));
      expect(r.code).toBe(1);
      expect(stateOf(twin).github.issues).toEqual([]);
      expect(githubRequests(twin).filter((q) => /\/issues(\/\d+)?$/.test(new URL(q.url).pathname))).toEqual([]);
      expect(stateOf(twin).github.comments).toHaveLength(1); // the PR comment
      expect(r.outputs['issue-url']).toBe('');
    });
  });
});
