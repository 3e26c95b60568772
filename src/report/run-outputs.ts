/**
 * The step outputs of a finished run and the run's source (GitHub Actions run and commit), as data: what
 * ./outputs.ts sets with `core.setOutput` and puts in the report's footer. Pure: no @actions/*, the environment is
 * handed in.
 */
import { hasDrift, planChanges } from '../plan.js';
import type { TargetResult } from '../target.js';
import type { RunReport, RunSource, Verdict } from '../types.js';

/**
 * The `result` output: the report's verdict, except that a run whose step fails for another reason than drift
 * (e.g. failed smoke requests in check mode on a target in sync) is `failed`. Drift stays `drift` whether or not it
 * fails the step (fail-on-drift).
 */
export function resultOutput(verdict: Verdict, failed: boolean): Verdict {
  if (verdict === 'drift') return 'drift';
  return failed ? 'failed' : verdict;
}

/**
 * The outputs known once the run is over (before publishing): `drift` (only when a plan was made), `changes` (JSON
 * rows; in apply mode with a `state` per row — the write states, never the plan alone), `result`
 * ({@link resultOutput}), `change-count` (check mode: the rows planned; apply mode: the rows whose state is
 * `verified`, i.e. written and read back; 0 without a plan), `apim-principal-id`, `smoke-result`, `snapshot-path`
 * (the snapshot file written before the first write; '' when none). `report` is the
 * report as published (scrubbed); `scrub` removes the run's secrets from the JSON text.
 */
export function runOutputs(
  result: Pick<TargetResult, 'plan' | 'outcome' | 'failed' | 'apimPrincipalId' | 'snapshotPath'>,
  report: RunReport,
  scrub: (text: string) => string = (t) => t
): Record<string, string> {
  const plan = result.plan;
  // In apply mode every row has a state: a write's, or `not-written` for a run stopped before any write.
  const applied =
    report.mode === 'apply' && (result.outcome || report.stoppedBeforeWrites) ? report.applied : undefined;
  const rows = plan ? planChanges(plan, applied) : [];
  const count = report.mode === 'apply' ? rows.filter((r) => r.state === 'verified').length : rows.length;
  return {
    ...(plan ? { drift: String(hasDrift(plan)) } : {}),
    changes: scrub(JSON.stringify(rows)),
    result: resultOutput(report.verdict, result.failed),
    'change-count': String(count),
    'apim-principal-id': result.apimPrincipalId ?? '',
    'smoke-result': report.smoke?.result ?? 'skipped',
    'snapshot-path': result.snapshotPath ?? ''
  };
}

/** An http(s) origin (and optional path, for GHES) as GitHub sets GITHUB_SERVER_URL: nothing a link breaks on. */
const SERVER_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const RUN_ID = /^[0-9]{1,20}$/;
const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * The run and commit the report belongs to, from the runner's default variables (GitHub Docs, "Variables reference →
 * Default environment variables"): `runUrl` = `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`,
 * `commit` = GITHUB_SHA, `commitUrl` = `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}`. Each is
 * left out when a variable it needs is unset or not of the expected shape (so a value can never break the markdown
 * link it goes into); `{}` outside a runner.
 */
export function runSource(env: Readonly<Record<string, string | undefined>>): RunSource {
  const server = (env.GITHUB_SERVER_URL ?? '').replace(/\/+$/, '');
  const repo = env.GITHUB_REPOSITORY ?? '';
  const runId = env.GITHUB_RUN_ID ?? '';
  const sha = env.GITHUB_SHA ?? '';
  const base = SERVER_URL.test(server) && REPOSITORY.test(repo) ? `${server}/${repo}` : undefined;
  const out: RunSource = {};
  if (RUN_ID.test(runId)) {
    out.runId = runId;
    if (base) out.runUrl = `${base}/actions/runs/${runId}`;
  }
  if (SHA.test(sha)) {
    out.commit = sha;
    if (base) out.commitUrl = `${base}/commit/${sha}`;
  }
  return out;
}
