/**
 * Publishes a finished run on the runner: the step outputs, the job summary, the report file under RUNNER_TEMP, the
 * sticky PR comment and the plain-text report in the log. Everything is scrubbed of the run's secrets first (ARM,
 * Entra ID or a gateway may echo a key or a token in an error text). A failure to publish never hides the run's own
 * result: it is a warning. Warnings and the failure are annotations titled `apim-function-auth`, so they are easy to
 * tell apart from other steps' on the run page.
 */
import * as core from '@actions/core';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { coreLogger, secrets } from '../action-io.js';
import { createGitHubPort } from '../github.js';
import { createIssuesPort } from '../github-issues.js';
import type { Logger } from '../ports.js';
import type { TargetResult } from '../target.js';
import type { RunReport, RunSettings } from '../types.js';
import { TOOL, needsAttention } from './derive.js';
import { reportIssueDoc, type DriftIssueDoc } from './drift-issue.js';
import { publishDriftIssueDoc } from './drift-issue-sync.js';
import { workflowEvent, type WorkflowEvent } from './event.js';
import { publishDocument, type PublishDocument } from './publish.js';
import { renderComment, renderSummary, renderText, runConfigMarker } from './render.js';
import { runOutputs, runSource } from './run-outputs.js';

/** The title of the action's annotations (warnings and the failure) on the run page. */
export const ANNOTATION_TITLE = TOOL;

/** The runner's log, with warnings as annotations titled {@link ANNOTATION_TITLE}. */
const publishLog: Logger = {
  ...coreLogger,
  warning: (m) => core.warning(secrets.scrub(m), { title: ANNOTATION_TITLE })
};

/**
 * Fails the step with `message` as an error annotation titled {@link ANNOTATION_TITLE}: what `core.setFailed` does
 * (exit code 1, then `core.error(message)`; @actions/core 3.0.1 lib/core.js), plus the title, which setFailed cannot
 * carry. Secrets are scrubbed from the message.
 */
export function failStep(message: string): void {
  process.exitCode = 1;
  core.error(secrets.scrub(message), { title: ANNOTATION_TITLE });
}

/**
 * Sets the outputs (./run-outputs.ts: `drift` only when a plan was made; `changes` with a `state` per row in apply
 * mode; `result`; `change-count`; `apim-principal-id`; `smoke-result`; after publishing `summary-path` and
 * `comment-url`, '' when no comment was posted; last `issue-url`, see below) and publishes the report, with the run's
 * link and commit in its footer when the runner's GITHUB_* variables are set. With `drift-issue: true` the drift issue
 * follows (./drift-issue-sync.ts): `issue-url` is its URL when this run created, updated or closed it, else ''.
 * `run` undefined: the inputs were refused (no token, no PR comment preference: the defaults apply). `marker`: the
 * sticky comment's marker (`runConfigMarker` of the run configuration); default: by the report's names.
 */
export async function publishRun(run: RunSettings | undefined, result: TargetResult, marker?: string): Promise<void> {
  const report: RunReport = { ...secrets.scrubDeep(result.report), source: runSource(process.env) };
  for (const [name, value] of Object.entries(runOutputs(result, report, (t) => secrets.scrub(t)))) {
    core.setOutput(name, value);
  }
  const doc: PublishDocument = {
    summary: renderSummary(report),
    comment: (m) => renderComment(report, m),
    attention: needsAttention(report),
    marker: marker ?? runConfigMarker(report.target)
  };
  const stem = `${safe(report.target.apim)}-${safe(report.target.functionApp)}`;
  await publishAndLog(run, doc, stem, () => renderText(report), reportIssueDoc(report, doc.marker));
}

/**
 * Publishes a rendered run (summary, report file `apim-function-auth-<stem>.md` under RUNNER_TEMP, sticky comment),
 * sets `summary-path` and `comment-url`, then logs `text()`; then, with `drift-issue: true`, publishes `issue` (the
 * drift issue) and sets `issue-url` ('' otherwise). A failure to publish is a warning, never the run's result. The
 * document must already be scrubbed of the run's secrets.
 */
