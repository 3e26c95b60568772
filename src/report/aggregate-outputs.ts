/**
 * A run over a targets file, as data: each target's result and report, the run's overall verdict, and the step
 * outputs aggregated over the targets (what src/report/publish-targets.ts sets). Pure: no @actions/*.
 */
import { hasDrift } from '../plan.js';
import type { TargetResult } from '../target.js';
import type { Mode, RunReport, RunSource, Verdict } from '../types.js';
import { resultOutput, runOutputs } from './run-outputs.js';

/** One target of the run: its name in the targets file, its report and what the report derives from. */
export interface TargetRunReport {
  name: string;
  report: RunReport;
  result: Pick<TargetResult, 'plan' | 'outcome' | 'failed' | 'failure' | 'apimPrincipalId' | 'snapshotPath'>;
}

/** A run over a targets file: the file, the `target` filter, the targets run (file order), and a run-level error. */
export interface TargetsRunReport {
  mode: Mode;
  targetsFile: string;
  filter: string[];
  targets: TargetRunReport[];
  /** Set when the run stopped before any target ran (bad inputs or file, sign-in). */
  error?: string;
  durationSeconds: number;
  source?: RunSource;
}

/** One target's `result` output (see resultOutput): drift stays drift; a failed step is `failed`. */
export function targetResult(t: TargetRunReport): Verdict {
  return resultOutput(t.report.verdict, t.result.failed);
}

/**
 * The run's overall verdict: failed (a run-level error, or any target failed), else drift, else applied, else
 * restored (`mode: restore`), else in sync.
 */
export function overallVerdict(run: TargetsRunReport): Verdict {
  const results = run.targets.map(targetResult);
  if (run.error || results.includes('failed')) return 'failed';
  if (results.includes('drift')) return 'drift';
  if (results.includes('applied')) return 'applied';
  if (results.includes('restored')) return 'restored';
  return 'in-sync';
}

/** The targets whose step fails (drift with fail-on-drift, a failure, failed smoke requests), in file order. */
export function failedTargets(run: TargetsRunReport): TargetRunReport[] {
  return run.targets.filter((t) => t.result.failed);
}

/** A target's outputs (runOutputs) and its `changes` rows, parsed back. */
function perTarget(t: TargetRunReport, scrub: (text: string) => string) {
  const out = runOutputs(t.result, t.report, scrub);
  return { out, rows: JSON.parse(out.changes) as Record<string, unknown>[] };
}

/**
 * The step outputs of a run over a targets file (before publishing):
 * - `drift`: `true` when any target drifted, `false` when every target made a plan without drift; unset when no
 *   target made a plan;
 * - `changes`: every target's rows (see runOutputs), each starting with `target` (its name), in file order;
 * - `result`: {@link overallVerdict}; `change-count`: the sum over the targets (check: planned; apply: verified);
 * - `apim-principal-id` and `snapshot-path`: the one target's when exactly one ran, else '' (see `targets`);
 * - `smoke-result`: `failed` when any target's failed, else `passed` when any passed, else `skipped`;
 * - `targets`: JSON `[{target, result, drift (true/false/null without a plan), change-count, smoke-result,
 *   apim-principal-id, snapshot-path}]`, file order (each target's snapshot is its own file).
 * `scrub` removes the run's secrets from JSON texts.
 */
export function aggregateOutputs(
  run: TargetsRunReport,
  scrub: (text: string) => string = (t) => t
): Record<string, string> {
  const each = run.targets.map((t) => ({ t, ...perTarget(t, scrub) }));
  const planned = run.targets.filter((t) => t.result.plan);
  const smokes = each.map((e) => e.out['smoke-result']);
  const rows = each.flatMap((e) => e.rows.map((r) => ({ target: e.t.name, ...r })));
  const summary = each.map((e) => ({
    target: e.t.name,
    result: e.out.result,
    drift: e.t.result.plan ? hasDrift(e.t.result.plan) : null,
    'change-count': Number(e.out['change-count']),
    'smoke-result': e.out['smoke-result'],
    'apim-principal-id': e.out['apim-principal-id'],
    'snapshot-path': e.out['snapshot-path']
  }));
  return {
    ...(planned.length > 0 ? { drift: String(planned.some((t) => hasDrift(t.result.plan!))) } : {}),
    changes: scrub(JSON.stringify(rows)),
    result: overallVerdict(run),
    'change-count': String(each.reduce((n, e) => n + Number(e.out['change-count']), 0)),
    'apim-principal-id': each.length === 1 ? each[0]!.out['apim-principal-id']! : '',
    'snapshot-path': each.length === 1 ? each[0]!.out['snapshot-path']! : '',
    'smoke-result': smokes.includes('failed') ? 'failed' : smokes.includes('passed') ? 'passed' : 'skipped',
    targets: scrub(JSON.stringify(summary))
  };
}

/** The `matrix` output of `mode: list`: `{"include":[{"target":"<name>"},…]}` for `strategy.matrix`. */
export function matrixOutput(names: readonly string[]): string {
  return JSON.stringify({ include: names.map((target) => ({ target })) });
}
