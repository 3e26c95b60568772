/**
 * The inputs table: one entry per input of action.yml, keyed by its name, saying whether it is run-level or
 * per-target (DESIGN §1), its default, its limits, and the pure parser of its value. The step's inputs
 * (src/inputs/run.ts, src/inputs/target.ts) and a targets file validate through the same entries.
 */
import * as parse from './parsers.js';
import type { Parser } from './parsers.js';
import type { TextRules } from './text.js';
import { MAX_LIST_INPUT_LENGTH, MAX_NAME_LENGTH, MAX_SUBSCRIPTION_KEY_LENGTH, MAX_VALUE_LENGTH } from './text.js';
import * as many from './targets.js';
import { APIM_NAME, SITE_NAME, SLOT_NAME } from './validators.js';

/** Where an input's value goes: `run` → RunSettings (one per run), `target` → TargetSpec (may differ per target). */
export type InputLevel = 'run' | 'target';

/** One input: everything needed to validate its text alone, from the step or from a targets file. */
export interface InputSpec<T> extends TextRules {
  readonly level: InputLevel;
  /** `required: true` in action.yml: an empty value is a problem. */
  readonly required: boolean;
  /** action.yml `default:` (same text): parsed in place of an empty value. */
  readonly default?: string;
  /** The value of an empty input without a default (undefined: the setting is left out). */
  readonly empty?: T;
  /** Longest accepted entry of a list input. */
  readonly entryMaxLength?: number;
  /** Parses the trimmed, non-empty, hygiene-checked text (src/inputs/parsers.ts). */
  readonly parse: Parser<T>;
}

type SpecFields<T> = Pick<InputSpec<T>, 'parse'> & Partial<Omit<InputSpec<T>, 'level'>>;

/** An entry with the usual settings: optional, single value, not secret, at most {@link MAX_NAME_LENGTH} characters. */
function spec<T, L extends InputLevel>(level: L, fields: SpecFields<T>): InputSpec<T> & { readonly level: L } {
  return Object.freeze({ required: false, list: false, secret: false, maxLength: MAX_NAME_LENGTH, ...fields, level });
}

/** A run-level input (see {@link spec}). */
const run = <T>(fields: SpecFields<T>) => spec<T, 'run'>('run', fields);
/** A per-target input (see {@link spec}). */
const target = <T>(fields: SpecFields<T>) => spec<T, 'target'>('target', fields);

const LONG = { maxLength: MAX_VALUE_LENGTH } as const;
const REQUIRED_TEXT = { required: true, empty: '' } as const;

/**
 * Every input of action.yml, in action.yml's order. Values: `string` as given (trimmed), `string | undefined` for
 * optional inputs without a default, and what the text denotes for lists (`string[]`), booleans and numbers.
 */
