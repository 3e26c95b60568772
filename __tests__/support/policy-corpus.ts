/**
 * The real public policies in ../shared/fixtures/policies (read in place, never copied), described by INDEX.tsv.
 * Shared by the policy-engine corpus test and the end-to-end round trip through ARM.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = path.resolve(repoRoot, '../shared/fixtures/policies');
export const corpusPresent = existsSync(path.join(corpusDir, 'INDEX.tsv'));

export interface CorpusRow {
  file: string;
  /** `policies` or `fragment` */
  root: string;
  notes: string;
  exprIssues: string;
  /** INDEX.tsv `level_guess`: `api (guess)`, `operation`, `product`, `global`, `fragment`. */
  level: string;
}

/** INDEX.tsv's rows (empty when ../shared is absent). */
export function corpusRows(): CorpusRow[] {
  if (!corpusPresent) return [];
  const [head, ...lines] = readFileSync(path.join(corpusDir, 'INDEX.tsv'), 'utf8').trim().split('\n');
  const cols = head.split('\t');
  const at = (name: string) => cols.indexOf(name);
  return lines.map((l) => {
    const c = l.split('\t');
    return {
      file: c[at('file')],
      root: c[at('root')],
      notes: c[at('notes')] ?? '',
      exprIssues: c[at('expr_issues')],
      level: c[at('level_guess')] ?? ''
    };
  });
}

/** Broken upstream (invalid even for APIM), as INDEX.tsv's notes say (SOURCES.md: "Two files are broken upstream"). */
export const isBrokenUpstream = (r: CorpusRow): boolean => /upstream bug|CORRUPT upstream/i.test(r.notes);

/** A corpus document's text. */
export const readCorpus = (r: CorpusRow): string => readFileSync(path.join(corpusDir, r.file), 'utf8');
