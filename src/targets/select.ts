/**
 * What a run does, from the step's inputs: one target (no `targets` input, as before), a run over a targets file's
 * targets (all, or those `target` names), or `mode: list` (the file's targets as a matrix; no Azure request). Every
 * problem — of the step's inputs, of the file, of the filter — is reported at once, before anything reaches Azure.
 * Pure: the step's inputs and the file reader are handed in.
 */
import { ActionError } from '../errors.js';
import { checkInputs, checkRunSettings, type GetInput, type InputProblem } from '../inputs/index.js';
import { TARGET_INPUTS } from '../inputs/table.js';
import { show } from '../inputs/text.js';
import { formatFileProblems, parseTargetsFile, type FileProblem, type FileTarget } from './file.js';
import { inputsErrorText, selectSingle, type RunSelection } from './select-step.js';

export type { RunSelection } from './select-step.js';

/**
 * Decides the run (see the module comment). `readFile(path)` returns the targets file's text (path as given in
 * `targets`, without a leading `./`) or throws an Error whose message says why it could not be read.
 *
 * - No `targets`: {@link readSettings} of the step (one target), and `target` or `mode: list` are problems.
 * - `targets`: the run-level inputs are checked (in `mode: list` a missing required one is not a problem: nothing
 *   signs in), the file is read and validated (src/targets/file.ts; the step's per-target inputs are the targets'
 *   last fallback), and every `target` name must be a target of the file.
 *
 * @throws ActionError listing every problem: `Invalid inputs (<n> problems):` lines for the step's inputs, then the
 *   file's problems (`Invalid targets file <path> (<n> problems):`, one line each with its line number).
 */
export function selectRun(getInput: GetInput, readFile: (path: string) => string): RunSelection {
  const single = selectSingle(getInput);
  if (single) return single;
  const head = checkInputs(getInput, ['mode', 'targets', 'target']);
  const file = head.values.targets;
  const list = head.values.mode === 'list';
  const filter = head.values.target ?? [];
  const run = checkRunSettings(getInput);
  const inputProblems = run.problems.filter((p) => !(list && p.stage === 'required'));
  if (file === undefined) throw inputError(inputProblems, []);
  const parsed = readAndParse(file, readFile, getInput);
  const problems = [...parsed.problems];
  const targets = parsed.targets;
  if (problems.length === 0 && filter.length > 0) problems.push(...filterProblems(filter, targets));
  if (inputProblems.length || problems.length) throw inputError(inputProblems, problems, file);
  const selected = filter.length ? targets.filter((t) => filter.includes(t.name)) : targets;
  const base = { targetsFile: file, filter, targets: selected, warnings: parsed.warnings };
  if (list) return { kind: 'list', ...base };
  return { kind: 'targets', run: run.settings!, ...base };
}

/** The file read and parsed; a read failure is one problem. */
function readAndParse(file: string, readFile: (path: string) => string, getInput: GetInput) {
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    return { targets: [], warnings: [], problems: [{ text: e instanceof Error ? e.message : String(e) }] };
  }
  // The step's own per-target inputs are the last fallback; its run-level inputs are never read per target.
  const step: GetInput = (name) => ((TARGET_INPUTS as readonly string[]).includes(name) ? getInput(name) : '');
  return parseTargetsFile(text, step);
}

/** Problems for `target` names that are not targets of the file. */
function filterProblems(filter: readonly string[], targets: readonly FileTarget[]): FileProblem[] {
  const names = targets.map((t) => t.name);
  const shown = names.slice(0, 20).join(', ') + (names.length > 20 ? `, … (${names.length} in all)` : '');
  return filter
    .filter((n) => !names.includes(n))
    .map((n) => {
      const near = names.find((x) => x.toLowerCase() === n.toLowerCase());
      const hint = near ? `did you mean ${show(near)}? ` : '';
      return { key: 'target', text: `${show(n)} is not a target of the file; ${hint}its targets are: ${shown}` };
    });
}

/** One ActionError for the step's input problems and the file's problems. */
function inputError(inputs: readonly InputProblem[], file: readonly FileProblem[], path = ''): ActionError {
  const parts: string[] = [];
  if (inputs.length) parts.push(inputsErrorText(inputs));
  if (file.length) parts.push(formatFileProblems(path, file));
  return new ActionError(parts.join('\n'));
}
