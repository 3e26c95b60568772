/**
 * Figures of the effective-pipeline work over the real public policies in ../shared/fixtures/policies (read in
 * place, never copied): how many use operation-level content (documents written for an operation, `<base />`
 * missing or not first in `<inbound>`), `<include-fragment>` and `{{named values}}`; and which documents change
 * outcome under the effective pipeline, and why. Used by __tests__/policy/effective-corpus.test.ts, which prints the
 * figures (the issue asks for them in the report).
 */
import { mergePolicy, ownedManagedIdentity, PolicyParseError } from '../../src/policy/index.js';
import { judgeEffective, type FragmentRead } from '../../src/policy/effective.js';
import { tokenExposures } from '../../src/policy/lint.js';
import { includedFragments, pipelineNamedValueRefs } from '../../src/policy/pipeline-refs.js';
import { elementChildren, parsePolicy } from '../../src/policy/tree.js';
import { corpusRows, isBrokenUpstream, readCorpus, type CorpusRow } from './policy-corpus.js';

export const CORPUS_APP = '0f0f0f0f-1111-2222-3333-444444444444';
const OWNED =
  `<base />\n<authentication-managed-identity resource="${CORPUS_APP}" />\n` +
  '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\n' +
  '<set-query-parameter name="subscription-key" exists-action="delete" />';
/** The API policy an operation policy runs under in the figures: the owned elements and nothing else. */
export const CLEAN_API = `<policies>\n<inbound>\n${OWNED}\n</inbound>\n<backend><base /></backend>\n</policies>`;
const OWNERSHIP = { acceptableResources: [CORPUS_APP] };

/** The fragment ID a corpus fragment file stands for (`…__frag-llm-usage.xml` → `llm-usage`, `…__test__policy.xml` → `test`). */
export function fragmentIdOf(file: string): string {
  const parts = file
    .replace(/^.*\//, '')
    .replace(/@[0-9a-f]+\.xml$/i, '')
    .replace(/\.xml$/i, '')
    .split('__');
  const last = parts[parts.length - 1] === 'policy' ? parts[parts.length - 2] : parts[parts.length - 1];
  return last.replace(/^(frag|pf)-/i, '');
}

/** What one document's outcome was before and is now, and why it changed. */
export interface OutcomeChange {
  file: string;
  before: string;
  after: string;
  why: string;
}

export interface CorpusFigures {
  documents: number;
  policies: number;
  fragments: number;
  operationLevel: { guessedOperation: number; inboundWithoutBase: number; baseNotFirst: number; files: string[] };
  includeFragment: { documents: number; includes: number; idsFoundInCorpus: number; idsNotInCorpus: number };
  namedValues: { documents: number; inGuardAttributes: number };
  asApiPolicy: OutcomeChange[];
  asOperationPolicy: { judged: number; refused: number; byKind: Record<string, number>; changes: OutcomeChange[] };
  lint: { ignoreError: string[]; tokenExposed: string[] };
}

const parses = (raw: string): boolean => {
  try {
    parsePolicy(raw);
    return true;
  } catch (e) {
    if (e instanceof PolicyParseError) return false;
    throw e;
  }
};

/** `<base />` placement in `<inbound>`: none, first, or later. */
function basePlacement(raw: string): 'none' | 'first' | 'later' | 'no-inbound' {
  const root = parsePolicy(raw).root;
  const inbound = elementChildren(root).find((e) => e.name === 'inbound');
  if (!inbound) return 'no-inbound';
  const kids = elementChildren(inbound);
  const i = kids.findIndex((e) => e.name === 'base');
  return i < 0 ? 'none' : i === 0 ? 'first' : 'later';
}

/** The outcome of a document used as the API policy: merge conflicts (refused) or its findings and warnings. */
function asApi(raw: string, fragments: ReadonlyMap<string, FragmentRead>) {
  const merged = mergePolicy(raw, { resource: CORPUS_APP, ...OWNERSHIP });
  const notInspected = merged.warnings.filter((w) => /its content is not inspected/.test(w)).length;
  if (merged.conflicts.length) return { refused: true, notInspected, findings: [] as string[], merged };
  const r = judgeEffective({
    apiId: 'api',
    apiPolicy: merged.text,
    operations: [],
    fragments,
    resource: CORPUS_APP,
    ownership: OWNERSHIP
  });
  return {
    refused: false,
    notInspected,
    findings: r.findings.map((f) => `${f.kind} in ${f.scope} ${f.scopeId}`),
    merged
  };
}

/** Computes the figures (empty when ../shared is absent). */
export function corpusFigures(): CorpusFigures {
  const rows = corpusRows().filter((r) => !isBrokenUpstream(r));
  const text = new Map(rows.map((r) => [r.file, readCorpus(r)]));
  const policies = rows.filter((r) => r.root === 'policies' && parses(text.get(r.file)!));
  const fragRows = rows.filter((r) => r.root === 'fragment');
  const fragments = new Map<string, FragmentRead>(
    fragRows.map((r) => [fragmentIdOf(r.file), { value: text.get(r.file)! }])
  );
  const lower = new Map([...fragments.keys()].map((k) => [k.toLowerCase(), k]));
  // include-fragment IDs are matched to corpus fragment files case-insensitively (ARM IDs are).
  const canon = (raw: string) =>
    raw.replace(/fragment-id="([^"]+)"/g, (_m, id: string) => `fragment-id="${lower.get(id.toLowerCase()) ?? id}"`);
  const all = [...policies, ...fragRows];
  const includes = all.flatMap((r) => includedFragments(text.get(r.file)!));
  const placement = (r: CorpusRow) => basePlacement(text.get(r.file)!);
  const opFiles = policies.filter((r) => /^operation/.test(r.level));
  const figures: CorpusFigures = {
    documents: rows.length,
    policies: policies.length,
    fragments: fragRows.length,
    operationLevel: {
      guessedOperation: opFiles.length,
      inboundWithoutBase: policies.filter((r) => placement(r) === 'none').length,
      baseNotFirst: policies.filter((r) => placement(r) === 'later').length,
      files: opFiles.map((r) => r.file)
    },
    includeFragment: {
      documents: all.filter((r) => includedFragments(text.get(r.file)!).length > 0).length,
      includes: includes.length,
      idsFoundInCorpus: [...new Set(includes)].filter((id) => lower.has(id.toLowerCase())).length,
      idsNotInCorpus: [...new Set(includes)].filter((id) => !lower.has(id.toLowerCase())).length
    },
    namedValues: {
      documents: all.filter((r) => /\{\{[A-Za-z0-9\-._]+\}\}/.test(text.get(r.file)!)).length,
      inGuardAttributes: all.filter((r) => pipelineNamedValueRefs(text.get(r.file)!).length > 0).length
    },
    asApiPolicy: [],
    asOperationPolicy: { judged: 0, refused: 0, byKind: {}, changes: [] },
    lint: { ignoreError: [], tokenExposed: [] }
  };
  for (const r of policies) {
    const raw = canon(text.get(r.file)!);
    apiOutcome(figures, r.file, raw, fragments);
    operationOutcome(figures, r.file, raw, fragments);
    lintOutcome(figures, r.file, raw, fragments);
  }
  return figures;
}