export const INPUTS = Object.freeze({
  'client-id': run<string>({
    ...REQUIRED_TEXT,
    parse: parse.guid('client ID of the identity the workflow signs in as')
  }),
  'tenant-id': run<string>({ ...REQUIRED_TEXT, parse: parse.guid('Entra tenant ID') }),
  'subscription-id': target<string>({ ...REQUIRED_TEXT, parse: parse.guid('Azure subscription ID') }),
  environment: run({ default: 'AzureCloud', parse: parse.environment }),
  /** Empty → the audience of `environment` (src/azure/clouds.ts `defaultAudience`), applied by src/inputs/run.ts. */
  audience: run<string | undefined>({ ...LONG, parse: parse.audience }),
  /** `oidc` (GitHub OIDC → federated credential) or `azure-cli` (the session of an earlier azure/login step). */
  'auth-type': run({ default: 'oidc', parse: parse.authType }),
  'arm-endpoint': run<string | undefined>({ ...LONG, parse: parse.endpoint }),
  'authority-host': run<string | undefined>({ ...LONG, parse: parse.endpoint }),
  'graph-endpoint': run<string | undefined>({ ...LONG, parse: parse.endpoint }),
  /** A targets file relative to the workspace (src/targets/file.ts); empty → one target from the step's inputs. */
  targets: run<string | undefined>({ ...LONG, parse: many.targetsPath }),
  /** Names of the targets file's targets to run; empty → all. */
  target: run<string[]>({
    empty: [],
    list: true,
    maxLength: MAX_LIST_INPUT_LENGTH,
    entryMaxLength: MAX_NAME_LENGTH,
    parse: many.targetNames
  }),
  'apim-name': target<string>({
    ...REQUIRED_TEXT,
    parse: parse.armName(
      APIM_NAME,
      '1-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit'
    )
  }),
  'apim-resource-group': target<string>({ ...REQUIRED_TEXT, parse: parse.resourceGroup }),
  'api-ids': target<string[]>({
    required: true,
    empty: [],
    list: true,
    maxLength: MAX_LIST_INPUT_LENGTH,
    entryMaxLength: MAX_NAME_LENGTH,
    parse: parse.apiIds
  }),
  'function-app-name': target<string>({
    ...REQUIRED_TEXT,
    parse: parse.armName(SITE_NAME, '2-60 letters, digits and hyphens, not starting or ending with a hyphen')
  }),
  /** Empty → `apim-resource-group` (applied by src/inputs/target.ts). */
  'function-app-resource-group': target<string | undefined>({ parse: parse.resourceGroup }),
  'function-app-slot': target<string | undefined>({
    parse: parse.armName(
      SLOT_NAME,
      '2-59 letters, digits and hyphens, not starting or ending with a hyphen (leave empty for production)'
    )
  }),
  /** Empty → taken from the site's Easy Auth, later. */
  'app-client-id': target<string | undefined>({
    parse: parse.guid("application (client) ID of the Function's app registration")
  }),
  /** Empty → the (resolved) app client ID, later. */
  'token-resource': target<string | undefined>({ ...LONG, parse: parse.tokenResource }),
  /** Empty → the Easy Auth planner's v1 default (https://sts.windows.net/<tenant-id>/), reported as such. */
  'open-id-issuer': target<string | undefined>({ ...LONG, parse: parse.openIdIssuer }),
  'apim-identity-client-id': target<string | undefined>({
    parse: parse.guid("client ID (appId) of APIM's system-assigned identity")
  }),
  'allowed-callers': target({ default: 'apim-only', parse: parse.allowedCallers }),
  'excluded-paths': target<string[]>({
    empty: [],
    list: true,
    maxLength: MAX_LIST_INPUT_LENGTH,
    entryMaxLength: MAX_VALUE_LENGTH,
    parse: parse.excludedPaths
  }),
  mode: run({ default: 'apply', parse: parse.mode }),
  'fail-on-drift': run({ default: 'true', parse: parse.boolean }),
  /** What apply does when it fails after writes or the smoke requests fail after apply (src/snapshot). */
  'on-failure': target({ default: 'keep', parse: parse.onFailure }),
  /** The snapshot file `mode: restore` restores; required with that mode (src/inputs/index.ts). */
  snapshot: target<string | undefined>({ ...LONG, parse: parse.snapshotPath }),
  'smoke-path': target<string>({ empty: '', ...LONG, parse: parse.smokePath }),
  'smoke-method': target({ default: 'GET', parse: parse.smokeMethod }),
  'smoke-expected-status': target({ default: '200', parse: parse.expectedStatus }),
  'smoke-timeout-seconds': target({ default: '300', parse: parse.timeoutSeconds }),
  'subscription-key': target<string | undefined>({
    secret: true,
    maxLength: MAX_SUBSCRIPTION_KEY_LENGTH,
    parse: parse.secret
  }),
  'smoke-subscription': target({ default: 'master', parse: parse.subscriptionName }),
  'github-token': run({ default: '${{ github.token }}', secret: true, ...LONG, parse: parse.githubToken }),
  'pr-comment': run({ default: 'always', parse: parse.prComment }),
  /** On events other than pull requests, keep one GitHub issue open while a check finds drift (src/report/drift-issue.ts). */
  'drift-issue': run({ default: 'false', parse: parse.boolean }),
  'drift-issue-labels': run<string[]>({
    empty: [],
    list: true,
    maxLength: MAX_VALUE_LENGTH,
    entryMaxLength: parse.ISSUE_LABEL_MAX_LENGTH,
    parse: parse.issueLabels
  }),
  'max-parallel': run({ default: '4', parse: many.maxParallel }),
  'arm-max-in-flight': run({ default: '16', parse: many.armMaxInFlight })
});

/** The name of an input (an action.yml `inputs:` key). */
export type InputName = keyof typeof INPUTS;
/** The parsed value of input `N` (e.g. `string[]` for `api-ids`, `boolean` for `fail-on-drift`). */
export type InputValueOf<N extends InputName> = (typeof INPUTS)[N] extends InputSpec<infer T> ? T : never;
/** Parsed values by input name. */
export type InputValues<N extends InputName = InputName> = { [K in N]: InputValueOf<K> };

const NAMES = Object.freeze(Object.keys(INPUTS) as InputName[]);
const where = (keep: (s: InputSpec<unknown>) => boolean): InputName[] => NAMES.filter((n) => keep(INPUTS[n]));

