/**
 * GitHubPort over `@actions/github`'s Octokit (GITHUB_API_URL is honoured by getOctokit). Issue comments REST:
 * https://docs.github.com/rest/issues/comments
 */
import { getOctokit } from '@actions/github';
import type { GitHubPort } from './ports.js';

/** Creates the GitHubPort for `owner/repo`. Errors from GitHub propagate (the publisher turns them into warnings). */
export function createGitHubPort(token: string, repository: string): GitHubPort {
  const [owner, repo] = repository.split('/');
  const octokit = getOctokit(token);
  return {
    async listComments(issueNumber) {
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100
      });
      return all.map((c) => ({ id: c.id, body: c.body ?? '' }));
    },
    async createComment(issueNumber, body) {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    },
    async updateComment(commentId, body) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
    }
  };
}
