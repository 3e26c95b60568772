/**
 * Publishing tests with plain-object fakes of GitHubPort, SummaryPort and Logger (no jest.mock).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitHubPort, Logger } from '../../src/ports.js';
import type { RunReport } from '../../src/types.js';
import { publishReport, upsertStickyComment, type SummaryPort } from '../../src/report/publish.js';
import { commentMarker, renderComment, renderSummary } from '../../src/report/render.js';

interface StoredComment {
  id: number;
  issue: number;
  body: string;
  author?: { login: string; type?: string };
}

/**
 * An in-memory GitHub issue-comments store. `listComments` follows the port contract: it returns every comment of
 * the issue, reading them in pages of `perPage` (GitHub's maximum is 100) as the real adapter must.
 */
function fakeGitHub(initial: StoredComment[] = [], perPage = 100) {
  const comments = [...initial];
  let nextId = Math.max(1000, ...comments.map((c) => c.id)) + 1;
  const calls: string[] = [];
  const pageRequests: number[] = [];
  const port: GitHubPort = {
    async listComments(issue) {
      calls.push(`list ${issue}`);
      const all = comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id);
      const out: { id: number; body: string }[] = [];
      for (let page = 1; ; page++) {
        pageRequests.push(page);
        const chunk = all.slice((page - 1) * perPage, page * perPage);
        out.push(...chunk.map(({ id, body, author }) => ({ id, body, ...(author ? { author } : {}) })));
        if (chunk.length < perPage) break;
      }
      return out;
    },
    async createComment(issue, body) {
      calls.push(`create ${issue}`);
      const id = nextId++;
      comments.push({ id, issue, body });
      return { id };
    },
    async deleteComment(id) {
      calls.push(`delete ${id}`);
      const i = comments.findIndex((c) => c.id === id);
      if (i >= 0) comments.splice(i, 1);
    },
    async updateComment(id, body) {
      calls.push(`update ${id}`);
      const c = comments.find((x) => x.id === id);
      if (!c) throw Object.assign(new Error('Not Found'), { status: 404 });
      c.body = body;
    }
  };
  return { port, comments, calls, pageRequests };
}

function failingGitHub(status: number, message: string): GitHubPort {
  const fail = async (): Promise<never> => {
    throw Object.assign(new Error(message), { status });
  };
  return { listComments: fail, createComment: fail, updateComment: fail, deleteComment: fail };
}

function fakeLog() {
  const lines: { level: 'info' | 'warning' | 'debug'; message: string }[] = [];
  const log: Logger = {
    info: (message) => lines.push({ level: 'info', message }),
    warning: (message) => lines.push({ level: 'warning', message }),
    debug: (message) => lines.push({ level: 'debug', message })
  };
  return { log, lines, warnings: () => lines.filter((l) => l.level === 'warning').map((l) => l.message) };
}

function fakeSummary() {
  const written: string[] = [];
  const summary: SummaryPort = {
    async write(md) {
      written.push(md);
    }
  };
  return { summary, written };
}

const report: RunReport = {
  mode: 'check',
  verdict: 'drift',
  target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
  plan: {
    resources: [
      {
        kind: 'api-policy',
        resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x/apis/orders',
        label: 'API policy orders',
        changes: [{ path: 'policy.resource', before: 'api://app', after: 'app' }],
        notes: []
      }
    ],
    warnings: [],
    facts: { effectiveAudiences: ['app'], excludedPaths: [] }
  },
  applied: [],
  warnings: [],
  durationSeconds: 1
};
const marker = commentMarker(report.target);
const prCtx = { eventName: 'pull_request', prNumber: 7, isFork: false, prComment: true };

