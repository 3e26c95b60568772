/**
 * Checks that look at more than one value: several entries of one list (API IDs spelled twice), or two inputs of one
 * target (excluded paths against the smoke path). Pure; each returns messages, never throws. Problems (refusals) are
 * phrased like every input problem (`<what>; <fix>`), warnings start with the input's name.
 */
import type { InputProblem } from './check.js';
import { show } from './text.js';

/**
 * `mode: restore` restores a snapshot file: without input `snapshot` there is nothing to restore. Returns that one
 * problem (stage `required`, input `snapshot`), or `[]` for any other mode or when the path is given.
 */
export function restoreInputProblems(mode: string | undefined, snapshot: string | undefined): InputProblem[] {
  if (mode !== 'restore' || snapshot) return [];
  return [
    {
      input: 'snapshot',
      stage: 'required',
      text:
        'is required with mode: restore; give the snapshot file an apply step wrote (its output snapshot-path, ' +
        'e.g. after actions/download-artifact)'
    }
  ];
}

/**
 * Problems for `api-ids` entries that name one API in different letter case (`orders`, `ORDERS`): ARM compares API
 * IDs case-insensitively, so the API's policy would be planned twice. Refusing is safer than guessing which spelling
 * is meant. One problem per group of spellings, in the order the groups first appear; `[]` when none.
 * `ids` are the distinct entries (see `parseList`): exact repeats are not case variants.
 */
export function apiIdCaseProblems(ids: readonly string[]): string[] {
  const byLower = new Map<string, string[]>();
  for (const id of ids) {
    const key = id.toLowerCase();
    const spellings = byLower.get(key);
    if (spellings) spellings.push(id);
    else byLower.set(key, [id]);
  }
  return [...byLower.values()]
    .filter((spellings) => spellings.length > 1)
    .map(
      (spellings) =>
        `${spellings.map(show).join(', ')} name the same API (ARM compares API IDs case-insensitively); list it ` +
        'once, spelled as in its resource ID'
    );
}

/**
 * Warnings for list entries given more than once (exact repeats are harmless: each is used once, as `parseList`
 * always did, but worth a line in the log): `<input>: '<entry>' is listed <n> times; it is used once`, in the order
 * of first appearance. `entries` is the list as split (see `splitList`), repeats included.
 */
export function repeatedEntryWarnings(input: string, entries: readonly string[]): string[] {
  const times = new Map<string, number>();
  for (const e of entries) times.set(e, (times.get(e) ?? 0) + 1);
  return [...times]
    .filter(([, n]) => n > 1)
    .map(([e, n]) => `${input}: ${show(e)} is listed ${n} times; it is used once`);
}

/**
 * True when Easy Auth's excluded path `excluded` covers the Function-side `path`: equal, under it (`/x` covers
 * `/x/…`), or a trailing-`*` prefix match — case-insensitively. The same deliberately broad rule as the smoke
 * pre-check (src/smoke.ts `excludedPathConflict`): Learn does not document the exact matching rule.
 */
export function excludedPathCovers(excluded: string, path: string): boolean {
  const direct = path.split(/[?#]/)[0].toLowerCase().replace(/\/+$/, '') || '/';
  const ex = excluded.toLowerCase();
  if (ex.endsWith('*')) return direct.startsWith(ex.replace(/\*+$/, ''));
  const e = ex.replace(/\/+$/, '') || '/';
  return e === '/' || direct === e || direct.startsWith(`${e}/`);
}

/** The Functions host's default HTTP route prefix: a Function App's HTTP functions live under `/api/…`. */
const DEFAULT_ROUTE_PREFIX = '/api';

/**
 * Warnings (never errors) about `excluded-paths` entries that are valid but probably wrong:
 * - an entry that covers every path under `/api` (the Functions default route prefix: `/api`, `/api/*`, `/api*`,
 *   `/a*`, …) switches Easy Auth off for every HTTP function of a default Function App;
 * - an entry that covers `smokePath` as the Function sees it (`/api<smoke-path>` for the usual serviceUrl
 *   `https://<app>.azurewebsites.net/api`, or `<smoke-path>` for a serviceUrl without a path): the direct no-token
 *   smoke check would prove nothing there, and the run stops before any write once it knows the serviceUrl (C14).
 * Paths that cover the whole site (`/`, `/*`) are refused by {@link excludedPathProblem}, not warned about here.
 * Returns one message per finding, in input order; `[]` when `smokePath` is '' and no entry covers `/api`.
 */
export function excludedPathWarnings(excludedPaths: readonly string[], smokePath: string): string[] {
  const warnings: string[] = [];
  for (const p of excludedPaths) {
    const prefix = p.toLowerCase().replace(/\*+$/, '');
    const coversApi = p.endsWith('*')
      ? `${DEFAULT_ROUTE_PREFIX}/`.startsWith(prefix)
      : (p.toLowerCase().replace(/\/+$/, '') || '/') === DEFAULT_ROUTE_PREFIX;
    if (coversApi) {
      warnings.push(
        `excluded-paths: ${show(p)} covers every path under ${DEFAULT_ROUTE_PREFIX}/, where a Function App's HTTP ` +
          'functions live by default (route prefix "api"): Easy Auth lets anonymous requests reach all of them. ' +
          'List only the paths that must stay anonymous (e.g. /api/health).'
      );
      continue;
    }
    if (smokePath === '') continue;
    const viaApi = excludedPathCovers(p, `${DEFAULT_ROUTE_PREFIX}${smokePath}`);
    if (viaApi || excludedPathCovers(p, smokePath)) {
      const where = viaApi
        ? `${DEFAULT_ROUTE_PREFIX}${smokePath.split(/[?#]/)[0]} (the usual serviceUrl ends in ${DEFAULT_ROUTE_PREFIX})`
        : `${smokePath.split(/[?#]/)[0]} (a serviceUrl without a path)`;
      warnings.push(
        `excluded-paths: ${show(p)} covers smoke-path ${show(smokePath)}, which reaches ${where} on the Function: ` +
          'the direct no-token check would get 200 there and prove nothing, and the run stops before any write ' +
          'when it does. Choose a smoke-path outside the excluded paths.'
      );
    }
  }
  return warnings;
}
