/**
 * The twin's GitHub "Issues" API through real clients over HTTPS: @actions/github's octokit (paging by the Link
 * header, the `state` filter, create/update/labels, errors) and the action's IssuesPort (src/github-issues.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { getOctokit } from '@actions/github';
import type { TwinState } from '../src/contracts.js';
import { createIssuesPort } from '../../src/github-issues.js';
import { loadScenario, withTwin } from './helpers.js';

type Octokit = ReturnType<typeof getOctokit>;

function stateWithIssues(n: number): TwinState {
  const state = loadScenario('drifted'); // pull request #7
  state.github.issues = Array.from({ length: n }, (_, i) => ({
    number: 8 + i,
    title: `issue ${8 + i}`,
    body: `body ${8 + i}`,
    state: i % 3 === 2 ? ('closed' as const) : ('open' as const),
    labels: i % 2 === 0 ? ['even'] : []
  }));
  return state;
}

const client = (url: string): Octokit => getOctokit('ghs_fake', { baseUrl: url });
const [owner, repo] = ['octo', 'orders-app'];

async function statusOf(p: Promise<unknown>): Promise<{ status?: number; message?: string }> {
  return p.then(
    () => ({}),
    (e: { status?: number; message?: string }) => ({ status: e.status, message: e.message })
  );
}

describe('twin GitHub API: issues', () => {
  it('lists with paging (per_page/page + Link) and the state filter; pull requests carry `pull_request`', async () => {
    await withTwin(stateWithIssues(7), async (twin) => {
      const gh = client(twin.githubApiUrl);
      const page1 = await gh.rest.issues.listForRepo({ owner, repo, state: 'all', per_page: 3 });
      expect(page1.data.map((i) => i.number)).toEqual([14, 13, 12]); // newest first (direction desc)
      expect(page1.headers.link).toMatch(/page=2>; rel="next"/);
      expect(page1.headers.link).toMatch(/page=3>; rel="last"/);
      const all = await gh.paginate(gh.rest.issues.listForRepo, { owner, repo, state: 'all', per_page: 2 });
      expect(all.map((i) => i.number)).toEqual([14, 13, 12, 11, 10, 9, 8, 7]);
      expect(all.find((i) => i.number === 7)?.pull_request).toBeDefined();
      expect(all.filter((i) => i.pull_request).map((i) => i.number)).toEqual([7]);
      const open = await gh.paginate(gh.rest.issues.listForRepo, { owner, repo, per_page: 2 });
      expect(open.map((i) => i.number)).toEqual([14, 12, 11, 9, 8, 7]); // default state: open
      const closed = await gh.paginate(gh.rest.issues.listForRepo, { owner, repo, state: 'closed' });
      expect(closed.map((i) => [i.number, i.state])).toEqual([
        [13, 'closed'],
        [10, 'closed']
      ]);
      const labelled = await gh.rest.issues.listForRepo({
        owner,
        repo,
        state: 'all',
        labels: 'even',
        direction: 'asc'
      });
      expect(labelled.data.map((i) => i.number)).toEqual([8, 10, 12, 14]);
      expect(labelled.data[0]!.labels).toEqual([expect.objectContaining({ name: 'even' })]);
      const bad = await statusOf(
        gh.request('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'any' as 'all' })
      );
      expect(bad.status).toBe(422);
    });
  });

  it('creates with the next number of the sequence the pull request shares; title required', async () => {
    await withTwin(loadScenario('drifted'), async (twin) => {
      const gh = client(twin.githubApiUrl);
      const a = await gh.rest.issues.create({ owner, repo, title: 'Drift', body: 'b', labels: ['drift', 'azure'] });
      expect(a.status).toBe(201);
      expect(a.data).toMatchObject({
        number: 8, // after pull request #7
        state: 'open',
        title: 'Drift',
        body: 'b',
        html_url: 'https://github.com/octo/orders-app/issues/8',
        user: { login: 'github-actions[bot]', type: 'Bot' }
      });
      expect(a.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['drift', 'azure']);
      const b = await gh.rest.issues.create({ owner, repo, title: 'Second' });
      expect(b.data.number).toBe(9);
      const missing = await statusOf(
        gh.request('POST /repos/{owner}/{repo}/issues', { owner, repo, body: 'no title' } as unknown as {
          owner: string;
          repo: string;
          title: string;
        })
      );
      expect(missing.status).toBe(422);
      expect(twin.getState().github.issues).toEqual([
        {
          number: 8,
          title: 'Drift',
          body: 'b',
          state: 'open',
          labels: ['drift', 'azure'],
          user: 'github-actions[bot]'
        },
        { number: 9, title: 'Second', body: '', state: 'open', labels: [], user: 'github-actions[bot]' }
      ]);
    });
  });

  it('updates title, body, state (with state_reason) and labels; adds labels; comments on the issue', async () => {
    await withTwin(stateWithIssues(1), async (twin) => {
      const gh = client(twin.githubApiUrl);
      const u = await gh.rest.issues.update({ owner, repo, issue_number: 8, title: 'T2', body: 'B2' });
      expect(u.data).toMatchObject({ title: 'T2', body: 'B2', state: 'open', state_reason: null });
      await gh.rest.issues.addLabels({ owner, repo, issue_number: 8, labels: ['drift', 'even'] });
      const c = await gh.rest.issues.createComment({ owner, repo, issue_number: 8, body: 'in sync since run 1' });
      expect(c.data.html_url).toBe(`https://github.com/octo/orders-app/issues/8#issuecomment-${c.data.id}`);
      const closed = await gh.rest.issues.update({ owner, repo, issue_number: 8, state: 'closed' });
      expect(closed.data).toMatchObject({ state: 'closed', state_reason: 'completed', comments: 1 });
      const comments = await gh.rest.issues.listComments({ owner, repo, issue_number: 8 });
      expect(comments.data.map((x) => x.body)).toEqual(['in sync since run 1']);
      // The pull request's comments are kept apart from the issue's.
      expect((await gh.rest.issues.listComments({ owner, repo, issue_number: 7 })).data).toEqual([]);
      await gh.rest.issues.update({ owner, repo, issue_number: 8, labels: ['only'] });
      const bad = await statusOf(gh.rest.issues.update({ owner, repo, issue_number: 8, state: 'gone' as 'open' }));
      expect(bad.status).toBe(422);
      expect(twin.getState().github.issues).toEqual([
        { number: 8, title: 'T2', body: 'B2', state: 'closed', labels: ['only'], stateReason: 'completed' }
      ]);
      expect(twin.getState().github.comments).toEqual([
        { id: c.data.id, body: 'in sync since run 1', user: 'github-actions[bot]', issueNumber: 8 }
      ]);
      expect((await statusOf(gh.rest.issues.get({ owner, repo, issue_number: 99 }))).status).toBe(404);
    });
  });

  it('a token without issues: write → 403 "Resource not accessible by integration" on writes; reads work', async () => {
    const state = stateWithIssues(1);
    state.github.tokenCanWriteIssues = false;
    await withTwin(state, async (twin) => {
      const gh = client(twin.githubApiUrl);
      expect((await gh.rest.issues.listForRepo({ owner, repo })).status).toBe(200);
      for (const p of [
        gh.rest.issues.create({ owner, repo, title: 'x' }),
        gh.rest.issues.update({ owner, repo, issue_number: 8, state: 'closed' }),
        gh.rest.issues.addLabels({ owner, repo, issue_number: 8, labels: ['x'] }),
        gh.rest.issues.createComment({ owner, repo, issue_number: 8, body: 'x' })
      ]) {
        expect(await statusOf(p)).toEqual({ status: 403, message: expect.stringContaining('Resource not accessible') });
      }
      // Comments on the pull request follow tokenCanWrite (pull-requests: write), not issues: write.
      expect((await gh.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'ok' })).status).toBe(201);
      expect(twin.getState().github.issues).toEqual(state.github.issues);
    });
  });

  it('the action’s IssuesPort: lists open issues only (pull requests left out), creates, updates, labels, comments', async () => {
    const state = stateWithIssues(160); // 107 open + the pull request: two pages of 100
    await withTwin(state, async (twin) => {
      const port = createIssuesPort('ghs_fake', state.github.repository, { baseUrl: twin.githubApiUrl });
      const open = await port.listOpenIssues();
      expect(open).toHaveLength(state.github.issues!.filter((i) => i.state === 'open').length);
      expect(open.some((i) => i.number === 7)).toBe(false);
      expect(open.every((i) => i.state === 'open' && i.author?.type === 'Bot')).toBe(true);
      const created = await port.createIssue({ title: 'Drift', body: 'B', labels: ['drift'] });
      expect(created).toMatchObject({
        number: 168,
        labels: ['drift'],
        url: 'https://github.com/octo/orders-app/issues/168'
      });
      await port.addLabels(168, ['azure']);
      await port.createComment(168, 'note');
      const closed = await port.updateIssue(168, { state: 'closed', stateReason: 'completed' });
      expect(closed).toMatchObject({ state: 'closed', labels: ['drift', 'azure'] });
      const pages = twin
        .requests()
        .filter((r) => r.method === 'GET' && new URL(r.url).pathname === '/repos/octo/orders-app/issues')
        .map((r) => new URL(r.url).searchParams.get('page') ?? '1');
      expect(pages).toEqual(['1', '2']);
    });
  });
});
