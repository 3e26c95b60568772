/**
 * The drift issue (issue "Drift watch"): the pure decision (src/report/drift-issue.ts) and its publisher
 * (src/report/drift-issue-sync.ts) with a plain-object IssuesPort that keeps issues in memory like GitHub does
 * (one number sequence, open/closed, labels, comments). The twin and dist/index.js are covered in
 * emulator/__tests__/github-issues.test.ts and __tests__/e2e/drift-issue.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import type { IssueItem, IssuesPort, Logger } from '../../src/ports.js';
import { publishDriftIssue } from '../../src/report/drift-issue-sync.js';
import {
  carriesMarker,
  decideDriftIssue,
  driftIssueBody,
  driftIssueMarker,
  driftIssueTitle,
  driftStatus,
  isPullRequestEvent,
  ISSUE_TITLE_MAX,
  runLink,
  targetsIssueDoc
} from '../../src/report/drift-issue.js';
import type { TargetRunReport, TargetsRunReport } from '../../src/report/aggregate-outputs.js';
import { COMMENT_MAX_CHARS, commentMarker } from '../../src/report/render.js';
import { createSecretRegistry } from '../../src/secrets.js';
import type { RunReport } from '../../src/types.js';

const TARGET = { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' };
const SOURCE = { runId: '42', runUrl: 'https://github.com/octo/orders-app/actions/runs/42' };

const inSync: RunReport = {
  mode: 'check',
  verdict: 'in-sync',
  target: TARGET,
  plan: {
    resources: [{ kind: 'api-policy', resourceId: '/x', label: 'API policy orders', changes: [], notes: [] }],
    warnings: [],
    facts: { effectiveAudiences: [], excludedPaths: [] }
  },
  applied: [],
  smoke: { result: 'passed', checks: [], notes: [] },
  warnings: [],
  durationSeconds: 1,
  source: SOURCE
};
const drifted: RunReport = {
  ...inSync,
  verdict: 'drift',
  plan: {
    ...inSync.plan!,
    resources: [
      {
        kind: 'easy-auth',
        resourceId: '/sites/func-x/config/authsettingsV2',
        label: 'Easy Auth func-x',
        changes: [{ path: 'globalValidation.requireAuthentication', before: false, after: true }],
        notes: []
      }
    ]
  }
};

interface Stored extends IssueItem {
  comments: string[];
}

/** An in-memory repository: issues numbered after the pull request (#7), as GitHub shares one sequence. */
function fakeIssues(initial: Partial<Stored>[] = [], opts: { forbidden?: boolean; me?: string } = {}) {
  const issues: Stored[] = initial.map((i, k) => ({
    number: 8 + k,
    title: 't',
    body: '',
    state: 'open',
    labels: [],
    comments: [],
    author: { login: 'github-actions[bot]', type: 'Bot' },
    ...i
  }));
  const calls: string[] = [];
  const url = (n: number) => `https://github.com/octo/orders-app/issues/${n}`;
  const view = (i: Stored): IssueItem => ({ ...i, labels: [...i.labels], url: url(i.number) });
  const find = (n: number) => issues.find((i) => i.number === n)!;
  const refuse = () => {
    if (opts.forbidden) throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
  };
  const port: IssuesPort = {
    async listOpenIssues() {
      calls.push('list');
      return issues.filter((i) => i.state === 'open').map(view);
    },
    async createIssue({ title, body, labels }) {
      calls.push('create');
      refuse();
      const number = Math.max(7, ...issues.map((i) => i.number)) + 1;
      const author = { login: opts.me ?? 'github-actions[bot]', type: opts.me ? 'User' : 'Bot' };
      issues.push({ number, title, body, state: 'open', labels: [...labels], comments: [], author });
      return view(find(number));
    },
    async updateIssue(n, patch) {
      calls.push(`update ${n}${patch.state ? ` ${patch.state} ${patch.stateReason}` : ''}`);
      refuse();
      const i = find(n);
      if (patch.title !== undefined) i.title = patch.title;
      if (patch.body !== undefined) i.body = patch.body;
      if (patch.state) i.state = patch.state;
      return view(i);
    },
    async addLabels(n, labels) {
      calls.push(`labels ${n} ${labels.join(',')}`);
      refuse();
      find(n).labels.push(...labels);
    },
    async createComment(n, body) {
      calls.push(`comment ${n}`);
      refuse();
      find(n).comments.push(body);
    },
    ...(opts.me ? { whoAmI: async () => opts.me } : {})
  };
  return { port, issues, calls };
}

