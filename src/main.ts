/**
 * The action's entry (DESIGN §1): inputs → sign-in → the target(s) → publish. Each step lives in its own module:
 * src/inputs (validated settings), src/targets/select.ts (one target, a targets file's targets, or `mode: list`),
 * src/azure/session.ts (one sign-in: GitHub OIDC or the Azure CLI; the real ports), src/target.ts (reconcileTarget:
 * observe → plan → check | apply → smoke), src/report/outputs.ts (outputs, summary, PR comment). A run over a
 * targets file continues in src/targets/action.ts. Check mode is decided in reconcileTarget, once.
 */
import * as core from '@actions/core';
import { coreLogger, mask } from './action-io.js';
import { lazy } from './lazy.js';
import { signIn, targetPorts } from './azure/session.js';
import { BundleLoadError, loadPart } from './bundle.js';
import type { RunConfig } from './report/render.js';
import type { TargetResult } from './target.js';
import { selectSingle, type RunSelection } from './targets/select-step.js';
import type { Settings } from './types.js';

export type { TargetPorts, TargetResult } from './target.js';

/**
 * The rest of the run (./run-parts.ts), imported once: started as soon as the inputs are read, so that its compile
 * overlaps sign-in's requests; awaited where it is first needed.
 */
const runParts = lazy(() => loadPart("the action's reconcile and report code", () => import('./run-parts.js')));

/**
 * The action's entry: reads inputs, signs in, reconciles the target(s), publishes the report, sets outputs. A part
 * of the action's own files that cannot be loaded (../bundle.ts) fails the step with that message and result
 * `failed`: the report code may be what is missing, and nothing that needed the part ran (no write was sent).
 */
export async function run(): Promise<void> {
  try {
    await runSteps();
  } catch (e) {
    if (!(e instanceof BundleLoadError)) throw e;
    core.setOutput('result', 'failed');
    process.exitCode = 1;
    core.error(e.message, { title: 'apim-function-auth' });
  }
}

async function runSteps(): Promise<void> {
  const started = Date.now();
  // Untrimmed: the inputs' readers trim spaces and line breaks themselves and refuse every other control character
  // (core.getInput would silently drop a leading or trailing tab).
  const getInput = (name: string) => core.getInput(name, { trimWhitespace: false });
  let selection: RunSelection;
  try {
    // A targets file is read only when `targets` is set (its parser comes with ./run-parts.ts).
    selection = selectSingle(getInput) ?? (await runParts()).selectTargetsRun(getInput);
  } catch (e) {
    if (getInput('targets').trim() !== '') return (await runParts()).failTargetsRun(getInput, e, started);
    return runOne(undefined, e, started);
  }
  // Start the import now; where it is awaited a failure throws. Until then it must not be an unhandled rejection (Node
  // would end the process with a stack trace and no step error).
  runParts().catch(() => undefined);
  if (selection.kind === 'list') return (await runParts()).listTargets(selection);
  if (selection.kind === 'targets') return (await runParts()).runTargetsFile(selection, started);
  return runOne(selection.settings, undefined, started);
}

/** A one-target run (no targets file): sign-in, the target, the report; `refused`: why the inputs were refused. */
async function runOne(valid: Settings | undefined, refused: unknown, started: number): Promise<void> {
  const settings: Settings | undefined = valid;
  let result: TargetResult;
  try {
    if (!settings) throw refused;
    for (const w of settings.warnings ?? []) coreLogger.warning(w);
    for (const s of [settings.smoke.subscriptionKey, settings.githubToken]) mask(s);
    const s = settings;
    const how = s.authType === 'azure-cli' ? 'Azure CLI session' : 'GitHub OIDC → Entra ID';
    const session = await core.group(`Sign in (${how})`, () => signIn(s, (aud) => core.getIDToken(aud)));
    result = await (await runParts()).reconcileTarget(s, targetPorts(s, s, session), started);
  } catch (e) {
    result = failedBeforePlan(settings, e, started);
  }
  const { failStep, publishRun, runConfigMarker } = await runParts();
  await publishRun(settings, result, runConfigMarker(markerConfig(settings)));
  if (result.failed) failStep(result.failure ?? 'failed');
}

/** The run configuration of a one-target run: its settings, or (refused inputs) the raw inputs, printable. */
function markerConfig(s: Settings | undefined): RunConfig {
  if (s) {
    return {
      apim: s.apimName,
      functionApp: s.functionAppName,
      apis: s.apiIds,
      subscriptionId: s.subscriptionId,
      apimResourceGroup: s.apimResourceGroup,
      functionAppResourceGroup: s.functionAppResourceGroup,
      ...(s.functionAppSlot ? { slot: s.functionAppSlot } : {})
    };
  }
  const raw = (name: string) => printable(core.getInput(name));
  return {
    apim: raw('apim-name'),
    functionApp: raw('function-app-name'),
    apis: raw('api-ids').split(/[?,]/).filter(Boolean),
    subscriptionId: raw('subscription-id'),
    apimResourceGroup: raw('apim-resource-group'),
    functionAppResourceGroup: raw('function-app-resource-group') || raw('apim-resource-group'),
    ...(raw('function-app-slot') ? { slot: raw('function-app-slot') } : {})
  };
}

/**
 * The result of a run that stopped before a plan was made (bad inputs, sign-in, a read). A refusal after the plan
 * (a plan blocker, a pre-flight, …) is not one: reconcileTarget returns it with its plan.
 */
function failedBeforePlan(settings: Settings | undefined, e: unknown, started: number): TargetResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    failed: true,
    failure: message,
    report: {
      mode: settings?.mode ?? 'apply',
      verdict: 'failed',
      target: {
        apim: settings?.apimName ?? printable(core.getInput('apim-name')),
        apis: settings?.apiIds ?? [],
        functionApp: settings?.functionAppName ?? printable(core.getInput('function-app-name'))
      },
      applied: [],
      warnings: [],
      error: message,
      durationSeconds: (Date.now() - started) / 1000
    }
  };
}

/** An unvalidated input for the report when the inputs were refused: name characters only, bounded. */
function printable(s: string): string {
  return s.replace(/[^A-Za-z0-9_.()-]/g, '?').slice(0, 80);
}
