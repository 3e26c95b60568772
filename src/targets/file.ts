/**
 * The targets file (input `targets`): a YAML document with `defaults:` (any per-target input) and `targets:` (each a
 * unique `name` and per-target inputs, by their action.yml names), parsed with the `yaml` package (failsafe schema:
 * every value is the text as written, like a step input) and validated through the inputs table — the same names,
 * rules and messages as the step's inputs. Every problem of every target is reported at once, each with its line.
 * Precedence: a target's own keys, then the file's `defaults`, then the step's inputs, then action.yml's defaults.
 * Pure: the file's text and the step's inputs are handed in.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { checkTargetSpec, inputLookup, type CheckedTarget, type GetInput, type RawValue } from '../inputs/index.js';
import { LIST_INPUTS, isInputName, isTargetInput, TARGET_INPUTS } from '../inputs/table.js';
import { MAX_TARGETS, targetNameProblem } from '../inputs/targets.js';
import { show } from '../inputs/text.js';

/** Largest targets file read, in UTF-16 code units (1 MiB of ASCII): far above 500 targets of a few lines each. */
export const MAX_TARGETS_FILE_LENGTH = 1024 * 1024;

/** One target of the file, validated: its name, the line of its entry, and its settings. */
export interface FileTarget {
  name: string;
  /** 1-based line of the entry (its first key) in the file. */
  line: number;
  spec: CheckedTarget;
}

/** One problem found in the file: where (1-based line), which target and key when known, and what. */
export interface FileProblem {
  line?: number;
  target?: string;
  key?: string;
  /** The value came from the step's input of that name (not from the file). */
  step?: boolean;
  /** `<what is wrong>; <fix>`. */
  text: string;
}

/** What {@link parseTargetsFile} found: the targets (only when there is no problem), every problem, the warnings. */
export interface ParsedTargetsFile {
  targets: FileTarget[];
  problems: FileProblem[];
  /** Non-fatal findings, each starting with `<target>: `. */
  warnings: string[];
}

/** The values of one map (`defaults:` or a target), with the line of each key. */
interface Entry {
  line: number;
  values: Record<string, RawValue>;
  lines: Record<string, number>;
  name?: string;
}

/**
 * Parses and validates a targets file. `step` reads the step's inputs (the last fallback before action.yml's
 * defaults). Refused: YAML errors (duplicate keys included), a root that is not a map, keys other than `defaults`
 * and `targets`, unknown or run-level keys in an entry (with the closest per-target input name when one is near),
 * anchors and aliases, maps where a value belongs, lists for single-value inputs, a missing, empty or too long
 * `targets` list, a missing, malformed or repeated `name` (names compare case-insensitively), two targets on the same
 * APIM service, Function App and slot, one API of an APIM service in two targets, and every input problem of every target (as the step input would be). A
 * problem of a value from `defaults` or the step is reported once, not once per target. Never throws.
 */
export function parseTargetsFile(text: string, step: GetInput): ParsedTargetsFile {
  if (text.length > MAX_TARGETS_FILE_LENGTH) {
    return fail({ text: `is ${text.length} characters long; the limit is ${MAX_TARGETS_FILE_LENGTH}: split it` });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, schema: 'failsafe' });
  if (doc.errors.length > 0) {
    return fail(
      ...doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line,
        text: `${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}; fix the YAML syntax`
      }))
    );
  }
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).line);
  const problems: FileProblem[] = [];
  const root = readRoot(doc, lineOf, problems);
  const defaults = root.defaults ? readEntry(root.defaults, false, lineOf, problems) : undefined;
  const entries = root.targets.map((m) => readEntry(m, true, lineOf, problems));
  if (entries.length === 0) return fail(...problems);
  // Keys and values that could not be read are problems already; every target is still checked with the rest.
  const checked = checkTargets(entries, defaults, step);
  const all = [...problems, ...checked.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return all.length > 0 ? { targets: [], problems: all, warnings: checked.warnings } : checked;
}

