/**
 * The part of choosing a run that needs no targets file (src/targets/select.ts has the rest): a step without the
 * `targets` input is one target, read from the step's inputs. Kept apart from the targets file's parser (`yaml`) so
 * that src/main.ts can import this statically and select.ts dynamically (with ./run-parts.ts): the parser is then
 * compiled while sign-in waits for its round trips, not before the first request.
 * Pure: the step's inputs are handed in.
 */
import { ActionError } from '../errors.js';
import { checkInputs, readSettings, type GetInput, type InputProblem } from '../inputs/index.js';
import type { RunSettings, Settings } from '../types.js';
import type { FileTarget } from './file.js';

/** The run a step asks for. */
export type RunSelection =
  | { kind: 'single'; settings: Settings & { warnings: string[] } }
  | {
      kind: 'targets';
      run: RunSettings & { warnings: string[] };
      targetsFile: string;
      filter: string[];
      /** The selected targets, in file order. */
      targets: FileTarget[];
      /** Findings about the file's targets, each starting with `<target>: `. */
      warnings: string[];
    }
  | { kind: 'list'; targetsFile: string; filter: string[]; targets: FileTarget[]; warnings: string[] };

/**
 * The one-target run of a step that does not set `targets`; undefined when it does (or its `targets` value is refused):
 * then select.ts's selectRun decides.
 * @throws ActionError (`Invalid inputs (<n> problems):`) for `mode: list` or `target` without a targets file, and for
 *   every problem of the step's inputs (readSettings).
 */
export function selectSingle(getInput: GetInput): RunSelection | undefined {
  const head = checkInputs(getInput, ['mode', 'targets', 'target']);
  if (head.values.targets !== undefined || head.problems.some((p) => p.input === 'targets')) return undefined;
  const problems: InputProblem[] = [];
  const need = 'set targets to a targets file too';
  if (head.values.mode === 'list')
    problems.push({ input: 'mode', stage: 'value', text: `list needs a targets file; ${need}` });
  if ((head.values.target ?? []).length) {
    problems.push({ input: 'target', stage: 'value', text: `names targets of a file; ${need}` });
  }
  if (problems.length) throw new ActionError(inputsErrorText(problems));
  return { kind: 'single', settings: readSettings(getInput) };
}

/** `Invalid inputs (<n> problems):` and one `- <input>: <text>` line per problem. */
export function inputsErrorText(inputs: readonly InputProblem[]): string {
  const n = inputs.length;
  return `Invalid inputs (${n} problem${n === 1 ? '' : 's'}):\n${inputs.map((p) => `- ${p.input}: ${p.text}`).join('\n')}`;
}
