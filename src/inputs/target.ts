/**
 * One reconcile target from inputs (DESIGN §1): one APIM service + its APIs + one Function App, with its per-target
 * inputs — from the step's inputs, or from one targets-file entry (through `inputLookup`). Pure.
 */
import type { TargetSpec } from '../types.js';
import { checkInputs, inputLookup, throwIfProblems } from './check.js';
import type { GetInput, InputProblem, RawValue } from './check.js';
import { excludedPathWarnings } from './cross.js';
import { TARGET_INPUTS } from './table.js';
import type { InputValues, TargetInputName } from './table.js';

/** A target's settings and the non-fatal findings about its inputs, for the log. */
export type CheckedTarget = TargetSpec & { warnings: string[] };

/** What {@link checkTargetSpec} found: the spec when there is no problem, every problem, the warnings. */
export interface CheckedTargetSpec {
  readonly spec?: CheckedTarget;
  readonly problems: InputProblem[];
  readonly warnings: string[];
}

/** Where per-target values missing from `getInput` come from: another lookup, or plain values by input name. */
export type TargetDefaults = GetInput | Readonly<Record<string, RawValue | undefined>>;

/**
 * `getInput`, falling back to `defaults` for an input that is empty (nothing but spaces and line breaks); the
 * action.yml default still applies after both.
 */
function withDefaults(getInput: GetInput, defaults: TargetDefaults | undefined): GetInput {
  if (defaults === undefined) return getInput;
  const fallback = typeof defaults === 'function' ? defaults : inputLookup(defaults);
  return (name) => {
    const text = getInput(name) ?? '';
    return /^[ \r\n]*$/.test(text) ? fallback(name) : text;
  };
}

/** TargetSpec from the parsed per-target inputs: `function-app-resource-group` defaults to `apim-resource-group`. */
function targetSpecFrom(v: InputValues<TargetInputName>, warnings: string[]): CheckedTarget {
  const optional = <K extends string, T>(key: K, value: T | undefined) =>
    value !== undefined ? ({ [key]: value } as Record<K, T>) : {};
  return {
    subscriptionId: v['subscription-id'],
    apimName: v['apim-name'],
    apimResourceGroup: v['apim-resource-group'],
    apiIds: v['api-ids'],
    functionAppName: v['function-app-name'],
    functionAppResourceGroup: v['function-app-resource-group'] ?? v['apim-resource-group'],
    ...optional('functionAppSlot', v['function-app-slot']),
    ...optional('appClientId', v['app-client-id']),
    ...optional('tokenResource', v['token-resource']),
    ...optional('openIdIssuer', v['open-id-issuer']),
    ...optional('apimIdentityClientId', v['apim-identity-client-id']),
    allowedCallers: v['allowed-callers'],
    excludedPaths: v['excluded-paths'],
    smoke: {
      path: v['smoke-path'],
      method: v['smoke-method'],
      expectedStatus: v['smoke-expected-status'],
      timeoutSeconds: v['smoke-timeout-seconds'],
      ...optional('subscriptionKey', v['subscription-key']),
      subscriptionName: v['smoke-subscription']
    },
    onFailure: v['on-failure'],
    ...optional('snapshotPath', v.snapshot),
    warnings
  };
}

/**
 * Checks one target's inputs ({@link TARGET_INPUTS}) read through `getInput` (then `defaults`, then action.yml's
 * defaults), runs the cross-input checks (excluded paths against the smoke path: {@link excludedPathWarnings}), and
 * when everything passes builds the TargetSpec. Never throws: problems are returned (see `checkInputs` for their
 * order), for a caller that reports them together with others (readSettings, a targets file of many targets).
 */
export function checkTargetSpec(getInput: GetInput, defaults?: TargetDefaults): CheckedTargetSpec {
  const { values, problems, warnings } = checkInputs(withDefaults(getInput, defaults), TARGET_INPUTS);
  const excluded = values['excluded-paths'];
  if (excluded !== undefined) warnings.push(...excludedPathWarnings(excluded, values['smoke-path'] ?? ''));
  if (problems.length > 0) return { problems, warnings };
  return { spec: targetSpecFrom(values as InputValues<TargetInputName>, warnings), problems, warnings };
}

/**
 * Reads and validates one target's inputs, collecting ALL their problems before failing.
 *
 * `getInput(name)` returns the raw text ('' when not set), like `core.getInput(name)`; for a targets-file entry use
 * `inputLookup(entry)` (lists may be YAML lists). `defaults` fills inputs the entry leaves empty (e.g. the step's
 * own inputs); action.yml's defaults apply last. Returns the {@link TargetSpec} — `apiIds`/`excludedPaths` distinct
 * entries in order, `functionAppResourceGroup` defaulted to `apimResourceGroup`, optional IDs/URIs undefined when not
 * given, `smoke.method` upper case, `smoke.expectedStatus` lower case, `smoke.timeoutSeconds` a number — with
 * `warnings` (an API ID listed twice, excluded paths covering the smoke path or every function; `[]` when none).
 * Limits: src/inputs/text.ts (MAX_* constants); at most 50 distinct entries per list.
 *
 * @throws ActionError listing every problem, one per line (`- <input>: <problem>; <fix>`); the value of
 *   subscription-key never appears in it.
 */
export function readTargetSpec(getInput: GetInput, defaults?: TargetDefaults): CheckedTarget {
  const checked = checkTargetSpec(getInput, defaults);
  throwIfProblems(checked.problems);
  return checked.spec as CheckedTarget;
}
