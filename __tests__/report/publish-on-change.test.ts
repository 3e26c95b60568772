/**
 * `pr-comment: on-change` and the comment's URL (issue "Ready for users", items 2 and 3): a clean run posts no new
 * comment but refreshes an earlier one, so an old failure is not left standing; the `comment-url` output comes from
 * the pull request's web URL and the comment id (or from the port when it gives a URL).
 */
import { describe, expect, it } from '@jest/globals';
import type { GitHubPort, Logger } from '../../src/ports.js';
import { needsAttention } from '../../src/report/derive.js';
import { commentUrl, publishReport, syncStickyComment } from '../../src/report/publish.js';
import { commentMarker } from '../../src/report/render.js';
import type { RunReport } from '../../src/types.js';

interface Stored {
  id: number;
  issue: number;
  body: string;
}

function fakeGitHub(initial: Stored[] = [], opts: { urls?: boolean } = {}) {
  const comments = [...initial];
  let nextId = 5000;
  const calls: string[] = [];
  const url = (id: number) => (opts.urls ? { url: `https://github.example/o/r/pull/7#issuecomment-${id}` } : {});
  const port: GitHubPort = {
    async listComments(issue) {
      calls.push('list');
      return comments.filter((c) => c.issue === issue).map((c) => ({ id: c.id, body: c.body, ...url(c.id) }));
    },
    async createComment(issue, body) {
      calls.push('create');
      const id = nextId++;
      comments.push({ id, issue, body });
      return { id, ...url(id) };
    },
    async updateComment(id, body) {
      calls.push(`update ${id}`);
      comments.find((c) => c.id === id)!.body = body;
    },
    async deleteComment(id) {
      calls.push(`delete ${id}`);
      comments.splice(
        comments.findIndex((c) => c.id === id),
        1
      );
    }
  };
  return { port, comments, calls };
}

const log = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warning: (m) => lines.push(`warning ${m}`),
    debug: (m) => lines.push(`debug ${m}`)
  };
};
const summary = { write: async () => {} };

const base: RunReport = {
  mode: 'check',
  verdict: 'in-sync',
  target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
  plan: {
    resources: [{ kind: 'api-policy', resourceId: '/x', label: 'API policy orders', changes: [], notes: [] }],
    warnings: [],
    facts: { effectiveAudiences: [], excludedPaths: [] }
  },
  applied: [],
  smoke: { result: 'passed', checks: [], notes: [] },
  warnings: [],
  durationSeconds: 1
};
const clean = base;
const drifted: RunReport = {
  ...base,
  verdict: 'drift',
  plan: {
    ...base.plan!,
    resources: [{ ...base.plan!.resources[0], changes: [{ path: 'policy.resource', before: 'a', after: 'b' }] }]
  }
};
const marker = commentMarker(base.target);
const PR_URL = 'https://github.com/octo/orders-app/pull/7';
const ctx = (mode: 'always' | 'on-change' | 'never') => ({
  eventName: 'pull_request',
  prNumber: 7,
  prUrl: PR_URL,
  isFork: false,
  prComment: mode !== 'never',
  prCommentMode: mode
});

describe('needsAttention', () => {
  it.each<[string, RunReport, boolean]>([
    ['clean', clean, false],
    ['smoke skipped', { ...clean, smoke: { result: 'skipped', checks: [], notes: [] } }, false],
    ['drift', drifted, true],
    ['applied', { ...drifted, mode: 'apply', verdict: 'applied' }, true],
    ['failed', { ...clean, verdict: 'failed', error: 'boom' }, true],
    [
      'smoke failed in check mode on a target in sync',
      { ...clean, smoke: { result: 'failed', checks: [], notes: [] } },
      true
    ],
    [
      'a resource that cannot be reconciled',
      { ...clean, plan: { ...clean.plan!, resources: [{ ...clean.plan!.resources[0], error: 'unparsable' }] } },
      true
    ]
  ])('%s → %s', (_n, report, expected) => {
    expect(needsAttention(report)).toBe(expected);
  });
});

