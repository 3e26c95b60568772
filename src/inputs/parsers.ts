/**
 * Per-input parsers: `parse(text) → {value} | {problems}`, pure, one per kind of input. The text is the input's
 * trimmed, non-empty value (or its action.yml default), already clean of control characters and within its length
 * (src/inputs/text.ts `textProblem`); the value returned is exactly that text, or what it denotes (a number, a
 * boolean, a list). Problems are phrased as `<what is wrong>; <fix>`, without the input's name.
 */
import { CLOUD_NAMES, cloudNameOf } from '../azure/clouds.js';
import type { AllowedCallers, AuthType, CloudName, OnFailure, PrCommentMode, RunMode } from '../types.js';
import { apiIdCaseProblems, repeatedEntryWarnings } from './cross.js';
import {
  MAX_LIST_ENTRIES,
  MAX_NAME_LENGTH,
  MAX_VALUE_LENGTH,
  count,
  isGuid,
  parseBoolean,
  parseList,
  show,
  splitList
} from './text.js';
import {
  API_ID,
  APIM_SUBSCRIPTION,
  HEADER_VALUE,
  NAMING_RULES,
  RESOURCE_GROUP,
  audienceProblem,
  endpointProblem,
  excludedPathProblem,
  issuerProblem,
  nameSegmentProblem,
  smokePathProblem,
  tokenResourceProblem
} from './validators.js';

/**
 * What a parser gives: the value (with non-fatal warnings for the log, each starting with the input's name), or one
 * or more problems (a list input has one per bad entry). Never both.
 */
export type Parsed<T> =
  { readonly value: T; readonly warnings?: readonly string[] } | { readonly problems: readonly string[] };

/** A parser of one input's trimmed, non-empty text. */
export type Parser<T> = (text: string) => Parsed<T>;

/** True when `p` carries problems (no value). */
export function isRefused<T>(p: Parsed<T>): p is { readonly problems: readonly string[] } {
  return 'problems' in p;
}

/** `{ value }` (with `warnings` when there are some). */
export function ok<T>(value: T, warnings: readonly string[] = []): Parsed<T> {
  return warnings.length > 0 ? { value, warnings } : { value };
}

/** `{ problems }`. */
export function refuse(...problems: string[]): { readonly problems: readonly string[] } {
  return { problems };
}

/** A parser that accepts the text as is unless `problemOf` finds a problem with it. */
export function checkedBy(problemOf: (value: string) => string | undefined): Parser<string> {
  return (text) => {
    const p = problemOf(text);
    return p === undefined ? ok(text) : refuse(p);
  };
}

/** A GUID; `what` says which one, for the fix (e.g. `Entra tenant ID`). */
export function guid(what: string): Parser<string> {
  return checkedBy((v) =>
    isGuid(v) ? undefined : `${show(v)} is not a GUID; give the ${what} (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`
  );
}

/** An ARM resource name matching `pattern` (`rule` states it for the fix), that is also one clean path segment. */
export function armName(pattern: RegExp, rule: string): Parser<string> {
  return checkedBy((v) =>
    pattern.test(v) ? nameSegmentProblem(v) : `${show(v)} is not a valid name: ${rule} (${NAMING_RULES})`
  );
}

const RG_RULE = '1-90 letters, digits, underscores, parentheses, hyphens and periods, not ending with a period';

/** A resource group name (1-90 characters, not ending with a period), also one clean path segment. */
export const resourceGroup: Parser<string> = checkedBy((v) =>
  !RESOURCE_GROUP.test(v) || v.endsWith('.')
    ? `${show(v)} is not a valid resource group name: ${RG_RULE} (${NAMING_RULES})`
    : nameSegmentProblem(v)
);

/** One of `choices`, case-sensitive; otherwise `'<text>' <verb>; use one of <choices>`. */
export function oneOf<T extends string>(choices: readonly T[], verb: string): Parser<T> {
  return (text) =>
    (choices as readonly string[]).includes(text)
      ? ok(text as T)
      : refuse(`${show(text)} ${verb}; use one of ${choices.join(', ')}`);
}

/**
 * An Azure cloud name in any letter case, as azure/login accepts it (it lowercases the input): `azurecloud`,
 * `AzureUSGovernment`, `AZURECHINACLOUD`. Value: the canonical spelling of {@link CLOUD_NAMES}.
 */
export const environment: Parser<CloudName> = (text) => {
  const name = cloudNameOf(text);
  return name !== undefined
    ? ok(name)
    : refuse(`${show(text)} is not supported; use one of ${CLOUD_NAMES.join(', ')} (any letter case)`);
};
/**
 * `mode`: `apply`, `check`, `restore` (put back a snapshot: input `snapshot`), or `list` (the targets file's names as
 * the `matrix` output; no Azure request).
 */
