/**
 * The runner side of a run over a targets file (src/main.ts hands over here when the `targets` input is set):
 * `mode: list` (the matrix output; nothing signs in), or one sign-in for all targets, the targets reconciled with
 * bounded concurrency (src/targets/run.ts) through ports that share the run's ARM in-flight limits per subscription
 * (src/azure/arm-limits.ts), one HTTP client and a lock per APIM service; then one report and the step's failure
 * naming every failed target and what it changed.
 */
import * as core from '@actions/core';
import { createDefaultHttpClient } from '@azure/core-rest-pipeline';
import { coreLogger, mask } from '../action-io.js';
import { createArmLimits } from '../azure/arm-limits.js';
import { signIn, targetPorts } from '../azure/session.js';
import type { TargetsRunReport } from '../report/aggregate-outputs.js';
import { failStep } from '../report/outputs.js';
import { publishList, publishTargets } from '../report/publish-targets.js';
import type { RunSettings } from '../types.js';
import { keyedLock, runTargets, targetsFailure, type NamedTarget } from './run.js';
import type { RunSelection } from './select.js';

type TargetsSelection = Extract<RunSelection, { kind: 'targets' }>;

/** `mode: list`: the selected targets as the `matrix` output and a short summary. No sign-in, no Azure request. */
export async function listTargets(sel: Extract<RunSelection, { kind: 'list' }>): Promise<void> {
  for (const w of sel.warnings) coreLogger.warning(w);
  await publishList(
    sel.targetsFile,
    sel.filter,
    sel.targets.map((t) => ({
      name: t.name,
      apim: t.spec.apimName,
      functionApp: t.spec.functionAppName,
      subscriptionId: t.spec.subscriptionId
    }))
  );
}

/**
 * Runs the selected targets of a targets file: one sign-in, then every target (see the module comment); publishes
 * one report and fails the step when any target failed (or the sign-in did), naming each failed target.
 */
export async function runTargetsFile(sel: TargetsSelection, started: number): Promise<void> {
  const run = sel.run;
  for (const t of sel.targets) mask(t.spec.smoke.subscriptionKey);
  mask(run.githubToken);
  for (const w of [...run.warnings, ...sel.warnings]) coreLogger.warning(w);
  const report: TargetsRunReport = {
    mode: run.mode,
    targetsFile: sel.targetsFile,
    filter: sel.filter,
    targets: [],
    durationSeconds: 0
  };
  let failure: string | undefined;
  try {
    const runs = await reconcileAll(run, sel.targets);
    report.targets = runs.map((r) => ({ name: r.name, report: r.result.report, result: r.result }));
    failure = targetsFailure(runs);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    report.error = failure;
  }
  report.durationSeconds = (Date.now() - started) / 1000;
  await publishTargets(run, report);
  if (failure) failStep(failure);
}

/** Signs in once and reconciles every target through ports that share the run's limits. */
async function reconcileAll(run: RunSettings, targets: readonly NamedTarget[]) {
  const how = run.authType === 'azure-cli' ? 'Azure CLI session' : 'GitHub OIDC → Entra ID';
  const first = targets[0]?.spec.subscriptionId;
  const session = await core.group(`Sign in (${how})`, () =>
    signIn({ ...run, ...(first ? { subscriptionId: first } : {}) }, (aud) => core.getIDToken(aud))
  );
  const maxInFlight = run.armMaxInFlight ?? 16;
  const limits = createArmLimits({
    maxInFlight,
    onPause: (sub, ms) =>
      coreLogger.warning(`ARM throttled subscription ${sub} (429): its requests wait ${Math.ceil(ms / 1000)} s`)
  });
  const shared = { limits, httpClient: createDefaultHttpClient(), lock: keyedLock() };
  coreLogger.info(
    `Reconciling ${targets.length} target(s): at most ${run.maxParallel ?? 4} at a time, at most ${maxInFlight} ARM ` +
      'requests in flight per subscription.'
  );
  return runTargets(run, targets, {
    log: coreLogger,
    portsFor: (t, log) => targetPorts(run, t.spec, session, { ...shared, log })
  });
}

/**
 * A run over a targets file whose inputs or file were refused: publishes the failure under the run
 * configuration's comment (the file and filter as given) and fails the step. Nothing reached Azure.
 */
export async function failTargetsRun(getInput: (name: string) => string, e: unknown, started: number): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  const printable = (s: string) => s.replace(/[^A-Za-z0-9_.@+/,-]/g, '?').slice(0, 200);
  const mode = getInput('mode').trim();
  const report: TargetsRunReport = {
    mode: mode === 'apply' || mode === '' ? 'apply' : 'check',
    targetsFile: printable(getInput('targets').trim().replace(/^\.\//, '')),
    filter: printable(getInput('target'))
      .split(/[,?]/)
      .filter((x) => x !== ''),
    targets: [],
    error: message,
    durationSeconds: (Date.now() - started) / 1000
  };
  if (mode !== 'list') await publishTargets(undefined, report);
  failStep(message);
}
