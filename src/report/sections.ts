/**
 * The markdown sections of the summary and the comment, as blocks (./markdown.ts) that can be cut to a budget:
 * verdict and target, the whole error, plan table, applied split, smoke table, warnings, chain, resources, facts,
 * footer. Pure.
 *
 * For the reviewer: no table cell holds a run of more than 80 characters without a break opportunity (long field
 * paths break at their dots, long values at separators: ./markdown.ts `codeCell`, `escapeCell`); the reference
 * sections (resources with their ARM IDs and notes, facts) are collapsed in `<details>`, and so is any table or list
 * longer than {@link LONG_SECTION_ROWS}; the footer links the GitHub Actions run and the commit when they are known.
 */
import type { ResourcePlan, RunReport } from '../types.js';
import { chainLine, mermaid } from './chain.js';
import {
  actionOf,
  allWarnings,
  appliedSplit,
  checkLabel,
  pathIsSecret,
  plural,
  saidInError,
  seconds,
  shownLint,
  secs,
  TOOL,
  valueMd,
  verdictHeadline
} from './derive.js';
import { type Block, code, codeCell, escapeCell, escapeText, shorten } from './markdown.js';
import { restoreBlocks, snapshotBlocks } from './restore-sections.js';

/** A table or list with more rows than this is collapsed in `<details>` (its heading stays visible). */
export const LONG_SECTION_ROWS = 15;

/** `body` as is, or collapsed under `summary` when it has more than {@link LONG_SECTION_ROWS} rows (or `always`). */
function collapsible(body: Extract<Block, { kind: 'table' | 'list' }>, summary: string, always = false): Block {
  const rows = body.kind === 'table' ? body.rows.length : body.items.length;
  return always || rows > LONG_SECTION_ROWS ? { kind: 'details', summary, body } : body;
}

/** How the sections are drawn: the summary shows longer values and the chain as a diagram. */
export interface Style {
  /** Max code points of a value in the plan table. */
  valueMax: number;
  heading: string;
  mermaid: boolean;
  /** Longest snapshot JSON shown collapsed (characters; 0 or absent: the path only — the comment). */
  snapshotJsonMax?: number;
}

/** The sections shared by the summary and the comment, in order; `prefix` goes before the verdict line. */
export function reportBlocks(report: RunReport, style: Style, prefix: string, errorMax: number): Block[] {
  // mode: restore builds no plan and sends no smoke request: those sections would only say so.
  const restoring = report.mode === 'restore';
  return [
    {
      kind: 'text',
      text: `${prefix}### ${TOOL} — ${escapeText(verdictHeadline(report), 300)}\n\n${targetLine(report)}`
    },
    ...errorBlocks(report, errorMax),
    ...(restoring ? [] : planBlocks(report, style)),
    ...appliedBlocks(report, style),
    ...restoreBlocks(report, style.heading),
    ...(restoring ? [] : smokeBlocks(report, style)),
    ...lintBlocks(report, style),
    ...warningBlocks(report, style),
    ...(restoring ? [] : chainBlocks(report, style)),
    ...resourceBlocks(report, style),
    ...factBlocks(report, style),
    ...snapshotBlocks(report, style.heading, style.snapshotJsonMax ?? 0),
    footer(report)
  ];
}

function targetLine(report: RunReport): string {
  const t = report.target;
  const apis = t.apis.length > 0 ? t.apis.map((a) => code(a, 80, false)).join(', ') : '_none_';
  return (
    `**Target:** APIM ${code(t.apim, 80, false)} · ${t.apis.length === 1 ? 'API' : 'APIs'} ${apis}` +
    ` · Function App ${code(t.functionApp, 80, false)} · mode \`${report.mode}\``
  );
}

/** Shown under the plan's heading when the run stopped before any write (`stoppedBeforeWrites`). */
export const NOT_APPLIED = 'Not applied: the run stopped before any write (the error above says why).';