export const mode: Parser<RunMode> = oneOf<RunMode>(['apply', 'check', 'restore', 'list'], 'is not allowed');

/** `on-failure`: `keep` (leave the change) or `restore` (put Easy Auth and the policies back), in lower case. */
export const onFailure: Parser<OnFailure> = oneOf<OnFailure>(['keep', 'restore'], 'is not allowed');

/**
 * `snapshot`: the path of a snapshot file (output `snapshot-path` of an earlier apply, e.g. after
 * actions/download-artifact). Any path the runner can read; the text (already free of control characters) is used as
 * is. A path that names a folder (ends with `/` or `\`) is refused.
 */
export const snapshotPath: Parser<string> = checkedBy((v) =>
  /[/\\]$/.test(v) ? `${show(v)} names a folder; give the snapshot file's path (a .json file)` : undefined
);

const AUTH_TYPES: readonly AuthType[] = ['oidc', 'azure-cli'];

/** `auth-type`: `oidc` or `azure-cli`, in any letter case; value in lower case. */
export const authType: Parser<AuthType> = (text) => {
  const v = text.toLowerCase();
  return (AUTH_TYPES as readonly string[]).includes(v)
    ? ok(v as AuthType)
    : refuse(`${show(text)} is not allowed; use one of ${AUTH_TYPES.join(', ')}`);
};
export const allowedCallers: Parser<AllowedCallers> = oneOf<AllowedCallers>(['apim-only', 'tenant'], 'is not allowed');

const PR_COMMENT_MODES: readonly PrCommentMode[] = ['always', 'on-change', 'never'];

/**
 * `pr-comment`: `always`, `on-change` or `never`, in any letter case; `true` (= always) and `false` (= never) stay
 * accepted, as the input was a boolean before. Value: the mode.
 */
export const prComment: Parser<PrCommentMode> = (text) => {
  const v = text.toLowerCase();
  if ((PR_COMMENT_MODES as readonly string[]).includes(v)) return ok(v as PrCommentMode);
  const b = parseBoolean(v);
  if (b !== undefined) return ok(b ? 'always' : 'never');
  return refuse(
    `${show(text)} is not allowed; use one of ${PR_COMMENT_MODES.join(', ')} (true or false also work: true = always, ` +
      'false = never)'
  );
};

/** `true` or `false`, in any letter case. */
export const boolean: Parser<boolean> = (text) => {
  const b = parseBoolean(text);
  return b === undefined ? refuse(`${show(text)} is not a boolean; use true or false`) : ok(b);
};

const apiId = armName(
  API_ID,
  'an API ID (the name in the API resource ID, not its display name or path) has 1-80 letters, digits and ' +
    'hyphens, starting with a letter and ending with a letter or digit'
);

/**
 * `api-ids`: a comma/newline list of at most {@link MAX_LIST_ENTRIES} distinct API IDs (1-80 letters, digits and
 * hyphens, optionally `;rev=<n>`; at most {@link MAX_NAME_LENGTH} characters), none two spellings of one API
 * ({@link apiIdCaseProblems}). Value: the distinct IDs in order; exact repeats are used once, with a warning. Over the
 * limit, the one problem says so and the entries are not checked.
 */
export const apiIds: Parser<string[]> = (text) => {
  const ids = parseList(text);
  if (ids.length === 0) return refuse('lists no API ID; give at least one');
  if (ids.length > MAX_LIST_ENTRIES) {
    return refuse(
      `lists ${count(ids.length)} API IDs; the limit is ${MAX_LIST_ENTRIES} per run (each API costs ARM reads and ` +
        'a policy write): split them across several steps or jobs (entries are checked once the list is within it)'
    );
  }
  const problems: string[] = [];
  for (const id of ids) {
    if (id.length > MAX_NAME_LENGTH) {
      problems.push(`${show(id)} is ${count(id.length)} characters long; an API ID has at most ${MAX_NAME_LENGTH}`);
    } else {
      const p = apiId(id);
      if (isRefused(p)) problems.push(...p.problems);
    }
  }
  problems.push(...apiIdCaseProblems(ids));
  return problems.length > 0 ? refuse(...problems) : ok(ids, repeatedEntryWarnings('api-ids', splitList(text)));
};

/**
 * `excluded-paths`: a comma/newline list of at most {@link MAX_LIST_ENTRIES} distinct paths, each at most
 * {@link MAX_VALUE_LENGTH} characters and passing {@link excludedPathProblem}. Value: the distinct paths in order
 * (`[]` for a text of separators only). Over the limit, the one problem says so and the entries are not checked.
 */