describe('pr-comment: on-change', () => {
  it('a clean run with no earlier comment posts nothing (and says why in the log)', async () => {
    const gh = fakeGitHub();
    const l = log();
    const res = await publishReport(clean, { summary, github: gh.port, log: l }, ctx('on-change'));
    expect(res.comment).toBe('skipped');
    expect(res.commentUrl).toBeUndefined();
    expect(gh.calls).toEqual(['list']);
    expect(l.lines.join('\n')).toMatch(/not posted on #7: pr-comment is on-change/);
  });

  it('drift posts the comment; the next clean run updates it (the old drift is not left standing)', async () => {
    const gh = fakeGitHub();
    const first = await publishReport(drifted, { summary, github: gh.port, log: log() }, ctx('on-change'));
    expect(first.comment).toBe('created');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('drift found');

    const second = await publishReport(clean, { summary, github: gh.port, log: log() }, ctx('on-change'));
    expect(second.comment).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('✅ in sync');
    expect(gh.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect(second.commentUrl).toBe(`${PR_URL}#issuecomment-${gh.comments[0].id}`);

    const third = await publishReport(clean, { summary, github: gh.port, log: log() }, ctx('on-change'));
    expect(third.comment).toBe('unchanged');
  });

  it('a failed smoke check counts as news even when nothing drifted', async () => {
    const gh = fakeGitHub();
    const failing = { ...clean, smoke: { result: 'failed' as const, checks: [], notes: [] } };
    expect((await publishReport(failing, { summary, github: gh.port, log: log() }, ctx('on-change'))).comment).toBe(
      'created'
    );
  });

  it('refreshing an earlier comment still removes duplicates (oldest kept)', async () => {
    const gh = fakeGitHub([
      { id: 10, issue: 7, body: `${marker}\nold failure` },
      { id: 11, issue: 7, body: `${marker}\nduplicate` }
    ]);
    const res = await publishReport(clean, { summary, github: gh.port, log: log() }, ctx('on-change'));
    expect(res.comment).toBe('updated');
    expect(gh.calls).toEqual(['list', 'update 10', 'delete 11']);
    expect(res.commentUrl).toBe(`${PR_URL}#issuecomment-10`);
  });

  it('always and never are unchanged: always creates on a clean run, never makes no call', async () => {
    const a = fakeGitHub();
    expect((await publishReport(clean, { summary, github: a.port, log: log() }, ctx('always'))).comment).toBe(
      'created'
    );
    const n = fakeGitHub([{ id: 10, issue: 7, body: `${marker}\nold` }]);
    const res = await publishReport(drifted, { summary, github: n.port, log: log() }, ctx('never'));
    expect(res).toMatchObject({ comment: 'skipped' });
    expect(n.calls).toEqual([]);
  });

  it('without prCommentMode the boolean decides, as before', async () => {
    const gh = fakeGitHub();
    const { prCommentMode: _m, ...legacy } = ctx('always');
    expect((await publishReport(clean, { summary, github: gh.port, log: log() }, legacy)).comment).toBe('created');
  });
});

describe('comment URL', () => {
  it('is the port’s URL when it gives one', async () => {
    const gh = fakeGitHub([], { urls: true });
    const res = await publishReport(
      drifted,
      { summary, github: gh.port, log: log() },
      { ...ctx('always'), prUrl: undefined }
    );
    expect(res.commentUrl).toBe(`https://github.example/o/r/pull/7#issuecomment-${gh.comments[0].id}`);
  });

  it('syncStickyComment returns the survivor’s id; with create: false and none of ours, undefined', async () => {
    const gh = fakeGitHub();
    expect(await syncStickyComment(gh.port, 7, marker, `${marker}\nx`, undefined, { create: false })).toBeUndefined();
    const made = await syncStickyComment(gh.port, 7, marker, `${marker}\nx`);
    expect(made).toEqual({ outcome: 'created', id: gh.comments[0].id });
  });

  it.each<[string | undefined, number | undefined, string | undefined]>([
    [PR_URL, 42, `${PR_URL}#issuecomment-42`],
    [`${PR_URL}#discussion`, 42, `${PR_URL}#issuecomment-42`],
    [undefined, 42, undefined],
    [PR_URL, undefined, undefined],
    ['not a url', 42, undefined]
  ])('commentUrl(%j, %j) → %j', (pr, id, out) => {
    expect(commentUrl(pr, id)).toBe(out);
  });
});
