/**
 * The code's shape (issue "One shape for every resource", DESIGN §1), measured with the TypeScript compiler: no
 * function in src/ longer than 80 lines, no file longer than 500, src/main.ts at most 150; pure modules (planning,
 * merging, rendering, reconciler contracts) import no @actions/*, network or file-system code.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../scripts/action-runner.js';

const src = path.join(repoRoot, 'src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []
  );
const rel = (f: string) => path.relative(repoRoot, f);

/** Every function, method and arrow function longer than `max` lines, as `file:line name (n lines)`. */
function longFunctions(file: string, max: number): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const from = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const to = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (to - from + 1 > max) out.push(`${rel(file)}:${from + 1} (${to - from + 1} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const PURE = [
  'src/plan.ts',
  'src/resources/',
  'src/policy/',
  'src/report/render.ts',
  'src/report/drift-issue.ts',
  'src/report/github-errors.ts',
  'src/report/derive.ts',
  'src/report/chain.ts',
  'src/report/sections.ts',
  'src/report/text.ts',
  'src/report/markdown.ts',
  'src/report/aggregate.ts',
  'src/report/aggregate-outputs.ts',
  'src/targets/file.ts',
  'src/targets/select.ts',
  'src/write-guard.ts',
  'src/inputs/',
  'src/json-path.ts',
  'src/secrets.ts',
  'src/snapshot/schema.ts',
  'src/snapshot/capture.ts',
  'src/snapshot/restore-plan.ts',
  'src/report/restore-sections.ts'
];
const IMPURE_IMPORT =
  /from '(@actions\/[^']+|node:(fs|http|https|net|child_process)[^']*|@azure\/[^']+|@octokit\/[^']+)'/;

describe('shape of src/', () => {
  const all = files(src);
  it('no function longer than 80 lines', () => {
    expect(all.flatMap((f) => longFunctions(f, 80))).toEqual([]);
  });
  it('no file longer than 500 lines; src/main.ts at most 150', () => {
    const lines = (f: string) => readFileSync(f, 'utf8').split('\n').length;
    expect(all.filter((f) => lines(f) > 500).map(rel)).toEqual([]);
    expect(lines(path.join(src, 'main.ts'))).toBeLessThanOrEqual(150);
  });
  it('pure modules import no action, network, SDK or file-system code', () => {
    const pure = all.filter((f) => PURE.some((p) => rel(f).startsWith(p)));
    expect(pure.length).toBeGreaterThan(20);
    expect(pure.filter((f) => IMPURE_IMPORT.test(readFileSync(f, 'utf8'))).map(rel)).toEqual([]);
  });
});
