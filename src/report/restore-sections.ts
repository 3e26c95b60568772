/**
 * The report's snapshot and restore sections (issue "Snapshot and restore"): where the snapshot is and — in the job
 * summary only — its JSON collapsed in `<details>`; what a restore did per resource, with why the system-assigned
 * identity is kept. Markdown blocks (./markdown.ts) and plain-text lines (./text.ts). Pure.
 */
import type { RestoreItem, RestoreReport } from '../snapshot/schema.js';
import type { RunReport } from '../types.js';
import { plural } from './derive.js';
import { type Block, code, escapeCell, escapeText, oneLine, shorten } from './markdown.js';

const STATE_TEXT: Record<RestoreItem['state'], string> = {
  restored: '↩️ restored',
  'restored-unverified': '⚠️ written, not verified',
  unknown: '⚠️ outcome unknown (check it)',
  unchanged: 'already as before',
  kept: '🔒 kept',
  'not-restored': '❌ not restored',
  'not-attempted': 'not attempted'
};

const TRIGGER_TEXT: Record<RestoreReport['trigger'], string> = {
  'apply-failed': 'on-failure: restore — apply failed after writes',
  'smoke-failed': 'on-failure: restore — the smoke requests failed after apply',
  requested: 'mode: restore — from the snapshot'
};

/** The restore table: one row per resource (state, what happened), the problem that stopped or refused it. */
export function restoreBlocks(report: RunReport, heading: string): Block[] {
  const r = report.restore;
  if (!r) return [];
  const lines = [`${heading} Restore`, '', escapeText(TRIGGER_TEXT[r.trigger], 200)];
  if (r.problem) lines.push('', `> ${escapeText(r.problem, 1500)}`);
  const rows = r.items.map((i) => [escapeCell(i.label, 100), STATE_TEXT[i.state], escapeCell(i.detail, 400)]);
  const blocks: Block[] = [{ kind: 'text', text: lines.join('\n') }];
  if (rows.length) blocks.push({ kind: 'table', header: ['Resource', 'Restore', 'Detail'], rows, noun: 'resources' });
  return blocks;
}

/**
 * Where the snapshot is, and with `jsonMax` > 0 (the job summary) the file's JSON collapsed in `<details>`, in a
 * fenced block whose fence is longer than any backtick run in it (GFM "Fenced code blocks"), with each policy's text
 * replaced by its size ({@link withoutPolicyTexts}); a JSON longer than `jsonMax` characters, or one that does not
 * parse, is not shown (the file has it).
 */
export function snapshotBlocks(report: RunReport, heading: string, jsonMax: number): Block[] {
  const s = report.snapshot;
  if (!s?.path) return [];
  const where = code(s.path, 300, false);
  const line =
    report.mode === 'restore'
      ? `Restored from ${where}.`
      : `Saved before the first write: ${where} (output \`snapshot-path\`; RUNNER_TEMP is emptied after the job — ` +
        'keep it with `actions/upload-artifact` for a later `mode: restore`).';
  const blocks: Block[] = [{ kind: 'text', text: `${heading} Snapshot\n\n${line}` }];
  if (!s.json || jsonMax <= 0) return blocks;
  if (s.json.length > jsonMax) {
    blocks.push({ kind: 'text', text: `_The snapshot (${kb(s.json)}) is too large to show here; the file holds it._` });
    return blocks;
  }
  const shown = withoutPolicyTexts(s.json);
  if (!shown) return blocks;
  const longest = Math.max(2, ...(shown.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const summary = `snapshot JSON (${plural(countResources(s.json), 'resource')}, ${kb(s.json)}; policy texts in the file)`;
  blocks.push({
    kind: 'text',
    text: `<details><summary>${escapeText(summary, 200)}</summary>\n\n${fence}json\n${shown}\n${fence}\n\n</details>`
  });
  return blocks;
}

/**
 * The snapshot JSON as the job summary shows it: each policy's `rawxml` text (its `before` and its `after`) replaced by
 * `<policy text: N characters, in the snapshot file>`. A policy may carry credentials inline (an
 * `authentication-basic` password, a key in a `set-header` value, a SAS in a URL) that the run cannot know to scrub,
 * and anyone who can see the run can read its summary — in a public repository, anyone — while the policy itself is
 * readable only by those with access to the APIM service. '' when `json` does not parse (nothing shown). Pure.
 */
export function withoutPolicyTexts(json: string): string {
  let snap: { resources?: unknown };
  try {
    snap = JSON.parse(json) as { resources?: unknown };
  } catch {
    return '';
  }
  const hide = (doc: unknown) => {
    const d = doc as { value?: unknown } | null | undefined;
    if (d && typeof d.value === 'string') d.value = `<policy text: ${d.value.length} characters, in the snapshot file>`;
  };
  for (const r of Array.isArray(snap.resources) ? (snap.resources as Record<string, unknown>[]) : []) {
    if (r?.kind !== 'api-policy') continue;
    hide(r.before);
    hide((r.after as { document?: unknown } | undefined)?.document);
  }
  return JSON.stringify(snap, null, 2);
}

function kb(text: string): string {
  return `${Math.max(1, Math.round(Buffer.byteLength(text, 'utf8') / 1024))} KiB`;
}

function countResources(json: string): number {
  try {
    const parsed = JSON.parse(json) as { resources?: unknown[] };
    return Array.isArray(parsed.resources) ? parsed.resources.length : 0;
  } catch {
    return 0;
  }
}

/** Plain-text lines: the snapshot's path, the restore's trigger, one line per resource, the problem. */
export function restoreLines(report: RunReport): string[] {
  const t = (s: string, max = 300) => oneLine(shorten(s, max));
  const out: string[] = [];
  if (report.snapshot?.path) out.push(`snapshot: ${t(report.snapshot.path)}`);
  const r = report.restore;
  if (!r) return out;
  out.push(`restore (${TRIGGER_TEXT[r.trigger]}):`);
  for (const i of r.items) out.push(`  ${t(i.label, 100)}: ${STATE_TEXT[i.state]} — ${t(i.detail, 400)}`);
  if (r.problem) out.push(`  ${t(r.problem, 1500)}`);
  return out;
}