function fail(...problems: FileProblem[]): ParsedTargetsFile {
  return { targets: [], problems, warnings: [] };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

/** The root map's `defaults` map and `targets` maps; problems for anything else. */
function readRoot(
  doc: Document,
  lineOf: (offset: number | undefined) => number,
  problems: FileProblem[]
): { defaults?: YAMLMap; targets: YAMLMap[] } {
  const root = doc.contents;
  const example = 'start it with targets: and one entry per target (- name: orders-prod, then its inputs)';
  if (!isMap(root)) {
    problems.push({ line: lineOf(root?.range?.[0]), text: `is not a map with a targets: list; ${example}` });
    return { targets: [] };
  }
  let defaults: YAMLMap | undefined;
  let targets: YAMLMap[] | undefined;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const line = lineOf((pair.key as { range?: number[] } | null)?.range?.[0]);
    const value = pair.value;
    if (key === 'defaults') {
      if (isMap(value)) defaults = value;
      else if (!(isScalar(value) && value.value === '')) {
        problems.push({ line, key, text: 'is not a map; give per-target inputs under it, one per line' });
      }
    } else if (key === 'targets') {
      targets = readTargetList(value, line, lineOf, problems);
    } else {
      problems.push({ line, key, text: `${show(key)} is not a key of a targets file; use defaults: and targets:` });
    }
  }
  if (targets === undefined && !problems.some((p) => p.key === 'targets')) {
    problems.push({ line: lineOf(root.range?.[0]), key: 'targets', text: `is missing; ${example}` });
  }
  return { ...(defaults ? { defaults } : {}), targets: targets ?? [] };
}

/** The entries of `targets:`: a list of 1-{@link MAX_TARGETS} maps. */
function readTargetList(
  value: unknown,
  line: number,
  lineOf: (offset: number | undefined) => number,
  problems: FileProblem[]
): YAMLMap[] {
  if (!isSeq(value) || value.items.length === 0) {
    problems.push({ line, key: 'targets', text: 'is not a list of targets; give one entry (- name: …) per target' });
    return [];
  }
  if (value.items.length > MAX_TARGETS) {
    problems.push({
      line,
      key: 'targets',
      text: `lists ${value.items.length} targets; the limit is ${MAX_TARGETS}: split the file and fan out on a matrix`
    });
    return [];
  }
  const maps: YAMLMap[] = [];
  for (const item of value.items) {
    if (isMap(item)) maps.push(item);
    else {
      const at = lineOf((item as { range?: number[] } | null)?.range?.[0]);
      problems.push({ line: at, text: 'a target is not a map; give name: and per-target inputs, one per line' });
    }
  }
  return maps;
}

/** The key/values of one map, with their lines; problems for keys and values that cannot be inputs. */
function readEntry(
  map: YAMLMap,
  isTarget: boolean,
  lineOf: (offset: number | undefined) => number,
  problems: FileProblem[]
): Entry {
  const entry: Entry = { line: lineOf(map.range?.[0]), values: {}, lines: {} };
  const where = isTarget ? 'a target' : 'defaults';
  const first = problems.length;
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const line = lineOf((pair.key as { range?: number[] } | null)?.range?.[0]);
    if (isTarget && key === 'name') {
      const v = readValue(pair.value, false);
      if (typeof v === 'string') entry.name = v.trim();
      else if (!Array.isArray(v)) problems.push({ line, key, text: v.problem });
      continue;
    }
    const keyProblem =
      key === '<<'
        ? 'YAML merge keys (<<) and aliases are not supported; repeat the values, or put them under defaults:'
        : unknownKeyProblem(key, where);
    if (keyProblem) {
      problems.push({ line, key, text: keyProblem });
      continue;
    }
    const v = readValue(pair.value, LIST_INPUTS.includes(key));
    if (typeof v === 'object' && !Array.isArray(v)) problems.push({ line, key, text: v.problem });
    else {
      entry.values[key] = v;
      entry.lines[key] = line;
    }
  }
  // Every problem of a target's own keys names the target (when its name is usable), as the input checks do.
  const name = entry.name;
  if (isTarget && name && !targetNameProblem(name)) {
    for (const p of problems.slice(first)) if (p.key !== 'name') p.target = name;
  }
  return entry;
}

/** A value as input text (a string) or, for a list input, its entries; `{problem}` for anything else. */
function readValue(node: unknown, list: boolean): string | string[] | { problem: string } {
  const alias = 'anchors and aliases are not supported; repeat the value, or put it under defaults:';
  if (isAlias(node)) return { problem: alias };
  if (node === null || node === undefined) return '';
  if (isScalar(node)) return String(node.value ?? '');
  if (isSeq(node)) {
    if (!list) return { problem: 'is a list; this input takes one value (only api-ids and excluded-paths are lists)' };
    const out: string[] = [];
    for (const item of node.items) {
      if (isAlias(item)) return { problem: alias };
      if (!isScalar(item)) return { problem: 'has an entry that is not a text; give one text per entry' };
      out.push(String(item.value ?? ''));
    }
    return out;
  }
  return { problem: 'is a map; give a text (or, for api-ids and excluded-paths, a list)' };
}

