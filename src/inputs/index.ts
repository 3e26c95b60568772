/**
 * Action inputs → typed, validated settings (the pattern of actions/checkout `input-helper.ts`). Pure: the caller
 * hands in a `core.getInput`-like lookup; no @actions/* import here.
 *
 * Layout (DESIGN §1, run vs target):
 * - src/inputs/table.ts — {@link INPUTS}: one entry per action.yml input (run-level or per-target, default, limits,
 *   pure parser); {@link RUN_INPUTS}, {@link TARGET_INPUTS}.
 * - src/inputs/parsers.ts, validators.ts, text.ts — the per-input rules; cross.ts — checks across entries or inputs.
 * - src/inputs/check.ts — validating one input ({@link validateInput}) or a set ({@link checkInputs}); raw values of a
 *   targets file ({@link inputLookup}, {@link parseListInput}).
 * - src/inputs/run.ts, target.ts — {@link readRunSettings}, {@link readTargetSpec}; here {@link readSettings}, both.
 *
 * An empty input means "use the default" (running `node dist/index.js` by hand does not apply action.yml defaults —
 * DESIGN §2). The static defaults live in {@link INPUT_DEFAULTS}; __tests__/inputs.test.ts checks them against
 * action.yml so the two cannot disagree.
 *
 * Input hygiene (every rule is checked before anything reaches Azure, and every problem is reported at once):
 * - No control characters in any input (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F, U+2028, U+2029): a line
 *   break separates entries of the list inputs ({@link LIST_INPUTS}) only; a tab is never allowed. Spaces and line
 *   breaks around a value are not part of it (as `core.getInput` trims them).
 * - The value that is validated is byte for byte the value that is used: no parser (`new URL()` drops tabs and line
 *   breaks, resolves `..`, reads `\` as `/`) sees a different string than Azure later gets.
 * - Lengths and list sizes are bounded ({@link MAX_NAME_LENGTH}, {@link MAX_VALUE_LENGTH},
 *   {@link MAX_SUBSCRIPTION_KEY_LENGTH}, {@link MAX_LIST_ENTRIES}, {@link MAX_LIST_INPUT_LENGTH}).
 * - Names and paths cannot traverse: no `..`, no percent-encoded dots/slashes/backslashes, no `/` in a name.
 * - Secret inputs ({@link SECRET_INPUTS}) never appear in a message, not even in part.
 */
import type { Settings } from '../types.js';
import { compareProblems, throwIfProblems } from './check.js';
import type { GetInput } from './check.js';
import { checkRunSettings } from './run.js';
import { checkTargetSpec } from './target.js';
import { restoreInputProblems } from './cross.js';

export {
  MAX_LIST_ENTRIES,
  MAX_LIST_INPUT_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SUBSCRIPTION_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  findControlCharacter,
  isGuid,
  parseBoolean,
  parseList,
  splitList,
  textProblem
} from './text.js';
export type { ControlCharacter, TextRules } from './text.js';
export {
  audienceProblem,
  endpointProblem,
  excludedPathProblem,
  issuerProblem,
  smokePathProblem,
  tokenResourceProblem
} from './validators.js';
export { isRefused } from './parsers.js';
export type { Parsed, Parser } from './parsers.js';
export { apiIdCaseProblems, excludedPathWarnings, repeatedEntryWarnings, restoreInputProblems } from './cross.js';
export {
  CHECK_ORDER,
  INPUTS,
  INPUT_DEFAULTS,
  INPUT_MAX_LENGTH,
  INPUT_NAMES,
  LIST_ENTRY_MAX_LENGTH,
  LIST_INPUTS,
  REQUIRED_INPUTS,
  STEP_REQUIRED_INPUTS,
  RUN_INPUTS,
  SECRET_INPUTS,
  TARGET_INPUTS,
  isInputName,
  isTargetInput
} from './table.js';
export type {
  InputLevel,
  InputName,
  InputSpec,
  InputValueOf,
  InputValues,
  RunInputName,
  TargetInputName
} from './table.js';
export {
  REQUIRED_PROBLEM,
  checkInputs,
  compareProblems,
  inputLookup,
  inputText,
  listEntries,
  parseListInput,
  throwIfProblems,
  validateInput
} from './check.js';
export type { CheckedInputs, GetInput, InputProblem, RawValue } from './check.js';
export { checkRunSettings, readRunSettings } from './run.js';
export type { CheckedRunSettings } from './run.js';
export { checkTargetSpec, readTargetSpec } from './target.js';
export type { CheckedTarget, CheckedTargetSpec, TargetDefaults } from './target.js';

/**
 * Reads and validates every input of a one-target run — the run-level ones ({@link readRunSettings}) and the target's
 * ({@link readTargetSpec}) — collecting ALL problems of both before failing.
 *
 * `getInput(name)` returns the raw input text ('' when not set), like `core.getInput(name)`; empty means default.
 * Spaces and line breaks around a value are dropped; the rest is the value, validated and used as is.
 * Returns the typed {@link Settings}: lists parsed with {@link parseList}, endpoints resolved with `cloudEndpoints`,
 * `smoke.timeoutSeconds` in seconds, `functionAppResourceGroup` defaulted to `apimResourceGroup`, `openIdIssuer`
 * undefined when not given (the Easy Auth planner applies the v1 default `https://sts.windows.net/<tenant-id>/` —
 * DESIGN §3 "Tokens" — and reports where the issuer came from), `githubToken` undefined when
 * empty or an unexpanded `${{ … }}` expression. `appClientId`/`tokenResource` stay undefined when not given (resolved
 * later from the site's Easy Auth). `warnings` lists non-fatal findings for the log (an `api-ids` entry listed twice,
 * excluded paths that cover the smoke path or every function — {@link excludedPathWarnings}); `[]` when none.
 *
 * Limits: each input's trimmed text at most {@link INPUT_MAX_LENGTH}; each list entry at most
 * {@link LIST_ENTRY_MAX_LENGTH}; at most {@link MAX_LIST_ENTRIES} distinct entries per list input; no control
 * characters ({@link findControlCharacter}); `api-ids` entries differing only in letter case are refused (ARM names
 * are case-insensitive), exact repeats are used once (with a warning); secrets are printable ASCII (HTTP headers).
 *
 * @throws ActionError listing every problem, one per line (`- <input>: <problem>; <fix>`), at most one per input for
 *   control characters and length (the value is then not checked further, nor shown), one per entry otherwise;
 *   listed by stage (text, required, value) as {@link checkInputs} orders them. Values of secret inputs
 *   (subscription-key, github-token) never appear in the message.
 */
export function readSettings(getInput: GetInput): Settings & { warnings: string[] } {
  const run = checkRunSettings(getInput);
  const target = checkTargetSpec(getInput);
  const restore = run.settings && target.spec ? restoreInputProblems(run.settings.mode, target.spec.snapshotPath) : [];
  throwIfProblems([...run.problems, ...target.problems, ...restore].sort(compareProblems));
  // No problem on either side: both were built.
  const warnings = [...run.warnings, ...target.warnings];
  return { ...run.settings!, ...target.spec!, warnings };
}