export async function publishAndLog(
  run: RunSettings | undefined,
  doc: PublishDocument,
  stem: string,
  text: () => string,
  issue?: DriftIssueDoc
): Promise<void> {
  const event = workflowEvent();
  if (event.problem) publishLog.warning(event.problem);
  try {
    const { summaryPath, commentUrl } = await core.group('Report (summary, PR comment)', () =>
      publishFiles(run, doc, stem, event)
    );
    core.setOutput('summary-path', summaryPath);
    core.setOutput('comment-url', commentUrl ?? '');
    coreLogger.info(text());
  } catch (e) {
    core.setOutput('comment-url', '');
    core.warning(`Could not publish the report: ${secrets.scrub((e as Error).message)}`, { title: ANNOTATION_TITLE });
  }
  core.setOutput('issue-url', run?.driftIssue && issue ? await driftIssue(run, issue, event.eventName) : '');
}

/**
 * The drift issue (./drift-issue-sync.ts; never throws): its URL when this run created, updated (or found up to
 * date) or closed it, else ''. Created and closed issues are also said on an info line after the collapsed group,
 * e.g. `Drift issue #9 closed: <url>`, so the log shows it without opening the group.
 */
async function driftIssue(run: RunSettings, issue: DriftIssueDoc, eventName: string): Promise<string> {
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const port = run.githubToken && repository ? createIssuesPort(run.githubToken, repository) : undefined;
  try {
    const r = await core.group('Drift issue', () =>
      publishDriftIssueDoc(
        issue,
        port,
        { enabled: true, eventName, labels: run.driftIssueLabels ?? [] },
        publishLog,
        (t) => secrets.scrub(t)
      )
    );
    const acted = ['created', 'updated', 'unchanged', 'closed'].includes(r.outcome);
    if (acted && r.number !== undefined) {
      coreLogger.info(`Drift issue #${r.number} ${r.outcome}${r.url ? `: ${secrets.scrub(r.url)}` : ''}`);
    }
    return acted ? (r.url ?? '') : '';
  } catch (e) {
    publishLog.warning(`Could not publish the drift issue: ${(e as Error).message}`);
    return '';
  }
}

/** The summary, the report file and the PR comment; returns the report file's path and the comment's URL. */
async function publishFiles(
  run: RunSettings | undefined,
  doc: PublishDocument,
  stem: string,
  event: WorkflowEvent
): Promise<{ summaryPath: string; commentUrl?: string }> {
  const dir = process.env.RUNNER_TEMP || os.tmpdir();
  const summaryPath = path.join(dir, `apim-function-auth-${stem}.md`);
  await mkdir(dir, { recursive: true });
  const pr = event.payload['pull_request'] as
    | {
        number: number;
        html_url?: string;
        head?: { repo?: { full_name?: string } };
        base?: { repo?: { full_name?: string } };
      }
    | undefined;
  const token = run?.githubToken;
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const headRepo = pr?.head?.repo?.full_name;
  const published = await publishDocument(
    doc,
    {
      summary: {
        async write(md) {
          if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(md).write();
        }
      },
      github: token && repository ? createGitHubPort(token, repository) : undefined,
      log: publishLog
    },
    {
      eventName: event.eventName,
      prNumber: pr?.number,
      ...(typeof pr?.html_url === 'string' ? { prUrl: pr.html_url } : {}),
      isFork: Boolean(pr && headRepo && headRepo !== (pr.base?.repo?.full_name ?? repository)),
      prComment: run?.prComment ?? true,
      ...(run?.prCommentMode ? { prCommentMode: run.prCommentMode } : {}),
      summaryPath
    }
  );
  return { summaryPath, ...(published.commentUrl ? { commentUrl: published.commentUrl } : {}) };
}

/** A file-name-safe, bounded rendering of a resource name (a bad input may be arbitrarily long). */
export function safe(s: string): string {
  return (s || 'target').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}
