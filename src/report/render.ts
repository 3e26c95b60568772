/**
 * Renders a RunReport for humans: the job summary (GitHub-flavoured markdown), the sticky PR comment, the hidden
 * marker that identifies a target's comment, and plain text for terminals. Pure: no @actions/*, no network, no fs.
 *
 * It shows only fields it names below; write bodies (`ResourcePlan.write`) are never rendered, and values under
 * secret-looking keys are masked, so nothing secret-looking can leak even if a caller put it there by mistake.
 */
import type { FieldChange, ResourcePlan, RunReport, SmokeCheckResult, SmokeCheckName } from '../types.js';
import { type Block, code, escapeText, fitBlocks, oneLine, shorten, utf8Bytes } from './markdown.js';

/**
 * Default summary budget, in UTF-8 bytes. GitHub rejects a step summary above 1 MiB ("$GITHUB_STEP_SUMMARY upload
 * aborted, supports content up to a size of 1024k"; docs.github.com, "Adding a job summary"); we keep a margin for
 * whatever else the step appends.
 */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 48 * 1024;

/**
 * Default comment budget, in UTF-16 code units (`string.length`, never fewer than GitHub's character count).
 * GitHub answers 422 "Body is too long (maximum is 65536 characters)" above 65,536 (REST "Create an issue comment").
 */
export const COMMENT_MAX_CHARS = 65_536 - 536;

const TOOL = 'apim-function-auth';

/** Keys (last path segment) whose values are never shown. `clientSecretSettingName` is a name and stays visible. */
const SECRET_KEY = /(secret|password|passwd|pwd|token|primarykey|secondarykey|subscriptionkey|connectionstring)$/i;
const MASK = '***';

// ---------------------------------------------------------------------------------------------------------------
// Shared derivations

type Action = 'add' | 'update' | 'none';

function totalChanges(report: RunReport): number {
  return (report.plan?.resources ?? []).reduce((n, r) => n + r.changes.length, 0);
}

function appliedChanges(report: RunReport): number {
  const resources = report.plan?.resources ?? [];
  const ok = new Set(
    report.applied.filter((a) => (a.state ?? (a.ok ? 'verified' : '')) === 'verified').map((a) => a.label)
  );
  if (ok.size === 0) return totalChanges(report);
  return resources.filter((r) => ok.has(r.label)).reduce((n, r) => n + r.changes.length, 0);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The verdict line without markup, e.g. `⚠️ drift found (3 changes needed)`. */
function verdictText(report: RunReport, maxError = 200): string {
  switch (report.verdict) {
    case 'in-sync':
      return '✅ in sync';
    case 'drift':
      return `⚠️ drift found (${plural(totalChanges(report), 'change')} needed)`;
    case 'applied':
      return `🔧 applied ${plural(appliedChanges(report), 'change')}`;
    case 'failed':
      return `❌ failed: ${shorten(firstLine(report.error ?? 'unknown error'), maxError)}`;
  }
}

function firstLine(text: string): string {
  return text.trim().split(/\r\n|[\r\n]/)[0] ?? '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy with values under secret-looking keys replaced by `***`. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : redact(v);
    return out;
  }
  return value;
}

function pathIsSecret(path: string): boolean {
  const last = path.split('.').pop() ?? path;
  return SECRET_KEY.test(last.replace(/\[.*\]$/, ''));
}

/** A value as plain text (no markup): strings as-is, absent as `(absent)`, the rest as JSON. */
function valueText(v: unknown, secret: boolean): string {
  if (v === undefined) return '(absent)';
  if (secret) return MASK;
  if (typeof v === 'string') return v;
  return JSON.stringify(redact(v)) ?? String(v);
}

function valueMd(v: unknown, secret: boolean, max: number): string {
  if (v === undefined) return '_absent_';
  return code(valueText(v, secret), max);
}

