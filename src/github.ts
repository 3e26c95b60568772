/**
 * GitHubPort over `@actions/github`'s Octokit (GITHUB_API_URL is honoured by getOctokit). Issue comments REST:
 * https://docs.github.com/rest/issues/comments
 */
import { octokitLoader } from './octokit.js';
import type { GitHubPort } from './ports.js';

/**
 * Creates the GitHubPort for `owner/repo`. Errors from GitHub propagate unchanged (octokit's RequestError with
 * `status`; the publisher turns them into warnings).
 * @param opts.baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL when it was first
 *   loaded (https://api.github.com otherwise). In-process tests pass the twin's URL here.
 */
export function createGitHubPort(token: string, repository: string, opts: { baseUrl?: string } = {}): GitHubPort {
  const [owner, repo] = repository.split('/');
  const load = octokitLoader(token, opts.baseUrl);
  return {
    async listComments(issueNumber) {
      const octokit = await load();
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100
      });
      return all.map((c) => ({
        id: c.id,
        body: c.body ?? '',
        ...(c.html_url ? { url: c.html_url } : {}),
        ...(c.user ? { author: { login: c.user.login, type: c.user.type } } : {})
      }));
    },
    async whoAmI() {
      const octokit = await load();
      try {
        return (await octokit.rest.users.getAuthenticated()).data.login;
      } catch {
        return undefined; // an installation token (GITHUB_TOKEN): 403 "Resource not accessible by integration"
      }
    },
    async createComment(issueNumber, body) {
      const octokit = await load();
      const res = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
      return { id: res.data.id, url: res.data.html_url };
    },
    async updateComment(commentId, body) {
      const octokit = await load();
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
    },
    async deleteComment(commentId) {
      const octokit = await load();
      // DELETE /repos/{owner}/{repo}/issues/comments/{comment_id} → 204; 404 when already gone (rejects).
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: commentId });
    }
  };
}
