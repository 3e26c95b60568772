/**
 * Renders a run over a targets file for humans: the job summary and the sticky comment open with one row per target
 * (verdict, changes, smoke), then each target's own report (./render.ts), collapsed in `<details>` when long; plain
 * text for the log; and the short summary of `mode: list`. Pure: no @actions/*, no network, no fs.
 *
 * Budgets as for one target (./render.ts: SUMMARY_MAX_BYTES, COMMENT_MAX_CHARS): the overview always comes first and
 * is cut only when it alone does not fit; each target's details get an equal share of what is left, and details
 * that do not fit at all are named in a closing line. Table cells keep GitHub's width (./markdown.ts escapeCell).
 */
import { planChanges } from '../plan.js';
import type { RunReport } from '../types.js';
import {
  failedTargets,
  overallVerdict,
  targetResult,
  type TargetRunReport,
  type TargetsRunReport
} from './aggregate-outputs.js';
import { TOOL, firstLine, needsAttention, plural, seconds, verdictHeadline, verdictText } from './derive.js';
import { type Block, code, escapeCell, escapeText, fitBlocks, shorten, utf8Bytes } from './markdown.js';
import { COMMENT_MAX_CHARS, SUMMARY_MAX_BYTES, renderComment, renderSummary } from './render.js';

/** A target's details with more lines than this are collapsed in `<details>`. */
export const DETAILS_OPEN_MAX_LINES = 20;

/** Smallest share of the budget worth rendering one target's details in (bytes or characters). */
const MIN_DETAILS_SHARE = 1500;

/**
 * The verdict line of the whole run: its icon (❌ failed, ⚠️ drift, 🔧 applied, ↩️ restored, ✅ in sync), then how many targets
 * ended each way, e.g. `❌ 1 failed, 1 drifted, 10 in sync (12 targets)`, `✅ 12 targets in sync`; a run-level
 * error: `❌ failed: <its first line>`.
 */
export function overallText(run: TargetsRunReport): string {
  const n = run.targets.length;
  const verdict = overallVerdict(run);
  if (run.error) return `❌ failed: ${shorten(firstLine(run.error), 200)}`;
  if (verdict === 'in-sync') return `✅ ${plural(n, 'target')} in sync`;
  const count = (v: string) => run.targets.filter((t) => targetResult(t) === v).length;
  const parts = [
    ['failed', 'failed'],
    ['drift', 'drifted'],
    ['applied', 'applied'],
    ['restored', 'restored'],
    ['in-sync', 'in sync']
  ]
    .map(([v, word]) => [count(v!), word] as const)
    .filter(([c]) => c > 0)
    .map(([c, word]) => `${c} ${word}`);
  const icon = { failed: '❌', drift: '⚠️', applied: '🔧', restored: '↩️' }[verdict];
  return `${icon} ${parts.join(', ')} (${plural(n, 'target')})`;
}

/** The line under the heading: the file, the filter, the mode, how many targets, how long. */
function runLine(run: TargetsRunReport): string {
  const filter = run.filter.length ? ` · target ${run.filter.map((f) => code(f, 64, false)).join(', ')}` : '';
  return (
    `**Targets file:** ${code(run.targetsFile, 200, false)}${filter} · mode \`${run.mode}\` · ` +
    `${plural(run.targets.length, 'target')} · ${seconds(run.durationSeconds)}`
  );
}

/** The Changes cell: check → changes needed; apply → changes written and verified, and those that were not. */
function changesCell(t: TargetRunReport): string {
  const plan = t.result.plan;
  if (!plan) return '—';
  const applied = t.report.mode === 'apply' && t.result.outcome ? t.report.applied : undefined;
  const rows = planChanges(plan, applied);
  if (rows.length === 0) return 'none';
  if (!applied) return `${rows.length} needed`;
  const written = rows.filter((r) => r.state === 'verified').length;
  const rest = rows.length - written;
  return `${written} written${rest ? `, ${rest} not verified or not written` : ''}`;
}

function smokeCell(report: RunReport): string {
  switch (report.smoke?.result) {
    case 'passed':
      return '✅ passed';
    case 'failed':
      return '❌ failed';
    case 'skipped':
      return '⏭️ skipped';
    default:
      return '—';
  }
}

