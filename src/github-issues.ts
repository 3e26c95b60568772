/**
 * IssuesPort over `@actions/github`'s Octokit (GITHUB_API_URL is honoured by getOctokit): the drift issue's calls.
 * REST: https://docs.github.com/rest/issues/issues ("List repository issues", "Create an issue", "Update an issue"),
 * https://docs.github.com/rest/issues/labels ("Add labels to an issue"), https://docs.github.com/rest/issues/comments
 * ("Create an issue comment").
 */
import { octokitLoader } from './octokit.js';
import type { IssueItem, IssuesPort } from './ports.js';

type RawIssue = {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url?: string;
  labels?: (string | { name?: string | null })[];
  user?: { login: string; type?: string } | null;
  pull_request?: unknown;
};

/** An issue of the REST schema "issue" as an IssueItem (label objects or strings → names). */
function toItem(i: RawIssue): IssueItem {
  return {
    number: i.number,
    title: i.title,
    body: i.body ?? '',
    state: i.state === 'closed' ? 'closed' : 'open',
    labels: (i.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    ...(i.html_url ? { url: i.html_url } : {}),
    ...(i.user ? { author: { login: i.user.login, type: i.user.type } } : {})
  };
}

/**
 * Creates the IssuesPort for `owner/repo`. Errors from GitHub propagate unchanged (octokit's RequestError with
 * `status`); the drift issue publisher turns them into one warning.
 * @param opts.baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL. In-process tests
 *   pass the twin's URL here.
 */
export function createIssuesPort(token: string, repository: string, opts: { baseUrl?: string } = {}): IssuesPort {
  const [owner, repo] = repository.split('/');
  const load = octokitLoader(token, opts.baseUrl);
  return {
    async listOpenIssues() {
      const octokit = await load();
      // Pages of 100 until the Link header has no rel="next"; pull requests come as issues with `pull_request`.
      const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        per_page: 100
      });
      return (all as RawIssue[]).filter((i) => !i.pull_request).map(toItem);
    },
    async createIssue({ title, body, labels }) {
      const octokit = await load();
      const res = await octokit.rest.issues.create({ owner, repo, title, body, ...(labels.length ? { labels } : {}) });
      return toItem(res.data as RawIssue);
    },
    async updateIssue(issueNumber, patch) {
      const octokit = await load();
      const res = await octokit.rest.issues.update({
        owner,
        repo,
        issue_number: issueNumber,
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.body !== undefined ? { body: patch.body } : {}),
        ...(patch.state ? { state: patch.state } : {}),
        ...(patch.state && patch.stateReason ? { state_reason: patch.stateReason } : {})
      });
      return toItem(res.data as RawIssue);
    },
    async addLabels(issueNumber, labels) {
      const octokit = await load();
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: issueNumber, labels });
    },
    async createComment(issueNumber, body) {
      const octokit = await load();
      await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    },
    async whoAmI() {
      const octokit = await load();
      try {
        return (await octokit.rest.users.getAuthenticated()).data.login;
      } catch {
        return undefined; // an installation token (GITHUB_TOKEN): 403 "Resource not accessible by integration"
      }
    }
  };
}
