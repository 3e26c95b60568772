/**
 * The checks a workflow that uses this action must pass — one copy, used by `__tests__/examples.test.ts` (on
 * examples/) and by `npm run check-config` (scripts/check-config.ts, on your own workflow): it parses as one YAML
 * document, every `${{ … }}` is balanced, every step that uses this action (`<owner>/apim-function-auth@<ref>` or
 * `./`) passes only inputs action.yml declares and every required one (none with `mode: list`), a job that signs in
 * grants `id-token: write` and `contents: read`, and the action is pinned by a tag or a commit SHA, never a branch.
 * Pure but for {@link loadActionInputs} (reads action.yml).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseDocument, visit, isMap } from 'yaml';

export type Json = Record<string, unknown>;

/** An input of action.yml. */
export interface ActionInput {
  required?: boolean;
  default?: string;
}

/** `uses:` of this action: `<owner>/apim-function-auth@<ref>` (any owner, any ref; pinning is checked apart) or `./`. */
export const THIS_ACTION = /^(?:[\w.-]+\/apim-function-auth@[\w.-]+|\.\/?)$/;

/** A pinned ref: a release tag (`v1`, `v1.2.3`) or a full 40-character commit SHA. */
export const PINNED_REF = /^(v\d+(\.\d+\.\d+)?|[0-9a-f]{40})$/;

/** The per-target inputs a step without `targets:` must give. */
export const PER_TARGET_REQUIRED = [
  'subscription-id',
  'apim-name',
  'apim-resource-group',
  'api-ids',
  'function-app-name'
];

/** The inputs of `<root>/action.yml`. Throws when it cannot be read. */
export function loadActionInputs(root: string): Record<string, ActionInput> {
  return (parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, ActionInput> })
    .inputs;
}

/** Names of the inputs action.yml marks `required: true`. */
export function requiredOf(inputs: Record<string, ActionInput>): string[] {
  return Object.entries(inputs)
    .filter(([, i]) => i.required === true)
    .map(([name]) => name);
}

export const asMap = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

export function jobsOf(wf: Json): [string, Json][] {
  return Object.entries(asMap(wf.jobs)).map(([id, job]) => [id, asMap(job)]);
}

export function stepsOf(job: Json): Json[] {
  return Array.isArray(job.steps) ? (job.steps as unknown[]).map(asMap) : [];
}

/** `on:` as a map (`on: push` and `on: [push]` normalised). */
export function triggers(wf: Json): Json {
  const on = wf.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  return asMap(on);
}

/** The permissions a job runs with: its own, else the workflow's. */
export function permissionsOf(wf: Json, job: Json): Json | string | undefined {
  const p = job.permissions ?? wf.permissions;
  return typeof p === 'string' ? p : p === undefined ? undefined : asMap(p);
}

export const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

/** The level a permissions block grants for a scope (`write-all`, `read-all` and `{}` included); -1: unknown. */
export function grants(perms: Json | string | undefined, scope: string): number {
  if (perms === undefined) return -1; // the repository's default: unknown here, never assumed
  if (perms === 'write-all') return 2;
  if (perms === 'read-all') return scope === 'id-token' ? 0 : 1;
  return LEVEL[String((perms as Json)[scope] ?? 'none')] ?? 0;
}

/** The steps of `job` that use this action ({@link THIS_ACTION}). */
export function actionSteps(job: Json): Json[] {
  return stepsOf(job).filter((s) => typeof s.uses === 'string' && THIS_ACTION.test(s.uses));
}

/** Jobs that call a reusable workflow (`jobs.<id>.uses`). */
export function reusableCalls(wf: Json): [string, Json][] {
  return jobsOf(wf).filter(([, job]) => typeof job.uses === 'string');
}

/** Every string in the document's scalars (values and keys). */
export function allTexts(text: string): string[] {
  const doc = parseDocument(text);
  const texts: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') texts.push(node.value);
    }
  });
  return texts;
}

