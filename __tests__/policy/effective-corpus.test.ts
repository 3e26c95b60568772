/**
 * The effective pipeline over every real public policy in ../shared/fixtures/policies (read in place, never copied):
 * the figures the issue asks for (operation-level content, fragments, named values) and which documents change
 * outcome and why, printed for the report; plus invariants that make the figures trustworthy.
 */
import { describe, expect, it } from '@jest/globals';
import { corpusFigures, fragmentIdOf } from '../support/effective-corpus.js';
import { corpusPresent, corpusRows, isBrokenUpstream } from '../support/policy-corpus.js';

if (!corpusPresent) console.warn('SKIPPED effective-pipeline corpus figures: ../shared absent');
const maybe = corpusPresent ? describe : describe.skip;

maybe('effective pipeline over the policy corpus', () => {
  const f = corpusFigures();

  it('prints the figures (operation content, fragments, named values, changed outcomes)', () => {
    const lines = [
      `documents ${f.documents} (policies that parse ${f.policies}, fragments ${f.fragments})`,
      `operation-level: written for an operation ${f.operationLevel.guessedOperation}; <inbound> without <base /> ${f.operationLevel.inboundWithoutBase}; <base /> not first ${f.operationLevel.baseNotFirst}`,
      `include-fragment: ${f.includeFragment.documents} documents, ${f.includeFragment.includes} includes, IDs found in the corpus ${f.includeFragment.idsFoundInCorpus}, not ${f.includeFragment.idsNotInCorpus}`,
      `named values: ${f.namedValues.documents} documents use {{…}}; ${f.namedValues.inGuardAttributes} in attributes the guards judge`,
      `as API policy, outcome changed: ${f.asApiPolicy.length}`,
      ...f.asApiPolicy.map((c) => `  ${c.file}: ${c.before} → ${c.after} (${c.why})`),
      `as operation policy under a clean API policy: ${f.asOperationPolicy.refused} of ${f.asOperationPolicy.judged} refused ${JSON.stringify(f.asOperationPolicy.byKind)}`,
      ...f.asOperationPolicy.changes.map((c) => `  ${c.file}: ${c.why}`),
      `lint: ignore-error on the owned element ${f.lint.ignoreError.length}; token kept in a variable and exposed ${f.lint.tokenExposed.length}`,
      ...f.lint.tokenExposed.map((x) => `  token exposed: ${x}`)
    ];
    console.log(lines.join('\n'));
    expect(f.policies).toBeGreaterThan(0);
  });

  it('the counts agree with INDEX.tsv (fragments, includes, named values)', () => {
    const rows = corpusRows().filter((r) => !isBrokenUpstream(r));
    expect(f.fragments).toBe(rows.filter((r) => r.root === 'fragment').length);
    // Every corpus fragment file maps to a distinct fragment ID.
    const idsOf = rows.filter((r) => r.root === 'fragment').map((r) => fragmentIdOf(r.file).toLowerCase());
    expect(new Set(idsOf).size).toBe(idsOf.length);
    expect(f.includeFragment.includes).toBeGreaterThanOrEqual(f.includeFragment.documents);
    expect(f.namedValues.documents).toBeGreaterThanOrEqual(f.namedValues.inGuardAttributes);
  });

  it('every operation-policy refusal is explained with a kind, a scope and a line', () => {
    for (const c of f.asOperationPolicy.changes)
      expect(c.why).toMatch(/^[a-z-]+ \((operation|fragment|api) [^,]+, line \d+\)/);
    expect(f.asOperationPolicy.refused).toBe(f.asOperationPolicy.changes.length);
  });
});