const logger = () => {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(`info ${m}`),
    warning: (m) => lines.push(`warning ${m}`),
    debug: (m) => lines.push(`debug ${m}`)
  };
  return { log, lines, warnings: () => lines.filter((l) => l.startsWith('warning')) };
};

const ctx = { enabled: true, eventName: 'schedule', labels: ['drift', 'azure'] };
const MARKER = driftIssueMarker(TARGET);

describe('drift status, marker, title and body', () => {
  it('a check with drift, a failed smoke check or an unreconcilable resource is not in sync; a failed run or apply is unknown', () => {
    expect(driftStatus(drifted)).toBe('not-in-sync');
    expect(driftStatus(inSync)).toBe('in-sync');
    expect(driftStatus({ ...inSync, smoke: { result: 'failed', checks: [], notes: [] } })).toBe('not-in-sync');
    const blocked = structuredClone(inSync);
    blocked.plan!.resources[0]!.error = 'policy is not well-formed';
    expect(driftStatus(blocked)).toBe('not-in-sync');
    // As reconcileTarget reports a plan blocker: verdict failed, stopped before writes, the resource's error.
    const stopped: RunReport = {
      ...blocked,
      verdict: 'failed',
      error: 'Nothing was changed: …',
      stoppedBeforeWrites: true
    };
    expect(driftStatus(stopped)).toBe('not-in-sync');
    // Stopped after the plan for another reason (the Entra pre-flight, the smoke context): it could not tell.
    const preflight: RunReport = { ...inSync, verdict: 'failed', error: 'pre-flight', stoppedBeforeWrites: true };
    expect(driftStatus(preflight)).toBe('unknown');
    expect(driftStatus({ ...inSync, verdict: 'failed', error: 'sign-in failed' })).toBe('unknown');
    expect(driftStatus({ ...drifted, mode: 'apply', verdict: 'applied' })).toBe('unknown');
  });

  it('the marker is the sticky comment marker with the drift-issue prefix, distinct per configuration', () => {
    expect(MARKER).toBe('<!-- apim-function-auth:drift-issue: apim-x/func-x/orders -->');
    expect(MARKER).toContain(commentMarker(TARGET).replace('<!-- apim-function-auth: ', '').replace(' -->', ''));
    expect(MARKER.startsWith(commentMarker(TARGET).slice(0, -4))).toBe(false);
    expect(driftIssueMarker({ ...TARGET, apis: ['orders', 'billing'] })).not.toBe(MARKER);
    expect(carriesMarker(`\r\n  ${MARKER}\r\nbody`, MARKER)).toBe(true);
    // A longer configuration's marker never matches a shorter one (the whole first line is compared).
    expect(carriesMarker(driftIssueMarker({ ...TARGET, apis: ['orders', 'billing'] }), MARKER)).toBe(false);
    expect(carriesMarker(`quoted: ${MARKER}`, MARKER)).toBe(false);
  });

  it('tells apart configurations whose names repeat in another subscription, resource group or slot', () => {
    const scope = {
      subscriptionId: '22222222-2222-4222-8222-222222222222',
      apimResourceGroup: 'rg-demo',
      functionAppResourceGroup: 'rg-func'
    };
    const prod = driftIssueMarker({ ...TARGET, scope });
    expect(prod).toBe(
      '<!-- apim-function-auth:drift-issue: apim-x/func-x/orders in 22222222-2222-4222-8222-222222222222/rg-demo/rg-func -->'
    );
    const others = [
      { ...scope, slot: 'staging' },
      { ...scope, subscriptionId: '33333333-3333-4333-8333-333333333333' },
      { ...scope, apimResourceGroup: 'rg-other' },
      { ...scope, functionAppResourceGroup: 'rg-demo' }
    ].map((s) => driftIssueMarker({ ...TARGET, scope: s }));
    expect(new Set([prod, ...others]).size).toBe(5);
    for (const m of others) expect(carriesMarker(`${m}\nbody`, prod)).toBe(false);
    expect(others[0]).toMatch(/\/rg-func\/staging -->$/);
    // ARM names compare case-insensitively: the same configuration typed in another case keeps its issue.
    expect(driftIssueMarker({ ...TARGET, scope: { ...scope, apimResourceGroup: 'RG-Demo' } })).toBe(prod);
    expect(driftIssueTitle([{ ...TARGET, scope: { ...scope, slot: 'staging' } }])).toBe(
      'apim-function-auth: drift in apim-x → func-x/staging (orders)'
    );
  });

  it('the title names the drifted targets and stays within GitHub’s 256 characters', () => {
    expect(driftIssueTitle([TARGET])).toBe('apim-function-auth: drift in apim-x → func-x (orders)');
    const many = Array.from({ length: 20 }, (_, i) => ({ ...TARGET, apim: `apim-${i}-${'x'.repeat(20)}` }));
    const long = driftIssueTitle(many);
    expect(Array.from(long).length).toBeLessThanOrEqual(ISSUE_TITLE_MAX);
    expect(long.endsWith('…')).toBe(true);
  });

  it('the body starts with the marker, links the run, carries the report and fits GitHub’s limit', () => {
    const body = driftIssueBody(drifted, MARKER, 'schedule');
    expect(body.split('\n')[0]).toBe(MARKER);
    expect(body).toContain('[run 42](https://github.com/octo/orders-app/actions/runs/42)');
    expect(body).toContain('event `schedule`');
    expect(body).toContain('globalValidation.requireAuthentication');
    const huge = structuredClone(drifted);
    huge.plan!.resources[0]!.changes = Array.from({ length: 3000 }, (_, i) => ({
      path: `p${i}.${'y'.repeat(60)}`,
      before: 'a'.repeat(60),
      after: 'b'.repeat(60)
    }));
    const cut = driftIssueBody(huge, MARKER, 'schedule');
    expect(cut.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(cut.split('\n')[0]).toBe(MARKER);
    expect(cut).toMatch(/more rows not shown/);
  });

  it('runLink: a link, an id, or "this run"', () => {
    expect(runLink(SOURCE)).toBe('[run 42](https://github.com/octo/orders-app/actions/runs/42)');
    expect(runLink({ runId: '42' })).toBe('run 42');
    expect(runLink(undefined)).toBe('this run');
    expect(runLink({ runId: '42', runUrl: 'javascript:alert(1) x' })).toBe('run 42');
  });

  it('pull-request events are told apart from schedule, workflow_dispatch and push', () => {
    for (const e of ['pull_request', 'pull_request_target', 'merge_group']) expect(isPullRequestEvent(e)).toBe(true);
    for (const e of ['schedule', 'workflow_dispatch', 'push']) expect(isPullRequestEvent(e)).toBe(false);
  });
});

describe('decideDriftIssue', () => {
  const wanted = { title: 'T', body: `${MARKER}\nB`, labels: ['drift'], closing: 'C' };
  const issue = (n: number, extra: Partial<IssueItem> = {}): IssueItem => ({
    number: n,
    title: 'T',
    body: `${MARKER}\nold`,
    state: 'open',
    labels: [],
    ...extra
  });

  it('not in sync: create when none is open, else update the oldest and close the others', () => {
    expect(decideDriftIssue('not-in-sync', [], wanted)).toEqual({
      kind: 'create',
      title: 'T',
      body: wanted.body,
      labels: ['drift']
    });
    expect(decideDriftIssue('not-in-sync', [issue(12), issue(9, { labels: ['Drift', 'team-a'] })], wanted)).toEqual({
      kind: 'update',
      number: 9,
      body: wanted.body,
      addLabels: [],
      closeDuplicates: [12]
    });
    expect(
      decideDriftIssue('not-in-sync', [issue(9, { body: `${wanted.body}\r\n`, labels: ['drift'] })], wanted)
    ).toEqual({ kind: 'unchanged', number: 9, closeDuplicates: [] });
  });

  it('in sync closes every open one with the note; unknown does nothing', () => {
    expect(decideDriftIssue('in-sync', [issue(9), issue(11)], wanted)).toEqual({
      kind: 'close',
      numbers: [9, 11],
      comment: 'C'
    });
    expect(decideDriftIssue('in-sync', [], wanted).kind).toBe('none');
    expect(decideDriftIssue('unknown', [issue(9)], wanted).kind).toBe('none');
  });
});

describe('publishDriftIssue', () => {
  it('drifted → one issue with title, body and labels; drifted again → the same issue updated; in sync → closed with a note', async () => {
    const gh = fakeIssues([{ title: 'Unrelated bug', body: 'crash' }]);
    const { log, warnings } = logger();
    const first = await publishDriftIssue(drifted, gh.port, ctx, log);
    expect(first).toEqual({ outcome: 'created', number: 9, url: 'https://github.com/octo/orders-app/issues/9' });
    const ours = gh.issues.find((i) => i.number === 9)!;
    expect(ours).toMatchObject({
      title: 'apim-function-auth: drift in apim-x → func-x (orders)',
      labels: ['drift', 'azure']
    });
    expect(carriesMarker(ours.body, MARKER)).toBe(true);

    const again = { ...drifted, source: { runId: '43', runUrl: `${SOURCE.runUrl.slice(0, -2)}43` } };
    ours.labels = ['azure', 'team-a']; // a person removed one of ours and added their own
    const second = await publishDriftIssue(again, gh.port, ctx, log);
    expect(second).toMatchObject({ outcome: 'updated', number: 9 });
    expect(gh.issues.filter((i) => i.state === 'open' && carriesMarker(i.body, MARKER))).toHaveLength(1);
    expect(ours.body).toContain('run 43');
    expect(ours.labels).toEqual(['azure', 'team-a', 'drift']);

    const third = await publishDriftIssue({ ...inSync, source: { runId: '44' } }, gh.port, ctx, log);
    expect(third).toMatchObject({ outcome: 'closed', number: 9 });
    expect(ours.state).toBe('closed');
    expect(ours.comments).toEqual(['✅ In sync since run 44: apim-function-auth found no drift. Closing this issue.']);
    expect(gh.calls.slice(-2)).toEqual(['update 9 closed completed', 'comment 9']);
    expect(gh.issues.find((i) => i.number === 8)).toMatchObject({ state: 'open', body: 'crash', comments: [] });
    expect(warnings()).toEqual([]);

    // In sync with nothing open: one list, no write.
    const calls = gh.calls.length;
    expect(await publishDriftIssue(inSync, gh.port, ctx, log)).toEqual({ outcome: 'none' });
    expect(gh.calls.slice(calls)).toEqual(['list']);
  });

  it('a close that fails leaves no note: the next in-sync check closes it with one note, not a second', async () => {
    const gh = fakeIssues([{ body: `${MARKER}\nold` }]);
    const update = gh.port.updateIssue.bind(gh.port);
    let refuse = true;
    gh.port.updateIssue = async (n, patch) => {
      if (refuse) {
        refuse = false;
        throw Object.assign(new Error('Server Error'), { status: 502 });
      }
      return update(n, patch);
    };
    const { log, warnings } = logger();
    expect(await publishDriftIssue(inSync, gh.port, ctx, log)).toEqual({ outcome: 'failed' });
    expect(warnings()).toHaveLength(1);
    expect(await publishDriftIssue(inSync, gh.port, ctx, log)).toMatchObject({ outcome: 'closed', number: 8 });
    expect(gh.issues[0]).toMatchObject({ state: 'closed' });
    expect(gh.issues[0]!.comments).toHaveLength(1);
  });

  it('after a closed episode, new drift opens a new issue (closed ones are not reopened)', async () => {
    const gh = fakeIssues([{ body: `${MARKER}\nold`, state: 'closed' }]);
    const r = await publishDriftIssue(drifted, gh.port, ctx, logger().log);
    expect(r).toMatchObject({ outcome: 'created', number: 9 });
    expect(gh.issues.map((i) => i.state)).toEqual(['closed', 'open']);
  });

  it('never edits or closes an issue a person wrote, even with our marker in it', async () => {
    const gh = fakeIssues([{ body: `${MARKER}\nI copied this`, author: { login: 'octocat', type: 'User' } }]);
    await publishDriftIssue(inSync, gh.port, ctx, logger().log);
    expect(gh.issues[0]).toMatchObject({ state: 'open', body: `${MARKER}\nI copied this`, comments: [] });
    const r = await publishDriftIssue(drifted, gh.port, ctx, logger().log);
    expect(r.outcome).toBe('created');
    expect(gh.issues[0]!.body).toBe(`${MARKER}\nI copied this`);
  });

  it('a token that says who it is (a PAT) owns the issues that login wrote', async () => {
    const gh = fakeIssues([{ body: `${MARKER}\nx`, author: { login: 'octo-bot-user', type: 'User' } }], {
      me: 'octo-bot-user'
    });
    expect(await publishDriftIssue(drifted, gh.port, ctx, logger().log)).toMatchObject({
      outcome: 'updated',
      number: 8
    });
  });

  it('two runs that created issues at once: both keep the oldest, the newer one is closed as a duplicate', async () => {
    const gh = fakeIssues();
    // The second run listed before the first created: both create.
    const [a, b] = await Promise.all([
      publishDriftIssue(drifted, gh.port, ctx, logger().log),
      publishDriftIssue(drifted, gh.port, ctx, logger().log)
    ]);
    expect([a.number, b.number]).toEqual([8, 8]);
    expect(gh.issues.filter((i) => i.state === 'open').map((i) => i.number)).toEqual([8]);
    expect(gh.issues.find((i) => i.number === 9)!.comments).toEqual([
      'Duplicate of #8: the drift of this configuration is tracked there.'
    ]);
  });

  it('403 (no issues: write) → exactly one warning that names the permission, outcome failed, nothing thrown', async () => {
    const gh = fakeIssues([], { forbidden: true });
    const { log, warnings } = logger();
    const r = await publishDriftIssue(drifted, gh.port, ctx, log);
    expect(r).toEqual({ outcome: 'failed' });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/HTTP 403.*issues: write/);
    expect(gh.issues).toEqual([]);
  });

  it('skips pull-request events, disabled input and apply runs without calling GitHub', async () => {
    const gh = fakeIssues([{ body: `${MARKER}\nx` }]);
    const { log, warnings } = logger();
    expect(await publishDriftIssue(drifted, gh.port, { ...ctx, eventName: 'pull_request' }, log)).toEqual({
      outcome: 'skipped'
    });
    expect(await publishDriftIssue(drifted, gh.port, { ...ctx, enabled: false }, log)).toEqual({ outcome: 'skipped' });
    expect(await publishDriftIssue({ ...inSync, mode: 'apply', verdict: 'applied' }, gh.port, ctx, log)).toEqual({
      outcome: 'none'
    });
    expect(await publishDriftIssue({ ...inSync, verdict: 'failed', error: 'x' }, gh.port, ctx, log)).toEqual({
      outcome: 'none'
    });
    expect(gh.calls).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(await publishDriftIssue(drifted, undefined, ctx, log)).toEqual({ outcome: 'skipped' });
    expect(warnings()).toEqual([expect.stringMatching(/no GitHub token/)]);
  });

  it('scrubs the run’s secrets and JWTs from the title, body and closing note', async () => {
    const secrets = createSecretRegistry();
    const key = 'k3y-SECRET-value-0123';
    secrets.add(key);
    const leaky: RunReport = {
      ...drifted,
      warnings: [`gateway said: key ${key} token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`]
    };
    const gh = fakeIssues();
    await publishDriftIssue(leaky, gh.port, ctx, logger().log, (t) => secrets.scrub(t));
    const text = JSON.stringify(gh.issues);
    expect(text).toContain('gateway said');
    expect(text).not.toContain(key);
    expect(text).not.toContain('eyJhbGciOiJSUzI1NiJ9');
  });
});

