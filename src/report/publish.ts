/**
 * Publishes a rendered RunReport: the job summary, an optional copy on disk, and the sticky PR comment.
 * A thin adapter: all rendering lives in ./render.ts; GitHub and the summary are reached only through the ports
 * handed in, so tests use plain objects. Publishing never throws for GitHub failures: the report is not the verdict.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubPort, Logger } from '../ports.js';
import type { PrCommentMode, RunReport } from '../types.js';
import { needsAttention } from './derive.js';
import { errorMessage, errorStatus } from './github-errors.js';
import { renderComment, renderSummary, runConfigMarker } from './render.js';

/** Where the job summary goes. The action wraps `core.summary.addRaw(markdown).write()`. */
export interface SummaryPort {
  write(markdown: string): Promise<void>;
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged';

/** The sticky comment after a sync: what happened to it, its id, and its URL when the port gave one. */
export interface StickyComment {
  outcome: CommentOutcome;
  id?: number;
  /** `html_url`, when the port's comment objects carry a `url` (or `html_url`) string; see {@link commentUrl}. */
  url?: string;
}

/** A comment's web URL as a port may give it (`url` or `html_url`; the GitHubPort contract does not require it). */
function portUrl(c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null) return undefined;
  const { url, html_url: htmlUrl } = c as { url?: unknown; html_url?: unknown };
  const u = typeof url === 'string' ? url : typeof htmlUrl === 'string' ? htmlUrl : undefined;
  return u && /^https?:\/\//.test(u) ? u : undefined;
}

/**
 * The web URL of comment `id` on the pull request whose web page is `prUrl` (the event payload's
 * `pull_request.html_url`, e.g. `https://github.com/o/r/pull/7`): `<prUrl>#issuecomment-<id>`, the form of an issue
 * comment's `html_url` on a pull request (REST "Issue comments"). undefined without both.
 */
export function commentUrl(prUrl: string | undefined, id: number | undefined): string | undefined {
  if (!prUrl || id === undefined || !/^https?:\/\/\S+$/.test(prUrl)) return undefined;
  return `${prUrl.replace(/#.*$/, '')}#issuecomment-${id}`;
}

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
  return (await syncStickyComment(github, issueNumber, marker, body, log))!.outcome;
}

/**
 * {@link upsertStickyComment}, returning the surviving comment's id (and URL, when the port gives one). With
 * `opts.create === false` no comment is created: when none of ours exists it returns undefined after the first
 * list, and otherwise updates (and de-duplicates) ours exactly as upsertStickyComment does — how `pr-comment:
 * on-change` refreshes an earlier report once the run has nothing to say.
 */