function actionOf(c: FieldChange): Action {
  if (c.before === undefined || c.before === null) return 'add';
  if (Array.isArray(c.before) && Array.isArray(c.after)) {
    const after = c.after.map((x) => JSON.stringify(x));
    const grows = c.after.length > c.before.length && c.before.every((x) => after.includes(JSON.stringify(x)));
    if (c.before.length === 0 || grows) return 'add';
  }
  return 'update';
}

/** Seconds as a plain number with unit, e.g. `180 s`, `0.4 s` (what the smoke table and lines show). */
function secs(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A duration for people, e.g. `41 s`, `3 min 16 s`. */
function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const CHECK_LABEL: Record<SmokeCheckName, string> = {
  gateway: 'gateway (client → APIM → Function)',
  'direct-no-token': 'direct, no token',
  'direct-foreign-token': 'direct, foreign token'
};

function checkLabel(name: SmokeCheckName): string {
  return CHECK_LABEL[name] ?? String(name);
}

/**
 * What apply did to each resource, from the write states alone (RunReport.applied[].state): `changed` (written and
 * read back as intended), `unverified` (written; the read-back failed or differed), `unknown` (the write may or may
 * not have happened), `notChanged` (refused, not attempted, or already in sync). Resources with changes that
 * `applied` never mentions count as not changed. An item without a state (older callers) counts by `ok`.
 */
function appliedSplit(report: RunReport): {
  changed: string[];
  unverified: string[];
  unknown: string[];
  notChanged: { label: string; detail?: string }[];
} {
  const stateOf = (a: RunReport['applied'][number]) => a.state ?? (a.ok ? 'verified' : 'not-written');
  const labels = (st: string) => report.applied.filter((a) => stateOf(a) === st).map((a) => a.label);
  const notChanged: { label: string; detail?: string }[] = report.applied
    .filter((a) => !['verified', 'written-unverified', 'unknown'].includes(stateOf(a)))
    .map((a) => ({ label: a.label, detail: a.detail }));
  if (report.mode === 'apply') {
    const mentioned = new Set(report.applied.map((a) => a.label));
    for (const r of report.plan?.resources ?? []) {
      if (r.changes.length > 0 && !mentioned.has(r.label)) {
        notChanged.push({ label: r.label, detail: r.error ?? 'not attempted' });
      }
    }
  }
  return {
    changed: labels('verified'),
    unverified: labels('written-unverified'),
    unknown: labels('unknown'),
    notChanged
  };
}

function allWarnings(report: RunReport): string[] {
  return [...new Set([...(report.plan?.warnings ?? []), ...report.warnings])];
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown sections

interface Style {
  /** Max code points of a value in the plan table. */
  valueMax: number;
  heading: string;
  mermaid: boolean;
}

function targetLine(report: RunReport): string {
  const t = report.target;
  const apis = t.apis.length > 0 ? t.apis.map((a) => code(a, 80, false)).join(', ') : '_none_';
  return (
    `**Target:** APIM ${code(t.apim, 80, false)} · ${t.apis.length === 1 ? 'API' : 'APIs'} ${apis}` +
    ` · Function App ${code(t.functionApp, 80, false)} · mode \`${report.mode}\``
  );
}

function planBlocks(report: RunReport, style: Style): Block[] {
  const plan = report.plan;
  if (!plan) return [{ kind: 'text', text: `${style.heading} Plan\n\n_No plan was built._` }];
  const rows: string[][] = [];
  for (const r of plan.resources) {
    const label = escapeText(r.label, 100);
    if (r.changes.length === 0) {
      rows.push([label, '—', r.error ? `not reconciled: ${escapeText(r.error, 200)}` : 'in sync', 'none']);
      continue;
    }
    for (const c of r.changes) {
      const secret = pathIsSecret(c.path);
      const ba = `${valueMd(c.before, secret, style.valueMax)} → ${valueMd(c.after, secret, style.valueMax)}`;
      rows.push([label, code(c.path, 120), ba, actionOf(c)]);
    }
  }
  return [
    { kind: 'text', text: `${style.heading} Plan` },
    { kind: 'table', header: ['Resource', 'Field', 'Before → After', 'Action'], rows }
  ];
}

function resourceItem(r: ResourcePlan): string {
  const parts: string[] = [];
  if (r.error) parts.push(`❌ not reconciled: ${escapeText(r.error, 400)}`);
  if (r.changes.length === 0 && !r.error) parts.push('in sync');
  if (r.changes.length > 0) {
    const paths = [...new Set(r.changes.map((c) => c.path))];
    const shown = paths.slice(0, 20).map((p) => code(p, 80, false));
    const more = paths.length > 20 ? ` and ${paths.length - 20} more` : '';
    parts.push(`${plural(r.changes.length, 'change')}: ${shown.join(', ')}${more}`);
  }
  if (r.deferredUntil) parts.push(`written after ${escapeText(r.deferredUntil)}`);
  for (const n of r.notes) parts.push(escapeText(n, 300));
  return `**${escapeText(r.label, 100)}** (${code(r.resourceId, 200, false)}): ${parts.join('; ')}`;
}

function resourceBlocks(report: RunReport, style: Style): Block[] {
  const resources = report.plan?.resources ?? [];
  if (resources.length === 0) return [];
  return [
    { kind: 'text', text: `${style.heading} Resources` },
    { kind: 'list', items: resources.map(resourceItem), noun: 'resources' }
  ];
}

function factItems(report: RunReport): string[] {
  const f = report.plan?.facts;
  if (!f) return [];
  const list = (xs: string[]): string => (xs.length ? xs.map((x) => code(x, 200, false)).join(', ') : '_none_');
  const one = (x: string | undefined, none = '_not known_'): string => (x ? code(x, 200, false) : none);
  const items = [
    `Effective audiences (Easy Auth accepts): ${list(f.effectiveAudiences)}`,
    `Excluded paths (no auth): ${list(f.excludedPaths)}`,
    `Issuer: ${one(f.openIdIssuer)}`,
    `Token resource (policy \`resource\`): ${one(f.tokenResource)}`,
    `Function app registration client ID: ${one(f.appClientId)}`,
    `APIM managed identity principal (object) ID: ${one(f.apimPrincipalId)}`,
    `APIM managed identity client (app) ID: ${one(f.apimIdentityClientId, '_not resolved_')}`
  ];
  if (f.gatewayUrl) items.push(`Gateway: ${code(f.gatewayUrl, 200, false)}`);
  if (f.defaultHostName) items.push(`Function host: ${code(f.defaultHostName, 200, false)}`);
  return items;
}

function factBlocks(report: RunReport, style: Style): Block[] {
  const items = factItems(report);
  if (items.length === 0) return [];
  return [
    { kind: 'text', text: `${style.heading} Facts` },
    { kind: 'list', items, noun: 'facts' }
  ];
}

function smokeBlocks(report: RunReport, style: Style): Block[] {
  const smoke = report.smoke;
  const blocks: Block[] = [];
  if (!smoke) {
    return [{ kind: 'text', text: `${style.heading} Smoke checks\n\nNot run.` }];
  }
  if (smoke.result === 'skipped' || smoke.checks.length === 0) {
    blocks.push({ kind: 'text', text: `${style.heading} Smoke checks\n\n⏭️ skipped` });
  } else {
    const icon = smoke.result === 'passed' ? '✅' : '❌';
    blocks.push({ kind: 'text', text: `${style.heading} Smoke checks\n\n${icon} ${smoke.result}` });
    const rows = smoke.checks.map((c) => [
      `${c.passed ? '✓' : '✗'} ${escapeText(checkLabel(c.name), 60)}${c.api ? ` · API ${code(c.api, 60)}` : ''}`,
      escapeText(c.expected, 60),
      escapeText(c.got, 80),
      String(c.attempts),
      secs(c.seconds),
      c.layer ? escapeText(c.layer, 30) : '—',
      c.diagnosis ? escapeText(c.diagnosis, 300) : '—'
    ]);
    blocks.push({
      kind: 'table',
      header: ['Check', 'Expected', 'Got', 'Attempts', 'Seconds', 'Layer', 'Diagnosis'],
      rows,
      noun: 'checks'
    });
  }
  if (smoke.notes.length > 0) {
    blocks.push({ kind: 'list', items: smoke.notes.map((n) => escapeText(n, 300)), noun: 'notes' });
  }
  return blocks;
}

/**
 * `unproven`: the gateway succeeded but the direct no-token check did not pass, so the success does not show that
 * APIM's token was needed (the Function may accept requests without one).
 */
type LinkState = 'proven' | 'failed' | 'configured' | 'unproven';

function linkLabel(state: LinkState, what: string, detail?: string): string {
  const d = detail ? ` (${detail})` : '';
  if (state === 'proven') return `✓ ${what}: proven by smoke${d}`;
  if (state === 'failed') return `✗ ${what}: failed${d}`;
  if (state === 'unproven') return `· ${what}: not proven${d}`;
  return `· ${what}: configured, not proven`;
}

/** Mermaid-safe text: letters, digits and a few punctuation marks only (no quotes, brackets, pipes, or HTML). */
function mm(text: string, max = 40): string {
  return shorten(oneLine(text), max).replace(/[^\p{L}\p{N} ._\-/:→✓✗·(),]/gu, ' ');
}

/** Several checks of one kind (one per API) count as one link: passed only if all passed; the first failure speaks. */
interface LinkGroup {
  name: SmokeCheckName;
  passed: boolean;
  /** The first failed check, else the first check. */
  rep: SmokeCheckResult;
  count: number;
}

interface Chain {
  clientToApim: LinkState;
  apimToFunc: LinkState;
  /** Why APIM → Function is `unproven`. */
  apimToFuncNote?: string;
  gateway?: LinkGroup;
  direct: LinkGroup[];
}

function group(checks: SmokeCheckResult[], name: SmokeCheckName): LinkGroup | undefined {
  const of = checks.filter((c) => c.name === name);
  if (of.length === 0) return undefined;
  const failed = of.find((c) => !c.passed);
  return { name, passed: !failed, rep: failed ?? of[0], count: of.length };
}

function chainOf(report: RunReport): Chain {
  const checks = report.smoke && report.smoke.result !== 'skipped' ? report.smoke.checks : [];
  const gateway = group(checks, 'gateway');
  const direct = (['direct-no-token', 'direct-foreign-token'] as const)
    .map((n) => group(checks, n))
    .filter((g): g is LinkGroup => g !== undefined);
  let clientToApim: LinkState = 'configured';
  let apimToFunc: LinkState = 'configured';
  let apimToFuncNote: string | undefined;
  if (gateway?.passed) {
    clientToApim = 'proven';
    // A gateway 2xx proves APIM's token only when the Function also refused a request without one.
    const noToken = direct.find((g) => g.name === 'direct-no-token');
    if (noToken?.passed) apimToFunc = 'proven';
    else {
      apimToFunc = 'unproven';
      apimToFuncNote = /^2\d\d\b/.test(noToken?.rep.got ?? '')
        ? 'Function accepts requests without a token'
        : noToken
          ? `direct no-token check got ${noToken.rep.got}`
          : 'direct no-token check not run';
    }
  } else if (gateway) {
    if (gateway.rep.layer === 'apim') clientToApim = 'failed';
    else {
      // Another layer answered, so the call got through APIM.
      if (gateway.rep.layer) clientToApim = 'proven';
      apimToFunc = 'failed';
    }
  }
  return { clientToApim, apimToFunc, apimToFuncNote, gateway, direct };
}

function groupDetail(g: LinkGroup, prefix = ''): string {
  const api = !g.passed && g.rep.api ? ` API ${g.rep.api}` : '';
  const n = g.count > 1 ? `, ${g.count} checks` : '';
  return mm(`${prefix}${g.rep.got}${api}`) + n;
}

function mermaid(report: RunReport): string {
  const ch = chainOf(report);
  const gw = ch.gateway ? groupDetail(ch.gateway, 'gateway ') : undefined;
  const lines = [
    '```mermaid',
    'flowchart LR',
    `  client["Client"] -->|"${linkLabel(ch.clientToApim, 'subscription key', gw)}"| apim["APIM ${mm(report.target.apim)}<br/>managed identity"]`,
    `  apim -->|"${linkLabel(ch.apimToFunc, 'MI token', ch.apimToFunc === 'unproven' ? mm(ch.apimToFuncNote ?? '', 60) : gw)}"| func["Function ${mm(report.target.functionApp)}<br/>Easy Auth"]`
  ];
  if (ch.direct.length === 0) {
    lines.push(`  direct["Direct caller"] -.->|"${linkLabel('configured', 'rejected')}"| func`);
  } else {
    ch.direct.forEach((g, i) => {
      const what = g.name === 'direct-no-token' ? 'no token rejected' : 'foreign token rejected';
      const who = g.name === 'direct-no-token' ? 'Caller without token' : 'Caller with foreign token';
      const state: LinkState = g.passed ? 'proven' : 'failed';
      lines.push(`  direct${i}["${who}"] -.->|"${linkLabel(state, what, groupDetail(g))}"| func`);
    });
  }
  lines.push('```');
  return lines.join('\n');
}

/** One-line rendering of the chain, used by the compact comment and the text output. */
function chainLine(report: RunReport): string {
  const ch = chainOf(report);
  const mark = (s: LinkState): string => (s === 'proven' ? '✓' : s === 'failed' ? '✗' : '·');
  const direct = ch.direct.map((g) => `${checkLabel(g.name)} rejected ${g.passed ? '✓' : '✗'}`);
  const tail = direct.length ? `; ${direct.join('; ')}` : '';
  const note = ch.apimToFunc === 'unproven' ? ` (MI token not proven: ${ch.apimToFuncNote})` : '';
  return `client ─${mark(ch.clientToApim)}→ APIM (managed identity) ─${mark(ch.apimToFunc)}→ Function (Easy Auth)${note}${tail}  (✓ proven by smoke, ✗ failed, · configured, not proven)`;
}

function chainBlocks(report: RunReport, style: Style): Block[] {
  const body = style.mermaid ? mermaid(report) : escapeText(chainLine(report), 400);
  return [{ kind: 'text', text: `${style.heading} Chain\n\n${body}` }];
}

function warningBlocks(report: RunReport, style: Style): Block[] {
  const w = allWarnings(report);
  if (w.length === 0) return [];
  return [
    { kind: 'text', text: `${style.heading} Warnings` },
    { kind: 'list', items: w.map((x) => `⚠️ ${escapeText(x, 500)}`), noun: 'warnings' }
  ];
}

function appliedBlocks(report: RunReport, style: Style): Block[] {
  if (report.mode !== 'apply' || (report.applied.length === 0 && report.verdict !== 'failed')) return [];
  const { changed, unverified, unknown, notChanged } = appliedSplit(report);
  if (changed.length + unverified.length + unknown.length + notChanged.length === 0) return [];
  const names = (xs: string[]): string => (xs.length ? xs.map((x) => escapeText(x, 100)).join(', ') : '_nothing_');
  const line = [
    `**changed:** ${names(changed)}`,
    ...(unverified.length ? [`**written, not verified:** ${names(unverified)}`] : []),
    ...(unknown.length ? [`**outcome unknown (check it):** ${names(unknown)}`] : []),
    `**not changed:** ${names(notChanged.map((n) => n.label))}`
  ].join('; ');
  const blocks: Block[] = [{ kind: 'text', text: `${style.heading} Applied\n\n${line}` }];
  const written = report.applied.filter((a) => a.state === 'written-unverified' || a.state === 'unknown');
  const details = [...written, ...notChanged]
    .filter((n) => n.detail)
    .map((n) => `${escapeText(n.label, 100)}: ${escapeText(n.detail ?? '', 300)}`);
  if (details.length) blocks.push({ kind: 'list', items: details, noun: 'resources' });
  return blocks;
}

/** The whole error, line by line, in a blockquote, when the verdict line could not hold all of it. */
function errorBlocks(report: RunReport, max: number, headMax: number): Block[] {
  if (report.verdict !== 'failed' || !report.error) return [];
  const err = report.error.trim();
  if (firstLine(err) === err && Array.from(err).length <= headMax) return [];
  const lines = shorten(err, max)
    .split(/\r\n|[\r\n]/)
    .filter((l) => l.trim() !== '')
    .map((l) => `> ${escapeText(l, max)}`);
  return [{ kind: 'text', text: lines.join('\n>\n') }];
}

function footer(report: RunReport): Block {
  return { kind: 'text', text: `<sub>${TOOL} · ${report.mode} · ${seconds(report.durationSeconds)}</sub>` };
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

/**
 * Renders the job summary: GitHub-flavoured markdown with the verdict on top, the target, the plan table
 * (resource, field, before → after, action add/update/none), per-resource notes, facts (effective audiences,
 * excluded paths, issuer, APIM principal/client IDs), the smoke table (attempts, time in seconds, layer,
 * diagnosis), a Mermaid `flowchart LR` of client → APIM → Function with each link marked proven/failed/configured
 * (APIM → Function is proven only when the gateway check AND the direct no-token check passed; a gateway success
 * with the no-token check failing is "not proven (Function accepts requests without a token)"),
 * warnings, the applied/not-applied split, and the duration (s).
 *
 * `opts.maxBytes` (UTF-8 bytes, default `SUMMARY_MAX_BYTES`): the output never exceeds it; tables and lists are cut
 * with a row "… N more rows not shown" rather than mid-structure. Throws nothing for any RunReport.
 * Limit source: GitHub Docs, "Workflow commands for GitHub Actions → Adding a job summary" (1 MiB per step).
 */
export function renderSummary(report: RunReport, opts?: { maxBytes?: number }): string {
  const blocks = reportBlocks(report, { valueMax: 200, heading: '####', mermaid: true }, '', 4000);
  return fitBlocks(blocks, opts?.maxBytes ?? SUMMARY_MAX_BYTES, utf8Bytes).text;
}

/** The sections shared by the summary and the comment, in order; `prefix` goes before the verdict line. */
function reportBlocks(report: RunReport, style: Style, prefix: string, errorMax: number): Block[] {
  return [
    { kind: 'text', text: `${prefix}### ${TOOL} — ${escapeText(verdictText(report), 300)}\n\n${targetLine(report)}` },
    ...errorBlocks(report, errorMax, 200),
    ...planBlocks(report, style),
    ...appliedBlocks(report, style),
    ...smokeBlocks(report, style),
    ...warningBlocks(report, style),
    ...chainBlocks(report, style),
    ...resourceBlocks(report, style),
    ...factBlocks(report, style),
    footer(report)
  ];
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
 * The hidden HTML comment that identifies one target's sticky comment, e.g.
 * `<!-- apim-function-auth: apim-x/func-x/orders -->` (APIs sorted, joined with `,`), so matrix jobs over several
 * targets each keep their own comment. Characters that could end or confuse an HTML comment (`<`, `>`, `!`,
 * whitespace, `--`) are replaced; the result is deterministic for a given target.
 */
export function commentMarker(target: RunReport['target']): string {
  const clean = (s: string): string =>
    s
      .replace(/[<>!\s]/g, '_')
      .replace(/-{2,}/g, '-')
      .slice(0, 200);
  const apis = [...target.apis].map(clean).sort().join(',');
  return `<!-- ${TOOL}: ${clean(target.apim)}/${clean(target.functionApp)}/${apis} -->`;
}

/**
 * Plain text for terminals (the demo script): verdict, target, one line per plan change (`before → after`) or
 * in-sync resource with its notes, one line per smoke check (e.g. `gateway: expected 2xx, got 200 after 4 attempts
 * / 180 s`), the chain, warnings, the applied split, and the duration. No colours, no markdown; never truncated
 * except for long single values (shortened with `…`).
 */
export function renderText(report: RunReport): string {
  const t = (s: string, max = 200): string => oneLine(shorten(s, max));
  const out: string[] = [];
  out.push(`${TOOL}: ${verdictText(report, 2000)}`);
  const err = report.verdict === 'failed' ? (report.error ?? '').trim() : '';
  if (err !== firstLine(err)) {
    for (const line of shorten(err, 4000)
      .split(/\r\n|[\r\n]/)
      .slice(1))
      out.push(`  ${line}`);
  }
  out.push(
    `target: APIM ${t(report.target.apim)}, APIs ${report.target.apis.map((a) => t(a)).join(', ') || '(none)'}, ` +
      `Function App ${t(report.target.functionApp)} (mode ${report.mode})`
  );
  const plan = report.plan;
  if (plan) {
    out.push('plan:');
    for (const r of plan.resources) {
      if (r.error) out.push(`  ${t(r.label)}: not reconciled: ${t(r.error, 400)}`);
      else if (r.changes.length === 0) out.push(`  ${t(r.label)}: in sync`);
      for (const c of r.changes) {
        const secret = pathIsSecret(c.path);
        const b = t(valueText(c.before, secret), 120);
        const a = t(valueText(c.after, secret), 120);
        out.push(`  ${t(r.label)}: ${t(c.path)}: ${b} → ${a} (${actionOf(c)})`);
      }
      for (const n of r.notes) out.push(`    - ${t(n, 300)}`);
    }
    const f = plan.facts;
    out.push(
      `facts: audiences [${f.effectiveAudiences.map((x) => t(x)).join(', ')}]; excluded paths [${f.excludedPaths.map((x) => t(x)).join(', ')}]`
    );
    if (f.apimPrincipalId)
      out.push(`  APIM principal ID ${t(f.apimPrincipalId)}; client ID ${t(f.apimIdentityClientId ?? 'not resolved')}`);
  } else {
    out.push('plan: none');
  }
  if (report.mode === 'apply' && (report.applied.length > 0 || report.verdict === 'failed')) {
    const { changed, unverified, unknown, notChanged } = appliedSplit(report);
    const nc = notChanged.map((n) => (n.detail ? `${t(n.label)} (${t(n.detail, 200)})` : t(n.label)));
    const list = (xs: string[]) => xs.map((c) => t(c)).join(', ');
    out.push(
      [
        `applied: changed: ${list(changed) || 'nothing'}`,
        ...(unverified.length ? [`written, not verified: ${list(unverified)}`] : []),
        ...(unknown.length ? [`outcome unknown (check it): ${list(unknown)}`] : []),
        `not changed: ${nc.join(', ') || 'nothing'}`
      ].join('; ')
    );
  }
  const smoke = report.smoke;
  if (!smoke) out.push('smoke: not run');
  else {
    out.push(`smoke: ${smoke.result}`);
    for (const c of smoke.checks) {
      const diag = c.diagnosis ? ` — ${t(c.diagnosis, 300)}` : '';
      const layer = c.layer ? ` [${t(c.layer)}]` : '';
      out.push(
        `  ${c.passed ? '✓' : '✗'} ${c.name}${c.api ? ` (API ${t(c.api)})` : ''}: expected ${t(c.expected)}, got ${t(c.got)} after ${plural(c.attempts, 'attempt')} / ${secs(c.seconds)}${layer}${diag}`
      );
    }
    for (const n of smoke.notes) out.push(`  - ${t(n, 300)}`);
  }
  out.push(`chain: ${chainLine(report)}`);
  const w = allWarnings(report);
  if (w.length) {
    out.push('warnings:');
    for (const x of w) out.push(`  - ${t(x, 500)}`);
  }
  out.push(`duration: ${seconds(report.durationSeconds)}`);
  return out.join('\n') + '\n';
}