/** The overview table: one row per target. */
function overview(run: TargetsRunReport): Block {
  const rows = run.targets.map((t) => [
    // Spaces around the markup keep every run short enough to wrap (GitHub's width, ./markdown.ts MAX_UNBROKEN_RUN).
    `${escapeCell(t.name, 80)} <br><sub>APIM ${escapeCell(t.report.target.apim, 80)} → ` +
      `${escapeCell(t.report.target.functionApp, 80)} </sub>`,
    escapeCell(verdictText(t.report, 160), 200),
    changesCell(t),
    smokeCell(t.report)
  ]);
  return { kind: 'table', header: ['Target', 'Verdict', 'Changes', 'Smoke'], rows, noun: 'targets' };
}

/** Heading, run line, the run-level error (when one stopped the run) and the overview, as blocks. */
function headBlocks(run: TargetsRunReport, prefix: string): Block[] {
  const blocks: Block[] = [
    { kind: 'text', text: `${prefix}### ${TOOL} — ${escapeText(overallText(run), 300)}\n\n${runLine(run)}` }
  ];
  if (run.error) {
    const lines = shorten(run.error.trim(), 4000)
      .split(/\r\n|[\r\n]/)
      .filter((l) => l.trim() !== '')
      .map((l) => `> ${escapeText(l, 400)}`);
    blocks.push({ kind: 'text', text: lines.join('\n>\n') });
  }
  if (run.targets.length > 0) blocks.push(overview(run));
  return blocks;
}