/** Why `key` cannot be in `where` (`a target` or `defaults`), or undefined when it is a per-target input. */
function unknownKeyProblem(key: string, where: string): string | undefined {
  if (isTargetInput(key)) return undefined;
  if (key === 'name') return 'cannot be in defaults: every target has its own name';
  if (isInputName(key)) {
    return `${show(key)} is a run-level input (sign-in, cloud, mode, publishing): set it on the step, not in ${where}`;
  }
  const near = closest(key, ['name', ...TARGET_INPUTS]);
  const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
  return `${show(key)} is not a per-target input${hint}; see action.yml`;
}

/** Common short forms in input names, expanded before {@link closest} compares. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  rg: 'resource-group',
  func: 'function',
  fn: 'function',
  fa: 'function-app',
  sub: 'subscription',
  apis: 'api-ids'
};

/**
 * The names in `names` that `key` most likely means (case-insensitive), at most 3: within edit distance 2 of `key`
 * (the nearest only), else after expanding short forms (`rg` → `resource-group`, `func` → `function`…), the names
 * the expanded key equals, starts or ends, or whose words its words begin, in order (`func-app-rg` or `function-rg` →
 * `function-app-resource-group`, `subscription` → `subscription-id`). Empty when none is near.
 */
export function closest(key: string, names: readonly string[]): string[] {
  const k = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = editDistance(k, n);
    if (d <= 2 && (!best || d < best.d)) best = { name: n, d };
  }
  if (best) return [best.name];
  const words = k.split(/[-_]/).filter(Boolean);
  const expanded = words.map((w) => ABBREVIATIONS[w] ?? w).join('-');
  const ew = expanded.split('-');
  // Each word of the expanded key starts a word of the name, in order (`function-rg` → function-app-resource-group).
  const byWords = (n: string) => {
    let i = 0;
    for (const w of n.split('-')) if (i < ew.length && w.startsWith(ew[i]!)) i++;
    return ew.length > 1 && i === ew.length;
  };
  const found = names.filter(
    (n) =>
      n === expanded ||
      editDistance(expanded, n) <= 2 ||
      (expanded.length >= 3 && (n.startsWith(`${expanded}-`) || n.endsWith(`-${expanded}`))) ||
      byWords(n)
  );
  return found.length <= 3 ? found : [];
}

/** Levenshtein distance of two short strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** `first`, falling back to `second` for an input that is empty (nothing but spaces and line breaks). */
function orElse(first: GetInput, second: GetInput): GetInput {
  return (name) => {
    const t = first(name) ?? '';
    return /^[ \r\n]*$/.test(t) ? second(name) : t;
  };
}

/** Names, input checks and duplicates over the entries; the targets when nothing is wrong. */
function checkTargets(entries: Entry[], defaults: Entry | undefined, step: GetInput): ParsedTargetsFile {
  const problems: FileProblem[] = [];
  const warnings: string[] = [];
  const targets: FileTarget[] = [];
  const seen = new Set<string>();
  const names = new Map<string, Entry>();
  const fallback = defaults ? orElse(inputLookup(defaults.values), step) : step;
  for (const e of entries) {
    const name = entryName(e, names, problems);
    const checked = checkTargetSpec(inputLookup(e.values), fallback);
    for (const p of checked.problems) {
      const own = Object.hasOwn(e.values, p.input);
      const fromDefaults = !own && defaults !== undefined && Object.hasOwn(defaults.values, p.input);
      if (p.stage === 'required') {
        const text = 'is required; set it on the target, under defaults:, or as the step input';
        problems.push({ line: e.line, target: name, key: p.input, text });
        continue;
      }
      const source = own ? 'target' : fromDefaults ? 'defaults' : 'step';
      // A bad default or step value is one problem, not one per target.
      const once = `${source}|${p.input}|${p.text}`;
      if (source !== 'target' && seen.has(once)) continue;
      seen.add(once);
      if (source === 'step') {
        problems.push({ step: true, key: p.input, text: p.text });
        continue;
      }
      const line = own ? e.lines[p.input] : defaults!.lines[p.input];
      problems.push({ line, ...(own ? { target: name } : {}), key: p.input, text: p.text });
    }
    warnings.push(...checked.warnings.map((w) => `${name ?? `line ${e.line}`}: ${w}`));
    if (checked.spec && name) targets.push({ name, line: e.line, spec: checked.spec });
  }
  problems.push(...duplicateTargets(targets), ...sharedApis(targets));
  return problems.length > 0 ? { targets: [], problems, warnings } : { targets, problems, warnings };
}

