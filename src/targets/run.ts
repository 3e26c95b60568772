/**
 * One run, many targets: every target of a targets file reconciled by `reconcileTarget` (src/target.ts, once per
 * target, unchanged), at most `max-parallel` at a time. A target that fails — before or after its writes — does not
 * stop the others: its failure becomes its result. Targets on the same Function App (or slot) run one after another
 * in file order (their Easy Auth documents are one resource; a PUT replaces it whole), other targets in parallel.
 * Side effects come through the ports `portsFor` builds; nothing here signs in or publishes.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { describeOutcome } from '../apply.js';
import { targetResourceIds } from '../azure/arm.js';
import type { Logger } from '../ports.js';
import { reconcileTarget, type TargetPorts, type TargetResult } from '../target.js';
import type { RunSettings, TargetSpec } from '../types.js';

/** A target to run: its name in the targets file and its settings. */
export interface NamedTarget {
  name: string;
  spec: TargetSpec & { warnings?: string[] };
}

/** A target after its run. */
export interface TargetRun {
  name: string;
  spec: TargetSpec;
  result: TargetResult;
  /**
   * What the target changed, in words: its write states (describeOutcome) after apply; `Nothing was changed.` when
   * its ARM port saw no write (check mode, in sync, or stopped before apply); when an error interrupted it after a
   * write was sent, that it is not known.
   */
  changed: string;
}

/** What {@link runTargets} needs: the ports of each target, and the run's log. */
export interface RunTargetsDeps {
  /** The ports of one target; `log` is its log (lines prefixed with its name). */
  portsFor(target: NamedTarget, log: Logger): TargetPorts;
  log: Logger;
  /** The reconcile of one target (tests hand in another); default: reconcileTarget. */
  reconcile?: typeof reconcileTarget;
}

/**
 * A lock per key: `lock(key, f)` runs `f` once every earlier `f` of the same key has settled (in call order); other
 * keys do not wait. Resolves or rejects as `f` does.
 */
export function keyedLock(): <T>(key: string, f: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, LimitFunction>();
  return (key, f) => {
    let l = locks.get(key);
    if (!l) locks.set(key, (l = pLimit(1)));
    return l(f);
  };
}

/** `log` with every line prefixed `[name] ` and no groups (targets run in parallel, so their lines interleave). */
export function targetLog(log: Logger, name: string): Logger {
  const p = `[${name}] `;
  return { info: (m) => log.info(p + m), warning: (m) => log.warning(p + m), debug: (m) => log.debug(p + m) };
}

/**
 * The result of a target whose reconcile threw (bad input found late, a read, a pre-flight, a plan blocker): failed,
 * with the error as its failure and no plan. (reconcileTarget throws ActionError only before any write; what an
 * unexpected error interrupted is said by {@link TargetRun.changed}.)
 */
export function failedTarget(run: RunSettings, spec: TargetSpec, e: unknown, started: number): TargetResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    failed: true,
    failure: message,
    report: {
      mode: run.mode,
      verdict: 'failed',
      target: { apim: spec.apimName, apis: spec.apiIds, functionApp: spec.functionAppName },
      applied: [],
      warnings: [],
      error: message,
      durationSeconds: (Date.now() - started) / 1000
    }
  };
}

/**
 * Lanes of targets that must not run at the same time: targets on the same Function App or slot (ARM IDs compare
 * case-insensitively), in file order; one lane per Function App.
 */
export function lanes<T extends { spec: TargetSpec }>(targets: readonly T[]): T[][] {
  const bySite = new Map<string, T[]>();
  for (const t of targets) {
    const site = targetResourceIds(t.spec, []).site.toLowerCase();
    const lane = bySite.get(site);
    if (lane) lane.push(t);
    else bySite.set(site, [t]);
  }
  return [...bySite.values()];
}

/**
 * Runs every target (see the module comment) and resolves with their runs in the order given; never rejects for a
 * target's failure. `run.maxParallel` (default 4) bounds the targets in progress at once.
 */