/** `not reconciled`, with the resource's error unless the run's error already says it. */
function notReconciled(report: RunReport, error: string, max: number, escape: (t: string, m: number) => string) {
  return saidInError(report, error) ? 'not reconciled' : `not reconciled: ${escape(error, max)}`;
}

function planBlocks(report: RunReport, style: Style): Block[] {
  const plan = report.plan;
  if (!plan) return [{ kind: 'text', text: `${style.heading} Plan\n\n_No plan was built._` }];
  const rows: string[][] = [];
  let changes = 0;
  for (const r of plan.resources) {
    const label = escapeCell(r.label, 100);
    if (r.changes.length === 0) {
      rows.push([label, '—', r.error ? notReconciled(report, r.error, 200, escapeCell) : 'in sync', 'none']);
      continue;
    }
    for (const c of r.changes) {
      const secret = pathIsSecret(c.path);
      const ba = `${valueMd(c.before, secret, style.valueMax)} → ${valueMd(c.after, secret, style.valueMax)}`;
      rows.push([label, codeCell(c.path, 120), ba, actionOf(c)]);
      changes++;
    }
  }
  const summary = `${plural(changes, 'change')} in ${plural(plan.resources.length, 'resource')}: show the table`;
  const stopped = report.stoppedBeforeWrites ? `\n\n_${NOT_APPLIED}_` : '';
  return [
    { kind: 'text', text: `${style.heading} Plan${stopped}` },
    collapsible({ kind: 'table', header: ['Resource', 'Field', 'Before → After', 'Action'], rows }, summary)
  ];
}

function resourceItem(r: ResourcePlan, report: RunReport): string {
  const mode = report.mode;
  const parts: string[] = [];
  if (r.error) parts.push(`❌ ${notReconciled(report, r.error, 400, escapeText)}`);
  if (r.changes.length === 0 && !r.error) parts.push('in sync');
  if (r.changes.length > 0) {
    const paths = [...new Set(r.changes.map((c) => c.path))];
    const shown = paths.slice(0, 20).map((p) => code(p, 80, false));
    const more = paths.length > 20 ? ` and ${paths.length - 20} more` : '';
    parts.push(`${plural(r.changes.length, 'change')}: ${shown.join(', ')}${more}`);
  }
  // Check mode writes nothing: say what apply would do, not what was done.
  const after = mode === 'check' ? 'to be written after' : 'written after';
  if (r.deferredUntil) parts.push(`${after} ${escapeText(r.deferredUntil)}`);
  for (const n of r.notes) parts.push(escapeText(n, 300));
  return `**${escapeText(r.label, 100)}** (${code(r.resourceId, 200, false)}): ${parts.join('; ')}`;
}

function resourceBlocks(report: RunReport, style: Style): Block[] {
  const resources = report.plan?.resources ?? [];
  if (resources.length === 0) return [];
  return [
    { kind: 'text', text: `${style.heading} Resources` },
    collapsible(
      { kind: 'list', items: resources.map((r) => resourceItem(r, report)), noun: 'resources' },
      `${plural(resources.length, 'resource')}: ARM IDs, changed fields and notes`,
      true
    )
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
    collapsible(
      { kind: 'list', items, noun: 'facts' },
      'audiences, excluded paths, issuer, token resource, client and principal IDs, hosts',
      true
    )
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
      `${c.passed ? '✓' : '✗'} ${escapeCell(checkLabel(c.name), 60)}${c.api ? ` · API ${codeCell(c.api, 60)}` : ''}`,
      escapeCell(c.expected, 60),
      escapeCell(c.got, 80),
      String(c.attempts),
      secs(c.seconds),
      c.layer ? escapeCell(c.layer, 30) : '—',
      c.diagnosis ? escapeCell(c.diagnosis, 300) : '—'
    ]);
    const failed = smoke.checks.filter((c) => !c.passed).length;
    blocks.push(
      collapsible(
        {
          kind: 'table',
          header: ['Check', 'Expected', 'Got', 'Attempts', 'Seconds', 'Layer', 'Diagnosis'],
          rows,
          noun: 'checks'
        },
        `${plural(smoke.checks.length, 'check')}, ${failed} failed: show the table`
      )
    );
  }
  if (smoke.notes.length > 0) {
    const notes: Block = { kind: 'list', items: smoke.notes.map((n) => escapeText(n, 300)), noun: 'notes' };
    blocks.push(collapsible(notes, plural(smoke.notes.length, 'note')));
  }
  return blocks;
}

