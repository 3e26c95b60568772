/**
 * Publishes the drift issue of a finished run through an IssuesPort: decides with ./drift-issue.ts, then creates,
 * updates or closes the issue. Never throws: a GitHub failure (403 without `issues: write`, 410 issues disabled, …)
 * becomes ONE warning, and the run's own result (the `drift` output, fail-on-drift) is untouched.
 */
import type { IssueItem, IssuesPort, Logger } from '../ports.js';
import type { RunReport } from '../types.js';
import { errorMessage, errorStatus } from './github-errors.js';
import {
  carriesMarker,
  decideDriftIssue,
  driftIssueMarker,
  driftIssueTitle,
  isPullRequestEvent,
  reportIssueDoc,
  type DriftIssueDoc,
  type DriftIssueDecision,
  type DriftStatus
} from './drift-issue.js';

/** What became of the drift issue: `none` = nothing to do; `skipped` = not attempted (below); `failed` = warned. */
export type DriftIssueOutcome = 'created' | 'updated' | 'unchanged' | 'closed' | 'none' | 'skipped' | 'failed';

/** The outcome, with the issue's number and web URL when one was acted on. */
export interface DriftIssueResult {
  outcome: DriftIssueOutcome;
  number?: number;
  url?: string;
}

type Log = Pick<Logger, 'info' | 'warning' | 'debug'>;

/** Advice for a failed issue call, by HTTP status (GitHub REST "Issues": 403, 404, 410 Gone, 422). */
function advice(status: number | undefined): string {
  if (status === 403) {
    return (
      'the token may not write issues: grant `permissions: issues: write` to the job (a `permissions:` block ' +
      'leaves out every scope it does not name)'
    );
  }
  if (status === 404) return 'the repository was not found or the token cannot see it: check `github-token`';
  if (status === 410) return 'issues are disabled in this repository: enable them, or set `drift-issue: false`';
  if (status === 422) return 'GitHub refused the issue (validation failed)';
  return 'the job summary and the `drift` output still report the drift';
}

/**
 * Publishes the drift issue for `report` (already scrubbed of secrets; `scrub` is applied again to every text sent).
 * Skipped (`'skipped'`, nothing called) when `ctx.enabled` is false, when `ctx.eventName` is a pull-request event
 * ({@link isPullRequestEvent}: the sticky PR comment covers those), or when there is no port (no token: one warning).
 * A run whose {@link driftStatus} is `unknown` (apply mode, a failed check) → `'none'`. Otherwise
 * {@link syncDriftIssue}. Never throws.
 */
export async function publishDriftIssue(
  report: RunReport,
  issues: IssuesPort | undefined,
  ctx: { enabled: boolean; eventName: string; labels: readonly string[] },
  log: Log,
  scrub: (text: string) => string = (t) => t,
  runMarker?: string
): Promise<DriftIssueResult> {
  return publishDriftIssueDoc(reportIssueDoc(report, runMarker), issues, ctx, log, scrub);
}

/** {@link publishDriftIssue} for a {@link DriftIssueDoc}: one target or a targets file. Never throws. */
export async function publishDriftIssueDoc(
  doc: DriftIssueDoc,
  issues: IssuesPort | undefined,
  ctx: { enabled: boolean; eventName: string; labels: readonly string[] },
  log: Log,
  scrub: (text: string) => string = (t) => t
): Promise<DriftIssueResult> {
  if (!ctx.enabled) return { outcome: 'skipped' };
  if (isPullRequestEvent(ctx.eventName)) {
    log.info(`Drift issue skipped: ${ctx.eventName} is a pull-request event (the PR comment reports drift there)`);
    return { outcome: 'skipped' };
  }
  if (doc.status === 'unknown') {
    const why = doc.mode !== 'check' ? 'drift-issue applies to mode: check' : 'the check failed before it could tell';
    log.info(`Drift issue left as it is: ${why}`);
    return { outcome: 'none' };
  }
  if (!issues) {
    log.warning('Drift issue skipped: no GitHub token was given (input `github-token`)');
    return { outcome: 'skipped' };
  }
  const marker = driftIssueMarker(doc.runMarker);
  const wanted = {
    title: scrub(driftIssueTitle(doc.drifted)),
    body: scrub(doc.body(marker, ctx.eventName)),
    labels: [...ctx.labels],
    closing: scrub(doc.closing)
  };
  return syncDriftIssue(issues, doc.status, marker, wanted, log);
}

/**
 * Finds this configuration's open drift issues (body's first line is `marker`, written by this token's identity —
 * `whoAmI`, else a Bot such as github-actions[bot] — so an issue a person wrote is never edited or closed), then
 * carries out {@link decideDriftIssue}. After a create it lists again: when runs of the same configuration created
 * issues at the same time, every run keeps the oldest (lowest number), writes its body there and closes the one it
 * created as a duplicate, so one stays open (a duplicate left by a run that stopped midway is closed by the next run). Any port error → one `log.warning` with advice, `'failed'`; never throws.
 * Source: GitHub REST "List repository issues", "Create an issue", "Update an issue", "Add labels to an issue",
 * "Create an issue comment".
 */
