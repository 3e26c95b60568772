/**
 * The drift issue (input `drift-issue`), as data: whether a run says Azure is in sync, the issue's marker, title,
 * body and closing note, and the decision — create, update, close or nothing — from the open issues that carry this
 * run configuration's marker. Pure: no @actions/*, no network; ./drift-issue-sync.ts carries the decision out
 * through an IssuesPort.
 */
import type { IssueItem } from '../ports.js';
import type { Mode, RunReport } from '../types.js';
import type { TargetsRunReport } from './aggregate-outputs.js';
import { renderTargetsComment } from './aggregate.js';
import { TOOL, needsAttention } from './derive.js';
import { shorten } from './markdown.js';
import { commentMarker, renderComment, COMMENT_MAX_CHARS } from './render.js';

/** What the marker of a drift issue starts with, after `<!-- `: the sticky comment's prefix is `apim-function-auth:`. */
export const DRIFT_ISSUE_PREFIX = `${TOOL}:drift-issue`;

/**
 * GitHub's longest issue title, in characters (REST "Create an issue" answers 422 above it; the web form stops at the
 * same length).
 */
export const ISSUE_TITLE_MAX = 256;

/**
 * Events that run for a pull request, which the sticky PR comment covers: a drift issue is never opened for them.
 * Source: GitHub Docs, "Events that trigger workflows" (`pull_request`, `pull_request_target`, `pull_request_review`,
 * `pull_request_review_comment`, and `merge_group` for a pull request in a merge queue).
 */
const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'merge_group'
]);

/** True when `eventName` (GITHUB_EVENT_NAME) is an event of a pull request ({@link PULL_REQUEST_EVENTS}). */
export function isPullRequestEvent(eventName: string): boolean {
  return PULL_REQUEST_EVENTS.has(eventName);
}

/**
 * What a run says about Azure, for the drift issue:
 * - `not-in-sync`: a check (mode `check`) that found drift, or anything else {@link needsAttention} counts (a failed
 *   smoke check, a resource that could not be reconciled, a finding such as the effective policy's); also a check
 *   that stopped after its plan because a resource cannot be reconciled as Azure holds it (a plan blocker, e.g. a
 *   policy element someone added that replaces APIM's token) — the reads told, and every call may be failing;
 * - `in-sync`: a check with nothing that needs attention;
 * - `unknown`: an apply run, or a check that failed before it could tell (sign-in, a read, bad inputs, the Entra
 *   pre-flight, the smoke requests' context): the issue is left as it is.
 */
export type DriftStatus = 'not-in-sync' | 'in-sync' | 'unknown';

/** The {@link DriftStatus} of a finished run. */
export function driftStatus(report: RunReport): DriftStatus {
  if (report.mode !== 'check') return 'unknown';
  if (report.verdict === 'failed') {
    const blocked = report.stoppedBeforeWrites && (report.plan?.resources ?? []).some((r) => r.error !== undefined);
    return blocked ? 'not-in-sync' : 'unknown';
  }
  return needsAttention(report) ? 'not-in-sync' : 'in-sync';
}

/**
 * The hidden marker of one run configuration's drift issue, with the prefix {@link DRIFT_ISSUE_PREFIX}. `target`: the
 * sticky comment's marker of the run configuration (`runConfigMarker`: the targets file and filter, or one target's
 * subscription, resource groups, slot and APIs), used as it is; or a report's target: its names
 * ({@link commentMarker}), then — when the report knows it (`target.scope`) — where the names live: subscription,
 * APIM resource group, Function App resource group and slot, in lower case (ARM compares them case-insensitively),
 * e.g. `<!-- apim-function-auth:drift-issue: apim-x/func-x/orders in 22222222-2222-4222-8222-222222222222/rg-demo/rg-demo
 * -->`. So a nightly check of staging never updates or closes the issue of production when their names repeat (issue
 * "Drift watch"). It never starts like a sticky comment's marker.
 */