describe('targetsIssueDoc: one issue for a run over a targets file', () => {
  const RUN_MARKER = '<!-- apim-function-auth: targets=.github/apim-targets.yml target=* -->';
  const t = (name: string, report: RunReport): TargetRunReport => ({
    name,
    report: { ...report, target: { ...report.target, apim: `apim-${name}`, functionApp: `func-${name}` } },
    result: { failed: report.verdict === 'failed' }
  });
  const failed: RunReport = { ...inSync, verdict: 'failed', error: 'a read failed' };
  const run = (targets: TargetRunReport[], extra: Partial<TargetsRunReport> = {}): TargetsRunReport => ({
    mode: 'check',
    targetsFile: '.github/apim-targets.yml',
    filter: [],
    targets,
    durationSeconds: 3,
    source: SOURCE,
    ...extra
  });

  it('not in sync when any target is: the title names those targets only, the body carries the marker', () => {
    const doc = targetsIssueDoc(run([t('a', inSync), t('b', drifted), t('c', failed)]), RUN_MARKER);
    expect(doc.status).toBe('not-in-sync');
    expect(driftIssueTitle(doc.drifted)).toBe('apim-function-auth: drift in apim-b → func-b (orders)');
    const marker = driftIssueMarker(doc.runMarker);
    expect(marker).toBe('<!-- apim-function-auth:drift-issue: targets=.github/apim-targets.yml target=* -->');
    const body = doc.body(marker, 'schedule');
    expect(carriesMarker(body, marker)).toBe(true);
    expect(body).toContain('apim-b');
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
  });

  it('in sync only when every target is; a failed target, apply or a run-level error leave the issue alone', () => {
    expect(targetsIssueDoc(run([t('a', inSync), t('b', inSync)]), RUN_MARKER).status).toBe('in-sync');
    expect(targetsIssueDoc(run([t('a', inSync), t('c', failed)]), RUN_MARKER).status).toBe('unknown');
    expect(targetsIssueDoc(run([t('b', drifted)], { mode: 'apply' }), RUN_MARKER).status).toBe('unknown');
    expect(targetsIssueDoc(run([], { error: 'bad targets file' }), RUN_MARKER).status).toBe('unknown');
    expect(targetsIssueDoc(run([t('a', inSync)]), RUN_MARKER).closing).toMatch(/^✅ In sync since \[run 42\]/);
  });
});
