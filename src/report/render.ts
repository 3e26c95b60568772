/**
 * Renders a RunReport for humans: the job summary (GitHub-flavoured markdown), the sticky PR comment, the hidden
 * marker that identifies a target's comment, and plain text for terminals. Pure: no @actions/*, no network, no fs.
 *
 * It shows only fields it names below; write bodies (`ResourcePlan.write`) are never rendered, and values under
 * secret-looking keys are masked, so nothing secret-looking can leak even if a caller put it there by mistake.
 *
 * The pieces: ./derive.ts (what every rendering derives: verdict, values, masking, applied split), ./chain.ts (the
 * auth chain, as a Mermaid diagram or one line), ./sections.ts (the markdown sections), ./text.ts (plain text),
 * ./markdown.ts (escaping and budgets).
 */
import type { RunReport } from '../types.js';
import { TOOL } from './derive.js';
import { fitBlocks, utf8Bytes } from './markdown.js';
import { reportBlocks } from './sections.js';

export { renderText } from './text.js';

/**
 * Default summary budget, in UTF-8 bytes. GitHub rejects a step summary above 1 MiB ("$GITHUB_STEP_SUMMARY upload
 * aborted, supports content up to a size of 1024k"; docs.github.com, "Adding a job summary"); we keep a margin for
 * whatever else the step appends.
 */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 48 * 1024;

/**
 * Longest snapshot JSON the job summary shows collapsed, in characters: a snapshot holds Easy Auth and each policy
 * (typically a few KiB); a larger one stays in its file (output `snapshot-path`) so the summary keeps its budget.
 */
export const SNAPSHOT_JSON_MAX = 200_000;

/**
 * Default comment budget, in UTF-16 code units (`string.length`, never fewer than GitHub's character count).
 * GitHub answers 422 "Body is too long (maximum is 65536 characters)" above 65,536 (REST "Create an issue comment").
 */
export const COMMENT_MAX_CHARS = 65_536 - 536;

/**
 * Renders the job summary: GitHub-flavoured markdown with the verdict on top (a failure's heading says `❌ failed`
 * and its error is quoted once right below; no section repeats it), the target, the plan table
 * (resource, field, before → after, action add/update/none; marked not applied when the run stopped before any
 * write), per-resource notes, facts (effective audiences,
 * excluded paths, issuer, APIM principal/client IDs), the smoke table (attempts, time in seconds, layer,
 * diagnosis), a Mermaid `flowchart LR` of client → APIM → Function with each link marked proven/failed by the smoke
 * checks, or else as the reads and writes showed it: configured (read in sync, or written and read back), not
 * configured (a change not applied), unknown, not read (no plan)
 * (APIM → Function is proven only when the gateway check AND the direct no-token check passed; a gateway success
 * with the no-token check failing is "not proven (Function accepts requests without a token)"),
 * warnings, the applied/not-applied split, and the duration (s).
 *
 * `opts.maxBytes` (UTF-8 bytes, default `SUMMARY_MAX_BYTES`): the output never exceeds it; tables and lists are cut
 * with a row "… N more rows not shown" rather than mid-structure. Throws nothing for any RunReport.
 * Limit source: GitHub Docs, "Workflow commands for GitHub Actions → Adding a job summary" (1 MiB per step).
 */
export function renderSummary(report: RunReport, opts?: { maxBytes?: number }): string {
  const style = { valueMax: 200, heading: '####', mermaid: true, snapshotJsonMax: SNAPSHOT_JSON_MAX };
  const blocks = reportBlocks(report, style, '', 4000);
  return fitBlocks(blocks, opts?.maxBytes ?? SUMMARY_MAX_BYTES, utf8Bytes).text;
}

/**
 * Renders the sticky PR comment: `marker` (from `commentMarker`) on the first line, then the same content as the
 * summary in a compact form (shorter values, the chain as one line instead of a diagram). The result is at most
 * `opts.maxChars` (default `COMMENT_MAX_CHARS`, below GitHub's 65,536-character limit on comment bodies, REST
 * "Create an issue comment" → 422 "Body is too long"); tables are cut with "… N more rows not shown".
 * Throws nothing for any RunReport.
 */
export function renderComment(report: RunReport, marker: string, opts?: { maxChars?: number }): string {
  const blocks = reportBlocks(report, { valueMax: 80, heading: '####', mermaid: false }, `${marker}\n`, 1000);
  return fitBlocks(blocks, opts?.maxChars ?? COMMENT_MAX_CHARS, (s) => s.length).text;
}

/**
 * What identifies a run configuration — the sticky comment's (and #14's drift issue's) key. A run over a targets
 * file: the file and the `target` filter. A one-target run: the target, by the names the report shows (`apim`,
 * `functionApp`, `apis`) and, when known, its subscription, resource groups and slot (so two legs with the same
 * names in different subscriptions keep their own comment).
 */
export type RunConfig =
  | { targetsFile: string; filter?: readonly string[] }
  | {
      apim: string;
      functionApp: string;
      apis: readonly string[];
      subscriptionId?: string;
      apimResourceGroup?: string;
      functionAppResourceGroup?: string;
      slot?: string;
    };

/**
 * The hidden HTML comment that identifies a run configuration's sticky comment (and drift issue), first line of the
 * body. The forms:
 * - a targets file: `<!-- apim-function-auth: targets=<path> target=<names, sorted, lower case, joined with ,> -->`
 *   (`target=*` without a filter), so each matrix leg (one `target`) and the whole-file run keep their own comment;
 * - one target with its subscription: `<!-- apim-function-auth: subscription=<id> apim=<rg>/<name>
 *   function-app=<rg>/<name>[/slots/<slot>] apis=<ids> -->` (one line; ARM names and API IDs lower case, as ARM
 *   compares them case-insensitively; APIs sorted, joined with `,`);
 * - one target known by names only (older callers, tests): `<!-- apim-function-auth: <apim>/<functionApp>/<apis> -->`.
 * Characters that could end or confuse an HTML comment (`<`, `>`, `!`, whitespace, `--`) are replaced; each part is
 * at most 200 characters. Deterministic for a given configuration.
 */
export function runConfigMarker(config: RunConfig): string {
  const clean = (s: string): string =>
    s
      .replace(/[<>!\s]/g, '_')
      .replace(/-{2,}/g, '-')
      .slice(0, 200);
  if ('targetsFile' in config) {
    const names = [...new Set((config.filter ?? []).map((n) => clean(n.toLowerCase())))].sort();
    return `<!-- ${TOOL}: targets=${clean(config.targetsFile)} target=${names.length ? names.join(',') : '*'} -->`;
  }
  const apis = [...config.apis].map(clean);
  if (config.subscriptionId === undefined) {
    return `<!-- ${TOOL}: ${clean(config.apim)}/${clean(config.functionApp)}/${apis.sort().join(',')} -->`;
  }
  const low = (s: string | undefined): string => clean((s ?? '?').toLowerCase());
  const slot = config.slot ? `/slots/${low(config.slot)}` : '';
  return (
    `<!-- ${TOOL}: subscription=${low(config.subscriptionId)} apim=${low(config.apimResourceGroup)}/${low(config.apim)} ` +
    `function-app=${low(config.functionAppResourceGroup)}/${low(config.functionApp)}${slot} ` +
    `apis=${[...new Set(apis.map((a) => a.toLowerCase()))].sort().join(',')} -->`
  );
}

/** The marker of a one-target report by names only: {@link runConfigMarker} of `target` (kept for its callers). */
export const commentMarker = (target: RunReport['target']): string => runConfigMarker(target);