function apiOutcome(f: CorpusFigures, file: string, raw: string, fragments: ReadonlyMap<string, FragmentRead>): void {
  let o: ReturnType<typeof asApi>;
  try {
    o = asApi(raw, fragments);
  } catch (e) {
    if (e instanceof PolicyParseError) return; // not an API policy the action manages (no <inbound>): unchanged
    throw e;
  }
  if (o.refused || (o.notInspected === 0 && o.findings.length === 0)) return;
  const before = o.notInspected
    ? `accepted, warned that ${o.notInspected} fragment include(s) are not inspected`
    : 'accepted';
  const after = o.findings.length
    ? `refused: ${o.findings.join('; ')}`
    : 'accepted: the included fragments were judged';
  const why = o.findings.length
    ? 'a fragment included after the owned elements undoes them'
    : 'fragment content is now judged at its include point (missing ones are reported as not read)';
  f.asApiPolicy.push({ file, before, after, why });
}

function operationOutcome(
  f: CorpusFigures,
  file: string,
  raw: string,
  fragments: ReadonlyMap<string, FragmentRead>
): void {
  const r = judgeEffective({
    apiId: 'api',
    apiPolicy: CLEAN_API,
    operations: [{ id: 'op', policy: raw }],
    fragments,
    resource: CORPUS_APP,
    ownership: OWNERSHIP
  });
  f.asOperationPolicy.judged++;
  if (r.findings.length === 0) return;
  f.asOperationPolicy.refused++;
  for (const x of r.findings) f.asOperationPolicy.byKind[x.kind] = (f.asOperationPolicy.byKind[x.kind] ?? 0) + 1;
  f.asOperationPolicy.changes.push({
    file,
    before: 'in sync (operation policies were not read)',
    after: 'refused',
    why: [...new Set(r.findings.map((x) => `${x.kind} (${x.scope} ${x.scopeId}, line ${x.line})`))].join('; ')
  });
}

function lintOutcome(f: CorpusFigures, file: string, raw: string, fragments: ReadonlyMap<string, FragmentRead>): void {
  try {
    if (ownedManagedIdentity(raw, OWNERSHIP)?.ignoreError?.trim().toLowerCase() === 'true')
      f.lint.ignoreError.push(file);
  } catch (e) {
    if (!(e instanceof PolicyParseError)) throw e;
  }
  const docs = [{ label: file, raw }];
  for (const id of includedFragments(raw)) {
    const fr = fragments.get(id);
    if (fr && 'value' in fr) docs.push({ label: `fragment ${id}`, raw: fr.value });
  }
  if (tokenExposures(docs).length) f.lint.tokenExposed.push(file);
}