export async function runTargets(
  run: RunSettings,
  targets: readonly NamedTarget[],
  deps: RunTargetsDeps
): Promise<TargetRun[]> {
  const reconcile = deps.reconcile ?? reconcileTarget;
  const limit = pLimit(Math.max(1, run.maxParallel ?? 4));
  const results = new Map<NamedTarget, { result: TargetResult; changed: string }>();
  const one = async (t: NamedTarget): Promise<void> => {
    const log = targetLog(deps.log, t.name);
    const started = Date.now();
    log.info(`start: APIM ${t.spec.apimName} → Function App ${t.spec.functionAppName} (${run.mode})`);
    let result: TargetResult;
    let changed = 'Nothing was changed.';
    const writes = { sent: 0 };
    try {
      const ports = countingWrites(deps.portsFor(t, log), writes);
      result = await reconcile({ ...run, ...t.spec, warnings: t.spec.warnings ?? [] }, ports, started);
      if (result.outcome) changed = describeOutcome(result.outcome);
    } catch (e) {
      result = failedTarget(run, t.spec, e, started);
      if (writes.sent > 0) changed = 'What it changed before the error is not known: check its resources.';
    }
    results.set(t, { result, changed });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const why = firstLine(result.failure ?? 'failed');
    if (!result.failed) log.info(`done in ${secs} s: ${result.report.verdict}`);
    else if (result.report.verdict === 'drift') log.warning(`drifted (found in ${secs} s): ${why}`);
    else log.warning(`failed after ${secs} s: ${why}`);
  };
  await Promise.all(
    lanes(targets).map((lane) =>
      limit(async () => {
        for (const t of lane) await one(t);
      })
    )
  );
  return targets.map((t) => ({ name: t.name, spec: t.spec, ...results.get(t)! }));
}

/** The ARM writes of a port (PATCH, PUT) counted in `writes.sent` as they are sent. */
function countingWrites(ports: TargetPorts, writes: { sent: number }): TargetPorts {
  const arm = { ...ports.arm };
  for (const m of ['patchApimService', 'putApiPolicy', 'putAuthSettingsV2'] as const) {
    if (typeof ports.arm?.[m] !== 'function') continue;
    const send = ports.arm[m].bind(ports.arm) as (...a: unknown[]) => Promise<never>;
    (arm as Record<string, unknown>)[m] = (...a: unknown[]) => {
      writes.sent++;
      return send(...a);
    };
  }
  return { ...ports, arm };
}

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0] ?? '';
}

/**
 * The step's failure message for a run over a targets file, or undefined when no target fails the step. A target
 * that fails the step only by its drift (check mode with fail-on-drift: verdict `drift`) is counted as drifted, not
 * failed: `<n> of <m> targets failed: <names>.` and/or `<n> of <m> targets drifted: <names>.` (failures first), then
 * one line per target, `- <name>: <first line of its failure> <what it changed>` (TargetRun.changed, left out for a
 * drift and when the failure's first line already says it).
 */
export function targetsFailure(runs: readonly TargetRun[]): string | undefined {
  const stopping = runs.filter((r) => r.result.failed);
  if (stopping.length === 0) return undefined;
  const drifted = stopping.filter((r) => r.result.report.verdict === 'drift');
  const failed = stopping.filter((r) => r.result.report.verdict !== 'drift');
  const of = (list: readonly TargetRun[], what: string) =>
    `${list.length} of ${runs.length} target${runs.length === 1 ? '' : 's'} ${what}: ${list.map((r) => r.name).join(', ')}.`;
  const heads = [failed.length > 0 ? of(failed, 'failed') : '', drifted.length > 0 ? of(drifted, 'drifted') : ''];
  const parts = [...failed, ...drifted].map((r) => {
    const why = firstLine(r.result.failure ?? 'failed');
    const drift = r.result.report.verdict === 'drift';
    return `${r.name}: ${why}${drift || why.includes('Changed:') ? '' : ` ${r.changed}`}`;
  });
  return `${heads.filter(Boolean).join(' ')}\n${parts.map((p) => `- ${p}`).join('\n')}`;
}
