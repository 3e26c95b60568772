/**
 * The action's entry (DESIGN §1): inputs → sign-in → the target → publish. Each step lives in its own module:
 * src/inputs (validated settings), src/azure/session.ts (one sign-in: GitHub OIDC or the Azure CLI; the real ports),
 * src/target.ts (reconcileTarget: observe → plan → check | apply → smoke), src/report/outputs.ts (outputs, summary,
 * PR comment). Check mode is decided in reconcileTarget, once.
 */
import * as core from '@actions/core';
import { coreLogger, mask } from './action-io.js';
import { signIn, targetPorts } from './azure/session.js';
import { readSettings } from './inputs.js';
import { failStep, publishRun } from './report/outputs.js';
import { reconcileTarget, type TargetResult } from './target.js';
import type { Settings } from './types.js';

export { describeOutcome } from './apply.js';
export { reconcileTarget } from './target.js';
export type { TargetPorts, TargetResult } from './target.js';

/** The action's entry: reads inputs, signs in, reconciles the target, publishes the report, sets outputs. */
export async function run(): Promise<void> {
  const started = Date.now();
  let settings: Settings | undefined;
  let result: TargetResult;
  try {
    // Untrimmed: readSettings trims spaces and line breaks itself and refuses every other control character
    // (core.getInput would silently drop a leading or trailing tab).
    settings = readSettings((name) => core.getInput(name, { trimWhitespace: false }));
    for (const w of settings.warnings ?? []) coreLogger.warning(w);
    for (const s of [settings.smoke.subscriptionKey, settings.githubToken]) mask(s);
    const s = settings;
    const how = s.authType === 'azure-cli' ? 'Azure CLI session' : 'GitHub OIDC → Entra ID';
    const session = await core.group(`Sign in (${how})`, () => signIn(s, (aud) => core.getIDToken(aud)));
    result = await reconcileTarget(s, targetPorts(s, s, session), started);
  } catch (e) {
    result = failedBeforePlan(settings, e, started);
  }
  await publishRun(settings, result);
  if (result.failed) failStep(result.failure ?? 'failed');
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