export async function syncStickyComment(
  github: GitHubPort,
  issueNumber: number,
  marker: string,
  body: string,
  log?: Pick<Logger, 'warning'>,
  opts: { create?: boolean } = {}
): Promise<StickyComment | undefined> {
  const me = await github.whoAmI?.();
  // Someone else's comment that carries (or quotes) the marker is never taken over or deleted: only comments written
  // by this token's identity (or, when GitHub does not say who that is, by a Bot such as github-actions[bot]).
  const mine = (a?: { login: string; type?: string }) => !a || (me ? a.login === me : a.type === 'Bot');
  const listOurs = async (): Promise<{ id: number; body: string; url?: string }[]> =>
    (await github.listComments(issueNumber))
      .filter((c) => typeof c.body === 'string' && c.body.trimStart().startsWith(marker) && mine(c.author))
      .map((c) => ({ id: c.id, body: c.body, ...(portUrl(c) ? { url: portUrl(c) } : {}) }))
      .sort((a, b) => a.id - b.id);

  let ours = await listOurs();
  let createdId: number | undefined;
  let createdUrl: string | undefined;
  let created = false;
  if (ours.length === 0) {
    if (opts.create === false) return undefined;
    const res = await github.createComment(issueNumber, body);
    created = true;
    createdId = res ? res.id : undefined;
    createdUrl = portUrl(res);
    ours = await listOurs();
    // Our own comment not listed yet (read lag): count it anyway, so it is kept if oldest and deleted otherwise.
    if (createdId !== undefined && !ours.some((c) => c.id === createdId)) {
      ours = [...ours, { id: createdId, body, ...(createdUrl ? { url: createdUrl } : {}) }].sort((a, b) => a.id - b.id);
    }
    if (ours.length === 0) {
      return { outcome: 'created', ...(createdId !== undefined ? { id: createdId } : {}), ...urlOf(createdUrl) };
    }
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
  return { outcome, id: keep.id, ...urlOf(keep.url ?? (keep.id === createdId ? createdUrl : undefined)) };
}

function urlOf(url: string | undefined): { url?: string } {
  return url ? { url } : {};
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

/** The `pr-comment` mode of a publish context: `prCommentMode` when given, else `prComment` (true = always). */
function modeOf(ctx: { prComment: boolean; prCommentMode?: PrCommentMode }): PrCommentMode {
  return ctx.prCommentMode ?? (ctx.prComment ? 'always' : 'never');
}

/**
 * Writes the summary and, on pull requests, the sticky comment. Never throws for publishing failures: each one
 * becomes a `log.warning` that says what to do.
 *
 * - Summary: `renderSummary(report)` → `ports.summary.write`; a failure there is a warning (e.g. no
 *   `GITHUB_STEP_SUMMARY` when run by hand). When `ctx.summaryPath` is given, the same markdown is written there
 *   (parent directories created).
 * - Comment, only when the mode allows it (below), the event is `pull_request` or `pull_request_target`, and
 *   `ctx.prNumber` is set (else `'skipped'`). A fork PR on `pull_request` → `'skipped'` with a warning, because
 *   that event gets a read-only GITHUB_TOKEN; `pull_request_target` gets a read/write token even from forks, so it
 *   is attempted (GitHub Docs, "GITHUB_TOKEN reference → Permissions for the GITHUB_TOKEN"). No `ports.github` →
 *   `'skipped'`. `syncStickyComment` keeps one comment per target even when runs publish concurrently (the oldest;
 *   duplicates deleted). A port error (403 "Resource not accessible by integration", 404, …) → warning and
 *   `'failed'`.
 * - Which runs comment (`ctx.prCommentMode`, else `ctx.prComment`: true = `always`, false = `never`): `always`
 *   posts or updates the comment on every run; `never` skips it (`'skipped'`); `on-change` posts or updates it
 *   when the run needs attention ({@link needsAttention}: drift, changes, a failure, a failed smoke check) and
 *   otherwise only updates an earlier comment of this target (so an old failure is not left standing), creating
 *   none (`'skipped'` when there is none).
 *
 * Returns the summary markdown as written, the comment outcome, and the comment's URL when it exists after the run
 * (`created`, `updated` or `unchanged`): the port's `url`/`html_url` when it gives one, else built from `ctx.prUrl`
 * (the pull request's web URL) and the comment id ({@link commentUrl}).
 */
export async function publishReport(
  report: RunReport,
  ports: PublishPorts,
  ctx: PublishContext
): Promise<PublishedReport> {
  return publishDocument(
    {
      summary: renderSummary(report),
      comment: (marker) => renderComment(report, marker),
      attention: needsAttention(report),
      marker: ctx.marker ?? runConfigMarker(report.target)
    },
    ports,
    ctx
  );
}

/** Where a report goes: the job summary, GitHub (the sticky comment), the log. */
export interface PublishPorts {
  summary: SummaryPort;
  github?: GitHubPort;
  log: Logger;
}

/** The event and preferences that decide whether and where the comment is posted (see {@link publishReport}). */
export interface PublishContext {
  eventName: string;
  prNumber?: number;
  /** The pull request's web page (event payload `pull_request.html_url`), for the comment's URL. */
  prUrl?: string;
  isFork: boolean;
  prComment: boolean;
  prCommentMode?: PrCommentMode;
  summaryPath?: string;
  /** The sticky comment's marker (`runConfigMarker` of the run configuration); default: by the report's names. */
  marker?: string;
}

/** What publishing did: the summary as written, the comment's outcome, and its URL when one exists. */
export interface PublishedReport {
  summaryMarkdown: string;
  comment: CommentOutcome | 'skipped' | 'failed';
  commentUrl?: string;
}

/**
 * A rendered run, ready to publish: the summary markdown, the comment body for a marker (the marker on its first
 * line), whether the run needs attention (`pr-comment: on-change`), and the marker of its run configuration.
 */
export interface PublishDocument {
  summary: string;
  comment(marker: string): string;
  attention: boolean;
  marker: string;
}

/**
 * {@link publishReport} for any rendered document (one target's report, or a run over a targets file): the same
 * summary, file and sticky-comment rules, with `doc.marker` and `doc.attention` deciding the comment.
 */
export async function publishDocument(
  doc: PublishDocument,
  ports: PublishPorts,
  ctx: PublishContext
): Promise<PublishedReport> {
  const { log } = ports;
  const summaryMarkdown = doc.summary;
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
  const mode = modeOf(ctx);
  if (mode === 'never' || !isPr) {
    log.debug(`PR comment skipped (event ${ctx.eventName}, pr-comment ${mode})`);
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
  const marker = doc.marker;
  const create = mode === 'always' || doc.attention;
  try {
    const body = doc.comment(marker);
    const sticky = await syncStickyComment(ports.github, ctx.prNumber, marker, body, log, { create });
    if (!sticky) {
      log.info(
        `PR comment not posted on #${ctx.prNumber}: pr-comment is on-change, the run has nothing that needs ` +
          'attention, and there is no earlier comment to update'
      );
      return { summaryMarkdown, comment: 'skipped' };
    }
    const url = sticky.url ?? commentUrl(ctx.prUrl, sticky.id);
    log.info(`PR comment ${sticky.outcome} on #${ctx.prNumber}${url ? `: ${url}` : ''}`);
    return { summaryMarkdown, comment: sticky.outcome, ...(url ? { commentUrl: url } : {}) };
  } catch (err) {
    const status = errorStatus(err);
    log.warning(
      `Could not post the PR comment on #${ctx.prNumber}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(err)}; ` +
        commentAdvice(status)
    );
    return { summaryMarkdown, comment: 'failed' };
  }
}
