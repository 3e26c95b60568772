/**
 * What every rendering of a RunReport derives the same way: counts, the verdict line, values as text (with values
 * under secret-looking keys masked), change actions, durations, check labels, the applied split and the warnings.
 * Pure: no @actions/*, no network, no fs.
 */
import type { FieldChange, LintFinding, ResourceKind, RunReport, SmokeCheckName } from '../types.js';
import { codeCell, shorten } from './markdown.js';

export const TOOL = 'apim-function-auth';

/** Keys (last path segment) whose values are never shown. `clientSecretSettingName` is a name and stays visible. */
const SECRET_KEY = /(secret|password|passwd|pwd|token|primarykey|secondarykey|subscriptionkey|connectionstring)$/i;
const MASK = '***';

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

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The verdict line without markup, e.g. `⚠️ drift found (3 changes needed)`; a failure with the first line of its
 * error, shortened to `maxError` code points (`❌ failed: …`), for the plain text, which says the rest right below.
 */
export function verdictText(report: RunReport, maxError = 200): string {
  const head = verdictHeadline(report);
  if (report.verdict !== 'failed') return head;
  return `${head}: ${shorten(firstLine(report.error ?? 'unknown error'), maxError)}`;
}

/**
 * The verdict alone, one wording per state: `✅ in sync`, `⚠️ drift found (N changes needed)`, `🔧 applied N
 * changes`, `❌ failed`, `↩️ restored N resources from the snapshot` (the markdown's heading: its error is quoted once, right below).
 */
export function verdictHeadline(report: RunReport): string {
  switch (report.verdict) {
    case 'in-sync':
      return '✅ in sync';
    case 'drift':
      return `⚠️ drift found (${plural(totalChanges(report), 'change')} needed)`;
    case 'applied':
      return `🔧 applied ${plural(appliedChanges(report), 'change')}`;
    case 'failed':
      return '❌ failed';
    case 'restored': {
      const n = (report.restore?.items ?? []).filter((i) => i.state === 'restored').length;
      return n ? `↩️ restored ${plural(n, 'resource')} from the snapshot` : '↩️ restore: already as in the snapshot';
    }
  }
}

/**
 * True when the run's error already says `text` (a resource's error or a write's detail): the report says each thing
 * once, so a section leaves such a text out and the error says it.
 */
export function saidInError(report: RunReport, text: string | undefined): boolean {
  return Boolean(text && report.verdict === 'failed' && report.error?.includes(text.trim()));
}

/** What the report says of a resource the run stopped before (`not-attempted`), when the item has no detail. */
export const NOT_ATTEMPTED = 'not attempted';

export function firstLine(text: string): string {
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

export function pathIsSecret(path: string): boolean {
  const last = path.split('.').pop() ?? path;
  return SECRET_KEY.test(last.replace(/\[.*\]$/, ''));
}

/**
 * A value as plain text (no markup): strings as-is, absent as `(absent)`, the rest as JSON. `null` is absent too: the
 * planners report an element or setting that does not exist as `null` or `undefined` alike (one wording per state).
 */
export function valueText(v: unknown, secret: boolean): string {
  if (v === undefined || v === null) return '(absent)';
  if (secret) return MASK;
  if (typeof v === 'string') return v;
  return JSON.stringify(redact(v)) ?? String(v);
}

/** A value for a table cell: `_absent_`, or a code span (several, joined by `<wbr>`, when it has a long run). */
export function valueMd(v: unknown, secret: boolean, max: number): string {
  if (v === undefined || v === null) return '_absent_';
  return codeCell(valueText(v, secret), max);
}

export function actionOf(c: FieldChange): Action {
  if (c.before === undefined || c.before === null) return 'add';
  if (Array.isArray(c.before) && Array.isArray(c.after)) {
    const after = c.after.map((x) => JSON.stringify(x));
    const grows = c.after.length > c.before.length && c.before.every((x) => after.includes(JSON.stringify(x)));
    if (c.before.length === 0 || grows) return 'add';
  }
  return 'update';
}

/** Seconds as a plain number with unit, e.g. `180 s`, `0.4 s` (what the smoke table and lines show). */
export function secs(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A duration for people, e.g. `41 s`, `3 min 16 s`. */
export function seconds(s: number): string {
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

export function checkLabel(name: SmokeCheckName): string {
  return CHECK_LABEL[name] ?? String(name);
}

/** What apply did, per resource label (see appliedSplit). */
export interface AppliedSplit {
  changed: string[];
  unverified: string[];
  unknown: string[];
  notChanged: { label: string; detail?: string }[];
}

/**
 * What apply did to each resource, from the write states alone (RunReport.applied[].state): `changed` (written and
 * read back as intended), `unverified` (written; the read-back failed or differed), `unknown` (the write may or may
 * not have happened), `notChanged` (refused, not attempted, or already in sync). Resources with changes that
 * `applied` never mentions count as not changed. An item without a state (older callers) counts by `ok`. A
 * `notChanged` detail is left out when the run's error already says it ({@link saidInError}); a resource not
 * attempted without one reads {@link NOT_ATTEMPTED}.
 */
export function appliedSplit(report: RunReport): AppliedSplit {
  const stateOf = (a: RunReport['applied'][number]) => a.state ?? (a.ok ? 'verified' : 'not-written');
  const labels = (st: string) => report.applied.filter((a) => stateOf(a) === st).map((a) => a.label);
  // A detail the error already says is left out (said once); a resource not attempted has one wording.
  const detail = (text: string | undefined, st: string) =>
    saidInError(report, text) ? undefined : (text ?? (st === 'not-attempted' ? NOT_ATTEMPTED : undefined));
  const notChanged: { label: string; detail?: string }[] = report.applied
    .filter((a) => !['verified', 'written-unverified', 'unknown'].includes(stateOf(a)))
    .map((a) => ({ label: a.label, detail: detail(a.detail, stateOf(a)) }));
  if (report.mode === 'apply') {
    const mentioned = new Set(report.applied.map((a) => a.label));
    for (const r of report.plan?.resources ?? []) {
      if (r.changes.length > 0 && !mentioned.has(r.label)) {
        notChanged.push({ label: r.label, detail: detail(r.error, 'not-attempted') });
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

/**
 * The security lint the report shows: the plan's, less the findings a write of this run fixed (`fixedBy` names a
 * resource kind whose write was verified).
 */
export function shownLint(report: RunReport): LintFinding[] {
  const plan = report.plan;
  const verified = (kind: ResourceKind): boolean => {
    const labels = (plan?.resources ?? []).filter((r) => r.kind === kind).map((r) => r.label);
    return report.applied.some((a) => labels.includes(a.label) && a.state === 'verified');
  };
  return (plan?.lint ?? []).filter((l) => !l.fixedBy || !verified(l.fixedBy));
}

export function allWarnings(report: RunReport): string[] {
  return [...new Set([...(report.plan?.warnings ?? []), ...report.warnings])];
}

/**
 * True when a run has something a reviewer must see (what `pr-comment: on-change` posts for): drift or changes
 * (a verdict other than `in-sync`, or any planned change), a failure (`error`), a failed smoke check, or a resource
 * that could not be reconciled. A clean run — in sync, smoke passed or skipped — is false.
 */
export function needsAttention(report: RunReport): boolean {
  if (report.verdict !== 'in-sync' || report.error) return true;
  if (report.smoke?.result === 'failed') return true;
  return (report.plan?.resources ?? []).some((r) => r.changes.length > 0 || r.error !== undefined);
}