export async function syncDriftIssue(
  issues: IssuesPort,
  status: DriftStatus,
  marker: string,
  wanted: { title: string; body: string; labels: readonly string[]; closing: string },
  log: Log
): Promise<DriftIssueResult> {
  try {
    const me = await issues.whoAmI?.().catch(() => undefined);
    const mine = (a?: { login: string; type?: string }) => !a || (me ? a.login === me : a.type === 'Bot');
    const listOurs = async (): Promise<IssueItem[]> =>
      (await issues.listOpenIssues()).filter((i) => carriesMarker(i.body, marker) && mine(i.author));
    const ours = await listOurs();
    const decision = decideDriftIssue(status, ours, wanted);
    const result = await carryOut(issues, decision, wanted, { ours, listOurs });
    report(log, decision, result);
    return result;
  } catch (err) {
    const code = errorStatus(err);
    log.warning(
      `Could not update the drift issue${code ? ` (HTTP ${code})` : ''}: ${errorMessage(err)}; ${advice(code)}. ` +
        'The run’s result does not depend on it.'
    );
    return { outcome: 'failed' };
  }
}

function report(log: Log, decision: DriftIssueDecision, r: DriftIssueResult): void {
  if (decision.kind === 'none') log.info(`Drift issue: nothing to do (${decision.reason})`);
  else log.info(`Drift issue #${r.number} ${r.outcome}${r.url ? `: ${r.url}` : ''}`);
}

/**
 * Closes issue `n`, then leaves `note` on it. Close first: a close that fails leaves no note behind, so the next run
 * (which finds the issue still open) does not add a second one.
 */
async function closeWithNote(
  issues: IssuesPort,
  n: number,
  reason: 'completed' | 'not_planned',
  note: string
): Promise<IssueItem> {
  const closed = await issues.updateIssue(n, { state: 'closed', stateReason: reason });
  await issues.createComment(n, note);
  return closed;
}

async function closeAsDuplicates(issues: IssuesPort, numbers: readonly number[], keep: number): Promise<void> {
  for (const n of numbers) {
    await closeWithNote(
      issues,
      n,
      'not_planned',
      `Duplicate of #${keep}: the drift of this configuration is tracked there.`
    );
  }
}

async function carryOut(
  issues: IssuesPort,
  d: DriftIssueDecision,
  wanted: { title: string; body: string },
  seen: { ours: readonly IssueItem[]; listOurs: () => Promise<IssueItem[]> }
): Promise<DriftIssueResult> {
  switch (d.kind) {
    case 'none':
      return { outcome: 'none' };
    case 'close': {
      let last: IssueItem | undefined;
      for (const n of d.numbers) last = await closeWithNote(issues, n, 'completed', d.comment);
      return {
        outcome: 'closed',
        number: d.numbers[0],
        ...(last?.url && d.numbers.length === 1 ? { url: last.url } : {})
      };
    }
    case 'unchanged':
    case 'update': {
      let kept: IssueItem | undefined;
      if (d.kind === 'update' && (d.title !== undefined || d.body !== undefined)) {
        const patch = {
          ...(d.title !== undefined ? { title: d.title } : {}),
          ...(d.body !== undefined ? { body: d.body } : {})
        };
        kept = await issues.updateIssue(d.number, patch);
      }
      if (d.kind === 'update' && d.addLabels.length > 0) await issues.addLabels(d.number, d.addLabels);
      await closeAsDuplicates(issues, d.closeDuplicates, d.number);
      const url = kept?.url ?? seen.ours.find((i) => i.number === d.number)?.url;
      return { outcome: d.kind === 'update' ? 'updated' : 'unchanged', number: d.number, ...(url ? { url } : {}) };
    }
    case 'create':
      return afterCreate(
        issues,
        await issues.createIssue({ title: d.title, body: d.body, labels: d.labels }),
        wanted,
        seen.listOurs
      );
  }
}

/**
 * After a create: keep the oldest of ours. When runs raced, that is another run's issue: this run closes the one it
 * created as a duplicate (each racing run closes its own, so every duplicate gets one note) and writes its report to
 * the oldest.
 */
async function afterCreate(
  issues: IssuesPort,
  created: IssueItem,
  wanted: { title: string; body: string },
  listOurs: () => Promise<IssueItem[]>
): Promise<DriftIssueResult> {
  const seen = await listOurs();
  const keep = [...seen, created].sort((a, b) => a.number - b.number)[0]!;
  if (keep.number === created.number) {
    return { outcome: 'created', number: created.number, ...(created.url ? { url: created.url } : {}) };
  }
  await closeAsDuplicates(issues, [created.number], keep.number);
  const updated = await issues.updateIssue(keep.number, { title: wanted.title, body: wanted.body });
  const url = updated.url ?? keep.url;
  return { outcome: 'updated', number: keep.number, ...(url ? { url } : {}) };
}
