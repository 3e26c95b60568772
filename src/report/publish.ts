/**
 * Publishes a rendered RunReport: the job summary, an optional copy on disk, and the sticky PR comment.
 * A thin adapter: all rendering lives in ./render.ts; GitHub and the summary are reached only through the ports
 * handed in, so tests use plain objects. Publishing never throws for GitHub failures: the report is not the verdict.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubPort, Logger } from '../ports.js';
import type { RunReport } from '../types.js';
import { commentMarker, renderComment, renderSummary } from './render.js';

/** Where the job summary goes. The action wraps `core.summary.addRaw(markdown).write()`. */
export interface SummaryPort {
  write(markdown: string): Promise<void>;
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged';

/** GitHub normalises nothing we rely on, but a comment edited in the web UI comes back with CRLF line ends. */
function sameBody(a: string, b: string): boolean {
  const norm = (s: string): string => s.replace(/\r\n/g, '\n').trimEnd();
  return norm(a) === norm(b);
}

/**
 * Creates or updates the one comment on issue/PR `issueNumber` that belongs to `marker`.
 *
 * Lists every comment (the port pages through all of them), keeps those whose body starts with `marker` (after
 * leading whitespace: we always put it first, so a person quoting it elsewhere is not overwritten), and:
 * none → `createComment` → `'created'`; else the newest of them (highest id; GitHub ids grow with time) is updated
 * when its body differs (`'updated'`) or left alone (`'unchanged'`). Older duplicates are left untouched.
 * Errors of the port (e.g. 403 "Resource not accessible by integration") propagate to the caller.
 * Source: GitHub REST "Issue comments" (list / create / update an issue comment; PRs are issues here).
 */
export async function upsertStickyComment(
  github: GitHubPort,
  issueNumber: number,
  marker: string,
  body: string
): Promise<CommentOutcome> {
  const comments = await github.listComments(issueNumber);
  const ours = comments.filter((c) => typeof c.body === 'string' && c.body.trimStart().startsWith(marker));
  if (ours.length === 0) {
    await github.createComment(issueNumber, body);
    return 'created';
  }
  const newest = ours.reduce((a, b) => (b.id > a.id ? b : a));
  if (sameBody(newest.body, body)) return 'unchanged';
  await github.updateComment(newest.id, body);
  return 'updated';
}

function errorStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const s = (err as { status: unknown }).status;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  // First line only, bounded: octokit messages carry the API docs URL, never the token.
  const first = m.split(/\r?\n/)[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

/** Advice for a failed comment call, by HTTP status. */
function commentAdvice(status: number | undefined): string {
  if (status === 403) {
    return (
      'the token may not write pull-request comments: grant `permissions: pull-requests: write` to the job ' +
      '(PRs from forks get a read-only GITHUB_TOKEN on `pull_request`; the job summary still has the report)'
    );
  }
  if (status === 404) {
    return 'the pull request was not found or the token cannot see this repository: check `github-token` and the PR number';
  }
  if (status === 422) return 'GitHub rejected the comment body (validation failed)';
  return 'the job summary still has the report';
}

/**
 * Writes the summary and, on pull requests, the sticky comment. Never throws for publishing failures: each one
 * becomes a `log.warning` that says what to do.
 *
 * - Summary: `renderSummary(report)` → `ports.summary.write`; a failure there is a warning (e.g. no
 *   `GITHUB_STEP_SUMMARY` when run by hand). When `ctx.summaryPath` is given, the same markdown is written there
 *   (parent directories created).
 * - Comment, only when `ctx.prComment`, the event is `pull_request` or `pull_request_target`, and `ctx.prNumber`
 *   is set (else `'skipped'`). A fork PR on `pull_request` → `'skipped'` with a warning, because that event gets a
 *   read-only GITHUB_TOKEN; `pull_request_target` gets a read/write token even from forks, so it is attempted
 *   (GitHub Docs, "GITHUB_TOKEN reference → Permissions for the GITHUB_TOKEN"). No `ports.github` → `'skipped'`.
 *   A port error (403 "Resource not accessible by integration", 404, …) → warning and `'failed'`.
 *
 * Returns the summary markdown as written and the comment outcome.
 */
export async function publishReport(
  report: RunReport,
  ports: { summary: SummaryPort; github?: GitHubPort; log: Logger },
  ctx: { eventName: string; prNumber?: number; isFork: boolean; prComment: boolean; summaryPath?: string }
): Promise<{ summaryMarkdown: string; comment: CommentOutcome | 'skipped' | 'failed' }> {
  const { log } = ports;
  const summaryMarkdown = renderSummary(report);
  try {
    await ports.summary.write(summaryMarkdown);
  } catch (err) {
    log.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
  if (ctx.summaryPath) {
    try {
      await mkdir(path.dirname(ctx.summaryPath), { recursive: true });
      await writeFile(ctx.summaryPath, summaryMarkdown, 'utf8');
    } catch (err) {
      log.warning(`Could not write the summary to ${ctx.summaryPath}: ${errorMessage(err)}`);
    }
  }

  const isPr = ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target';
  if (!ctx.prComment || !isPr) {
    log.debug(`PR comment skipped (event ${ctx.eventName}, pr-comment ${ctx.prComment})`);
    return { summaryMarkdown, comment: 'skipped' };
  }
  if (ctx.prNumber === undefined) {
    log.warning('PR comment skipped: the event has no pull request number');
    return { summaryMarkdown, comment: 'skipped' };
  }
  if (ctx.isFork && ctx.eventName === 'pull_request') {
    log.warning(
      'PR comment skipped: this pull request comes from a fork, and `pull_request` runs from forks get a read-only ' +
        'GITHUB_TOKEN. The report is in the job summary. To comment on fork PRs, publish from a `workflow_run` ' +
        'or `pull_request_target` workflow that does not check out the fork’s code.'
    );
    return { summaryMarkdown, comment: 'skipped' };
  }
  if (!ports.github) {
    log.warning('PR comment skipped: no GitHub token was given (input `github-token`)');
    return { summaryMarkdown, comment: 'skipped' };
  }
  const marker = commentMarker(report.target);
  try {
    const comment = await upsertStickyComment(ports.github, ctx.prNumber, marker, renderComment(report, marker));
    log.info(`PR comment ${comment} on #${ctx.prNumber}`);
    return { summaryMarkdown, comment };
  } catch (err) {
    const status = errorStatus(err);
    log.warning(
      `Could not post the PR comment on #${ctx.prNumber}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(err)}; ` +
        commentAdvice(status)
    );
    return { summaryMarkdown, comment: 'failed' };
  }
}
