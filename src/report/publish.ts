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
 * Creates or updates the one comment on issue/PR `issueNumber` that belongs to `marker`, and removes duplicates, so
 * that exactly one survives even when several runs publish on the same pull request at the same time.
 *
 * Ours are the comments whose body starts with `marker` (after leading whitespace: we always put it first, so a
 * person quoting it elsewhere is not overwritten) AND that this token's identity wrote (`whoAmI`; when GitHub does
 * not say, as for GITHUB_TOKEN, a Bot author): a person who pastes the marker never has a comment edited or deleted.
 * Every run applies the same rule:
 * 1. List every comment (the port pages through all of them). None of ours → `createComment`, then list again:
 *    runs that started together all saw none and all created one.
 * 2. Keep the OLDEST of ours (lowest id; GitHub ids grow with creation time), update it when its body differs from
 *    `body`, then delete every other one of ours that this run saw (and the one it created, if that is not the
 *    oldest). A 404 on delete means another run deleted it first: fine.
 * Why the oldest: it is the one comment every run agrees on. No comment older than the oldest can appear later, and
 * a comment is visible to any run that lists after it was created, so every run that creates one (and lists again)
 * or finds some picks that same one, and each duplicate is deleted at least by the run that created it. No run ever
 * deletes a comment older than the one it keeps, so the oldest is never deleted: even if GitHub's list lagged behind
 * its writes, at least one comment survives (a lagging list could only leave a duplicate, which the next run
 * removes). Keeping the newest, as before, made concurrent runs each keep their own: 2–3 of 5 survived.
 *
 * Which body wins: the survivor carries the body of the last run that wrote it (its creator, or a later update);
 * among concurrent runs that order is not defined, but every body is one run's complete report.
 *
 * Returns `'created'` when the survivor is the comment this run created (or, for a port whose `createComment` gives
 * no id, when it is the only one listed), else `'updated'` / `'unchanged'` (the survivor's body already equal, CRLF
 * ignored). Errors of the port (e.g. 403 "Resource not
 * accessible by integration") propagate to the caller, except deletes: a 404 is ignored, other delete failures go to
 * `log.warning` (the report is already in the kept comment; the next run removes the duplicate).
 * Source: GitHub REST "Issue comments" (list / create / update / delete an issue comment; PRs are issues here).
 */
export async function upsertStickyComment(
  github: GitHubPort,
  issueNumber: number,
  marker: string,
  body: string,
  log?: Pick<Logger, 'warning'>
): Promise<CommentOutcome> {
  const me = await github.whoAmI?.();
  // Someone else's comment that carries (or quotes) the marker is never taken over or deleted: only comments written
  // by this token's identity (or, when GitHub does not say who that is, by a Bot such as github-actions[bot]).
  const mine = (a?: { login: string; type?: string }) => !a || (me ? a.login === me : a.type === 'Bot');
  const listOurs = async (): Promise<{ id: number; body: string }[]> =>
    (await github.listComments(issueNumber))
      .filter((c) => typeof c.body === 'string' && c.body.trimStart().startsWith(marker) && mine(c.author))
      .sort((a, b) => a.id - b.id);

  let ours = await listOurs();
  let createdId: number | undefined;
  let created = false;
  if (ours.length === 0) {
    const res = await github.createComment(issueNumber, body);
    created = true;
    createdId = res ? res.id : undefined;
    ours = await listOurs();
    // Our own comment not listed yet (read lag): count it anyway, so it is kept if oldest and deleted otherwise.
    if (createdId !== undefined && !ours.some((c) => c.id === createdId)) {
      ours = [...ours, { id: createdId, body }].sort((a, b) => a.id - b.id);
    }
    if (ours.length === 0) return 'created';
  }

  const [keep, ...duplicates] = ours;
  const ownSurvivor = created && (createdId !== undefined ? keep.id === createdId : ours.length === 1);
  let outcome: CommentOutcome = ownSurvivor ? 'created' : 'unchanged';
  if (!sameBody(keep.body, body)) {
    await github.updateComment(keep.id, body);
    if (!ownSurvivor) outcome = 'updated';
  }
  for (const dup of duplicates) {
    try {
      await github.deleteComment(dup.id);
    } catch (err) {
      if (errorStatus(err) === 404) continue; // another run deleted it first
      log?.warning(
        `Could not delete the duplicate PR comment ${dup.id} on #${issueNumber}: ${errorMessage(err)}; ` +
          'the next run removes it'
      );
    }
  }
  return outcome;
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
 *   `upsertStickyComment` keeps one comment per target even when runs publish concurrently (the oldest; duplicates
 *   deleted). A port error (403 "Resource not accessible by integration", 404, …) → warning and `'failed'`.
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
    const comment = await upsertStickyComment(ports.github, ctx.prNumber, marker, renderComment(report, marker), log);
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
