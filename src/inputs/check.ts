/**
 * Validating inputs through the table (src/inputs/table.ts), one at a time or a set at once, with every problem
 * collected; and the raw-value forms both sources give: a step input (text) and a targets-file entry (a YAML scalar
 * or list). Pure: no @actions/* import; `getInput` is handed in.
 */
import { ActionError } from '../errors.js';
import { isRefused, ok, refuse } from './parsers.js';
import type { Parsed } from './parsers.js';
import { CHECK_ORDER, INPUTS, INPUT_NAMES, REQUIRED_INPUTS } from './table.js';
import type { InputName, InputSpec, InputValueOf, InputValues } from './table.js';
import { parseList, textProblem } from './text.js';

/** Reads one input's raw text by name ('' when not set), like `core.getInput(name)`. */
export type GetInput = (name: string) => string;

/**
 * A raw value as a targets file (YAML) can give it: text, a number or boolean (read as its text), or, for a list
 * input, a list of texts.
 */
export type RawValue = string | number | boolean | readonly string[];

/** One problem with one input: `text` is phrased `<what is wrong>; <fix>`, without the input's name. */
export interface InputProblem {
  readonly input: InputName;
  /** When it was found: text hygiene, a missing required input, or the value. Problems are listed in this order. */
  readonly stage: 'text' | 'required' | 'value';
  readonly text: string;
}

/** What checking a set of inputs found: the values of the inputs that passed, every problem, and the warnings. */
export interface CheckedInputs<N extends InputName> {
  readonly values: Partial<InputValues<N>>;
  readonly problems: InputProblem[];
  readonly warnings: string[];
}

/** The problem of a required input left empty. */
export const REQUIRED_PROBLEM = 'is required; set it in the `with:` block of the step';

/**
 * The text of a raw value: a string as is, a number or boolean as its text, a list as its entries joined by line
 * breaks — so `['a', 'b']`, `'a, b'` and `'a\nb'` are one list (an entry holding commas or line breaks gives several
 * entries). undefined → ''.
 */
export function inputText(value: RawValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value.join('\n');
}

/**
 * A {@link GetInput} over plain values by input name (e.g. one targets-file entry,
 * `{ 'apim-name': 'x', 'api-ids': ['a', 'b'] }`); names not in `values` read as ''.
 */
export function inputLookup(values: Readonly<Record<string, RawValue | undefined>>): GetInput {
  return (name) => inputText(Object.hasOwn(values, name) ? values[name] : undefined);
}

/**
 * The entries of a list given either way (a YAML list or a comma/newline text): trimmed, empty ones dropped, exact
 * duplicates removed, order kept — {@link parseList} of {@link inputText}. Does not validate (see
 * {@link parseListInput}).
 */
export function listEntries(value: string | readonly string[]): string[] {
  return parseList(inputText(value));
}

/**
 * Validates a list input given either way (a YAML list or a comma/newline text): the same checks and problems as the
 * step input `name` (see {@link validateInput}). `parseListInput('api-ids', ['a', 'b'])` → `{ value: ['a', 'b'] }`.
 */
export function parseListInput(
  name: 'api-ids' | 'excluded-paths',
  value: string | readonly string[]
): Parsed<string[]> {
  return validateInput(name, value);
}

/** The value of a clean input from its trimmed text: parsed, or the default parsed, or the empty value. */
function parseTrimmed<T>(spec: InputSpec<T>, trimmed: string): Parsed<T> {
  if (trimmed !== '') return spec.parse(trimmed);
  if (spec.default !== undefined) return spec.parse(spec.default);
  return ok(spec.empty as T);
}

/**
 * Validates one input alone, as the step would: text hygiene (control characters, length — {@link textProblem}),
 * then an empty value is the action.yml default (or, for a required input, a problem), then the input's parser.
 * Returns `{ value, warnings? }` or `{ problems }` (texts without the input's name). Cross-input checks are apart
 * (src/inputs/cross.ts; `checkTargetSpec` runs them for a whole target). Never throws.
 */
export function validateInput<N extends InputName>(name: N, value: RawValue | undefined): Parsed<InputValueOf<N>> {
  const spec = INPUTS[name] as InputSpec<InputValueOf<N>>;
  const text = inputText(value);
  const bad = textProblem(text, spec);
  if (bad !== undefined) return refuse(bad);
  const trimmed = text.trim();
  if (trimmed === '' && spec.required) return refuse(REQUIRED_PROBLEM);
  return parseTrimmed(spec, trimmed);
}

/**
 * Checks the inputs `names` (any subset of the table) read through `getInput`, collecting every problem: first text
 * hygiene in action.yml order (an input with such a problem is checked no further and its value never shown), then
 * missing required inputs, then each value in {@link CHECK_ORDER}. Returns the values that passed, the problems in
 * that order, and the parsers' warnings. Never throws; reads each input once.
 */
export function checkInputs<N extends InputName>(getInput: GetInput, names: readonly N[]): CheckedInputs<N> {
  const wanted = new Set<InputName>(names);
  const problems: InputProblem[] = [];
  const warnings: string[] = [];
  const values: Partial<Record<InputName, unknown>> = {};
  const trimmed = new Map<InputName, string>();
  for (const input of INPUT_NAMES as readonly InputName[]) {
    if (!wanted.has(input)) continue;
    const text = getInput(input) ?? '';
    const bad = textProblem(text, INPUTS[input]);
    if (bad !== undefined) problems.push({ input, stage: 'text', text: bad });
    else trimmed.set(input, text.trim());
  }
  for (const input of REQUIRED_INPUTS as readonly InputName[]) {
    if (trimmed.get(input) === '') problems.push({ input, stage: 'required', text: REQUIRED_PROBLEM });
  }
  for (const input of CHECK_ORDER) {
    const text = trimmed.get(input);
    if (text === undefined) continue;
    const parsed = parseTrimmed<unknown>(INPUTS[input], text);
    if (isRefused(parsed)) problems.push(...parsed.problems.map((t) => ({ input, stage: 'value' as const, text: t })));
    else {
      values[input] = parsed.value;
      warnings.push(...(parsed.warnings ?? []));
    }
  }
  return { values: values as Partial<InputValues<N>>, problems, warnings };
}

/**
 * Orders problems as {@link checkInputs} lists them (stage, then the input's place in that stage's order, problems of
 * one input kept in their order by a stable sort): lets problems found by separate checks be reported as one list.
 */
export function compareProblems(a: InputProblem, b: InputProblem): number {
  const stages = ['text', 'required', 'value'];
  if (a.stage !== b.stage) return stages.indexOf(a.stage) - stages.indexOf(b.stage);
  const order: readonly string[] = a.stage === 'value' ? CHECK_ORDER : INPUT_NAMES;
  return order.indexOf(a.input) - order.indexOf(b.input);
}

/**
 * Throws the one error that lists every problem when there is any: `Invalid inputs (<n> problem[s]):` then one line
 * per problem, `- <input>: <text>`.
 *
 * @throws ActionError when `problems` is not empty.
 */
export function throwIfProblems(problems: readonly InputProblem[]): void {
  if (problems.length === 0) return;
  const n = problems.length;
  const lines = problems.map((p) => `- ${p.input}: ${p.text}`);
  throw new ActionError(`Invalid inputs (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`);
}