function chainBlocks(report: RunReport, style: Style): Block[] {
  const body = style.mermaid ? mermaid(report) : escapeText(chainLine(report), 400);
  return [{ kind: 'text', text: `${style.heading} Chain\n\n${body}` }];
}

/** Security lint: one row per finding (where, what, fix); never a failure by itself. */
function lintBlocks(report: RunReport, style: Style): Block[] {
  const lint = shownLint(report);
  if (lint.length === 0) return [];
  const rows = lint.map((l) => [escapeCell(l.where, 120), escapeCell(l.message, 400), escapeCell(l.fix, 300)]);
  return [
    { kind: 'text', text: `${style.heading} Security lint` },
    collapsible(
      { kind: 'table', header: ['Where', 'Finding', 'Fix'], rows, noun: 'findings' },
      `${plural(lint.length, 'finding')}: show the table`
    )
  ];
}

function warningBlocks(report: RunReport, style: Style): Block[] {
  const w = allWarnings(report);
  if (w.length === 0) return [];
  return [
    { kind: 'text', text: `${style.heading} Warnings` },
    collapsible(
      { kind: 'list', items: w.map((x) => `⚠️ ${escapeText(x, 500)}`), noun: 'warnings' },
      `${plural(w.length, 'warning')}: show them`
    )
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
  const written = report.applied.filter(
    (a) => (a.state === 'written-unverified' || a.state === 'unknown') && !saidInError(report, a.detail)
  );
  const details = [...written, ...notChanged]
    .filter((n) => n.detail)
    .map((n) => `${escapeText(n.label, 100)}: ${escapeText(n.detail ?? '', 300)}`);
  if (details.length) blocks.push({ kind: 'list', items: details, noun: 'resources' });
  return blocks;
}

/**
 * The run's error, once, line by line, in a blockquote right under the target (the heading says only `❌ failed`;
 * the sections leave out what it says: see saidInError).
 */
function errorBlocks(report: RunReport, max: number): Block[] {
  if (report.verdict !== 'failed' || !report.error) return [];
  const err = report.error.trim();
  const lines = shorten(err, max)
    .split(/\r\n|[\r\n]/)
    .filter((l) => l.trim() !== '')
    .map((l) => `> ${escapeText(l, max)}`);
  return [{ kind: 'text', text: lines.join('\n>\n') }];
}

/**
 * The closing line: tool, mode, duration, and — when the publisher knew them (`report.source`, from the runner's
 * GITHUB_* variables) — a link to the GitHub Actions run and the commit (short SHA, linked), e.g.
 * `<sub>apim-function-auth · check · 2.1 s · [run 123](…/actions/runs/123) · commit [0123abc](…/commit/0123abc…)</sub>`.
 */
function footer(report: RunReport): Block {
  const parts = [TOOL, report.mode, seconds(report.durationSeconds)];
  const src = report.source;
  const linkable = (url: string | undefined): url is string => Boolean(url && /^https?:\/\/[^\s()<>[\]]+$/.test(url));
  if (src?.runId && /^[0-9]+$/.test(src.runId)) {
    parts.push(linkable(src.runUrl) ? `[run ${src.runId}](${src.runUrl})` : `run ${src.runId}`);
  }
  if (src?.commit && /^[0-9a-f]+$/i.test(src.commit)) {
    const short = src.commit.slice(0, 7);
    parts.push(linkable(src.commitUrl) ? `commit [${short}](${src.commitUrl})` : `commit ${short}`);
  }
  return { kind: 'text', text: `<sub>${parts.join(' · ')}</sub>` };
}
