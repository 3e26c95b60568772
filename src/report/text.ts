/** The plain-text rendering of a RunReport for terminals (the demo script). Pure. */
import type { RunReport } from '../types.js';
import { chainLine } from './chain.js';
import {
  actionOf,
  allWarnings,
  appliedSplit,
  firstLine,
  pathIsSecret,
  plural,
  saidInError,
  seconds,
  secs,
  TOOL,
  valueText,
  shownLint,
  verdictText
} from './derive.js';
import { oneLine, shorten } from './markdown.js';
import { restoreLines } from './restore-sections.js';

/**
 * Plain text for terminals (the demo script): verdict, target, one line per plan change (`before → after`) or
 * in-sync resource with its notes, one line per smoke check (e.g. `gateway: expected 2xx, got 200 after 4 attempts
 * / 180 s`), the chain, the security lint, warnings, the applied split, the duration, and the run's link and commit when known
 * (`report.source`). No colours, no markdown; never truncated
 * except for long single values (shortened with `…`).
 */
export function renderText(report: RunReport): string {
  const out: string[] = [
    ...verdictLines(report),
    `target: APIM ${t(report.target.apim)}, APIs ${report.target.apis.map((a) => t(a)).join(', ') || '(none)'}, ` +
      `Function App ${t(report.target.functionApp)} (mode ${report.mode})`,
    ...planLines(report),
    ...appliedLines(report),
    ...restoreLines(report),
    ...smokeLines(report),
    `chain: ${chainLine(report)}`,
    ...lintLines(report),
    ...warningLines(report),
    `duration: ${seconds(report.durationSeconds)}`,
    ...sourceLines(report)
  ];
  return out.join('\n') + '\n';
}

/** `run: <url> (commit <sha>)` when the publisher knew the run or the commit (`report.source`); else nothing. */
function sourceLines(report: RunReport): string[] {
  const src = report.source;
  const run = src?.runUrl ?? (src?.runId ? `run ${src.runId}` : undefined);
  const commit = src?.commit ? `commit ${src.commit}` : undefined;
  if (!run && !commit) return [];
  return [`run: ${t([run, commit && run ? `(${commit})` : commit].filter(Boolean).join(' '), 300)}`];
}

/** One value on one line, shortened to `max` code points. */
function t(s: string, max = 200): string {
  return oneLine(shorten(s, max));
}

/** The verdict, then the rest of a multi-line error, indented. */
function verdictLines(report: RunReport): string[] {
  const out = [`${TOOL}: ${verdictText(report, 2000)}`];
  const err = report.verdict === 'failed' ? (report.error ?? '').trim() : '';
  if (err !== firstLine(err)) {
    for (const line of shorten(err, 4000)
      .split(/\r\n|[\r\n]/)
      .slice(1))
      out.push(`  ${line}`);
  }
  return out;
}

/** One line per change (or per in-sync / unreconciled resource) with its notes, then the facts. */
function planLines(report: RunReport): string[] {
  const plan = report.plan;
  if (!plan) return ['plan: none'];
  const out = [report.stoppedBeforeWrites ? 'plan (not applied: the run stopped before any write):' : 'plan:'];
  for (const r of plan.resources) {
    if (r.error)
      out.push(`  ${t(r.label)}: not reconciled${saidInError(report, r.error) ? '' : `: ${t(r.error, 400)}`}`);
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
  return out;
}

/** The applied split on one line (apply mode, when something was applied or the run failed). */
function appliedLines(report: RunReport): string[] {
  if (report.mode !== 'apply' || (report.applied.length === 0 && report.verdict !== 'failed')) return [];
  const { changed, unverified, unknown, notChanged } = appliedSplit(report);
  const nc = notChanged.map((n) => (n.detail ? `${t(n.label)} (${t(n.detail, 200)})` : t(n.label)));
  const list = (xs: string[]) => xs.map((c) => t(c)).join(', ');
  return [
    [
      `applied: changed: ${list(changed) || 'nothing'}`,
      ...(unverified.length ? [`written, not verified: ${list(unverified)}`] : []),
      ...(unknown.length ? [`outcome unknown (check it): ${list(unknown)}`] : []),
      `not changed: ${nc.join(', ') || 'nothing'}`
    ].join('; ')
  ];
}

/** The smoke result, one line per check, then its notes. */
function smokeLines(report: RunReport): string[] {
  const smoke = report.smoke;
  if (!smoke) return ['smoke: not run'];
  const out = [`smoke: ${smoke.result}`];
  for (const c of smoke.checks) {
    const diag = c.diagnosis ? ` — ${t(c.diagnosis, 300)}` : '';
    const layer = c.layer ? ` [${t(c.layer)}]` : '';
    out.push(
      `  ${c.passed ? '✓' : '✗'} ${c.name}${c.api ? ` (API ${t(c.api)})` : ''}: expected ${t(c.expected)}, got ${t(c.got)} after ${plural(c.attempts, 'attempt')} / ${secs(c.seconds)}${layer}${diag}`
    );
  }
  for (const n of smoke.notes) out.push(`  - ${t(n, 300)}`);
  return out;
}

function lintLines(report: RunReport): string[] {
  const lint = shownLint(report);
  if (lint.length === 0) return [];
  return ['security lint:', ...lint.map((l) => `  - ${t(l.where)}: ${t(l.message, 500)}. Fix: ${t(l.fix, 300)}`)];
}

function warningLines(report: RunReport): string[] {
  const w = allWarnings(report);
  if (w.length === 0) return [];
  return ['warnings:', ...w.map((x) => `  - ${t(x, 500)}`)];
}