/** Problems with `${{ … }}` in one string: unclosed, nested, stray `}}`, empty, unbalanced quotes or parentheses. */
export function expressionProblems(text: string): string[] {
  const problems: string[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('${{', i);
    const strayClose = text.indexOf('}}', i);
    if (strayClose >= 0 && (open < 0 || strayClose < open)) {
      problems.push(`'}}' without '\${{' in: ${text}`);
      i = strayClose + 2;
      continue;
    }
    if (open < 0) break;
    const close = text.indexOf('}}', open + 3);
    if (close < 0) {
      problems.push(`unclosed '\${{' in: ${text}`);
      break;
    }
    const inner = text.slice(open + 3, close);
    if (inner.includes('${{')) problems.push(`nested '\${{' in: ${text}`);
    if (!inner.trim()) problems.push(`empty expression in: ${text}`);
    // Quotes inside an expression are single quotes and come in pairs.
    if ((inner.match(/'/g) ?? []).length % 2) problems.push(`unbalanced quote in: \${{${inner}}}`);
    const depth = [...inner].reduce((d, c) => (d < 0 ? d : c === '(' ? d + 1 : c === ')' ? d - 1 : d), 0);
    if (depth !== 0) problems.push(`unbalanced parentheses in: \${{${inner}}}`);
    i = close + 2;
  }
  return problems;
}

/** Problems of the workflow's shape: YAML errors, warnings, duplicate keys; no name, no `on:`, no jobs. */
export function shapeProblems(text: string): string[] {
  const doc = parseDocument(text, { uniqueKeys: true });
  const yaml = [...doc.errors, ...doc.warnings].map((e) => `YAML: ${e.message.split('\n')[0]}`);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return yaml.length > 0 ? yaml : ['YAML: not a map'];
  const wf = doc.toJS() as Json;
  const out = [...yaml];
  if (typeof wf.name !== 'string') out.push('has no name:');
  if (Object.keys(triggers(wf)).length === 0) out.push('has no on: (triggers)');
  if (jobsOf(wf).length === 0) out.push('has no jobs:');
  return out;
}

/** Problems of one step that uses this action: unknown inputs, required ones missing, a bad mode, no target. */
export function stepInputProblems(step: Json, inputs: Record<string, ActionInput>): string[] {
  const withKeys = asMap(step.with);
  const out: string[] = [];
  const unknown = Object.keys(withKeys).filter((k) => !(k in inputs));
  if (unknown.length > 0) out.push(`inputs action.yml does not declare: ${unknown.join(', ')}`);
  // `mode: list` only reads the targets file: it needs no sign-in input.
  const needed = withKeys.mode === 'list' ? [] : requiredOf(inputs);
  const empty = (k: string) => withKeys[k] === undefined || String(withKeys[k]).trim() === '';
  const missing = needed.filter(empty);
  if (missing.length > 0) out.push(`required inputs missing or empty: ${missing.join(', ')}`);
  const mode = withKeys.mode;
  if (typeof mode === 'string' && !mode.includes('${{') && !['check', 'apply', 'list', 'restore'].includes(mode)) {
    out.push(`mode: '${mode}' is not check, apply, restore or list`);
  }
  // One target from the step's inputs, or a targets file (which then gives the per-target inputs).
  if (withKeys.targets === undefined) {
    const lacking = PER_TARGET_REQUIRED.filter((k) => withKeys[k] === undefined);
    if (lacking.length > 0) out.push(`without targets: these inputs are needed: ${lacking.join(', ')}`);
  }
  return out;
}

/** Problems of the jobs' permissions: `contents: read` where the action runs, `id-token: write` where it signs in. */
export function permissionProblems(wf: Json): string[] {
  const out: string[] = [];
  for (const [jobId, job] of jobsOf(wf)) {
    const steps = actionSteps(job);
    if (steps.length === 0) continue;
    const perms = permissionsOf(wf, job);
    if (grants(perms, 'contents') < 1) out.push(`jobs.${jobId}: grant permissions: contents: read`);
    // `mode: list` signs in nowhere; every other use of the action does.
    if (steps.some((s) => asMap(s.with).mode !== 'list') && grants(perms, 'id-token') !== 2) {
      out.push(`jobs.${jobId}: grant permissions: id-token: write (the action signs in with GitHub OIDC)`);
    }
  }
  return out;
}

/** Steps whose `uses:` still holds a placeholder of the README's samples, e.g. `<owner>/apim-function-auth@<commit-sha>`. */
export function placeholderProblems(wf: Json): string[] {
  const out: string[] = [];
  for (const [jobId, job] of jobsOf(wf)) {
    for (const step of stepsOf(job)) {
      const uses = typeof step.uses === 'string' ? step.uses : '';
      if (/apim-function-auth@/.test(uses) && /[<>]/.test(uses)) {
        out.push(
          `jobs.${jobId}: uses: ${uses}: replace the placeholder — the owner of your copy, and a commit SHA (40 hex ` +
            'characters) or a release tag'
        );
      }
    }
  }
  return out;
}

/** Problems of `uses:`: this action pinned by a tag or a commit SHA (any owner), never a branch; `./` is fine. */
export function pinProblems(wf: Json): string[] {
  const out: string[] = [];
  for (const [jobId, job] of jobsOf(wf)) {
    for (const step of actionSteps(job)) {
      const uses = String(step.uses);
      if (uses.startsWith('.')) continue;
      const ref = uses.slice(uses.indexOf('@') + 1);
      if (!PINNED_REF.test(ref)) {
        out.push(`jobs.${jobId}: uses: ${uses}: pin a commit SHA (40 hex characters) or a release tag, not a branch`);
      }
    }
  }
  return out;
}

/**
 * Every problem of a workflow file's text (see the module comment), each a line of text; [] when it passes.
 * `inputs`: action.yml's inputs. Never throws.
 */
export function checkWorkflow(text: string, inputs: Record<string, ActionInput>): string[] {
  const shape = shapeProblems(text);
  if (shape.some((p) => p.startsWith('YAML:'))) return shape;
  const wf = parse(text) as Json;
  const expressions = allTexts(text).flatMap(expressionProblems);
  // …and none hides in a comment or a key either (line by line, once the values are fine).
  if (expressions.length === 0) {
    text.split('\n').forEach((line, i) => {
      const rest = line.replace(/\$\{\{.*?\}\}/g, '');
      expressions.push(...expressionProblems(rest).map((p) => `line ${i + 1}: ${p.replace(/ in: .*$/, '')}`));
    });
  }
  const steps = jobsOf(wf).flatMap(([jobId, job]) =>
    actionSteps(job).flatMap((s) =>
      stepInputProblems(s, inputs).map((p) => `jobs.${jobId} step ${String(s.id ?? s.uses)}: ${p}`)
    )
  );
  // A caller of a reusable workflow (which uses the action) has no step of its own: check the called file too.
  const placeholders = placeholderProblems(wf);
  if (jobsOf(wf).every(([, job]) => actionSteps(job).length === 0 && typeof job.uses !== 'string')) {
    if (placeholders.length) steps.push(...placeholders);
    else
      steps.push(
        'no step uses this action (uses: <owner>/apim-function-auth@<ref>, or ./) and no job calls a workflow'
      );
  }
  return [...shape, ...new Set(expressions), ...steps, ...permissionProblems(wf), ...pinProblems(wf)];
}
