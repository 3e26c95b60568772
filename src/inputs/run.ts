/**
 * Run-level settings from the step's inputs (DESIGN §1): sign-in, cloud, mode and publishing — one per run, whatever
 * the number of targets. Pure: the caller hands in a `core.getInput`-like lookup.
 */
import { cloudEndpoints, defaultAudience } from '../azure/clouds.js';
import type { RunSettings } from '../types.js';
import { checkInputs, throwIfProblems } from './check.js';
import type { GetInput, InputProblem } from './check.js';
import { RUN_INPUTS } from './table.js';
import type { InputValues, RunInputName } from './table.js';

/** What {@link checkRunSettings} found: the settings when there is no problem, every problem, the warnings. */
export interface CheckedRunSettings {
  readonly settings?: RunSettings & { warnings: string[] };
  readonly problems: InputProblem[];
  readonly warnings: string[];
}

/**
 * RunSettings from the parsed run-level inputs: endpoints resolved for `environment` and its overrides, `audience`
 * defaulted to the cloud's ({@link defaultAudience}; an explicit input wins), `prComment` false only for `never`.
 */
function runSettingsFrom(v: InputValues<RunInputName>, warnings: string[]): RunSettings & { warnings: string[] } {
  const overrides = {
    ...(v['arm-endpoint'] !== undefined ? { armEndpoint: v['arm-endpoint'] } : {}),
    ...(v['authority-host'] !== undefined ? { authorityHost: v['authority-host'] } : {}),
    ...(v['graph-endpoint'] !== undefined ? { graphEndpoint: v['graph-endpoint'] } : {})
  };
  return {
    clientId: v['client-id'],
    tenantId: v['tenant-id'],
    environment: v.environment,
    endpoints: cloudEndpoints(v.environment, overrides),
    audience: v.audience ?? defaultAudience(v.environment),
    authType: v['auth-type'],
    // `list` never reconciles; `check` is the safe reading of it for any code that looks at `mode` alone.
    mode: v.mode === 'list' ? 'check' : v.mode,
    ...(v.mode === 'list' ? { listOnly: true } : {}),
    ...(v.targets !== undefined ? { targetsFile: v.targets } : {}),
    targetFilter: v.target,
    maxParallel: v['max-parallel'],
    armMaxInFlight: v['arm-max-in-flight'],
    failOnDrift: v['fail-on-drift'],
    ...(v['github-token'] !== undefined ? { githubToken: v['github-token'] } : {}),
    prComment: v['pr-comment'] !== 'never',
    prCommentMode: v['pr-comment'],
    driftIssue: v['drift-issue'],
    driftIssueLabels: v['drift-issue-labels'],
    warnings
  };
}

/**
 * Checks the run-level inputs ({@link RUN_INPUTS}) read through `getInput` and, when they pass, builds RunSettings.
 * Never throws: problems are returned (see `checkInputs` for their order), for a caller that reports them together
 * with others (readSettings, a targets-file run).
 */
export function checkRunSettings(getInput: GetInput): CheckedRunSettings {
  const { values, problems, warnings } = checkInputs(getInput, RUN_INPUTS);
  if (problems.length > 0) return { problems, warnings };
  return { settings: runSettingsFrom(values as InputValues<RunInputName>, warnings), problems, warnings };
}

/**
 * Reads and validates the run-level inputs, collecting ALL their problems before failing.
 *
 * `getInput(name)` returns the raw input text ('' when not set), like `core.getInput(name)`; empty means the
 * action.yml default. Returns {@link RunSettings}: `environment` in its canonical spelling (the input is read in any
 * letter case), `endpoints` resolved with `cloudEndpoints` (overrides used as written, trailing slashes dropped),
 * `audience` the input or, when empty, the cloud's (`defaultAudience`), `authType` `oidc` or `azure-cli`, `mode` `apply` or `check` (`mode: list` gives `check` with `listOnly: true`),
 * `targetsFile` the `targets` path without a leading `./` (absent when empty), `targetFilter` the `target` names
 * (`[]` when empty), `maxParallel` and `armMaxInFlight` numbers, `prCommentMode` the `pr-comment` mode
 * (`true` = always, `false` = never) and `prComment` false only for never, `githubToken` undefined when empty or an
 * unexpanded `${{ … }}` expression, `warnings` `[]` (no run-level input warns today). Limits and hygiene as for
 * every input (src/inputs/text.ts).
 *
 * @throws ActionError listing every problem, one per line (`- <input>: <problem>; <fix>`); secret values
 *   (github-token) never appear in it.
 */
export function readRunSettings(getInput: GetInput): RunSettings & { warnings: string[] } {
  const checked = checkRunSettings(getInput);
  throwIfProblems(checked.problems);
  return checked.settings as RunSettings & { warnings: string[] };
}