export const excludedPaths: Parser<string[]> = (text) => {
  const paths = parseList(text);
  if (paths.length > MAX_LIST_ENTRIES) {
    return refuse(
      `lists ${count(paths.length)} paths; the limit is ${MAX_LIST_ENTRIES} (exclusions are for a few ` +
        'anonymous endpoints such as /api/health): group paths under a wildcard such as /api/public/* ' +
        '(entries are checked once the list is within it)'
    );
  }
  const problems: string[] = [];
  for (const p of paths) {
    const text =
      p.length > MAX_VALUE_LENGTH
        ? `${show(p)} is ${count(p.length)} characters long; an excluded path has at most ${count(MAX_VALUE_LENGTH)}`
        : excludedPathProblem(p);
    if (text) problems.push(text);
  }
  return problems.length > 0 ? refuse(...problems) : ok(paths);
};

export const audience: Parser<string> = checkedBy(audienceProblem);
export const endpoint: Parser<string> = checkedBy(endpointProblem);
export const tokenResource: Parser<string> = checkedBy(tokenResourceProblem);
export const openIdIssuer: Parser<string> = checkedBy(issuerProblem);
export const smokePath: Parser<string> = checkedBy(smokePathProblem);

const SMOKE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** An HTTP method of {@link SMOKE_METHODS}, in any letter case; value in upper case. */
export const smokeMethod: Parser<string> = (text) =>
  SMOKE_METHODS.includes(text.toUpperCase())
    ? ok(text.toUpperCase())
    : refuse(`${show(text)} is not supported; use one of ${SMOKE_METHODS.join(', ')}`);

/** An exact status (`200`) or a class (`2xx`), 1xx-5xx; value in lower case. */
export const expectedStatus: Parser<string> = (text) =>
  /^[1-5](?:[0-9]{2}|xx)$/.test(text.toLowerCase())
    ? ok(text.toLowerCase())
    : refuse(`${show(text)} is not a status; use an exact status such as 200 or a class such as 2xx`);

/** Whole seconds from 0 to 3600; value a number. */
export const timeoutSeconds: Parser<number> = (text) =>
  /^[0-9]+$/.test(text) && Number(text) <= 3600
    ? ok(Number(text))
    : refuse(`${show(text)} must be a whole number of seconds from 0 to 3600`);

/**
 * A secret sent in an HTTP header (`Ocp-Apim-Subscription-Key`, `Authorization`): printable ASCII only, since
 * anything else fails only at the request. The problem never shows the value.
 */
export const secret: Parser<string> = (text) =>
  HEADER_VALUE.test(text)
    ? ok(text)
    : refuse(
        'contains a character outside printable ASCII (U+0020–U+007E) (value not shown: secret); it is sent in an ' +
          'HTTP header: copy the value again without invisible or non-ASCII characters'
      );

/** `github-token`: a {@link secret}; an unexpanded `${{ … }}` expression (a run by hand) means no token. */
export const githubToken: Parser<string | undefined> = (text) => {
  const p = secret(text);
  return isRefused(p) || !text.startsWith('${{') ? p : ok(undefined);
};

/** An APIM subscription ID (`sid`, e.g. `master`), also one clean path segment. */
export const subscriptionName: Parser<string> = checkedBy((v) =>
  APIM_SUBSCRIPTION.test(v)
    ? nameSegmentProblem(v)
    : `${show(v)} is not an APIM subscription ID (the name in its resource ID, e.g. master)`
);

/**
 * Longest label name GitHub accepts: 50 characters (REST "Create a label" answers 422 "name is too long (maximum is
 * 50 characters)").
 */
export const ISSUE_LABEL_MAX_LENGTH = 50;

/** Most labels `drift-issue-labels` may list (a handful is the use; GitHub allows up to 100 per issue). */
export const MAX_ISSUE_LABELS = 10;

/**
 * `drift-issue-labels`: a comma/newline list of at most {@link MAX_ISSUE_LABELS} label names, each at most
 * {@link ISSUE_LABEL_MAX_LENGTH} characters. Value: the distinct names in order (letter case ignored when comparing,
 * as GitHub does for label names); `[]` for a text of separators only.
 */
export const issueLabels: Parser<string[]> = (text) => {
  const labels: string[] = [];
  for (const l of parseList(text)) if (!labels.some((k) => k.toLowerCase() === l.toLowerCase())) labels.push(l);
  if (labels.length > MAX_ISSUE_LABELS) {
    return refuse(`lists ${count(labels.length)} labels; give at most ${MAX_ISSUE_LABELS}`);
  }
  const problems = labels
    .filter((l) => Array.from(l).length > ISSUE_LABEL_MAX_LENGTH)
    .map((l) => `${show(l)} is longer than ${ISSUE_LABEL_MAX_LENGTH} characters, GitHub's limit for a label name`);
  return problems.length > 0 ? refuse(...problems) : ok(labels);
};