/** Names of the run-level inputs (RunSettings: sign-in, cloud, mode, publishing), in action.yml order. */
export const RUN_INPUTS = Object.freeze(where((s) => s.level === 'run') as RunInputName[]);
/** Names of the per-target inputs (TargetSpec: APIM, APIs, Function App, Easy Auth, smoke), in action.yml order. */
export const TARGET_INPUTS = Object.freeze(where((s) => s.level === 'target') as TargetInputName[]);
/** Names of the run-level inputs. */
export type RunInputName = { [N in InputName]: (typeof INPUTS)[N] extends { level: 'run' } ? N : never }[InputName];
/** Names of the per-target inputs. */
export type TargetInputName = Exclude<InputName, RunInputName>;

/** True when `name` is an input of action.yml. */
export function isInputName(name: string): name is InputName {
  return Object.hasOwn(INPUTS, name);
}

/** True when `name` is a per-target input (one a targets-file entry may set). */
export function isTargetInput(name: string): name is TargetInputName {
  return isInputName(name) && INPUTS[name].level === 'target';
}

/** Every input the action declares (action.yml `inputs:` keys), in action.yml's order. */
export const INPUT_NAMES: readonly string[] = NAMES;

/**
 * The order values are checked in, so that problems are listed as they always were: action.yml's order, except that
 * `pr-comment` follows `fail-on-drift` and `github-token` precedes `smoke-subscription`. (Text problems — control
 * characters, length — and missing required inputs come first, in action.yml's order.)
 */
export const CHECK_ORDER: readonly InputName[] = Object.freeze<InputName[]>([
  'client-id',
  'tenant-id',
  'subscription-id',
  'environment',
  'audience',
  'auth-type',
  'arm-endpoint',
  'authority-host',
  'graph-endpoint',
  'targets',
  'target',
  'apim-name',
  'apim-resource-group',
  'api-ids',
  'function-app-name',
  'function-app-resource-group',
  'function-app-slot',
  'app-client-id',
  'token-resource',
  'open-id-issuer',
  'apim-identity-client-id',
  'allowed-callers',
  'excluded-paths',
  'mode',
  'fail-on-drift',
  'pr-comment',
  'on-failure',
  'snapshot',
  'smoke-path',
  'smoke-method',
  'smoke-expected-status',
  'smoke-timeout-seconds',
  'subscription-key',
  'github-token',
  'smoke-subscription',
  'drift-issue',
  'drift-issue-labels',
  'max-parallel',
  'arm-max-in-flight'
]);
if (CHECK_ORDER.length !== NAMES.length || NAMES.some((n) => !CHECK_ORDER.includes(n))) {
  // An input missing here would never be validated: fail at load time, in every test.
  throw new Error('src/inputs/table.ts: CHECK_ORDER must list every input of INPUTS exactly once');
}

/** Static defaults of the inputs that have one (same text as `default:` in action.yml). */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(NAMES.flatMap((n) => (INPUTS[n].default !== undefined ? [[n, INPUTS[n].default]] : [])))
);

/**
 * Inputs that must have a value: the run-level ones in the step (`required: true` in action.yml), the per-target
 * ones for every target — from the step's inputs in a one-target run, or from the target, the targets file's
 * `defaults` or the step in a run over a targets file (so action.yml marks those `required: false`).
 */
export const REQUIRED_INPUTS: readonly string[] = Object.freeze(where((s) => s.required));

/** Inputs marked `required: true` in action.yml: the required run-level ones (see {@link REQUIRED_INPUTS}). */
export const STEP_REQUIRED_INPUTS: readonly string[] = Object.freeze(where((s) => s.required && s.level === 'run'));

/** Inputs whose values are secrets: never echoed in an error message. */
export const SECRET_INPUTS: readonly string[] = Object.freeze(where((s) => s.secret));

/** List inputs: entries separated by commas or line breaks (LF or CRLF) — the only inputs a line break may be in. */
export const LIST_INPUTS: readonly string[] = Object.freeze(where((s) => s.list));

/** Longest accepted (trimmed) text of each input, by input name; see the MAX_* constants for the reasons. */
export const INPUT_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(NAMES.map((n) => [n, INPUTS[n].maxLength]))
);

/** Longest accepted entry of each list input: an API ID as a name, an excluded path as a path. */
export const LIST_ENTRY_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    NAMES.flatMap((n) => (INPUTS[n].entryMaxLength !== undefined ? [[n, INPUTS[n].entryMaxLength]] : []))
  )
);