/** One target's details: its own report without its heading line, collapsed when long. */
function details(t: TargetRunReport, body: string): string {
  const text = body.replace(/^\s*### [^\n]*\n+/, '').trimEnd();
  // The verdict alone: a failed target's error is quoted once inside its details (and in the table row above).
  const title = `${t.name} — ${verdictHeadline(t.report)}`;
  if (text.split('\n').length <= DETAILS_OPEN_MAX_LINES) return `#### ${escapeText(title, 200)}\n\n${text}`;
  const summary = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<details><summary>${summary}</summary>\n\n${text}\n\n</details>`;
}

/** The footer: tool, mode, duration, and the run's link when known (as one target's report has it). */
function footer(run: TargetsRunReport): string {
  const parts = [TOOL, run.mode, seconds(run.durationSeconds)];
  const src = run.source;
  if (src?.runId && /^[0-9]+$/.test(src.runId)) {
    const ok = src.runUrl && /^https?:\/\/[^\s()<>[\]]+$/.test(src.runUrl);
    parts.push(ok ? `[run ${src.runId}](${src.runUrl})` : `run ${src.runId}`);
  }
  return `<sub>${parts.join(' · ')}</sub>`;
}

/**
 * Head (fitted to the budget first), then the details of `shown` targets, each within an equal share of what is
 * left; the targets whose details did not fit are named in a closing line.
 */
function assemble(
  run: TargetsRunReport,
  prefix: string,
  shown: TargetRunReport[],
  render: (t: TargetRunReport, share: number) => string,
  budget: number,
  measure: (s: string) => number,
  elsewhere: string
): string {
  const tail = `\n${footer(run)}\n`;
  const head = fitBlocks(headBlocks(run, prefix), budget - measure(tail) - 400, measure).text;
  const parts = [head.trimEnd()];
  let left = budget - measure(head) - measure(tail) - 400;
  const missing: string[] = [];
  shown.forEach((t, i) => {
    const share = Math.floor(left / (shown.length - i)) - 80;
    if (share < MIN_DETAILS_SHARE) {
      missing.push(t.name);
      return;
    }
    const part = details(t, render(t, share));
    if (measure(part) + 2 > left) {
      missing.push(t.name);
      return;
    }
    parts.push(part);
    left -= measure(part) + 2;
  });
  if (missing.length) {
    const names = missing.slice(0, 20).map((n) => code(n, 64, false));
    const more = missing.length > 20 ? ` and ${missing.length - 20} more` : '';
    parts.push(
      `_Details of ${plural(missing.length, 'target')} not shown here (${names.join(', ')}${more}): ${elsewhere}._`
    );
  }
  return `${parts.join('\n\n')}\n${tail}`;
}

/**
 * The job summary of a run over a targets file: heading with the overall verdict ({@link overallText}), the file,
 * filter, mode, count and duration, the run-level error when one stopped the run, the overview table (Target,
 * Verdict, Changes, Smoke), then every target's report (renderSummary) in file order, collapsed when longer than
 * {@link DETAILS_OPEN_MAX_LINES} lines, and the footer. At most `opts.maxBytes` UTF-8 bytes (default
 * SUMMARY_MAX_BYTES). Throws nothing.
 */
export function renderTargetsSummary(run: TargetsRunReport, opts?: { maxBytes?: number }): string {
  return assemble(
    run,
    '',
    run.targets,
    (t, share) => renderSummary(t.report, { maxBytes: share }),
    opts?.maxBytes ?? SUMMARY_MAX_BYTES,
    utf8Bytes,
    'see the log of this step'
  );
}

/**
 * The sticky comment of a run over a targets file: `marker` on the first line, then the summary's heading and
 * overview, and the compact reports (renderComment) of the targets that need attention (drift, changes, a failure, a
 * failed smoke check) — the others are in sync and their row says so. At most `opts.maxChars` (default
 * COMMENT_MAX_CHARS). Throws nothing.
 */
export function renderTargetsComment(run: TargetsRunReport, marker: string, opts?: { maxChars?: number }): string {
  const shown = run.targets.filter((t) => t.result.failed || needsAttention(t.report));
  return assemble(
    run,
    `${marker}\n`,
    shown,
    (t, share) => renderComment(t.report, '', { maxChars: share }),
    opts?.maxChars ?? COMMENT_MAX_CHARS,
    (s) => s.length,
    'see the job summary'
  );
}

/** True when the run has something a reviewer must see: a run-level error, or a target that needs attention. */
export function targetsNeedAttention(run: TargetsRunReport): boolean {
  return Boolean(run.error) || run.targets.some((t) => t.result.failed || needsAttention(t.report));
}

/** Plain text for the log: the overall verdict, then one line per target (verdict, smoke, the failure's first line). */
export function renderTargetsText(run: TargetsRunReport): string {
  const lines = [`${TOOL}: ${overallText(run)} (mode ${run.mode}, ${seconds(run.durationSeconds)})`];
  for (const t of run.targets) {
    const smoke = t.report.smoke ? `; smoke ${t.report.smoke.result}` : '';
    lines.push(`- ${t.name}: ${firstLine(verdictText(t.report, 300))}${smoke}; changes: ${changesCell(t)}`);
  }
  const failed = failedTargets(run);
  if (failed.length) lines.push(`Failed: ${failed.map((t) => t.name).join(', ')}`);
  return lines.join('\n');
}

/** One target as `mode: list` shows it. */
export interface ListedTarget {
  name: string;
  apim: string;
  functionApp: string;
  subscriptionId: string;
}

/**
 * The job summary of `mode: list`: the file, the filter, and one row per selected target (name, APIM service,
 * Function App, subscription), the order of the `matrix` output.
 */
export function renderListSummary(targetsFile: string, filter: readonly string[], targets: ListedTarget[]): string {
  const head: Block = {
    kind: 'text',
    text:
      `### ${TOOL} — 📋 ${plural(targets.length, 'target')} listed\n\n**Targets file:** ${code(targetsFile, 200, false)}` +
      `${filter.length ? ` · target ${filter.map((f) => code(f, 64, false)).join(', ')}` : ''} · mode \`list\` ` +
      '(no Azure request)'
  };
  const rows = targets.map((t) => [
    escapeCell(t.name, 80),
    escapeCell(t.apim, 80),
    escapeCell(t.functionApp, 80),
    escapeCell(t.subscriptionId, 60)
  ]);
  const table: Block = { kind: 'table', header: ['Target', 'APIM', 'Function App', 'Subscription'], rows };
  return fitBlocks([head, table], SUMMARY_MAX_BYTES, utf8Bytes).text;
}