describe('upsertStickyComment', () => {
  test('creates once, updates on the next run, unchanged when equal; other comments untouched', async () => {
    const gh = fakeGitHub([
      { id: 1, issue: 7, body: 'LGTM' },
      { id: 2, issue: 7, body: '<!-- apim-function-auth: apim-y/func-y/orders -->\nother target' },
      { id: 3, issue: 8, body: `${marker}\nother PR` }
    ]);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nrun 1`)).toBe('created');
    const ours = gh.comments.filter((c) => c.issue === 7 && c.body.startsWith(marker));
    expect(ours).toHaveLength(1);

    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nrun 2`)).toBe('updated');
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nrun 2`)).toBe('unchanged');
    expect(gh.comments.filter((c) => c.issue === 7 && c.body.startsWith(marker)).map((c) => c.body)).toEqual([
      `${marker}\nrun 2`
    ]);
    expect(gh.comments.find((c) => c.id === 1)!.body).toBe('LGTM');
    expect(gh.comments.find((c) => c.id === 2)!.body).toContain('other target');
    expect(gh.comments.find((c) => c.id === 3)!.body).toBe(`${marker}\nother PR`);
    expect(gh.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    expect(gh.calls.filter((c) => c.startsWith('update'))).toHaveLength(1);
  });

  test('CRLF line ends from a web edit do not count as a change', async () => {
    const gh = fakeGitHub([{ id: 5, issue: 7, body: `${marker}\r\nline\r\n` }]);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nline\n`)).toBe('unchanged');
  });

  test('with several marked comments (concurrent runs, older bugs) the oldest is updated and the others deleted', async () => {
    // Issue "Never lose what the user owns" §6: exactly one sticky comment survives concurrent runs; every run keeps
    // the oldest (lowest id), so concurrent runs converge on the same one. (Until then the newest was updated and
    // the rest left alone, which left 2-3 comments after 5 concurrent runs.)
    const gh = fakeGitHub([
      { id: 10, issue: 7, body: `${marker}\nold` },
      { id: 30, issue: 7, body: `${marker}\nnewest` },
      { id: 20, issue: 7, body: `${marker}\nmiddle` }
    ]);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nnew`)).toBe('updated');
    expect(gh.calls).toEqual(['list 7', 'update 10', 'delete 20', 'delete 30']);
    expect(gh.comments.map((c) => c.body)).toEqual([`${marker}\nnew`]);
  });

  test('finds its comment beyond the first page of 100 (the port pages) and never duplicates', async () => {
    const many: StoredComment[] = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, issue: 7, body: `c${i}` }));
    many[180] = { id: 181, issue: 7, body: `${marker}\nold` };
    const gh = fakeGitHub(many);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nnew`)).toBe('updated');
    expect(gh.pageRequests).toEqual([1, 2, 3]);
    expect(gh.calls).toEqual(['list 7', 'update 181']);
    expect(gh.comments).toHaveLength(250);
  });

  test("someone else's comment that starts with the marker is never edited or deleted (adversarial review)", async () => {
    const gh = fakeGitHub([
      { id: 5, issue: 7, body: `${marker}\nmallory's copy`, author: { login: 'mallory', type: 'User' } },
      { id: 6, issue: 7, body: `${marker}\nours`, author: { login: 'github-actions[bot]', type: 'Bot' } },
      { id: 9, issue: 7, body: `${marker}\nalice pasted it`, author: { login: 'alice', type: 'User' } }
    ]);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nnew`)).toBe('updated');
    expect(gh.calls).toEqual(['list 7', 'update 6']);
    expect(gh.comments.map((c) => c.id)).toEqual([5, 6, 9]);
  });

  test('a comment that only quotes the marker in its text is not taken over', async () => {
    const gh = fakeGitHub([{ id: 4, issue: 7, body: `why does the bot write ${marker}?` }]);
    expect(await upsertStickyComment(gh.port, 7, marker, `${marker}\nx`)).toBe('created');
    expect(gh.comments.find((c) => c.id === 4)!.body).toBe(`why does the bot write ${marker}?`);
  });

  test('port errors propagate (publishReport turns them into warnings)', async () => {
    await expect(upsertStickyComment(failingGitHub(500, 'boom'), 7, marker, 'x')).rejects.toThrow('boom');
  });
});

describe('publishReport', () => {
  test('pull_request: writes the summary and the sticky comment (created, then unchanged)', async () => {
    const gh = fakeGitHub();
    const s = fakeSummary();
    const l = fakeLog();
    const first = await publishReport(report, { summary: s.summary, github: gh.port, log: l.log }, prCtx);
    expect(first.comment).toBe('created');
    expect(first.summaryMarkdown).toBe(renderSummary(report));
    expect(s.written).toEqual([renderSummary(report)]);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toBe(renderComment(report, marker));
    const second = await publishReport(report, { summary: s.summary, github: gh.port, log: l.log }, prCtx);
    expect(second.comment).toBe('unchanged');
    const third = await publishReport(
      { ...report, verdict: 'in-sync', plan: { ...report.plan!, resources: [] } },
      { summary: s.summary, github: gh.port, log: l.log },
      prCtx
    );
    expect(third.comment).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('✅ in sync');
    expect(l.warnings()).toEqual([]);
  });

  test('not a PR event, or pr-comment off → summary only, comment skipped', async () => {
    for (const ctx of [
      { ...prCtx, eventName: 'push' },
      { ...prCtx, prComment: false }
    ]) {
      const gh = fakeGitHub();
      const s = fakeSummary();
      const res = await publishReport(report, { summary: s.summary, github: gh.port, log: fakeLog().log }, ctx);
      expect(res.comment).toBe('skipped');
      expect(s.written).toHaveLength(1);
      expect(gh.calls).toEqual([]);
    }
  });

  test('fork PR on pull_request → warning naming the read-only token, no GitHub call', async () => {
    const gh = fakeGitHub();
    const l = fakeLog();
    const res = await publishReport(
      report,
      { summary: fakeSummary().summary, github: gh.port, log: l.log },
      { ...prCtx, isFork: true }
    );
    expect(res.comment).toBe('skipped');
    expect(gh.calls).toEqual([]);
    expect(l.warnings()).toHaveLength(1);
    expect(l.warnings()[0]).toMatch(/fork/);
    expect(l.warnings()[0]).toMatch(/read-only/);
  });

  test('fork PR on pull_request_target is attempted (that event gets a read/write token)', async () => {
    const gh = fakeGitHub();
    const res = await publishReport(
      report,
      { summary: fakeSummary().summary, github: gh.port, log: fakeLog().log },
      { ...prCtx, eventName: 'pull_request_target', isFork: true }
    );
    expect(res.comment).toBe('created');
  });

  test('403 "Resource not accessible by integration" → warning with the permission to grant, never a throw', async () => {
    const l = fakeLog();
    const s = fakeSummary();
    const res = await publishReport(
      report,
      { summary: s.summary, github: failingGitHub(403, 'Resource not accessible by integration'), log: l.log },
      prCtx
    );
    expect(res.comment).toBe('failed');
    expect(s.written).toHaveLength(1);
    expect(l.warnings()).toHaveLength(1);
    expect(l.warnings()[0]).toContain('HTTP 403');
    expect(l.warnings()[0]).toContain('pull-requests: write');
  });

  test('404 → warning, comment failed', async () => {
    const l = fakeLog();
    const res = await publishReport(
      report,
      { summary: fakeSummary().summary, github: failingGitHub(404, 'Not Found'), log: l.log },
      prCtx
    );
    expect(res.comment).toBe('failed');
    expect(l.warnings()[0]).toMatch(/HTTP 404.*not found/i);
  });

  test('no GitHub port, or no PR number → skipped with a warning', async () => {
    for (const [ports, ctx] of [
      [{}, prCtx],
      [{ github: fakeGitHub().port }, { ...prCtx, prNumber: undefined }]
    ] as const) {
      const l = fakeLog();
      const res = await publishReport(report, { summary: fakeSummary().summary, log: l.log, ...ports }, ctx);
      expect(res.comment).toBe('skipped');
      expect(l.warnings()).toHaveLength(1);
    }
  });

  test('a failing summary port is a warning, and the comment is still posted', async () => {
    const l = fakeLog();
    const gh = fakeGitHub();
    const summary: SummaryPort = {
      write: async () => {
        throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY');
      }
    };
    const res = await publishReport(report, { summary, github: gh.port, log: l.log }, prCtx);
    expect(res.comment).toBe('created');
    expect(l.warnings()[0]).toContain('GITHUB_STEP_SUMMARY');
  });

  test('summaryPath: the same markdown is written to disk (directories created)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'afa-report-'));
    try {
      const file = path.join(dir, 'nested', 'summary.md');
      const res = await publishReport(
        report,
        { summary: fakeSummary().summary, log: fakeLog().log },
        { eventName: 'push', isFork: false, prComment: false, summaryPath: file }
      );
      expect(readFileSync(file, 'utf8')).toBe(res.summaryMarkdown);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