export function driftIssueMarker(target: RunReport['target'] | string): string {
  const inner = (typeof target === 'string' ? target : commentMarker(target))
    .replace(/^<!--\s*/, '')
    .replace(/\s*-->$/, '');
  const key = inner.startsWith(`${TOOL}:`) ? inner.slice(TOOL.length + 1).trim() : inner;
  const s = typeof target === 'string' ? undefined : target.scope;
  const clean = (x: string) =>
    x
      .toLowerCase()
      .replace(/[<>!\s/]/g, '_')
      .replace(/-{2,}/g, '-')
      .slice(0, 100);
  const where = s
    ? ` in ${[s.subscriptionId, s.apimResourceGroup, s.functionAppResourceGroup, ...(s.slot ? [s.slot] : [])].map(clean).join('/')}`
    : '';
  return `<!-- ${DRIFT_ISSUE_PREFIX}: ${key}${where} -->`;
}

/** True when `body`'s first line (leading white space and CRLF ignored) is `marker`: the issue belongs to it. */
export function carriesMarker(body: string, marker: string): boolean {
  const first = body.replace(/\r\n/g, '\n').trimStart().split('\n')[0] ?? '';
  return first.trim() === marker;
}

/** A target as the title names it: `apim-x → func-x (orders, payments)`; `func-x/staging` for a slot. */
function targetName(t: RunReport['target']): string {
  const apis = t.apis.length > 0 ? ` (${t.apis.join(', ')})` : '';
  const slot = t.scope?.slot ? `/${t.scope.slot}` : '';
  return `${t.apim} → ${t.functionApp}${slot}${apis}`;
}

/**
 * The issue's title: `apim-function-auth: drift in <target>, <target>` naming the targets that are not in sync, at
 * most {@link ISSUE_TITLE_MAX} characters (cut with `…`). Line breaks never reach it (names are validated inputs).
 */
export function driftIssueTitle(targets: readonly RunReport['target'][]): string {
  const names = targets.map(targetName).join(', ') || 'the target';
  return shorten(`${TOOL}: drift in ${names}`.replace(/[\r\n]+/g, ' '), ISSUE_TITLE_MAX);
}

/** `[run 123](url)` when the run's URL is known, `run 123` with only its id, else `this run`. */
export function runLink(source: RunReport['source']): string {
  const id = source?.runId && /^[0-9]+$/.test(source.runId) ? source.runId : undefined;
  const url = source?.runUrl && /^https?:\/\/[^\s()<>[\]]+$/.test(source.runUrl) ? source.runUrl : undefined;
  if (id && url) return `[run ${id}](${url})`;
  if (url) return `[this run](${url})`;
  return id ? `run ${id}` : 'this run';
}

/**
 * The issue's body: `marker` on the first line, a short note (what keeps the issue, the run that last checked and
 * its event, how to fix), then the comment-sized report ({@link renderComment}), all within
 * {@link COMMENT_MAX_CHARS} (GitHub refuses an issue body above 65,536 characters, as a comment's).
 */
export function driftIssueBody(report: RunReport, marker: string, eventName: string): string {
  return renderComment(report, `${marker}\n${driftNote(report.source, eventName)}`, { maxChars: COMMENT_MAX_CHARS });
}

/** The note below the marker: what keeps the issue, the run that last checked and its event, how to fix. */
function driftNote(source: RunReport['source'], eventName: string): string {
  return [
    `> [!WARNING]`,
    `> **Azure is not in the desired state.** Last checked by ${runLink(source)} (event \`${eventName.replace(/[^a-z_]/g, '')}\`).`,
    `> ${TOOL} keeps this issue: each check updates it, and the first check that finds everything in sync`,
    '> closes it. Run the action with `mode: apply` (or fix Azure by hand) to bring the target back.',
    ''
  ].join('\n');
}

/** The note an in-sync check leaves on the issue before closing it: `✅ In sync since <run link>.` */
export function inSyncComment(report: RunReport): string {
  return `✅ In sync since ${runLink(report.source)}: ${TOOL} found no drift. Closing this issue.`;
}

/** What a run does to the drift issue. `number`: the issue acted on. */
export type DriftIssueDecision =
  | { kind: 'none'; reason: string }
  | { kind: 'create'; title: string; body: string; labels: string[] }
  | { kind: 'update'; number: number; title?: string; body?: string; addLabels: string[]; closeDuplicates: number[] }
  | { kind: 'unchanged'; number: number; closeDuplicates: number[] }
  | { kind: 'close'; numbers: number[]; comment: string };

/** Same text, CRLF (an issue edited in the web UI) and trailing white space ignored. */
function same(a: string, b: string): boolean {
  const norm = (s: string): string => s.replace(/\r\n/g, '\n').trimEnd();
  return norm(a) === norm(b);
}

