/**
 * The twin's DELETE /repos/{o}/{r}/issues/comments/{id} through the action's real GitHubPort (src/github.ts, octokit
 * over HTTPS), and the sticky comment of 5 concurrent runs against the twin (real interleaving over the network).
 */
import { describe, expect, it } from '@jest/globals';
import type { Twin } from '../index.js';
import { createGitHubPort } from '../../src/github.js';
import { upsertStickyComment } from '../../src/report/publish.js';
import { loadScenario, withTwin } from './helpers.js';

const MARKER = '<!-- apim-function-auth: apim-x/func-x/orders -->';

function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: { status?: number }) => e.status
  );
}

const commentRequests = (twin: Twin) =>
  twin
    .requests()
    .filter((r) => /\/issues\/comments\/\d+$/.test(new URL(r.url).pathname))
    .map((r) => `${r.method} ${new URL(r.url).pathname.split('/').pop()} ${r.status}`);

describe('twin GitHub API: delete an issue comment', () => {
  it('DELETE → 204 and the comment is gone; again → 404 (the adapter rejects with status 404)', async () => {
    const state = loadScenario('drifted');
    state.github.comments = [
      { id: 100, body: 'keep me' },
      { id: 101, body: `${MARKER}\nduplicate` }
    ];
    await withTwin(state, async (twin) => {
      const gh = createGitHubPort('ghs_fake', state.github.repository, { baseUrl: twin.githubApiUrl });
      await gh.deleteComment!(101);
      expect(twin.getState().github.comments.map((c) => c.id)).toEqual([100]);
      expect(await statusOf(gh.deleteComment!(101))).toBe(404);
      expect(commentRequests(twin)).toEqual(['DELETE 101 204', 'DELETE 101 404']);
      expect((await gh.listComments(7)).map((c) => c.id)).toEqual([100]);
    });
  });

  it('DELETE without write permission → 403 "Resource not accessible by integration", nothing deleted', async () => {
    const state = loadScenario('drifted');
    state.github.comments = [{ id: 100, body: 'x' }];
    state.github.tokenCanWrite = false;
    await withTwin(state, async (twin) => {
      const gh = createGitHubPort('ghs_fake', state.github.repository, { baseUrl: twin.githubApiUrl });
      const err = await gh.deleteComment!(100).then(
        () => undefined,
        (e: { status?: number; message: string }) => e
      );
      expect(err?.status).toBe(403);
      expect(err?.message).toContain('Resource not accessible by integration');
      expect(twin.getState().github.comments.map((c) => c.id)).toEqual([100]);
    });
  });

  it('createComment returns the new id (what the sticky comment uses to tell its own)', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      const gh = createGitHubPort('ghs_fake', state.github.repository, { baseUrl: twin.githubApiUrl });
      const created = await gh.createComment(7, 'hello');
      expect(created).toMatchObject({ id: twin.getState().github.comments[0]!.id });
    });
  });
});

describe('twin: sticky comment of 5 concurrent runs on one pull request', () => {
  it('exactly one marked comment survives (the oldest), with one of the runs’ bodies', async () => {
    const state = loadScenario('drifted');
    state.github.comments = [{ id: 50, body: 'LGTM', user: 'octocat' }];
    await withTwin(state, async (twin) => {
      const bodies = [1, 2, 3, 4, 5].map((i) => `${MARKER}\nrun ${i}`);
      // Five runs, five adapters (five processes on a runner), started together.
      const outcomes = await Promise.all(
        bodies.map((b) =>
          upsertStickyComment(
            createGitHubPort('ghs_fake', state.github.repository, { baseUrl: twin.githubApiUrl }),
            7,
            MARKER,
            b
          )
        )
      );
      const comments = twin.getState().github.comments;
      const marked = comments.filter((c) => c.body.startsWith(MARKER));
      expect(marked).toHaveLength(1);
      expect(bodies).toContain(marked[0]!.body);
      const created = twin.requests().filter((r) => r.method === 'POST' && r.status === 201).length;
      // The survivor is the first comment any run created (the twin numbers new comments from 1001).
      expect(marked[0]!.id).toBe(1001);
      expect(created).toBeGreaterThanOrEqual(1);
      expect(comments.find((c) => c.id === 50)?.body).toBe('LGTM');
      expect(outcomes.filter((o) => o === 'created').length).toBeLessThanOrEqual(1);
    });
  });
});