/** The entry's name when it is given, valid and not taken (case-insensitively); else a problem, undefined. */
function entryName(e: Entry, names: Map<string, Entry>, problems: FileProblem[]): string | undefined {
  if (e.name === undefined || e.name === '') {
    problems.push({ line: e.line, key: 'name', text: 'is missing; give every target a unique name' });
    return undefined;
  }
  const bad = targetNameProblem(e.name);
  if (bad) {
    problems.push({ line: e.line, key: 'name', text: bad });
    return undefined;
  }
  const other = names.get(e.name.toLowerCase());
  if (other) {
    problems.push({
      line: e.line,
      target: e.name,
      key: 'name',
      text: `is also the name of the target on line ${other.line} (names compare case-insensitively); rename one`
    });
    return e.name;
  }
  names.set(e.name.toLowerCase(), e);
  return e.name;
}

/**
 * Problems for targets on the same APIM service, Function App and slot as an earlier one (ARM compares names
 * case-insensitively): they would write the same resources.
 */
function duplicateTargets(targets: FileTarget[]): FileProblem[] {
  const byKey = new Map<string, FileTarget>();
  const problems: FileProblem[] = [];
  for (const t of targets) {
    const s = t.spec;
    const key = [
      s.subscriptionId,
      s.apimResourceGroup,
      s.apimName,
      s.functionAppResourceGroup,
      s.functionAppName,
      s.functionAppSlot ?? ''
    ]
      .join('/')
      .toLowerCase();
    const first = byKey.get(key);
    if (!first) {
      byKey.set(key, t);
      continue;
    }
    problems.push({
      line: t.line,
      target: t.name,
      text:
        `same APIM service, Function App and slot as target ${show(first.name)} (line ${first.line}); list the ` +
        'pair once, with all its API IDs'
    });
  }
  return problems;
}

/**
 * Problems for an API of an APIM service that an earlier target also lists (ARM compares names case-insensitively):
 * an API's inbound policy sends one managed-identity token to one backend, so two targets would each rewrite it for
 * their own Function App (and at most one backend is the API's). Targets that are duplicates are reported once.
 */
function sharedApis(targets: FileTarget[]): FileProblem[] {
  const seen = new Map<string, FileTarget>();
  const problems: FileProblem[] = [];
  for (const t of targets) {
    const s = t.spec;
    const service = [s.subscriptionId, s.apimResourceGroup, s.apimName].join('/').toLowerCase();
    for (const api of s.apiIds) {
      const key = `${service}/${api.toLowerCase()}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, t);
        continue;
      }
      const f = first.spec;
      const duplicate = [f.functionAppResourceGroup, f.functionAppName, f.functionAppSlot ?? ''].join('/');
      if (
        duplicate.toLowerCase() ===
        [s.functionAppResourceGroup, s.functionAppName, s.functionAppSlot ?? ''].join('/').toLowerCase()
      ) {
        continue; // the same target twice: duplicateTargets says so
      }
      problems.push({
        line: t.line,
        target: t.name,
        key: 'api-ids',
        text:
          `API ${show(api)} of APIM service ${show(s.apimName)} is also in target ${show(first.name)} (line ` +
          `${first.line}): an API's inbound policy sends one token to one backend, so give each API to one target`
      });
      break;
    }
  }
  return problems;
}

/**
 * The problems as one message: `Invalid targets file <file> (<n> problem[s]):` then one line per problem,
 * `- <file>:<line>: target '<name>': <key>: <text>` (parts left out when unknown), or `- step input <key>: <text>` for
 * a step input the targets fall back to.
 */
export function formatFileProblems(file: string, problems: readonly FileProblem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => {
    if (p.step) return `- step input ${p.key}: ${p.text}`;
    const at = p.line !== undefined ? `${file}:${p.line}` : file;
    const target = p.target ? ` target ${show(p.target)}:` : '';
    const key = p.key ? ` ${p.key}:` : '';
    return `- ${at}:${target}${key} ${p.text}`;
  });
  return `Invalid targets file ${file} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