/**
 * The decision, from the run's status and `ours` (the open issues of this marker written by this token's identity,
 * any order):
 * - `not-in-sync`, none open → `create` (`title`, `body`, `labels`);
 * - `not-in-sync`, some open → keep the OLDEST (lowest number: concurrent runs all agree on it) and `update` the
 *   title/body that differ and add the `labels` it lacks (labels people added stay), or `unchanged` when nothing
 *   differs; every other one is a duplicate to close;
 * - `in-sync`, some open → `close` all of them with `comment`; none → `none`;
 * - `unknown` → `none` (a failed check says nothing about Azure).
 */
export function decideDriftIssue(
  status: DriftStatus,
  ours: readonly IssueItem[],
  wanted: { title: string; body: string; labels: readonly string[]; closing: string }
): DriftIssueDecision {
  const open = [...ours].filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  if (status === 'unknown') return { kind: 'none', reason: 'the run could not tell whether Azure is in sync' };
  if (status === 'in-sync') {
    if (open.length === 0) return { kind: 'none', reason: 'in sync, and no drift issue is open' };
    return { kind: 'close', numbers: open.map((i) => i.number), comment: wanted.closing };
  }
  if (open.length === 0) return { kind: 'create', title: wanted.title, body: wanted.body, labels: [...wanted.labels] };
  const [keep, ...duplicates] = open;
  const closeDuplicates = duplicates.map((i) => i.number);
  const addLabels = wanted.labels.filter((l) => !keep.labels.some((k) => k.toLowerCase() === l.toLowerCase()));
  const title = keep.title === wanted.title ? undefined : wanted.title;
  const body = same(keep.body, wanted.body) ? undefined : wanted.body;
  if (title === undefined && body === undefined && addLabels.length === 0) {
    return { kind: 'unchanged', number: keep.number, closeDuplicates };
  }
  return {
    kind: 'update',
    number: keep.number,
    ...(title !== undefined ? { title } : {}),
    ...(body !== undefined ? { body } : {}),
    addLabels,
    closeDuplicates
  };
}

/**
 * What the drift issue is published from, for one target or a targets file alike: the run's {@link DriftStatus}, the
 * run configuration's sticky-comment marker (`runConfigMarker`; the issue's marker is derived from it), the targets
 * not in sync (the title), the body for a given marker and event, and the closing note.
 */
export interface DriftIssueDoc {
  mode: Mode;
  status: DriftStatus;
  runMarker: string;
  drifted: RunReport['target'][];
  body: (marker: string, eventName: string) => string;
  closing: string;
}

/** The {@link DriftIssueDoc} of a one-target run; `runMarker` default: by the report's names ({@link commentMarker}). */
export function reportIssueDoc(report: RunReport, runMarker = commentMarker(report.target)): DriftIssueDoc {
  const status = driftStatus(report);
  return {
    mode: report.mode,
    status,
    runMarker,
    drifted: status === 'not-in-sync' ? [report.target] : [],
    body: (marker, eventName) => driftIssueBody(report, marker, eventName),
    closing: inSyncComment(report)
  };
}

/**
 * The {@link DriftIssueDoc} of a run over a targets file: `not-in-sync` when any target's check is not in sync (the
 * title names those targets); `in-sync` only when every target's check is in sync; otherwise (apply, a run-level
 * error, a target whose check failed before it could tell) `unknown`: the issue is left as it is.
 */
export function targetsIssueDoc(run: TargetsRunReport, runMarker: string): DriftIssueDoc {
  const statuses = run.targets.map((t) => driftStatus(t.report));
  const drifted = run.targets.filter((_, i) => statuses[i] === 'not-in-sync').map((t) => t.report.target);
  const status: DriftStatus =
    run.mode !== 'check' || run.error || run.targets.length === 0
      ? 'unknown'
      : drifted.length > 0
        ? 'not-in-sync'
        : statuses.every((x) => x === 'in-sync')
          ? 'in-sync'
          : 'unknown';
  return {
    mode: run.mode,
    status,
    runMarker,
    drifted,
    body: (marker, eventName) =>
      renderTargetsComment(run, `${marker}\n${driftNote(run.source, eventName)}`, { maxChars: COMMENT_MAX_CHARS }),
    closing: `✅ In sync since ${runLink(run.source)}: ${TOOL} found no drift in any target. Closing this issue.`
  };
}
