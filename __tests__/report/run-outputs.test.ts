/**
 * The step outputs as data (src/report/run-outputs.ts): `result`, `change-count` (planned in check mode, written and
 * verified in apply mode), and the run's source for the report's footer (issue "Ready for users", items 2 and 5).
 */
import { describe, expect, it } from '@jest/globals';
import { resultOutput, runOutputs, runSource } from '../../src/report/run-outputs.js';
import type { Plan, ResourcePlan, RunReport } from '../../src/types.js';

const res = (label: string, n: number): ResourcePlan => ({
  kind: 'easy-auth',
  resourceId: `/subscriptions/s/x/${label}`,
  label,
  changes: Array.from({ length: n }, (_, i) => ({ path: `f${i}`, before: i, after: i + 1 })),
  notes: []
});
const plan = (...r: ResourcePlan[]): Plan => ({
  resources: r,
  warnings: [],
  facts: { effectiveAudiences: [], excludedPaths: [] }
});
const report = (over: Partial<RunReport>): RunReport => ({
  mode: 'check',
  verdict: 'in-sync',
  target: { apim: 'a', apis: ['x'], functionApp: 'f' },
  applied: [],
  warnings: [],
  durationSeconds: 1,
  ...over
});

describe('resultOutput', () => {
  it.each<[RunReport['verdict'], boolean, string]>([
    ['in-sync', false, 'in-sync'],
    ['drift', false, 'drift'],
    ['drift', true, 'drift'], // fail-on-drift fails the step; the result still says what was found
    ['applied', false, 'applied'],
    ['failed', true, 'failed'],
    ['in-sync', true, 'failed'] // check mode, no drift, the chain fails its smoke requests
  ])('%s, step failed %s → %s', (verdict, failed, out) => {
    expect(resultOutput(verdict, failed)).toBe(out);
  });
});

describe('runOutputs', () => {
  it('check mode: change-count is the changes planned; drift set', () => {
    const p = plan(res('A', 2), res('B', 0), res('C', 3));
    const out = runOutputs({ plan: p, failed: true }, report({ verdict: 'drift', plan: p }));
    expect(out).toMatchObject({ drift: 'true', result: 'drift', 'change-count': '5', 'smoke-result': 'skipped' });
    expect(JSON.parse(out.changes)).toHaveLength(5);
  });

  it('apply mode: change-count is the changes written and verified, not the plan', () => {
    const p = plan(res('A', 2), res('B', 1), res('C', 3));
    const applied: RunReport['applied'] = [
      { label: 'A', ok: true, state: 'verified' },
      { label: 'B', ok: false, state: 'unknown' },
      { label: 'C', ok: false, state: 'not-attempted' }
    ];
    const r = report({ mode: 'apply', verdict: 'failed', plan: p, applied });
    const outcome = {} as NonNullable<Parameters<typeof runOutputs>[0]['outcome']>;
    const out = runOutputs({ plan: p, outcome, failed: true, apimPrincipalId: 'pid' }, r);
    expect(out).toMatchObject({ result: 'failed', 'change-count': '2', 'apim-principal-id': 'pid' });
    expect(JSON.parse(out.changes).map((c: { state: string }) => c.state)).toEqual([
      'verified',
      'verified',
      'unknown',
      'not-attempted',
      'not-attempted',
      'not-attempted'
    ]);
  });

  it('no plan (stopped before one was made): drift unset, changes [], change-count 0', () => {
    const out = runOutputs({ failed: true }, report({ mode: 'apply', verdict: 'failed', error: 'x' }));
    expect(out.drift).toBeUndefined();
    expect(out).toMatchObject({ changes: '[]', result: 'failed', 'change-count': '0', 'apim-principal-id': '' });
  });

  it('scrubs the changes JSON with the given scrubber', () => {
    const p = plan({ ...res('A', 1), changes: [{ path: 'k', before: 'SECRET-1', after: 'x' }] });
    const out = runOutputs({ plan: p, failed: false }, report({ plan: p }), (t) => t.replace('SECRET-1', '***'));
    expect(out.changes).not.toContain('SECRET-1');
  });
});

describe('runSource', () => {
  const env = {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'octo/orders-app',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567'
  };

  it('builds the run and commit URLs from the runner variables', () => {
    expect(runSource(env)).toEqual({
      runId: '1234567890',
      runUrl: 'https://github.com/octo/orders-app/actions/runs/1234567890',
      commit: env.GITHUB_SHA,
      commitUrl: `https://github.com/octo/orders-app/commit/${env.GITHUB_SHA}`
    });
  });

  it('works for GitHub Enterprise Server (a server URL with a port or path) and a trailing slash', () => {
    expect(runSource({ ...env, GITHUB_SERVER_URL: 'https://ghes.example:8443/' }).runUrl).toBe(
      'https://ghes.example:8443/octo/orders-app/actions/runs/1234567890'
    );
  });

  it('leaves out what it cannot build; nothing outside a runner', () => {
    expect(runSource({})).toEqual({});
    expect(runSource({ GITHUB_SHA: env.GITHUB_SHA })).toEqual({ commit: env.GITHUB_SHA });
    expect(runSource({ ...env, GITHUB_RUN_ID: '' })).toEqual({ commit: env.GITHUB_SHA, commitUrl: expect.any(String) });
  });

  it.each([
    ['GITHUB_SERVER_URL', 'javascript:alert(1)'],
    ['GITHUB_SERVER_URL', 'https://x) [y](https://evil'],
    ['GITHUB_REPOSITORY', 'octo/orders app'],
    ['GITHUB_REPOSITORY', 'octo/x)(y'],
    ['GITHUB_RUN_ID', '12 34'],
    ['GITHUB_SHA', 'not-a-sha']
  ])('a %s of the wrong shape (%j) never gets into a link', (name, value) => {
    const s = runSource({ ...env, [name]: value });
    for (const url of [s.runUrl, s.commitUrl])
      if (url) expect(url).toMatch(/^https:\/\/github\.com\/octo\/orders-app\/[\w/]+$/);
    expect(JSON.stringify(s)).not.toContain(value);
  });
});
