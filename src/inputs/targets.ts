/**
 * Parsers of the run-level inputs for many targets: `targets` (the targets file), `target` (names to run),
 * `max-parallel` and `arm-max-in-flight`. Pure; same conventions as ./parsers.ts (problems phrased
 * `<what is wrong>; <fix>`, without the input's name).
 */
import { ok, refuse, type Parser } from './parsers.js';
import { count, parseList, show } from './text.js';

/**
 * A target's name in a targets file: 1-64 letters, digits, `.`, `_` and `-`, starting and ending with a letter or
 * digit. Names go into logs, the report, the `matrix` output, the comment marker and `concurrency:` groups, so they
 * stay plain.
 */
export const TARGET_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

/** {@link TARGET_NAME} in words, for a fix. */
export const TARGET_NAME_RULE =
  '1-64 letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit';

/** Most targets one targets file may hold (each costs ARM requests; a matrix splits larger sets across jobs). */
export const MAX_TARGETS = 500;

/** The problem with a target name, or undefined when it follows {@link TARGET_NAME}. */
export function targetNameProblem(name: string): string | undefined {
  return TARGET_NAME.test(name) ? undefined : `${show(name)} is not a valid target name: ${TARGET_NAME_RULE}`;
}

const PATH_SEGMENT = /^[A-Za-z0-9_.@+-]+$/;

/**
 * The problem with a targets-file path, or undefined: a path relative to the workspace (GITHUB_WORKSPACE), with `/`
 * between segments of letters, digits, `_ . @ + -`; no absolute path, drive letter, backslash, empty, `.` or `..`
 * segment (a leading `./` is fine), so the file is always inside the checked-out repository.
 */
export function targetsPathProblem(value: string): string | undefined {
  const fix = 'give a path relative to the workspace, e.g. .github/apim-targets.yml';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || value.includes('\\')) {
    return `${show(value)} is not a relative path with / between folders; ${fix}`;
  }
  const segments = value.replace(/^\.\//, '').split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || !PATH_SEGMENT.test(s));
  if (bad === undefined) return undefined;
  const what = bad === '..' ? 'leaves the workspace (..)' : `has the segment ${show(bad)}`;
  return `${show(value)} ${what}; segments are letters, digits, _ . @ + - (no empty, . or .. segment): ${fix}`;
}

/** `targets`: {@link targetsPathProblem}; value without a leading `./`. */
export const targetsPath: Parser<string> = (text) => {
  const p = targetsPathProblem(text);
  return p === undefined ? ok(text.replace(/^\.\//, '')) : refuse(p);
};

/**
 * `target`: a comma/newline list of target names ({@link TARGET_NAME}), at most {@link MAX_TARGETS}. Value: the
 * distinct names in order. Whether each names a target of the file is checked with the file (src/targets/file.ts).
 */
export const targetNames: Parser<string[]> = (text) => {
  const names = parseList(text);
  if (names.length > MAX_TARGETS) {
    return refuse(`lists ${count(names.length)} names; the limit is ${MAX_TARGETS}: leave it empty to run them all`);
  }
  const problems = names.flatMap((n) => targetNameProblem(n) ?? []);
  return problems.length > 0 ? refuse(...problems) : ok(names);
};

/** A whole number from `min` to `max`; `what` names it for the fix (e.g. `targets at the same time`). */
export function wholeNumber(min: number, max: number, what: string): Parser<number> {
  return (text) =>
    /^[0-9]{1,6}$/.test(text) && Number(text) >= min && Number(text) <= max
      ? ok(Number(text))
      : refuse(`${show(text)} must be a whole number of ${what} from ${min} to ${max}`);
}

/** `max-parallel`: 1-{@link MAX_TARGETS} targets reconciled at the same time. */
export const maxParallel: Parser<number> = wholeNumber(1, MAX_TARGETS, 'targets at the same time');

/**
 * `arm-max-in-flight`: 1-500 ARM requests in flight per subscription (ARM throttles per principal and subscription:
 * Learn "Understand how Azure Resource Manager throttles requests").
 */
export const armMaxInFlight: Parser<number> = wholeNumber(1, 500, 'ARM requests in flight');
