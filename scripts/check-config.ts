/**
 * `npm run check-config -- [--input <name>=<value>]… <file>…` — checks your own configuration without Azure:
 * - a workflow file: every step that uses this action (`<owner>/apim-function-auth@<ref>` or `./`), with the rules
 *   `__tests__/examples.test.ts` applies to examples/ (scripts/workflow-check.ts: declared and required inputs,
 *   permissions, a pinned ref, balanced `${{ … }}`);
 * - a targets file (a YAML map with `targets:`): the action's own parser and validation (src/targets/file.ts), every
 *   problem with its line; `--input name=value` gives a step input the targets fall back to (e.g.
 *   `--input subscription-id=<GUID>` when the step sets it). No Azure or GitHub request is made.
 * Prints `<file>: ok` or its problems per file; exits 1 when any file has a problem (or cannot be read), else 0.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, isMap } from 'yaml';
import { inputLookup } from '../src/inputs/index.js';
import { formatFileProblems, parseTargetsFile } from '../src/targets/file.js';
import { checkWorkflow, loadActionInputs } from './workflow-check.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What one file's check found: its kind, the problems (lines of text; [] = ok) and warnings. */
export interface FileCheck {
  file: string;
  kind: 'workflow' | 'targets';
  problems: string[];
  warnings: string[];
}

/** True when the text is a YAML map with a top-level `targets:` key (a targets file, not a workflow). */
export function isTargetsFile(text: string): boolean {
  const doc = parseDocument(text);
  return isMap(doc.contents) && doc.contents.has('targets') && !doc.contents.has('jobs');
}

/** Checks one file's text (see the module comment). `step`: step inputs for a targets file. Never throws. */
export function checkConfigText(file: string, text: string, step: Record<string, string> = {}): FileCheck {
  if (isTargetsFile(text)) {
    const parsed = parseTargetsFile(text.replace(/^\uFEFF/, ''), inputLookup(step));
    const problems = parsed.problems.length > 0 ? formatFileProblems(file, parsed.problems).split('\n').slice(1) : [];
    return { file, kind: 'targets', problems, warnings: parsed.warnings };
  }
  return {
    file,
    kind: 'workflow',
    problems: checkWorkflow(text, loadActionInputs(repoRoot)),
    warnings: untaggedRefs(text)
  };
}

/**
 * Warnings for steps pinned to a release tag (`@v1`, `@v1.2.3`) that this clone does not have (`git tag -l`): until a
 * release is published (README "Versioning and releases") such a ref fails on GitHub. None when git cannot answer.
 */
export function untaggedRefs(text: string, hasTag: (tag: string) => boolean | undefined = gitHasTag): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/uses:\s*["']?([\w.-]+\/apim-function-auth)@(v\d+(?:\.\d+\.\d+)?)\b/g)) {
    if (hasTag(m[2]!) === false) {
      out.push(
        `uses: ${m[1]}@${m[2]}: this clone has no tag ${m[2]} — no release is published yet, so GitHub cannot ` +
          'resolve it; pin a commit SHA until one is'
      );
    }
  }
  return [...new Set(out)];
}

/** Whether the repository has the tag; undefined when git cannot answer. */
function gitHasTag(tag: string): boolean | undefined {
  const r = spawnSync('git', ['tag', '-l', tag], { cwd: repoRoot, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() === tag : undefined;
}

function main(argv: string[]): number {
  const step: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--input' && argv[i + 1]?.includes('=')) {
      const kv = argv[++i]!;
      step[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run check-config -- [--input name=value]… <workflow or targets file>…');
      return 0;
    } else if (a.startsWith('--')) {
      console.error(`unknown option ${a}; usage: npm run check-config -- [--input name=value]… <file>…`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error('usage: npm run check-config -- [--input name=value]… <workflow or targets file>…');
    return 2;
  }
  let bad = 0;
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      console.log(`${file}: cannot be read: ${(e as Error).message}`);
      bad++;
      continue;
    }
    const r = checkConfigText(file, text, step);
    for (const w of r.warnings) console.log(`${file}: warning: ${w}`);
    if (r.problems.length === 0) console.log(`${file}: ok (${r.kind})`);
    else {
      bad++;
      console.log(`${file}: ${r.problems.length} problem(s) (${r.kind}):`);
      for (const p of r.problems) console.log(`  ${p.startsWith('- ') ? p.slice(2) : p}`);
    }
  }
  return bad > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
