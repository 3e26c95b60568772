export const id = 541;
export const ids = [541];
export const modules = {

/***/ 1541:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  failStep: () => (/* reexport */ failStep),
  failTargetsRun: () => (/* reexport */ failTargetsRun),
  listTargets: () => (/* reexport */ listTargets),
  publishRun: () => (/* reexport */ publishRun),
  reconcileTarget: () => (/* reexport */ reconcileTarget),
  runConfigMarker: () => (/* reexport */ render_runConfigMarker),
  runTargetsFile: () => (/* reexport */ runTargetsFile),
  selectTargetsRun: () => (/* binding */ selectTargetsRun)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/inputs/index.ts + 3 modules
var inputs = __webpack_require__(3710);
// EXTERNAL MODULE: ./src/inputs/table.ts
var table = __webpack_require__(5541);
// EXTERNAL MODULE: ./src/inputs/targets.ts
var targets = __webpack_require__(4295);
// EXTERNAL MODULE: ./src/inputs/text.ts
var inputs_text = __webpack_require__(4862);
;// CONCATENATED MODULE: ./src/targets/file.ts
/**
 * The targets file (input `targets`): a YAML document with `defaults:` (any per-target input) and `targets:` (each a
 * unique `name` and per-target inputs, by their action.yml names), parsed with the `yaml` package (failsafe schema:
 * every value is the text as written, like a step input) and validated through the inputs table — the same names,
 * rules and messages as the step's inputs. Every problem of every target is reported at once, each with its line.
 * Precedence: a target's own keys, then the file's `defaults`, then the step's inputs, then action.yml's defaults.
 * Pure: the file's text and the step's inputs are handed in.
 */





/** Largest targets file read, in UTF-16 code units (1 MiB of ASCII): far above 500 targets of a few lines each. */
const MAX_TARGETS_FILE_LENGTH = 1024 * 1024;
/**
 * Parses and validates a targets file. `step` reads the step's inputs (the last fallback before action.yml's
 * defaults). Refused: YAML errors (duplicate keys included), a root that is not a map, keys other than `defaults`
 * and `targets`, unknown or run-level keys in an entry (with the closest per-target input name when one is near),
 * anchors and aliases, maps where a value belongs, lists for single-value inputs, a missing, empty or too long
 * `targets` list, a missing, malformed or repeated `name` (names compare case-insensitively), two targets on the same
 * APIM service, Function App and slot, one API of an APIM service in two targets, and every input problem of every target (as the step input would be). A
 * problem of a value from `defaults` or the step is reported once, not once per target. Never throws.
 */
function parseTargetsFile(text, step) {
    if (text.length > MAX_TARGETS_FILE_LENGTH) {
        return fail({ text: `is ${text.length} characters long; the limit is ${MAX_TARGETS_FILE_LENGTH}: split it` });
    }
    const lc = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lc, uniqueKeys: true, schema: 'failsafe' });
    if (doc.errors.length > 0) {
        return fail(...doc.errors.map((e) => ({
            line: e.linePos?.[0]?.line,
            text: `${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}; fix the YAML syntax`
        })));
    }
    const lineOf = (offset) => (offset === undefined ? 1 : lc.linePos(offset).line);
    const problems = [];
    const root = readRoot(doc, lineOf, problems);
    const defaults = root.defaults ? readEntry(root.defaults, false, lineOf, problems) : undefined;
    const entries = root.targets.map((m) => readEntry(m, true, lineOf, problems));
    if (entries.length === 0)
        return fail(...problems);
    // Keys and values that could not be read are problems already; every target is still checked with the rest.
    const checked = checkTargets(entries, defaults, step);
    const all = [...problems, ...checked.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return all.length > 0 ? { targets: [], problems: all, warnings: checked.warnings } : checked;
}
function fail(...problems) {
    return { targets: [], problems, warnings: [] };
}
function firstLine(s) {
    return s.split('\n')[0] ?? '';
}
/** The root map's `defaults` map and `targets` maps; problems for anything else. */
function readRoot(doc, lineOf, problems) {
    const root = doc.contents;
    const example = 'start it with targets: and one entry per target (- name: orders-prod, then its inputs)';
    if (!(0,dist/* isMap */.jh)(root)) {
        problems.push({ line: lineOf(root?.range?.[0]), text: `is not a map with a targets: list; ${example}` });
        return { targets: [] };
    }
    let defaults;
    let targets;
    for (const pair of root.items) {
        const key = (0,dist/* isScalar */.jn)(pair.key) ? String(pair.key.value) : '?';
        const line = lineOf(pair.key?.range?.[0]);
        const value = pair.value;
        if (key === 'defaults') {
            if ((0,dist/* isMap */.jh)(value))
                defaults = value;
            else if (!((0,dist/* isScalar */.jn)(value) && value.value === '')) {
                problems.push({ line, key, text: 'is not a map; give per-target inputs under it, one per line' });
            }
        }
        else if (key === 'targets') {
            targets = readTargetList(value, line, lineOf, problems);
        }
        else {
            problems.push({ line, key, text: `${(0,inputs_text/* show */.WU)(key)} is not a key of a targets file; use defaults: and targets:` });
        }
    }
    if (targets === undefined && !problems.some((p) => p.key === 'targets')) {
        problems.push({ line: lineOf(root.range?.[0]), key: 'targets', text: `is missing; ${example}` });
    }
    return { ...(defaults ? { defaults } : {}), targets: targets ?? [] };
}
/** The entries of `targets:`: a list of 1-{@link MAX_TARGETS} maps. */
function readTargetList(value, line, lineOf, problems) {
    if (!(0,dist/* isSeq */.oP)(value) || value.items.length === 0) {
        problems.push({ line, key: 'targets', text: 'is not a list of targets; give one entry (- name: …) per target' });
        return [];
    }
    if (value.items.length > targets/* MAX_TARGETS */.kz) {
        problems.push({
            line,
            key: 'targets',
            text: `lists ${value.items.length} targets; the limit is ${targets/* MAX_TARGETS */.kz}: split the file and fan out on a matrix`
        });
        return [];
    }
    const maps = [];
    for (const item of value.items) {
        if ((0,dist/* isMap */.jh)(item))
            maps.push(item);
        else {
            const at = lineOf(item?.range?.[0]);
            problems.push({ line: at, text: 'a target is not a map; give name: and per-target inputs, one per line' });
        }
    }
    return maps;
}
/** The key/values of one map, with their lines; problems for keys and values that cannot be inputs. */
function readEntry(map, isTarget, lineOf, problems) {
    const entry = { line: lineOf(map.range?.[0]), values: {}, lines: {} };
    const where = isTarget ? 'a target' : 'defaults';
    const first = problems.length;
    for (const pair of map.items) {
        const key = (0,dist/* isScalar */.jn)(pair.key) ? String(pair.key.value) : '?';
        const line = lineOf(pair.key?.range?.[0]);
        if (isTarget && key === 'name') {
            const v = readValue(pair.value, false);
            if (typeof v === 'string')
                entry.name = v.trim();
            else if (!Array.isArray(v))
                problems.push({ line, key, text: v.problem });
            continue;
        }
        const keyProblem = key === '<<'
            ? 'YAML merge keys (<<) and aliases are not supported; repeat the values, or put them under defaults:'
            : unknownKeyProblem(key, where);
        if (keyProblem) {
            problems.push({ line, key, text: keyProblem });
            continue;
        }
        const v = readValue(pair.value, table/* LIST_INPUTS */.ZZ.includes(key));
        if (typeof v === 'object' && !Array.isArray(v))
            problems.push({ line, key, text: v.problem });
        else {
            entry.values[key] = v;
            entry.lines[key] = line;
        }
    }
    // Every problem of a target's own keys names the target (when its name is usable), as the input checks do.
    const name = entry.name;
    if (isTarget && name && !(0,targets/* targetNameProblem */.Oz)(name)) {
        for (const p of problems.slice(first))
            if (p.key !== 'name')
                p.target = name;
    }
    return entry;
}
/** A value as input text (a string) or, for a list input, its entries; `{problem}` for anything else. */
function readValue(node, list) {
    const alias = 'anchors and aliases are not supported; repeat the value, or put it under defaults:';
    if ((0,dist/* isAlias */.Vj)(node))
        return { problem: alias };
    if (node === null || node === undefined)
        return '';
    if ((0,dist/* isScalar */.jn)(node))
        return String(node.value ?? '');
    if ((0,dist/* isSeq */.oP)(node)) {
        if (!list)
            return { problem: 'is a list; this input takes one value (only api-ids and excluded-paths are lists)' };
        const out = [];
        for (const item of node.items) {
            if ((0,dist/* isAlias */.Vj)(item))
                return { problem: alias };
            if (!(0,dist/* isScalar */.jn)(item))
                return { problem: 'has an entry that is not a text; give one text per entry' };
            out.push(String(item.value ?? ''));
        }
        return out;
    }
    return { problem: 'is a map; give a text (or, for api-ids and excluded-paths, a list)' };
}
/** Why `key` cannot be in `where` (`a target` or `defaults`), or undefined when it is a per-target input. */
function unknownKeyProblem(key, where) {
    if ((0,table/* isTargetInput */.wD)(key))
        return undefined;
    if (key === 'name')
        return 'cannot be in defaults: every target has its own name';
    if ((0,table/* isInputName */.wp)(key)) {
        return `${(0,inputs_text/* show */.WU)(key)} is a run-level input (sign-in, cloud, mode, publishing): set it on the step, not in ${where}`;
    }
    const near = closest(key, ['name', ...table/* TARGET_INPUTS */.gd]);
    const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
    return `${(0,inputs_text/* show */.WU)(key)} is not a per-target input${hint}; see action.yml`;
}
/** Common short forms in input names, expanded before {@link closest} compares. */
const ABBREVIATIONS = {
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
function closest(key, names) {
    const k = key.toLowerCase();
    let best;
    for (const n of names) {
        const d = editDistance(k, n);
        if (d <= 2 && (!best || d < best.d))
            best = { name: n, d };
    }
    if (best)
        return [best.name];
    const words = k.split(/[-_]/).filter(Boolean);
    const expanded = words.map((w) => ABBREVIATIONS[w] ?? w).join('-');
    const ew = expanded.split('-');
    // Each word of the expanded key starts a word of the name, in order (`function-rg` → function-app-resource-group).
    const byWords = (n) => {
        let i = 0;
        for (const w of n.split('-'))
            if (i < ew.length && w.startsWith(ew[i]))
                i++;
        return ew.length > 1 && i === ew.length;
    };
    const found = names.filter((n) => n === expanded ||
        editDistance(expanded, n) <= 2 ||
        (expanded.length >= 3 && (n.startsWith(`${expanded}-`) || n.endsWith(`-${expanded}`))) ||
        byWords(n));
    return found.length <= 3 ? found : [];
}
/** Levenshtein distance of two short strings. */
function editDistance(a, b) {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return prev[b.length];
}
/** `first`, falling back to `second` for an input that is empty (nothing but spaces and line breaks). */
function orElse(first, second) {
    return (name) => {
        const t = first(name) ?? '';
        return /^[ \r\n]*$/.test(t) ? second(name) : t;
    };
}
/** Names, input checks and duplicates over the entries; the targets when nothing is wrong. */
function checkTargets(entries, defaults, step) {
    const problems = [];
    const warnings = [];
    const targets = [];
    const seen = new Set();
    const names = new Map();
    const fallback = defaults ? orElse((0,inputs/* inputLookup */.L3)(defaults.values), step) : step;
    for (const e of entries) {
        const name = entryName(e, names, problems);
        const checked = (0,inputs/* checkTargetSpec */.T3)((0,inputs/* inputLookup */.L3)(e.values), fallback);
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
            if (source !== 'target' && seen.has(once))
                continue;
            seen.add(once);
            if (source === 'step') {
                problems.push({ step: true, key: p.input, text: p.text });
                continue;
            }
            const line = own ? e.lines[p.input] : defaults.lines[p.input];
            problems.push({ line, ...(own ? { target: name } : {}), key: p.input, text: p.text });
        }
        warnings.push(...checked.warnings.map((w) => `${name ?? `line ${e.line}`}: ${w}`));
        if (checked.spec && name)
            targets.push({ name, line: e.line, spec: checked.spec });
    }
    problems.push(...duplicateTargets(targets), ...sharedApis(targets));
    return problems.length > 0 ? { targets: [], problems, warnings } : { targets, problems, warnings };
}
/** The entry's name when it is given, valid and not taken (case-insensitively); else a problem, undefined. */
function entryName(e, names, problems) {
    if (e.name === undefined || e.name === '') {
        problems.push({ line: e.line, key: 'name', text: 'is missing; give every target a unique name' });
        return undefined;
    }
    const bad = (0,targets/* targetNameProblem */.Oz)(e.name);
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
function duplicateTargets(targets) {
    const byKey = new Map();
    const problems = [];
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
            text: `same APIM service, Function App and slot as target ${(0,inputs_text/* show */.WU)(first.name)} (line ${first.line}); list the ` +
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
function sharedApis(targets) {
    const seen = new Map();
    const problems = [];
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
            if (duplicate.toLowerCase() ===
                [s.functionAppResourceGroup, s.functionAppName, s.functionAppSlot ?? ''].join('/').toLowerCase()) {
                continue; // the same target twice: duplicateTargets says so
            }
            problems.push({
                line: t.line,
                target: t.name,
                key: 'api-ids',
                text: `API ${(0,inputs_text/* show */.WU)(api)} of APIM service ${(0,inputs_text/* show */.WU)(s.apimName)} is also in target ${(0,inputs_text/* show */.WU)(first.name)} (line ` +
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
function formatFileProblems(file, problems) {
    const n = problems.length;
    const lines = problems.map((p) => {
        if (p.step)
            return `- step input ${p.key}: ${p.text}`;
        const at = p.line !== undefined ? `${file}:${p.line}` : file;
        const target = p.target ? ` target ${(0,inputs_text/* show */.WU)(p.target)}:` : '';
        const key = p.key ? ` ${p.key}:` : '';
        return `- ${at}:${target}${key} ${p.text}`;
    });
    return `Invalid targets file ${file} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

;// CONCATENATED MODULE: ./src/targets/read.ts
/**
 * Reads the targets file from the workspace (GITHUB_WORKSPACE, where actions/checkout puts the repository; the
 * current directory when it is not set). The file must stay inside the workspace after symbolic links are followed,
 * is at most MAX_TARGETS_FILE_LENGTH bytes, and is UTF-8 text.
 */



/**
 * The text of the targets file `relPath` (relative to `workspace`), without a leading byte order mark.
 * @throws Error whose message says what is wrong and what to do: not found (check the path, check out the repository
 *   first), not a file, outside the workspace, too large, not UTF-8, or another read error (its code).
 */
function readTargetsFile(relPath, workspace = process.env.GITHUB_WORKSPACE || process.cwd()) {
    const full = external_node_path_default().resolve(workspace, relPath);
    let real;
    try {
        real = (0,external_node_fs_.realpathSync)(full);
    }
    catch (e) {
        const code = e.code;
        if (code === 'ENOENT') {
            throw new Error(`was not found in the workspace (${workspace}); check the path, and that the job checks out the repository ` +
                '(actions/checkout) before this step');
        }
        throw new Error(`could not be read (${code ?? 'error'})`);
    }
    const root = (0,external_node_fs_.realpathSync)(workspace);
    if (real !== root && !real.startsWith(root + (external_node_path_default()).sep)) {
        throw new Error('leads outside the workspace (a symbolic link); keep the targets file in the repository');
    }
    const st = (0,external_node_fs_.statSync)(real);
    if (!st.isFile())
        throw new Error('is not a file; give the path of a YAML file');
    if (st.size > MAX_TARGETS_FILE_LENGTH) {
        throw new Error(`is ${st.size} bytes; the limit is ${MAX_TARGETS_FILE_LENGTH}: split it across files and jobs`);
    }
    return decodeUtf8((0,external_node_fs_.readFileSync)(real)).replace(/^\uFEFF/, '');
}
/**
 * The file's bytes as UTF-8 text (YAML 1.2 files are Unicode; GitHub and editors default to UTF-8). A UTF-16 byte
 * order mark or bytes that are not UTF-8 (e.g. Latin-1 `é`) are refused with the line, rather than read as U+FFFD
 * replacement characters that would surface later as puzzling values.
 */
function decodeUtf8(bytes) {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new Error('is UTF-16 text; save it as UTF-8');
    }
    try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    }
    catch {
        const text = bytes.toString('utf8');
        const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
        throw new Error(`is not UTF-8 text (line ${line}); save it as UTF-8`);
    }
}

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/targets/select-step.ts
var select_step = __webpack_require__(3811);
;// CONCATENATED MODULE: ./src/targets/select.ts
/**
 * What a run does, from the step's inputs: one target (no `targets` input, as before), a run over a targets file's
 * targets (all, or those `target` names), or `mode: list` (the file's targets as a matrix; no Azure request). Every
 * problem — of the step's inputs, of the file, of the filter — is reported at once, before anything reaches Azure.
 * Pure: the step's inputs and the file reader are handed in.
 */






/**
 * Decides the run (see the module comment). `readFile(path)` returns the targets file's text (path as given in
 * `targets`, without a leading `./`) or throws an Error whose message says why it could not be read.
 *
 * - No `targets`: {@link readSettings} of the step (one target), and `target` or `mode: list` are problems.
 * - `targets`: the run-level inputs are checked (in `mode: list` a missing required one is not a problem: nothing
 *   signs in), the file is read and validated (src/targets/file.ts; the step's per-target inputs are the targets'
 *   last fallback), and every `target` name must be a target of the file.
 *
 * @throws ActionError listing every problem: `Invalid inputs (<n> problems):` lines for the step's inputs, then the
 *   file's problems (`Invalid targets file <path> (<n> problems):`, one line each with its line number).
 */
function selectRun(getInput, readFile) {
    const single = (0,select_step/* selectSingle */.D)(getInput);
    if (single)
        return single;
    const head = (0,inputs/* checkInputs */.sw)(getInput, ['mode', 'targets', 'target']);
    const file = head.values.targets;
    const list = head.values.mode === 'list';
    const filter = head.values.target ?? [];
    const run = (0,inputs/* checkRunSettings */.t_)(getInput);
    const inputProblems = run.problems.filter((p) => !(list && p.stage === 'required'));
    if (file === undefined)
        throw inputError(inputProblems, []);
    const parsed = readAndParse(file, readFile, getInput);
    const problems = [...parsed.problems];
    const targets = parsed.targets;
    if (problems.length === 0 && filter.length > 0)
        problems.push(...filterProblems(filter, targets));
    if (inputProblems.length || problems.length)
        throw inputError(inputProblems, problems, file);
    const selected = filter.length ? targets.filter((t) => filter.includes(t.name)) : targets;
    const base = { targetsFile: file, filter, targets: selected, warnings: parsed.warnings };
    if (list)
        return { kind: 'list', ...base };
    return { kind: 'targets', run: run.settings, ...base };
}
/** The file read and parsed; a read failure is one problem. */
function readAndParse(file, readFile, getInput) {
    let text;
    try {
        text = readFile(file);
    }
    catch (e) {
        return { targets: [], warnings: [], problems: [{ text: e instanceof Error ? e.message : String(e) }] };
    }
    // The step's own per-target inputs are the last fallback; its run-level inputs are never read per target.
    const step = (name) => (table/* TARGET_INPUTS */.gd.includes(name) ? getInput(name) : '');
    return parseTargetsFile(text, step);
}
/** Problems for `target` names that are not targets of the file. */
function filterProblems(filter, targets) {
    const names = targets.map((t) => t.name);
    const shown = names.slice(0, 20).join(', ') + (names.length > 20 ? `, … (${names.length} in all)` : '');
    return filter
        .filter((n) => !names.includes(n))
        .map((n) => {
        const near = names.find((x) => x.toLowerCase() === n.toLowerCase());
        const hint = near ? `did you mean ${(0,inputs_text/* show */.WU)(near)}? ` : '';
        return { key: 'target', text: `${(0,inputs_text/* show */.WU)(n)} is not a target of the file; ${hint}its targets are: ${shown}` };
    });
}
/** One ActionError for the step's input problems and the file's problems. */
function inputError(inputs, file, path = '') {
    const parts = [];
    if (inputs.length)
        parts.push((0,select_step/* inputsErrorText */.z)(inputs));
    if (file.length)
        parts.push(formatFileProblems(path, file));
    return new errors/* ActionError */.l(parts.join('\n'));
}

// EXTERNAL MODULE: ./src/bundle.ts
var bundle = __webpack_require__(7827);
// EXTERNAL MODULE: ./src/ports.ts
var ports = __webpack_require__(6467);
// EXTERNAL MODULE: ./src/policy/errors.ts
var policy_errors = __webpack_require__(4795);
;// CONCATENATED MODULE: ./src/policy/subscription-key.ts
/**
 * The subscription key's two carriers — the request header and the query parameter — as ONE parameterised
 * description, so every rule about "the key" (delete, restore, copy, anchor, insertion, messages) is written once and
 * applied per kind. Pure module.
 *
 * Learn: "Subscriptions in Azure API Management" (a key sent in a header or query parameter "by default is passed to
 * the backend"; remove it with set-header or set-query-parameter); REST Api `subscriptionKeyParameterNames`
 * (`header`, `query`); set-header policy reference, https://learn.microsoft.com/azure/api-management/set-header-policy;
 * set-query-parameter policy reference, https://learn.microsoft.com/azure/api-management/set-query-parameter-policy.
 */
/**
 * The header APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure API
 * Management"; API `properties.subscriptionKeyParameterNames.header`). The default of every `keyHeader` option.
 */
const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';
/**
 * The query parameter APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure
 * API Management": the key "by default is passed to the backend" when sent in a header or query parameter, and a
 * policy can remove the query parameter with set-query-parameter; API `properties.subscriptionKeyParameterNames.query`).
 * The default of every `keyQuery` option.
 */
const DEFAULT_KEY_QUERY = 'subscription-key';
/**
 * A header name APIM can be configured with: an HTTP field name (RFC 9110 §5.1 token), which also keeps it from
 * being read as an expression (`@`) or breaking the attribute. Test the trimmed name.
 */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A query parameter name the action manages: RFC 3986 query characters other than the separators `&`, `=`, `#`
 * (percent-escapes allowed), not starting with `@` (an expression) and without `{{` (a named value). Test the
 * trimmed name.
 */
const QUERY_TOKEN = /^(?!@)(?!.*\{\{)[A-Za-z0-9\-._~!$'()*+,;:@/?%]+$/;
/**
 * Every kind, in the order of the owned elements: the query delete goes right after the header delete (which goes
 * right after the owned `<authentication-managed-identity>`).
 */
const KEY_KINDS = ['header', 'query'];
const RULES = {
    header: {
        element: 'set-header',
        collection: 'Headers',
        default: DEFAULT_KEY_HEADER,
        token: HEADER_TOKEN,
        invalid: 'subscription-key header name',
        expected: "an HTTP header name (the API's subscriptionKeyParameterNames.header)",
        deleteLabel: 'the subscription-key delete',
        shortLabel: 'the header delete',
        putsBack: () => 'puts the subscription key back',
        mayPutBack: () => 'may put the subscription key back',
        expressionName: {
            ignoresDeletes: false,
            risk: (name) => `puts the subscription key (${name}) back or replaces the Authorization header`,
            ask: 'make sure it does neither'
        },
        warnsEarlierSetter: true,
        // An RFC 9110 token may hold `&` or `'`: written into the attribute as is, `&` would not be well-formed XML.
        escapeInTag: true
    },
    query: {
        element: 'set-query-parameter',
        collection: 'Query',
        default: DEFAULT_KEY_QUERY,
        token: QUERY_TOKEN,
        invalid: 'subscription-key query parameter name',
        expected: "a query parameter name (the API's subscriptionKeyParameterNames.query)",
        deleteLabel: 'the subscription-key query delete',
        shortLabel: 'the query delete',
        putsBack: (name) => `keeps or puts the subscription-key query parameter (${name}) back`,
        mayPutBack: (name) => `may put the subscription-key query parameter (${name}) back`,
        expressionName: {
            ignoresDeletes: true,
            risk: (name) => `puts the subscription-key query parameter (${name}) back`,
            ask: 'make sure it does not'
        },
        warnsEarlierSetter: false,
        escapeInTag: true
    }
};
/**
 * The key of `kind` named `configured` (undefined → the kind's default), NOT validated: for comparisons that must
 * not throw (canonicalPolicy). Use {@link subscriptionKey} wherever a name is written or judged.
 */
function describeKey(kind, configured) {
    const rule = RULES[kind];
    const name = (configured ?? rule.default).trim();
    return { ...rule, kind, name, lower: name.toLowerCase(), path: `policy.${rule.element}[${name}]` };
}
/**
 * The key of `kind` named `configured` (undefined → the kind's default). Throws Error when the trimmed name is not
 * one the kind allows ({@link HEADER_TOKEN} / {@link QUERY_TOKEN}: blank, `@…`, `&`/`=` in a query name, …).
 */
function subscriptionKey(kind, configured) {
    const key = describeKey(kind, configured);
    if (!key.token.test(key.name)) {
        throw new Error(`invalid ${key.invalid} ${JSON.stringify(configured)}: expected ${key.expected}`);
    }
    return key;
}
/** Both keys of an API (`opts.keyHeader`, `opts.keyQuery`), NOT validated (see {@link describeKey}). */
function describeKeys(opts) {
    return { header: describeKey('header', opts.keyHeader), query: describeKey('query', opts.keyQuery) };
}
/** Both keys of an API (`opts.keyHeader`, `opts.keyQuery`); throws like {@link subscriptionKey}, the header first. */
function subscriptionKeys(opts) {
    return { header: subscriptionKey('header', opts.keyHeader), query: subscriptionKey('query', opts.keyQuery) };
}
/** The owned delete as shown in messages, e.g. `<set-header name="X-Api-Key" exists-action="delete">`. */
function deleteShown(key) {
    return `<${key.element} name="${key.name}" exists-action="delete">`;
}

// EXTERNAL MODULE: ./src/policy/tree.ts
var tree = __webpack_require__(8608);
;// CONCATENATED MODULE: ./src/policy/predicates.ts

/** The managed-identity element's name (Learn: "Authenticate with managed identity" policy reference). */
const AUTH = 'authentication-managed-identity';
/** Elements whose content goes to the backend (header, query, URL, body). */
const COPY_TARGETS = new Set([
    'set-header',
    'set-query-parameter',
    'rewrite-uri',
    'set-url',
    'set-backend-service',
    'set-body'
]);
/** Reads the caller's subscription key in a policy expression (context.Subscription.Key / PrimaryKey / SecondaryKey). */
const READS_KEY = /\bcontext\s*\.\s*Subscription\s*\??\s*\.\s*(Key|PrimaryKey|SecondaryKey)\b/;
const escapeRegExp = (v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Lower-cased `exists-action` of a set-header / set-query-parameter: absent → 'override' (the documented default); an expression → '@'. */
function existsAction(el) {
    const a = (0,tree/* attr */.CF)(el, 'exists-action');
    if (!a)
        return 'override';
    if (a.expression)
        return '@';
    return a.value.trim().toLowerCase();
}
/** The lower-cased literal `name` of a set-header / set-query-parameter ('' for an expression name or none). */
function literalName(el) {
    const a = (0,tree/* attr */.CF)(el, 'name');
    return a && !a.expression ? a.value.trim().toLowerCase() : '';
}
/** The `name` as authored (trimmed) when it is literal, else ''. */
function authoredName(el) {
    const a = (0,tree/* attr */.CF)(el, 'name');
    return a?.expression === false ? a.value.trim() : '';
}
/** An element of `key`'s kind (set-header / set-query-parameter) named `key` (any case). */
function namesKey(el, key) {
    return el.name === key.element && literalName(el) === key.lower;
}
/** The owned kind of element: a set-header / set-query-parameter that deletes `key` (name compared case-insensitively). */
function deletesKey(el, key) {
    return namesKey(el, key) && existsAction(el) === 'delete';
}
/** A set-header / set-query-parameter that leaves `key` on the request (any exists-action but delete). */
function restoresKey(el, key) {
    return namesKey(el, key) && existsAction(el) !== 'delete';
}
/**
 * An element of `key`'s kind whose name is an expression, so whether it puts the key back cannot be checked
 * (deletes excluded when the kind says a delete cannot put it back).
 */
function hasUncheckableName(el, key) {
    if (el.name !== key.element || !(0,tree/* attr */.CF)(el, 'name')?.expression)
        return false;
    return !(key.expressionName.ignoresDeletes && existsAction(el) === 'delete');
}
/** An element that drops or replaces the Authorization header (set-header other than skip, authentication-basic). */
function replacesAuthorization(el) {
    if (el.name === 'authentication-basic')
        return true;
    return el.name === 'set-header' && literalName(el) === 'authorization' && existsAction(el) !== 'skip';
}
/** True when `el` sits inside a side request (send-request / send-one-way-request), whose headers are its own. */
function inSideRequest(el) {
    for (let p = el.parent; p; p = p.parent)
        if (p.name === 'send-request' || p.name === 'send-one-way-request')
            return true;
    return false;
}
/** True when `el` sits inside a side request, `<trace>` or `<log-to-eventhub>`: nothing of it goes to the backend. */
function offTheRequest(el) {
    if (inSideRequest(el))
        return true;
    for (let p = el.parent; p; p = p.parent)
        if (p.name === 'trace' || p.name === 'log-to-eventhub')
            return true;
    return false;
}
/**
 * True when `el` is an element whose content goes to the backend and an expression inside it (attribute, text or
 * CDATA) reads the caller's subscription key: `context.Subscription.Key` / `PrimaryKey` / `SecondaryKey`, or one of
 * `keys` from the request (`Headers.GetValueOrDefault("<header>"…` / `Headers["<header>"]`, likewise `Query`), or
 * one of the context variables `keyVars` that hold the key ({@link keyVariables}).
 * A setter or delete of one of `keys` itself is not a copy (restores are judged by {@link restoresKey}), nor is any
 * delete.
 */
function copiesKey(parsed, el, keys, keyVars = new Set()) {
    if (!COPY_TARGETS.has(el.name))
        return false;
    for (const k of keys) {
        if (el.name === k.element && (literalName(el) === k.lower || existsAction(el) === 'delete'))
            return false;
    }
    const reads = keyReader(keys, keyVars);
    // A Liquid template reads the context without `@` (Learn: set-body policy, "Using Liquid templates").
    if (el.name === 'set-body' && (0,tree/* attr */.CF)(el, 'template')?.value.trim().toLowerCase() === 'liquid') {
        const text = (0,tree/* decodeEntities */.Sm)(parsed.raw.slice(el.openEnd, el.closeStart));
        return READS_KEY.test(text) || [...keyVars].some((v) => readsVariable(text, v));
    }
    return expressionsIn(parsed, el).some(reads);
}
/** The decoded text of every policy expression inside `el` (attributes, text, CDATA). */
function expressionsIn(parsed, el) {
    return parsed.expressions
        .filter((x) => x.start >= el.start && x.end <= el.end)
        .map((x) => (0,tree/* decodeEntities */.Sm)(parsed.raw.slice(x.start, x.end)));
}
/** A test for expression text that reads the subscription key, one of `keys` from the request, or one of `keyVars`. */
function keyReader(keys, keyVars) {
    const readers = keys.map((k) => new RegExp(`${k.collection}\\s*(\\.\\s*GetValueOrDefault\\s*\\(|\\[)\\s*"${escapeRegExp(k.lower)}"`, 'i'));
    return (text) => READS_KEY.test(text) || readers.some((r) => r.test(text)) || [...keyVars].some((v) => readsVariable(text, v));
}
/**
 * The context variables that hold the subscription key across `docs` (one pipeline): a `<set-variable>` whose value
 * expression reads the key (as {@link copiesKey} judges) or a variable already known to hold it — followed until no
 * new one is found. A later element that sends one of them to the backend copies the key.
 */
function keyVariables(docs, keys) {
    const out = new Set();
    const setters = docs.flatMap((p) => [p.root, ...(0,tree/* descendants */.DG)(p.root)]
        .filter((e) => e.name === 'set-variable')
        .map((e) => ({ name: (0,tree/* attr */.CF)(e, 'name'), texts: expressionsIn(p, e) }))
        .filter((x) => x.name && !x.name.expression && x.name.value.trim() !== ''));
    for (let grew = true; grew;) {
        grew = false;
        const reads = keyReader(keys, out);
        for (const s of setters) {
            const name = s.name.value.trim();
            if (!out.has(name) && s.texts.some(reads)) {
                out.add(name);
                grew = true;
            }
        }
    }
    return out;
}
/** True when `text` reads the policy variable `name` (`context.Variables["name"]`, `…GetValueOrDefault<…>("name"`). */
function readsVariable(text, name) {
    const q = escapeRegExp(name);
    return new RegExp(`Variables\\s*(\\[\\s*(&quot;|")${q}(&quot;|")|\\.\\s*GetValueOrDefault\\s*(<[^>]*>|&lt;.*?&gt;)?\\s*\\(\\s*(&quot;|")${q}(&quot;|"))`).test(text);
}
/**
 * Attributes through which an element keeps a value in a context variable: output-token-variable-name
 * (authentication-managed-identity, validate-jwt, get-authorization-context), response-variable-name (send-request),
 * variable-name (cache-lookup-value); set-variable's `name` (policy references of each).
 */
const VARIABLE_ATTRIBUTES = ['output-token-variable-name', 'response-variable-name', 'variable-name'];
/** True when `el` stores a value in the context variable `name` (literal attribute; compared case-insensitively). */
function writesVariable(el, name) {
    const lower = name.trim().toLowerCase();
    const names = el.name === 'set-variable' ? ['name'] : VARIABLE_ATTRIBUTES;
    return el.attrs.some((a) => names.includes(a.name) && !a.expression && a.value.trim().toLowerCase() === lower);
}
/**
 * A set-header that sends the token kept in variable `name` as the Authorization header (the "carrier" form:
 * `@("Bearer " + (string)context.Variables["name"])`).
 */
function carriesToken(raw, el, name) {
    return (replacesAuthorization(el) &&
        el.name === 'set-header' &&
        existsAction(el) !== 'delete' &&
        readsVariable(raw.slice(el.start, el.end), name));
}

;// CONCATENATED MODULE: ./src/policy/ownership.ts
/**
 * Ownership by purpose: which `<authentication-managed-identity>` of an API policy is the one this action owns.
 * Pure module (no @actions/*, no network).
 *
 * The owned element is the one that sends APIM's token for the Function: a direct child of `<inbound>`, without
 * `output-token-variable-name` (with it, APIM "stores the token in the variable" instead of setting the
 * Authorization header — Learn: "Authenticate with managed identity" policy reference,
 * https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy), whose `resource` is the
 * Function's app. Any other managed-identity element (Azure OpenAI, Key Vault, Storage, ARM, a token kept in a
 * variable, one inside `<send-request>`) is the user's and is never edited.
 *
 * `resource` / `client-id` may hold named-value references (`{{name}}`, whole or partial attribute values): APIM
 * substitutes them before the policy runs (Learn: "Use named values in Azure API Management policies",
 * https://learn.microsoft.com/azure/api-management/api-management-howto-properties; DESIGN §3). The caller resolves
 * them (src/named-values.ts) and hands in a map name → value (`undefined`: unknown or unreadable, e.g. a Key
 * Vault-backed one); values are judged after substitution and are never put into messages (they may be secrets).
 */


const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REF = /\{\{([^{}]*)\}\}/g;
/** True when `s` is a GUID (8-4-4-4-12 hex). */
function isGuid(s) {
    return GUID.test(s);
}
/** The names referenced as `{{name}}` in `value`, in order (duplicates kept). */
function referencedNames(value) {
    return [...value.matchAll(REF)].map((m) => m[1]);
}
/**
 * `value` with every `{{name}}` replaced from `namedValues`. `unresolved` lists the names that have no string value
 * (absent from the map, or mapped to undefined); `value` is then undefined.
 */
function substituteNamedValues(value, namedValues) {
    const unresolved = [];
    const out = value.replace(REF, (whole, name) => {
        const v = namedValues?.get(name);
        if (typeof v !== 'string') {
            unresolved.push(name);
            return whole;
        }
        return v;
    });
    return unresolved.length > 0 ? { unresolved } : { value: out, unresolved };
}
/**
 * The value of an attribute as APIM would use it: expressions and unresolved named values → `value` undefined with
 * `why`. A named value whose value is itself an expression (Learn: named values "can contain policy expressions")
 * or still holds `{{` cannot be judged either.
 */
function resolveAttribute(a, namedValues) {
    if (a.expression)
        return { why: 'it is a policy expression', usesNamedValues: false };
    const names = referencedNames(a.value);
    if (names.length === 0)
        return { value: a.value.trim(), usesNamedValues: false };
    const r = substituteNamedValues(a.value, namedValues);
    if (r.value === undefined) {
        const list = [...new Set(r.unresolved)].map((n) => `{{${n}}}`).join(', ');
        return {
            why: `named value ${list} could not be resolved (unknown, or a Key Vault-backed or secret value that could not be read)`,
            usesNamedValues: true
        };
    }
    const v = r.value.trim();
    if (/^@[({]/.test(v) || v.includes('{{')) {
        return { why: 'its named value holds a policy expression or another reference', usesNamedValues: true };
    }
    return { value: v, usesNamedValues: true };
}
const sameResource = (a, b) => isGuid(a) && isGuid(b) ? a.toLowerCase() === b.toLowerCase() : a === b;
/**
 * Judges a `resource` attribute (undefined: the attribute is missing) against `opts` (see {@link ResourceStatus}).
 * `extraAcceptable` is added to `opts.acceptableResources` (mergePolicy's desired resource); when both are empty or
 * `opts.acceptableResources` is undefined and `extraAcceptable` is empty, every resolvable value is acceptable
 * ("by position").
 */
function judgeResource(a, opts, extraAcceptable = []) {
    if (!a)
        return { status: 'wrong-form', why: 'it has no resource attribute' };
    const byPosition = opts.acceptableResources === undefined && extraAcceptable.length === 0;
    const acceptable = [...(opts.acceptableResources ?? []), ...extraAcceptable]
        .map((s) => s.trim())
        .filter((s) => s !== '');
    // The very text of an acceptable value (e.g. a desired `{{name}}` reference) is acceptable as written.
    if (!a.expression && acceptable.includes(a.value.trim()))
        return { status: 'acceptable' };
    const r = resolveAttribute(a, opts.namedValues);
    if (r.value === undefined)
        return { status: 'unknown', why: r.why };
    if (byPosition)
        return { status: 'acceptable' };
    const v = r.value;
    const via = r.usesNamedValues ? ' (through its named value)' : '';
    if (acceptable.some((x) => sameResource(x, v)))
        return { status: 'acceptable' };
    const objectIds = (opts.appObjectIds ?? []).map((s) => s.trim()).filter(isGuid);
    const guids = acceptable.filter(isGuid);
    const uri = /^api:\/\/([^/]+)\/?$/i.exec(v);
    if (isGuid(v) && objectIds.some((o) => sameResource(o, v))) {
        return { status: 'wrong-form', why: `it is the app's object ID${via}, never a valid resource (C01)` };
    }
    if (uri && isGuid(uri[1])) {
        if (guids.some((g) => sameResource(g, uri[1]))) {
            return { status: 'wrong-form', why: `it is api://<client ID>${via}, which is not the configured resource (C01)` };
        }
        if (objectIds.some((o) => sameResource(o, uri[1]))) {
            return { status: 'wrong-form', why: `it is api://<object ID>${via}, never a valid resource (C01)` };
        }
    }
    const trimSlash = (s) => s.replace(/\/+$/, '');
    if (acceptable.some((x) => !isGuid(x) && trimSlash(x).toLowerCase() === trimSlash(v).toLowerCase())) {
        return {
            status: 'wrong-form',
            why: `it differs from the configured App ID URI only in case or a trailing slash${via}`
        };
    }
    return { status: 'other' };
}
/** True for the statuses that claim the Function's app (the owned element, or a duplicate of it). */
const claimsFunction = (s) => s === 'acceptable' || s === 'wrong-form';
/**
 * Which direct `<authentication-managed-identity>` of `inbound` is owned (see {@link Ownership}); `backend` is
 * `<policies>/<backend>` (where a carrier set-header may also stand). No `inbound` → nothing owned. Never throws.
 */
function ownershipOf(parsed, inbound, backend, opts, extra) {
    const own = { opts, extra, direct: [] };
    if (!inbound)
        return own;
    const direct = (0,tree/* elementChildren */.Wi)(inbound);
    own.direct = direct
        .filter((e) => e.name === AUTH)
        .map((el) => ({
        el,
        hasVar: (0,tree/* attr */.CF)(el, 'output-token-variable-name') !== undefined,
        judged: judgeResource((0,tree/* attr */.CF)(el, 'resource'), opts, extra)
    }));
    // Within a status, one that already runs after <base /> (and so stays where it is) is preferred: the merge moves
    // an owned element found before <base /> after it, and the next merge must find the same one (idempotence).
    const base = direct.find((e) => e.name === 'base');
    const afterBase = (d) => !base || d.el.start > base.start;
    const varless = own.direct.filter((d) => !d.hasVar);
    const pick = (status) => {
        const all = varless.filter((d) => d.judged.status === status);
        return all.find(afterBase) ?? all[0];
    };
    own.owned = pick('acceptable') ?? pick('wrong-form') ?? pick('unknown');
    if (own.owned)
        return own;
    const inBackend = backend ? (0,tree/* descendants */.DG)(backend).filter((e) => !inSideRequest(e)) : [];
    const withVar = own.direct.filter((x) => x.hasVar && claimsFunction(x.judged.status));
    // after-<base /> ones first (idempotence, as above)
    const everyElement = [parsed.root, ...(0,tree/* descendants */.DG)(parsed.root)];
    for (const d of [...withVar.filter(afterBase), ...withVar.filter((x) => !afterBase(x))]) {
        const name = (0,tree/* attr */.CF)(d.el, 'output-token-variable-name').value;
        // A variable something else also writes (another token, a set-variable) may not hold the Function's token when
        // the set-header reads it: no carrier then (the set-header is judged as the Authorization replacement it may be).
        if (everyElement.some((e) => e !== d.el && writesVariable(e, name)))
            continue;
        // The carrier must run after <base /> too (where the owned element belongs): one before it would be left behind
        // when the element is moved after <base />, reading a variable that is not set yet.
        const after = Math.max(d.el.start, base ? base.start : -1);
        const carrier = [...direct.filter((e) => e.start > after), ...inBackend].find((e) => carriesToken(parsed.raw, e, name));
        if (carrier) {
            own.owned = d;
            own.carrier = carrier;
            return own;
        }
    }
    return own;
}

;// CONCATENATED MODULE: ./src/policy/anchors.ts
/**
 * Anchors: where the sections of an API policy are, and where the owned elements are — or will be once merged — as
 * offsets into the text, with the words messages use for them. Pure module.
 *
 * `<base />` runs the parent scope's policies at that point (Learn: "Policies in Azure API Management", policy
 * scopes / base element), so the owned elements go after it: the owned `<authentication-managed-identity>` where it
 * stands, or right after `<base />` when it is missing or before `<base />` (first in `<inbound>` when there is no
 * `<base />`); then each subscription-key delete, in {@link KEY_KINDS} order, at the last direct one of its kind, or
 * (none yet) right after the previous owned element.
 */





/**
 * Finds the sections of `parsed` (`<inbound>` / `<backend>` only as direct children of `<policies>`) and the owned
 * managed-identity element (`opts`, `extra`: see ownershipOf). Never throws (`keys` are validated by the caller).
 */
function locate(parsed, keys, opts = {}, extra = []) {
    const section = (name) => parsed.root.name === 'policies' ? (0,tree/* elementChildren */.Wi)(parsed.root).find((e) => e.name === name) : undefined;
    const inbound = section('inbound');
    const base = inbound ? (0,tree/* elementChildren */.Wi)(inbound).find((e) => e.name === 'base') : undefined;
    const backend = section('backend');
    const own = ownershipOf(parsed, inbound, backend, opts, extra);
    return { parsed, inbound, base, backend, keys, own };
}
/** The direct children of `<inbound>` this action owns: the owned managed-identity element and every key delete. */
function ownedChildren(loc) {
    if (!loc.inbound)
        return [];
    return (0,tree/* elementChildren */.Wi)(loc.inbound).filter((e) => e === loc.own.owned?.el || KEY_KINDS.some((kind) => deletesKey(e, loc.keys[kind])));
}
/** The last direct delete of `key` in `<inbound>`, if any. */
function lastDelete(inbound, key) {
    const deletes = (0,tree/* elementChildren */.Wi)(inbound).filter((e) => deletesKey(e, key));
    return deletes[deletes.length - 1];
}
/** The owned managed-identity element's anchor: where it stays, else right after `<base />`, else first in `<inbound>`. */
function authAnchor(raw, inbound, loc) {
    const { base } = loc;
    const auth = loc.own.owned?.el;
    const addYourself = `add <${AUTH}> yourself after it`;
    if (auth !== undefined && !(base && auth.start < base.start)) {
        const l = (0,policy_errors/* lineAt */.mh)(raw, auth);
        return {
            at: auth.end,
            where: `<${AUTH}> (line ${l})`,
            fix: `remove it or move it before <${AUTH}> (line ${l})`,
            next: `right after <${AUTH}>, line ${l}`
        };
    }
    if (base) {
        const l = (0,policy_errors/* lineAt */.mh)(raw, base);
        return {
            at: base.end,
            where: `<${AUTH}> (which the action puts right after <base />, line ${l})`,
            fix: `remove it, move it before <base /> (line ${l}), or ${addYourself}`,
            next: `with <${AUTH}> right after <base />, line ${l}`
        };
    }
    const l = (0,policy_errors/* lineAt */.mh)(raw, inbound);
    return {
        at: inbound.openEnd,
        where: `<${AUTH}> (which the action puts first in <inbound>, line ${l}, as there is no <base />)`,
        fix: `remove it, or ${addYourself}`,
        next: `with <${AUTH}> first in <inbound>, line ${l}`
    };
}
/** A key delete's anchor: its last direct delete, else (none yet) right after the previous owned element. */
function keyAnchor(raw, inbound, key, prev) {
    const last = lastDelete(inbound, key);
    if (!last) {
        return {
            at: prev.at,
            where: `${key.deleteLabel} (which the action puts ${prev.next})`,
            fix: prev.fix,
            next: `right after ${key.shortLabel}, ${prev.next}`
        };
    }
    const l = (0,policy_errors/* lineAt */.mh)(raw, last);
    return {
        at: last.end,
        where: `${key.deleteLabel} (line ${l})`,
        fix: `remove it or move it before ${deleteShown(key)} (line ${l})`,
        next: `right after ${key.shortLabel}, line ${l}`
    };
}
/** The anchors of every owned element of `inbound` (see {@link Anchors}). */
function anchorsOf(loc, inbound) {
    const raw = loc.parsed.raw;
    const auth = authAnchor(raw, inbound, loc);
    const keys = {};
    let prev = auth;
    for (const kind of KEY_KINDS)
        prev = keys[kind] = keyAnchor(raw, inbound, loc.keys[kind], prev);
    const ownedEnd = Math.min(auth.at, ...KEY_KINDS.map((kind) => keys[kind].at));
    return { auth, keys, ownedEnd };
}

;// CONCATENATED MODULE: ./src/policy/guards.ts
/**
 * Guards: the elements of an API policy that would undo the owned ones once they are where the merge puts them
 * ({@link PolicyConflict}), and the warnings about those that may (nested, or that cannot be checked). Computed once
 * per document by {@link guardFindings}. Pure module.
 */






function conflict(s, kind, el, message) {
    const { line, column } = (0,policy_errors/* lineColumn */.rv)(s.raw, el.start);
    s.conflicts.push({ kind, element: (0,policy_errors/* tagText */.em)(s.raw, el), line, column, message });
}
/** `<tag …>` at line N: how every message starts naming its element. */
const shown = (s, el) => `${(0,policy_errors/* tagText */.em)(s.raw, el)} at line ${(0,policy_errors/* lineAt */.mh)(s.raw, el)}`;
/** What an element that replaces the Authorization header does to APIM's token. */
function authorizationWhat(el) {
    if (el.name === 'authentication-basic')
        return "replaces the Authorization header (APIM's token) with basic credentials";
    const act = existsAction(el);
    if (act === 'delete')
        return "deletes the Authorization header that carries APIM's token";
    if (act === 'append')
        return "appends to the Authorization header that carries APIM's token";
    if (act === '@')
        return "may replace the Authorization header that carries APIM's token (exists-action is an expression)";
    return "replaces the Authorization header that carries APIM's token";
}
/** What an element that restores `key` does. */
function restoreWhat(el, key) {
    return existsAction(el) === '@'
        ? `${key.mayPutBack(key.name)} (its exists-action is an expression), so it can reach the Function`
        : `${key.putsBack(key.name)}, so it reaches the Function`;
}
/** The message for another direct managed-identity element that sets the Authorization header (see below). */
function secondIdentityMessage(s, d, duplicate) {
    const managed = s.loc.own.owned?.el;
    if (!managed) {
        return (`a direct ${shown(s, d.el)} runs after ${s.at.auth.where} without ` +
            "output-token-variable-name, so it sets the Authorization header and replaces APIM's token for the " +
            `Function with a token for its own resource: ${s.at.auth.fix}; or add output-token-variable-name to keep ` +
            'its token in a variable');
    }
    const second = `a second direct ${shown(s, d.el)} (the managed one is at line ${(0,policy_errors/* lineAt */.mh)(s.raw, managed)})`;
    if (duplicate) {
        return (`${second}: ` +
            "the last one to run sets the Authorization header, so it replaces APIM's token for the Function; remove it");
    }
    return (`${second} ` +
        "runs after it without output-token-variable-name, so it sets the Authorization header and replaces APIM's " +
        'token for the Function with a token for its own resource; remove it, move it before the managed one, or ' +
        'add output-token-variable-name to keep its token in a variable');
}
/**
 * `second-managed-identity`: another direct element without output-token-variable-name sets the Authorization header
 * too: one that also asks for the Function's token is a duplicate wherever it is; one for another resource replaces
 * APIM's token when it runs after the owned element (the last one to run wins: authentication-managed-identity
 * reference).
 */
function secondManagedIdentities(s) {
    const own = s.loc.own;
    for (const d of own.direct) {
        if (d === own.owned || d.hasVar)
            continue;
        const duplicate = claimsFunction(d.judged.status);
        if (!duplicate && d.el.start < s.at.auth.at)
            continue;
        conflict(s, 'second-managed-identity', d.el, secondIdentityMessage(s, d, duplicate));
    }
}
/**
 * `key-restored` / `authorization-replaced` among the direct children of `<inbound>`, after the anchor they undo.
 * The common "token into a variable, then set the header from it" pattern: the carrier set-header (own.carrier)
 * sends APIM's token itself, so it undoes nothing.
 */
function directUndoers(s) {
    for (const el of s.direct) {
        for (const key of s.keys) {
            const a = s.at.keys[key.kind];
            if (restoresKey(el, key) && el.start >= a.at) {
                conflict(s, 'key-restored', el, `${shown(s, el)} runs after ${a.where} and ${restoreWhat(el, key)}: ${a.fix}`);
            }
        }
        if (replacesAuthorization(el) && el.start >= s.at.auth.at && el !== s.loc.own.carrier) {
            conflict(s, 'authorization-replaced', el, `${shown(s, el)} runs after ${s.at.auth.where} and ${authorizationWhat(el)}: ${s.at.auth.fix}`);
        }
    }
}
/** `key-restored` / `authorization-replaced` anywhere in `<backend>` (it runs after `<inbound>`). */
function backendUndoers(s) {
    const inBackend = (el, where) => `${shown(s, el)} is in <backend>, which runs after <inbound> (and ${where}), and `;
    for (const el of s.inBackend) {
        const key = s.keys.find((k) => restoresKey(el, k));
        if (key) {
            const where = s.at.keys[key.kind].where;
            conflict(s, 'key-restored', el, `${inBackend(el, where)}${restoreWhat(el, key)}: remove it`);
        }
        else if (replacesAuthorization(el) && el !== s.loc.own.carrier) {
            conflict(s, 'authorization-replaced', el, `${inBackend(el, s.at.auth.where)}${authorizationWhat(el)}: remove it`);
        }
    }
}
/** `key-copied`: an expression that copies the key into what goes to the Function (outside side requests / traces). */
function keyCopies(s) {
    const keyVars = keyVariables([s.loc.parsed], s.keys);
    for (const el of [...s.inInbound, ...s.inBackend]) {
        if (offTheRequest(el) || !copiesKey(s.loc.parsed, el, s.keys, keyVars))
            continue;
        const section = el.start >= s.inbound.end ? '<backend>' : '<inbound>';
        conflict(s, 'key-copied', el, `${shown(s, el)} in ${section} copies the subscription key ` +
            `into the request sent to the Function, so it reaches the Function even though ` +
            `${s.loc.keys.header.name} is deleted: remove it (a side request inside <send-request> may use the key)`);
    }
}
/** Warnings: elements this engine cannot see into (an expression name, a fragment) where they could undo the owned ones. */
function uncheckable(s) {
    const { header } = s.loc.keys;
    for (const el of [...s.inInbound.filter((e) => e.start >= s.at.ownedEnd), ...s.inBackend]) {
        const where = el.start >= s.inbound.end ? 'in <backend>' : 'after the owned elements in <inbound>';
        const key = s.keys.find((k) => hasUncheckableName(el, k));
        if (key) {
            s.warnings.push(`${shown(s, el)} ${where} has an expression as its name, so whether it ` +
                `${key.expressionName.risk(key.name)} cannot be checked: ${key.expressionName.ask}`);
        }
        else if (el.name === 'include-fragment') {
            const id = (0,tree/* attr */.CF)(el, 'fragment-id')?.value ?? '';
            s.warnings.push(`<include-fragment fragment-id="${id}"> at line ${(0,policy_errors/* lineAt */.mh)(s.raw, el)} ${where}: its content is not inspected; ` +
                `make sure fragment "${id}" does not put the subscription key (${header.name}) back, copy it ` +
                '(context.Subscription.Key) or replace the Authorization header');
        }
    }
}
/** Warnings: nested `<inbound>` elements (inside `<choose>` etc.) that undo an owned element when their block runs. */
function nestedUndoers(s) {
    const directSet = new Set(s.direct);
    for (const el of s.inInbound) {
        if (directSet.has(el))
            continue;
        const key = s.keys.find((k) => restoresKey(el, k) && el.start >= s.at.keys[k.kind].at);
        if (key) {
            s.warnings.push(`a nested ${shown(s, el)} runs after ${key.deleteLabel} when its block runs and ` +
                `${restoreWhat(el, key)}: make sure that is intended`);
        }
        else if (replacesAuthorization(el) && el.start >= s.at.auth.at) {
            s.warnings.push(`a nested ${shown(s, el)} runs after <${AUTH}> when its block runs and ` +
                `${authorizationWhat(el)}: make sure that is intended`);
        }
    }
}
/**
 * Conflicts (see {@link PolicyConflict}) and warnings about elements that undo the owned ones or cannot be checked:
 * nested `<inbound>` key restores / Authorization replacements after the owned elements, and — after the owned
 * elements in `<inbound>`, or anywhere in `<backend>` — a `set-header` whose name is an expression (a
 * `set-query-parameter` one unless it deletes) and an `<include-fragment>` (its content is not inspected).
 * `inbound` is `loc.inbound`. Never throws.
 */
function guardFindings(loc, inbound) {
    const backend = loc.backend;
    const s = {
        loc,
        raw: loc.parsed.raw,
        inbound,
        at: anchorsOf(loc, inbound),
        keys: KEY_KINDS.map((kind) => loc.keys[kind]),
        direct: (0,tree/* elementChildren */.Wi)(inbound),
        inInbound: (0,tree/* descendants */.DG)(inbound).filter((e) => !inSideRequest(e)),
        inBackend: backend ? (0,tree/* descendants */.DG)(backend).filter((e) => !inSideRequest(e)) : [],
        conflicts: [],
        warnings: []
    };
    secondManagedIdentities(s);
    directUndoers(s);
    backendUndoers(s);
    keyCopies(s);
    uncheckable(s);
    nestedUndoers(s);
    return { conflicts: s.conflicts, nestedWarnings: s.warnings, anchors: s.at };
}

;// CONCATENATED MODULE: ./src/policy/inspect.ts
/**
 * Reading an API policy (rawxml text; expressions need not be well-formed XML): what it holds, which elements are
 * owned, and where. Pure module. The owned elements and their sources are described in ./merge.ts.
 */







/** Empty text, only whitespace, or only a BOM: no policy at all. */
function isBlankPolicy(raw) {
    return raw.trim() === '' || raw === '\ufeff';
}
function describeManagedIdentity(el, direct, base) {
    return {
        resource: (0,tree/* attr */.CF)(el, 'resource')?.value,
        clientId: (0,tree/* attr */.CF)(el, 'client-id')?.value,
        ignoreError: (0,tree/* attr */.CF)(el, 'ignore-error')?.value,
        outputTokenVariableName: (0,tree/* attr */.CF)(el, 'output-token-variable-name')?.value,
        direct,
        position: !base ? 'no-base' : el.start >= base.end ? 'after' : 'before'
    };
}
/** A direct delete of `kind`'s key in `<inbound>`. */
function deletesOwnedKey(loc, kind) {
    return loc.inbound ? (0,tree/* elementChildren */.Wi)(loc.inbound).some((e) => deletesKey(e, loc.keys[kind])) : false;
}
/** Literal names (as authored, trimmed, valid for the kind) of every direct delete of `key`'s kind in `<inbound>`. */
function deletedNames(inbound, key) {
    if (!inbound)
        return [];
    return (0,tree/* elementChildren */.Wi)(inbound)
        .filter((e) => e.name === key.element && existsAction(e) === 'delete')
        .map(authoredName)
        .filter((n) => key.token.test(n));
}
/**
 * {@link PolicyInspection} of a located document. `conflicts`: the guard findings' conflicts when the caller has
 * them (mergePolicy computes them once), else computed here.
 */
function inspectLocated(loc, conflicts) {
    const { parsed, inbound, base } = loc;
    const managedIdentity = [];
    const inInbound = new Set();
    if (inbound) {
        const direct = new Set((0,tree/* elementChildren */.Wi)(inbound));
        for (const el of (0,tree/* descendants */.DG)(inbound)) {
            if (el.name !== AUTH)
                continue;
            inInbound.add(el);
            managedIdentity.push(describeManagedIdentity(el, direct.has(el), base));
        }
    }
    const elsewhere = [parsed.root, ...(0,tree/* descendants */.DG)(parsed.root)]
        .filter((e) => e.name === AUTH && !inInbound.has(e))
        .map(tree/* pathOf */.XM);
    return {
        rootName: parsed.root.name,
        hasInbound: inbound !== undefined,
        hasBase: base !== undefined,
        managedIdentity,
        deletesSubscriptionKey: deletesOwnedKey(loc, 'header'),
        deletedHeaders: deletedNames(inbound, loc.keys.header),
        deletesSubscriptionKeyQuery: deletesOwnedKey(loc, 'query'),
        deletedQueryParameters: deletedNames(inbound, loc.keys.query),
        elsewhere,
        conflicts: conflicts ?? (inbound ? guardFindings(loc, inbound).conflicts : [])
    };
}
/**
 * Parses and describes a policy document (rawxml text). Any root is accepted (a fragment gives
 * `rootName: 'fragment'`, `hasInbound: false`, its managed-identity elements in `elsewhere`); `<inbound>` and
 * `<backend>` are looked for only as direct children of `<policies>`. `opts.keyHeader`: the API's subscription-key
 * header (default `Ocp-Apim-Subscription-Key`), used for `deletesSubscriptionKey` and the conflicts; `opts.keyQuery`:
 * its query parameter (default `subscription-key`), used for `deletesSubscriptionKeyQuery` and the conflicts.
 * `opts.acceptableResources` / `namedValues` / `appObjectIds` ({@link OwnershipOptions}) decide which
 * managed-identity element is the owned one, and so the conflicts; without `acceptableResources` ownership is by
 * position (every resolvable resource counts as the Function's), as before ownership by purpose.
 * Throws PolicyParseError with line/column when the text cannot be tokenized or is not well-formed once expressions
 * are masked; Error when `opts.keyHeader` is not an HTTP header name or `opts.keyQuery` not a query parameter name.
 */
function inspectPolicy(raw, opts = {}) {
    const parsed = (0,tree/* parsePolicy */.ON)(raw);
    return inspectLocated(locate(parsed, subscriptionKeys(opts), opts));
}
/** Whether the owned managed-identity element runs after `<base />` (or `<inbound>` has no `<base />`). */
const afterBase = (loc, el) => !(loc.base && el.start < loc.base.start);
/**
 * The owned-elements view used to decide drift (field case C12: never compare policies as strings).
 * `resource` is the decoded `resource` (as authored: a `{{name}}` reference is not substituted) of the owned
 * `<authentication-managed-identity>` (by purpose, see {@link OwnershipOptions}; without `acceptableResources`, by
 * position: the first direct one without output-token-variable-name); `authAfterBase` is true when that element is
 * after `<base />` or `<inbound>` has no `<base />`;
 * `deletesSubscriptionKey` as in {@link PolicyInspection}: a direct delete of `opts.keyHeader` (the API's
 * subscription-key header, default `Ocp-Apim-Subscription-Key`, case-insensitive); `deletesSubscriptionKeyQuery`
 * likewise for `opts.keyQuery` (default `subscription-key`). Empty text (or only
 * whitespace), a root other than `<policies>` or no `<inbound>` → nothing present.
 * Throws PolicyParseError like {@link inspectPolicy}; Error when `opts.keyHeader` is not an HTTP header name (or
 * `opts.keyQuery` not a query parameter name), checked first, even for empty text.
 */
function ownedState(raw, opts = {}) {
    const keys = subscriptionKeys(opts);
    if (isBlankPolicy(raw))
        return {
            authPresent: false,
            authAfterBase: false,
            deletesSubscriptionKey: false,
            deletesSubscriptionKeyQuery: false
        };
    const loc = locate((0,tree/* parsePolicy */.ON)(raw), keys, opts);
    const auth = loc.own.owned?.el;
    const resource = auth ? (0,tree/* attr */.CF)(auth, 'resource')?.value : undefined;
    return {
        ...(resource !== undefined ? { resource } : {}),
        authPresent: auth !== undefined,
        authAfterBase: auth !== undefined && afterBase(loc, auth),
        deletesSubscriptionKey: deletesOwnedKey(loc, 'header'),
        deletesSubscriptionKeyQuery: deletesOwnedKey(loc, 'query')
    };
}
/**
 * The owned `<authentication-managed-identity>` of an API policy (rawxml text), by purpose (see
 * {@link OwnershipOptions}; without `acceptableResources`, by position), or undefined when there is none (empty
 * text, a root other than `<policies>`, no `<inbound>`, or no element that sends the Function's token: the merge adds
 * one). For the read-back check after a write and for inspectPolicies (which identity calls the Function).
 * Throws PolicyParseError like {@link inspectPolicy}.
 */
function ownedManagedIdentity(raw, opts = {}) {
    if (isBlankPolicy(raw))
        return undefined;
    const loc = locate((0,tree/* parsePolicy */.ON)(raw), subscriptionKeys({}), opts);
    const owned = loc.own.owned;
    if (!owned)
        return undefined;
    const el = owned.el;
    const cid = (0,tree/* attr */.CF)(el, 'client-id');
    const resolvedCid = cid ? resolveAttribute(cid, opts.namedValues) : undefined;
    const out = {
        line: (0,policy_errors/* lineAt */.mh)(loc.parsed.raw, el),
        resourceStatus: owned.judged.status,
        afterBase: afterBase(loc, el)
    };
    const res = (0,tree/* attr */.CF)(el, 'resource');
    if (res)
        out.resource = res.value;
    if (owned.judged.why)
        out.why = owned.judged.why;
    if (cid)
        out.clientId = cid.value;
    if (resolvedCid?.value !== undefined && resolvedCid.value !== '')
        out.clientIdResolved = resolvedCid.value;
    else if (resolvedCid?.why)
        out.clientIdUnresolved = resolvedCid.why;
    const ignore = (0,tree/* attr */.CF)(el, 'ignore-error');
    if (ignore)
        out.ignoreError = ignore.value;
    if (loc.own.carrier)
        out.tokenVariable = (0,tree/* attr */.CF)(el, 'output-token-variable-name').value;
    return out;
}
/**
 * Text spans of the elements of `raw` that this action owns, by purpose — for an independent last-line write guard
 * that checks every byte outside them is unchanged. Pure.
 *
 * Input: `raw`, an API policy in rawxml (the text as read from or about to be written to ARM); `opts.acceptableResources`
 * (the Function's app: client ID, App ID URI(s) / token-resource), `opts.namedValues` (display name → value,
 * `undefined` when unresolved; src/named-values.ts), `opts.keyHeader` / `opts.keyQuery` (the API's
 * `subscriptionKeyParameterNames`; defaults `Ocp-Apim-Subscription-Key` / `subscription-key`, compared
 * case-insensitively).
 * Output: `{start, end}` UTF-16 offsets into `raw` (`raw.slice(start, end)` is the element from its `<` to the end of
 * its end tag or `/>`), sorted by `start`, non-overlapping:
 * - the owned `<authentication-managed-identity>` (see {@link ownedManagedIdentity}; at most one);
 * - every direct `<set-header name="<keyHeader>" exists-action="delete">` child of `<inbound>`;
 * - every direct `<set-query-parameter name="<keyQuery>" exists-action="delete">` child of `<inbound>`.
 * Empty for empty text, a root other than `<policies>` or no `<inbound>`. The merge also adds or removes the line
 * break and indentation next to an owned element it inserts or moves (layout only); the carrier Authorization
 * set-header of the "carrier" form is the user's, not a span.
 * Throws PolicyParseError when the text cannot be tokenized or is not well-formed outside expressions; Error when
 * `keyHeader` / `keyQuery` is not a valid name (as mergePolicy does).
 */
function ownedElementSpans(raw, opts) {
    const keys = subscriptionKeys(opts);
    if (isBlankPolicy(raw))
        return [];
    const loc = locate((0,tree/* parsePolicy */.ON)(raw), keys, opts);
    if (loc.parsed.root.name !== 'policies' || !loc.inbound)
        return [];
    return ownedChildren(loc)
        .map((e) => ({ start: e.start, end: e.end }))
        .sort((a, b) => a.start - b.start);
}

;// CONCATENATED MODULE: ./src/policy/splice.ts
/**
 * Splicing: the text of the owned elements and the edits that put them into a policy document, matching the
 * surrounding indentation, line endings and `<x />` / `<x/>` style, everything else byte-identical. A brand-new
 * document uses 4-space indentation and LF, as APIM stores it. Pure module.
 */



/** Escapes an attribute value for a `"`-delimited attribute (also `'`, `>` and line breaks/tabs, which XML would normalize). */
function escapeAttr(v) {
    return v
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&apos;')
        .replace(/\t/g, '&#x9;')
        .replace(/\n/g, '&#xA;')
        .replace(/\r/g, '&#xD;');
}
/** The owned `<authentication-managed-identity resource="…">`, ending with `close` (` />` or `/>`). */
function authTag(resource, close) {
    return `<${AUTH} resource="${escapeAttr(resource)}"${close}`;
}
/** The owned delete of `key` (e.g. `<set-header name="X-Api-Key" exists-action="delete" />`), ending with `close`. */
function deleteTag(key, close) {
    const name = key.escapeInTag ? escapeAttr(key.name) : key.name;
    return `<${key.element} name="${name}" exists-action="delete"${close}`;
}
/** A brand-new API policy document holding the owned elements (4-space indentation, LF, as APIM stores it). */
function newDocument(resource, keys) {
    return [
        '<policies>',
        '    <inbound>',
        '        <base />',
        `        ${authTag(resource, ' />')}`,
        ...KEY_KINDS.map((kind) => `        ${deleteTag(keys[kind], ' />')}`),
        '    </inbound>',
        '    <backend>',
        '        <base />',
        '    </backend>',
        '    <outbound>',
        '        <base />',
        '    </outbound>',
        '    <on-error>',
        '        <base />',
        '    </on-error>',
        '</policies>',
        ''
    ].join('\n');
}
/** Whitespace between the last line break before `at` and `at`, or undefined when other text sits there. */
function indentBefore(raw, at) {
    let i = at;
    while (i > 0 && (raw[i - 1] === ' ' || raw[i - 1] === '\t'))
        i--;
    if (i === 0 || raw[i - 1] === '\n' || raw[i - 1] === '\r')
        return raw.slice(i, at);
    return undefined;
}
/** Length change of the text after applying `splices`. */
function delta(splices) {
    return splices.reduce((d, s) => d + s.text.length - (s.end - s.start), 0);
}
/** `raw` with `splices` applied (non-overlapping; offsets are into `raw`). */
function applySplices(raw, splices) {
    const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
    let out = raw;
    for (const s of sorted)
        out = out.slice(0, s.start) + s.text + out.slice(s.end);
    return out;
}
/** The range to delete when moving `el`: its whole line (with the preceding line break) when it stands alone on it. */
function cutRange(raw, el) {
    const ind = indentBefore(raw, el.start);
    let after = el.end;
    while (after < raw.length && (raw[after] === ' ' || raw[after] === '\t'))
        after++;
    const aloneAfter = after >= raw.length || raw[after] === '\n' || raw[after] === '\r';
    if (ind !== undefined && aloneAfter) {
        let start = el.start - ind.length;
        if (raw[start - 1] === '\n')
            start--;
        if (raw[start - 1] === '\r')
            start--;
        return { start, end: after, text: '' };
    }
    return { start: el.start, end: el.end, text: '' };
}
/** Inserts `items` right after `el`, each on its own line with `el`'s indentation when `el` starts a line. */
function afterElement(raw, el, items, nl) {
    const ind = indentBefore(raw, el.start);
    return {
        start: el.end,
        end: el.end,
        text: ind !== undefined ? items.map((t) => `${nl}${ind}${t}`).join('') : items.join('')
    };
}
/** One indentation step: the difference between <inbound>'s indentation and its parent's, else 4 spaces (tab if the document indents with tabs). */
function guessUnit(raw, inbound, inboundInd) {
    const parentInd = inbound.parent ? indentBefore(raw, inbound.parent.start) : undefined;
    if (inboundInd !== undefined && parentInd !== undefined && inboundInd.startsWith(parentInd)) {
        const unit = inboundInd.slice(parentInd.length);
        if (unit !== '')
            return unit;
    }
    return inboundInd?.includes('\t') ? '\t' : '    ';
}
/** Inserts `items` after `<base />`, or first in `<inbound>` (expanding a self-closing one), in the surrounding layout. */
function atStart(raw, inbound, base, items, nl) {
    if (base)
        return afterElement(raw, base, items, nl);
    const inboundInd = indentBefore(raw, inbound.start);
    const multiline = inboundInd !== undefined;
    const firstChild = (0,tree/* elementChildren */.Wi)(inbound)[0];
    const childInd = (firstChild && indentBefore(raw, firstChild.start)) ?? (inboundInd ?? '') + guessUnit(raw, inbound, inboundInd);
    if (inbound.selfClosing) {
        const tag = raw.slice(inbound.start, inbound.end).replace(/\s*\/>$/, '>');
        const text = multiline
            ? `${tag}${items.map((t) => `${nl}${childInd}${t}`).join('')}${nl}${inboundInd}</${inbound.name}>`
            : `${tag}${items.join('')}</${inbound.name}>`;
        return { start: inbound.start, end: inbound.end, text };
    }
    if (!multiline)
        return { start: inbound.openEnd, end: inbound.openEnd, text: items.join('') };
    const content = raw.slice(inbound.openEnd, inbound.closeStart);
    const tail = /[\r\n]/.test(content) ? '' : `${nl}${inboundInd}`;
    return {
        start: inbound.openEnd,
        end: inbound.openEnd,
        text: items.map((t) => `${nl}${childInd}${t}`).join('') + tail
    };
}
/**
 * The insertions that put the owned elements in place. `chain` lists every owned element in order (the managed
 * identity, then each key delete in KEY_KINDS order): consecutive new ones (`text`) go together right after the
 * previous existing one, or — before any existing one — right after `<base />` (first in `<inbound>` when there is
 * no `<base />`). `nl` is the document's line break.
 */
function insertOwned(raw, inbound, base, chain, nl) {
    const out = [];
    let anchor;
    let items = [];
    const flush = () => {
        if (items.length > 0)
            out.push(anchor ? afterElement(raw, anchor, items, nl) : atStart(raw, inbound, base, items, nl));
        items = [];
    };
    for (const p of chain) {
        if ('existing' in p) {
            flush();
            anchor = p.existing;
        }
        else
            items.push(p.text);
    }
    flush();
    return out;
}

;// CONCATENATED MODULE: ./src/policy/merge.ts
/**
 * The merge of the three elements this action owns in an API policy's `<inbound>`: orchestration only — the element
 * predicates are in ./predicates.ts, the subscription key's two kinds in ./subscription-key.ts, which
 * managed-identity element is owned in ./ownership.ts, where the owned elements are in ./anchors.ts, what undoes them
 * in ./guards.ts, the text edits in ./splice.ts and the read side in ./inspect.ts. Pure module.
 *
 * Owned: the `<authentication-managed-identity resource="…"/>` that sends APIM's token for the Function, chosen by
 * purpose, never by position (./ownership.ts, {@link OwnershipOptions}: a direct child of `<inbound>`, without
 * `output-token-variable-name`, whose `resource` — after `{{named value}}` substitution — is the Function's app or
 * a known wrong form of it; Learn: "Authenticate with managed identity" policy reference,
 * https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy — allowed in `inbound`,
 * attributes `resource` (required, expressions allowed), `client-id` (absent → system-assigned identity),
 * `output-token-variable-name` (the token goes into that variable instead of the Authorization header),
 * `ignore-error`). Every other managed-identity element (Azure OpenAI, Key Vault, Storage, ARM, a token kept in a
 * variable, one inside `<send-request>`) is the user's and stays byte for byte; and
 * `<set-header name="<the API's subscription-key header>" exists-action="delete"/>` (Learn: set-header policy
 * reference, https://learn.microsoft.com/azure/api-management/set-header-policy). The header is the API's
 * `properties.subscriptionKeyParameterNames.header` (Learn: "Subscriptions in Azure API Management"; REST Api
 * `subscriptionKeyParameterNames`), `Ocp-Apim-Subscription-Key` unless the API renames it; header names compare
 * case-insensitively. And, right after it, `<set-query-parameter name="<the API's subscription-key query parameter>"
 * exists-action="delete"/>` (Learn: set-query-parameter policy reference,
 * https://learn.microsoft.com/azure/api-management/set-query-parameter-policy; "Subscriptions in Azure API
 * Management": a key sent in a header or query parameter "by default is passed to the backend", remove it with
 * set-header or set-query-parameter): `properties.subscriptionKeyParameterNames.query`, `subscription-key` unless
 * renamed; compared case-insensitively (see {@link KeyHeaderOption.keyQuery}). `<base />` runs the parent scope's
 * policies at that point (Learn: "Policies in Azure API Management", policy scopes / base element), so the owned
 * elements go after it. Everything else in the document is left byte-identical.
 */









/** Characters XML 1.0 cannot carry, even escaped (control characters other than tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR = 
// eslint-disable-next-line no-control-regex
/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Throws Error when `resource` is blank, starts with `@` (an expression to APIM) or holds a character XML cannot carry. */
function checkResource(resource) {
    if (resource.trim() === '' || resource.startsWith('@') || NOT_XML_CHAR.test(resource)) {
        throw new Error(`invalid policy resource ${JSON.stringify(resource)}: expected an app (client) ID or App ID URI`);
    }
}
/** A brand-new document holding the three owned elements, and its changes. */
function newPolicy(resource, keys) {
    return {
        text: newDocument(resource, keys),
        changes: [
            { path: 'policy.authentication-managed-identity', before: null, after: resource },
            ...KEY_KINDS.map((kind) => ({ path: keys[kind].path, before: null, after: 'delete' }))
        ],
        warnings: [],
        conflicts: []
    };
}
function lineOf(raw, at) {
    return raw.slice(0, at).split(/\r\n|\r|\n/).length;
}
/** `<policies>/<inbound>`; throws PolicyNotManagedError for another root or no `<inbound>`. */
function requireManaged(raw, loc) {
    const { parsed, inbound } = loc;
    const l = lineOf(raw, parsed.root.start);
    if (parsed.root.name !== 'policies') {
        throw new policy_errors/* PolicyNotManagedError */.HX(`policy root is <${parsed.root.name}> (line ${l}), not <policies>: policy fragments and other documents are ` +
            'not managed by this action. An API policy is a <policies> document (a fragment is used from one with ' +
            '<include-fragment>): replace the API policy with one, or remove this API from api-ids, and re-run', l, 1);
    }
    if (!inbound) {
        throw new policy_errors/* PolicyNotManagedError */.HX(`policy has no <inbound> section (<policies> at line ${l}): the managed-identity elements belong there, and ` +
            'adding the section here would change which parent-scope policies run. Add "<inbound><base /></inbound>" ' +
            'to the API policy (APIM portal → API → Policy editor) and re-run', l, 1);
    }
    return inbound;
}
/**
 * Warnings about the managed-identity elements that are the user's: nested ones, ones outside `<inbound>`, and
 * direct ones that are not the Function's token. A second direct one that sets the Authorization header after the
 * owned one is a conflict (guards.ts), not mentioned here.
 */
function foreignWarnings(raw, loc, ins) {
    const warnings = [];
    for (const m of ins.managedIdentity.filter((x) => !x.direct)) {
        warnings.push(`a nested <${AUTH}${m.resource !== undefined ? ` resource="${m.resource}"` : ''}> inside <inbound> was left unchanged (it is conditional or belongs to send-request)`);
    }
    for (const p of ins.elsewhere)
        warnings.push(`<${AUTH}> at ${p} is outside <inbound> and was left unchanged`);
    for (const d of loc.own.direct) {
        if (d === loc.own.owned)
            continue;
        const res = (0,tree/* attr */.CF)(d.el, 'resource');
        const shown = res ? (res.expression ? 'an expression' : `"${res.value}"`) : 'none';
        const forFunction = claimsFunction(d.judged.status);
        if (d.hasVar && forFunction) {
            warnings.push(`a direct <${AUTH}> at line ${(0,policy_errors/* lineAt */.mh)(raw, d.el)} (resource ${shown}) keeps a token for the Function's app in ` +
                'a variable (a lookup: APIM sets no header from it) and was left unchanged; the owned element sends the token');
        }
        else if (d.hasVar || !forFunction) {
            const kind = d.hasVar ? 'keeps its token in a variable' : 'sends a token for another resource';
            warnings.push(`a direct <${AUTH}> at line ${(0,policy_errors/* lineAt */.mh)(raw, d.el)} (resource ${shown}) ${kind}: it is not the Function's ` +
                'token and was left unchanged');
        }
    }
    return warnings;
}
/** The owned element's `resource`: rewritten when in a known wrong form, kept (with a warning) when it cannot be judged. */
function resourceFix(raw, owned, resource) {
    const auth = owned.el;
    const res = (0,tree/* attr */.CF)(auth, 'resource');
    if (owned.judged.status === 'unknown') {
        const warning = `<${AUTH}> at line ${(0,policy_errors/* lineAt */.mh)(raw, auth)}: resource ${res?.expression ? 'is an expression' : `"${res?.value ?? ''}"`} ` +
            `cannot be checked (${owned.judged.why ?? 'unknown'}), so it was left as written: make sure it is the ` +
            `Function's app (${resource})`;
        return { changes: [], warnings: [warning], splices: [] };
    }
    if (owned.judged.status !== 'wrong-form')
        return { changes: [], warnings: [], splices: [] };
    const at = raw[auth.openEnd - 2] === '/' ? auth.openEnd - 2 : auth.openEnd - 1;
    const splice = res
        ? { start: res.valueStart, end: res.valueEnd, text: escapeAttr(resource) }
        : { start: at, end: at, text: ` resource="${escapeAttr(resource)}"` };
    const warnings = res && !res.expression && /\{\{[^{}]*\}\}/.test(res.value)
        ? [
            `<${AUTH}> at line ${(0,policy_errors/* lineAt */.mh)(raw, auth)}: resource="${res.value}" was replaced by "${resource}" because ` +
                `${owned.judged.why ?? 'it is a wrong form of the Function app'}; the named value itself is unchanged`
        ]
        : [];
    return {
        changes: [{ path: 'policy.resource', before: res?.value ?? null, after: resource }],
        warnings,
        splices: [splice]
    };
}
/** Warnings about the attributes of the owned element that are kept as they are. */
function keptAttributes(auth) {
    const warnings = [];
    const clientId = (0,tree/* attr */.CF)(auth, 'client-id');
    if (clientId) {
        warnings.push(`<${AUTH}> keeps client-id="${clientId.value}": it selects a user-assigned identity, not APIM's system-assigned one`);
    }
    const ignore = (0,tree/* attr */.CF)(auth, 'ignore-error');
    if (ignore)
        warnings.push(`<${AUTH}> keeps ignore-error="${ignore.value}"`);
    return warnings;
}
/** The owned managed-identity element: added, kept where it is (its resource fixed), or moved after `<base />`. */
function authStep(raw, loc, resource, close) {
    const owned = loc.own.owned;
    if (!owned) {
        const added = { path: 'policy.authentication-managed-identity', before: null, after: resource };
        return { place: { text: authTag(resource, close) }, changes: [added], warnings: [], splices: [] };
    }
    const auth = owned.el;
    const fix = resourceFix(raw, owned, resource);
    const warnings = [...fix.warnings, ...keptAttributes(auth)];
    if (!(loc.base && auth.start < loc.base.start)) {
        return { place: { existing: auth }, changes: fix.changes, warnings, splices: fix.splices };
    }
    // move: cut the element (with its own line when it stands alone on it), re-insert after <base />
    const text = applySplices(raw, fix.splices).slice(auth.start, auth.end + delta(fix.splices));
    const moved = { path: 'policy.authentication-managed-identity.position', before: 'before-base', after: 'after-base' };
    return { place: { text }, changes: [...fix.changes, moved], warnings, splices: [cutRange(raw, auth)] };
}
/** Warnings about direct setters of `key` before `at` (where its new delete goes): the delete runs after them. */
function earlierSetters(inbound, key, at) {
    return (0,tree/* elementChildren */.Wi)(inbound)
        .filter((e) => e.name === key.element && e.start < at && literalName(e) === key.lower)
        .map((e) => `<inbound> already sets ${key.name} (exists-action="${(0,tree/* attr */.CF)(e, 'exists-action')?.value ?? ''}"); a delete was added after it`);
}
/**
 * Each subscription-key delete, in KEY_KINDS order: kept where it is (any case; the last direct one anchors the
 * next owned element), or added right after the previous owned element. An earlier setter of the key (before where
 * the delete goes) is mentioned when the kind says so; later ones are conflicts (guards.ts).
 */
function keySteps(loc, inbound, anchors, close) {
    const out = { changes: [], warnings: [], places: [] };
    for (const kind of KEY_KINDS) {
        const key = loc.keys[kind];
        const existing = lastDelete(inbound, key);
        if (existing) {
            out.places.push({ existing });
            continue;
        }
        if (key.warnsEarlierSetter)
            out.warnings.push(...earlierSetters(inbound, key, anchors.keys[kind].at));
        out.changes.push({ path: key.path, before: null, after: 'delete' });
        out.places.push({ text: deleteTag(key, close) });
    }
    return out;
}
/**
 * Ensures the three owned elements in `<inbound>` of an API policy (rawxml in, rawxml out).
 *
 * - `raw` undefined, '' or only whitespace → a new document (`<policies>` with `<base />` in every section and the
 *   three owned elements after the inbound `<base />`).
 * - No change needed → `text === raw` (the same string) and `changes` empty.
 * - `desired.keyHeader` is the API's subscription-key header (`properties.subscriptionKeyParameterNames.header`,
 *   default `Ocp-Apim-Subscription-Key`; see {@link KeyHeaderOption}): the owned delete is
 *   `<set-header name="<keyHeader>" exists-action="delete"/>`. A delete of another header (e.g. an earlier
 *   `Ocp-Apim-Subscription-Key` one after the API renamed its header) is the user's and is kept.
 * - `desired.keyQuery` is the API's subscription-key query parameter (`subscriptionKeyParameterNames.query`, default
 *   `subscription-key`): the owned `<set-query-parameter name="<keyQuery>" exists-action="delete"/>` goes right after
 *   the header delete (with it when both are new, else after the last direct header delete); an existing one
 *   (any case, anywhere among the direct children of `<inbound>`) is kept byte for byte.
 * - Change paths: `policy.authentication-managed-identity` (added: before null, after `resource`),
 *   `policy.resource` (before → after), `policy.set-header[<keyHeader>]` (e.g. `policy.set-header[X-Api-Key]`;
 *   added: before null, after 'delete'), `policy.set-query-parameter[<keyQuery>]` (e.g.
 *   `policy.set-query-parameter[subscription-key]`; added: before null, after 'delete'),
 *   `policy.authentication-managed-identity.position` (before 'before-base' →
 *   after 'after-base').
 * - The owned `<authentication-managed-identity>` is chosen by purpose (`desired.acceptableResources` — always with
 *   `desired.resource` —, `desired.namedValues`, `desired.appObjectIds`; see {@link OwnershipOptions}). An owned
 *   element whose `resource` is acceptable (also through a `{{named value}}`, GUIDs in any case) is in sync and never
 *   rewritten; one in a known wrong form (`api://<client ID>`, the app's object ID, no `resource`, …) gets its
 *   `resource` (only) set to `desired.resource`; one that cannot be judged (an expression, an unresolved named value)
 *   is kept as written with a warning. `client-id`, `ignore-error` are kept and produce warnings. Without an owned
 *   element one is added. Every other managed-identity element — another resource, a token kept in a variable,
 *   nested ones (`<choose>`, `<send-request>`), ones outside `<inbound>` — is left byte for byte (with a warning).
 * - Elements that would undo the owned ones (a later subscription-key set-header or set-query-parameter, a later Authorization
 *   set-header / authentication-basic — in `<backend>` too —, another direct managed-identity element that sets the
 *   Authorization header after the owned one, the key copied by an expression into what goes to the Function; an
 *   element with `output-token-variable-name` is a lookup — the user's — even for the Function's app)
 *   are returned in `conflicts` (see {@link PolicyConflict}; the text is still merged; the caller must not write it).
 *   Nested `<inbound>` ones of the first two kinds (outside side requests) after the owned elements give warnings;
 *   so do a `set-header` with an expression as its name and an `<include-fragment>` after the owned elements or in
 *   `<backend>` (they cannot be checked). New elements go right after `<base />` (or first in `<inbound>` when there is none), matching the
 *   surrounding indentation, line endings and `<x />` / `<x/>` style. An element found before `<base />` is moved
 *   after it. A self-closing `<inbound/>` is expanded. `<base />` is never added to an existing document.
 * - Attribute values are escaped (`&`, `<`, `>`, quotes, line breaks), so a hostile `resource` cannot break the document.
 *
 * Throws PolicyParseError (nothing to write) when the text cannot be tokenized or is not well-formed outside
 * expressions; PolicyNotManagedError (a PolicyParseError) when the root is not `<policies>` (e.g. a policy
 * fragment: fragments are not managed) or `<policies>` has no `<inbound>` (adding one would change which
 * parent-scope policies run). Messages say what is wrong, where (line) and how to fix it. Throws Error when `desired.resource` is blank, starts with `@` (APIM would read it as an expression) or holds a
 * character XML cannot carry, or when `desired.keyHeader` is not an HTTP header name or `desired.keyQuery` not a
 * query parameter name.
 */
function mergePolicy(raw, desired) {
    const resource = desired.resource;
    checkResource(resource);
    const keys = subscriptionKeys(desired);
    if (raw === undefined || isBlankPolicy(raw))
        return newPolicy(resource, keys);
    const loc = locate((0,tree/* parsePolicy */.ON)(raw), keys, desired, [resource]);
    const inbound = requireManaged(raw, loc);
    const guards = guardFindings(loc, inbound); // once per merge: the inspection below reuses its conflicts
    const ins = inspectLocated(loc, guards.conflicts);
    const nl = raw.includes('\r\n') ? '\r\n' : '\n';
    const base = loc.base;
    const close = base && /\s\/>$/.test(raw.slice(base.start, base.end)) ? ' />' : base ? '/>' : ' />';
    const auth = authStep(raw, loc, resource, close);
    const key = keySteps(loc, inbound, guards.anchors, close);
    const warnings = [...guards.nestedWarnings, ...foreignWarnings(raw, loc, ins), ...auth.warnings, ...key.warnings];
    const changes = [...auth.changes, ...key.changes];
    const conflicts = ins.conflicts;
    if (changes.length === 0)
        return { text: raw, changes, warnings, conflicts };
    const splices = [...auth.splices, ...insertOwned(raw, inbound, base, [auth.place, ...key.places], nl)];
    return { text: applySplices(raw, splices), changes, warnings, conflicts };
}

;// CONCATENATED MODULE: ./src/policy/equivalent.ts
/**
 * Semantic comparison of policy documents. Pure module.
 *
 * APIM reformats a policy on save (CRLF → LF, indentation, `<x/>` → `<x />`, `&#xA;` for line breaks inside
 * attribute expressions, the escaped `format=xml` form vs `rawxml`): ../shared/DESIGN.md §3, field case C12
 * (hashicorp/terraform-provider-azurerm#3145, Azure/terraform-provider-azapi#334). So documents are compared on a
 * canonical form, never as strings.
 */




const lf = (s) => s.replace(/\r\n?/g, '\n');
/**
 * Canonical form of a policy document: whitespace-only character data between elements dropped, other
 * character data (text and CDATA merged, entities decoded, CRLF → LF) trimmed, attributes sorted, quote style and
 * `<x/>` vs `<x />` forgotten, comments kept (trimmed), the XML declaration and BOM ignored. Attribute values:
 * non-expression values as XML reads them; expressions exactly as written except entities decoded and CRLF → LF.
 * `dropOwned: true` removes the owned direct children of `<policies>/<inbound>` (authentication-managed-identity,
 * set-header deleting `opts.keyHeader`, the API's subscription-key header, default Ocp-Apim-Subscription-Key, and
 * set-query-parameter deleting `opts.keyQuery`, its query parameter, default subscription-key; names compared
 * case-insensitively). With `opts.acceptableResources` (and `opts.namedValues`), `dropOwned` removes only the
 * elements owned by purpose (see ownedElementSpans in ./inspect.ts): a managed-identity element for another resource
 * stays in the canonical form. Throws PolicyParseError when the text cannot be parsed.
 */
function canonicalPolicy(raw, opts = {}) {
    // not validated: a comparison never throws for a name (ownedElementSpans, by purpose, does)
    const described = describeKeys(opts);
    const keys = KEY_KINDS.map((kind) => described[kind]);
    const { root } = (0,tree/* parsePolicy */.ON)(raw);
    const owned = new Set();
    if (opts.dropOwned && root.name === 'policies' && opts.acceptableResources) {
        // by purpose: exactly the elements ownedElementSpans names
        const spans = ownedElementSpans(raw, {
            acceptableResources: opts.acceptableResources,
            namedValues: opts.namedValues,
            keyHeader: opts.keyHeader,
            keyQuery: opts.keyQuery
        });
        const inbound = (0,tree/* elementChildren */.Wi)(root).find((e) => e.name === 'inbound');
        for (const e of inbound ? (0,tree/* elementChildren */.Wi)(inbound) : []) {
            if (spans.some((s) => s.start === e.start && s.end === e.end))
                owned.add(e);
        }
    }
    else if (opts.dropOwned && root.name === 'policies') {
        const inbound = (0,tree/* elementChildren */.Wi)(root).find((e) => e.name === 'inbound');
        for (const e of inbound ? (0,tree/* elementChildren */.Wi)(inbound) : []) {
            if (e.name === 'authentication-managed-identity' || keys.some((k) => deletesKey(e, k)))
                owned.add(e);
        }
    }
    const canon = (el) => {
        const children = [];
        let chars = '';
        const flush = () => {
            const t = chars.trim();
            if (t !== '')
                children.push({ text: t });
            chars = '';
        };
        for (const c of el.children) {
            const text = raw.slice(c.start, c.end);
            if (c.kind === 'text')
                chars += (0,tree/* decodeEntities */.Sm)(lf(text));
            else if (c.kind === 'cdata')
                chars += lf(text.slice(9, -3));
            else {
                flush();
                if (c.kind === 'element') {
                    if (!owned.has(c))
                        children.push(canon(c));
                }
                else if (c.kind === 'comment')
                    children.push({ comment: lf(text.slice(4, -3)).trim() });
                else
                    children.push({ pi: lf(text) });
            }
        }
        flush();
        return {
            name: el.name,
            attrs: el.attrs
                .map((a) => [a.name, a.value])
                .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)),
            children
        };
    };
    return canon(root);
}
/**
 * Semantic equality of two policy documents (rawxml or xml form): ignores whitespace between elements,
 * attribute order, quote style, `<x/>` vs `<x />`, CRLF vs LF, entity vs literal character where equivalent,
 * CDATA vs escaped text; expression text is compared exactly (after entity decoding and CRLF → LF); comments count.
 * Identical strings are equal without parsing. Throws PolicyParseError when either document cannot be parsed.
 */
function policiesEquivalent(a, b) {
    if (a === b)
        return true;
    return JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
}

// EXTERNAL MODULE: ./src/policy/scan.ts
var scan = __webpack_require__(8157);
;// CONCATENATED MODULE: ./src/policy/index.ts
/**
 * The action's APIM policy engine (pure: no @actions/*, no network). See ../../../shared/DESIGN.md §3.
 * Modules: ./subscription-key.ts (the key's header and query kinds, one description), ./predicates.ts (what an
 * element is), ./ownership.ts (which managed-identity element is owned), ./anchors.ts (where the owned elements are
 * or will be), ./guards.ts (what undoes them: {@link PolicyConflict}), ./splice.ts (the new text), ./inspect.ts
 * (the read side), ./merge.ts (the merge's orchestration).
 * - {@link inspectPolicy} / {@link ownedState}: read a rawxml document (expressions need not be well-formed XML).
 * - {@link mergePolicy}: ensure the three owned `<inbound>` elements, splicing into the original text. The
 *   owned `<authentication-managed-identity>` is chosen by purpose ({@link OwnershipOptions}: the one that sends
 *   APIM's token for the Function), never by position; {@link ownedManagedIdentity} / {@link ownedElementSpans}
 *   say which it is.
 *   subscription-key deletes name the API's header (`keyHeader`, default {@link DEFAULT_KEY_HEADER}) and query
 *   parameter (`keyQuery`, default {@link DEFAULT_KEY_QUERY}).
 * - {@link policiesEquivalent}: semantic comparison of two documents.
 * - {@link HEADER_TOKEN} / {@link QUERY_TOKEN}: the names the engine accepts for `keyHeader` / `keyQuery` (test the
 *   trimmed name; any other makes inspectPolicy, ownedState, ownedElementSpans and mergePolicy throw).
 */








// EXTERNAL MODULE: ./src/json-path.ts
var json_path = __webpack_require__(3653);
;// CONCATENATED MODULE: ./src/write-guard.ts
/**
 * The last line of defence before every write (pure), independent of the planners and the policy merge: the final
 * outgoing body is compared with the fresh read it was merged into, outside the paths the action owns. Any
 * difference stops that write and names the paths (or policy bytes) that differ. A bug anywhere upstream — a merge
 * that drops a provider, a splice that touches the user's element, a PATCH that narrows the identity — becomes a
 * refused write instead of lost user data.
 *
 * Sources for what is owned: README "What it owns"; Easy Auth PUT replaces the whole document
 * (REST WebApps_UpdateAuthSettingsV2); the APIM identity PATCH replaces `identity` (REST ApiManagementService_Update:
 * user-assigned identities not listed are removed); the policy PUT replaces the document (REST ApiPolicy_CreateOrUpdate).
 */


/** Segments of an owned dotted path (relative to `properties`). */
const segs = (p) => p.split('.');
/**
 * Easy Auth: every JSON leaf of `fresh.properties` outside `ownedPaths` must be in `outgoing.properties` with the
 * same value, and `outgoing.properties` must add no leaf outside them (arrays and empty objects are leaves).
 * `ownedPaths` are dotted paths relative to `properties` (EASY_AUTH_PATHS values). Returns the differing paths
 * (`properties.<path>`), empty when the write may go.
 */
function guardEasyAuthWrite(fresh, outgoing, ownedPaths) {
    const owned = ownedPaths.map(segs);
    const outside = (p) => !owned.some((o) => (0,json_path/* isUnder */.Jo)(p, o));
    const before = (0,json_path/* getPath */.Yn)(fresh, 'properties');
    const after = (0,json_path/* getPath */.Yn)(outgoing, 'properties');
    if (!(0,json_path/* isPlainObject */.Qd)(after))
        return ['properties (missing from the outgoing body)'];
    const differs = new Set();
    for (const [p, v] of (0,json_path/* isPlainObject */.Qd)(before) ? (0,json_path/* leaves */.FQ)(before) : []) {
        // An empty object that now holds owned paths (e.g. `identityProviders: {}` gaining azureActiveDirectory) is kept:
        // whatever else it holds is checked by the second loop.
        const grown = (0,json_path/* isPlainObject */.Qd)(v) && (0,json_path/* isPlainObject */.Qd)((0,json_path/* getPath */.Yn)(after, p));
        if (outside(p) && !grown && !(0,json_path/* deepEqual */.bD)((0,json_path/* getPath */.Yn)(after, p), v))
            differs.add(`properties.${(0,json_path/* pathToString */.uj)(p)}`);
    }
    for (const [p, v] of (0,json_path/* leaves */.FQ)(after)) {
        if (outside(p) && !(0,json_path/* deepEqual */.bD)((0,json_path/* getPath */.Yn)(before, p), v))
            differs.add(`properties.${(0,json_path/* pathToString */.uj)(p)}`);
    }
    return [...differs];
}
/**
 * APIM identity PATCH: the type is never narrowed (a type that had `UserAssigned` keeps it; one that had
 * `SystemAssigned` keeps it) and every user-assigned identity key of the fresh read is in the body
 * (case-insensitively). `fresh` is the service body as read; `outgoing` the PATCH body `{identity:{…}}`. Returns
 * the problems, empty when the write may go.
 */
function guardIdentityWrite(fresh, outgoing) {
    const was = (0,json_path/* getPath */.Yn)(fresh, 'identity.type') ?? 'None';
    const now = String((0,json_path/* getPath */.Yn)(outgoing, 'identity.type') ?? '');
    const problems = [];
    for (const part of ['SystemAssigned', 'UserAssigned']) {
        if (new RegExp(part, 'i').test(was) && !new RegExp(part, 'i').test(now)) {
            problems.push(`identity.type would drop ${part} ('${was}' → '${now}')`);
        }
    }
    const keep = Object.keys((0,json_path/* getPath */.Yn)(fresh, 'identity.userAssignedIdentities') ?? {});
    const sent = Object.keys((0,json_path/* getPath */.Yn)(outgoing, 'identity.userAssignedIdentities') ?? {}).map((k) => k.toLowerCase());
    for (const k of keep) {
        if (!sent.includes(k.toLowerCase()))
            problems.push(`identity.userAssignedIdentities would drop ${k}`);
    }
    const extra = Object.keys((0,json_path/* isPlainObject */.Qd)(outgoing) ? outgoing : {}).filter((k) => k !== 'identity');
    if (extra.length)
        problems.push(`the PATCH body carries more than identity (${extra.join(', ')})`);
    return problems;
}
/**
 * Policy PUT: `outgoing` must equal `fresh` byte for byte once the owned elements (direct children of `<inbound>`
 * of the owned kinds, see {@link PolicyOwnership}) are cut from both, each with the white space right before it.
 * `fresh` undefined (the API had no policy: nothing the user owns) always passes. A document the guard cannot parse
 * is refused. Returns the problems (with the first differing line of each side), empty when the write may go.
 */
function guardPolicyWrite(fresh, outgoing, own) {
    if (fresh === undefined)
        return [];
    let a;
    let b;
    try {
        a = withoutOwnedElements(fresh, own);
        b = withoutOwnedElements(outgoing, own);
    }
    catch (e) {
        return [`the guard could not parse the policy (${e.message})`];
    }
    if (a === b)
        return [];
    const la = a.split('\n');
    const lb = b.split('\n');
    let i = 0;
    while (i < la.length && la[i] === lb[i])
        i++;
    const clip = (s) => JSON.stringify((s ?? '<end>').trim().slice(0, 120));
    return [`bytes outside the owned elements would change: read ${clip(la[i])}, outgoing ${clip(lb[i])}`];
}
/**
 * The policy text with every owned element (see {@link PolicyOwnership}; direct children of `<inbound>`) and the
 * white space right before it removed; the text as given when it has no `<policies><inbound>`. Throws
 * PolicyParseError when the text cannot be parsed.
 */
function withoutOwnedElements(raw, own) {
    const parsed = (0,tree/* parsePolicy */.ON)(raw);
    const inbound = parsed.root.name === 'policies' ? (0,tree/* elementChildren */.Wi)(parsed.root).find((e) => e.name === 'inbound') : undefined;
    if (!inbound)
        return raw;
    const cut = (0,tree/* elementChildren */.Wi)(inbound).filter((e) => isOwned(e, own));
    let out = '';
    let at = 0;
    for (const el of cut) {
        let start = el.start;
        while (start > at && /\s/.test(raw[start - 1]))
            start--;
        out += raw.slice(at, start);
        at = el.end;
    }
    return out + raw.slice(at);
}
function norm(v) {
    return v.trim().toLowerCase().replace(/\/+$/, '');
}
function resolved(v, own) {
    if (v === undefined)
        return undefined;
    return v.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (m, name) => own.namedValues?.get(name) ?? m);
}
function isOwned(el, own) {
    const value = (n) => (0,tree/* attr */.CF)(el, n)?.value;
    if (el.name === 'authentication-managed-identity') {
        if (value('output-token-variable-name') !== undefined)
            return false;
        const r = resolved(value('resource'), own);
        return r !== undefined && own.resources.some((x) => norm(x) === norm(r));
    }
    const deletes = (value('exists-action') ?? '').trim().toLowerCase() === 'delete';
    const name = (value('name') ?? '').trim().toLowerCase();
    if (el.name === 'set-header')
        return deletes && name === own.keyHeader.trim().toLowerCase();
    if (el.name === 'set-query-parameter')
        return deletes && name === own.keyQuery.trim().toLowerCase();
    return false;
}

;// CONCATENATED MODULE: ./src/reconcilers/api-policy.ts
/**
 * Each API's policy (Microsoft.ApiManagement/service/apis/policies, REST ApiPolicy_Get `format=rawxml` /
 * ApiPolicy_CreateOrUpdate with If-Match, api-version 2024-05-01): read and written as rawxml (never mixed: DESIGN §3),
 * guarded byte for byte outside the owned elements, and read back semantically (APIM reformats on save).
 */



/** The API policy reconciler (see Reconciler): one write per API whose policy needs a change. */
const apiPolicyReconciler = {
    kind: 'api-policy',
    async observe(arm, ids) {
        const apis = await Promise.all(Object.entries(ids.apis).map(async ([apiId, resourceId]) => {
            const [api, policy] = await Promise.all([arm.getApi(apiId), arm.getApiPolicy(apiId)]);
            return { apiId, resourceId, api: api.body, policy };
        }));
        return { apis };
    },
    async refresh(arm, rp) {
        // Creating (If-Match: *) would replace whatever exists: a policy is created only when a read right before the PUT
        // still finds none (a 404 once is not enough: it may have been created since, or the first answer was wrong).
        const w = rp.write;
        if (w?.op !== 'put-api-policy' || w.ifMatch !== '*')
            return { fresh: {} };
        if (await arm.getApiPolicy(w.apiId)) {
            throw new errors/* ActionError */.l('the API had no policy when it was read and has one now (created meanwhile, or the first answer was wrong); ' +
                'nothing was created over it. Re-run.', rp.resourceId);
        }
        return { fresh: {} };
    },
    guard(w, _fresh, basis) {
        const read = Object.entries(basis.policies).find(([id]) => id.toLowerCase() === w.apiId.toLowerCase())?.[1];
        if (!read)
            return [`no read of API ${w.apiId}'s policy to compare with`];
        return guardPolicyWrite(read.value, w.value, {
            ...basis.ownership,
            keyHeader: read.keyHeader,
            keyQuery: read.keyQuery
        });
    },
    async write(arm, w) {
        return arm.putApiPolicy(w.apiId, w.value, w.ifMatch);
    },
    async readBack(arm, w) {
        return arm.getApiPolicy(w.apiId);
    },
    verify(after, w, _fresh, basis) {
        const doc = after;
        const problems = doc ? policyProblems(doc.value, w.value, basis.ownershipOptions) : ['no policy after the write'];
        return {
            problems: problems.length ? [`policy read-back differs from what was written: ${problems.join('; ')}`] : [],
            detail: 'written (rawxml) and read back'
        };
    }
};
/**
 * What APIM stored (`after`) against what was written: the owned managed-identity element (chosen by purpose, so
 * another resource's element is not mistaken for it; a {{named value}} that resolves right is in sync), every header
 * and query parameter the written document deletes in <inbound> (the API's subscription-key names; see
 * planApiPolicy), and the document as a whole (semantically). Pure.
 */
function policyProblems(after, written, ownership) {
    const problems = [];
    const mi = ownedManagedIdentity(after, ownership);
    if (!mi || mi.resourceStatus === 'wrong-form') {
        problems.push(`authentication-managed-identity resource is '${mi?.resource ?? 'absent'}'`);
    }
    const deletes = inspectPolicy(written);
    for (const h of deletes.deletedHeaders.length > 0 ? deletes.deletedHeaders : [DEFAULT_KEY_HEADER]) {
        if (!ownedState(after, { keyHeader: h }).deletesSubscriptionKey)
            problems.push(`${h} is not deleted`);
    }
    for (const q of deletes.deletedQueryParameters.length > 0 ? deletes.deletedQueryParameters : [DEFAULT_KEY_QUERY]) {
        if (!ownedState(after, { keyQuery: q }).deletesSubscriptionKeyQuery)
            problems.push(`query parameter ${q} is not deleted`);
    }
    if (!policiesEquivalent(written, after))
        problems.push('APIM stored a different document');
    return problems;
}

;// CONCATENATED MODULE: ./src/resources/apim-identity.ts

function typeParts(type) {
    if (typeof type !== 'string')
        return new Set();
    return new Set(type
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '' && s !== 'none'));
}
/**
 * Reads the identities of an APIM service body (ARM GET Microsoft.ApiManagement/service, api 2024-05-01).
 * `principalId` is returned only when the type includes SystemAssigned. Never throws.
 */
function apimPrincipal(service) {
    const identity = (0,json_path/* isPlainObject */.Qd)(service.identity) ? service.identity : {};
    const parts = typeParts(identity.type);
    const uai = (0,json_path/* isPlainObject */.Qd)(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {};
    const str = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
    return {
        principalId: parts.has('systemassigned') ? str(identity.principalId) : undefined,
        userAssigned: Object.entries(uai).map(([resourceId, v]) => ({
            resourceId,
            principalId: (0,json_path/* isPlainObject */.Qd)(v) ? str(v.principalId) : undefined,
            clientId: (0,json_path/* isPlainObject */.Qd)(v) ? str(v.clientId) : undefined
        }))
    };
}
/**
 * The one wording of the user-assigned identities an identity write keeps (`n` of them), for the plan's note and the
 * write's log line alike: `preserved 1 user-assigned identity(ies)`.
 */
function preservedUserAssigned(n) {
    return `preserved ${n} user-assigned identity(ies)`;
}
/**
 * Plans the APIM identity: `serviceId` is the service's ARM ID, `service` its GET body.
 * - type includes SystemAssigned → no change (never narrowed);
 * - None / missing identity → PATCH `{identity:{type:'SystemAssigned'}}`;
 * - UserAssigned → PATCH `{identity:{type:'SystemAssigned, UserAssigned', userAssignedIdentities:{<each key>: {}}}}`.
 * The one change is `identity.type` before → after. Never throws.
 */
function planApimIdentity(serviceId, service) {
    const identity = (0,json_path/* isPlainObject */.Qd)(service.identity) ? service.identity : {};
    const beforeType = typeof identity.type === 'string' && identity.type !== '' ? identity.type : 'None';
    const parts = typeParts(identity.type);
    const name = typeof service.name === 'string' ? service.name : (serviceId.split('/').pop() ?? serviceId);
    const label = `APIM ${name} identity`;
    const uaiKeys = Object.keys((0,json_path/* isPlainObject */.Qd)(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {});
    const notes = [];
    if (uaiKeys.length > 0)
        notes.push(preservedUserAssigned(uaiKeys.length));
    if (parts.has('systemassigned')) {
        notes.unshift('system-assigned identity present');
        return { kind: 'apim-identity', resourceId: serviceId, label, changes: [], notes };
    }
    const hasUser = parts.has('userassigned') || uaiKeys.length > 0;
    const type = hasUser ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
    const body = {
        identity: { type }
    };
    if (hasUser) {
        // Values must be {}: read-only principalId/clientId are refused with InvalidIdentityValues (azapi#840).
        body.identity.userAssignedIdentities = Object.fromEntries(uaiKeys.map((k) => [k, {}]));
    }
    notes.unshift('enable system-assigned identity');
    return {
        kind: 'apim-identity',
        resourceId: serviceId,
        label,
        changes: [{ path: 'identity.type', before: beforeType, after: type }],
        write: { op: 'patch-apim-identity', body },
        notes
    };
}

;// CONCATENATED MODULE: ./src/reconcilers/apim-identity.ts


/** The identity reconciler (see Reconciler). */
const apimIdentityReconciler = {
    kind: 'apim-identity',
    async observe(arm) {
        return { service: (await arm.getApimService()).body };
    },
    perApimService: true,
    async refresh(arm, rp) {
        // The PATCH replaces `identity`: it is guarded against the service as it is right now, too. When the service has
        // the system-assigned identity by now (another target of the run, or someone else, enabled it since the first
        // read), there is nothing to write: the plan from the fresh read says so, and the report says "in sync".
        const fresh = (await arm.getApimService()).body;
        const again = planApimIdentity(rp.resourceId, fresh);
        if (again.write)
            return { fresh };
        return { fresh, plan: again, apimPrincipalId: apimPrincipal(fresh).principalId };
    },
    guard(w, fresh, basis) {
        return [...new Set([...guardIdentityWrite(fresh, w.body), ...guardIdentityWrite(basis.service, w.body)])];
    },
    async write(arm, w) {
        await arm.patchApimService(w.body);
    },
    async readBack(arm) {
        // The operation completed: from here on the identity exists, whatever the read-back says.
        return (await arm.getApimService()).body;
    },
    verify(after, w) {
        const identity = (after.identity ?? {});
        const problems = [];
        if (!/SystemAssigned/i.test(identity.type ?? ''))
            problems.push(`identity.type is '${identity.type ?? 'None'}'`);
        if (!identity.principalId)
            problems.push('no principalId after the operation completed');
        const kept = Object.keys(identity.userAssignedIdentities ?? {}).map((k) => k.toLowerCase());
        const sent = Object.keys(w.body.identity.userAssignedIdentities ?? {});
        const lost = sent.filter((k) => !kept.includes(k.toLowerCase()));
        if (lost.length)
            problems.push(`user-assigned identities lost: ${lost.join(', ')}`);
        return {
            problems: problems.length ? [`system-assigned identity not verified after PATCH: ${problems.join('; ')}`] : [],
            detail: [
                `enabled system-assigned (principalId ${identity.principalId})`,
                ...(sent.length ? [preservedUserAssigned(sent.length)] : [])
            ].join('; '),
            apimPrincipalId: identity.principalId
        };
    }
};

// EXTERNAL MODULE: ./src/resources/easy-auth.ts
var easy_auth = __webpack_require__(8662);
;// CONCATENATED MODULE: ./src/reconcilers/easy-auth.ts


const OWNED = Object.values(easy_auth/* EASY_AUTH_PATHS */.PV);
/** The Easy Auth reconciler (see Reconciler). */
const easyAuthReconciler = {
    kind: 'easy-auth',
    async observe(arm) {
        const [site, authSettingsV2, authSettingsV1] = await Promise.all([
            arm.getSite().then((r) => r.body),
            arm.getAuthSettingsV2(),
            arm.getAuthSettingsV1()
        ]);
        return { site, authSettingsV2, authSettingsV1 };
    },
    async refresh(_arm, rp, rederive) {
        const again = await rederive(rp);
        return { fresh: again.before, plan: again.plan };
    },
    guard(w, fresh, basis) {
        // Every path the action owns (EASY_AUTH_PATHS), not only the ones this write changes: e.g. an explicit empty
        // caller list is dropped by the planner (it would deny everyone) without being a change of its own.
        const sinceFirst = guardEasyAuthWrite(basis.easyAuth, w.body, OWNED).map((p) => `${p} (differs from the first read: changed during the run, re-run)`);
        return [...new Set([...guardEasyAuthWrite(fresh, w.body, OWNED), ...sinceFirst])];
    },
    async write(arm, w) {
        return arm.putAuthSettingsV2(w.body);
    },
    async readBack(arm) {
        return arm.getAuthSettingsV2();
    },
    verify(after, w, fresh) {
        const problems = (0,easy_auth/* verifyEasyAuthReadBack */.Bx)(fresh, w.body, after, [...OWNED]);
        return {
            problems: problems.length ? [`Easy Auth read-back differs from what was written: ${problems.join('; ')}`] : [],
            detail: `changed ${w.ownedPaths.length} owned path(s); read back verified`
        };
    }
};

;// CONCATENATED MODULE: ./src/reconcilers/index.ts



/** Every reconciler, in apply order. */
const RECONCILERS = [
    apimIdentityReconciler,
    easyAuthReconciler,
    apiPolicyReconciler
];
/** The reconciler of `kind`; throws Error for a kind nobody registered (a bug, not a user error). */
function reconcilerFor(kind) {
    const r = RECONCILERS.find((x) => x.kind === kind);
    if (!r)
        throw new Error(`no reconciler for resource kind ${kind}`);
    return r;
}

;// CONCATENATED MODULE: ./src/resources/api-policy.ts
/**
 * APIM API policy (pure): desired state = `<authentication-managed-identity resource="…"/>` after `<base/>` in
 * `<inbound>` and the API's subscription-key header deleted (`<set-header name="<header>" exists-action="delete"/>`;
 * the header is the API's `properties.subscriptionKeyParameterNames.header`, `Ocp-Apim-Subscription-Key` unless the
 * API renames it — Learn "Subscriptions in Azure API Management") and its subscription-key query parameter deleted
 * right after (`<set-query-parameter name="<query>" exists-action="delete"/>`; `subscriptionKeyParameterNames.query`,
 * `subscription-key` by default: the gateway passes a key sent in the query to the backend too, same Learn page);
 * everything else in the document kept as authored.
 *
 * Azure facts relied on (DESIGN §3; field cases C01, C11, C12):
 * - policies are read and written in `rawxml` (REST ApiPolicy_Get `format=rawxml`, ApiPolicy_CreateOrUpdate
 *   `properties.format: rawxml`, api 2024-05-01); mixing xml/rawxml double-escapes; APIM reformats on save, so the
 *   comparison is semantic (done by src/policy `mergePolicy`), never textual.
 * - PUT with `If-Match: <etag>` (or `*` when the API has no policy yet) → 412 when someone changed it meanwhile.
 */

/**
 * Plans the policy of API `apiId` (`resourceId` = the policy's ARM ID) from `doc` (rawxml text and ETag as read;
 * undefined when the API has no policy) so that it acquires a token for `tokenResource` and deletes `keyHeader`, the
 * API's subscription-key header (`properties.subscriptionKeyParameterNames.header` as ARM returned it; default
 * `Ocp-Apim-Subscription-Key`), and `keyQuery`, its subscription-key query parameter
 * (`properties.subscriptionKeyParameterNames.query`; default `subscription-key`).
 * Changes carry paths `policy.<what>` (e.g. `policy.resource: api://x → x`, `policy.set-header[X-Api-Key]`,
 * `policy.set-query-parameter[subscription-key]`). When there are changes:
 * `write = {op:'put-api-policy', apiId, value, format:'rawxml', ifMatch: doc?.etag ?? '*'}`.
 * A plan with `error` and no write (and no changes) when the document cannot be managed: it cannot be tokenized or
 * is not well-formed (PolicyParseError, with line/column); its root is not `<policies>` or it has no `<inbound>`
 * (PolicyNotManagedError); or it has conflicts — elements after the owned ones that undo them (a later
 * subscription-key set-header, a later Authorization set-header — also in `<backend>` —, a second direct
 * authentication-managed-identity that sets Authorization, the subscription key copied to the
 * Function by an expression; see PolicyConflict), each named with its line and the fix; or `keyHeader` is not an HTTP
 * header name, or `keyQuery` not a query parameter name.
 * `ownership` says which `<authentication-managed-identity>` is the owned one (src/policy OwnershipOptions: the one
 * that sends APIM's token for the Function, never "the first one"): `acceptableResources` (the Function app's client
 * ID and App ID URI / token-resource; `tokenResource` is always added), `namedValues` (display name → value or
 * undefined, from src/named-values.ts resolveNamedValues) and `appObjectIds` (known wrong forms, C01). An owned
 * element whose `resource` is acceptable — also through a `{{named value}}` — is in sync and never rewritten; one in
 * a known wrong form gets `policy.resource: <before> → tokenResource`; any other managed-identity element is the
 * user's and stays byte for byte (the owned element is added after `<base />`; if the user's element then replaces
 * the Authorization header, the plan is refused, naming it and its line). Omitted → `{ acceptableResources:
 * [tokenResource] }`.
 * `error` never starts with the label (callers prefix it). Other errors propagate.
 */
function planApiPolicy(apiId, resourceId, doc, tokenResource, keyHeader = DEFAULT_KEY_HEADER, keyQuery = DEFAULT_KEY_QUERY, ownership = {}) {
    const label = `API policy ${apiId}`;
    const refused = (error) => ({
        kind: 'api-policy',
        resourceId,
        label,
        changes: [],
        notes: [],
        warnings: [],
        error
    });
    const badName = keyNameProblem(keyHeader, keyQuery);
    if (badName)
        return refused(badName);
    let merged;
    try {
        merged = mergePolicy(doc?.value, {
            resource: tokenResource,
            keyHeader,
            keyQuery,
            acceptableResources: [tokenResource, ...(ownership.acceptableResources ?? [])],
            namedValues: ownership.namedValues,
            appObjectIds: ownership.appObjectIds
        });
    }
    catch (e) {
        return refused(unreadablePolicy(e));
    }
    if (merged.conflicts.length > 0)
        return refused(conflictsProblem(merged.conflicts));
    const changes = merged.changes.map((c) => ({
        path: c.path.startsWith('policy.') ? c.path : `policy.${c.path}`,
        before: c.before,
        after: c.after
    }));
    const notes = doc === undefined ? ['the API has no policy yet: one is created'] : [];
    const plan = {
        kind: 'api-policy',
        resourceId,
        label,
        changes,
        notes,
        warnings: merged.warnings.map((w) => `${label}: ${w}`)
    };
    if (changes.length > 0) {
        plan.write = { op: 'put-api-policy', apiId, value: merged.text, format: 'rawxml', ifMatch: doc?.etag ?? '*' };
    }
    return plan;
}
/**
 * Why the API's subscription-key names cannot be managed: `keyHeader` is not an HTTP header name (RFC 9110 token),
 * or `keyQuery` is not a query parameter name a policy can delete; undefined when both are fine.
 */
function keyNameProblem(keyHeader, keyQuery) {
    if (!HEADER_TOKEN.test(keyHeader.trim())) {
        return (`the API's subscription-key header name ${JSON.stringify(keyHeader)} (subscriptionKeyParameterNames.header) is ` +
            'not an HTTP header name, so no policy can delete it. Nothing is written; fix the API settings and re-run.');
    }
    if (!QUERY_TOKEN.test(keyQuery.trim())) {
        return (`the API's subscription-key query parameter name ${JSON.stringify(keyQuery)} (subscriptionKeyParameterNames.query) ` +
            'is not a query parameter name this action can delete. Nothing is written; fix the API settings and re-run.');
    }
    return undefined;
}
/** The refusal for conflicting elements: where they are (`<inbound>`, `<backend>`), each named with its line. */
function conflictsProblem(conflicts) {
    const n = conflicts.length;
    const backend = conflicts.some((c) => / in <backend>/.test(c.message));
    const inbound = conflicts.some((c) => !/ in <backend>/.test(c.message));
    const where = inbound && backend ? '<inbound>/<backend>' : backend ? '<backend>' : '<inbound>';
    return (`the policy has ${n === 1 ? 'an element' : `${n} elements`} in ${where} that undo${n === 1 ? 'es' : ''} ` +
        `the managed-identity setup, and this action does not change elements you own: ` +
        conflicts.map((c) => c.message).join('; ') +
        '. Edit the policy (APIM portal → API → Policy editor) and re-run.');
}
/**
 * The refusal for a policy document that cannot be managed (PolicyNotManagedError: its message; PolicyParseError:
 * where tokenizing failed, by line and column). Any other error is rethrown.
 */
function unreadablePolicy(e) {
    if (!(e instanceof policy_errors/* PolicyParseError */.y2))
        throw e;
    if (e instanceof policy_errors/* PolicyNotManagedError */.HX)
        return `${e.message}.`;
    const located = e.line !== undefined && !e.message.includes(`line ${e.line}`);
    const where = located ? ` at line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}` : '';
    return (`the policy text cannot be tokenized${where}: ${e.message}. Nothing is written; fix the policy ` +
        '(APIM portal → API → Policy editor) and re-run.');
}

// EXTERNAL MODULE: ./src/inputs/cross.ts
var cross = __webpack_require__(1513);
;// CONCATENATED MODULE: ./src/lint.ts
/**
 * Security lint of one target (pure): warnings with the fix, in their own section of the report; they never fail a
 * check by themselves.
 *
 * - `anonymous-allowed`: Easy Auth's `globalValidation.unauthenticatedClientAction` is `AllowAnonymous` on the
 *   Function APIM fronts: callers without a token reach the Function code (Learn: "Authentication and authorization
 *   in Azure App Service and Azure Functions", authentication flow / "Allow unauthenticated requests"). The plan sets
 *   `Return401`; the finding goes once that write is verified.
 * - `groups-with-identities`: `allowedPrincipals.groups` set together with `identities`: managed-identity tokens
 *   carry no `groups` claim (Learn: "Microsoft identity platform access tokens", the groups claim is emitted for
 *   users and for groups assigned through app roles / group membership claims of the app registration, not for a
 *   managed identity's client-credentials token), so a caller judged by groups as well as identities is refused.
 * - `excluded-path-covers-api`: an entry of `globalValidation.excludedPaths` covers a route the API sends to the
 *   Function (the API's serviceUrl path + an operation's URL template), so Easy Auth does not check that route's
 *   caller at all (Learn: authsettingsV2 `globalValidation.excludedPaths`, "the paths for which unauthenticated flow
 *   would not be redirected to the login page"; matched with the same broad rule as the inputs' check).
 * - Policies: `ignore-error="true"` on the owned element (a failed token request sends the call on without a
 *   token: authentication-managed-identity policy reference) and a managed-identity token also written to a trace,
 *   header or body (./policy/lint.ts).
 */



/** Function-side paths of an API's operations (query part and trailing slash dropped), e.g. `/api/orders/{id}`. */
function functionPaths(r) {
    let base = '';
    try {
        base = r.serviceUrl ? new URL(r.serviceUrl).pathname.replace(/\/+$/, '') : '';
    }
    catch {
        return [];
    }
    if (r.operations.length === 0)
        return [{ path: base || '/' }];
    return r.operations.map((o) => {
        const tail = o.urlTemplate.split('?')[0].replace(/^\/*/, '/').replace(/\/+$/, '');
        return { operation: o.id, path: `${base}${tail}` || '/' };
    });
}
/** `excludedPaths` entries that cover some of an API's routes, one finding per entry and API. */
function excludedPathLint(label, excluded, routes) {
    const out = [];
    for (const r of routes) {
        const paths = functionPaths(r);
        for (const ex of excluded) {
            const covered = paths.filter((p) => (0,cross/* excludedPathCovers */.iG)(ex, p.path));
            if (covered.length === 0)
                continue;
            const shown = covered.slice(0, 3).map((p) => `${p.path}${p.operation ? ` (${p.operation})` : ''}`);
            const more = covered.length > 3 ? ` and ${covered.length - 3} more` : '';
            out.push({
                rule: 'excluded-path-covers-api',
                where: `${label}, excludedPaths "${ex}"`,
                message: `excluded path "${ex}" covers ${covered.length === paths.length ? 'every' : `${covered.length} of ${paths.length}`} ` +
                    `route(s) API ${r.apiId} sends to the Function (${shown.join(', ')}${more}): Easy Auth does not check ` +
                    "the caller there, so anyone who can reach the Function's host calls them without APIM",
                fix: `Remove "${ex}" from excludedPaths (input excluded-paths and the site's authsettingsV2), or narrow it to paths APIM does not route to`
            });
        }
    }
    return out;
}
/**
 * The Easy Auth lint: `current` is authsettingsV2 as read, `planned` the body the plan writes (or `current` when
 * nothing is written), `label` e.g. `Easy Auth func-x`, `routes` what each API sends to the Function.
 */
function easyAuthLint(label, current, planned, routes) {
    const out = [];
    const at = (doc, p) => (0,json_path/* getPath */.Yn)(doc, `properties.${p}`);
    const action = at(current, easy_auth/* EASY_AUTH_PATHS */.PV.unauthenticatedClientAction);
    if (typeof action === 'string' && action.toLowerCase() === 'allowanonymous') {
        const fixed = at(planned, easy_auth/* EASY_AUTH_PATHS */.PV.unauthenticatedClientAction) !== action;
        out.push({
            rule: 'anonymous-allowed',
            where: label,
            message: 'globalValidation.unauthenticatedClientAction is AllowAnonymous on the Function APIM fronts: calls without ' +
                'a token reach the Function code, and the function itself must refuse them',
            fix: fixed ? 'Run with mode: apply (it sets Return401)' : 'Set unauthenticatedClientAction to Return401',
            ...(fixed ? { fixedBy: 'easy-auth' } : {})
        });
    }
    const groups = at(planned, easy_auth/* EASY_AUTH_PATHS */.PV.groups);
    const identities = at(planned, easy_auth/* EASY_AUTH_PATHS */.PV.identities);
    if (Array.isArray(groups) && groups.length > 0 && Array.isArray(identities) && identities.length > 0) {
        out.push({
            rule: 'groups-with-identities',
            where: label,
            message: `allowedPrincipals.groups (${groups.length}) is set together with identities: a managed identity's token ` +
                "carries no groups claim, so APIM's calls can be refused (403) although its object ID is listed",
            fix: 'Remove allowedPrincipals.groups, or put the callers that need groups on another site; APIM is allowed by identities'
        });
    }
    const excluded = at(planned, easy_auth/* EASY_AUTH_PATHS */.PV.excludedPaths);
    const paths = Array.isArray(excluded) ? excluded.filter((p) => typeof p === 'string') : [];
    if ((0,json_path/* isPlainObject */.Qd)(planned.properties))
        out.push(...excludedPathLint(label, paths, routes));
    return out;
}

;// CONCATENATED MODULE: ./src/policy/effective-rules.ts
/**
 * The guards of ./guards.ts, applied to one element of the effective inbound pipeline wherever it comes from — an
 * operation policy, a policy fragment at its include point — given where it runs relative to the owned elements.
 * Pure module.
 *
 * APIM runs one pipeline per operation (Learn: "Policies in Azure API Management", policy scopes and `<base />`;
 * DESIGN §3): global → product → API → operation, each section's `<base />` running the parent scope's section at
 * that point, `<backend>` after `<inbound>`, and `<include-fragment>` inlining the fragment's elements where it
 * stands (Learn: "Reuse policy configurations in your API Management policy definitions", policy fragments). So an
 * element of an operation's `<inbound>` after its `<base />` runs after the whole API policy — after the owned
 * elements — and can undo them exactly as a later element of the API policy itself would.
 */






/** A position before (`after` false) or after (`after` true) every owned element. */
function position(after, section, when, moveFix, nested = false) {
    const afterKey = Object.fromEntries(KEY_KINDS.map((k) => [k, after]));
    return { afterAuth: after, afterKey, nested, section, when, moveFix };
}
/** `<tag …> at line N` as authored. */
function effective_rules_shown(doc, el) {
    const tag = (0,policy_errors/* tagText */.em)(doc.parsed.raw, el);
    const nv = /\{\{[^{}]*\}\}/.test(tag) && !doc.unresolved.some((u) => u.el === el) ? ' (named values substituted)' : '';
    return `${tag}${nv} at line ${(0,policy_errors/* lineAt */.mh)(doc.parsed.raw, el)}`;
}
/** The fix for an element of `doc` at `pos` that undoes an owned element. */
function fixFor(doc, pos) {
    if (doc.scope === 'fragment') {
        const include = pos.moveFix ? `, or ${pos.moveFix.replace(/^move it/, 'include the fragment')}` : '';
        return `remove it from policy fragment "${doc.id}"${include}`;
    }
    const where = doc.scope === 'operation' ? 'the operation policy' : 'the API policy';
    return `remove it from ${where}${pos.moveFix ? `, or ${pos.moveFix}` : ''}`;
}
/** Emits `what` about `el` at `pos`: a conflict, or (nested) a warning. */
function undoes(ctx, doc, el, pos, kind, what) {
    if (pos.nested) {
        const message = `a nested ${effective_rules_shown(doc, el)} ${pos.when} when its block runs and ${what}: make sure that is intended`;
        ctx.emit({ kind, doc, el, conflict: false, message });
        return;
    }
    const message = `${effective_rules_shown(doc, el)} ${pos.when} and ${what}: ${fixFor(doc, pos)}`;
    ctx.emit({ kind, doc, el, conflict: true, message });
}
/** A managed-identity element without output-token-variable-name after the owned one: it sets Authorization. */
function managedIdentityAfter(ctx, doc, el, pos) {
    if (!pos.afterAuth || (0,tree/* attr */.CF)(el, 'output-token-variable-name') !== undefined)
        return;
    const judged = judgeResource((0,tree/* attr */.CF)(el, 'resource'), ctx.ownership, ctx.extra);
    // One that asks for the Function's app again sends the same token: harmless.
    if (claimsFunction(judged.status))
        return;
    if (judged.status === 'unknown') {
        ctx.emit({
            kind: 'second-managed-identity',
            doc,
            el,
            conflict: false,
            message: `${effective_rules_shown(doc, el)} ${pos.when} without output-token-variable-name and its resource cannot be checked ` +
                `(${judged.why ?? 'unknown'}): if it is not the Function's app, its token replaces APIM's token for the Function`
        });
        return;
    }
    undoes(ctx, doc, el, pos, 'second-managed-identity', "sets the Authorization header with a token for its own resource (it has no output-token-variable-name), replacing APIM's token for the Function");
}
/** Warnings for an element whose effect on the owned elements cannot be checked (expression name, unresolved value). */
function effective_rules_uncheckable(ctx, doc, el, pos) {
    const key = Object.values(ctx.keys).find((k) => hasUncheckableName(el, k));
    const after = pos.afterAuth || KEY_KINDS.some((k) => pos.afterKey[k]);
    if (key && after) {
        const message = `${effective_rules_shown(doc, el)} ${pos.when} and has an expression as its name, so whether it ` +
            `${key.expressionName.risk(key.name)} cannot be checked: ${key.expressionName.ask}`;
        ctx.emit({ kind: 'key-restored', doc, el, conflict: false, message });
    }
    const open = doc.unresolved.find((u) => u.el === el);
    if (open && after && el.name !== AUTH) {
        const names = open.names.map((n) => `{{${n}}}`).join(', ');
        const message = `${effective_rules_shown(doc, el)} ${pos.when} and its ${open.attr} uses named value ${names}, which could not be resolved ` +
            '(unknown, or a secret or Key Vault-backed value that could not be read), so whether it undoes the setup ' +
            "cannot be checked: make sure it does not put the subscription key back or replace APIM's Authorization header";
        ctx.emit({ kind: 'authorization-replaced', doc, el, conflict: false, message });
    }
}
/**
 * Judges one element (not an `<include-fragment>`: the walker inlines those) of `doc` that runs at `pos`, outside
 * side requests: a key put back after its delete, Authorization replaced or deleted after the owned element (unless
 * it sends a token for the Function's app kept in a variable), a managed-identity token for another resource after
 * the owned element, the key copied into the request anywhere, and what cannot be checked. Emits through `ctx`.
 */
function judgeElement(ctx, doc, el, pos) {
    for (const key of Object.values(ctx.keys)) {
        if (restoresKey(el, key) && pos.afterKey[key.kind]) {
            undoes(ctx, doc, el, pos, 'key-restored', restoreWhat(el, key));
        }
    }
    const carrier = [...ctx.functionTokenVars].some((v) => carriesToken(doc.parsed.raw, el, v));
    if (replacesAuthorization(el) && pos.afterAuth && !carrier) {
        undoes(ctx, doc, el, pos, 'authorization-replaced', authorizationWhat(el));
    }
    if (el.name === AUTH)
        managedIdentityAfter(ctx, doc, el, pos);
    if (!offTheRequest(el) && copiesKey(doc.parsed, el, Object.values(ctx.keys), ctx.keyVars)) {
        const message = `${effective_rules_shown(doc, el)} copies the subscription key into the request sent to the Function, so it reaches the ` +
            `Function even though ${ctx.keys.header.name} is deleted: ${fixFor(doc, { ...pos, moveFix: '' })} (a side ` +
            'request inside <send-request> may use the key)';
        ctx.emit({ kind: 'key-copied', doc, el, conflict: true, message });
    }
    effective_rules_uncheckable(ctx, doc, el, pos);
}

;// CONCATENATED MODULE: ./src/policy/resolve.ts
/**
 * Named values in the attributes the guards judge, substituted the way APIM does before a policy runs, so the guards
 * see what runs (`<set-header name="{{auth-header}}">` is an Authorization set-header when the named value says so).
 * Pure module.
 *
 * Learn: "Use named values in Azure API Management policies"
 * (https://learn.microsoft.com/azure/api-management/api-management-howto-properties): `{{name}}` (the display name)
 * may stand for a whole or a partial attribute value or element text and is substituted before the policy runs; a
 * named value may itself hold a policy expression. DESIGN §3.
 *
 * Only attribute values are substituted, in the parsed tree (offsets untouched): messages keep quoting the text as
 * authored (line numbers, the start tag), so a resolved value — possibly a secret — never reaches a message.
 */



/** The attributes whose named values decide what an element does to the owned elements, per element name. */
const GUARD_ATTRIBUTES = {
    'set-header': ['name', 'exists-action'],
    'set-query-parameter': ['name', 'exists-action'],
    [AUTH]: ['resource', 'client-id', 'output-token-variable-name', 'ignore-error']
};
/** The guard attributes of `el` (see {@link GUARD_ATTRIBUTES}) that are literal text (not expressions). */
function guardAttrs(el) {
    const names = GUARD_ATTRIBUTES[el.name] ?? [];
    return el.attrs.filter((a) => names.includes(a.name) && !a.expression);
}
/**
 * The display names referenced (`{{name}}`) in the guard attributes of every element of `parsed` (root included),
 * in first-use order, without duplicates: the named values a judgement of this document needs.
 */
function guardNamedValueRefs(parsed) {
    const out = [];
    for (const el of [parsed.root, ...(0,tree/* descendants */.DG)(parsed.root)]) {
        for (const a of guardAttrs(el))
            for (const n of referencedNames(a.value))
                if (!out.includes(n))
                    out.push(n);
    }
    return out;
}
/**
 * Substitutes `namedValues` (display name → value; undefined or absent: unresolved) into the guard attributes of
 * `parsed` IN PLACE: `value` becomes the substituted text, and an attribute whose substituted value starts with
 * `@(` / `@{` becomes an expression (APIM evaluates a named value that holds one). Offsets and `raw` stay as
 * authored. Returns the attributes left as written because a name could not be resolved. Never throws.
 */
function resolveGuardAttributes(parsed, namedValues) {
    const unresolved = [];
    for (const el of [parsed.root, ...(0,tree/* descendants */.DG)(parsed.root)]) {
        for (const a of guardAttrs(el)) {
            if (referencedNames(a.value).length === 0)
                continue;
            const r = substituteNamedValues(a.value, namedValues);
            if (r.value === undefined) {
                unresolved.push({ el, attr: a.name, names: [...new Set(r.unresolved)] });
                continue;
            }
            a.value = r.value.replace(/\r\n?/g, '\n');
            a.expression = /^\s*@[({]/.test(a.value);
            if (a.expression)
                a.value = a.value.trim();
        }
    }
    return unresolved;
}

;// CONCATENATED MODULE: ./src/policy/effective.ts
/**
 * The effective inbound pipeline of an API, judged per operation (pure): what runs before the Function is not only
 * the API policy this action owns elements of, but the operation policies around it and the policy fragments any of
 * them include, after named values are substituted. Findings name the scope (operation ID or fragment ID), the
 * element and its line. The action never edits operation policies or fragments: a finding refuses the plan.
 *
 * Azure facts relied on (DESIGN §3):
 * - Learn "Policies in Azure API Management" (policy scopes, `<base />`): an operation policy's section runs the
 *   API policy's section where its `<base />` stands; a section without `<base />` drops every scope above it for
 *   that operation. PSRule `Azure.APIM.PolicyBase` and the Azure Policy definition "API Management policies should
 *   inherit parent scope policies using <base />" audit the same.
 * - Learn "Reuse policy configurations in your API Management policy definitions": `<include-fragment
 *   fragment-id="…"/>` inlines the fragment's elements (the children of its `<fragment>` root) at that point.
 * - Learn "Use named values in Azure API Management policies": `{{name}}` is substituted before the policy runs.
 */










/** How deep `<include-fragment>` is followed (a fragment including a fragment including …). */
const MAX_FRAGMENT_DEPTH = 5;
/** The finding as one sentence with its scope, e.g. `operation get-order of API orders: <set-header …> …`. */
function describeFinding(f) {
    const scope = f.scope === 'operation'
        ? `operation ${f.scopeId} of API ${f.apiId}`
        : f.scope === 'fragment'
            ? `policy fragment ${f.scopeId} (included by ${f.via.join('; ')})`
            : `API policy ${f.apiId}`;
    return `${scope}: ${f.message}`;
}
/** Parses `raw` with its guard attributes resolved (./resolve.ts); a text that cannot be parsed gives the problem. */
function parseDoc(raw, scope, id, o) {
    try {
        const parsed = (0,tree/* parsePolicy */.ON)(raw);
        return { parsed, scope, id, unresolved: resolveGuardAttributes(parsed, o.namedValues) };
    }
    catch (e) {
        if (e instanceof policy_errors/* PolicyParseError */.y2)
            return e.message;
        throw e;
    }
}
/** Records a hit: a finding (deduplicated per element and kind, operations and include points merged) or a warning. */
function record(w, hit) {
    const where = w.via.length ? ` (included by ${w.via.join(' → ')})` : '';
    if (!hit.conflict) {
        w.warnings.push(`${scopeLabel(w, hit.doc)}${where}: ${hit.message}`);
        return;
    }
    const key = `${hit.doc.scope}\u0000${hit.doc.id}\u0000${hit.el.start}\u0000${hit.kind}`;
    const seen = w.findings.get(key);
    const via = w.via.length ? [w.via.join(' → ')] : [];
    if (seen) {
        seen.operations =
            seen.operations === 'all' || w.operations === 'all' ? 'all' : [...new Set([...seen.operations, ...w.operations])];
        for (const v of via)
            if (!seen.via.includes(v))
                seen.via.push(v);
        return;
    }
    w.findings.set(key, {
        kind: hit.kind,
        apiId: w.input.apiId,
        scope: hit.doc.scope,
        scopeId: hit.doc.id,
        operations: w.operations === 'all' ? 'all' : [...w.operations],
        element: (0,policy_errors/* tagText */.em)(hit.doc.parsed.raw, hit.el),
        line: (0,policy_errors/* lineAt */.mh)(hit.doc.parsed.raw, hit.el),
        via,
        message: hit.message
    });
}
function scopeLabel(w, doc) {
    if (doc.scope === 'operation')
        return `operation ${doc.id} of API ${w.input.apiId}`;
    if (doc.scope === 'fragment')
        return `policy fragment ${doc.id}`;
    return `API policy ${w.input.apiId}`;
}
/** Where an include point is, for `via`: `operation get-order, line 6`, `API policy orders, line 4`, … */
function site(w, doc, el) {
    const what = doc.scope === 'api'
        ? `API policy ${w.input.apiId}`
        : `${doc.scope === 'operation' ? 'operation' : 'fragment'} ${doc.id}`;
    return `${what}, line ${(0,policy_errors/* lineAt */.mh)(doc.parsed.raw, el)}`;
}
/** Inlines fragment `<include-fragment>` `el` of `doc` at `pos`, following nested includes up to the depth bound. */
function includeFragment(w, doc, el, pos, chain) {
    const idAttr = (0,tree/* attr */.CF)(el, 'fragment-id');
    const at = site(w, doc, el);
    const id = idAttr && !idAttr.expression ? idAttr.value.trim() : '';
    const skip = (why) => {
        w.warnings.push(`${scopeLabel(w, doc)}: <include-fragment> at ${at} ${why}, so its content was not judged`);
    };
    if (!id)
        return skip('has no literal fragment-id');
    if (chain.includes(id))
        return skip(`includes fragment "${id}" again (a cycle: ${[...chain, id].join(' → ')})`);
    if (chain.length >= (w.input.maxDepth ?? MAX_FRAGMENT_DEPTH)) {
        return skip(`includes fragment "${id}" deeper than ${w.input.maxDepth ?? MAX_FRAGMENT_DEPTH} levels`);
    }
    const frag = w.fragments.get(id);
    if (frag === undefined)
        return skip(`includes fragment "${id}", which was not read`);
    if (typeof frag === 'string')
        return skip(`includes fragment "${id}", which ${frag}`);
    w.via.push(at);
    try {
        const root = frag.parsed.root;
        for (const child of (0,tree/* descendants */.DG)(root).filter((e) => !inSideRequest(e))) {
            const p = { ...pos, nested: pos.nested || child.parent !== root };
            if (child.name === 'include-fragment')
                includeFragment(w, frag, child, p, [...chain, id]);
            else
                judgeElement(w.ctx, frag, child, p);
        }
    }
    finally {
        w.via.pop();
    }
}
/** `move it before <x> (line N)` for the first owned element of `loc` (where it is once merged), or ''. */
function moveBeforeOwned(loc) {
    const owned = loc.own.owned?.el;
    const target = owned && !(loc.base && owned.start < loc.base.start) ? owned : loc.base;
    if (!target)
        return '';
    return `move it before <${target.name}${target.name === 'base' ? ' /' : ''}> (line ${(0,policy_errors/* lineAt */.mh)(loc.parsed.raw, target)})`;
}
/**
 * A document that holds the owned elements itself (the API policy; an operation policy without `<base />` that
 * carries its own): its fragments, inlined at their include points relative to the owned elements, and (`all`
 * true, an operation policy) its own guard conflicts.
 */
function ownedScope(w, doc, loc, all) {
    const inbound = loc.inbound;
    const at = anchorsOf(loc, inbound);
    const conflicts = guardFindings(loc, inbound).conflicts;
    const authored = all ? [] : asAuthoredConflicts(w, doc);
    for (const c of conflicts) {
        if (authored.some((a) => a.kind === c.kind && a.line === c.line && a.column === c.column))
            continue;
        const el = (0,tree/* descendants */.DG)(loc.parsed.root).find((e) => {
            const lc = (0,policy_errors/* lineColumn */.rv)(doc.parsed.raw, e.start);
            return lc.line === c.line && lc.column === c.column;
        });
        if (el)
            record(w, { kind: c.kind, doc, el, conflict: true, message: c.message });
    }
    const moveFix = moveBeforeOwned(loc);
    for (const el of (0,tree/* descendants */.DG)(inbound).filter((e) => e.name === 'include-fragment' && !inSideRequest(e))) {
        const afterAuth = el.start >= at.auth.at;
        const pos = {
            afterAuth,
            afterKey: Object.fromEntries(KEY_KINDS.map((k) => [k, el.start >= at.keys[k].at])),
            nested: el.parent !== inbound,
            section: 'inbound',
            when: afterAuth ? `runs where it is included, after ${at.auth.where},` : 'runs where it is included',
            moveFix
        };
        includeFragment(w, doc, el, pos, []);
    }
    backendIncludes(w, doc, loc.backend);
}
/** The API policy's guard conflicts on the text as authored (named values NOT substituted). */
function asAuthoredConflicts(w, doc) {
    const keys = subscriptionKeys(w.input);
    const loc = locate((0,tree/* parsePolicy */.ON)(doc.parsed.raw), keys, w.input.ownership, [w.input.resource]);
    return loc.inbound ? guardFindings(loc, loc.inbound).conflicts : [];
}
/** Fragments included in `<backend>`: everything there runs after `<inbound>`. */
function backendIncludes(w, doc, backend) {
    if (!backend)
        return;
    const when = 'is in <backend>, which runs after <inbound> (and so after the owned elements),';
    for (const el of (0,tree/* descendants */.DG)(backend).filter((e) => e.name === 'include-fragment' && !inSideRequest(e))) {
        includeFragment(w, doc, el, position(true, 'backend', when, ''), []);
    }
}
/** The base-missing finding for an operation whose `<inbound>` does not run the API policy. */
function baseMissing(w, doc, el) {
    const raw = doc.parsed.raw;
    // A <base /> inside a conditional block runs the API policy only when that block runs.
    const nested = (0,tree/* descendants */.DG)(el).find((e) => e.name === 'base' && !inSideRequest(e));
    const has = nested
        ? `has <base /> only inside <${nested.parent.name}> (line ${(0,policy_errors/* lineAt */.mh)(raw, nested.parent)})`
        : 'has no <base />';
    const when = nested ? ' whenever that branch does not run' : '';
    const message = `${(0,policy_errors/* tagText */.em)(raw, el)} at line ${(0,policy_errors/* lineAt */.mh)(raw, el)} ${has}, so the API policy's <inbound> ` +
        "— APIM's managed-identity token for the Function and the subscription-key deletes — does not run for this " +
        `operation${when}: the Function gets no token from APIM (401) and may get the subscription key. Add <base /> as the ` +
        "first element of the operation policy's <inbound> (APIM portal → API → operation → Policy editor)";
    record(w, { kind: 'base-missing', doc, el, conflict: true, message });
}
/** An operation policy without `<base />` in `<inbound>` that carries the owned elements itself (judged like one). */
function ownsItself(loc) {
    if (!loc.inbound || !loc.own.owned)
        return false;
    const direct = (0,tree/* elementChildren */.Wi)(loc.inbound);
    return KEY_KINDS.every((k) => direct.some((e) => deletesKey(e, loc.keys[k])));
}
/**
 * One operation's policy: everything in `<backend>` runs after the owned elements; an `<inbound>` without
 * `<base />` drops the API policy (a finding) unless it carries the owned elements itself; with `<base />`, what
 * comes after it runs after the owned elements. A document without `<inbound>` runs the API's `<inbound>` as is (the
 * twin's model too: emulator/src/dataplane/pipeline.ts).
 */
function operationScope(w, doc) {
    w.operations = [doc.id];
    const loc = locate(doc.parsed, subscriptionKeys(w.input), w.input.ownership, [w.input.resource]);
    if (doc.parsed.root.name !== 'policies') {
        w.warnings.push(`operation ${doc.id} of API ${w.input.apiId}: its policy's root is <${doc.parsed.root.name}>, not <policies>; not judged`);
        return;
    }
    // A document without <inbound> runs the parent's <inbound> as is (as a scope without a document does).
    const inbound = loc.inbound;
    if (inbound && !loc.base) {
        if (ownsItself(loc))
            ownedScope(w, doc, loc, true);
        else
            baseMissing(w, doc, inbound);
        return;
    }
    if (inbound && loc.base) {
        const b = (0,policy_errors/* lineAt */.mh)(doc.parsed.raw, loc.base);
        const after = position(true, 'inbound', `runs after <base /> (line ${b}) — after the whole API policy with its owned elements —`, `move it before <base /> (line ${b})`);
        const before = position(false, 'inbound', `runs before <base /> (line ${b})`, '');
        for (const el of (0,tree/* descendants */.DG)(inbound).filter((e) => !inSideRequest(e))) {
            let top = el;
            while (top.parent && top.parent !== inbound)
                top = top.parent;
            const pos = { ...(top.start > loc.base.start ? after : before), nested: el.parent !== inbound };
            if (el.name === 'include-fragment')
                includeFragment(w, doc, el, pos, []);
            else
                judgeElement(w.ctx, doc, el, pos);
        }
    }
    const when = 'is in <backend>, which runs after <inbound> (and so after the owned elements),';
    for (const el of loc.backend ? (0,tree/* descendants */.DG)(loc.backend).filter((e) => !inSideRequest(e)) : []) {
        if (el.name === 'include-fragment')
            includeFragment(w, doc, el, position(true, 'backend', when, ''), []);
        else
            judgeElement(w.ctx, doc, el, position(true, 'backend', when, ''));
    }
}
/**
 * Variables that hold a managed-identity token for the Function's app, in any document of the pipeline: a
 * set-header that sends one as Authorization sends the right token (the "carrier" form).
 */
function functionTokenVars(docs, o, extra) {
    const out = new Set();
    const elements = docs.flatMap((d) => (0,tree/* descendants */.DG)(d.parsed.root));
    const fromFunction = new Set();
    for (const el of elements.filter((e) => e.name === AUTH)) {
        const v = (0,tree/* attr */.CF)(el, 'output-token-variable-name');
        if (v && !v.expression && claimsFunction(judgeResource((0,tree/* attr */.CF)(el, 'resource'), o, extra).status)) {
            out.add(v.value);
            fromFunction.add(el);
        }
    }
    // A variable another element also writes (a token for another resource, a set-variable, a send-request answer)
    // may hold something else when the set-header reads it: not a carrier of the Function's token.
    for (const v of [...out]) {
        if (elements.some((e) => !fromFunction.has(e) && writesVariable(e, v)))
            out.delete(v);
    }
    return out;
}
/**
 * Judges the effective inbound pipeline of one API (see the module docstring): the API policy as it runs after the
 * plan (its fragments at their include points; its own elements through named values — the merge already judged
 * them as authored), and each operation policy (a missing `<base />`, elements after `<base />` or in `<backend>`,
 * its fragments). Findings are deduplicated per element (a fragment included by several operations is one finding
 * naming them all). Throws Error when `keyHeader` / `keyQuery` is not a valid name (as mergePolicy does); a document
 * that cannot be parsed is a warning (the API policy's own parse errors are the planner's).
 */
function judgeEffective(input) {
    const o = input.ownership;
    const extra = [input.resource];
    const w = {
        input,
        ctx: {
            keys: subscriptionKeys(input),
            ownership: o,
            extra,
            functionTokenVars: new Set(),
            keyVars: new Set(),
            emit: (h) => record(w, h)
        },
        fragments: new Map(),
        findings: new Map(),
        warnings: [],
        operations: 'all',
        via: []
    };
    for (const [id, f] of input.fragments) {
        w.fragments.set(id, 'absent' in f ? 'does not exist (404)' : parseDoc(f.value, 'fragment', id, o));
        const d = w.fragments.get(id);
        if (typeof d === 'string' && !('absent' in f))
            w.fragments.set(id, `cannot be parsed (${d})`);
    }
    const api = parseDoc(input.apiPolicy, 'api', input.apiId, o);
    const ops = input.operations.map((op) => ({ op, doc: parseDoc(op.policy, 'operation', op.id, o) }));
    const docs = [api, ...ops.map((x) => x.doc), ...w.fragments.values()];
    const parsedDocs = docs.filter((d) => typeof d !== 'string');
    w.ctx.functionTokenVars = functionTokenVars(parsedDocs, o, extra);
    w.ctx.keyVars = keyVariables(parsedDocs.map((d) => d.parsed), Object.values(w.ctx.keys));
    if (typeof api !== 'string') {
        const loc = locate(api.parsed, w.ctx.keys, o, extra);
        if (loc.inbound)
            ownedScope(w, api, loc, false);
    }
    for (const { op, doc } of ops) {
        if (typeof doc !== 'string')
            operationScope(w, doc);
        else
            w.warnings.push(`operation ${op.id} of API ${input.apiId}: its policy cannot be parsed (${doc}), so it was not judged`);
    }
    return { findings: [...w.findings.values()], warnings: [...new Set(w.warnings)] };
}

;// CONCATENATED MODULE: ./src/policy/lint.ts
/**
 * Security lint of the policies of an API's pipeline (pure): a managed-identity token kept in a variable
 * (`output-token-variable-name`) and also written somewhere it can be read — a trace, a header other than the one
 * that sends it to its backend, a body. Warnings with the fix; they never fail a check by themselves.
 *
 * Sources: "Authenticate with managed identity" policy reference (`output-token-variable-name`: "Name of the context
 * variable that will receive token value as an object of type string"); trace policy reference (trace output goes
 * to Application Insights / Azure Monitor and to request tracing in the test console); set-header / set-body /
 * return-response policy references (what they put on the request or response).
 */




/** The section (`inbound`, `backend`, `outbound`, `on-error`) an element is in, or '' (a fragment's root). */
function sectionOf(el) {
    let e = el;
    while (e?.parent && e.parent.name !== 'policies')
        e = e.parent;
    return e?.parent ? e.name : '';
}
/** Where `el` writes what it reads, when that is a place others can read: a trace, a header, a body. */
function sink(el) {
    if (el.name === 'trace' || el.name === 'log-to-eventhub')
        return el.name === 'trace' ? 'a trace' : 'an Event Hub log';
    if (el.name === 'set-body' || el.name === 'return-response')
        return 'a body';
    if (el.name !== 'set-header')
        return undefined;
    const section = sectionOf(el);
    if (section === 'outbound' || section === 'on-error')
        return "a response header (the caller's)";
    const name = (0,tree/* attr */.CF)(el, 'name');
    // Authorization to the backend is how the token is meant to travel (the "carrier" form).
    if (name && !name.expression && name.value.trim().toLowerCase() === 'authorization')
        return undefined;
    return 'a request header other than Authorization';
}
/** Token variables of one document: every managed-identity element with a literal output-token-variable-name. */
function tokenVars(p, label) {
    return [p.root, ...(0,tree/* descendants */.DG)(p.root)]
        .filter((e) => e.name === AUTH)
        .flatMap((e) => {
        const v = (0,tree/* attr */.CF)(e, 'output-token-variable-name');
        return v && !v.expression && v.value.trim()
            ? [{ name: v.value.trim(), from: `${(0,policy_errors/* tagText */.em)(p.raw, e)} (${label}, line ${(0,policy_errors/* lineAt */.mh)(p.raw, e)})` }]
            : [];
    });
}
/**
 * Token exposures across `docs` (one API's pipeline: the API policy, its operations' policies, the fragments they
 * include; a variable set in one may be read in another): each element outside side requests (`<send-request>`
 * sends to its own backend) that reads a token variable (`context.Variables["name"]` / `GetValueOrDefault`) and
 * writes it to a trace, an Event Hub log, a body, a response header, or a request header other than Authorization.
 * The outermost such element is reported once. Documents that cannot be parsed are skipped. Never throws.
 */
function tokenExposures(docs) {
    const parsed = docs.flatMap((d) => {
        try {
            return [{ ...d, p: (0,tree/* parsePolicy */.ON)(d.raw) }];
        }
        catch (e) {
            if (e instanceof policy_errors/* PolicyParseError */.y2)
                return [];
            throw e;
        }
    });
    const vars = parsed.flatMap((d) => tokenVars(d.p, d.label));
    const out = [];
    for (const d of parsed) {
        const reported = [];
        for (const el of (0,tree/* descendants */.DG)(d.p.root)) {
            const to = sink(el);
            if (!to || inSideRequest(el) || reported.some((r) => el.start >= r.start && el.end <= r.end))
                continue;
            const text = d.raw.slice(el.start, el.end);
            const v = vars.find((x) => readsVariable(text, x.name));
            if (!v)
                continue;
            reported.push(el);
            out.push({
                where: `${d.label}, line ${(0,policy_errors/* lineAt */.mh)(d.raw, el)}`,
                message: `${(0,policy_errors/* tagText */.em)(d.raw, el)} writes the managed-identity token kept in variable "${v.name}" (from ${v.from}) to ` +
                    `${to}: whoever reads it gets a bearer token APIM's identity obtained`,
                fix: 'Do not write the token anywhere but the Authorization header of the request it is for; trace or log a non-secret fact instead (e.g. that a token was obtained)'
            });
        }
    }
    return out;
}

;// CONCATENATED MODULE: ./src/policy/pipeline-refs.ts
/**
 * What a policy document of the pipeline refers to, for the reads that must come before it can be judged: the
 * policy fragments it includes and the named values its guard attributes use. Pure module.
 */




function parsed(raw) {
    try {
        return (0,tree/* parsePolicy */.ON)(raw);
    }
    catch (e) {
        if (e instanceof policy_errors/* PolicyParseError */.y2)
            return undefined;
        throw e;
    }
}
/**
 * The fragment IDs of every `<include-fragment fragment-id="…">` of `raw` with a literal ID (outside side requests,
 * any section), in document order, without duplicates. A text that cannot be parsed gives `[]` (it is reported
 * where it is judged).
 */
function includedFragments(raw) {
    const p = parsed(raw);
    if (!p)
        return [];
    const out = [];
    for (const el of (0,tree/* descendants */.DG)(p.root)) {
        if (el.name !== 'include-fragment' || inSideRequest(el))
            continue;
        const id = (0,tree/* attr */.CF)(el, 'fragment-id');
        const v = id && !id.expression ? id.value.trim() : '';
        if (v && !out.includes(v))
            out.push(v);
    }
    return out;
}
/**
 * The named values (display names) the guards need to judge `raw` (see ./resolve.ts GUARD_ATTRIBUTES): those in
 * the name / exists-action of set-header and set-query-parameter and in the attributes of managed-identity elements.
 * A text that cannot be parsed gives `[]`.
 */
function pipelineNamedValueRefs(raw) {
    const p = parsed(raw);
    return p ? guardNamedValueRefs(p) : [];
}

;// CONCATENATED MODULE: ./src/resources/effective-policy.ts




/** The text of the API policy once the plan is applied: what it writes, else what was read ('' when none). */
function plannedText(a) {
    return a.plan.write?.op === 'put-api-policy' ? a.plan.write.value : (a.api.policy?.value ?? '');
}
/** The fragments reachable from `texts` through `<include-fragment>` (nested ones too) that were read. */
function reachable(texts, fragments) {
    const seen = [];
    const next = texts.flatMap(includedFragments);
    while (next.length) {
        const id = next.shift();
        if (seen.includes(id))
            continue;
        seen.push(id);
        const f = fragments.get(id);
        if (f && 'value' in f)
            next.push(...includedFragments(f.value));
    }
    return seen;
}
/** The refusal for `findings` (one API): each with its scope, element, line, the operations it breaks, the fix. */
function refusal(findings) {
    const items = findings.map((f) => {
        // A fragment's element breaks the operations that include it (the API policy's: all of them).
        const ops = f.scope === 'fragment' && f.operations !== 'all'
            ? ` [breaks operation${f.operations.length > 1 ? 's' : ''} ${f.operations.join(', ')}]`
            : '';
        return `${describeFinding(f)}${ops}`;
    });
    return (`what runs before the Function undoes the managed-identity setup (${findings.length} finding` +
        `${findings.length > 1 ? 's' : ''}), and this action never changes operation policies or policy fragments (they ` +
        `are yours): ${items.join('; ')}. Fix them (APIM portal → API → operation / Policy fragments) and re-run`);
}
/** ignore-error="true" on the owned element of an API policy (as read: the merge keeps it). */
function ignoreErrorLint(a, ownership) {
    if (!a.api.policy)
        return [];
    let owned;
    try {
        owned = ownedManagedIdentity(a.api.policy.value, ownership);
    }
    catch (e) {
        if (e instanceof policy_errors/* PolicyParseError */.y2)
            return [];
        throw e;
    }
    if (owned?.ignoreError?.trim().toLowerCase() !== 'true')
        return [];
    return [
        {
            rule: 'ignore-error',
            where: `API policy ${a.api.apiId}, line ${owned.line}`,
            message: 'the owned <authentication-managed-identity> has ignore-error="true": when APIM cannot get a token it sends ' +
                'the call on without one, and the failure shows only as 401s from the Function',
            fix: 'Remove ignore-error (or set it to false) so a failed token request fails the call at APIM, where it is diagnosed'
        }
    ];
}
/**
 * Judges every API whose operations were read (`api.operations` present): findings become the API's refusal
 * (`errors`), what could not be judged becomes warnings; the policy lint covers the API policy, its operations'
 * policies and the fragments they reach. `resource` is what the owned element asks for (token-resource as written
 * into the policy), `ownership` as buildPlan's (src/plan.ts policyOwnership).
 */
function planEffective(apis, fragments, resource, ownership) {
    const out = { errors: new Map(), findings: [], warnings: [], lint: [] };
    for (const a of apis) {
        out.lint.push(...ignoreErrorLint(a, ownership));
        // Not read (old callers), or key names the planner already refused (planApiPolicy names them).
        if (!a.api.operations || !HEADER_TOKEN.test(a.keyHeader.trim()) || !QUERY_TOKEN.test(a.keyQuery.trim()))
            continue;
        const operations = a.api.operations.flatMap((o) => (o.policy ? [{ id: o.id, policy: o.policy.value }] : []));
        const apiPolicy = plannedText(a);
        const r = judgeEffective({
            apiId: a.api.apiId,
            apiPolicy,
            operations,
            fragments,
            resource,
            ownership,
            keyHeader: a.keyHeader,
            keyQuery: a.keyQuery
        });
        out.findings.push(...r.findings);
        out.warnings.push(...r.warnings);
        if (r.findings.length)
            out.errors.set(a.api.apiId, refusal(r.findings));
        const docs = [
            ...(apiPolicy ? [{ label: `API policy ${a.api.apiId}`, raw: apiPolicy }] : []),
            ...operations.map((o) => ({ label: `operation ${o.id} of API ${a.api.apiId}`, raw: o.policy }))
        ];
        for (const id of reachable(docs.map((d) => d.raw), fragments)) {
            const f = fragments.get(id);
            if (f && 'value' in f)
                docs.push({ label: `policy fragment ${id}`, raw: f.value });
        }
        out.lint.push(...tokenExposures(docs).map((l) => ({ rule: 'token-exposed', ...l })));
    }
    return out;
}

;// CONCATENATED MODULE: ./src/named-values.ts
/**
 * Named values referenced by the policies' `<authentication-managed-identity>` elements, and their resolution
 * through ARM, so the policy engine can judge `resource="{{orders-app-id}}"` / `client-id="{{uami-client-id}}"` by
 * what APIM will actually use (src/policy OwnershipOptions.namedValues).
 *
 * Azure facts relied on:
 * - APIM substitutes `{{name}}` — whole or partial attribute values — before the policy runs; `name` is the named
 *   value's DISPLAY NAME, "used for referencing the named value in policies" (Learn: "Use named values in Azure API
 *   Management policies", https://learn.microsoft.com/azure/api-management/api-management-howto-properties; DESIGN
 *   §3). The ARM resource name (`namedValueId`) may differ: the spec's list example has id `592f1174cc83890dc4f32686`
 *   with displayName `Logger-Credentials-592f1174cc83890dc4f32687`.
 * - REST (Azure/azure-rest-api-specs, specification/apimanagement/resource-manager/Microsoft.ApiManagement/stable/
 *   2024-05-01/apimnamedvalues.json, with examples ApiManagementListNamedValues.json,
 *   ApiManagementGetNamedValueWithKeyVault.json, ApiManagementNamedValueListValue.json):
 *   NamedValue_ListByService `GET …/service/{s}/namedValues` with `$filter` on `displayName` (eq, …), pageable
 *   (nextLink); NamedValue_Get `GET …/namedValues/{namedValueId}` ("No secrets included"); NamedValue_ListValue
 *   `POST …/namedValues/{namedValueId}/listValue` → `{value}` for secret ones. A contract has `displayName`
 *   (`^[A-Za-z0-9-._]+$`, 1–256 characters), `value` (absent for secrets), `secret`, and `keyVault`
 *   (`secretIdentifier`, `identityClientId`, `lastStatus`) when Key Vault-backed.
 * - Learn (same page): "There is no imposed limit on the number of items in the collection" — so the lookup is one
 *   `$filter=displayName eq '<name>'` request per referenced name (bounded by the references, usually one or two),
 *   never a listing of the whole collection.
 */




/** A display name APIM accepts (spec: NamedValue displayName pattern `^[A-Za-z0-9-._]+$`, 1–256 characters). */
const DISPLAY_NAME = /^[A-Za-z0-9\-._]{1,256}$/;
/** The attributes whose named values decide ownership and the calling identity. */
const ATTRIBUTES = ['resource', 'client-id'];
/**
 * The named values referenced (`{{name}}`) in the `resource` and `client-id` attributes of every
 * `<authentication-managed-identity>` of a policy document (rawxml text), in first-use order, without duplicates.
 * Pure. Attributes that are policy expressions are skipped: the engine cannot judge them whatever they reference.
 * A document that cannot be parsed gives `[]` (planApiPolicy reports it).
 */
function namedValueRefs(policyText) {
    let root;
    try {
        root = (0,tree/* parsePolicy */.ON)(policyText).root;
    }
    catch (e) {
        if (e instanceof policy_errors/* PolicyParseError */.y2)
            return [];
        throw e;
    }
    const names = [];
    const walk = (el) => {
        if (el.name === 'authentication-managed-identity') {
            for (const a of el.attrs) {
                if (!ATTRIBUTES.includes(a.name) || a.expression)
                    continue;
                for (const n of referencedNames(a.value))
                    if (!names.includes(n))
                        names.push(n);
            }
        }
        (0,tree/* elementChildren */.Wi)(el).forEach(walk);
    };
    walk(root);
    return names;
}
/**
 * The display name `value` refers to when it is exactly one named-value reference (`{{name}}`, e.g. the input
 * token-resource given as `{{orders-app-id}}`), else undefined. Pure.
 */
function namedValueReference(value) {
    const m = /^\{\{([^{}]+)\}\}$/.exec(value.trim());
    return m ? m[1] : undefined;
}
/**
 * Resolves named values by display name through ARM: `Map<name, value | undefined>` with one entry per distinct
 * name of `names`. `undefined` means "cannot be judged" — never a guess:
 * - the name is not a valid display name, or no named value has exactly that display name, or several do;
 * - a secret one whose `listValue` fails (e.g. 403) or returns no string;
 * - a Key Vault-backed one (`properties.keyVault`) whose value cannot be read (`listValue` fails or returns nothing);
 * - the ArmPort has no named-value methods (an old fake).
 * Non-secret values come from the list answer (or, when it lacks `value`, `getNamedValue`); secret and Key
 * Vault-backed ones from `listNamedValueSecret`. Values are returned to the caller only: this function never logs
 * them, and `onUnresolved(name, reason)` (optional) gets the name and a reason that never contains a value.
 * Throws what the ArmPort throws for anything but an ArmError with status 403/404 (those make the name unresolved):
 * e.g. a timeout or a 5xx after the adapter's retries.
 */
async function resolveNamedValues(arm, names, onUnresolved) {
    const out = new Map();
    // One lookup per name, all at once (the ArmPort bounds how many are in flight); the map keeps `names`' order.
    const unique = [...new Set(names)];
    const results = await Promise.all(unique.map((name) => resolveOne(arm, name)));
    unique.forEach((name, i) => {
        const r = results[i];
        out.set(name, r.value);
        if (r.value === undefined)
            onUnresolved?.(name, r.why ?? 'its value could not be read');
    });
    return out;
}
/** One name's value, or why there is none (see resolveNamedValues). Throws what the ArmPort throws, but 403/404. */
async function resolveOne(arm, name) {
    if (!DISPLAY_NAME.test(name)) {
        return { why: 'not a valid named value display name (letters, digits, "-", ".", "_"; 1–256 characters)' };
    }
    if (!arm.listNamedValues)
        return { why: 'named values cannot be read through this ARM port' };
    let found;
    try {
        found = (await arm.listNamedValues(`displayName eq '${name}'`, 10)).filter((c) => str(props(c).displayName) === name);
    }
    catch (e) {
        if (!readRefused(e))
            throw e;
        return { why: `named values cannot be listed (${e.status} ${e.code ?? ''})` };
    }
    if (found.length !== 1) {
        return {
            why: found.length === 0 ? 'no named value has this display name' : 'several named values have this display name'
        };
    }
    const contract = found[0];
    const p = props(contract);
    const id = str(contract.name) ?? str(contract.id)?.split('/').pop();
    const keyVault = typeof p.keyVault === 'object' && p.keyVault !== null;
    if (p.secret !== true && !keyVault) {
        let value = str(p.value);
        if (value === undefined && id && arm.getNamedValue) {
            try {
                value = str(props((await arm.getNamedValue(id)).body).value);
            }
            catch (e) {
                if (!readRefused(e))
                    throw e;
            }
        }
        return value === undefined ? { why: 'its value could not be read' } : { value };
    }
    const what = keyVault ? 'Key Vault-backed' : 'secret';
    if (!id || !arm.listNamedValueSecret)
        return { why: `${what}, and its value cannot be read through this ARM port` };
    try {
        const value = str((await arm.listNamedValueSecret(id)).value);
        return value === undefined ? { why: `${what}, and listValue returned no value` } : { value };
    }
    catch (e) {
        if (!readRefused(e) && !(keyVault && e instanceof ports/* ArmError */.dW && e.status >= 400 && e.status < 500))
            throw e;
        const err = e;
        return { why: `${what}, and listValue was refused (${err.status}${err.code ? ` ${err.code}` : ''})` };
    }
}
function props(c) {
    return typeof c.properties === 'object' && c.properties !== null ? c.properties : {};
}
function str(v) {
    return typeof v === 'string' ? v : undefined;
}
/** An ARM answer that means "you may not / cannot read this": 403 (RBAC) or 404 (gone meanwhile). */
function readRefused(e) {
    return e instanceof ports/* ArmError */.dW && (e.status === 403 || e.status === 404);
}

;// CONCATENATED MODULE: ./src/token-resource.ts
/**
 * The input `token-resource` given as a named-value reference (`{{name}}`): the policy keeps the reference (APIM
 * substitutes it before the policy runs — Learn: "Use named values in Azure API Management policies"), everything
 * else (Easy Auth audiences, the object-ID check, the Entra pre-flight, smoke) uses its value, read through ARM
 * (src/named-values.ts). Pure.
 */



/**
 * `settings` with a `{{name}}` token-resource replaced by the named value's value (trimmed) and the reference kept
 * in `tokenResourceRef`; unchanged when token-resource is not a reference. `namedValues`: display name → value, as
 * observed (undefined: unresolved). Throws ActionError (nothing written yet) when the named value cannot be resolved
 * or its value is not a client ID / App ID URI; the value itself is never put into the message.
 */
function resolveTokenResource(settings, namedValues) {
    const ref = settings.tokenResource ? namedValueReference(settings.tokenResource) : undefined;
    if (!ref)
        return settings;
    const value = namedValues?.get(ref)?.trim();
    if (value === undefined || value === '') {
        throw new errors/* ActionError */.l(`token-resource {{${ref}}}: the named value cannot be resolved (it does not exist, several have that display ` +
            'name, or it is secret or Key Vault-backed and could not be read; the log says which). Give the resource ' +
            'itself, or make the named value readable by the workflow identity, and re-run. Nothing was changed.');
    }
    if (value.includes('{{') || (0,inputs/* tokenResourceProblem */.ZK)(value)) {
        throw new errors/* ActionError */.l(`token-resource {{${ref}}}: the named value's value is not the Function app's client ID or an App ID URI ` +
            '(a GUID or an absolute URI, never a scope ending in /.default). Fix the named value or give the resource ' +
            'itself, and re-run. Nothing was changed.');
    }
    return { ...settings, tokenResource: value, tokenResourceRef: `{{${ref}}}` };
}

;// CONCATENATED MODULE: ./src/plan.ts
/**
 * The plan (pure): desired state from Settings, diffed against what ARM returned, for the three resources in the
 * order they must be applied: APIM identity → Easy Auth → each API policy (field case C10: the identity must exist
 * before the caller allow-list and the policy can use it). Consistency checks run here, before any write, and
 * throw ActionError with the fix; drift is data (changes), never an exception.
 */









const plan_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Checks the token `resource` (C01): it must not contain an object ID we know of (APIM's principalId, a
 * user-assigned principalId, an entry of `allowedPrincipals.identities`, APIM's own client ID) — anywhere, in any
 * case: `<id>`, `api://<id>`, `https://<id>`, `api://<id>/x` are all refused (GUID-shaped IDs are looked for as a
 * substring; other entries must equal the resource without `api://` and trailing slashes); and a GUID different
 * from the app client ID is another app. `knownObjectIds` must not contain `appClientId`. Throws ActionError
 * naming the fix; returns nothing.
 * Source: authentication-managed-identity policy reference (Learn: "resource: the target app's Application (client)
 * ID or a registered App ID URI"); MicrosoftDocs/azure-docs#58304, #47740.
 */
function checkTokenResource(tokenResource, appClientId, knownObjectIds) {
    const lower = tokenResource.toLowerCase();
    const bare = lower.replace(/^api:\/\//, '').replace(/\/+$/, '');
    const hit = knownObjectIds.find((id) => {
        const want = id.trim().toLowerCase();
        if (want === '')
            return false;
        return plan_GUID.test(want) ? lower.includes(want) : bare === want;
    });
    if (hit) {
        throw new errors/* ActionError */.l(`token-resource ${tokenResource}: resource must be the target app's appId or a registered App ID URI, not an ` +
            `object ID (${hit} is the object/principal ID of an identity). Set token-resource to ${appClientId} (or leave ` +
            'it empty) and re-run. Nothing was changed.');
    }
    if (plan_GUID.test(tokenResource) && tokenResource.toLowerCase() !== appClientId.toLowerCase()) {
        throw new errors/* ActionError */.l(`token-resource ${tokenResource} is a GUID other than the app client ID ${appClientId}: APIM would get tokens ` +
            `for another app, which the Function rejects. Set token-resource to ${appClientId}, an App ID URI registered ` +
            'on that app, or leave it empty. Nothing was changed.');
    }
}
/**
 * Which `<authentication-managed-identity>` of the policies is owned (src/policy OwnershipOptions) for this target:
 * `acceptableResources` = the token resource and the app client ID (Entra resolves both to the Function's app; Easy
 * Auth always accepts its `registration.clientId` audience), plus `observed.namedValues` and `observed.appObjectIds`.
 * The app client ID comes from the input or the site's Easy Auth (resolveAppClientId), so this throws ActionError
 * when neither gives one (as buildPlan does). For main.ts (Easy Auth re-derivation after the identity write) and
 * apply.ts (read-back of a written policy) — the same options buildPlan uses.
 */
function policyOwnership(given, ids, observed) {
    const settings = resolveTokenResource(given, observed.namedValues);
    const appClientId = (0,easy_auth/* resolveAppClientId */.Mp)(settings.appClientId, observed.authSettingsV2, ids.authSettingsV2);
    const tokenResource = settings.tokenResource || appClientId;
    const ref = settings.tokenResourceRef ? [settings.tokenResourceRef] : [];
    return {
        acceptableResources: [...new Set([tokenResource, appClientId, ...ref])],
        ...(observed.namedValues ? { namedValues: observed.namedValues } : {}),
        ...(observed.appObjectIds?.length ? { appObjectIds: observed.appObjectIds } : {})
    };
}
/**
 * Reads the policies' `authentication-managed-identity` elements: returns the warnings (nested/conditional elements
 * left alone, a `client-id` that cannot be resolved; ignore-error="true" on the owned element is security lint;
 * conflicts are planApiPolicy errors) and the extra callers (a user-assigned
 * identity selected with `client-id` on the OWNED element — the one that sends the Function's token, chosen by
 * purpose with `ownership`, see src/policy OwnershipOptions — which is who then calls the Function). A `client-id`
 * may be a `{{named value}}`: it is judged after substitution with `ownership.namedValues`; one that cannot be
 * resolved (unknown, Key Vault-backed and unreadable, an expression) is a warning, not a refusal. Elements that are
 * not the owned one (Azure OpenAI, Key Vault, …) are the user's: their client-id is not checked.
 * Throws ActionError when the owned element's (resolved) `client-id` is not the client ID of a user-assigned
 * identity attached to APIM. Unparsable policies are skipped here (planApiPolicy reports them).
 * `ownership` omitted → ownership by position (the first direct element without output-token-variable-name).
 */
function inspectPolicies(apis, principal, ownership = {}) {
    const warnings = [];
    const extraCallers = [];
    for (const a of apis) {
        if (a.policy === undefined)
            continue;
        let info;
        let owned;
        try {
            info = inspectPolicy(a.policy.value, ownership);
            owned = ownedManagedIdentity(a.policy.value, ownership);
        }
        catch (e) {
            if (e instanceof policy_errors/* PolicyParseError */.y2)
                continue;
            throw e;
        }
        const where = `API policy ${a.apiId}`;
        for (const mi of info.managedIdentity) {
            if (!mi.direct) {
                warnings.push(`${where}: an authentication-managed-identity inside a nested or conditional block was left alone.`);
            }
        }
        // ignore-error="true" on the owned element is security lint (src/resources/effective-policy.ts).
        if (!owned)
            continue;
        if (owned.clientId === undefined)
            continue;
        const authored = owned.clientId;
        const cid = owned.clientIdResolved;
        if (cid === undefined) {
            warnings.push(`${where}: authentication-managed-identity client-id="${authored}" (line ${owned.line}) cannot be checked: ` +
                `${owned.clientIdUnresolved ?? 'it cannot be resolved'}. The identity it selects calls the Function; if it ` +
                'is a user-assigned identity, make sure it is attached to APIM and allowed in Easy Auth ' +
                '(allowedPrincipals.identities / allowedApplications).');
            continue;
        }
        const viaNamedValue = authored.trim() !== cid;
        const uai = principal.userAssigned.find((u) => u.clientId?.toLowerCase() === cid.toLowerCase());
        if (!uai) {
            const attached = principal.userAssigned.map((u) => `${u.resourceId} (${u.clientId ?? 'client ID unknown'})`);
            throw new errors/* ActionError */.l(`${where}: authentication-managed-identity client-id="${authored}"` +
                `${viaNamedValue ? ' (through its named value)' : ''} is not the client ID of a ` +
                `user-assigned identity attached to APIM (attached: ${attached.join(', ') || 'none'}). Remove client-id ` +
                'to use the system-assigned identity, or attach that identity to APIM. Nothing was changed.', a.resourceId);
        }
        warnings.push(`${where}: authentication-managed-identity uses client-id="${authored}" (user-assigned ` +
            `${uai.resourceId.split('/').pop()}): that identity, not the system-assigned one, calls the Function; it is ` +
            'allowed in Easy Auth too.');
        if (!extraCallers.some((c) => c.clientId === uai.clientId)) {
            extraCallers.push({
                label: `user-assigned identity ${uai.resourceId.split('/').pop()}`,
                principalId: uai.principalId,
                clientId: uai.clientId
            });
        }
    }
    return { warnings, extraCallers };
}
/**
 * Builds the plan for one target. `ids` are the ARM IDs (TargetIds), `observed` the reads.
 * The owned `<authentication-managed-identity>` of each policy is chosen by purpose ({@link policyOwnership}: token
 * resource and app client ID acceptable, `observed.namedValues` substituted, `observed.appObjectIds` as known wrong
 * forms); every other managed-identity element is the user's.
 * Order: identity, Easy Auth, then each API policy in `observed.apis` order (each deletes its API's own
 * subscription-key header, {@link subscriptionKeyHeader}, and query parameter, {@link subscriptionKeyQuery}). A resource that cannot be planned
 * (unparsable policy) carries `error` and no write (see assertNoPlanErrors).
 * Throws ActionError before any write for: v1 auth config, no app client ID, a token-resource that is an object ID
 * or another app's GUID (C01), a policy `client-id` that is not an attached user-assigned identity, APIM's client
 * ID needed but unknown (C04), `identities` over 500 characters.
 */
function buildPlan(given, ids, observed) {
    const settings = resolveTokenResource(given, observed.namedValues);
    const principal = apimPrincipal(observed.service);
    const identity = planApimIdentity(ids.apim, observed.service);
    if ((0,easy_auth/* isV1AuthConfig */.oR)(observed.authSettingsV1)) {
        // planEasyAuth throws the ActionError that explains the migration.
        planEasyAuthFor(settings, ids, observed, principal, []);
    }
    const appClientId = (0,easy_auth/* resolveAppClientId */.Mp)(settings.appClientId, observed.authSettingsV2, ids.authSettingsV2);
    const tokenResource = settings.tokenResource || appClientId;
    const apimIdentityClientId = settings.apimIdentityClientId || observed.apimIdentityClientId;
    const identities = (0,json_path/* getPath */.Yn)(observed.authSettingsV2, `properties.${easy_auth/* EASY_AUTH_PATHS */.PV.identities}`);
    const knownObjectIds = [
        principal.principalId,
        ...principal.userAssigned.map((u) => u.principalId),
        ...(Array.isArray(identities) ? identities : []),
        apimIdentityClientId
    ].filter((x) => typeof x === 'string' && x !== '' && x.toLowerCase() !== appClientId.toLowerCase());
    checkTokenResource(tokenResource, appClientId, knownObjectIds);
    const ownership = policyOwnership(settings, ids, observed);
    const inspected = inspectPolicies(observed.apis, principal, ownership);
    const easy = planEasyAuthFor(settings, ids, observed, principal, inspected.extraCallers);
    const policies = planPolicies(settings.tokenResourceRef ?? tokenResource, observed, ownership);
    const lint = [
        ...policies.lint,
        ...easyAuthLint(easy.label, observed.authSettingsV2, easyBody(easy) ?? observed.authSettingsV2, routesOf(observed))
    ];
    const warnings = [...inspected.warnings, ...easy.warnings, ...policies.warnings];
    const { warnings: _w, facts, ...easyPlan } = easy;
    return {
        resources: [identity, easyPlan, ...policies.plans],
        warnings: [...new Set(warnings)],
        lint: lint.filter((l, i) => lint.findIndex((m) => m.where === l.where && m.message === l.message) === i),
        facts: {
            apimPrincipalId: principal.principalId,
            apimIdentityClientId,
            appClientId,
            tokenResource,
            effectiveAudiences: facts.effectiveAudiences,
            excludedPaths: facts.excludedPaths,
            openIdIssuer: facts.openIdIssuer,
            gatewayUrl: plan_str((0,json_path/* getPath */.Yn)(observed.service, 'properties.gatewayUrl')),
            defaultHostName: plan_str((0,json_path/* getPath */.Yn)(observed.site, 'properties.defaultHostName'))
        }
    };
}
/**
 * Each API's policy plan, then the effective pipeline around it (src/resources/effective-policy.ts): a finding adds
 * to that API's refusal (`error`). `resource` is what the policy's owned element asks for (token-resource as
 * written: a `{{name}}` reference stays one). Warnings the inspections explain better are dropped (see below).
 */
function planPolicies(resource, observed, ownership) {
    const apis = observed.apis.map((a) => {
        const keyHeader = subscriptionKeyHeader(a.api);
        const keyQuery = subscriptionKeyQuery(a.api);
        const plan = planApiPolicy(a.apiId, policyId(a), a.policy, resource, keyHeader, keyQuery, ownership);
        return { api: a, plan, keyHeader, keyQuery };
    });
    const effective = planEffective(apis, observed.fragments ?? new Map(), resource, ownership);
    // inspectPolicies already explains these element attributes; drop the merge's shorter versions of them. Once the
    // fragments were read, the merge's "its content is not inspected" is replaced by the effective pipeline's findings.
    const covered = /ignore-error|output-token-variable-name|nested <authentication-managed-identity|client-id=/;
    const judged = observed.fragments ? /its content is not inspected/ : /$^/;
    const plans = apis.map(({ api, plan: { warnings: _w, ...p } }) => {
        const more = effective.errors.get(api.apiId);
        return more ? { ...p, error: p.error ? `${p.error}; ${more}` : more } : p;
    });
    return {
        plans,
        warnings: [
            ...apis.flatMap((a) => a.plan.warnings.filter((w) => !covered.test(w) && !judged.test(w))),
            ...effective.warnings
        ],
        lint: effective.lint
    };
}
/** The Easy Auth body the plan writes, if any. */
function easyBody(easy) {
    return easy.write?.op === 'put-authsettings-v2' ? easy.write.body : undefined;
}
/** What each API sends to the Function: its serviceUrl and its operations' URL templates (for the lint). */
function routesOf(observed) {
    return observed.apis.map((a) => ({
        apiId: a.apiId,
        serviceUrl: plan_str((0,json_path/* getPath */.Yn)(a.api, 'properties.serviceUrl')),
        operations: a.operations ?? []
    }));
}
function planEasyAuthFor(settings, ids, observed, principal, extraCallers) {
    return (0,easy_auth/* planEasyAuth */.c6)({
        resourceId: ids.authSettingsV2,
        current: observed.authSettingsV2,
        v1: observed.authSettingsV1,
        tenantId: settings.tenantId,
        appClientId: settings.appClientId || undefined,
        tokenResource: settings.tokenResource || undefined,
        openIdIssuer: settings.openIdIssuer || undefined,
        allowedCallers: settings.allowedCallers,
        excludedPaths: settings.excludedPaths,
        apimPrincipalId: principal.principalId,
        apimIdentityClientId: settings.apimIdentityClientId || observed.apimIdentityClientId,
        extraCallers
    });
}
/**
 * The API's subscription-key header: `properties.subscriptionKeyParameterNames.header` of the API body as ARM
 * returned it, `Ocp-Apim-Subscription-Key` when absent or empty (Learn: "Subscriptions in Azure API Management";
 * REST Api `subscriptionKeyParameterNames`). The policy deletes this header so the key never reaches the Function.
 */
function subscriptionKeyHeader(api) {
    const h = (0,json_path/* getPath */.Yn)(api, 'properties.subscriptionKeyParameterNames.header');
    return typeof h === 'string' && h.trim() !== '' ? h.trim() : DEFAULT_KEY_HEADER;
}
/**
 * The API's subscription-key query parameter: `properties.subscriptionKeyParameterNames.query` of the API body as ARM
 * returned it, `subscription-key` when absent or empty (Learn: "Subscriptions in Azure API Management": a key sent in
 * the query is passed to the backend unless a set-query-parameter policy removes it). The policy deletes it.
 */
function subscriptionKeyQuery(api) {
    const q = (0,json_path/* getPath */.Yn)(api, 'properties.subscriptionKeyParameterNames.query');
    return typeof q === 'string' && q.trim() !== '' ? q.trim() : DEFAULT_KEY_QUERY;
}
/** The policy's ARM ID: `<api ID>/policies/policy`. */
function policyId(a) {
    return a.resourceId.endsWith('/policies/policy') ? a.resourceId : `${a.resourceId}/policies/policy`;
}
function plan_str(v) {
    return typeof v === 'string' && v !== '' ? v : undefined;
}
/**
 * Every change of the plan as one flat row (the action's `changes` output). `resource` is the ARM ID; an absent
 * `before`/`after` is `null`. With `applied` (apply mode: RunReport.applied, by resource label) each row also
 * carries `state`, what became of its resource's write (`verified`, `written-unverified`, `unknown`,
 * `not-written`, `not-attempted`, `in-sync`): the output says what happened, not only what was planned.
 */
function planChanges(plan, applied) {
    return plan.resources.flatMap((r) => r.changes.map((c) => ({
        resource: r.resourceId,
        kind: r.kind,
        field: c.path,
        // An absent value is null, so every row of the JSON output has both keys (JSON.stringify drops undefined).
        before: c.before === undefined ? null : c.before,
        after: c.after === undefined ? null : c.after,
        ...(applied ? { state: applied.find((a) => a.label === r.label)?.state ?? 'not-attempted' } : {})
    })));
}
/** True when any resource needs a change. */
function hasDrift(plan) {
    return plan.resources.some((r) => r.changes.length > 0);
}
/**
 * The one decision of what stops a run before any write: the resources whose planner returned an error finding
 * (`error`: an unparsable or unmanageable policy, a conflict in content the user owns, …). Callers word the stop
 * (assertNoPlanErrors, applyPlan, reconcileTarget); none decides it differently. Pure.
 */
function planBlockers(plan) {
    return plan.resources.filter((r) => r.error);
}
/**
 * Throws ActionError listing every resource that cannot be planned (`error`), so nothing is written when one of
 * them is broken. Returns normally when there is none.
 */
function assertNoPlanErrors(plan) {
    const broken = planBlockers(plan);
    if (broken.length === 0)
        return;
    throw new ActionError(`Nothing was changed: ${broken.length} resource(s) cannot be reconciled: ` +
        broken.map((r) => `${r.label} (${r.resourceId}): ${r.error}`).join('; '), broken[0].resourceId);
}

;// CONCATENATED MODULE: ./src/apply.ts
/**
 * Executes a Plan's writes through the reconciler registry (src/reconcilers: APIM identity → Easy Auth → API
 * policies; DESIGN §1, field case C10). Per resource: refresh (a fresh read where the write needs one) → guard →
 * write → read back → verify. Stops at the first failure and says exactly what was changed, what was written but
 * could not be verified, what may or may not have been written, and what was not changed. No `if (check)` here:
 * check mode never calls this. Logic keys on `kind`, never on labels.
 */





/** Carries how far a write got when an error interrupted it. */
class StagedError extends Error {
    cause;
    state;
    constructor(cause, state) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.cause = cause;
        this.state = state;
    }
}
/**
 * Applies every resource plan that has a `write` (or a deferred one). Never throws for a failed write: the outcome
 * carries the error and what was and was not changed. Throws ActionError only for a plan with errors (nothing is
 * attempted then; planBlockers decides).
 */
async function applyPlan(plan, deps) {
    const broken = planBlockers(plan);
    if (broken.length) {
        throw new errors/* ActionError */.l(`Refusing to apply: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`);
    }
    const planned = plan.resources.filter((r) => r.write || r.deferredUntil);
    const outcome = { applied: [], notApplied: [], notAppliedKinds: [], writes: 0, replanned: [] };
    for (let i = 0; i < planned.length; i++) {
        const progress = { sent: false, acknowledged: false };
        let rp = planned[i];
        try {
            // A resource every target on the APIM service shares: its re-read, write and read-back in one go per service.
            const shared = reconcilerFor(rp.kind).perApimService ? deps.arm.exclusiveApimUpdate?.bind(deps.arm) : undefined;
            const one = async () => {
                const ready = await prepare(rp, deps, outcome);
                rp = ready.rp;
                if (ready.apimPrincipalId)
                    outcome.apimPrincipalId ??= ready.apimPrincipalId;
                if (!rp.write) {
                    outcome.applied.push({
                        label: rp.label,
                        kind: rp.kind,
                        ok: true,
                        state: 'in-sync',
                        detail: 'already in sync'
                    });
                    return;
                }
                progress.fresh = ready.fresh;
                const detail = await execute(rp, ready.fresh, deps, outcome, progress);
                outcome.applied.push({ label: rp.label, kind: rp.kind, ok: true, state: 'verified', detail });
                deps.log.info(`${rp.label}: applied (${rp.changes.map((c) => c.path).join(', ')}); ${detail}`);
            };
            await (shared ? shared(one) : one());
            await recordWrite(deps, rp, progress, 'verified'); // nothing when no write was sent (in sync)
        }
        catch (e) {
            const staged = e instanceof StagedError ? e : new StagedError(e, stateAfter(progress));
            await recordWrite(deps, rp, progress, staged.state);
            const error = explainWriteError(rp, staged.cause, staged.state);
            outcome.applied.push({ label: rp.label, kind: rp.kind, ok: false, state: staged.state, detail: error.message });
            outcome.notApplied = planned.slice(i + 1).map((r) => r.label);
            outcome.notAppliedKinds = planned.slice(i + 1).map((r) => r.kind);
            outcome.error = error;
            return outcome;
        }
    }
    return outcome;
}
/**
 * Before a write: the reconciler's fresh read (and, for Easy Auth, the plan merged again into it). Throws a
 * not-written StagedError when the re-planned resource cannot be written now.
 */
async function prepare(planned, deps, outcome) {
    const r = reconcilerFor(planned.kind);
    if (!r.refresh || (!planned.write && !planned.deferredUntil))
        return { rp: planned, fresh: {} };
    const again = await stage('not-written', () => r.refresh(deps.arm, planned, deps.rederive));
    if (!again.plan)
        return { rp: planned, fresh: again.fresh };
    const rp = again.plan;
    const principal = again.apimPrincipalId ? { apimPrincipalId: again.apimPrincipalId } : {};
    if (!rp.write && !rp.deferredUntil && !rp.error) {
        deps.log.info(`${rp.label}: already as planned when read again right before the write (changed since it was read); nothing to write.`);
    }
    else if (JSON.stringify(rp.changes) !== JSON.stringify(planned.changes) && !planned.deferredUntil) {
        deps.log.info(`${rp.label}: changed since it was read; merged again into the current document.`);
    }
    outcome.replanned.push(rp);
    if (rp.error)
        throw new StagedError(new errors/* ActionError */.l(rp.error, rp.resourceId), 'not-written');
    if (rp.deferredUntil) {
        // Still waiting for APIM's principalId after the identity step: writing now would leave the caller allow-list
        // without APIM (any tenant token would pass). Refuse this write.
        const why = "APIM's system-assigned principalId is still unknown after the identity step";
        throw new StagedError(new errors/* ActionError */.l(`${rp.label}: ${why}; it is not written without it (the caller allow-list would be incomplete).`, rp.resourceId), 'not-written');
    }
    return { rp, fresh: again.fresh, ...principal };
}
/** Hands a sent write's outcome to `deps.onWritten` (nothing when the write was never sent). Never throws. */
async function recordWrite(deps, rp, p, state) {
    if (!deps.onWritten || !p.sent || !rp.write || state === 'in-sync' || state === 'not-written')
        return;
    try {
        await deps.onWritten({
            rp,
            write: rp.write,
            fresh: p.fresh ?? {},
            response: p.response,
            readBack: p.readBack,
            state
        });
    }
    catch (e) {
        deps.log.warning(`${rp.label}: the write could not be recorded in the snapshot: ${e.message}`);
    }
}
/** The state an unexpected error leaves a resource in, from how far its write got. */
function stateAfter(p) {
    return p.acknowledged ? 'written-unverified' : p.sent ? 'unknown' : 'not-written';
}
/** Runs `f`; an error it throws is tagged with `state` (how far the write got). */
async function stage(state, f) {
    try {
        return await f();
    }
    catch (e) {
        throw e instanceof StagedError ? e : new StagedError(e, state);
    }
}
/**
 * The outcome of a failed write call: a 2xx whose body could not be read → written, not verified; accepted (202) and
 * then a failed poll → unknown; refused (4xx) → not written; the write's client could not be loaded (a damaged
 * bundle, ./bundle.ts) → not written; anything else (5xx, timeout, network) → unknown.
 */
function writeFailureState(e) {
    // The write's client could not be loaded (../bundle.ts): the request was never sent.
    if (e instanceof bundle/* BundleLoadError */.D)
        return 'not-written';
    if (!(e instanceof ports/* ArmError */.dW))
        return 'unknown';
    if (e.status >= 200 && e.status < 300)
        return 'written-unverified';
    if (e.accepted)
        return 'unknown';
    return e.status >= 400 && e.status < 500 ? 'not-written' : 'unknown';
}
async function write(progress, f) {
    progress.sent = true;
    try {
        const r = await f();
        progress.acknowledged = true;
        return r;
    }
    catch (e) {
        throw new StagedError(e, writeFailureState(e));
    }
}
/** Guard → write → read back → verify, through the resource's reconciler; returns the detail line. */
async function execute(rp, fresh, deps, outcome, progress) {
    const r = reconcilerFor(rp.kind);
    const w = rp.write;
    const refused = r.guard(w, fresh, deps.basis);
    if (refused.length) {
        const message = `write refused by the guard: the outgoing body differs from the fresh read outside the paths this ` +
            `action owns (${refused.join('; ')}). This is a bug in the action; please report it.`;
        throw new StagedError(new errors/* ActionError */.l(message, rp.resourceId), 'not-written');
    }
    outcome.writes++;
    progress.response = await write(progress, () => r.write(deps.arm, w));
    const after = await stage('written-unverified', () => r.readBack(deps.arm, w));
    progress.readBack = after;
    const verified = r.verify(after, w, fresh, deps.basis);
    if (verified.apimPrincipalId)
        outcome.apimPrincipalId = verified.apimPrincipalId;
    if (verified.problems.length) {
        throw new StagedError(new errors/* ActionError */.l(verified.problems.join('; '), rp.resourceId), 'written-unverified');
    }
    return verified.detail;
}
/** Adds the resource, how far the write got, and what the user can do, to a failed write's message. */
function explainWriteError(rp, e, state) {
    const how = state === 'written-unverified'
        ? ' (the write was accepted; its read-back failed)'
        : state === 'unknown'
            ? ' (the write may or may not have been applied)'
            : '';
    if (e instanceof ports/* ArmError */.dW && state === 'not-written') {
        if (e.status === 412) {
            return new errors/* ActionError */.l(`${rp.label}: changed by someone else since it was read (ETag mismatch, 412). Nothing was overwritten; re-run.`, rp.resourceId);
        }
        if (e.status === 403) {
            return new errors/* ActionError */.l(`${rp.label}: the workflow identity may not write ${rp.resourceId} (${e.code ?? '403'}). ` +
                'Assign it a role that allows the write over that scope (e.g. "API Management Service Contributor" on the APIM ' +
                'service, "Website Contributor" on the Function App).', rp.resourceId);
        }
    }
    if (e instanceof ports/* ArmError */.dW) {
        // Said once: the transport's note already says the write may have been applied.
        const said = e.message.endsWith(ports/* EARLIER_ATTEMPT_NOTE */.qL);
        return new errors/* ActionError */.l(`${rp.label}: ${e.message}${said ? '' : how}`, rp.resourceId);
    }
    const message = (e instanceof Error ? e.message : String(e)) || 'unknown error (no message)';
    return new errors/* ActionError */.l(`${rp.label}: ${message}${how}`, rp.resourceId);
}
/**
 * "Changed: …. Written but not verified: …. Outcome unknown: …. Not changed: …." — what a failed apply did, from the
 * write states, so a reader knows what to look at (DESIGN: a failure midway says what was and was not changed) —
 * followed by {@link outcomeHint} when there is one.
 */
function describeOutcome(outcome) {
    const by = (st) => outcome.applied.filter((a) => a.state && st.includes(a.state)).map((a) => a.label);
    const parts = [
        `Changed: ${by(['verified']).join(', ') || 'nothing'}.`,
        ...(by(['written-unverified']).length
            ? [`Written but not verified: ${by(['written-unverified']).join(', ')}.`]
            : []),
        ...(by(['unknown']).length ? [`Outcome unknown (check it): ${by(['unknown']).join(', ')}.`] : []),
        `Not changed: ${[...by(['not-written']), ...outcome.notApplied].join(', ') || 'nothing'}.`
    ];
    const hint = outcomeHint(outcome);
    if (hint)
        parts.push(hint);
    return parts.join(' ');
}
/**
 * What a failed apply means for calls through APIM, when the write states imply something: Easy Auth may require a
 * token that the API policy does not send yet (the policy write failed or was not attempted). `undefined` otherwise.
 */
function outcomeHint(outcome) {
    const easyAuthOn = outcome.applied.some((a) => a.kind === 'easy-auth' && a.state !== 'not-written');
    const policyMissed = [
        ...outcome.applied.filter((a) => !a.ok).map((a) => a.kind),
        ...outcome.notAppliedKinds
    ].includes('api-policy');
    if (!easyAuthOn || !policyMissed)
        return undefined;
    return ('If the Easy Auth change took effect, it requires a token that the API policy does not send yet: calls through ' +
        'APIM may get 401 until a re-run writes the policy.');
}

// EXTERNAL MODULE: ./src/azure/arm.ts + 3 modules
var azure_arm = __webpack_require__(9669);
// EXTERNAL MODULE: ./src/azure/validated-arm.ts
var validated_arm = __webpack_require__(9594);
;// CONCATENATED MODULE: ./src/backend.ts
/**
 * Compares each API's `serviceUrl` host with the site's host names (case-insensitive, port ignored).
 * @param apis observed APIs: `api` is the ARM API body, `policy` its rawxml text when any.
 * @param site the ARM site (or slot) body.
 */
function checkBackends(apis, site, siteName) {
    const props = (site.properties ?? {});
    const hosts = new Set([props.defaultHostName, ...asArray(props.hostNames), ...asArray(props.enabledHostNames)]
        .filter((h) => typeof h === 'string' && h !== '')
        .map(hostOf));
    const out = { errors: [], warnings: [] };
    for (const a of apis) {
        const serviceUrl = a.api.properties?.serviceUrl;
        const setsBackend = a.policy ? /<set-backend-service\b/i.test(stripComments(a.policy.value)) : false;
        if (setsBackend) {
            out.warnings.push(`API ${a.apiId}: its policy sets the backend (set-backend-service), which is not checked against Function App ` +
                `${siteName}; make sure it points at ${[...hosts][0] ?? 'the Function App'}.`);
            continue;
        }
        if (typeof serviceUrl !== 'string' || serviceUrl === '')
            continue;
        let host;
        try {
            host = hostOf(new URL(serviceUrl).host);
        }
        catch {
            out.errors.push(`API ${a.apiId}: serviceUrl '${serviceUrl}' is not a URL.`);
            continue;
        }
        if (hosts.size > 0 && !hosts.has(host)) {
            out.errors.push(`API ${a.apiId}: its serviceUrl '${serviceUrl}' is not Function App ${siteName} (host names: ${[...hosts].join(', ')}), ` +
                "so APIM would send tokens for the Function's app registration to another host. Point the API's serviceUrl at " +
                'the Function App, or check api-ids and function-app-name.');
        }
    }
    return out;
}
function asArray(v) {
    return Array.isArray(v) ? v : [];
}
/** Host without port, lower-case (a serviceUrl may carry :443; site host names never do). */
function hostOf(hostWithPort) {
    return hostWithPort.toLowerCase().replace(/:443$/, '');
}
function stripComments(text) {
    return text.replace(/<!--[\s\S]*?-->/g, '');
}

// EXTERNAL MODULE: ./node_modules/p-limit/index.js + 1 modules
var p_limit = __webpack_require__(370);
;// CONCATENATED MODULE: ./src/observe-pipeline.ts
/**
 * The observer of what runs around the API policy (DESIGN §1: an inspection that owns nothing, whose findings feed
 * the plan): each API's operations and their policies, and the policy fragments the API and operation policies
 * include (nested includes followed up to a depth bound). Reads go through the ArmPort handed in — the validated,
 * bounded one of observeTarget — so they run in parallel (at most its limit in flight) and each is checked before it
 * is used. Nothing here is ever written.
 *
 * REST (Azure/azure-rest-api-specs, apimanagement/…/stable/2024-05-01): ApiOperation_ListByApi (apimapis.json,
 * pageable), ApiOperationPolicy_Get and PolicyFragment_Get with `format=rawxml` (apimpolicyfragments.json); a 404 is
 * "no policy" / "no such fragment".
 */



/** Operations an API may have before the action refuses to judge it (more pages would be needed). */
const MAX_OPERATIONS = 2000;
/**
 * Every operation of each API in `apiIds` and each operation's policy: one list per API (all pages), then every
 * operation's policy, all in parallel (the ArmPort bounds how many are in flight). Throws ActionError when an API
 * has more than {@link MAX_OPERATIONS} operations (it could not be judged whole); read failures propagate.
 */
async function observeOperations(arm, apiIds) {
    const lists = await Promise.all(apiIds.map(async (apiId) => {
        const list = await arm.listApiOperations(apiId, MAX_OPERATIONS);
        if (list.truncated) {
            throw new errors/* ActionError */.l(`API ${apiId} has more than ${MAX_OPERATIONS} operations; the action reads at most ${MAX_OPERATIONS} to ` +
                'judge what runs before the Function, so it cannot say the API is safe. Nothing was changed.');
        }
        const ops = await Promise.all(list.value.map(async (op) => {
            const id = String(op.name);
            const p = (op.properties ?? {});
            const policy = await arm.getOperationPolicy(apiId, id);
            return {
                id,
                method: String(p.method ?? ''),
                urlTemplate: String(p.urlTemplate ?? ''),
                ...(policy ? { policy: { value: policy.value } } : {})
            };
        }));
        return [apiId, ops];
    }));
    return Object.fromEntries(lists);
}
/**
 * The policy fragments `texts` (policy documents, rawxml) include, and the fragments those include, up to
 * {@link MAX_FRAGMENT_DEPTH} levels: one parallel round of reads per level, each fragment read once. A 404 is
 * `{absent: true}`. Fragments beyond the depth bound are not read (the judge reports them as not judged).
 */
async function observeFragments(arm, texts) {
    const out = new Map();
    let next = [...new Set(texts.flatMap(includedFragments))];
    for (let depth = 0; depth < MAX_FRAGMENT_DEPTH && next.length > 0; depth++) {
        const read = await Promise.all(next.map(async (id) => [id, await arm.getPolicyFragment(id)]));
        const found = [];
        for (const [id, doc] of read) {
            out.set(id, doc ? { value: doc.value } : { absent: true });
            if (doc)
                found.push(...includedFragments(doc.value));
        }
        next = [...new Set(found)].filter((id) => !out.has(id));
    }
    return out;
}

;// CONCATENATED MODULE: ./src/observe.ts
/**
 * Observe one target (DESIGN §1): every reconciler's reads in one bounded, parallel round (src/reconcilers) together
 * with each API's operations, then the observers whose findings feed the plan — the operations' policies and the
 * policy fragments the policies include (src/observe-pipeline.ts), APIM's identity client ID (Microsoft Graph, when
 * needed) and the `{{named values}}` the owned elements and the guards depend on (ARM namedValues). Reads go through the validated
 * ArmPort (src/azure/validated-arm.ts); a failed read becomes an ActionError naming what was read and the fix.
 */









/**
 * Parallel ARM reads in flight at once for one target, by default: the run's `arm-max-in-flight` (16), which also
 * bounds all targets of a run together per subscription (src/azure/arm-limits.ts; ARM throttles per principal and
 * subscription, DESIGN §1).
 */
const READ_CONCURRENCY = 16;
/** The site's name as messages give it: `func-x`, or `func-x/slots/staging`. */
function siteLabel(settings) {
    return settings.functionAppSlot
        ? `${settings.functionAppName}/slots/${settings.functionAppSlot}`
        : settings.functionAppName;
}
/**
 * All reads for one target: the reconcilers' reads (at most READ_CONCURRENCY in flight), then the observers.
 * Throws ActionError (what was read, the fix) when a read fails; nothing has been written then.
 */
async function observeTarget(settings, ids, ports) {
    const arm = boundedReads(ports.arm, settings);
    // The operations (and their policies) do not depend on the reconcilers' reads: they start in the same round.
    const operations = observeOperations(arm, Object.keys(ids.apis));
    operations.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    const parts = await Promise.all(RECONCILERS.map((r) => r.observe(arm, ids)));
    const observed = Object.assign({}, ...parts);
    const unresolved = (n, why) => ports.log.warning(`Named value {{${n}}} used by a policy or token-resource cannot be resolved: ${why}`);
    const apiTexts = observed.apis.flatMap((a) => (a.policy ? [a.policy.value] : []));
    const first = refsOf(apiTexts, settings.tokenResource);
    const early = Promise.all([
        resolveApimClientId(settings, observed.service, observed.authSettingsV2, ports),
        first.length ? resolveNamedValues(arm, first, unresolved) : undefined
    ]);
    early.catch(() => undefined);
    const byApi = await operations;
    for (const a of observed.apis)
        a.operations = byApi[a.apiId] ?? [];
    const opTexts = observed.apis.flatMap((a) => (a.operations ?? []).flatMap((o) => (o.policy ? [o.policy.value] : [])));
    observed.fragments = await observeFragments(arm, [...apiTexts, ...opTexts]);
    const fragTexts = [...observed.fragments.values()].flatMap((f) => ('value' in f ? [f.value] : []));
    const more = refsOf([...opTexts, ...fragTexts]).filter((n) => !first.includes(n));
    const [[apimIdentityClientId, namedValues], moreValues] = await Promise.all([
        early,
        more.length ? resolveNamedValues(arm, more, unresolved) : undefined
    ]);
    observed.apimIdentityClientId = apimIdentityClientId;
    if (namedValues || moreValues)
        observed.namedValues = new Map([...(namedValues ?? []), ...(moreValues ?? [])]);
    // Object IDs known from ARM (APIM's and its user-assigned identities' principalIds): a policy `resource` holding one
    // is the Function's element in a wrong form (field case C01: an object ID is never a valid resource).
    const principal = apimPrincipal(observed.service);
    const objectIds = [principal.principalId, ...principal.userAssigned.map((u) => u.principalId)];
    observed.appObjectIds = objectIds.filter((x) => typeof x === 'string' && x !== '');
    logObserved(settings, observed, ports);
    return observed;
}
/**
 * The named values (display names) that judging `texts` needs — those of the managed-identity elements and of the
 * guard attributes — and the one `tokenResource` refers to when it is given as `{{name}}`, without duplicates.
 */
function refsOf(texts, tokenResource) {
    const names = texts.flatMap((t) => [...namedValueRefs(t), ...pipelineNamedValueRefs(t)]);
    const ref = tokenResource ? namedValueReference(tokenResource) : undefined;
    return [...new Set([...(ref ? [ref] : []), ...names])];
}
/** One log line per resource: APIM's identity, Easy Auth on/off, each API's policy size. */
function logObserved(settings, observed, ports) {
    const identity = (observed.service.identity ?? {});
    const platform = (0,json_path/* getPath */.Yn)(observed.authSettingsV2, ['properties', 'platform', 'enabled']);
    ports.log.info(`APIM ${settings.apimName}: identity ${identity.type ?? 'None'}${identity.principalId ? ` (principalId ${identity.principalId})` : ''}`);
    ports.log.info(`Function App ${siteLabel(settings)}: Easy Auth ${platform === true ? 'enabled' : 'disabled'}`);
    for (const a of observed.apis) {
        const ops = a.operations ?? [];
        const withPolicy = ops.filter((o) => o.policy).length;
        ports.log.info(`API ${a.apiId}: ${a.policy ? `policy of ${a.policy.value.length} characters` : 'no policy'}; ` +
            `${ops.length} operation(s), ${withPolicy} with a policy`);
    }
    if (observed.fragments?.size)
        ports.log.info(`Policy fragments read: ${[...observed.fragments.keys()].join(', ')}`);
}
/**
 * `arm` with every read bounded (`settings.armMaxInFlight`, default READ_CONCURRENCY) and its failure explained
 * (readError); writes unchanged.
 */
function boundedReads(arm, settings) {
    const limit = (0,p_limit/* default */.A)(settings.armMaxInFlight ?? READ_CONCURRENCY);
    const site = siteLabel(settings);
    const read = (what, f) => (...a) => limit(() => f(...a).catch((e) => Promise.reject(readError(what(...a), e))));
    const bounded = (f) => (...a) => limit(() => f(...a));
    return Object.assign(Object.create(arm), {
        getApimService: read(() => `APIM service ${settings.apimName}`, () => arm.getApimService()),
        getSite: read(() => `Function App ${site}`, () => arm.getSite()),
        getAuthSettingsV2: read(() => `Easy Auth of ${site}`, () => arm.getAuthSettingsV2()),
        getAuthSettingsV1: read(() => `auth settings (v1) of ${site}`, () => arm.getAuthSettingsV1()),
        getApi: read((apiId) => `API ${apiId}`, (apiId) => arm.getApi(apiId)),
        getApiPolicy: read((apiId) => `policy of API ${apiId}`, (apiId) => arm.getApiPolicy(apiId)),
        listApiOperations: read((apiId) => `operations of API ${apiId}`, (apiId, maxItems) => arm.listApiOperations(apiId, maxItems)),
        getOperationPolicy: read((apiId, operationId) => `policy of operation ${operationId} of API ${apiId}`, (apiId, operationId) => arm.getOperationPolicy(apiId, operationId)),
        getPolicyFragment: read((id) => `policy fragment ${id}`, (id) => arm.getPolicyFragment(id)),
        // Named values: bounded too, but their refusals (403/404) are resolveNamedValues' to judge, not read errors.
        ...(arm.listNamedValues && { listNamedValues: bounded(arm.listNamedValues.bind(arm)) }),
        ...(arm.getNamedValue && { getNamedValue: bounded(arm.getNamedValue.bind(arm)) }),
        ...(arm.listNamedValueSecret && { listNamedValueSecret: bounded(arm.listNamedValueSecret.bind(arm)) })
    });
}
/**
 * APIM's system-assigned identity client ID: ARM gives only its object ID (principalId). Needed only when
 * `allowed-callers: apim-only` and the site already restricts `allowedApplications` (client IDs; C04). From the
 * input, else Microsoft Graph. A Graph refusal is left to the planner, which names the permission and the input.
 */
async function resolveApimClientId(settings, service, authV2, ports) {
    if (settings.apimIdentityClientId)
        return settings.apimIdentityClientId;
    if (settings.allowedCallers !== 'apim-only')
        return undefined;
    const principalId = service.identity?.principalId;
    const apps = (0,json_path/* getPath */.Yn)(authV2, [
        'properties',
        'identityProviders',
        'azureActiveDirectory',
        'validation',
        'defaultAuthorizationPolicy',
        'allowedApplications'
    ]);
    if (!principalId || !Array.isArray(apps) || apps.length === 0)
        return undefined;
    try {
        return (await ports.graph.getServicePrincipal(principalId)).appId;
    }
    catch (e) {
        ports.log.warning(`Could not resolve APIM's identity client ID through Microsoft Graph (${e.message}). ` +
            'Grant the workflow identity Application.Read.All, or set the input apim-identity-client-id.');
        return undefined;
    }
}
/**
 * Explains a failed read of `what`: 404 (a subscription that does not exist — often the tenant ID given as
 * subscription-id — or another missing resource), 403 (the role to assign), otherwise the error itself.
 */
function readError(what, e) {
    if (e instanceof errors/* ActionError */.l)
        return e;
    if (e instanceof ports/* ArmError */.dW) {
        if (e.status === 404 && e.code === 'SubscriptionNotFound') {
            const sub = /\/subscriptions\/([^/]+)/i.exec(e.url)?.[1] ?? '(unknown)';
            return new errors/* ActionError */.l(`subscription-id ${sub} was not found (SubscriptionNotFound) reading ${what}: check subscription-id (is it ` +
                'the tenant ID?) and that the workflow identity has a role in that subscription.', e.url);
        }
        if (e.status === 404)
            return new errors/* ActionError */.l(`${what} was not found (${e.url}). Check the names, resource groups and subscription-id.`, e.url);
        if (e.status === 403) {
            // List actions (…/config/authsettings(V2)/list, …/listSecrets) are not granted by Reader: they need the
            // resource's contributor role (Learn: "Azure built-in roles" — Website Contributor includes
            // Microsoft.Web/sites/config/list/action; API Management Service Contributor includes …/subscriptions/listSecrets).
            const isList = /\/list(Secrets)?$/i.test(e.url);
            const role = /Microsoft\.Web\//i.test(e.url) ? 'Website Contributor' : 'API Management Service Contributor';
            return new errors/* ActionError */.l(`The workflow identity may not read ${what} (${e.code ?? '403'}). ` +
                (isList
                    ? `Reading it is a list action that Reader does not grant: assign ${role} on ${e.url.replace(/\/(config\/[^/]+\/list|subscriptions\/[^/]+\/listSecrets)$/i, '')}.`
                    : `Assign it at least Reader (and ${role} to apply) on ${e.url}.`), e.url);
        }
        return new errors/* ActionError */.l(`Reading ${what} failed: ${e.message}`, e.url);
    }
    if (e instanceof ports/* GraphError */.h9)
        return new errors/* ActionError */.l(e.message);
    // Network errors and timeouts (no HTTP answer): name what was being read.
    return new errors/* ActionError */.l(`Reading ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
}

// EXTERNAL MODULE: ./src/preflight.ts
var preflight = __webpack_require__(4504);
;// CONCATENATED MODULE: ./src/smoke/urls.ts
/** The Function-side path a direct request reaches: the serviceUrl's path + smoke path, without query. */
function directPath(serviceUrl, smokePath) {
    let base = '';
    try {
        base = new URL(serviceUrl).pathname;
    }
    catch {
        base = '';
    }
    const path = `${base.replace(/\/+$/, '')}${smokePath.split(/[?#]/)[0]}`;
    return path === '' ? '/' : path;
}
/**
 * C14: the direct no-token check on a path Easy Auth excludes would get 200 and prove nothing (a false alarm).
 * Returns a message (listing the excluded paths and the fix) when `<serviceUrl path><smokePath>` equals an excluded
 * path, lies under one (`/x` covers `/x/…`), or matches a trailing-`*` pattern — case-insensitively; else undefined.
 * Call it before any write. Matching is deliberately broad: Learn does not document the exact matching rule.
 */
function excludedPathConflict(serviceUrl, smokePath, excludedPaths) {
    if (!smokePath || excludedPaths.length === 0)
        return undefined;
    const direct = directPath(serviceUrl, smokePath).toLowerCase().replace(/\/+$/, '') || '/';
    const hit = excludedPaths.find((raw) => {
        const ex = raw.trim().toLowerCase();
        if (ex === '')
            return false;
        if (ex.endsWith('*'))
            return direct.startsWith(ex.slice(0, -1));
        const e = ex.replace(/\/+$/, '') || '/';
        return e === '/' || direct === e || direct.startsWith(`${e}/`);
    });
    if (hit === undefined)
        return undefined;
    return (`smoke-path '${smokePath}' reaches ${directPath(serviceUrl, smokePath)} on the Function, which Easy Auth ` +
        `excludes from authentication ('${hit}'): the direct no-token check would get 200 there and prove nothing. ` +
        `Choose a smoke-path outside the excluded paths. Excluded paths: ${excludedPaths.join(', ')}`);
}
function joinUrl(base, ...parts) {
    let url = base.replace(/\/+$/, '');
    for (const p of parts) {
        const t = p.replace(/^\/+/, '').replace(/\/+$/, '');
        if (t !== '')
            url += `/${t}`;
    }
    return url;
}
/** `<gatewayUrl>/<apiPath><smokePath>` (no doubled or missing slashes; trailing slash of smokePath kept). */
function gatewayRequestUrl(target, smokePath) {
    return joinUrl(target.gatewayUrl, target.apiPath) + smokePath;
}
/** `<serviceUrl><smokePath>`. */
function directRequestUrl(serviceUrl, smokePath) {
    return serviceUrl.replace(/\/+$/, '') + smokePath;
}

;// CONCATENATED MODULE: ./src/smoke/budget.ts
/** Default backoff: 1 s, ×2, at most 30 s. */
const DEFAULT_BACKOFF = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 30_000 });
/** Delay before retry number `n` (1-based), in ms. */
function backoffDelayMs(n, b = DEFAULT_BACKOFF) {
    return Math.min(b.initialMs * b.factor ** Math.max(0, n - 1), b.maxMs);
}
/** Longest wait for one smoke request, in ms (also when the budget has more time left). */
const REQUEST_TIMEOUT_MS = 15_000;
/** Shortest wait for one smoke request, in ms (even when the budget is almost spent). */
const MIN_REQUEST_TIMEOUT_MS = 1_000;
/**
 * Per-request timeout in ms for a request sent at `now` with the budget ending at `deadline` (both ms):
 * min(15 s, remaining budget), but at least 1 s. `budgetSeconds` ≤ 0 means "one attempt, no retry budget"
 * (check mode): the request gets the full 15 s.
 */
function requestTimeoutMs(now, deadline, budgetSeconds) {
    if (budgetSeconds <= 0)
        return REQUEST_TIMEOUT_MS;
    return Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, deadline - now));
}

// EXTERNAL MODULE: ./node_modules/p-retry/index.js + 1 modules
var p_retry = __webpack_require__(4995);
// EXTERNAL MODULE: ./src/secrets.ts
var src_secrets = __webpack_require__(7194);
;// CONCATENATED MODULE: ./src/smoke/answer.ts
/**
 * Reading one HTTP answer of a smoke request (headers, Bearer challenge, status class, body excerpts) and the
 * verdicts every check shares (login redirect, transient failure). Pure.
 */

/** Case-insensitive header lookup ('' when absent). */
function header(res, name) {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(res.headers ?? {}))
        if (k.toLowerCase() === want)
            return String(v);
    return '';
}
/** True when `WWW-Authenticate` carries a Bearer challenge (RFC 6750 §3), possibly among other challenges. */
function hasBearerChallenge(res) {
    return /(^|,)\s*Bearer(\s|,|$)/i.test(header(res, 'www-authenticate'));
}
/** True when `status` matches `expected`: an exact status (`200`) or a class (`2xx`). */
function statusMatches(status, expected) {
    const cls = /^([1-5])xx$/i.exec(expected.trim());
    if (cls)
        return Math.floor(status / 100) === Number(cls[1]);
    return status === Number(expected);
}
/** A short, single-line, scrubbed excerpt of a body for a diagnosis. */
function excerpt(text, max = 200) {
    const one = (0,src_secrets/* scrub */._I)(text).replace(/\s+/g, ' ').trim();
    return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}
/** Error text from the Bearer challenge (`error_description` or `error`), if any. */
function challengeError(res) {
    const h = header(res, 'www-authenticate');
    const d = /error_description="([^"]*)"/i.exec(h) ?? /error="([^"]*)"/i.exec(h);
    return d ? excerpt(d[1]) : '';
}
/**
 * The token audience an IDX10214 message reports (`Audiences: 'x'`; Microsoft.IdentityModel's text, as Easy Auth
 * passes it on in `error_description` or the body), or undefined when the text does not carry one. With several
 * audiences (`'a, b'`) the whole list is returned.
 */
function reportedAudience(text) {
    const m = /IDX10214[\s\S]*?Audiences:\s*'([^']*)'/i.exec(text);
    const aud = m?.[1].trim();
    return aud ? aud : undefined;
}
function redirectGot(res) {
    const loc = header(res, 'location');
    let where = '';
    try {
        const u = new URL(loc);
        where = ` → ${u.host}${u.pathname}`;
    }
    catch {
        where = loc ? ' → (relative location)' : '';
    }
    return `${res.status}${where}`;
}
const REDIRECT_DIAGNOSIS = 'redirects to login instead of 401 (unauthenticatedClientAction is RedirectToLoginPage); an API behind APIM ' +
    'needs globalValidation.unauthenticatedClientAction = Return401. The redirect was not followed.';
/** A 3xx answer: Easy Auth redirects to its login page instead of answering 401 (never followed). */
function loginRedirect(res) {
    return { passed: false, got: redirectGot(res), diagnosis: REDIRECT_DIAGNOSIS, layer: 'easy-auth', retry: true };
}
function got401(res) {
    return hasBearerChallenge(res) ? '401 (Bearer challenge)' : '401 (no Bearer challenge)';
}
/** An answer no rule explains: retried when it is a 5xx, 429 or 408. */
function answer_transient(res, what) {
    return {
        passed: false,
        got: String(res.status),
        diagnosis: `${what} answered ${res.status}${res.body ? `: ${excerpt(res.body)}` : ''}`,
        retry: res.status >= 500 || res.status === 429 || res.status === 408
    };
}
function mentionsSubscriptionKey(res) {
    return /subscription key/i.test(res.body) || /subscription key/i.test(header(res, 'www-authenticate'));
}

;// CONCATENATED MODULE: ./src/smoke/classify-direct.ts

/**
 * Classifies the direct call without a token: passes only on 401 with a Bearer challenge (Easy Auth refused, C15).
 * 2xx → reachable anonymously; 401 without a challenge → the function key check, not Easy Auth; 3xx → login
 * redirect; 404/403 → authentication not enforced before routing. Retried: these may be propagation (C17).
 */
function classifyDirectNoToken(res) {
    if (res.status === 401) {
        if (hasBearerChallenge(res))
            return { passed: true, got: got401(res), layer: 'easy-auth', retry: false };
        return {
            passed: false,
            got: got401(res),
            diagnosis: '401 came from the function key check, not Easy Auth: without a token Easy Auth must answer 401 with a ' +
                'Bearer challenge (requireAuthentication true, unauthenticatedClientAction Return401).',
            layer: 'function-key',
            retry: true
        };
    }
    if (res.status >= 200 && res.status < 300) {
        return {
            passed: false,
            got: String(res.status),
            diagnosis: 'Function reachable anonymously: Easy Auth did not require a token (platform.enabled and ' +
                'globalValidation.requireAuthentication must be true, and the path must not be excluded).',
            layer: 'function',
            retry: true
        };
    }
    if (res.status >= 300 && res.status < 400)
        return loginRedirect(res);
    if (res.status === 404 || res.status === 403) {
        return {
            passed: false,
            got: String(res.status),
            diagnosis: `Expected Easy Auth's 401 before routing, got ${res.status}: authentication is not enforced on this path.`,
            layer: 'function',
            retry: true
        };
    }
    return answer_transient(res, 'The Function');
}
/**
 * Classifies the direct call with the workflow's own token (a caller that is not APIM): passes only on 403
 * (Easy Auth authorization policy refused it). 2xx, or a 401 without a Bearer challenge (Easy Auth let it through
 * to the key check) → callers are not restricted to APIM; 401 with a challenge → inconclusive (Easy Auth rejected
 * the token itself, so the allow-list was not exercised); 3xx → login redirect.
 */
function classifyDirectForeign(res) {
    if (res.status === 403)
        return { passed: true, got: '403', layer: 'easy-auth', retry: false };
    const notRestricted = "callers are not restricted to APIM: Easy Auth accepted the workflow identity's token; set " +
        "defaultAuthorizationPolicy so only APIM's identity is allowed.";
    if (res.status >= 200 && res.status < 300) {
        return { passed: false, got: String(res.status), diagnosis: notRestricted, layer: 'function', retry: true };
    }
    if (res.status === 401 && !hasBearerChallenge(res)) {
        return {
            passed: false,
            got: got401(res),
            diagnosis: `${notRestricted} (the function key check answered after Easy Auth passed)`,
            layer: 'function-key',
            retry: true
        };
    }
    if (res.status === 401) {
        const detail = challengeError(res);
        return {
            passed: false,
            got: got401(res),
            diagnosis: "Inconclusive: Easy Auth rejected the workflow identity's token itself (401), so the caller allow-list " +
                `was not exercised (expected 403).${detail ? ` Function said: ${detail}` : ''}`,
            layer: 'easy-auth',
            retry: true
        };
    }
    if (res.status >= 300 && res.status < 400)
        return loginRedirect(res);
    return answer_transient(res, 'The Function');
}

;// CONCATENATED MODULE: ./src/smoke/classify-gateway.ts

/**
 * Classifies one gateway answer against `expected` (`200`, `2xx`, …).
 *
 * Failures, from status, headers and body: 3xx → login redirect; 500 + AADSTS500011 → token-resource not found
 * (C01, not retried); 5xx naming a managed identity → APIM managed identity missing (C10); 401 + IDX10214 →
 * audience rejected (C02), quoting the audience the Function reported (`Audiences: '…'`) — when it differs from
 * `hints.tokenResource`, the diagnosis says another element set the token instead of advising to allow it; 401 + issuer error (IDX10205/IDX10211/"issuer") → issuer rejected (C03); 401 naming a
 * subscription key → test-setup problem, not drift (C15, not retried); 401 with a Bearer challenge otherwise →
 * Easy Auth refused APIM's token; 401 without one → the function key check (C15, not retried); 403 → APIM's
 * identity not in the caller allow-list (C04); other 5xx/429 → transient. Bodies are scrubbed of JWTs.
 */
function classifyGateway(res, expected, hints = {}) {
    const body = res.body ?? '';
    if (statusMatches(res.status, expected))
        return { passed: true, got: String(res.status), layer: 'function', retry: false };
    if (res.status >= 300 && res.status < 400)
        return loginRedirect(res);
    const resource = hints.tokenResource ? `'${hints.tokenResource}'` : 'the configured token-resource';
    const apimFailure = res.status >= 500 ? tokenNotObtained(res.status, body, resource) : undefined;
    if (apimFailure)
        return apimFailure;
    if (res.status === 401)
        return gateway401(res, body, resource, hints);
    if (res.status === 403)
        return gateway403(res, body);
    if (res.status === 404) {
        return {
            passed: false,
            got: '404',
            diagnosis: `Not found: check smoke-path, the API's path and that an operation matches${res.body ? ` (${excerpt(body)})` : ''}.`,
            retry: false
        };
    }
    return answer_transient(res, 'The gateway');
}
/**
 * A 5xx in which APIM says why it could not get the managed-identity token: the resource is unknown (AADSTS500011,
 * C01) or the service has no usable identity (C10). Undefined for any other 5xx.
 */
function tokenNotObtained(status, body, resource) {
    if (/AADSTS500011/i.test(body)) {
        return {
            passed: false,
            got: `${status} (AADSTS500011)`,
            diagnosis: `APIM could not obtain a token: resource not found (AADSTS500011) for ${resource} — token-resource must ` +
                "be the app's client ID or a registered App ID URI (never an object ID or an unregistered api:// URI).",
            layer: 'apim',
            retry: false
        };
    }
    if (/managed identity|managed-identity|\bMSI\b/i.test(body)) {
        return {
            passed: false,
            got: `${status} (managed identity)`,
            diagnosis: 'APIM managed identity missing: the authentication-managed-identity policy ran but the service has no ' +
                `usable identity (enable the system-assigned identity, or set apim-identity-client-id). APIM said: ${excerpt(body)}`,
            layer: 'apim',
            retry: true
        };
    }
    return undefined;
}
/** A gateway 401: the subscription key, then Easy Auth (audience, issuer, any token), then the function key check. */
function gateway401(res, body, resource, hints) {
    const text = `${header(res, 'www-authenticate')} ${body}`;
    if (mentionsSubscriptionKey(res)) {
        return {
            passed: false,
            got: '401 (subscription key)',
            diagnosis: 'The gateway refused the subscription key (missing or invalid): a smoke-test setup problem, not drift. ' +
                'Give subscription-key, or smoke-subscription naming an active APIM subscription that covers this API.',
            layer: 'apim',
            retry: false
        };
    }
    const detail = challengeError(res) || excerpt(body);
    if (/IDX10214|audience/i.test(text))
        return audienceRejected(res, text, detail, resource, hints);
    if (/IDX10205|IDX10211|issuer/i.test(text))
        return issuerRejected(res, detail, hints);
    if (hasBearerChallenge(res)) {
        return {
            passed: false,
            got: got401(res),
            diagnosis: "Easy Auth refused the call: no acceptable token reached the Function (check that the API's inbound " +
                'policy runs authentication-managed-identity and that the change has propagated).' +
                (detail ? ` Function said: ${detail}` : ''),
            layer: 'easy-auth',
            retry: true
        };
    }
    return {
        passed: false,
        got: got401(res),
        diagnosis: '401 without a Bearer challenge after Easy Auth passed: the function key check refused (authLevel function ' +
            'requires x-functions-key). Keep the key in the APIM backend credentials, or make the function anonymous ' +
            '(Easy Auth protects it).',
        layer: 'function-key',
        retry: false
    };
}
/**
 * Easy Auth refused the token's audience (IDX10214, C02). When the audience the Function reported differs from
 * token-resource, another element set the token; otherwise the audience is missing from the allowed list.
 */
function audienceRejected(res, text, detail, resource, hints) {
    const auds = hints.allowedAudiences?.length ? hints.allowedAudiences.map((a) => `'${a}'`).join(', ') : 'unknown';
    const reported = reportedAudience(text);
    const differs = reported !== undefined &&
        hints.tokenResource !== undefined &&
        reported.toLowerCase() !== hints.tokenResource.toLowerCase();
    const said = detail ? ` Function said: ${detail}` : '';
    if (differs) {
        return {
            passed: false,
            got: got401(res),
            diagnosis: `Easy Auth rejected APIM's token: audience not allowed (IDX10214). The Function reported the token's aud ` +
                `as '${excerpt(reported, 120)}', not token-resource ${resource}: another authentication-managed-identity ` +
                "(or a set-header of Authorization) in the API's policy, or in a parent scope, set the token that " +
                `reached the Function. Make the managed element the last one that sets Authorization. Easy Auth ` +
                `accepts only (exact match): ${auds}.${said}`,
            layer: 'easy-auth',
            retry: true
        };
    }
    const aud = reported !== undefined ? `'${excerpt(reported, 120)}'` : resource;
    return {
        passed: false,
        got: got401(res),
        diagnosis: `Easy Auth rejected APIM's token: audience not allowed (IDX10214). The token's aud is ${aud}; Easy Auth ` +
            `accepts only (exact match): ${auds}. Add it to validation.allowedAudiences or use the client ID.${said}`,
        layer: 'easy-auth',
        retry: true
    };
}
/** Easy Auth refused the token's issuer (IDX10205/IDX10211, C03): v1 and v2 issuers differ. */
function issuerRejected(res, detail, hints) {
    const iss = hints.openIdIssuer ? `'${hints.openIdIssuer}'` : '(not known)';
    return {
        passed: false,
        got: got401(res),
        diagnosis: `Easy Auth rejected APIM's token: issuer not accepted. The configured openIdIssuer is ${iss}; managed ` +
            'identities get v1 tokens (iss https://sts.windows.net/<tenant>/) unless the app registration requests ' +
            'v2 (iss https://login.microsoftonline.com/<tenant>/v2.0).' +
            (detail ? ` Function said: ${detail}` : ''),
        layer: 'easy-auth',
        retry: true
    };
}
/** A gateway 403: APIM refused the subscription (setup), or Easy Auth's caller allow-list refused APIM (C04). */
function gateway403(res, body) {
    if (mentionsSubscriptionKey(res) || /subscription/i.test(body)) {
        return {
            passed: false,
            got: '403 (subscription)',
            diagnosis: `The gateway refused the subscription (a smoke-test setup problem, not drift): ${excerpt(body)}`,
            layer: 'apim',
            retry: false
        };
    }
    return {
        passed: false,
        got: '403',
        diagnosis: "APIM's identity is not in the caller allow-list: Easy Auth's defaultAuthorizationPolicy must list APIM's " +
            'client ID in allowedApplications or its object (principal) ID in allowedPrincipals.identities.',
        layer: 'easy-auth',
        retry: true
    };
}

;// CONCATENATED MODULE: ./src/smoke/request-failure.ts
/** The verdict on a smoke request that got no answer: a timeout or a network error. Pure. */

/** True for a rejection that is a timeout (AbortSignal.timeout's TimeoutError, undici/socket timeout codes). */
function isTimeout(err) {
    const e = err;
    if (!e)
        return false;
    if (e.name === 'TimeoutError')
        return true;
    if (typeof e.code === 'string' && /TIMEOUT|ETIMEDOUT/i.test(e.code))
        return true;
    return e.cause !== undefined && e.cause !== err && isTimeout(e.cause);
}
function timedOut(ms) {
    const s = Math.round(ms / 100) / 10;
    return {
        passed: false,
        got: `timed out after ${s} s`,
        diagnosis: `No answer within ${s} s: the Function or the gateway did not answer in time (a cold start, a slow or hung ` +
            'function, or a firewall dropping the connection). Check that the endpoint answers quickly from the runner.',
        retry: true
    };
}
/** The error code of a network failure (fetch wraps it in `cause`), e.g. `ENOTFOUND`, `ECONNREFUSED`. */
function netCode(err) {
    for (let e = err, i = 0; e && i < 4; e = e.cause, i++) {
        if (typeof e.code === 'string')
            return e.code;
    }
    return undefined;
}
function netError(err) {
    const code = netCode(err);
    const text = code ?? (err instanceof Error ? err.message : String(err));
    // A host name that does not resolve will not start resolving while we wait: final, not propagation.
    if (code === 'ENOTFOUND') {
        return {
            passed: false,
            got: `network error (${code})`,
            diagnosis: 'The host name does not resolve from the runner (ENOTFOUND): check the URL (API serviceUrl, gateway).',
            retry: false
        };
    }
    return {
        passed: false,
        got: `network error (${excerpt(text, 80)})`,
        diagnosis: 'The request did not get an answer (network error); the endpoint must be reachable from the runner.',
        retry: true
    };
}

;// CONCATENATED MODULE: ./src/smoke/checks.ts






const checks_DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';
/**
 * A `Send` over `http` whose every request gets {@link requestTimeoutMs} for the moment it is sent (`now`) and the
 * budget's `deadline` (ms); a timeout becomes `timed out after N s`, any other failure `network error (…)`.
 */
function smokeSender(http, method, now, deadline, budgetSeconds) {
    return async (url, headers) => {
        const timeoutMs = requestTimeoutMs(now(), deadline, budgetSeconds);
        try {
            return await http.request({ method, url, headers, timeoutMs });
        }
        catch (err) {
            return isTimeout(err) ? timedOut(timeoutMs) : netError(err);
        }
    };
}
const isResponse = (r) => 'status' in r;
/** The checks for `ctx`, in the order they run: gateways, then direct no-token, then direct foreign-token. */
function smokeChecks(settings, ctx, deps) {
    const hints = {
        tokenResource: ctx.tokenResource,
        allowedAudiences: ctx.allowedAudiences,
        openIdIssuer: ctx.openIdIssuer,
        appClientId: ctx.appClientId
    };
    const directs = directUrls(ctx.targets, settings.path);
    const scope = `${ctx.appClientId}/.default`;
    return [
        ...ctx.targets.map((t) => gatewayCheck(t, settings, ctx.subscriptionKey, hints, deps.send)),
        ...[...directs].map(([url, api]) => directNoTokenCheck(url, api, deps.send)),
        ...(ctx.allowedCallers === 'apim-only'
            ? [...directs].map(([url, api]) => foreignTokenCheck(url, api, scope, deps))
            : [])
    ];
}
/** Distinct direct URLs (`<serviceUrl><smokePath>`), each with the first API that reaches it. */
function directUrls(targets, smokePath) {
    const directs = new Map();
    for (const t of targets) {
        const url = directRequestUrl(t.serviceUrl, smokePath);
        if (!directs.has(url))
            directs.set(url, t.apiId);
    }
    return directs;
}
/** Client → APIM → Function for one API, with the subscription key when the API requires one. */
function gatewayCheck(t, settings, subscriptionKey, hints, send) {
    return {
        name: 'gateway',
        expected: settings.expectedStatus,
        api: t.apiId,
        attempt: async () => {
            const headers = {};
            if (t.subscriptionRequired) {
                if (!subscriptionKey)
                    return noSubscriptionKey(t.apiId);
                headers[t.subscriptionKeyHeader || checks_DEFAULT_KEY_HEADER] = subscriptionKey;
            }
            const r = await send(gatewayRequestUrl(t, settings.path), headers);
            return isResponse(r) ? classifyGateway(r, settings.expectedStatus, hints) : r;
        }
    };
}
function noSubscriptionKey(apiId) {
    return {
        passed: false,
        got: 'not sent',
        diagnosis: `API ${apiId} requires a subscription key and none was available: a smoke-test setup problem, ` +
            'not drift. Give subscription-key, or smoke-subscription naming a subscription that covers the API.',
        layer: 'apim',
        retry: false
    };
}
/** The Function without a token: Easy Auth must answer 401 with a Bearer challenge. */
function directNoTokenCheck(url, api, send) {
    return {
        name: 'direct-no-token',
        expected: '401 (Easy Auth Bearer challenge)',
        api,
        attempt: async () => {
            const r = await send(url, {});
            return isResponse(r) ? classifyDirectNoToken(r) : r;
        }
    };
}
/** The Function with the workflow identity's own token for `scope`: Easy Auth must refuse it with 403. */
function foreignTokenCheck(url, api, scope, deps) {
    return {
        name: 'direct-foreign-token',
        expected: '403',
        api,
        attempt: async () => {
            let token;
            try {
                token = await deps.tokens.getToken(scope);
            }
            catch (err) {
                return noToken(scope, err);
            }
            if (token)
                deps.secrets.push(token);
            const r = await deps.send(url, { Authorization: `Bearer ${token}` });
            return isResponse(r) ? classifyDirectForeign(r) : r;
        }
    };
}
function noToken(scope, err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
        passed: false,
        got: 'no token',
        diagnosis: `Could not obtain a token for '${scope}' as the workflow identity (${excerpt(msg, 200)}); the ` +
            'foreign-token check needs one. Set allowed-callers: tenant to skip it.',
        retry: false
    };
}

;// CONCATENATED MODULE: ./src/smoke/run.ts
/**
 * Runs the smoke checks inside one shared budget, retrying each while its failure may still be propagating (C17),
 * and reports them. HTTP and tokens only through the ports; `sleep`/`now` are injectable.
 */






const PROPAGATION_NOTE = 'Role or claim changes can take up to 24 h to show: APIM caches the managed-identity token until it expires and ' +
    'the managed-identity service caches tokens for up to 24 h.';
/** Thrown inside the retry loop when an attempt did not pass (its result is kept aside). */
class CheckFailed extends Error {
    constructor() {
        super('smoke check did not pass');
        this.name = 'CheckFailed';
    }
}
/**
 * Runs the smoke checks (sequentially, inside ONE shared budget of `settings.timeoutSeconds` s) and reports them.
 *
 * - `settings.path` empty → `{result: 'skipped'}` with a note; nothing is sent.
 * - Each check is retried with exponential backoff (`ports.backoff`, default 1 s ×2 up to 30 s; waits through
 *   `ports.sleep`, clamped to the remaining budget) while its failure may still be propagating (C17). Attempts and
 *   elapsed seconds are recorded per check; every check gets at least one attempt. When the budget is spent with
 *   a check still failing, the report is `failed` with each check's last result and a "not yet propagated" note.
 * - Each request is sent with `timeoutMs` = `requestTimeoutMs` (./budget.ts: min(15 s, remaining budget), at least 1 s;
 *   15 s when the budget is 0), so a request never runs far past the budget; a timeout is reported as
 *   `timed out after N s` (retried while budget remains), other network failures as `network error (…)`.
 * - Gateway checks run per API; direct checks once per distinct backend URL; the foreign-token check only with
 *   `allowedCallers: 'apim-only'`.
 * - The subscription key and tokens never appear in the report (all strings are scrubbed).
 *
 * @throws ActionError when the smoke path falls under an Easy Auth excluded path (C14) — main should have called
 *   {@link excludedPathConflict} before any write.
 */
async function runSmoke(settings, ctx, ports) {
    if (!settings.path) {
        return { result: 'skipped', checks: [], notes: ['smoke-path is empty: smoke checks skipped.'] };
    }
    for (const t of ctx.targets) {
        const conflict = excludedPathConflict(t.serviceUrl, settings.path, ctx.excludedPaths);
        if (conflict)
            throw new errors/* ActionError */.l(conflict);
    }
    const secrets = ctx.subscriptionKey ? [ctx.subscriptionKey] : [];
    const budget = startBudget(ports, settings.timeoutSeconds, secrets);
    const send = smokeSender(ports.http, settings.method || 'GET', budget.now, budget.deadline, budget.seconds);
    const specs = smokeChecks(settings, ctx, { send, tokens: ports.tokens, secrets });
    const checks = [];
    let budgetSpent = false;
    for (const spec of specs) {
        const { check, exhausted } = await runCheck(spec, budget);
        if (exhausted)
            budgetSpent = true;
        checks.push(check);
    }
    const passed = checks.every((c) => c.passed);
    const notes = smokeNotes(checks, budgetSpent, settings.timeoutSeconds, ctx.changedNow);
    const report = { result: passed ? 'passed' : 'failed', checks, notes };
    return (0,src_secrets/* scrubDeep */.wE)(report, secrets);
}
/**
 * The budget of a run starting now: `timeoutSeconds` (negative counts as 0) from the ports' clock, and the progress
 * reporter over `ports.onAttempt` (its texts scrubbed of `secrets`; its exceptions swallowed).
 */
function startBudget(ports, timeoutSeconds, secrets) {
    const now = ports.now ?? (() => Date.now());
    const sleep = ports.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const backoff = ports.backoff ?? DEFAULT_BACKOFF;
    const deadline = now() + Math.max(0, timeoutSeconds) * 1000;
    const onAttempt = ports.onAttempt;
    const report = (a) => {
        if (!onAttempt)
            return;
        const full = { ...a, remainingMs: Math.max(0, deadline - now()), budgetSeconds: Math.max(0, timeoutSeconds) };
        const attempt = (0,src_secrets/* scrubDeep */.wE)({ ...full, text: attemptText(full) }, [...secrets]);
        try {
            onAttempt(attempt);
        }
        catch {
            // Progress is for people; it never changes a check's result.
        }
    };
    return { now, sleep, backoff, deadline, seconds: timeoutSeconds, report };
}
/**
 * One attempt as a log line: the check (and API), the attempt number, what it got, and what happens next — the wait
 * before the next attempt and the time left in the budget, or why there is none. E.g.
 * `smoke gateway (orders) attempt 2: got 401 (Bearer challenge); next attempt in 4 s, 286 s of 300 s left`,
 * `smoke gateway (orders) attempt 3: got 200, passed (283 s of 300 s left)`,
 * `smoke direct-no-token attempt 1: got 200, failed (not retried: not a propagation delay)`.
 */
function attemptText(a) {
    const what = `smoke ${a.check}${a.api !== undefined ? ` (${a.api})` : ''} attempt ${a.attempt}: got ${a.got}`;
    const left = a.budgetSeconds > 0 ? `${secsText(a.remainingMs)} of ${a.budgetSeconds} s left` : 'no retry budget';
    if (a.passed)
        return (0,src_secrets/* scrub */._I)(`${what}, passed (${left})`);
    if (a.nextWaitMs !== undefined)
        return (0,src_secrets/* scrub */._I)(`${what}; next attempt in ${secsText(a.nextWaitMs)}, ${left}`);
    if (a.final === 'budget-spent') {
        return (0,src_secrets/* scrub */._I)(`${what}, failed (${a.budgetSeconds > 0 ? `smoke budget of ${a.budgetSeconds} s spent` : left})`);
    }
    return (0,src_secrets/* scrub */._I)(`${what}, failed (not retried: not a propagation delay)`);
}
/** Milliseconds as whole seconds, or tenths below 10 s (`4 s`, `0.5 s`). */
function secsText(ms) {
    const s = Math.max(0, ms) / 1000;
    return `${s >= 10 || Number.isInteger(s) ? Math.round(s) : s.toFixed(1)} s`;
}
/**
 * Runs one check to its result: attempts until it passes, fails for good, or the budget ends. `exhausted`: the
 * budget ran out with the check still failing in a way that may be propagating.
 */
async function runCheck(spec, budget) {
    const started = budget.now();
    const { last, attempts } = await attemptCheck(spec, budget);
    const c = last ?? { passed: false, got: 'not run', retry: false };
    const seconds = Math.round((budget.now() - started) / 100) / 10;
    const exhausted = !c.passed && c.retry && budget.now() >= budget.deadline && budget.seconds > 0;
    return { check: checkResult(spec, c, attempts, seconds, exhausted ? budget.seconds : undefined), exhausted };
}
/** The attempts of one check, with backoff waits clamped to the budget; returns the last verdict and the count. */
async function attemptCheck(spec, budget) {
    const { now, sleep, backoff, deadline } = budget;
    const waitBefore = (attemptNumber) => Math.max(0, Math.min(backoffDelayMs(attemptNumber - 1, backoff), deadline - now()));
    let attempts = 0;
    let last;
    try {
        await (0,p_retry/* default */.Ay)(async (attemptNumber) => {
            if (attemptNumber > 1)
                await sleep(waitBefore(attemptNumber));
            attempts = attemptNumber;
            last = await spec.attempt();
            const base = {
                check: spec.name,
                ...(spec.api !== undefined ? { api: spec.api } : {}),
                attempt: attemptNumber,
                got: last.got,
                passed: last.passed
            };
            if (last.passed) {
                budget.report(base);
                return;
            }
            if (!last.retry) {
                budget.report({ ...base, final: 'not-retryable' });
                throw new p_retry/* AbortError */.lc(new CheckFailed());
            }
            // The same test p-retry's shouldRetry makes next: another attempt only while the budget lasts.
            if (now() < deadline)
                budget.report({ ...base, nextWaitMs: waitBefore(attemptNumber + 1) });
            else
                budget.report({ ...base, final: 'budget-spent' });
            throw new CheckFailed();
        }, 
        // p-retry drives the attempts; waits happen above through the injected sleep, so its own delay is 0.
        {
            retries: Number.POSITIVE_INFINITY,
            minTimeout: 0,
            maxTimeout: 0,
            factor: 1,
            shouldRetry: () => now() < deadline
        });
    }
    catch (err) {
        if (!(err instanceof CheckFailed))
            throw err; // a bug, not a check result
    }
    return { last, attempts };
}
/**
 * One check's line in the report. `spentBudgetSeconds` (given when the budget ran out with the check still failing
 * in a way that may be propagating, C17) puts "not yet propagated" in the check's own diagnosis, which is what the
 * step's failure message quotes, with its last status.
 */
function checkResult(spec, c, attempts, seconds, spentBudgetSeconds) {
    const diagnosis = spentBudgetSeconds !== undefined
        ? `not yet propagated (smoke budget of ${spentBudgetSeconds} s spent; last ${c.got} after ` +
            `${attempts} attempt${attempts === 1 ? '' : 's'} / ${seconds} s)${c.diagnosis ? `: ${c.diagnosis}` : ''}`
        : c.diagnosis;
    return {
        name: spec.name,
        expected: spec.expected,
        got: c.got,
        passed: c.passed,
        attempts,
        seconds,
        ...(diagnosis && !c.passed ? { diagnosis } : {}),
        ...(c.layer ? { layer: c.layer } : {}),
        ...(spec.api !== undefined ? { api: spec.api } : {})
    };
}
/** Notes on the run: checks that passed only after retries, a spent budget, and the token-cache note. */
function smokeNotes(checks, budgetSpent, timeoutSeconds, changedNow) {
    const notes = [];
    for (const c of checks) {
        if (c.passed && c.attempts > 1) {
            notes.push(`${label(c)} ${c.got} after ${c.attempts} attempts / ${c.seconds} s`);
        }
    }
    if (budgetSpent) {
        notes.push(`not yet propagated: the smoke budget of ${timeoutSeconds} s is spent; last result per check: ` +
            checks.map((c) => `${label(c)} ${c.got}`).join('; ') +
            '. Easy Auth changes can take up to ~30 min to reach the workers: re-run later or raise smoke-timeout-seconds.');
    }
    if (changedNow !== false)
        notes.push(PROPAGATION_NOTE);
    return notes;
}
function label(c) {
    return c.api !== undefined ? `${c.name}[${c.api}]` : c.name;
}

;// CONCATENATED MODULE: ./src/smoke.ts
/**
 * Smoke requests that prove the auth chain end to end, and the classification of their answers into messages a
 * person can act on. Pure logic: HTTP and tokens only through `HttpPort`/`TokenPort` (src/ports.ts); `sleep`/`now`
 * are injectable.
 *
 * Checks (DESIGN §3, field cases C01 C03 C10 C14 C15 C17):
 * 1. gateway, per API: `<gatewayUrl>/<apiPath><smoke-path>` (+ subscription key header when the API requires one)
 *    → the expected status (exact, or a class such as `2xx`).
 * 2. direct-no-token: `<serviceUrl><smoke-path>` → 401 with a `WWW-Authenticate: Bearer …` challenge, which proves
 *    Easy Auth refused (the Functions host key check answers 401 without a Bearer challenge — C15).
 * 3. direct-foreign-token (allowed-callers = apim-only): the workflow's own token for `<appClientId>/.default` → 403
 *    (Easy Auth's `defaultAuthorizationPolicy` refuses callers other than APIM — Learn "Configure Microsoft Entra
 *    authentication for App Service: use a built-in authorization policy").
 * A 3xx is never followed (HttpPort uses `redirect: manual`): it means `unauthenticatedClientAction` is
 * `RedirectToLoginPage` instead of `Return401` (authsettingsV2 REST reference, `GlobalValidation`).
 *
 * The code lives in src/smoke/: types.ts (targets, context, ports, verdicts), answer.ts (reading one answer),
 * classify-gateway.ts and classify-direct.ts (the verdicts), request-failure.ts (timeouts, network errors), urls.ts
 * (request URLs, excluded-path conflict), budget.ts (backoff, request timeouts), checks.ts (the checks to run) and
 * run.ts (`runSmoke`: retries inside the budget, the report). This module is their public face.
 */








;// CONCATENATED MODULE: ./src/smoke-context.ts
/**
 * The smoke requests' context for one target, from what ARM said (gatewayUrl, each API's path, serviceUrl and
 * subscription-key header) and the plan's facts, plus the subscription key when the gateway needs one (ARM
 * `listSecrets` of the smoke subscription, masked at once).
 */



/** Smoke targets from what ARM said (gatewayUrl, API path, serviceUrl), and the subscription key when needed. */
async function smokeContext(settings, observed, plan, ports) {
    const gatewayUrl = String((0,json_path/* getPath */.Yn)(observed.service, ['properties', 'gatewayUrl']) ?? '');
    const targets = observed.apis.map((a) => {
        const p = (a.api.properties ?? {});
        return {
            apiId: a.apiId,
            gatewayUrl,
            apiPath: p.path ?? '',
            serviceUrl: p.serviceUrl ?? '',
            subscriptionRequired: p.subscriptionRequired !== false,
            subscriptionKeyHeader: p.subscriptionKeyParameterNames?.header ?? 'Ocp-Apim-Subscription-Key'
        };
    });
    if (settings.smoke.path) {
        for (const t of targets) {
            if (!t.serviceUrl) {
                throw new errors/* ActionError */.l(`API ${t.apiId} has no serviceUrl: the direct smoke requests need the backend URL.`);
            }
            const conflict = excludedPathConflict(t.serviceUrl, settings.smoke.path, plan.facts.excludedPaths);
            if (conflict)
                throw new errors/* ActionError */.l(conflict);
        }
    }
    let subscriptionKey = settings.smoke.subscriptionKey;
    if (settings.smoke.path && !subscriptionKey && targets.some((t) => t.subscriptionRequired)) {
        try {
            const keys = await ports.arm.listSubscriptionSecrets(settings.smoke.subscriptionName);
            subscriptionKey = keys.primaryKey ?? keys.secondaryKey;
            if (subscriptionKey)
                ports.mask(subscriptionKey);
        }
        catch (e) {
            ports.log.warning(`Could not fetch a key of APIM subscription '${settings.smoke.subscriptionName}' (${e.message}); ` +
                'set the input subscription-key or smoke-subscription. The gateway check will report a missing key.');
        }
    }
    return {
        targets,
        subscriptionKey,
        appClientId: plan.facts.appClientId ?? '',
        tokenResource: plan.facts.tokenResource ?? plan.facts.appClientId ?? '',
        allowedCallers: settings.allowedCallers,
        excludedPaths: plan.facts.excludedPaths,
        openIdIssuer: plan.facts.openIdIssuer,
        allowedAudiences: plan.facts.effectiveAudiences
    };
}

// EXTERNAL MODULE: ./src/snapshot/capture.ts
var capture = __webpack_require__(466);
;// CONCATENATED MODULE: ./src/snapshot/restore-plan.ts
/**
 * Planning a restore (issue "Snapshot and restore", items 2 and 3), pure: given a snapshot and a fresh read of each of
 * its resources now, decide per resource whether to put the earlier document back, leave it (already as before), keep
 * it (the system-assigned identity: never removed) or refuse (someone changed it after this action's write, the copy
 * was scrubbed, or the restore body would change something the action does not own). The restore writes go through
 * the same last-line guard as apply's (src/write-guard.ts), mirrored: what a restore may change is exactly what the
 * write it undoes changed.
 */




/** Why the identity is never removed, for the log and the report. */
const IDENTITY_KEPT = 'kept: the system-assigned identity is never removed (removing it deletes its service principal and every role ' +
    'assignment other teams made for it)';
const restore_plan_OWNED = Object.values(easy_auth/* EASY_AUTH_PATHS */.PV);
/**
 * What a policy this action created from nothing holds besides its owned elements (src/policy/splice.ts
 * newDocument): `<base />` in every section. Deleting a policy is a restore only when the policy now is this, once the
 * owned elements are set aside (canonically: APIM's save normalisation may reformat it).
 */
const CREATED_SKELETON = [
    '<policies>',
    ...['inbound', 'backend', 'outbound', 'on-error'].flatMap((s) => [`    <${s}>`, '        <base />', `    </${s}>`]),
    '</policies>',
    ''
].join('\n');
/** ETags compare without quotes and the weak prefix (`W/"x"` = `"x"` = `x`; RFC 9110 weak comparison). */
function sameEtag(a, b) {
    const n = (e) => (e ?? '').trim().replace(/^W\//, '').replace(/"/g, '');
    return n(a) !== '' && n(a) === n(b);
}
/** What a resource that reads as before the run is, when this run's write of it had an unknown outcome. */
const MAY_STILL_LAND = "as before the run when read, but this run's write of it ended without an answer and may still take effect: check " +
    'it in a minute (run mode: check)';
/**
 * One step per resource of `snapshot`, in its order (apply order), from `current` (what a fresh read found now).
 * `namedValues` (optional) resolves `{{named value}}` resources when judging policy ownership (an automatic restore
 * has them from the run's reads; a restore from a file does not, and then refuses rather than guesses).
 * `opts.recent`: the restore follows the writes at once (`on-failure: restore`): a write of unknown outcome (a timeout,
 * a 5xx) may still be in flight, so a resource that reads as before is `unsure`, not `unchanged` (a later `mode:
 * restore` reads what such a write did long ago). Pure.
 */
function planRestore(snapshot, current, namedValues, opts = {}) {
    const asBefore = (r) => opts.recent && r.after?.state === 'unknown'
        ? { action: 'unsure', reason: MAY_STILL_LAND }
        : { action: 'unchanged', reason: 'already as before the run' };
    return snapshot.resources.map((r) => {
        const base = { kind: r.kind, resourceId: r.resourceId, label: r.label };
        if (r.kind === 'apim-identity') {
            return { ...base, action: r.after ? 'keep' : 'unchanged', reason: r.after ? IDENTITY_KEPT : 'not written' };
        }
        if (r.scrubbed) {
            return {
                ...base,
                action: 'refuse',
                reason: 'its copy in the snapshot held a secret-looking value and was scrubbed: restore it by hand'
            };
        }
        const d = r.kind === 'easy-auth'
            ? planEasyAuthRestore(r, current.easyAuth)
            : planPolicyRestore(r, findPolicy(current, r.apiId), namedValues);
        return { ...base, ...(d.action === 'unchanged' ? asBefore(r) : d) };
    });
}
function findPolicy(current, apiId) {
    return Object.entries(current.policies).find(([id]) => id.toLowerCase() === apiId.toLowerCase())?.[1];
}
/**
 * Easy Auth (authsettingsV2 has no ETag): as before → unchanged; equal to what the action's write left (`after`) →
 * PUT the earlier `properties` back into the current document; anything else → refused (changed after the write),
 * naming the paths that differ from the recorded after. The body is guarded with guardEasyAuthWrite mirrored: the
 * current document may differ from the restore body only in the owned paths, as the write being undone did.
 */
function planEasyAuthRestore(r, now) {
    const before = r.before.properties;
    const nowProps = (0,json_path/* isPlainObject */.Qd)(now?.properties) ? now.properties : undefined;
    if (!now || !nowProps)
        return { action: 'refuse', reason: 'no current Easy Auth document to compare with' };
    if ((0,json_path/* deepEqual */.bD)(nowProps, before))
        return { action: 'unchanged', reason: 'already as before the run' };
    const after = r.after?.document?.properties;
    if (!after) {
        return { action: 'refuse', reason: 'it differs from the snapshot and no write of it by this action was recorded' };
    }
    if (!(0,json_path/* deepEqual */.bD)(nowProps, after)) {
        const paths = guardEasyAuthWrite({ properties: after }, now, []).slice(0, 10);
        return {
            action: 'refuse',
            reason: `someone changed it after this action's write (differs from the recorded after at ${paths.join(', ')})`
        };
    }
    const body = { ...structuredClone(now), properties: structuredClone(before) };
    const refused = guardEasyAuthWrite(body, now, restore_plan_OWNED);
    if (refused.length) {
        return {
            action: 'refuse',
            reason: `the restore would change settings this action does not own (${refused.slice(0, 10).join(', ')})`
        };
    }
    return {
        action: 'write',
        reason: "equal to what this action's write left",
        write: { op: 'put-authsettings-v2', body, expect: nowProps },
        before
    };
}
/**
 * A policy: as before (semantically) → unchanged; the ETag now is the one this action's write returned → PUT the
 * earlier text back with If-Match on that ETag (or DELETE, If-Match, when the API had no policy and the policy now
 * holds nothing but the owned elements and `<base />`s — else refused: the DELETE would take the user's elements with
 * it); anything else →
 * refused (changed after the write). A write of unknown outcome has no ETag: its document is ours only when it is the
 * text that was sent (semantically), and then the ETag just read is the If-Match. The restore body is guarded like
 * apply's (guardPolicyWrite: byte for byte outside the owned elements); bytes that differ only by APIM's save
 * normalisation (canonically equal outside the owned elements) pass.
 */
function planPolicyRestore(r, now, namedValues) {
    const before = r.before;
    if (same(before.value, now?.value))
        return { action: 'unchanged', reason: 'already as before the run' };
    const after = r.after?.document;
    if (!after) {
        return { action: 'refuse', reason: 'it differs from the snapshot and no write of it by this action was recorded' };
    }
    if (!now)
        return { action: 'refuse', reason: "someone deleted it after this action's write" };
    const ours = after.etag ? sameEtag(now.etag, after.etag) : same(after.value, now.value);
    if (!ours) {
        const why = after.etag ? `ETag now ${now.etag ?? 'none'}, after this action's write ${after.etag}` : 'its text';
        return { action: 'refuse', reason: `someone changed it after this action's write (${why})` };
    }
    const ifMatch = after.etag ?? now.etag ?? '';
    if (!ifMatch)
        return { action: 'refuse', reason: 'no ETag to guard the restore write with If-Match' };
    if (before.value === undefined) {
        // The API had no policy: the document should be the one this action created (its ETag says so). A DELETE removes
        // the whole document, so it goes only when nothing but the owned elements is in it — never on the word of a
        // snapshot file alone (a hand-edited one may drop "before" from an API whose policy is the user's).
        const extra = guardPolicyRestore(now.value, CREATED_SKELETON, r.ownership, namedValues);
        if (extra.length) {
            return {
                action: 'refuse',
                reason: 'the snapshot says the API had no policy, but the policy now holds elements this action does not own: ' +
                    `deleting it would remove them (${extra.join('; ')})`
            };
        }
        return {
            action: 'write',
            reason: 'created by this action',
            write: { op: 'delete-api-policy', apiId: r.apiId, ifMatch },
            before
        };
    }
    const refused = guardPolicyRestore(now.value, before.value, r.ownership, namedValues);
    if (refused.length)
        return { action: 'refuse', reason: `the restore guard refused it: ${refused.join('; ')}` };
    return {
        action: 'write',
        reason: "its ETag is the one this action's write returned",
        write: { op: 'put-api-policy', apiId: r.apiId, value: before.value, ifMatch },
        before
    };
}
function same(a, b) {
    if (a === undefined || b === undefined)
        return a === b;
    try {
        return policiesEquivalent(a, b);
    }
    catch {
        return a === b;
    }
}
/**
 * The policy restore's guard: the restore body (`outgoing`, the text before the run) against the policy now
 * (`current`, what the action's write left), outside the owned elements — byte for byte (guardPolicyWrite), or, when
 * only APIM's save normalisation differs (line endings, indentation, `<x/>`; DESIGN §3), canonically. Returns the
 * problems, empty when the write may go. Pure.
 */
function guardPolicyRestore(current, outgoing, own, namedValues) {
    const ownership = { ...own, ...(namedValues ? { namedValues } : {}) };
    const bytes = guardPolicyWrite(current, outgoing, ownership);
    if (bytes.length === 0)
        return [];
    const opts = {
        dropOwned: true,
        acceptableResources: own.resources,
        keyHeader: own.keyHeader,
        keyQuery: own.keyQuery,
        ...(namedValues ? { namedValues } : {})
    };
    try {
        const a = JSON.stringify(canonicalPolicy(current, opts));
        return a === JSON.stringify(canonicalPolicy(outgoing, opts)) ? [] : bytes;
    }
    catch {
        return bytes;
    }
}
/**
 * Easy Auth after a restore against the `properties` before the run: the paths whose values differ (an empty list or
 * object counts as absent, as apply's read-back check has it), and whether the two are equal as JSON. Pure.
 */
function easyAuthRestoreProblems(before, after) {
    const a = (0,json_path/* isPlainObject */.Qd)(after) && (0,json_path/* isPlainObject */.Qd)(after.properties) ? after.properties : undefined;
    if (!a)
        return { problems: ['no Easy Auth document after the restore'], exact: false };
    if ((0,json_path/* deepEqual */.bD)(a, before))
        return { problems: [], exact: true };
    const empty = (v) => v === undefined ||
        v === null ||
        (Array.isArray(v) && v.length === 0) ||
        ((0,json_path/* isPlainObject */.Qd)(v) && Object.keys(v).length === 0);
    const problems = new Set();
    for (const [p] of [...(0,json_path/* leaves */.FQ)(before), ...(0,json_path/* leaves */.FQ)(a)]) {
        const [x, y] = [(0,json_path/* getPath */.Yn)(before, p), (0,json_path/* getPath */.Yn)(a, p)];
        if (!(empty(x) && empty(y)) && !(0,json_path/* deepEqual */.bD)(x, y) && !((0,json_path/* isPlainObject */.Qd)(x) && (0,json_path/* isPlainObject */.Qd)(y))) {
            problems.add((0,json_path/* pathToString */.uj)(p));
        }
    }
    return { problems: [...problems], exact: false };
}

;// CONCATENATED MODULE: ./src/snapshot/restore.ts
/**
 * Executing a restore (issue "Snapshot and restore", items 2 and 3): read every resource of the snapshot now, plan
 * (./restore-plan.ts, pure), refuse everything before any write when one resource cannot be restored safely, then put
 * back Easy Auth and the policies in apply order — Easy Auth first, so callers are accepted again as early as possible
 * — each write read back and verified. A 412 (the policy's ETag is no longer the one this action's write returned)
 * stops the restore and says so; so does any other failure, with what was and was not restored.
 */





/** The fresh reads a restore plans on: Easy Auth when the snapshot holds it, each snapshot policy (404 → none). */
async function readCurrent(arm, snapshot) {
    const kinds = new Set(snapshot.resources.map((r) => r.kind));
    const apiIds = snapshot.resources.flatMap((r) => (r.kind === 'api-policy' ? [r.apiId] : []));
    const [easyAuth, policies] = await Promise.all([
        kinds.has('easy-auth') ? arm.getAuthSettingsV2() : undefined,
        Promise.all(apiIds.map(async (id) => [id, await arm.getApiPolicy(id)]))
    ]);
    return { ...(easyAuth ? { easyAuth } : {}), policies: Object.fromEntries(policies) };
}
/**
 * Restores `snapshot`: fresh reads, the plan, then the writes. When any resource is refused (changed after this
 * action's write, scrubbed copy, a guard), nothing is written and `problem` says why, per resource. Never throws for
 * a refused or failed write (the report says what happened); throws what a read throws (ArmError, ReadShapeError).
 * `namedValues`: resolved `{{named values}}` for the policy guard, when the caller has them.
 */
async function restoreSnapshot(snapshot, arm, log, opts) {
    const current = await readCurrent(arm, snapshot);
    const steps = planRestore(snapshot, current, opts.namedValues, { recent: opts.trigger !== 'requested' });
    const refused = steps.filter((s) => s.action === 'refuse');
    if (refused.length) {
        const problem = `Nothing was restored: ${refused.map((s) => `${s.label}: ${s.reason}`).join('; ')}.`;
        log.warning(problem);
        const items = steps.map((s) => item(s, s.action === 'refuse' ? 'not-restored' : quietState(s), s.reason));
        return { trigger: opts.trigger, items, problem, refused: true };
    }
    return executeRestore(steps, arm, log, opts.trigger);
}
/**
 * The report of a restore whose fresh reads failed (nothing written): still one item per resource of `snapshot` — the
 * identity kept (when the run enabled it), each resource the run wrote not restored, each it did not write not
 * attempted — so the report says what stays as the run left it. `problem`: why (the read's error). Pure.
 */
function unreadRestore(snapshot, trigger, problem) {
    const items = snapshot.resources.map((r) => {
        const base = { label: r.label, kind: r.kind, resourceId: r.resourceId };
        if (r.kind === 'apim-identity') {
            return { ...base, state: r.after ? 'kept' : 'unchanged', detail: r.after ? IDENTITY_KEPT : 'not written' };
        }
        if (!r.after)
            return { ...base, state: 'not-attempted', detail: 'no write of it was sent by this run' };
        return {
            ...base,
            state: 'not-restored',
            detail: 'left as the run wrote it: the fresh read before the restore failed'
        };
    });
    return { trigger, items, problem, refused: true };
}
/** The state of a step that writes nothing: kept (identity), unchanged, unknown (may still change), or not attempted. */
function quietState(s) {
    if (s.action === 'unsure')
        return 'unknown';
    return s.action === 'keep' ? 'kept' : s.action === 'unchanged' ? 'unchanged' : 'not-attempted';
}
function item(s, state, detail) {
    return { label: s.label, kind: s.kind, resourceId: s.resourceId, state, detail };
}
/** A restore write's failure, with how far it got. */
class RestoreFailure extends Error {
    state;
    constructor(message, state) {
        super(message);
        this.state = state;
    }
}
/** Runs the steps in order; the first failure stops it (later writes: not attempted). */
async function executeRestore(steps, arm, log, trigger) {
    const items = [];
    let problem;
    for (const s of steps) {
        if (s.action !== 'write' || !s.write) {
            const detail = s.action === 'keep' ? IDENTITY_KEPT : s.reason;
            items.push(item(s, quietState(s), detail));
            log.info(`${s.label}: ${s.action === 'keep' ? IDENTITY_KEPT : `not restored (${s.reason})`}`);
            continue;
        }
        if (problem) {
            items.push(item(s, 'not-attempted', 'not attempted after an earlier restore failure'));
            continue;
        }
        try {
            const detail = await restoreOne(s, s.write, arm);
            items.push(item(s, 'restored', detail));
            log.info(`${s.label}: restored (${detail})`);
        }
        catch (e) {
            const f = e instanceof RestoreFailure ? e : new RestoreFailure(e.message, 'unknown');
            items.push(item(s, f.state, f.message));
            problem = `${s.label}: ${f.message}`;
            log.warning(`Restore stopped: ${problem}`);
        }
    }
    return { trigger, items, ...(problem ? { problem: `Restore stopped: ${problem}` } : {}) };
}
/** One restore write → read back → verify; returns the detail line, throws RestoreFailure. */
async function restoreOne(s, w, arm) {
    if (w.op === 'put-authsettings-v2') {
        // authsettingsV2 has no ETag: read it again right before the PUT, and write only over what this action left.
        const again = await restore_stage('not-restored', () => arm.getAuthSettingsV2());
        if (!(0,json_path/* deepEqual */.bD)(again.properties, w.expect)) {
            throw new RestoreFailure('changed by someone else a moment ago (no ETag to guard it): nothing overwritten', 'not-restored');
        }
        await send(() => arm.putAuthSettingsV2(w.body));
        const after = await restore_stage('restored-unverified', () => arm.getAuthSettingsV2());
        const { problems, exact } = easyAuthRestoreProblems(s.before, after);
        if (problems.length)
            throw new RestoreFailure(`read back differs at ${problems.join(', ')}`, 'restored-unverified');
        return exact ? 'read back equal to the document before the run (as JSON)' : 'read back as before the run';
    }
    if (w.op === 'delete-api-policy' && !arm.deleteApiPolicy) {
        throw new RestoreFailure('this ArmPort cannot delete a policy', 'not-restored');
    }
    if (w.op === 'delete-api-policy')
        await send(() => arm.deleteApiPolicy(w.apiId, w.ifMatch));
    else
        await send(() => arm.putApiPolicy(w.apiId, w.value, w.ifMatch));
    const after = await restore_stage('restored-unverified', () => arm.getApiPolicy(w.apiId));
    const problem = policyRestoreProblem(s.before.value, after);
    if (problem)
        throw new RestoreFailure(problem, 'restored-unverified');
    return w.op === 'delete-api-policy'
        ? 'the policy this action created was deleted (the API had none)'
        : 'read back equal to the policy before the run (after APIM save normalisation)';
}
/** The policy read back after a restore against the text before the run (undefined: none), or undefined when equal. */
function policyRestoreProblem(before, after) {
    if (before === undefined)
        return after ? 'a policy is still there after the delete' : undefined;
    if (!after)
        return 'no policy after the restore';
    try {
        return policiesEquivalent(before, after.value) ? undefined : 'read back differs from the policy before the run';
    }
    catch {
        return 'the policy read back cannot be parsed';
    }
}
/** Runs a read; its failure becomes a RestoreFailure in `state`. */
async function restore_stage(state, f) {
    try {
        return await f();
    }
    catch (e) {
        throw e instanceof RestoreFailure ? e : new RestoreFailure(`read failed: ${e.message}`, state);
    }
}
/** Sends a restore write: a 412 means someone changed it since this action's write; a 4xx wrote nothing. */
async function send(f) {
    try {
        await f();
    }
    catch (e) {
        if (e instanceof ports/* ArmError */.dW && e.status === 412 && !e.accepted) {
            throw new RestoreFailure("changed by someone else since this action's write (ETag mismatch, 412): nothing was overwritten; the " +
                'snapshot still holds the document before the run', 'not-restored');
        }
        const clear = e instanceof ports/* ArmError */.dW && e.status >= 400 && e.status < 500 && !e.accepted;
        throw new RestoreFailure(e.message, clear ? 'not-restored' : 'unknown');
    }
}
/** Items restored, for messages: `restored: A, B; kept: C (never removed); …`. */
function describeRestore(report) {
    const by = (st) => report.items.filter((i) => i.state === st).map((i) => i.label);
    const parts = [
        `restored: ${by('restored').join(', ') || 'nothing'}`,
        ...(by('restored-unverified').length ? [`written, not verified: ${by('restored-unverified').join(', ')}`] : []),
        ...(by('unknown').length ? [`outcome unknown (check it): ${by('unknown').join(', ')}`] : []),
        ...(by('unchanged').length ? [`already as before: ${by('unchanged').join(', ')}`] : []),
        ...(by('not-restored').length ? [`not restored: ${by('not-restored').join(', ')}`] : []),
        ...(by('not-attempted').length ? [`not attempted: ${by('not-attempted').join(', ')}`] : []),
        ...(by('kept').length ? [`kept: ${by('kept').join(', ')} (a system-assigned identity is never removed)`] : [])
    ];
    return parts.join('; ');
}
/** Throws ActionError (nothing written) when a restore was refused before any write; names the snapshot. */
function throwIfRefused(report, source) {
    if (report.refused) {
        const why = (report.problem ?? '').replace(/^Nothing was restored: /, '').replace(/\.$/, '');
        throw new errors/* ActionError */.l(`Nothing was changed: the snapshot ${source} cannot be restored: ${why}.`);
    }
}

// EXTERNAL MODULE: ./src/snapshot/schema.ts
var schema = __webpack_require__(7989);
;// CONCATENATED MODULE: ./src/snapshot/restore-target.ts
/**
 * Restore inside the per-target flow (src/target.ts): the automatic one after a failed apply or failed smoke requests
 * (`on-failure: restore`), and `mode: restore` with `snapshot: <path>` (a later rollback by hand). Both put back
 * Easy Auth and the API policies from the target's snapshot through the guards of ./restore-plan.ts; the
 * system-assigned identity is never removed.
 */






/**
 * With `on-failure: restore`, after apply failed (having sent a write) or the smoke requests failed after apply: puts
 * the snapshot's Easy Auth and policies back. Returns the restore report, or undefined when nothing is to be done
 * (`keep`, no failure, no write sent). Never throws: a read that fails is the report's `problem` (nothing restored;
 * each resource still listed, see unreadRestore).
 */
async function restoreOnFailure(settings, session, facts, ports) {
    if (settings.mode !== 'apply' || settings.onFailure !== 'restore' || !session?.wroteAnything)
        return undefined;
    const trigger = facts.applyError ? 'apply-failed' : facts.smoke?.result === 'failed' ? 'smoke-failed' : undefined;
    if (!trigger)
        return undefined;
    const why = trigger === 'apply-failed' ? 'apply failed after writes' : 'the smoke requests failed after apply';
    return group(ports.log, 'Restore (on-failure: restore)', async () => {
        ports.log.info(`on-failure: restore — ${why}; putting Easy Auth and the API policies back as they were.`);
        try {
            return await restoreSnapshot(session.snapshot, ports.arm, ports.log, {
                trigger,
                ...(facts.namedValues ? { namedValues: facts.namedValues } : {})
            });
        }
        catch (e) {
            const problem = `Nothing was restored: the fresh reads before the restore failed (${e.message}).`;
            ports.log.warning(problem);
            return unreadRestore(session.snapshot, trigger, problem);
        }
    });
}
/** The text added to the run's failure after an automatic restore: what was restored, and any problem. */
function restoreSentence(report) {
    return `On failure (restore): ${describeRestore(report)}.${report.problem ? ` ${report.problem}` : ''}`;
}
/**
 * `mode: restore`: loads `settings.snapshotPath` (ports.snapshots), refuses before any write a file that is not a
 * snapshot of this schema version, of another target, or with a resource someone changed after this action's write
 * (ActionError "Nothing was changed: …"), then restores it. The report's verdict is `restored`, or `failed` when a
 * restore write failed (the report says what was and was not restored). `started`: ms since the epoch.
 */
async function restoreTarget(settings, ports, started) {
    const source = settings.snapshotPath;
    if (!source) {
        throw new errors/* ActionError */.l('Nothing was changed: mode restore needs input snapshot (the file output snapshot-path of the apply step named).');
    }
    if (!ports.snapshots)
        throw new errors/* ActionError */.l('Nothing was changed: no snapshot store to read the snapshot from.');
    const ids = (0,azure_arm/* targetResourceIds */.aB)(settings, settings.apiIds);
    const arm = (0,validated_arm/* validatedArmPort */.Q)(ports.arm, ids, settings.apimName, siteLabel(settings));
    const snapshot = (0,schema/* parseSnapshot */.E$)(await ports.snapshots.load(source), source);
    const differs = (0,schema/* targetDifferences */.Sc)(snapshot.target, (0,schema/* snapshotTarget */.Ed)(settings));
    if (differs.length) {
        throw new errors/* ActionError */.l(`Nothing was changed: the snapshot ${source} is of another target (${(0,schema/* describeTarget */.ff)(snapshot.target)}); this ` +
            `step's target is ${(0,schema/* describeTarget */.ff)((0,schema/* snapshotTarget */.Ed)(settings))}. Differs: ${differs.join('; ')}.`);
    }
    const foreign = (0,schema/* foreignResources */.c3)(snapshot, ids);
    if (foreign.length) {
        throw new errors/* ActionError */.l(`Nothing was changed: the snapshot ${source} holds resources that are not this target's: ${foreign.join(', ')}.`);
    }
    ports.log.info(`Restoring the snapshot ${source} taken ${snapshot.createdAt} by apim-function-auth ${snapshot.actionVersion}.`);
    const restore = await group(ports.log, 'Restore from snapshot', () => restoreSnapshot(snapshot, arm, ports.log, { trigger: 'requested' }));
    throwIfRefused(restore, source);
    const failure = restore.problem ? `${restore.problem} ${capitalized(describeRestore(restore))}.` : undefined;
    return {
        report: {
            mode: 'restore',
            verdict: failure ? 'failed' : 'restored',
            target: { apim: settings.apimName, apis: settings.apiIds, functionApp: settings.functionAppName },
            applied: [],
            warnings: [...(settings.warnings ?? [])],
            error: failure,
            durationSeconds: (Date.now() - started) / 1000,
            snapshot: { path: source },
            restore
        },
        failed: Boolean(failure),
        ...(failure ? { failure } : {})
    };
}
function capitalized(s) {
    return s.charAt(0).toUpperCase() + s.slice(1);
}
async function group(log, name, f) {
    return log.group ? log.group(name, f) : f();
}

;// CONCATENATED MODULE: ./src/snapshot/session.ts


class SnapshotSession {
    current;
    store;
    saved;
    constructor(current, store, saved) {
        this.current = current;
        this.store = store;
        this.saved = saved;
    }
    /**
     * Saves `snapshot` before anything is written and returns the session.
     * @throws ActionError ("Nothing was changed") when the store cannot write it: no write is sent without a snapshot
     *   a later restore could use.
     */
    static async start(snapshot, store, log) {
        const session = new SnapshotSession(snapshot, store);
        if (!store)
            return session;
        try {
            session.saved = await store.save(snapshot);
        }
        catch (e) {
            throw new errors/* ActionError */.l(`Nothing was changed: the snapshot of this target could not be written before the first write ` +
                `(${e.message}). Check that RUNNER_TEMP is writable, and re-run.`);
        }
        log.info(`Snapshot of ${snapshot.resources.length} resource(s) before the first write: ${session.saved.path}`);
        return session;
    }
    /** The snapshot with every write recorded so far (in memory: exact, never scrubbed). */
    get snapshot() {
        return this.current;
    }
    /** Records one write and saves the file again. Throws what the store throws (apply logs it as a warning). */
    async record(rec) {
        this.current = (0,capture/* recordWrite */.bi)(this.current, rec, new Date());
        if (this.store)
            this.saved = await this.store.save(this.current);
    }
    /** True when a write was sent for any resource (its outcome recorded). */
    get wroteAnything() {
        return this.current.resources.some((r) => r.after !== undefined);
    }
    /** The file for the report: its path and the JSON text written last; `{}` when no file was written. */
    report() {
        return this.saved ? { path: this.saved.path, json: this.saved.json } : {};
    }
}

// EXTERNAL MODULE: ./src/version.ts
var version = __webpack_require__(311);
;// CONCATENATED MODULE: ./src/target.ts
/**
 * Reconciles one target (DESIGN §1): observe → Plan (data) → check: report, fail on drift | apply: snapshot, execute
 * the plan through the reconcilers, read back → smoke → (on-failure: restore) → report; `mode: restore` puts a
 * snapshot back instead (src/snapshot). Check mode is decided here, once. `reconcileTarget` is a
 * self-contained unit for one APIM service + its APIs + one Function App, so a loop or a matrix job runs it
 * unchanged; its side effects are the ports handed in (src/ports.ts), so tests drive it in-process.
 */

















/**
 * Reconciles one target: observe → plan → (check | apply → read back) → smoke, then with `on-failure: restore` and a
 * failed apply or smoke, the snapshot put back (src/snapshot/restore-target.ts); `mode: restore` restores the
 * `snapshot` file instead (restoreTarget). Never throws for drift. Throws (ActionError) when the run stops before a
 * plan is built (bad input, a read failed or came without the content relied on, a snapshot that cannot be restored).
 * Once the plan is built it does not throw: a refusal before any write (a plan blocker, Easy Auth managed by a file, a
 * foreign backend, a pre-flight, the smoke requests' context, a snapshot that cannot be saved) returns a failed result
 * whose report carries the plan, marked not applied (`stoppedBeforeWrites`), and the reason. `started`: the run's
 * start (ms since the epoch), for the report's duration.
 */
async function reconcileTarget(settings, ports, started = Date.now()) {
    if (settings.mode === 'restore')
        return restoreTarget(settings, ports, started);
    const ids = (0,azure_arm/* targetResourceIds */.aB)(settings, settings.apiIds);
    // A 200 is not proof of content: every read (the first ones and every re-read before a write) is checked.
    ports = { ...ports, arm: (0,validated_arm/* validatedArmPort */.Q)(ports.arm, ids, settings.apimName, siteLabel(settings)) };
    const observed = await target_group(ports.log, 'Observe (ARM reads)', () => observeTarget(settings, ids, ports));
    // token-resource given as {{name}}: its value from here on; the policy keeps the reference (tokenResourceRef).
    settings = resolveTokenResource(settings, observed.namedValues);
    const plan = await target_group(ports.log, 'Plan', async () => planTarget(settings, ids, observed, ports.log));
    // An apply that adds APIM's identity PATCHes it with the typed APIM client: start loading that chunk now, so it
    // compiles while the pre-flight and the snapshot wait on the network instead of just before the PATCH.
    if (settings.mode === 'apply' && plan.resources.some((r) => r.kind === 'apim-identity' && r.changes.length > 0)) {
        ports.arm.prepareApimUpdate?.();
    }
    let smokeCtx;
    try {
        smokeCtx = await beforeWrites(settings, observed, plan, ports);
    }
    catch (e) {
        // The plan was built (and logged): the report shows it, not applied, with the reason.
        return stoppedResult(settings, plan, e, started);
    }
    let decision;
    try {
        decision =
            settings.mode === 'check'
                ? checkDecision(settings, plan)
                : await applyDecision(settings, ids, observed, plan, ports);
    }
    catch (e) {
        // applyPlan throws (ActionError) only when it refuses the plan before its first write; a failed write is in
        // the outcome instead.
        if (e instanceof errors/* ActionError */.l)
            return stoppedResult(settings, plan, e, started);
        throw e;
    }
    const smoke = decision.outcome?.error ? undefined : await smokeStep(settings, plan, smokeCtx, decision, ports);
    const facts = { applyError: decision.outcome?.error, smoke, namedValues: observed.namedValues };
    const restore = await restoreOnFailure(settings, decision.snapshot, facts, ports);
    if (restore && decision.failure) {
        decision.failure = `${decision.failure} ${restoreSentence(restore)}`;
        if (decision.error)
            decision.error = `${decision.error} ${restoreSentence(restore)}`;
    }
    return result(settings, plan, decision, smoke, started, restore);
}
/** Builds the plan and logs it. */
function planTarget(settings, ids, observed, log) {
    const p = buildPlan(settings, ids, observed);
    for (const r of p.resources) {
        if (r.error)
            log.info(`${r.label}: cannot be reconciled: ${r.error}`);
        else if (r.changes.length === 0)
            log.info(`${r.label}: in sync`);
        else
            log.info(`${r.label}: will update: ${r.changes.map((c) => c.path).join(', ')}`);
        log.debug(`${r.label} plan: ${JSON.stringify(r.changes)}`);
    }
    for (const w of p.warnings)
        log.warning(w);
    return p;
}
/**
 * What must hold before anything is written, in every mode, in order: no resource that cannot be reconciled
 * (planBlockers), Easy Auth managed through ARM and backends that are the Function App (checkTarget), the Entra
 * pre-flight, and the smoke requests' context, which it returns. Throws (ActionError, nothing written) at the first
 * that does not hold.
 */
async function beforeWrites(settings, observed, plan, ports) {
    const broken = planBlockers(plan);
    if (broken.length) {
        throw new errors/* ActionError */.l(`Nothing was changed: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`, broken[0].resourceId);
    }
    checkTarget(settings, observed, plan, ports.log);
    // The Entra pre-flight runs in every mode (a check fails on a refused token resource as apply does); its token
    // requests started right after sign-in, so it adds no round trip. Its Graph part guards apply's writes only.
    await target_group(ports.log, 'Pre-flight: resources known to Entra ID', () => (0,preflight/* preflight */.M)(settings, plan, ports));
    return smokeContext(settings, observed, plan, ports);
}
/**
 * The result of a run that stopped after the plan was built and before any write: failed, the report carrying the
 * plan (`stoppedBeforeWrites`) and `e`'s message once as its error; in apply mode every resource with a change is
 * `not-written` (so the `changes` output says so row by row).
 */
function stoppedResult(settings, plan, e, started) {
    const message = e instanceof Error ? e.message : String(e);
    const applied = settings.mode === 'apply'
        ? plan.resources
            .filter((r) => r.changes.length > 0)
            .map((r) => ({ label: r.label, ok: false, state: 'not-written' }))
        : [];
    const report = {
        mode: settings.mode,
        verdict: 'failed',
        target: targetOf(settings),
        plan,
        applied,
        warnings: plan.warnings,
        error: message,
        stoppedBeforeWrites: true,
        durationSeconds: (Date.now() - started) / 1000
    };
    return { report, plan, apimPrincipalId: plan.facts.apimPrincipalId, failed: true, failure: message };
}
/** The report's target: the names, and the subscription, resource groups and slot they live in. */
function targetOf(settings) {
    return {
        apim: settings.apimName,
        apis: settings.apiIds,
        functionApp: settings.functionAppName,
        scope: {
            subscriptionId: settings.subscriptionId,
            apimResourceGroup: settings.apimResourceGroup,
            functionAppResourceGroup: settings.functionAppResourceGroup,
            ...(settings.functionAppSlot ? { slot: settings.functionAppSlot } : {})
        }
    };
}
/**
 * Before anything else uses the backend: tokens for the Function's app registration must go to the Function App
 * (throws ActionError otherwise), and Easy Auth must be managed through ARM, not a configuration file. Adds the
 * inputs' and the backends' warnings to the plan.
 */
function checkTarget(settings, observed, plan, log) {
    // File-based configuration (platform.configFilePath): App Service then ignores the ARM settings this action writes
    // (Learn: "File-based configuration in Azure App Service authentication").
    const configFile = observed.authSettingsV2.properties
        ?.platform?.configFilePath;
    if (typeof configFile === 'string' && configFile.trim() !== '') {
        throw new errors/* ActionError */.l(`Nothing was changed: Easy Auth of ${siteLabel(settings)} is configured from the file ${JSON.stringify(configFile)} ` +
            '(platform.configFilePath), so App Service ignores the ARM settings this action would write. Put the ' +
            'settings in that file, or clear configFilePath to manage them through ARM, and re-run.');
    }
    const backends = checkBackends(observed.apis, observed.site, siteLabel(settings));
    plan.warnings.push(...(settings.warnings ?? []), ...backends.warnings);
    for (const w of backends.warnings)
        log.warning(w);
    if (backends.errors.length)
        throw new errors/* ActionError */.l(`Nothing was changed: ${backends.errors.join(' ')}`);
}
/** Check mode: drift is the verdict; it fails the step with fail-on-drift. */
function checkDecision(settings, plan) {
    const drift = hasDrift(plan);
    if (!drift || !settings.failOnDrift)
        return { verdict: drift ? 'drift' : 'in-sync' };
    const needed = plan.resources
        .filter((r) => r.changes.length)
        .map((r) => `${r.label}: ${r.changes.map((c) => c.path).join(', ')}`)
        .join('; ');
    return {
        verdict: 'drift',
        failure: `Drift found: ${planChanges(plan).length} change(s) needed (${needed}). Run with mode: apply to fix.`
    };
}
/** Apply mode: executes the plan's writes (none when in sync) and records what was written in the plan. */
async function applyDecision(settings, ids, observed, plan, ports) {
    if (!hasDrift(plan))
        return { verdict: 'in-sync' };
    const ownership = policyOwnership(settings, ids, observed);
    const basis = writeBasis(observed, plan, ownership);
    // Before the first write: the documents as read, saved where a later restore can find them (src/snapshot).
    const meta = { actionVersion: version/* ACTION_VERSION */.Y, now: new Date() };
    const snapshot = await SnapshotSession.start((0,capture/* captureSnapshot */.d)(settings, observed, plan, basis, meta), ports.snapshots, ports.log);
    const outcome = await target_group(ports.log, 'Apply', () => applyPlan(plan, {
        arm: ports.arm,
        log: ports.log,
        rederive: (rp) => rederiveEasyAuth(settings, observed, ownership, rp.resourceId, ports),
        basis,
        onWritten: (rec) => snapshot.record(rec)
    }));
    // What was actually written replaces placeholders of deferred resources (e.g. APIM's principalId).
    plan.resources = plan.resources.map((r) => outcome.replanned.find((n) => n.resourceId === r.resourceId) ?? r);
    // The report's facts describe the state after the run: the identity exists now.
    plan.facts.apimPrincipalId ??= outcome.apimPrincipalId;
    if (!outcome.error)
        return { verdict: 'applied', outcome, snapshot };
    // The report's Applied section says what was and was not changed: its error is the write's error (and the hint).
    const hint = outcomeHint(outcome);
    return {
        verdict: 'failed',
        failure: `${outcome.error.message} ${describeOutcome(outcome)}`,
        error: hint ? `${outcome.error.message} ${hint}` : outcome.error.message,
        outcome,
        snapshot
    };
}
/** The smoke requests; a failure fails the step unless it is the consequence of drift that does not (check mode). */
async function smokeStep(settings, plan, smokeCtx, decision, ports) {
    const smoke = await target_group(ports.log, 'Smoke requests', () => runSmoke(
    // Check mode changed nothing, so nothing is propagating: one attempt per check (C17: never retry reads).
    settings.mode === 'check' ? { ...settings.smoke, timeoutSeconds: 0 } : settings.smoke, { ...smokeCtx, changedNow: (decision.outcome?.writes ?? 0) > 0 }, { http: ports.http, tokens: ports.tokens, onAttempt: (a) => ports.log.info(a.text) }));
    for (const c of smoke.checks) {
        ports.log.info(`smoke ${c.name}${c.api ? ` (${c.api})` : ''}: expected ${c.expected}, got ${c.got} after ${c.attempts} attempt(s) / ${c.seconds.toFixed(1)} s${c.diagnosis ? ` — ${c.diagnosis}` : ''}`);
    }
    // In check mode a smoke failure on a drifted target is the drift's consequence: it fails the step only when drift
    // does (fail-on-drift). With no drift, a failing chain is a failure of its own.
    const drift = hasDrift(plan);
    const smokeFails = smoke.result === 'failed' && !(settings.mode === 'check' && drift && !settings.failOnDrift);
    if (smokeFails && !decision.failure) {
        const failed = smoke.checks.filter((c) => !c.passed);
        const name = (c) => `${c.name}${c.api ? ` (API ${c.api})` : ''}`;
        decision.failure = `Smoke requests failed: ${failed.map((c) => `${name(c)}: ${c.diagnosis ?? c.got}`).join('; ')}`;
        // The report's smoke checks say why, once.
        decision.error = `Smoke requests failed: ${failed.map(name).join(', ')} (the smoke checks say why).`;
        if (settings.mode === 'apply')
            decision.verdict = 'failed';
    }
    return smoke;
}
/** The target's result and report, from the decision and the write states. */
function result(settings, plan, decision, smoke, started, restore) {
    const { verdict, failure, outcome } = decision;
    // Worded by the report (one wording per state: "not attempted").
    const notAttempted = (outcome?.notApplied ?? []).map((label) => ({
        label,
        ok: false,
        state: 'not-attempted'
    }));
    const report = {
        mode: settings.mode,
        verdict,
        target: targetOf(settings),
        plan,
        applied: [...(outcome?.applied ?? []), ...notAttempted],
        smoke,
        warnings: plan.warnings,
        error: verdict === 'failed' ? (decision.error ?? failure) : undefined,
        durationSeconds: (Date.now() - started) / 1000,
        ...(decision.snapshot ? { snapshot: decision.snapshot.report() } : {}),
        ...(restore ? { restore } : {})
    };
    const apimPrincipalId = outcome?.apimPrincipalId ?? plan.facts.apimPrincipalId;
    const snapshotPath = decision.snapshot?.report().path;
    return { report, plan, outcome, apimPrincipalId, failed: Boolean(failure), failure, snapshotPath };
}
/** The reads the writes were planned on, for the write guard (src/write-guard.ts). */
function writeBasis(observed, plan, ownership) {
    const app = plan.facts.appClientId ?? '';
    // The guard's own, independent list of what a managed-identity element that sends the Function's token may carry:
    // the accepted resources, and the known wrong forms the merge rewrites in place (api://<client ID>, object IDs).
    const resources = [
        ...(ownership.acceptableResources ?? []),
        plan.facts.tokenResource,
        app,
        app && `api://${app}`,
        ...(ownership.appObjectIds ?? [])
    ].filter((x) => Boolean(x));
    return {
        ownershipOptions: ownership,
        service: observed.service,
        easyAuth: observed.authSettingsV2,
        policies: Object.fromEntries(observed.apis.map((a) => [
            a.apiId,
            { value: a.policy?.value, keyHeader: subscriptionKeyHeader(a.api), keyQuery: subscriptionKeyQuery(a.api) }
        ])),
        ownership: { resources, ...(ownership.namedValues ? { namedValues: ownership.namedValues } : {}) }
    };
}
/** After the identity write: re-read the service and Easy Auth, resolve APIM's client ID, plan Easy Auth again. */
async function rederiveEasyAuth(settings, observed, ownership, resourceId, ports) {
    const [service, current, v1] = await Promise.all([
        ports.arm.getApimService(),
        ports.arm.getAuthSettingsV2(),
        ports.arm.getAuthSettingsV1()
    ]);
    const apimPrincipalId = service.body.identity?.principalId;
    const apimIdentityClientId = await resolveApimClientId(settings, service.body, current, ports);
    const plan = (0,easy_auth/* planEasyAuth */.c6)({
        resourceId,
        current,
        v1,
        tenantId: settings.tenantId,
        appClientId: settings.appClientId,
        tokenResource: settings.tokenResource,
        openIdIssuer: settings.openIdIssuer,
        allowedCallers: settings.allowedCallers,
        excludedPaths: settings.excludedPaths,
        apimPrincipalId,
        apimIdentityClientId,
        // A `client-id` on a policy element makes that user-assigned identity a caller too (see buildPlan).
        extraCallers: inspectPolicies(observed.apis, apimPrincipal(service.body), ownership).extraCallers
    });
    return { plan, before: current };
}
/** Runs `f` inside a log group when the logger has groups (the runner's), else plainly. */
async function target_group(log, name, f) {
    return log.group ? log.group(name, f) : f();
}

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 13 modules
var core = __webpack_require__(4353);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: ./src/action-io.ts
var action_io = __webpack_require__(3078);
// EXTERNAL MODULE: ./src/lazy.ts
var lazy = __webpack_require__(9257);
;// CONCATENATED MODULE: ./src/octokit.ts


/**
 * Returns a loader of one Octokit for `token`: the first call imports `@actions/github` and builds the client; later
 * calls return the same client. A failed import (a missing or damaged chunk) rejects with BundleLoadError
 * (./bundle.ts) and is not remembered (the next call tries again); the publishers turn it into a warning.
 * @param token the GitHub token (never logged).
 * @param baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL.
 */
function octokitLoader(token, baseUrl) {
    return (0,lazy/* lazy */.R)(async () => (await (0,bundle/* loadPart */.A)('the GitHub client (@actions/github)', () => __webpack_require__.e(/* import() */ 413).then(__webpack_require__.bind(__webpack_require__, 2413)))).getOctokit(token, baseUrl ? { baseUrl } : {}));
}

;// CONCATENATED MODULE: ./src/github.ts
/**
 * GitHubPort over `@actions/github`'s Octokit (GITHUB_API_URL is honoured by getOctokit). Issue comments REST:
 * https://docs.github.com/rest/issues/comments
 */

/**
 * Creates the GitHubPort for `owner/repo`. Errors from GitHub propagate unchanged (octokit's RequestError with
 * `status`; the publisher turns them into warnings).
 * @param opts.baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL when it was first
 *   loaded (https://api.github.com otherwise). In-process tests pass the twin's URL here.
 */
function createGitHubPort(token, repository, opts = {}) {
    const [owner, repo] = repository.split('/');
    const load = octokitLoader(token, opts.baseUrl);
    return {
        async listComments(issueNumber) {
            const octokit = await load();
            const all = await octokit.paginate(octokit.rest.issues.listComments, {
                owner,
                repo,
                issue_number: issueNumber,
                per_page: 100
            });
            return all.map((c) => ({
                id: c.id,
                body: c.body ?? '',
                ...(c.html_url ? { url: c.html_url } : {}),
                ...(c.user ? { author: { login: c.user.login, type: c.user.type } } : {})
            }));
        },
        async whoAmI() {
            const octokit = await load();
            try {
                return (await octokit.rest.users.getAuthenticated()).data.login;
            }
            catch {
                return undefined; // an installation token (GITHUB_TOKEN): 403 "Resource not accessible by integration"
            }
        },
        async createComment(issueNumber, body) {
            const octokit = await load();
            const res = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
            return { id: res.data.id, url: res.data.html_url };
        },
        async updateComment(commentId, body) {
            const octokit = await load();
            await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
        },
        async deleteComment(commentId) {
            const octokit = await load();
            // DELETE /repos/{owner}/{repo}/issues/comments/{comment_id} → 204; 404 when already gone (rejects).
            await octokit.rest.issues.deleteComment({ owner, repo, comment_id: commentId });
        }
    };
}

;// CONCATENATED MODULE: ./src/github-issues.ts
/**
 * IssuesPort over `@actions/github`'s Octokit (GITHUB_API_URL is honoured by getOctokit): the drift issue's calls.
 * REST: https://docs.github.com/rest/issues/issues ("List repository issues", "Create an issue", "Update an issue"),
 * https://docs.github.com/rest/issues/labels ("Add labels to an issue"), https://docs.github.com/rest/issues/comments
 * ("Create an issue comment").
 */

/** An issue of the REST schema "issue" as an IssueItem (label objects or strings → names). */
function toItem(i) {
    return {
        number: i.number,
        title: i.title,
        body: i.body ?? '',
        state: i.state === 'closed' ? 'closed' : 'open',
        labels: (i.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
        ...(i.html_url ? { url: i.html_url } : {}),
        ...(i.user ? { author: { login: i.user.login, type: i.user.type } } : {})
    };
}
/**
 * Creates the IssuesPort for `owner/repo`. Errors from GitHub propagate unchanged (octokit's RequestError with
 * `status`); the drift issue publisher turns them into one warning.
 * @param opts.baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL. In-process tests
 *   pass the twin's URL here.
 */
function createIssuesPort(token, repository, opts = {}) {
    const [owner, repo] = repository.split('/');
    const load = octokitLoader(token, opts.baseUrl);
    return {
        async listOpenIssues() {
            const octokit = await load();
            // Pages of 100 until the Link header has no rel="next"; pull requests come as issues with `pull_request`.
            const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
                owner,
                repo,
                state: 'open',
                per_page: 100
            });
            return all.filter((i) => !i.pull_request).map(toItem);
        },
        async createIssue({ title, body, labels }) {
            const octokit = await load();
            const res = await octokit.rest.issues.create({ owner, repo, title, body, ...(labels.length ? { labels } : {}) });
            return toItem(res.data);
        },
        async updateIssue(issueNumber, patch) {
            const octokit = await load();
            const res = await octokit.rest.issues.update({
                owner,
                repo,
                issue_number: issueNumber,
                ...(patch.title !== undefined ? { title: patch.title } : {}),
                ...(patch.body !== undefined ? { body: patch.body } : {}),
                ...(patch.state ? { state: patch.state } : {}),
                ...(patch.state && patch.stateReason ? { state_reason: patch.stateReason } : {})
            });
            return toItem(res.data);
        },
        async addLabels(issueNumber, labels) {
            const octokit = await load();
            await octokit.rest.issues.addLabels({ owner, repo, issue_number: issueNumber, labels });
        },
        async createComment(issueNumber, body) {
            const octokit = await load();
            await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
        },
        async whoAmI() {
            const octokit = await load();
            try {
                return (await octokit.rest.users.getAuthenticated()).data.login;
            }
            catch {
                return undefined; // an installation token (GITHUB_TOKEN): 403 "Resource not accessible by integration"
            }
        }
    };
}

;// CONCATENATED MODULE: ./src/report/markdown.ts
/**
 * Small, pure helpers for GitHub-flavoured markdown: escaping, shortening, and a block model whose tables and
 * lists can be cut to a row budget ("… N more rows not shown") so a document never breaks mid-structure.
 * No imports of @actions/* or network code.
 */
/** Visible stand-in for a line break inside a single-line cell. */
const NEWLINE_MARK = '⏎';
/**
 * Shortens `text` to at most `max` code points (never splitting a surrogate pair), ending with `…` when cut.
 * `max` < 1 is treated as 1.
 */
function shorten(text, max) {
    const limit = Math.max(1, max);
    const points = Array.from(text);
    if (points.length <= limit)
        return text;
    return points.slice(0, limit - 1).join('') + '…';
}
/** Replaces every line break (CRLF, CR, LF, U+2028/9) with a visible `⏎` so a value stays on one line. */
function oneLine(text) {
    return text.replace(/\r\n|[\r\n\u2028\u2029]/g, NEWLINE_MARK);
}
/**
 * Escapes plain text for inline markdown inside a table cell or list item: HTML (`&`, `<`, `>`) becomes entities
 * (so a value can never open `<details>`, a comment `<!--`, or a tag), markdown punctuation that changes rendering
 * is backslash-escaped, `|` becomes `\|` (GFM: a pipe in a cell must be escaped, also inside code spans),
 * line breaks become `⏎`, and `@name` gets a word joiner (U+2060) after `@` so text from ARM never mentions anyone.
 * The result is shortened to `max` code points first (default 300).
 * Source: GitHub Flavored Markdown spec, "Tables (extension)" and "Backslash escapes".
 */
function escapeText(text, max = 300) {
    return (oneLine(shorten(text, max))
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/([\\`*_[\]|~])/g, '\\$1')
        // `@name` in text from ARM or a policy would notify a user or team on the PR: a word joiner keeps it inert.
        .replace(/@(?=[A-Za-z0-9])/g, '@\u2060'));
}
/**
 * Renders `text` as an inline code span: the fence is one backtick longer than the longest backtick run in the
 * value, padded with spaces when the value starts or ends with a backtick, and line breaks become `⏎`. With
 * `inTable` (default true) `|` is escaped as `\|` (GFM requires it in cells, even inside code spans, and renders it
 * as `|`; outside a table the backslash would show). Shortened to `max` code points first (default 120).
 * Source: GitHub Flavored Markdown spec, "Code spans" and "Tables (extension)".
 */
function code(text, max = 120, inTable = true) {
    const flat = oneLine(shorten(text, max));
    const value = inTable ? flat.replace(/\|/g, '\\|') : flat;
    if (value === '')
        return '` `';
    const runs = value.match(/`+/g) ?? [];
    const longest = runs.reduce((m, r) => Math.max(m, r.length), 0);
    const fence = '`'.repeat(longest + 1);
    const pad = value.startsWith('`') || value.endsWith('`') || /^ .* $/.test(value) ? ' ' : '';
    return `${fence}${pad}${value}${pad}${fence}`;
}
/**
 * Longest run of characters without a break opportunity that a table cell may hold (code points): a longer one (a
 * JSON array without spaces, a long field path or URL) makes GitHub scroll the table sideways instead of wrapping.
 * 40: the plan table has two such columns (field, before → after); a 40-character code span is about 290 px wide in
 * GitHub's monospace at 85 % of 14 px, so the table's narrowest layout is about 800 px and fits a job summary at
 * GitHub's 1012 px page width (measured in headless Chromium: at 80 the plan table scrolled 85 px sideways).
 */
const MAX_UNBROKEN_RUN = 40;
/**
 * A line-break opportunity that shows nothing and copies as nothing. GitHub keeps `<wbr>` (its HTML allowlist, as in
 * html-pipeline's SanitizationFilter, lists `wbr`, `details`, `summary`, `sub`); a renderer that drops it only loses
 * the break hint, never text.
 */
const WBR = '<wbr>';
/**
 * Characters after which a long run is preferably broken, best first: between list entries (`,` `;`), then at the
 * joints of a path or URL (`.` `/` `&` `?` `=`), then inside a name (`-` `_` `:` and closing brackets).
 */
const BREAK_TIERS = [
    new Set([',', ';']),
    new Set(['.', '/', '&', '?', '=']),
    new Set(['-', '_', ':', ')', ']', '}'])
];
function breakTier(c) {
    return BREAK_TIERS.findIndex((t) => t.has(c));
}
/**
 * Splits `text` (already on one line) into pieces such that no piece holds a run of more than `max` code points
 * without white space; joining the pieces gives `text` back. A long run is cut after the last `.`, `/`, `,` and the
 * like within it when that leaves at least a quarter of `max` before the cut, else after `max` code points; never
 * inside a surrogate pair, and never right after `@` (so `@name` stays one piece and {@link escapeText} can defuse
 * it). `'a.b'` → `['a.b']`; text without a long run → `[text]`.
 */
function splitLongRuns(text, max = MAX_UNBROKEN_RUN) {
    const cps = Array.from(text);
    const limit = Math.max(2, max);
    const pieces = [];
    let start = 0;
    let runStart = 0;
    // Per tier, the index just after the last break character of that tier in the current run (-1: none).
    let soft = BREAK_TIERS.map(() => -1);
    const note = (j) => {
        const tier = breakTier(cps[j]);
        if (tier >= 0)
            soft[tier] = j + 1;
    };
    for (let i = 0; i < cps.length; i++) {
        if (/\s/u.test(cps[i])) {
            runStart = i + 1;
            soft = soft.map(() => -1);
            continue;
        }
        if (i - runStart >= limit) {
            let cut = soft.find((at) => at > runStart + limit / 4) ?? i;
            if (cps[cut - 1] === '@' && cut - 1 > runStart)
                cut -= 1;
            pieces.push(cps.slice(start, cut).join(''));
            start = cut;
            runStart = cut;
            soft = soft.map(() => -1);
            for (let j = cut; j < i; j++)
                note(j);
        }
        note(i);
    }
    pieces.push(cps.slice(start).join(''));
    return pieces;
}
/**
 * {@link escapeText} for a table cell: the same escaping and shortening (to `max` code points), with a `<wbr>`
 * break opportunity inside every run longer than {@link MAX_UNBROKEN_RUN} (see {@link splitLongRuns}).
 */
function escapeCell(text, max = 300) {
    const flat = oneLine(shorten(text, max));
    return splitLongRuns(flat)
        .map((piece) => escapeText(piece, Number.MAX_SAFE_INTEGER))
        .join(WBR);
}
/**
 * {@link code} for a table cell: a value whose longest run without white space fits {@link MAX_UNBROKEN_RUN} is one
 * code span; a longer one becomes adjacent code spans of at most that many code points, joined by `<wbr>` (a code
 * span shows `<wbr>` literally, so the break goes between spans). Copying the cell still gives the value.
 */
function codeCell(text, max = 120) {
    const flat = oneLine(shorten(text, max));
    const pieces = splitLongRuns(flat);
    if (pieces.length === 1)
        return code(flat, Number.MAX_SAFE_INTEGER);
    return pieces.map((p) => code(p, Number.MAX_SAFE_INTEGER)).join(WBR);
}
/** The rows or items of a block that a row cap can cut. */
function rowCount(b) {
    if (b.kind === 'table')
        return b.rows.length;
    if (b.kind === 'list')
        return b.items.length;
    if (b.kind === 'details')
        return rowCount(b.body);
    return 0;
}
function htmlText(text) {
    return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function renderTable(block, cap) {
    const head = `| ${block.header.join(' | ')} |`;
    const sep = `|${block.header.map(() => ' --- ').join('|')}|`;
    const shown = block.rows.slice(0, cap).map((r) => `| ${r.join(' | ')} |`);
    const cut = block.rows.length - shown.length;
    if (cut > 0) {
        const filler = block.header.slice(1).map(() => ' ');
        shown.push(`| … ${cut} more ${block.noun ?? 'rows'} not shown | ${filler.join(' | ')} |`);
    }
    return [head, sep, ...shown].join('\n');
}
function renderList(block, cap) {
    const shown = block.items.slice(0, cap).map((i) => `- ${i}`);
    const cut = block.items.length - shown.length;
    if (cut > 0)
        shown.push(`- … ${cut} more ${block.noun ?? 'items'} not shown`);
    return shown.join('\n');
}
function renderBlock(b, cap) {
    if (b.kind === 'text')
        return b.text;
    if (b.kind === 'table')
        return renderTable(b, cap);
    if (b.kind === 'list')
        return renderList(b, cap);
    return `<details><summary>${htmlText(b.summary)}</summary>\n\n${renderBlock(b.body, cap)}\n\n</details>`;
}
/** Renders blocks separated by blank lines, showing at most `cap` rows of every table and items of every list. */
function renderBlocks(blocks, cap = Number.POSITIVE_INFINITY) {
    const parts = blocks.map((b) => renderBlock(b, cap));
    return parts.filter((p) => p !== '').join('\n\n') + '\n';
}
/** UTF-8 size of a string, in bytes. */
function utf8Bytes(text) {
    return Buffer.byteLength(text, 'utf8');
}
/**
 * Renders `blocks` within `budget` as measured by `measure` (e.g. UTF-8 bytes, or UTF-16 length for comments).
 * Everything fits → the whole document. Otherwise the largest per-table/per-list row cap that fits is found by
 * binary search, so tables end with "… N more rows not shown" instead of being cut mid-structure. If even zero
 * rows do not fit, trailing blocks are dropped (the first block, the verdict, is always kept) and a closing line
 * says so. Returns the text and how many rows/items were left out.
 */
function fitBlocks(blocks, budget, measure) {
    const full = renderBlocks(blocks);
    if (measure(full) <= budget)
        return { text: full, omittedRows: 0 };
    const sizes = blocks.map(rowCount);
    const omitted = (cap) => sizes.reduce((n, s) => n + Math.max(0, s - cap), 0);
    let lo = 0;
    let hi = Math.max(0, ...sizes);
    if (measure(renderBlocks(blocks, 0)) <= budget) {
        // invariant: cap `lo` fits, cap `hi` does not
        while (hi - lo > 1) {
            const mid = Math.floor((lo + hi) / 2);
            if (measure(renderBlocks(blocks, mid)) <= budget)
                lo = mid;
            else
                hi = mid;
        }
        return { text: renderBlocks(blocks, lo), omittedRows: omitted(lo) };
    }
    // Last resort: drop whole blocks from the end.
    for (let keep = blocks.length - 1; keep >= 1; keep--) {
        const dropped = blocks.length - keep;
        const tail = { kind: 'text', text: `_… ${dropped} more sections not shown (size limit)._` };
        const text = renderBlocks([...blocks.slice(0, keep), tail], 0);
        if (measure(text) <= budget)
            return { text, omittedRows: omitted(0) };
    }
    const first = blocks[0];
    const head = first && first.kind === 'text' ? first.text : '';
    return { text: shortenToBudget(head, budget, measure) + '\n', omittedRows: omitted(0) };
}
function shortenToBudget(text, budget, measure) {
    let points = Array.from(text);
    while (points.length > 0 && measure(points.join('') + '…\n') > budget) {
        points = points.slice(0, Math.floor(points.length * 0.9));
    }
    return points.length === Array.from(text).length ? text : points.join('') + '…';
}

;// CONCATENATED MODULE: ./src/report/derive.ts

const TOOL = 'apim-function-auth';
/** Keys (last path segment) whose values are never shown. `clientSecretSettingName` is a name and stays visible. */
const SECRET_KEY = /(secret|password|passwd|pwd|token|primarykey|secondarykey|subscriptionkey|connectionstring)$/i;
const MASK = '***';
function totalChanges(report) {
    return (report.plan?.resources ?? []).reduce((n, r) => n + r.changes.length, 0);
}
function appliedChanges(report) {
    const resources = report.plan?.resources ?? [];
    const ok = new Set(report.applied.filter((a) => (a.state ?? (a.ok ? 'verified' : '')) === 'verified').map((a) => a.label));
    if (ok.size === 0)
        return totalChanges(report);
    return resources.filter((r) => ok.has(r.label)).reduce((n, r) => n + r.changes.length, 0);
}
function plural(n, one, many = `${one}s`) {
    return `${n} ${n === 1 ? one : many}`;
}
/**
 * The verdict line without markup, e.g. `⚠️ drift found (3 changes needed)`; a failure with the first line of its
 * error, shortened to `maxError` code points (`❌ failed: …`), for the plain text, which says the rest right below.
 */
function verdictText(report, maxError = 200) {
    const head = verdictHeadline(report);
    if (report.verdict !== 'failed')
        return head;
    return `${head}: ${shorten(derive_firstLine(report.error ?? 'unknown error'), maxError)}`;
}
/**
 * The verdict alone, one wording per state: `✅ in sync`, `⚠️ drift found (N changes needed)`, `🔧 applied N
 * changes`, `❌ failed`, `↩️ restored N resources from the snapshot` (the markdown's heading: its error is quoted once, right below).
 */
function verdictHeadline(report) {
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
function saidInError(report, text) {
    return Boolean(text && report.verdict === 'failed' && report.error?.includes(text.trim()));
}
/** What the report says of a resource the run stopped before (`not-attempted`), when the item has no detail. */
const NOT_ATTEMPTED = 'not attempted';
function derive_firstLine(text) {
    return text.trim().split(/\r\n|[\r\n]/)[0] ?? '';
}
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Deep copy with values under secret-looking keys replaced by `***`. */
function redact(value) {
    if (Array.isArray(value))
        return value.map(redact);
    if (isObject(value)) {
        const out = {};
        for (const [k, v] of Object.entries(value))
            out[k] = SECRET_KEY.test(k) ? MASK : redact(v);
        return out;
    }
    return value;
}
function pathIsSecret(path) {
    const last = path.split('.').pop() ?? path;
    return SECRET_KEY.test(last.replace(/\[.*\]$/, ''));
}
/**
 * A value as plain text (no markup): strings as-is, absent as `(absent)`, the rest as JSON. `null` is absent too: the
 * planners report an element or setting that does not exist as `null` or `undefined` alike (one wording per state).
 */
function valueText(v, secret) {
    if (v === undefined || v === null)
        return '(absent)';
    if (secret)
        return MASK;
    if (typeof v === 'string')
        return v;
    return JSON.stringify(redact(v)) ?? String(v);
}
/** A value for a table cell: `_absent_`, or a code span (several, joined by `<wbr>`, when it has a long run). */
function valueMd(v, secret, max) {
    if (v === undefined || v === null)
        return '_absent_';
    return codeCell(valueText(v, secret), max);
}
function actionOf(c) {
    if (c.before === undefined || c.before === null)
        return 'add';
    if (Array.isArray(c.before) && Array.isArray(c.after)) {
        const after = c.after.map((x) => JSON.stringify(x));
        const grows = c.after.length > c.before.length && c.before.every((x) => after.includes(JSON.stringify(x)));
        if (c.before.length === 0 || grows)
            return 'add';
    }
    return 'update';
}
/** Seconds as a plain number with unit, e.g. `180 s`, `0.4 s` (what the smoke table and lines show). */
function secs(s) {
    if (!Number.isFinite(s))
        return '?';
    return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
/** A duration for people, e.g. `41 s`, `3 min 16 s`. */
function seconds(s) {
    if (!Number.isFinite(s))
        return '?';
    if (s < 60)
        return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
    const m = Math.floor(s / 60);
    return `${m} min ${Math.round(s - m * 60)} s`;
}
const CHECK_LABEL = {
    gateway: 'gateway (client → APIM → Function)',
    'direct-no-token': 'direct, no token',
    'direct-foreign-token': 'direct, foreign token'
};
function checkLabel(name) {
    return CHECK_LABEL[name] ?? String(name);
}
/**
 * What apply did to each resource, from the write states alone (RunReport.applied[].state): `changed` (written and
 * read back as intended), `unverified` (written; the read-back failed or differed), `unknown` (the write may or may
 * not have happened), `notChanged` (refused, not attempted, or already in sync). Resources with changes that
 * `applied` never mentions count as not changed. An item without a state (older callers) counts by `ok`. A
 * `notChanged` detail is left out when the run's error already says it ({@link saidInError}); a resource not
 * attempted without one reads {@link NOT_ATTEMPTED}.
 */
function appliedSplit(report) {
    const stateOf = (a) => a.state ?? (a.ok ? 'verified' : 'not-written');
    const labels = (st) => report.applied.filter((a) => stateOf(a) === st).map((a) => a.label);
    // A detail the error already says is left out (said once); a resource not attempted has one wording.
    const detail = (text, st) => saidInError(report, text) ? undefined : (text ?? (st === 'not-attempted' ? NOT_ATTEMPTED : undefined));
    const notChanged = report.applied
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
function shownLint(report) {
    const plan = report.plan;
    const verified = (kind) => {
        const labels = (plan?.resources ?? []).filter((r) => r.kind === kind).map((r) => r.label);
        return report.applied.some((a) => labels.includes(a.label) && a.state === 'verified');
    };
    return (plan?.lint ?? []).filter((l) => !l.fixedBy || !verified(l.fixedBy));
}
function allWarnings(report) {
    return [...new Set([...(report.plan?.warnings ?? []), ...report.warnings])];
}
/**
 * True when a run has something a reviewer must see (what `pr-comment: on-change` posts for): drift or changes
 * (a verdict other than `in-sync`, or any planned change), a failure (`error`), a failed smoke check, or a resource
 * that could not be reconciled. A clean run — in sync, smoke passed or skipped — is false.
 */
function derive_needsAttention(report) {
    if (report.verdict !== 'in-sync' || report.error)
        return true;
    if (report.smoke?.result === 'failed')
        return true;
    return (report.plan?.resources ?? []).some((r) => r.changes.length > 0 || r.error !== undefined);
}

;// CONCATENATED MODULE: ./src/report/run-outputs.ts
/**
 * The step outputs of a finished run and the run's source (GitHub Actions run and commit), as data: what
 * ./outputs.ts sets with `core.setOutput` and puts in the report's footer. Pure: no @actions/*, the environment is
 * handed in.
 */

/**
 * The `result` output: the report's verdict, except that a run whose step fails for another reason than drift
 * (e.g. failed smoke requests in check mode on a target in sync) is `failed`. Drift stays `drift` whether or not it
 * fails the step (fail-on-drift).
 */
function resultOutput(verdict, failed) {
    if (verdict === 'drift')
        return 'drift';
    return failed ? 'failed' : verdict;
}
/**
 * The outputs known once the run is over (before publishing): `drift` (only when a plan was made), `changes` (JSON
 * rows; in apply mode with a `state` per row — the write states, never the plan alone), `result`
 * ({@link resultOutput}), `change-count` (check mode: the rows planned; apply mode: the rows whose state is
 * `verified`, i.e. written and read back; 0 without a plan), `apim-principal-id`, `smoke-result`, `snapshot-path`
 * (the snapshot file written before the first write; '' when none). `report` is the
 * report as published (scrubbed); `scrub` removes the run's secrets from the JSON text.
 */
function runOutputs(result, report, scrub = (t) => t) {
    const plan = result.plan;
    // In apply mode every row has a state: a write's, or `not-written` for a run stopped before any write.
    const applied = report.mode === 'apply' && (result.outcome || report.stoppedBeforeWrites) ? report.applied : undefined;
    const rows = plan ? planChanges(plan, applied) : [];
    const count = report.mode === 'apply' ? rows.filter((r) => r.state === 'verified').length : rows.length;
    return {
        ...(plan ? { drift: String(hasDrift(plan)) } : {}),
        changes: scrub(JSON.stringify(rows)),
        result: resultOutput(report.verdict, result.failed),
        'change-count': String(count),
        'apim-principal-id': result.apimPrincipalId ?? '',
        'smoke-result': report.smoke?.result ?? 'skipped',
        'snapshot-path': result.snapshotPath ?? ''
    };
}
/** An http(s) origin (and optional path, for GHES) as GitHub sets GITHUB_SERVER_URL: nothing a link breaks on. */
const SERVER_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const RUN_ID = /^[0-9]{1,20}$/;
const SHA = /^[0-9a-f]{7,64}$/i;
/**
 * The run and commit the report belongs to, from the runner's default variables (GitHub Docs, "Variables reference →
 * Default environment variables"): `runUrl` = `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`,
 * `commit` = GITHUB_SHA, `commitUrl` = `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}`. Each is
 * left out when a variable it needs is unset or not of the expected shape (so a value can never break the markdown
 * link it goes into); `{}` outside a runner.
 */
function runSource(env) {
    const server = (env.GITHUB_SERVER_URL ?? '').replace(/\/+$/, '');
    const repo = env.GITHUB_REPOSITORY ?? '';
    const runId = env.GITHUB_RUN_ID ?? '';
    const sha = env.GITHUB_SHA ?? '';
    const base = SERVER_URL.test(server) && REPOSITORY.test(repo) ? `${server}/${repo}` : undefined;
    const out = {};
    if (RUN_ID.test(runId)) {
        out.runId = runId;
        if (base)
            out.runUrl = `${base}/actions/runs/${runId}`;
    }
    if (SHA.test(sha)) {
        out.commit = sha;
        if (base)
            out.commitUrl = `${base}/commit/${sha}`;
    }
    return out;
}

;// CONCATENATED MODULE: ./src/report/aggregate-outputs.ts
/**
 * A run over a targets file, as data: each target's result and report, the run's overall verdict, and the step
 * outputs aggregated over the targets (what src/report/publish-targets.ts sets). Pure: no @actions/*.
 */


/** One target's `result` output (see resultOutput): drift stays drift; a failed step is `failed`. */
function targetResult(t) {
    return resultOutput(t.report.verdict, t.result.failed);
}
/**
 * The run's overall verdict: failed (a run-level error, or any target failed), else drift, else applied, else
 * restored (`mode: restore`), else in sync.
 */
function overallVerdict(run) {
    const results = run.targets.map(targetResult);
    if (run.error || results.includes('failed'))
        return 'failed';
    if (results.includes('drift'))
        return 'drift';
    if (results.includes('applied'))
        return 'applied';
    if (results.includes('restored'))
        return 'restored';
    return 'in-sync';
}
/** The targets whose step fails (drift with fail-on-drift, a failure, failed smoke requests), in file order. */
function failedTargets(run) {
    return run.targets.filter((t) => t.result.failed);
}
/** A target's outputs (runOutputs) and its `changes` rows, parsed back. */
function perTarget(t, scrub) {
    const out = runOutputs(t.result, t.report, scrub);
    return { out, rows: JSON.parse(out.changes) };
}
/**
 * The step outputs of a run over a targets file (before publishing):
 * - `drift`: `true` when any target drifted, `false` when every target made a plan without drift; unset when no
 *   target made a plan;
 * - `changes`: every target's rows (see runOutputs), each starting with `target` (its name), in file order;
 * - `result`: {@link overallVerdict}; `change-count`: the sum over the targets (check: planned; apply: verified);
 * - `apim-principal-id` and `snapshot-path`: the one target's when exactly one ran, else '' (see `targets`);
 * - `smoke-result`: `failed` when any target's failed, else `passed` when any passed, else `skipped`;
 * - `targets`: JSON `[{target, result, drift (true/false/null without a plan), change-count, smoke-result,
 *   apim-principal-id, snapshot-path}]`, file order (each target's snapshot is its own file).
 * `scrub` removes the run's secrets from JSON texts.
 */
function aggregateOutputs(run, scrub = (t) => t) {
    const each = run.targets.map((t) => ({ t, ...perTarget(t, scrub) }));
    const planned = run.targets.filter((t) => t.result.plan);
    const smokes = each.map((e) => e.out['smoke-result']);
    const rows = each.flatMap((e) => e.rows.map((r) => ({ target: e.t.name, ...r })));
    const summary = each.map((e) => ({
        target: e.t.name,
        result: e.out.result,
        drift: e.t.result.plan ? hasDrift(e.t.result.plan) : null,
        'change-count': Number(e.out['change-count']),
        'smoke-result': e.out['smoke-result'],
        'apim-principal-id': e.out['apim-principal-id'],
        'snapshot-path': e.out['snapshot-path']
    }));
    return {
        ...(planned.length > 0 ? { drift: String(planned.some((t) => hasDrift(t.result.plan))) } : {}),
        changes: scrub(JSON.stringify(rows)),
        result: overallVerdict(run),
        'change-count': String(each.reduce((n, e) => n + Number(e.out['change-count']), 0)),
        'apim-principal-id': each.length === 1 ? each[0].out['apim-principal-id'] : '',
        'snapshot-path': each.length === 1 ? each[0].out['snapshot-path'] : '',
        'smoke-result': smokes.includes('failed') ? 'failed' : smokes.includes('passed') ? 'passed' : 'skipped',
        targets: scrub(JSON.stringify(summary))
    };
}
/** The `matrix` output of `mode: list`: `{"include":[{"target":"<name>"},…]}` for `strategy.matrix`. */
function matrixOutput(names) {
    return JSON.stringify({ include: names.map((target) => ({ target })) });
}

;// CONCATENATED MODULE: ./src/report/chain.ts


/** One mark and one wording per state (the one-line chain and its legend use the marks). */
const MARK = {
    proven: '✓',
    failed: '✗',
    unproven: '·',
    configured: '·',
    'not-configured': '○',
    unknown: '?',
    'not-read': '?'
};
function linkLabel(state, what, detail) {
    const d = detail ? ` (${detail})` : '';
    const m = MARK[state];
    if (state === 'proven')
        return `${m} ${what}: proven by smoke${d}`;
    if (state === 'failed')
        return `${m} ${what}: failed${d}`;
    if (state === 'unproven')
        return `${m} ${what}: not proven${d}`;
    if (state === 'not-configured')
        return `${m} ${what}: not configured (change not applied)`;
    if (state === 'unknown')
        return `${m} ${what}: unknown${d}`;
    if (state === 'not-read')
        return `${m} ${what}: not read`;
    return `${m} ${what}: configured, not proven`;
}
/** The resources each link depends on: APIM's identity, the policy that sends its token, Easy Auth that checks it. */
const LINK_KINDS = {
    clientToApim: [],
    apimToFunc: ['apim-identity', 'api-policy', 'easy-auth'],
    direct: ['easy-auth']
};
/**
 * What the reads and writes showed of a link with no smoke check to speak for it: `not-read` without a plan;
 * otherwise the worst of its resources (`kinds`; none: the APIs were read, so `configured`): `not-configured` when a
 * change is needed and was not applied (check mode, or not written / not attempted), `unknown` when a resource could
 * not be reconciled or its write was not verified, else `configured` (read in sync, or written and read back).
 */
function seenState(report, kinds) {
    if (!report.plan)
        return { state: 'not-read' };
    const seen = report.plan.resources
        .filter((r) => kinds.includes(r.kind))
        .map((r) => {
        if (r.error)
            return { state: 'unknown', why: 'not reconciled' };
        if (r.changes.length === 0)
            return { state: 'configured' };
        if (report.mode === 'check')
            return { state: 'not-configured' };
        const a = report.applied.find((x) => x.label === r.label);
        const st = a ? (a.state ?? (a.ok ? 'verified' : 'not-written')) : 'not-attempted';
        if (st === 'verified' || st === 'in-sync')
            return { state: 'configured' };
        if (st === 'unknown')
            return { state: 'unknown', why: 'write outcome unknown' };
        return st === 'written-unverified'
            ? { state: 'unknown', why: 'write not verified' }
            : { state: 'not-configured' };
    });
    for (const worst of ['not-configured', 'unknown']) {
        const found = seen.find((x) => x.state === worst);
        if (found)
            return found;
    }
    return { state: 'configured' };
}
/** Mermaid-safe text: letters, digits and a few punctuation marks only (no quotes, brackets, pipes, or HTML). */
function mm(text, max = 40) {
    return shorten(oneLine(text), max).replace(/[^\p{L}\p{N} ._\-/:→✓✗·(),]/gu, ' ');
}
function chain_group(checks, name) {
    const of = checks.filter((c) => c.name === name);
    if (of.length === 0)
        return undefined;
    const failed = of.find((c) => !c.passed);
    return { name, passed: !failed, rep: failed ?? of[0], count: of.length };
}
function chainOf(report) {
    const checks = report.smoke && report.smoke.result !== 'skipped' ? report.smoke.checks : [];
    const gateway = chain_group(checks, 'gateway');
    const direct = ['direct-no-token', 'direct-foreign-token']
        .map((n) => chain_group(checks, n))
        .filter((g) => g !== undefined);
    const seenClient = seenState(report, LINK_KINDS.clientToApim);
    const seenMi = seenState(report, LINK_KINDS.apimToFunc);
    let clientToApim = seenClient.state;
    let apimToFunc = seenMi.state;
    let apimToFuncNote;
    if (gateway?.passed) {
        clientToApim = 'proven';
        // A gateway 2xx proves APIM's token only when the Function also refused a request without one.
        const noToken = direct.find((g) => g.name === 'direct-no-token');
        if (noToken?.passed)
            apimToFunc = 'proven';
        else {
            apimToFunc = 'unproven';
            apimToFuncNote = /^2\d\d\b/.test(noToken?.rep.got ?? '')
                ? 'Function accepts requests without a token'
                : noToken
                    ? `direct no-token check got ${noToken.rep.got}`
                    : 'direct no-token check not run';
        }
    }
    else if (gateway) {
        if (gateway.rep.layer === 'apim')
            clientToApim = 'failed';
        else {
            // Another layer answered, so the call got through APIM.
            if (gateway.rep.layer)
                clientToApim = 'proven';
            apimToFunc = 'failed';
        }
    }
    return {
        clientToApim,
        apimToFunc,
        direct0: seenState(report, LINK_KINDS.direct),
        clientWhy: clientToApim === seenClient.state ? seenClient.why : undefined,
        apimToFuncWhy: apimToFunc === seenMi.state ? seenMi.why : undefined,
        apimToFuncNote,
        gateway,
        direct
    };
}
function groupDetail(g, prefix = '') {
    const api = !g.passed && g.rep.api ? ` API ${g.rep.api}` : '';
    const n = g.count > 1 ? `, ${g.count} checks` : '';
    return mm(`${prefix}${g.rep.got}${api}`) + n;
}
/** The chain as a fenced Mermaid `flowchart LR`, one edge per link and one per direct check. */
function mermaid(report) {
    const ch = chainOf(report);
    const gw = ch.gateway ? groupDetail(ch.gateway, 'gateway ') : undefined;
    // The smoke's detail for a link it spoke for; why, for one the reads and writes left unknown.
    const detail = (state, why) => state === 'proven' || state === 'failed' ? gw : state === 'unknown' ? why : undefined;
    const mi = ch.apimToFunc === 'unproven' ? mm(ch.apimToFuncNote ?? '', 60) : detail(ch.apimToFunc, ch.apimToFuncWhy);
    const lines = [
        '```mermaid',
        'flowchart LR',
        `  client["Client"] -->|"${linkLabel(ch.clientToApim, 'subscription key', detail(ch.clientToApim, ch.clientWhy))}"| apim["APIM ${mm(report.target.apim)}<br/>managed identity"]`,
        `  apim -->|"${linkLabel(ch.apimToFunc, 'MI token', mi)}"| func["Function ${mm(report.target.functionApp)}<br/>Easy Auth"]`
    ];
    if (ch.direct.length === 0) {
        const d = ch.direct0;
        lines.push(`  direct["Direct caller"] -.->|"${linkLabel(d.state, 'rejected', detail(d.state, d.why))}"| func`);
    }
    else {
        ch.direct.forEach((g, i) => {
            const what = g.name === 'direct-no-token' ? 'no token rejected' : 'foreign token rejected';
            const who = g.name === 'direct-no-token' ? 'Caller without token' : 'Caller with foreign token';
            const state = g.passed ? 'proven' : 'failed';
            lines.push(`  direct${i}["${who}"] -.->|"${linkLabel(state, what, groupDetail(g))}"| func`);
        });
    }
    lines.push('```');
    return lines.join('\n');
}
/**
 * One-line rendering of the chain, used by the compact comment and the text output. The legend names ✓, ✗ and ·
 * always, and ○ (not configured) and ? (not read or unknown) when the line uses them; without direct checks the
 * direct caller's link is said only when it is not `configured`.
 */
function chainLine(report) {
    const ch = chainOf(report);
    const direct = ch.direct.map((g) => `${checkLabel(g.name)} rejected ${g.passed ? '✓' : '✗'}`);
    const d0 = ch.direct0.state;
    if (ch.direct.length === 0 && d0 !== 'configured')
        direct.push(`direct caller rejected ${MARK[d0]}`);
    const tail = direct.length ? `; ${direct.join('; ')}` : '';
    const note = ch.apimToFunc === 'unproven' ? ` (MI token not proven: ${ch.apimToFuncNote})` : '';
    const used = [ch.clientToApim, ch.apimToFunc, ...(ch.direct.length ? [] : [d0])];
    const legend = ['✓ proven by smoke', '✗ failed', '· configured, not proven'];
    if (used.includes('not-configured'))
        legend.push('○ not configured (change not applied)');
    if (used.includes('unknown') || used.includes('not-read'))
        legend.push('? not read or unknown');
    return `client ─${MARK[ch.clientToApim]}→ APIM (managed identity) ─${MARK[ch.apimToFunc]}→ Function (Easy Auth)${note}${tail}  (${legend.join(', ')})`;
}

;// CONCATENATED MODULE: ./src/report/restore-sections.ts


const STATE_TEXT = {
    restored: '↩️ restored',
    'restored-unverified': '⚠️ written, not verified',
    unknown: '⚠️ outcome unknown (check it)',
    unchanged: 'already as before',
    kept: '🔒 kept',
    'not-restored': '❌ not restored',
    'not-attempted': 'not attempted'
};
const TRIGGER_TEXT = {
    'apply-failed': 'on-failure: restore — apply failed after writes',
    'smoke-failed': 'on-failure: restore — the smoke requests failed after apply',
    requested: 'mode: restore — from the snapshot'
};
/** The restore table: one row per resource (state, what happened), the problem that stopped or refused it. */
function restoreBlocks(report, heading) {
    const r = report.restore;
    if (!r)
        return [];
    const lines = [`${heading} Restore`, '', escapeText(TRIGGER_TEXT[r.trigger], 200)];
    if (r.problem)
        lines.push('', `> ${escapeText(r.problem, 1500)}`);
    const rows = r.items.map((i) => [escapeCell(i.label, 100), STATE_TEXT[i.state], escapeCell(i.detail, 400)]);
    const blocks = [{ kind: 'text', text: lines.join('\n') }];
    if (rows.length)
        blocks.push({ kind: 'table', header: ['Resource', 'Restore', 'Detail'], rows, noun: 'resources' });
    return blocks;
}
/**
 * Where the snapshot is, and with `jsonMax` > 0 (the job summary) the file's JSON collapsed in `<details>`, in a
 * fenced block whose fence is longer than any backtick run in it (GFM "Fenced code blocks"), with each policy's text
 * replaced by its size ({@link withoutPolicyTexts}); a JSON longer than `jsonMax` characters, or one that does not
 * parse, is not shown (the file has it).
 */
function snapshotBlocks(report, heading, jsonMax) {
    const s = report.snapshot;
    if (!s?.path)
        return [];
    const where = code(s.path, 300, false);
    const line = report.mode === 'restore'
        ? `Restored from ${where}.`
        : `Saved before the first write: ${where} (output \`snapshot-path\`; RUNNER_TEMP is emptied after the job — ` +
            'keep it with `actions/upload-artifact` for a later `mode: restore`).';
    const blocks = [{ kind: 'text', text: `${heading} Snapshot\n\n${line}` }];
    if (!s.json || jsonMax <= 0)
        return blocks;
    if (s.json.length > jsonMax) {
        blocks.push({ kind: 'text', text: `_The snapshot (${kb(s.json)}) is too large to show here; the file holds it._` });
        return blocks;
    }
    const shown = withoutPolicyTexts(s.json);
    if (!shown)
        return blocks;
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
function withoutPolicyTexts(json) {
    let snap;
    try {
        snap = JSON.parse(json);
    }
    catch {
        return '';
    }
    const hide = (doc) => {
        const d = doc;
        if (d && typeof d.value === 'string')
            d.value = `<policy text: ${d.value.length} characters, in the snapshot file>`;
    };
    for (const r of Array.isArray(snap.resources) ? snap.resources : []) {
        if (r?.kind !== 'api-policy')
            continue;
        hide(r.before);
        hide(r.after?.document);
    }
    return JSON.stringify(snap, null, 2);
}
function kb(text) {
    return `${Math.max(1, Math.round(Buffer.byteLength(text, 'utf8') / 1024))} KiB`;
}
function countResources(json) {
    try {
        const parsed = JSON.parse(json);
        return Array.isArray(parsed.resources) ? parsed.resources.length : 0;
    }
    catch {
        return 0;
    }
}
/** Plain-text lines: the snapshot's path, the restore's trigger, one line per resource, the problem. */
function restoreLines(report) {
    const t = (s, max = 300) => oneLine(shorten(s, max));
    const out = [];
    if (report.snapshot?.path)
        out.push(`snapshot: ${t(report.snapshot.path)}`);
    const r = report.restore;
    if (!r)
        return out;
    out.push(`restore (${TRIGGER_TEXT[r.trigger]}):`);
    for (const i of r.items)
        out.push(`  ${t(i.label, 100)}: ${STATE_TEXT[i.state]} — ${t(i.detail, 400)}`);
    if (r.problem)
        out.push(`  ${t(r.problem, 1500)}`);
    return out;
}

;// CONCATENATED MODULE: ./src/report/sections.ts




/** A table or list with more rows than this is collapsed in `<details>` (its heading stays visible). */
const LONG_SECTION_ROWS = 15;
/** `body` as is, or collapsed under `summary` when it has more than {@link LONG_SECTION_ROWS} rows (or `always`). */
function collapsible(body, summary, always = false) {
    const rows = body.kind === 'table' ? body.rows.length : body.items.length;
    return always || rows > LONG_SECTION_ROWS ? { kind: 'details', summary, body } : body;
}
/** The sections shared by the summary and the comment, in order; `prefix` goes before the verdict line. */
function reportBlocks(report, style, prefix, errorMax) {
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
function targetLine(report) {
    const t = report.target;
    const apis = t.apis.length > 0 ? t.apis.map((a) => code(a, 80, false)).join(', ') : '_none_';
    return (`**Target:** APIM ${code(t.apim, 80, false)} · ${t.apis.length === 1 ? 'API' : 'APIs'} ${apis}` +
        ` · Function App ${code(t.functionApp, 80, false)} · mode \`${report.mode}\``);
}
/** Shown under the plan's heading when the run stopped before any write (`stoppedBeforeWrites`). */
const NOT_APPLIED = 'Not applied: the run stopped before any write (the error above says why).';
/** `not reconciled`, with the resource's error unless the run's error already says it. */
function notReconciled(report, error, max, escape) {
    return saidInError(report, error) ? 'not reconciled' : `not reconciled: ${escape(error, max)}`;
}
function planBlocks(report, style) {
    const plan = report.plan;
    if (!plan)
        return [{ kind: 'text', text: `${style.heading} Plan\n\n_No plan was built._` }];
    const rows = [];
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
function resourceItem(r, report) {
    const mode = report.mode;
    const parts = [];
    if (r.error)
        parts.push(`❌ ${notReconciled(report, r.error, 400, escapeText)}`);
    if (r.changes.length === 0 && !r.error)
        parts.push('in sync');
    if (r.changes.length > 0) {
        const paths = [...new Set(r.changes.map((c) => c.path))];
        const shown = paths.slice(0, 20).map((p) => code(p, 80, false));
        const more = paths.length > 20 ? ` and ${paths.length - 20} more` : '';
        parts.push(`${plural(r.changes.length, 'change')}: ${shown.join(', ')}${more}`);
    }
    // Check mode writes nothing: say what apply would do, not what was done.
    const after = mode === 'check' ? 'to be written after' : 'written after';
    if (r.deferredUntil)
        parts.push(`${after} ${escapeText(r.deferredUntil)}`);
    for (const n of r.notes)
        parts.push(escapeText(n, 300));
    return `**${escapeText(r.label, 100)}** (${code(r.resourceId, 200, false)}): ${parts.join('; ')}`;
}
function resourceBlocks(report, style) {
    const resources = report.plan?.resources ?? [];
    if (resources.length === 0)
        return [];
    return [
        { kind: 'text', text: `${style.heading} Resources` },
        collapsible({ kind: 'list', items: resources.map((r) => resourceItem(r, report)), noun: 'resources' }, `${plural(resources.length, 'resource')}: ARM IDs, changed fields and notes`, true)
    ];
}
function factItems(report) {
    const f = report.plan?.facts;
    if (!f)
        return [];
    const list = (xs) => (xs.length ? xs.map((x) => code(x, 200, false)).join(', ') : '_none_');
    const one = (x, none = '_not known_') => (x ? code(x, 200, false) : none);
    const items = [
        `Effective audiences (Easy Auth accepts): ${list(f.effectiveAudiences)}`,
        `Excluded paths (no auth): ${list(f.excludedPaths)}`,
        `Issuer: ${one(f.openIdIssuer)}`,
        `Token resource (policy \`resource\`): ${one(f.tokenResource)}`,
        `Function app registration client ID: ${one(f.appClientId)}`,
        `APIM managed identity principal (object) ID: ${one(f.apimPrincipalId)}`,
        `APIM managed identity client (app) ID: ${one(f.apimIdentityClientId, '_not resolved_')}`
    ];
    if (f.gatewayUrl)
        items.push(`Gateway: ${code(f.gatewayUrl, 200, false)}`);
    if (f.defaultHostName)
        items.push(`Function host: ${code(f.defaultHostName, 200, false)}`);
    return items;
}
function factBlocks(report, style) {
    const items = factItems(report);
    if (items.length === 0)
        return [];
    return [
        { kind: 'text', text: `${style.heading} Facts` },
        collapsible({ kind: 'list', items, noun: 'facts' }, 'audiences, excluded paths, issuer, token resource, client and principal IDs, hosts', true)
    ];
}
function smokeBlocks(report, style) {
    const smoke = report.smoke;
    const blocks = [];
    if (!smoke) {
        return [{ kind: 'text', text: `${style.heading} Smoke checks\n\nNot run.` }];
    }
    if (smoke.result === 'skipped' || smoke.checks.length === 0) {
        blocks.push({ kind: 'text', text: `${style.heading} Smoke checks\n\n⏭️ skipped` });
    }
    else {
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
        blocks.push(collapsible({
            kind: 'table',
            header: ['Check', 'Expected', 'Got', 'Attempts', 'Seconds', 'Layer', 'Diagnosis'],
            rows,
            noun: 'checks'
        }, `${plural(smoke.checks.length, 'check')}, ${failed} failed: show the table`));
    }
    if (smoke.notes.length > 0) {
        const notes = { kind: 'list', items: smoke.notes.map((n) => escapeText(n, 300)), noun: 'notes' };
        blocks.push(collapsible(notes, plural(smoke.notes.length, 'note')));
    }
    return blocks;
}
function chainBlocks(report, style) {
    const body = style.mermaid ? mermaid(report) : escapeText(chainLine(report), 400);
    return [{ kind: 'text', text: `${style.heading} Chain\n\n${body}` }];
}
/** Security lint: one row per finding (where, what, fix); never a failure by itself. */
function lintBlocks(report, style) {
    const lint = shownLint(report);
    if (lint.length === 0)
        return [];
    const rows = lint.map((l) => [escapeCell(l.where, 120), escapeCell(l.message, 400), escapeCell(l.fix, 300)]);
    return [
        { kind: 'text', text: `${style.heading} Security lint` },
        collapsible({ kind: 'table', header: ['Where', 'Finding', 'Fix'], rows, noun: 'findings' }, `${plural(lint.length, 'finding')}: show the table`)
    ];
}
function warningBlocks(report, style) {
    const w = allWarnings(report);
    if (w.length === 0)
        return [];
    return [
        { kind: 'text', text: `${style.heading} Warnings` },
        collapsible({ kind: 'list', items: w.map((x) => `⚠️ ${escapeText(x, 500)}`), noun: 'warnings' }, `${plural(w.length, 'warning')}: show them`)
    ];
}
function appliedBlocks(report, style) {
    if (report.mode !== 'apply' || (report.applied.length === 0 && report.verdict !== 'failed'))
        return [];
    const { changed, unverified, unknown, notChanged } = appliedSplit(report);
    if (changed.length + unverified.length + unknown.length + notChanged.length === 0)
        return [];
    const names = (xs) => (xs.length ? xs.map((x) => escapeText(x, 100)).join(', ') : '_nothing_');
    const line = [
        `**changed:** ${names(changed)}`,
        ...(unverified.length ? [`**written, not verified:** ${names(unverified)}`] : []),
        ...(unknown.length ? [`**outcome unknown (check it):** ${names(unknown)}`] : []),
        `**not changed:** ${names(notChanged.map((n) => n.label))}`
    ].join('; ');
    const blocks = [{ kind: 'text', text: `${style.heading} Applied\n\n${line}` }];
    const written = report.applied.filter((a) => (a.state === 'written-unverified' || a.state === 'unknown') && !saidInError(report, a.detail));
    const details = [...written, ...notChanged]
        .filter((n) => n.detail)
        .map((n) => `${escapeText(n.label, 100)}: ${escapeText(n.detail ?? '', 300)}`);
    if (details.length)
        blocks.push({ kind: 'list', items: details, noun: 'resources' });
    return blocks;
}
/**
 * The run's error, once, line by line, in a blockquote right under the target (the heading says only `❌ failed`;
 * the sections leave out what it says: see saidInError).
 */
function errorBlocks(report, max) {
    if (report.verdict !== 'failed' || !report.error)
        return [];
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
function footer(report) {
    const parts = [TOOL, report.mode, seconds(report.durationSeconds)];
    const src = report.source;
    const linkable = (url) => Boolean(url && /^https?:\/\/[^\s()<>[\]]+$/.test(url));
    if (src?.runId && /^[0-9]+$/.test(src.runId)) {
        parts.push(linkable(src.runUrl) ? `[run ${src.runId}](${src.runUrl})` : `run ${src.runId}`);
    }
    if (src?.commit && /^[0-9a-f]+$/i.test(src.commit)) {
        const short = src.commit.slice(0, 7);
        parts.push(linkable(src.commitUrl) ? `commit [${short}](${src.commitUrl})` : `commit ${short}`);
    }
    return { kind: 'text', text: `<sub>${parts.join(' · ')}</sub>` };
}

;// CONCATENATED MODULE: ./src/report/text.ts




/**
 * Plain text for terminals (the demo script): verdict, target, one line per plan change (`before → after`) or
 * in-sync resource with its notes, one line per smoke check (e.g. `gateway: expected 2xx, got 200 after 4 attempts
 * / 180 s`), the chain, the security lint, warnings, the applied split, the duration, and the run's link and commit when known
 * (`report.source`). No colours, no markdown; never truncated
 * except for long single values (shortened with `…`).
 */
function renderText(report) {
    const out = [
        ...verdictLines(report),
        `target: APIM ${t(report.target.apim)}, APIs ${report.target.apis.map((a) => t(a)).join(', ') || '(none)'}, ` +
            `Function App ${t(report.target.functionApp)} (mode ${report.mode})`,
        ...planLines(report),
        ...appliedLines(report),
        ...restoreLines(report),
        ...smokeLines(report),
        `chain: ${chainLine(report)}`,
        ...lintLines(report),
        ...warningLines(report),
        `duration: ${seconds(report.durationSeconds)}`,
        ...sourceLines(report)
    ];
    return out.join('\n') + '\n';
}
/** `run: <url> (commit <sha>)` when the publisher knew the run or the commit (`report.source`); else nothing. */
function sourceLines(report) {
    const src = report.source;
    const run = src?.runUrl ?? (src?.runId ? `run ${src.runId}` : undefined);
    const commit = src?.commit ? `commit ${src.commit}` : undefined;
    if (!run && !commit)
        return [];
    return [`run: ${t([run, commit && run ? `(${commit})` : commit].filter(Boolean).join(' '), 300)}`];
}
/** One value on one line, shortened to `max` code points. */
function t(s, max = 200) {
    return oneLine(shorten(s, max));
}
/** The verdict, then the rest of a multi-line error, indented. */
function verdictLines(report) {
    const out = [`${TOOL}: ${verdictText(report, 2000)}`];
    const err = report.verdict === 'failed' ? (report.error ?? '').trim() : '';
    if (err !== derive_firstLine(err)) {
        for (const line of shorten(err, 4000)
            .split(/\r\n|[\r\n]/)
            .slice(1))
            out.push(`  ${line}`);
    }
    return out;
}
/** One line per change (or per in-sync / unreconciled resource) with its notes, then the facts. */
function planLines(report) {
    const plan = report.plan;
    if (!plan)
        return ['plan: none'];
    const out = [report.stoppedBeforeWrites ? 'plan (not applied: the run stopped before any write):' : 'plan:'];
    for (const r of plan.resources) {
        if (r.error)
            out.push(`  ${t(r.label)}: not reconciled${saidInError(report, r.error) ? '' : `: ${t(r.error, 400)}`}`);
        else if (r.changes.length === 0)
            out.push(`  ${t(r.label)}: in sync`);
        for (const c of r.changes) {
            const secret = pathIsSecret(c.path);
            const b = t(valueText(c.before, secret), 120);
            const a = t(valueText(c.after, secret), 120);
            out.push(`  ${t(r.label)}: ${t(c.path)}: ${b} → ${a} (${actionOf(c)})`);
        }
        for (const n of r.notes)
            out.push(`    - ${t(n, 300)}`);
    }
    const f = plan.facts;
    out.push(`facts: audiences [${f.effectiveAudiences.map((x) => t(x)).join(', ')}]; excluded paths [${f.excludedPaths.map((x) => t(x)).join(', ')}]`);
    if (f.apimPrincipalId)
        out.push(`  APIM principal ID ${t(f.apimPrincipalId)}; client ID ${t(f.apimIdentityClientId ?? 'not resolved')}`);
    return out;
}
/** The applied split on one line (apply mode, when something was applied or the run failed). */
function appliedLines(report) {
    if (report.mode !== 'apply' || (report.applied.length === 0 && report.verdict !== 'failed'))
        return [];
    const { changed, unverified, unknown, notChanged } = appliedSplit(report);
    const nc = notChanged.map((n) => (n.detail ? `${t(n.label)} (${t(n.detail, 200)})` : t(n.label)));
    const list = (xs) => xs.map((c) => t(c)).join(', ');
    return [
        [
            `applied: changed: ${list(changed) || 'nothing'}`,
            ...(unverified.length ? [`written, not verified: ${list(unverified)}`] : []),
            ...(unknown.length ? [`outcome unknown (check it): ${list(unknown)}`] : []),
            `not changed: ${nc.join(', ') || 'nothing'}`
        ].join('; ')
    ];
}
/** The smoke result, one line per check, then its notes. */
function smokeLines(report) {
    const smoke = report.smoke;
    if (!smoke)
        return ['smoke: not run'];
    const out = [`smoke: ${smoke.result}`];
    for (const c of smoke.checks) {
        const diag = c.diagnosis ? ` — ${t(c.diagnosis, 300)}` : '';
        const layer = c.layer ? ` [${t(c.layer)}]` : '';
        out.push(`  ${c.passed ? '✓' : '✗'} ${c.name}${c.api ? ` (API ${t(c.api)})` : ''}: expected ${t(c.expected)}, got ${t(c.got)} after ${plural(c.attempts, 'attempt')} / ${secs(c.seconds)}${layer}${diag}`);
    }
    for (const n of smoke.notes)
        out.push(`  - ${t(n, 300)}`);
    return out;
}
function lintLines(report) {
    const lint = shownLint(report);
    if (lint.length === 0)
        return [];
    return ['security lint:', ...lint.map((l) => `  - ${t(l.where)}: ${t(l.message, 500)}. Fix: ${t(l.fix, 300)}`)];
}
function warningLines(report) {
    const w = allWarnings(report);
    if (w.length === 0)
        return [];
    return ['warnings:', ...w.map((x) => `  - ${t(x, 500)}`)];
}

;// CONCATENATED MODULE: ./src/report/render.ts




/**
 * Default summary budget, in UTF-8 bytes. GitHub rejects a step summary above 1 MiB ("$GITHUB_STEP_SUMMARY upload
 * aborted, supports content up to a size of 1024k"; docs.github.com, "Adding a job summary"); we keep a margin for
 * whatever else the step appends.
 */
const SUMMARY_MAX_BYTES = 1024 * 1024 - 48 * 1024;
/**
 * Longest snapshot JSON the job summary shows collapsed, in characters: a snapshot holds Easy Auth and each policy
 * (typically a few KiB); a larger one stays in its file (output `snapshot-path`) so the summary keeps its budget.
 */
const SNAPSHOT_JSON_MAX = 200_000;
/**
 * Default comment budget, in UTF-16 code units (`string.length`, never fewer than GitHub's character count).
 * GitHub answers 422 "Body is too long (maximum is 65536 characters)" above 65,536 (REST "Create an issue comment").
 */
const COMMENT_MAX_CHARS = 65_536 - 536;
/**
 * Renders the job summary: GitHub-flavoured markdown with the verdict on top (a failure's heading says `❌ failed`
 * and its error is quoted once right below; no section repeats it), the target, the plan table
 * (resource, field, before → after, action add/update/none; marked not applied when the run stopped before any
 * write), per-resource notes, facts (effective audiences,
 * excluded paths, issuer, APIM principal/client IDs), the smoke table (attempts, time in seconds, layer,
 * diagnosis), a Mermaid `flowchart LR` of client → APIM → Function with each link marked proven/failed by the smoke
 * checks, or else as the reads and writes showed it: configured (read in sync, or written and read back), not
 * configured (a change not applied), unknown, not read (no plan)
 * (APIM → Function is proven only when the gateway check AND the direct no-token check passed; a gateway success
 * with the no-token check failing is "not proven (Function accepts requests without a token)"),
 * warnings, the applied/not-applied split, and the duration (s).
 *
 * `opts.maxBytes` (UTF-8 bytes, default `SUMMARY_MAX_BYTES`): the output never exceeds it; tables and lists are cut
 * with a row "… N more rows not shown" rather than mid-structure. Throws nothing for any RunReport.
 * Limit source: GitHub Docs, "Workflow commands for GitHub Actions → Adding a job summary" (1 MiB per step).
 */
function render_renderSummary(report, opts) {
    const style = { valueMax: 200, heading: '####', mermaid: true, snapshotJsonMax: SNAPSHOT_JSON_MAX };
    const blocks = reportBlocks(report, style, '', 4000);
    return fitBlocks(blocks, opts?.maxBytes ?? SUMMARY_MAX_BYTES, utf8Bytes).text;
}
/**
 * Renders the sticky PR comment: `marker` (from `commentMarker`) on the first line, then the same content as the
 * summary in a compact form (shorter values, the chain as one line instead of a diagram). The result is at most
 * `opts.maxChars` (default `COMMENT_MAX_CHARS`, below GitHub's 65,536-character limit on comment bodies, REST
 * "Create an issue comment" → 422 "Body is too long"); tables are cut with "… N more rows not shown".
 * Throws nothing for any RunReport.
 */
function render_renderComment(report, marker, opts) {
    const blocks = reportBlocks(report, { valueMax: 80, heading: '####', mermaid: false }, `${marker}\n`, 1000);
    return fitBlocks(blocks, opts?.maxChars ?? COMMENT_MAX_CHARS, (s) => s.length).text;
}
/**
 * The hidden HTML comment that identifies a run configuration's sticky comment (and drift issue), first line of the
 * body. The forms:
 * - a targets file: `<!-- apim-function-auth: targets=<path> target=<names, sorted, lower case, joined with ,> -->`
 *   (`target=*` without a filter), so each matrix leg (one `target`) and the whole-file run keep their own comment;
 * - one target with its subscription: `<!-- apim-function-auth: subscription=<id> apim=<rg>/<name>
 *   function-app=<rg>/<name>[/slots/<slot>] apis=<ids> -->` (one line; ARM names and API IDs lower case, as ARM
 *   compares them case-insensitively; APIs sorted, joined with `,`);
 * - one target known by names only (older callers, tests): `<!-- apim-function-auth: <apim>/<functionApp>/<apis> -->`.
 * Characters that could end or confuse an HTML comment (`<`, `>`, `!`, whitespace, `--`) are replaced; each part is
 * at most 200 characters. Deterministic for a given configuration.
 */
function render_runConfigMarker(config) {
    const clean = (s) => s
        .replace(/[<>!\s]/g, '_')
        .replace(/-{2,}/g, '-')
        .slice(0, 200);
    if ('targetsFile' in config) {
        const names = [...new Set((config.filter ?? []).map((n) => clean(n.toLowerCase())))].sort();
        return `<!-- ${TOOL}: targets=${clean(config.targetsFile)} target=${names.length ? names.join(',') : '*'} -->`;
    }
    const apis = [...config.apis].map(clean);
    if (config.subscriptionId === undefined) {
        return `<!-- ${TOOL}: ${clean(config.apim)}/${clean(config.functionApp)}/${apis.sort().join(',')} -->`;
    }
    const low = (s) => clean((s ?? '?').toLowerCase());
    const slot = config.slot ? `/slots/${low(config.slot)}` : '';
    return (`<!-- ${TOOL}: subscription=${low(config.subscriptionId)} apim=${low(config.apimResourceGroup)}/${low(config.apim)} ` +
        `function-app=${low(config.functionAppResourceGroup)}/${low(config.functionApp)}${slot} ` +
        `apis=${[...new Set(apis.map((a) => a.toLowerCase()))].sort().join(',')} -->`);
}
/** The marker of a one-target report by names only: {@link runConfigMarker} of `target` (kept for its callers). */
const commentMarker = (target) => render_runConfigMarker(target);

;// CONCATENATED MODULE: ./src/report/aggregate.ts
/**
 * Renders a run over a targets file for humans: the job summary and the sticky comment open with one row per target
 * (verdict, changes, smoke), then each target's own report (./render.ts), collapsed in `<details>` when long; plain
 * text for the log; and the short summary of `mode: list`. Pure: no @actions/*, no network, no fs.
 *
 * Budgets as for one target (./render.ts: SUMMARY_MAX_BYTES, COMMENT_MAX_CHARS): the overview always comes first and
 * is cut only when it alone does not fit; each target's details get an equal share of what is left, and details
 * that do not fit at all are named in a closing line. Table cells keep GitHub's width (./markdown.ts escapeCell).
 */





/** A target's details with more lines than this are collapsed in `<details>`. */
const DETAILS_OPEN_MAX_LINES = 20;
/** Smallest share of the budget worth rendering one target's details in (bytes or characters). */
const MIN_DETAILS_SHARE = 1500;
/**
 * The verdict line of the whole run: its icon (❌ failed, ⚠️ drift, 🔧 applied, ↩️ restored, ✅ in sync), then how many targets
 * ended each way, e.g. `❌ 1 failed, 1 drifted, 10 in sync (12 targets)`, `✅ 12 targets in sync`; a run-level
 * error: `❌ failed: <its first line>`.
 */
function overallText(run) {
    const n = run.targets.length;
    const verdict = overallVerdict(run);
    if (run.error)
        return `❌ failed: ${shorten(derive_firstLine(run.error), 200)}`;
    if (verdict === 'in-sync')
        return `✅ ${plural(n, 'target')} in sync`;
    const count = (v) => run.targets.filter((t) => targetResult(t) === v).length;
    const parts = [
        ['failed', 'failed'],
        ['drift', 'drifted'],
        ['applied', 'applied'],
        ['restored', 'restored'],
        ['in-sync', 'in sync']
    ]
        .map(([v, word]) => [count(v), word])
        .filter(([c]) => c > 0)
        .map(([c, word]) => `${c} ${word}`);
    const icon = { failed: '❌', drift: '⚠️', applied: '🔧', restored: '↩️' }[verdict];
    return `${icon} ${parts.join(', ')} (${plural(n, 'target')})`;
}
/** The line under the heading: the file, the filter, the mode, how many targets, how long. */
function runLine(run) {
    const filter = run.filter.length ? ` · target ${run.filter.map((f) => code(f, 64, false)).join(', ')}` : '';
    return (`**Targets file:** ${code(run.targetsFile, 200, false)}${filter} · mode \`${run.mode}\` · ` +
        `${plural(run.targets.length, 'target')} · ${seconds(run.durationSeconds)}`);
}
/** The Changes cell: check → changes needed; apply → changes written and verified, and those that were not. */
function changesCell(t) {
    const plan = t.result.plan;
    if (!plan)
        return '—';
    const applied = t.report.mode === 'apply' && t.result.outcome ? t.report.applied : undefined;
    const rows = planChanges(plan, applied);
    if (rows.length === 0)
        return 'none';
    if (!applied)
        return `${rows.length} needed`;
    const written = rows.filter((r) => r.state === 'verified').length;
    const rest = rows.length - written;
    return `${written} written${rest ? `, ${rest} not verified or not written` : ''}`;
}
function smokeCell(report) {
    switch (report.smoke?.result) {
        case 'passed':
            return '✅ passed';
        case 'failed':
            return '❌ failed';
        case 'skipped':
            return '⏭️ skipped';
        default:
            return '—';
    }
}
/** The overview table: one row per target. */
function overview(run) {
    const rows = run.targets.map((t) => [
        // Spaces around the markup keep every run short enough to wrap (GitHub's width, ./markdown.ts MAX_UNBROKEN_RUN).
        `${escapeCell(t.name, 80)} <br><sub>APIM ${escapeCell(t.report.target.apim, 80)} → ` +
            `${escapeCell(t.report.target.functionApp, 80)} </sub>`,
        escapeCell(verdictText(t.report, 160), 200),
        changesCell(t),
        smokeCell(t.report)
    ]);
    return { kind: 'table', header: ['Target', 'Verdict', 'Changes', 'Smoke'], rows, noun: 'targets' };
}
/** Heading, run line, the run-level error (when one stopped the run) and the overview, as blocks. */
function headBlocks(run, prefix) {
    const blocks = [
        { kind: 'text', text: `${prefix}### ${TOOL} — ${escapeText(overallText(run), 300)}\n\n${runLine(run)}` }
    ];
    if (run.error) {
        const lines = shorten(run.error.trim(), 4000)
            .split(/\r\n|[\r\n]/)
            .filter((l) => l.trim() !== '')
            .map((l) => `> ${escapeText(l, 400)}`);
        blocks.push({ kind: 'text', text: lines.join('\n>\n') });
    }
    if (run.targets.length > 0)
        blocks.push(overview(run));
    return blocks;
}
/** One target's details: its own report without its heading line, collapsed when long. */
function details(t, body) {
    const text = body.replace(/^\s*### [^\n]*\n+/, '').trimEnd();
    // The verdict alone: a failed target's error is quoted once inside its details (and in the table row above).
    const title = `${t.name} — ${verdictHeadline(t.report)}`;
    if (text.split('\n').length <= DETAILS_OPEN_MAX_LINES)
        return `#### ${escapeText(title, 200)}\n\n${text}`;
    const summary = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `<details><summary>${summary}</summary>\n\n${text}\n\n</details>`;
}
/** The footer: tool, mode, duration, and the run's link when known (as one target's report has it). */
function aggregate_footer(run) {
    const parts = [TOOL, run.mode, seconds(run.durationSeconds)];
    const src = run.source;
    if (src?.runId && /^[0-9]+$/.test(src.runId)) {
        const ok = src.runUrl && /^https?:\/\/[^\s()<>[\]]+$/.test(src.runUrl);
        parts.push(ok ? `[run ${src.runId}](${src.runUrl})` : `run ${src.runId}`);
    }
    return `<sub>${parts.join(' · ')}</sub>`;
}
/**
 * Head (fitted to the budget first), then the details of `shown` targets, each within an equal share of what is
 * left; the targets whose details did not fit are named in a closing line.
 */
function assemble(run, prefix, shown, render, budget, measure, elsewhere) {
    const tail = `\n${aggregate_footer(run)}\n`;
    const head = fitBlocks(headBlocks(run, prefix), budget - measure(tail) - 400, measure).text;
    const parts = [head.trimEnd()];
    let left = budget - measure(head) - measure(tail) - 400;
    const missing = [];
    shown.forEach((t, i) => {
        const share = Math.floor(left / (shown.length - i)) - 80;
        if (share < MIN_DETAILS_SHARE) {
            missing.push(t.name);
            return;
        }
        const part = details(t, render(t, share));
        if (measure(part) + 2 > left) {
            missing.push(t.name);
            return;
        }
        parts.push(part);
        left -= measure(part) + 2;
    });
    if (missing.length) {
        const names = missing.slice(0, 20).map((n) => code(n, 64, false));
        const more = missing.length > 20 ? ` and ${missing.length - 20} more` : '';
        parts.push(`_Details of ${plural(missing.length, 'target')} not shown here (${names.join(', ')}${more}): ${elsewhere}._`);
    }
    return `${parts.join('\n\n')}\n${tail}`;
}
/**
 * The job summary of a run over a targets file: heading with the overall verdict ({@link overallText}), the file,
 * filter, mode, count and duration, the run-level error when one stopped the run, the overview table (Target,
 * Verdict, Changes, Smoke), then every target's report (renderSummary) in file order, collapsed when longer than
 * {@link DETAILS_OPEN_MAX_LINES} lines, and the footer. At most `opts.maxBytes` UTF-8 bytes (default
 * SUMMARY_MAX_BYTES). Throws nothing.
 */
function renderTargetsSummary(run, opts) {
    return assemble(run, '', run.targets, (t, share) => render_renderSummary(t.report, { maxBytes: share }), opts?.maxBytes ?? SUMMARY_MAX_BYTES, utf8Bytes, 'see the log of this step');
}
/**
 * The sticky comment of a run over a targets file: `marker` on the first line, then the summary's heading and
 * overview, and the compact reports (renderComment) of the targets that need attention (drift, changes, a failure, a
 * failed smoke check) — the others are in sync and their row says so. At most `opts.maxChars` (default
 * COMMENT_MAX_CHARS). Throws nothing.
 */
function renderTargetsComment(run, marker, opts) {
    const shown = run.targets.filter((t) => t.result.failed || derive_needsAttention(t.report));
    return assemble(run, `${marker}\n`, shown, (t, share) => render_renderComment(t.report, '', { maxChars: share }), opts?.maxChars ?? COMMENT_MAX_CHARS, (s) => s.length, 'see the job summary');
}
/** True when the run has something a reviewer must see: a run-level error, or a target that needs attention. */
function targetsNeedAttention(run) {
    return Boolean(run.error) || run.targets.some((t) => t.result.failed || derive_needsAttention(t.report));
}
/** Plain text for the log: the overall verdict, then one line per target (verdict, smoke, the failure's first line). */
function renderTargetsText(run) {
    const lines = [`${TOOL}: ${overallText(run)} (mode ${run.mode}, ${seconds(run.durationSeconds)})`];
    for (const t of run.targets) {
        const smoke = t.report.smoke ? `; smoke ${t.report.smoke.result}` : '';
        lines.push(`- ${t.name}: ${derive_firstLine(verdictText(t.report, 300))}${smoke}; changes: ${changesCell(t)}`);
    }
    const failed = failedTargets(run);
    if (failed.length)
        lines.push(`Failed: ${failed.map((t) => t.name).join(', ')}`);
    return lines.join('\n');
}
/**
 * The job summary of `mode: list`: the file, the filter, and one row per selected target (name, APIM service,
 * Function App, subscription), the order of the `matrix` output.
 */
function renderListSummary(targetsFile, filter, targets) {
    const head = {
        kind: 'text',
        text: `### ${TOOL} — 📋 ${plural(targets.length, 'target')} listed\n\n**Targets file:** ${code(targetsFile, 200, false)}` +
            `${filter.length ? ` · target ${filter.map((f) => code(f, 64, false)).join(', ')}` : ''} · mode \`list\` ` +
            '(no Azure request)'
    };
    const rows = targets.map((t) => [
        escapeCell(t.name, 80),
        escapeCell(t.apim, 80),
        escapeCell(t.functionApp, 80),
        escapeCell(t.subscriptionId, 60)
    ]);
    const table = { kind: 'table', header: ['Target', 'APIM', 'Function App', 'Subscription'], rows };
    return fitBlocks([head, table], SUMMARY_MAX_BYTES, utf8Bytes).text;
}

;// CONCATENATED MODULE: ./src/report/drift-issue.ts




/** What the marker of a drift issue starts with, after `<!-- `: the sticky comment's prefix is `apim-function-auth:`. */
const DRIFT_ISSUE_PREFIX = `${TOOL}:drift-issue`;
/**
 * GitHub's longest issue title, in characters (REST "Create an issue" answers 422 above it; the web form stops at the
 * same length).
 */
const ISSUE_TITLE_MAX = 256;
/**
 * Events that run for a pull request, which the sticky PR comment covers: a drift issue is never opened for them.
 * Source: GitHub Docs, "Events that trigger workflows" (`pull_request`, `pull_request_target`, `pull_request_review`,
 * `pull_request_review_comment`, and `merge_group` for a pull request in a merge queue).
 */
const PULL_REQUEST_EVENTS = new Set([
    'pull_request',
    'pull_request_target',
    'pull_request_review',
    'pull_request_review_comment',
    'merge_group'
]);
/** True when `eventName` (GITHUB_EVENT_NAME) is an event of a pull request ({@link PULL_REQUEST_EVENTS}). */
function isPullRequestEvent(eventName) {
    return PULL_REQUEST_EVENTS.has(eventName);
}
/** The {@link DriftStatus} of a finished run. */
function driftStatus(report) {
    if (report.mode !== 'check')
        return 'unknown';
    if (report.verdict === 'failed') {
        const blocked = report.stoppedBeforeWrites && (report.plan?.resources ?? []).some((r) => r.error !== undefined);
        return blocked ? 'not-in-sync' : 'unknown';
    }
    return derive_needsAttention(report) ? 'not-in-sync' : 'in-sync';
}
/**
 * The hidden marker of one run configuration's drift issue, with the prefix {@link DRIFT_ISSUE_PREFIX}. `target`: the
 * sticky comment's marker of the run configuration (`runConfigMarker`: the targets file and filter, or one target's
 * subscription, resource groups, slot and APIs), used as it is; or a report's target: its names
 * ({@link commentMarker}), then — when the report knows it (`target.scope`) — where the names live: subscription,
 * APIM resource group, Function App resource group and slot, in lower case (ARM compares them case-insensitively),
 * e.g. `<!-- apim-function-auth:drift-issue: apim-x/func-x/orders in 22222222-2222-4222-8222-222222222222/rg-demo/rg-demo
 * -->`. So a nightly check of staging never updates or closes the issue of production when their names repeat (issue
 * "Drift watch"). It never starts like a sticky comment's marker.
 */
function driftIssueMarker(target) {
    const inner = (typeof target === 'string' ? target : commentMarker(target))
        .replace(/^<!--\s*/, '')
        .replace(/\s*-->$/, '');
    const key = inner.startsWith(`${TOOL}:`) ? inner.slice(TOOL.length + 1).trim() : inner;
    const s = typeof target === 'string' ? undefined : target.scope;
    const clean = (x) => x
        .toLowerCase()
        .replace(/[<>!\s/]/g, '_')
        .replace(/-{2,}/g, '-')
        .slice(0, 100);
    const where = s
        ? ` in ${[s.subscriptionId, s.apimResourceGroup, s.functionAppResourceGroup, ...(s.slot ? [s.slot] : [])].map(clean).join('/')}`
        : '';
    return `<!-- ${DRIFT_ISSUE_PREFIX}: ${key}${where} -->`;
}
/** True when `body`'s first line (leading white space and CRLF ignored) is `marker`: the issue belongs to it. */
function carriesMarker(body, marker) {
    const first = body.replace(/\r\n/g, '\n').trimStart().split('\n')[0] ?? '';
    return first.trim() === marker;
}
/** A target as the title names it: `apim-x → func-x (orders, payments)`; `func-x/staging` for a slot. */
function targetName(t) {
    const apis = t.apis.length > 0 ? ` (${t.apis.join(', ')})` : '';
    const slot = t.scope?.slot ? `/${t.scope.slot}` : '';
    return `${t.apim} → ${t.functionApp}${slot}${apis}`;
}
/**
 * The issue's title: `apim-function-auth: drift in <target>, <target>` naming the targets that are not in sync, at
 * most {@link ISSUE_TITLE_MAX} characters (cut with `…`). Line breaks never reach it (names are validated inputs).
 */
function driftIssueTitle(targets) {
    const names = targets.map(targetName).join(', ') || 'the target';
    return shorten(`${TOOL}: drift in ${names}`.replace(/[\r\n]+/g, ' '), ISSUE_TITLE_MAX);
}
/** `[run 123](url)` when the run's URL is known, `run 123` with only its id, else `this run`. */
function runLink(source) {
    const id = source?.runId && /^[0-9]+$/.test(source.runId) ? source.runId : undefined;
    const url = source?.runUrl && /^https?:\/\/[^\s()<>[\]]+$/.test(source.runUrl) ? source.runUrl : undefined;
    if (id && url)
        return `[run ${id}](${url})`;
    if (url)
        return `[this run](${url})`;
    return id ? `run ${id}` : 'this run';
}
/**
 * The issue's body: `marker` on the first line, a short note (what keeps the issue, the run that last checked and
 * its event, how to fix), then the comment-sized report ({@link renderComment}), all within
 * {@link COMMENT_MAX_CHARS} (GitHub refuses an issue body above 65,536 characters, as a comment's).
 */
function driftIssueBody(report, marker, eventName) {
    return render_renderComment(report, `${marker}\n${driftNote(report.source, eventName)}`, { maxChars: COMMENT_MAX_CHARS });
}
/** The note below the marker: what keeps the issue, the run that last checked and its event, how to fix. */
function driftNote(source, eventName) {
    return [
        `> [!WARNING]`,
        `> **Azure is not in the desired state.** Last checked by ${runLink(source)} (event \`${eventName.replace(/[^a-z_]/g, '')}\`).`,
        `> ${TOOL} keeps this issue: each check updates it, and the first check that finds everything in sync`,
        '> closes it. Run the action with `mode: apply` (or fix Azure by hand) to bring the target back.',
        ''
    ].join('\n');
}
/** The note an in-sync check leaves on the issue before closing it: `✅ In sync since <run link>.` */
function inSyncComment(report) {
    return `✅ In sync since ${runLink(report.source)}: ${TOOL} found no drift. Closing this issue.`;
}
/** Same text, CRLF (an issue edited in the web UI) and trailing white space ignored. */
function drift_issue_same(a, b) {
    const norm = (s) => s.replace(/\r\n/g, '\n').trimEnd();
    return norm(a) === norm(b);
}
/**
 * The decision, from the run's status and `ours` (the open issues of this marker written by this token's identity,
 * any order):
 * - `not-in-sync`, none open → `create` (`title`, `body`, `labels`);
 * - `not-in-sync`, some open → keep the OLDEST (lowest number: concurrent runs all agree on it) and `update` the
 *   title/body that differ and add the `labels` it lacks (labels people added stay), or `unchanged` when nothing
 *   differs; every other one is a duplicate to close;
 * - `in-sync`, some open → `close` all of them with `comment`; none → `none`;
 * - `unknown` → `none` (a failed check says nothing about Azure).
 */
function decideDriftIssue(status, ours, wanted) {
    const open = [...ours].filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
    if (status === 'unknown')
        return { kind: 'none', reason: 'the run could not tell whether Azure is in sync' };
    if (status === 'in-sync') {
        if (open.length === 0)
            return { kind: 'none', reason: 'in sync, and no drift issue is open' };
        return { kind: 'close', numbers: open.map((i) => i.number), comment: wanted.closing };
    }
    if (open.length === 0)
        return { kind: 'create', title: wanted.title, body: wanted.body, labels: [...wanted.labels] };
    const [keep, ...duplicates] = open;
    const closeDuplicates = duplicates.map((i) => i.number);
    const addLabels = wanted.labels.filter((l) => !keep.labels.some((k) => k.toLowerCase() === l.toLowerCase()));
    const title = keep.title === wanted.title ? undefined : wanted.title;
    const body = drift_issue_same(keep.body, wanted.body) ? undefined : wanted.body;
    if (title === undefined && body === undefined && addLabels.length === 0) {
        return { kind: 'unchanged', number: keep.number, closeDuplicates };
    }
    return {
        kind: 'update',
        number: keep.number,
        ...(title !== undefined ? { title } : {}),
        ...(body !== undefined ? { body } : {}),
        addLabels,
        closeDuplicates
    };
}
/** The {@link DriftIssueDoc} of a one-target run; `runMarker` default: by the report's names ({@link commentMarker}). */
function drift_issue_reportIssueDoc(report, runMarker = commentMarker(report.target)) {
    const status = driftStatus(report);
    return {
        mode: report.mode,
        status,
        runMarker,
        drifted: status === 'not-in-sync' ? [report.target] : [],
        body: (marker, eventName) => driftIssueBody(report, marker, eventName),
        closing: inSyncComment(report)
    };
}
/**
 * The {@link DriftIssueDoc} of a run over a targets file: `not-in-sync` when any target's check is not in sync (the
 * title names those targets); `in-sync` only when every target's check is in sync; otherwise (apply, a run-level
 * error, a target whose check failed before it could tell) `unknown`: the issue is left as it is.
 */
function targetsIssueDoc(run, runMarker) {
    const statuses = run.targets.map((t) => driftStatus(t.report));
    const drifted = run.targets.filter((_, i) => statuses[i] === 'not-in-sync').map((t) => t.report.target);
    const status = run.mode !== 'check' || run.error || run.targets.length === 0
        ? 'unknown'
        : drifted.length > 0
            ? 'not-in-sync'
            : statuses.every((x) => x === 'in-sync')
                ? 'in-sync'
                : 'unknown';
    return {
        mode: run.mode,
        status,
        runMarker,
        drifted,
        body: (marker, eventName) => renderTargetsComment(run, `${marker}\n${driftNote(run.source, eventName)}`, { maxChars: COMMENT_MAX_CHARS }),
        closing: `✅ In sync since ${runLink(run.source)}: ${TOOL} found no drift in any target. Closing this issue.`
    };
}

;// CONCATENATED MODULE: ./src/report/github-errors.ts
/**
 * What the report's GitHub calls (the sticky PR comment, the drift issue) say of a failed request. Pure: octokit's
 * RequestError carries the HTTP `status` and a message whose first line is GitHub's text (its later lines the API
 * docs URL); neither carries the token.
 */
/** The HTTP status of a failed GitHub call (octokit RequestError `status`), or undefined when it has none. */
function errorStatus(err) {
    if (typeof err === 'object' && err !== null && 'status' in err) {
        const s = err.status;
        if (typeof s === 'number')
            return s;
    }
    return undefined;
}
/** The first line of an error's message, at most 200 characters (cut with `…`). */
function errorMessage(err) {
    const m = err instanceof Error ? err.message : String(err);
    const first = m.split(/\r?\n/)[0] ?? '';
    return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

;// CONCATENATED MODULE: ./src/report/drift-issue-sync.ts


/** Advice for a failed issue call, by HTTP status (GitHub REST "Issues": 403, 404, 410 Gone, 422). */
function advice(status) {
    if (status === 403) {
        return ('the token may not write issues: grant `permissions: issues: write` to the job (a `permissions:` block ' +
            'leaves out every scope it does not name)');
    }
    if (status === 404)
        return 'the repository was not found or the token cannot see it: check `github-token`';
    if (status === 410)
        return 'issues are disabled in this repository: enable them, or set `drift-issue: false`';
    if (status === 422)
        return 'GitHub refused the issue (validation failed)';
    return 'the job summary and the `drift` output still report the drift';
}
/**
 * Publishes the drift issue for `report` (already scrubbed of secrets; `scrub` is applied again to every text sent).
 * Skipped (`'skipped'`, nothing called) when `ctx.enabled` is false, when `ctx.eventName` is a pull-request event
 * ({@link isPullRequestEvent}: the sticky PR comment covers those), or when there is no port (no token: one warning).
 * A run whose {@link driftStatus} is `unknown` (apply mode, a failed check) → `'none'`. Otherwise
 * {@link syncDriftIssue}. Never throws.
 */
async function publishDriftIssue(report, issues, ctx, log, scrub = (t) => t, runMarker) {
    return publishDriftIssueDoc(reportIssueDoc(report, runMarker), issues, ctx, log, scrub);
}
/** {@link publishDriftIssue} for a {@link DriftIssueDoc}: one target or a targets file. Never throws. */
async function publishDriftIssueDoc(doc, issues, ctx, log, scrub = (t) => t) {
    if (!ctx.enabled)
        return { outcome: 'skipped' };
    if (isPullRequestEvent(ctx.eventName)) {
        log.info(`Drift issue skipped: ${ctx.eventName} is a pull-request event (the PR comment reports drift there)`);
        return { outcome: 'skipped' };
    }
    if (doc.status === 'unknown') {
        const why = doc.mode !== 'check' ? 'drift-issue applies to mode: check' : 'the check failed before it could tell';
        log.info(`Drift issue left as it is: ${why}`);
        return { outcome: 'none' };
    }
    if (!issues) {
        log.warning('Drift issue skipped: no GitHub token was given (input `github-token`)');
        return { outcome: 'skipped' };
    }
    const marker = driftIssueMarker(doc.runMarker);
    const wanted = {
        title: scrub(driftIssueTitle(doc.drifted)),
        body: scrub(doc.body(marker, ctx.eventName)),
        labels: [...ctx.labels],
        closing: scrub(doc.closing)
    };
    return syncDriftIssue(issues, doc.status, marker, wanted, log);
}
/**
 * Finds this configuration's open drift issues (body's first line is `marker`, written by this token's identity —
 * `whoAmI`, else a Bot such as github-actions[bot] — so an issue a person wrote is never edited or closed), then
 * carries out {@link decideDriftIssue}. After a create it lists again: when runs of the same configuration created
 * issues at the same time, every run keeps the oldest (lowest number), writes its body there and closes the one it
 * created as a duplicate, so one stays open (a duplicate left by a run that stopped midway is closed by the next run). Any port error → one `log.warning` with advice, `'failed'`; never throws.
 * Source: GitHub REST "List repository issues", "Create an issue", "Update an issue", "Add labels to an issue",
 * "Create an issue comment".
 */
async function syncDriftIssue(issues, status, marker, wanted, log) {
    try {
        const me = await issues.whoAmI?.().catch(() => undefined);
        const mine = (a) => !a || (me ? a.login === me : a.type === 'Bot');
        const listOurs = async () => (await issues.listOpenIssues()).filter((i) => carriesMarker(i.body, marker) && mine(i.author));
        const ours = await listOurs();
        const decision = decideDriftIssue(status, ours, wanted);
        const result = await carryOut(issues, decision, wanted, { ours, listOurs });
        report(log, decision, result);
        return result;
    }
    catch (err) {
        const code = errorStatus(err);
        log.warning(`Could not update the drift issue${code ? ` (HTTP ${code})` : ''}: ${errorMessage(err)}; ${advice(code)}. ` +
            'The run’s result does not depend on it.');
        return { outcome: 'failed' };
    }
}
function report(log, decision, r) {
    if (decision.kind === 'none')
        log.info(`Drift issue: nothing to do (${decision.reason})`);
    else
        log.info(`Drift issue #${r.number} ${r.outcome}${r.url ? `: ${r.url}` : ''}`);
}
/**
 * Closes issue `n`, then leaves `note` on it. Close first: a close that fails leaves no note behind, so the next run
 * (which finds the issue still open) does not add a second one.
 */
async function closeWithNote(issues, n, reason, note) {
    const closed = await issues.updateIssue(n, { state: 'closed', stateReason: reason });
    await issues.createComment(n, note);
    return closed;
}
async function closeAsDuplicates(issues, numbers, keep) {
    for (const n of numbers) {
        await closeWithNote(issues, n, 'not_planned', `Duplicate of #${keep}: the drift of this configuration is tracked there.`);
    }
}
async function carryOut(issues, d, wanted, seen) {
    switch (d.kind) {
        case 'none':
            return { outcome: 'none' };
        case 'close': {
            let last;
            for (const n of d.numbers)
                last = await closeWithNote(issues, n, 'completed', d.comment);
            return {
                outcome: 'closed',
                number: d.numbers[0],
                ...(last?.url && d.numbers.length === 1 ? { url: last.url } : {})
            };
        }
        case 'unchanged':
        case 'update': {
            let kept;
            if (d.kind === 'update' && (d.title !== undefined || d.body !== undefined)) {
                const patch = {
                    ...(d.title !== undefined ? { title: d.title } : {}),
                    ...(d.body !== undefined ? { body: d.body } : {})
                };
                kept = await issues.updateIssue(d.number, patch);
            }
            if (d.kind === 'update' && d.addLabels.length > 0)
                await issues.addLabels(d.number, d.addLabels);
            await closeAsDuplicates(issues, d.closeDuplicates, d.number);
            const url = kept?.url ?? seen.ours.find((i) => i.number === d.number)?.url;
            return { outcome: d.kind === 'update' ? 'updated' : 'unchanged', number: d.number, ...(url ? { url } : {}) };
        }
        case 'create':
            return afterCreate(issues, await issues.createIssue({ title: d.title, body: d.body, labels: d.labels }), wanted, seen.listOurs);
    }
}
/**
 * After a create: keep the oldest of ours. When runs raced, that is another run's issue: this run closes the one it
 * created as a duplicate (each racing run closes its own, so every duplicate gets one note) and writes its report to
 * the oldest.
 */
async function afterCreate(issues, created, wanted, listOurs) {
    const seen = await listOurs();
    const keep = [...seen, created].sort((a, b) => a.number - b.number)[0];
    if (keep.number === created.number) {
        return { outcome: 'created', number: created.number, ...(created.url ? { url: created.url } : {}) };
    }
    await closeAsDuplicates(issues, [created.number], keep.number);
    const updated = await issues.updateIssue(keep.number, { title: wanted.title, body: wanted.body });
    const url = updated.url ?? keep.url;
    return { outcome: 'updated', number: keep.number, ...(url ? { url } : {}) };
}

;// CONCATENATED MODULE: ./src/report/event.ts
/**
 * The workflow's event, read as `@actions/github`'s `Context` reads it (lib/context.js: `GITHUB_EVENT_NAME`, and the
 * webhook payload from the JSON file at `GITHUB_EVENT_PATH`) without importing `@actions/github`, which would load
 * Octokit in every run (src/octokit.ts). GitHub docs: "Variables" (default environment variables) and "Events that
 * trigger workflows".
 */

/**
 * Reads the event from `env` (default: process.env). Never throws: a missing file or one that is not a JSON object
 * gives `payload: {}` and says so in `problem` (`@actions/github` would throw on malformed JSON when imported).
 * @param read reads a file as UTF-8 (tests).
 */
function workflowEvent(env = process.env, read = (f) => (0,external_node_fs_.readFileSync)(f, 'utf8')) {
    const eventName = env.GITHUB_EVENT_NAME ?? '';
    const file = env.GITHUB_EVENT_PATH;
    if (!file)
        return { eventName, payload: {} };
    try {
        const payload = JSON.parse(read(file));
        if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
            return { eventName, payload: payload };
        }
        return { eventName, payload: {}, problem: `GITHUB_EVENT_PATH ${file} does not hold a JSON object` };
    }
    catch (e) {
        const code = e.code;
        const why = code === 'ENOENT' ? 'does not exist' : `could not be read: ${e.message}`;
        return { eventName, payload: {}, problem: `GITHUB_EVENT_PATH ${file} ${why}` };
    }
}

;// CONCATENATED MODULE: ./src/report/publish.ts
/**
 * Publishes a rendered RunReport: the job summary, an optional copy on disk, and the sticky PR comment.
 * A thin adapter: all rendering lives in ./render.ts; GitHub and the summary are reached only through the ports
 * handed in, so tests use plain objects. Publishing never throws for GitHub failures: the report is not the verdict.
 */





/** A comment's web URL as a port may give it (`url` or `html_url`; the GitHubPort contract does not require it). */
function portUrl(c) {
    if (typeof c !== 'object' || c === null)
        return undefined;
    const { url, html_url: htmlUrl } = c;
    const u = typeof url === 'string' ? url : typeof htmlUrl === 'string' ? htmlUrl : undefined;
    return u && /^https?:\/\//.test(u) ? u : undefined;
}
/**
 * The web URL of comment `id` on the pull request whose web page is `prUrl` (the event payload's
 * `pull_request.html_url`, e.g. `https://github.com/o/r/pull/7`): `<prUrl>#issuecomment-<id>`, the form of an issue
 * comment's `html_url` on a pull request (REST "Issue comments"). undefined without both.
 */
function commentUrl(prUrl, id) {
    if (!prUrl || id === undefined || !/^https?:\/\/\S+$/.test(prUrl))
        return undefined;
    return `${prUrl.replace(/#.*$/, '')}#issuecomment-${id}`;
}
/** GitHub normalises nothing we rely on, but a comment edited in the web UI comes back with CRLF line ends. */
function sameBody(a, b) {
    const norm = (s) => s.replace(/\r\n/g, '\n').trimEnd();
    return norm(a) === norm(b);
}
/**
 * Creates or updates the one comment on issue/PR `issueNumber` that belongs to `marker`, and removes duplicates, so
 * that exactly one survives even when several runs publish on the same pull request at the same time.
 *
 * Ours are the comments whose body starts with `marker` (after leading whitespace: we always put it first, so a
 * person quoting it elsewhere is not overwritten) AND that this token's identity wrote (`whoAmI`; when GitHub does
 * not say, as for GITHUB_TOKEN, a Bot author): a person who pastes the marker never has a comment edited or deleted.
 * Every run applies the same rule:
 * 1. List every comment (the port pages through all of them). None of ours → `createComment`, then list again:
 *    runs that started together all saw none and all created one.
 * 2. Keep the OLDEST of ours (lowest id; GitHub ids grow with creation time), update it when its body differs from
 *    `body`, then delete every other one of ours that this run saw (and the one it created, if that is not the
 *    oldest). A 404 on delete means another run deleted it first: fine.
 * Why the oldest: it is the one comment every run agrees on. No comment older than the oldest can appear later, and
 * a comment is visible to any run that lists after it was created, so every run that creates one (and lists again)
 * or finds some picks that same one, and each duplicate is deleted at least by the run that created it. No run ever
 * deletes a comment older than the one it keeps, so the oldest is never deleted: even if GitHub's list lagged behind
 * its writes, at least one comment survives (a lagging list could only leave a duplicate, which the next run
 * removes). Keeping the newest, as before, made concurrent runs each keep their own: 2–3 of 5 survived.
 *
 * Which body wins: the survivor carries the body of the last run that wrote it (its creator, or a later update);
 * among concurrent runs that order is not defined, but every body is one run's complete report.
 *
 * Returns `'created'` when the survivor is the comment this run created (or, for a port whose `createComment` gives
 * no id, when it is the only one listed), else `'updated'` / `'unchanged'` (the survivor's body already equal, CRLF
 * ignored). Errors of the port (e.g. 403 "Resource not
 * accessible by integration") propagate to the caller, except deletes: a 404 is ignored, other delete failures go to
 * `log.warning` (the report is already in the kept comment; the next run removes the duplicate).
 * Source: GitHub REST "Issue comments" (list / create / update / delete an issue comment; PRs are issues here).
 */
async function upsertStickyComment(github, issueNumber, marker, body, log) {
    return (await syncStickyComment(github, issueNumber, marker, body, log)).outcome;
}
/**
 * {@link upsertStickyComment}, returning the surviving comment's id (and URL, when the port gives one). With
 * `opts.create === false` no comment is created: when none of ours exists it returns undefined after the first
 * list, and otherwise updates (and de-duplicates) ours exactly as upsertStickyComment does — how `pr-comment:
 * on-change` refreshes an earlier report once the run has nothing to say.
 */
async function syncStickyComment(github, issueNumber, marker, body, log, opts = {}) {
    const me = await github.whoAmI?.();
    // Someone else's comment that carries (or quotes) the marker is never taken over or deleted: only comments written
    // by this token's identity (or, when GitHub does not say who that is, by a Bot such as github-actions[bot]).
    const mine = (a) => !a || (me ? a.login === me : a.type === 'Bot');
    const listOurs = async () => (await github.listComments(issueNumber))
        .filter((c) => typeof c.body === 'string' && c.body.trimStart().startsWith(marker) && mine(c.author))
        .map((c) => ({ id: c.id, body: c.body, ...(portUrl(c) ? { url: portUrl(c) } : {}) }))
        .sort((a, b) => a.id - b.id);
    let ours = await listOurs();
    let createdId;
    let createdUrl;
    let created = false;
    if (ours.length === 0) {
        if (opts.create === false)
            return undefined;
        const res = await github.createComment(issueNumber, body);
        created = true;
        createdId = res ? res.id : undefined;
        createdUrl = portUrl(res);
        ours = await listOurs();
        // Our own comment not listed yet (read lag): count it anyway, so it is kept if oldest and deleted otherwise.
        if (createdId !== undefined && !ours.some((c) => c.id === createdId)) {
            ours = [...ours, { id: createdId, body, ...(createdUrl ? { url: createdUrl } : {}) }].sort((a, b) => a.id - b.id);
        }
        if (ours.length === 0) {
            return { outcome: 'created', ...(createdId !== undefined ? { id: createdId } : {}), ...urlOf(createdUrl) };
        }
    }
    const [keep, ...duplicates] = ours;
    const ownSurvivor = created && (createdId !== undefined ? keep.id === createdId : ours.length === 1);
    let outcome = ownSurvivor ? 'created' : 'unchanged';
    if (!sameBody(keep.body, body)) {
        await github.updateComment(keep.id, body);
        if (!ownSurvivor)
            outcome = 'updated';
    }
    for (const dup of duplicates) {
        try {
            await github.deleteComment(dup.id);
        }
        catch (err) {
            if (errorStatus(err) === 404)
                continue; // another run deleted it first
            log?.warning(`Could not delete the duplicate PR comment ${dup.id} on #${issueNumber}: ${errorMessage(err)}; ` +
                'the next run removes it');
        }
    }
    return { outcome, id: keep.id, ...urlOf(keep.url ?? (keep.id === createdId ? createdUrl : undefined)) };
}
function urlOf(url) {
    return url ? { url } : {};
}
/** Advice for a failed comment call, by HTTP status. */
function commentAdvice(status) {
    if (status === 403) {
        return ('the token may not write pull-request comments: grant `permissions: pull-requests: write` to the job ' +
            '(PRs from forks get a read-only GITHUB_TOKEN on `pull_request`; the job summary still has the report)');
    }
    if (status === 404) {
        return 'the pull request was not found or the token cannot see this repository: check `github-token` and the PR number';
    }
    if (status === 422)
        return 'GitHub rejected the comment body (validation failed)';
    return 'the job summary still has the report';
}
/** The `pr-comment` mode of a publish context: `prCommentMode` when given, else `prComment` (true = always). */
function modeOf(ctx) {
    return ctx.prCommentMode ?? (ctx.prComment ? 'always' : 'never');
}
/**
 * Writes the summary and, on pull requests, the sticky comment. Never throws for publishing failures: each one
 * becomes a `log.warning` that says what to do.
 *
 * - Summary: `renderSummary(report)` → `ports.summary.write`; a failure there is a warning (e.g. no
 *   `GITHUB_STEP_SUMMARY` when run by hand). When `ctx.summaryPath` is given, the same markdown is written there
 *   (parent directories created).
 * - Comment, only when the mode allows it (below), the event is `pull_request` or `pull_request_target`, and
 *   `ctx.prNumber` is set (else `'skipped'`). A fork PR on `pull_request` → `'skipped'` with a warning, because
 *   that event gets a read-only GITHUB_TOKEN; `pull_request_target` gets a read/write token even from forks, so it
 *   is attempted (GitHub Docs, "GITHUB_TOKEN reference → Permissions for the GITHUB_TOKEN"). No `ports.github` →
 *   `'skipped'`. `syncStickyComment` keeps one comment per target even when runs publish concurrently (the oldest;
 *   duplicates deleted). A port error (403 "Resource not accessible by integration", 404, …) → warning and
 *   `'failed'`.
 * - Which runs comment (`ctx.prCommentMode`, else `ctx.prComment`: true = `always`, false = `never`): `always`
 *   posts or updates the comment on every run; `never` skips it (`'skipped'`); `on-change` posts or updates it
 *   when the run needs attention ({@link needsAttention}: drift, changes, a failure, a failed smoke check) and
 *   otherwise only updates an earlier comment of this target (so an old failure is not left standing), creating
 *   none (`'skipped'` when there is none).
 *
 * Returns the summary markdown as written, the comment outcome, and the comment's URL when it exists after the run
 * (`created`, `updated` or `unchanged`): the port's `url`/`html_url` when it gives one, else built from `ctx.prUrl`
 * (the pull request's web URL) and the comment id ({@link commentUrl}).
 */
async function publishReport(report, ports, ctx) {
    return publishDocument({
        summary: renderSummary(report),
        comment: (marker) => renderComment(report, marker),
        attention: needsAttention(report),
        marker: ctx.marker ?? runConfigMarker(report.target)
    }, ports, ctx);
}
/**
 * {@link publishReport} for any rendered document (one target's report, or a run over a targets file): the same
 * summary, file and sticky-comment rules, with `doc.marker` and `doc.attention` deciding the comment.
 */
async function publishDocument(doc, ports, ctx) {
    const { log } = ports;
    const summaryMarkdown = doc.summary;
    try {
        await ports.summary.write(summaryMarkdown);
    }
    catch (err) {
        log.warning(`Could not write the job summary: ${errorMessage(err)}`);
    }
    if (ctx.summaryPath) {
        try {
            await (0,promises_.mkdir)(external_node_path_default().dirname(ctx.summaryPath), { recursive: true });
            await (0,promises_.writeFile)(ctx.summaryPath, summaryMarkdown, 'utf8');
        }
        catch (err) {
            log.warning(`Could not write the summary to ${ctx.summaryPath}: ${errorMessage(err)}`);
        }
    }
    const isPr = ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target';
    const mode = modeOf(ctx);
    if (mode === 'never' || !isPr) {
        log.debug(`PR comment skipped (event ${ctx.eventName}, pr-comment ${mode})`);
        return { summaryMarkdown, comment: 'skipped' };
    }
    if (ctx.prNumber === undefined) {
        log.warning('PR comment skipped: the event has no pull request number');
        return { summaryMarkdown, comment: 'skipped' };
    }
    if (ctx.isFork && ctx.eventName === 'pull_request') {
        log.warning('PR comment skipped: this pull request comes from a fork, and `pull_request` runs from forks get a read-only ' +
            'GITHUB_TOKEN. The report is in the job summary. To comment on fork PRs, publish from a `workflow_run` ' +
            'or `pull_request_target` workflow that does not check out the fork’s code.');
        return { summaryMarkdown, comment: 'skipped' };
    }
    if (!ports.github) {
        log.warning('PR comment skipped: no GitHub token was given (input `github-token`)');
        return { summaryMarkdown, comment: 'skipped' };
    }
    const marker = doc.marker;
    const create = mode === 'always' || doc.attention;
    try {
        const body = doc.comment(marker);
        const sticky = await syncStickyComment(ports.github, ctx.prNumber, marker, body, log, { create });
        if (!sticky) {
            log.info(`PR comment not posted on #${ctx.prNumber}: pr-comment is on-change, the run has nothing that needs ` +
                'attention, and there is no earlier comment to update');
            return { summaryMarkdown, comment: 'skipped' };
        }
        const url = sticky.url ?? commentUrl(ctx.prUrl, sticky.id);
        log.info(`PR comment ${sticky.outcome} on #${ctx.prNumber}${url ? `: ${url}` : ''}`);
        return { summaryMarkdown, comment: sticky.outcome, ...(url ? { commentUrl: url } : {}) };
    }
    catch (err) {
        const status = errorStatus(err);
        log.warning(`Could not post the PR comment on #${ctx.prNumber}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(err)}; ` +
            commentAdvice(status));
        return { summaryMarkdown, comment: 'failed' };
    }
}

;// CONCATENATED MODULE: ./src/report/outputs.ts
/**
 * Publishes a finished run on the runner: the step outputs, the job summary, the report file under RUNNER_TEMP, the
 * sticky PR comment and the plain-text report in the log. Everything is scrubbed of the run's secrets first (ARM,
 * Entra ID or a gateway may echo a key or a token in an error text). A failure to publish never hides the run's own
 * result: it is a warning. Warnings and the failure are annotations titled `apim-function-auth`, so they are easy to
 * tell apart from other steps' on the run page.
 */














/** The title of the action's annotations (warnings and the failure) on the run page. */
const ANNOTATION_TITLE = TOOL;
/** The runner's log, with warnings as annotations titled {@link ANNOTATION_TITLE}. */
const publishLog = {
    ...action_io/* coreLogger */.Wj,
    warning: (m) => core/* warning */.$e(action_io/* secrets */.O3.scrub(m), { title: ANNOTATION_TITLE })
};
/**
 * Fails the step with `message` as an error annotation titled {@link ANNOTATION_TITLE}: what `core.setFailed` does
 * (exit code 1, then `core.error(message)`; @actions/core 3.0.1 lib/core.js), plus the title, which setFailed cannot
 * carry. Secrets are scrubbed from the message.
 */
function failStep(message) {
    process.exitCode = 1;
    core/* error */.z3(action_io/* secrets */.O3.scrub(message), { title: ANNOTATION_TITLE });
}
/**
 * Sets the outputs (./run-outputs.ts: `drift` only when a plan was made; `changes` with a `state` per row in apply
 * mode; `result`; `change-count`; `apim-principal-id`; `smoke-result`; after publishing `summary-path` and
 * `comment-url`, '' when no comment was posted; last `issue-url`, see below) and publishes the report, with the run's
 * link and commit in its footer when the runner's GITHUB_* variables are set. With `drift-issue: true` the drift issue
 * follows (./drift-issue-sync.ts): `issue-url` is its URL when this run created, updated or closed it, else ''.
 * `run` undefined: the inputs were refused (no token, no PR comment preference: the defaults apply). `marker`: the
 * sticky comment's marker (`runConfigMarker` of the run configuration); default: by the report's names.
 */
async function publishRun(run, result, marker) {
    const report = { ...action_io/* secrets */.O3.scrubDeep(result.report), source: runSource(process.env) };
    for (const [name, value] of Object.entries(runOutputs(result, report, (t) => action_io/* secrets */.O3.scrub(t)))) {
        core/* setOutput */.uH(name, value);
    }
    const doc = {
        summary: render_renderSummary(report),
        comment: (m) => render_renderComment(report, m),
        attention: derive_needsAttention(report),
        marker: marker ?? render_runConfigMarker(report.target)
    };
    const stem = `${safe(report.target.apim)}-${safe(report.target.functionApp)}`;
    await publishAndLog(run, doc, stem, () => renderText(report), drift_issue_reportIssueDoc(report, doc.marker));
}
/**
 * Publishes a rendered run (summary, report file `apim-function-auth-<stem>.md` under RUNNER_TEMP, sticky comment),
 * sets `summary-path` and `comment-url`, then logs `text()`; then, with `drift-issue: true`, publishes `issue` (the
 * drift issue) and sets `issue-url` ('' otherwise). A failure to publish is a warning, never the run's result. The
 * document must already be scrubbed of the run's secrets.
 */
async function publishAndLog(run, doc, stem, text, issue) {
    const event = workflowEvent();
    if (event.problem)
        publishLog.warning(event.problem);
    try {
        const { summaryPath, commentUrl } = await core/* group */.Os('Report (summary, PR comment)', () => publishFiles(run, doc, stem, event));
        core/* setOutput */.uH('summary-path', summaryPath);
        core/* setOutput */.uH('comment-url', commentUrl ?? '');
        action_io/* coreLogger */.Wj.info(text());
    }
    catch (e) {
        core/* setOutput */.uH('comment-url', '');
        core/* warning */.$e(`Could not publish the report: ${action_io/* secrets */.O3.scrub(e.message)}`, { title: ANNOTATION_TITLE });
    }
    core/* setOutput */.uH('issue-url', run?.driftIssue && issue ? await driftIssue(run, issue, event.eventName) : '');
}
/**
 * The drift issue (./drift-issue-sync.ts; never throws): its URL when this run created, updated (or found up to
 * date) or closed it, else ''. Created and closed issues are also said on an info line after the collapsed group,
 * e.g. `Drift issue #9 closed: <url>`, so the log shows it without opening the group.
 */
async function driftIssue(run, issue, eventName) {
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const port = run.githubToken && repository ? createIssuesPort(run.githubToken, repository) : undefined;
    try {
        const r = await core/* group */.Os('Drift issue', () => publishDriftIssueDoc(issue, port, { enabled: true, eventName, labels: run.driftIssueLabels ?? [] }, publishLog, (t) => action_io/* secrets */.O3.scrub(t)));
        const acted = ['created', 'updated', 'unchanged', 'closed'].includes(r.outcome);
        if (acted && r.number !== undefined) {
            action_io/* coreLogger */.Wj.info(`Drift issue #${r.number} ${r.outcome}${r.url ? `: ${action_io/* secrets */.O3.scrub(r.url)}` : ''}`);
        }
        return acted ? (r.url ?? '') : '';
    }
    catch (e) {
        publishLog.warning(`Could not publish the drift issue: ${e.message}`);
        return '';
    }
}
/** The summary, the report file and the PR comment; returns the report file's path and the comment's URL. */
async function publishFiles(run, doc, stem, event) {
    const dir = process.env.RUNNER_TEMP || external_node_os_default().tmpdir();
    const summaryPath = external_node_path_default().join(dir, `apim-function-auth-${stem}.md`);
    await (0,promises_.mkdir)(dir, { recursive: true });
    const pr = event.payload['pull_request'];
    const token = run?.githubToken;
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const headRepo = pr?.head?.repo?.full_name;
    const published = await publishDocument(doc, {
        summary: {
            async write(md) {
                if (process.env.GITHUB_STEP_SUMMARY)
                    await core/* summary */.z.addRaw(md).write();
            }
        },
        github: token && repository ? createGitHubPort(token, repository) : undefined,
        log: publishLog
    }, {
        eventName: event.eventName,
        prNumber: pr?.number,
        ...(typeof pr?.html_url === 'string' ? { prUrl: pr.html_url } : {}),
        isFork: Boolean(pr && headRepo && headRepo !== (pr.base?.repo?.full_name ?? repository)),
        prComment: run?.prComment ?? true,
        ...(run?.prCommentMode ? { prCommentMode: run.prCommentMode } : {}),
        summaryPath
    });
    return { summaryPath, ...(published.commentUrl ? { commentUrl: published.commentUrl } : {}) };
}
/** A file-name-safe, bounded rendering of a resource name (a bad input may be arbitrarily long). */
function safe(s) {
    return (s || 'target').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}

// EXTERNAL MODULE: ./node_modules/@azure/core-rest-pipeline/dist/esm/index.js + 84 modules
var esm = __webpack_require__(3390);
;// CONCATENATED MODULE: ./src/azure/arm-limits.ts

/** Name of the policy in the pipelines. */
const ARM_IN_FLIGHT_POLICY = 'apimFunctionAuthArmInFlight';
/** Longest pause one `Retry-After` may impose (ms): a bound against a wrong header value. */
const MAX_PAUSE_MS = 5 * 60_000;
/** The subscription ID in an ARM URL (`…/subscriptions/{id}/…`), lower case; '' when there is none. */
function subscriptionOf(url) {
    const m = /\/subscriptions\/([^/?#]+)/i.exec(url);
    return m ? decodeURIComponent(m[1]).toLowerCase() : '';
}
/**
 * The wait a throttled answer asks for, in ms, or undefined: `retry-after-ms` / `x-ms-retry-after-ms`
 * (milliseconds), else `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3). Capped at
 * {@link MAX_PAUSE_MS}; a past date or 0 gives undefined.
 */
function retryAfterMs(headers, now = Date.now()) {
    const num = (v) => {
        if (v === undefined || !/^\s*[0-9]+(\.[0-9]+)?\s*$/.test(v))
            return undefined;
        return Number(v);
    };
    const ms = num(headers.get('retry-after-ms')) ?? num(headers.get('x-ms-retry-after-ms'));
    let wait = ms;
    const ra = headers.get('retry-after');
    if (wait === undefined && ra !== undefined) {
        const s = num(ra);
        wait = s !== undefined ? s * 1000 : Number.isNaN(Date.parse(ra)) ? undefined : Date.parse(ra) - now;
    }
    if (wait === undefined || !(wait > 0))
        return undefined;
    return Math.min(wait, MAX_PAUSE_MS);
}
/**
 * Creates the run's ARM limits (see the module comment). Requests of one subscription beyond `maxInFlight` wait in
 * order; the policy never fails a request by itself (an error of the request or a later policy propagates).
 */
function createArmLimits(o) {
    const maxInFlight = Math.max(1, Math.floor(o.maxInFlight));
    const now = o.now ?? Date.now;
    const sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const queues = new Map();
    const queueOf = (sub) => {
        let q = queues.get(sub);
        if (!q) {
            q = { limit: (0,p_limit/* default */.A)(maxInFlight), pausedUntil: 0, inFlight: 0, stats: { sent: 0, peakInFlight: 0, pauses: 0 } };
            queues.set(sub, q);
        }
        return q;
    };
    const send = async (q, sub, request, next) => {
        // A pause that starts while this request waits for its slot or its turn holds it too.
        for (let wait = q.pausedUntil - now(); wait > 0; wait = q.pausedUntil - now())
            await sleep(wait);
        q.inFlight++;
        q.stats.sent++;
        q.stats.peakInFlight = Math.max(q.stats.peakInFlight, q.inFlight);
        let response;
        try {
            response = await next(request);
        }
        finally {
            q.inFlight--;
        }
        if (response.status === 429) {
            const ms = retryAfterMs(response.headers, now());
            if (ms !== undefined && now() + ms > q.pausedUntil) {
                q.pausedUntil = now() + ms;
                q.stats.pauses++;
                o.onPause?.(sub, ms);
            }
        }
        return response;
    };
    const policy = {
        name: ARM_IN_FLIGHT_POLICY,
        sendRequest(request, next) {
            const sub = subscriptionOf(request.url);
            const q = queueOf(sub);
            return q.limit(() => send(q, sub, request, next));
        }
    };
    return {
        maxInFlight,
        policy,
        stats: () => Object.fromEntries([...queues].map(([k, q]) => [k, { ...q.stats }]))
    };
}

// EXTERNAL MODULE: ./src/azure/session.ts + 5 modules
var azure_session = __webpack_require__(6269);
;// CONCATENATED MODULE: ./src/report/publish-targets.ts
/**
 * Publishes a run over a targets file on the runner, as src/report/outputs.ts does for one target: the aggregated
 * step outputs (./aggregate-outputs.ts), the job summary and report file, one sticky comment for the run
 * configuration (its marker names the targets file and the `target` filter), and the plain-text result in the log.
 * Everything is scrubbed of the run's secrets first; a failure to publish is a warning.
 */









/**
 * Sets the aggregated outputs (`drift`, `changes` with `target` per row, `result`, `change-count`,
 * `apim-principal-id`, `smoke-result`, `targets`) and publishes the summary and the run configuration's sticky
 * comment (`runConfigMarker({targetsFile, filter})`). `run` undefined: the inputs were refused.
 */
async function publishTargets(run, report) {
    const scrubbed = { ...action_io/* secrets */.O3.scrubDeep(report), source: runSource(process.env) };
    for (const [name, value] of Object.entries(aggregateOutputs(scrubbed, (t) => action_io/* secrets */.O3.scrub(t)))) {
        core/* setOutput */.uH(name, value);
    }
    const marker = render_runConfigMarker({ targetsFile: scrubbed.targetsFile, filter: scrubbed.filter });
    const doc = {
        summary: renderTargetsSummary(scrubbed),
        comment: (m) => renderTargetsComment(scrubbed, m),
        attention: targetsNeedAttention(scrubbed),
        marker
    };
    const stem = `targets-${safe(scrubbed.targetsFile)}`;
    await publishAndLog(run, doc, stem, () => renderTargetsText(scrubbed), targetsIssueDoc(scrubbed, marker));
}
/**
 * `mode: list`: sets `matrix` (`{"include":[{"target":…},…]}`) and writes a short job summary listing the targets;
 * no comment, no Azure request.
 */
async function publishList(targetsFile, filter, targets) {
    core/* setOutput */.uH('matrix', matrixOutput(targets.map((t) => t.name)));
    core/* info */.pq(`Targets of ${targetsFile}: ${targets.map((t) => t.name).join(', ')}`);
    try {
        if (process.env.GITHUB_STEP_SUMMARY) {
            await core/* summary */.z.addRaw(renderListSummary(targetsFile, filter, targets)).write();
        }
    }
    catch (e) {
        core/* warning */.$e(`Could not write the job summary: ${action_io/* secrets */.O3.scrub(e.message)}`);
    }
}

;// CONCATENATED MODULE: ./src/targets/run.ts
/**
 * One run, many targets: every target of a targets file reconciled by `reconcileTarget` (src/target.ts, once per
 * target, unchanged), at most `max-parallel` at a time. A target that fails — before or after its writes — does not
 * stop the others: its failure becomes its result. Targets on the same Function App (or slot) run one after another
 * in file order (their Easy Auth documents are one resource; a PUT replaces it whole), other targets in parallel.
 * Side effects come through the ports `portsFor` builds; nothing here signs in or publishes.
 */




/**
 * A lock per key: `lock(key, f)` runs `f` once every earlier `f` of the same key has settled (in call order); other
 * keys do not wait. Resolves or rejects as `f` does.
 */
function keyedLock() {
    const locks = new Map();
    return (key, f) => {
        let l = locks.get(key);
        if (!l)
            locks.set(key, (l = (0,p_limit/* default */.A)(1)));
        return l(f);
    };
}
/** `log` with every line prefixed `[name] ` and no groups (targets run in parallel, so their lines interleave). */
function targetLog(log, name) {
    const p = `[${name}] `;
    return { info: (m) => log.info(p + m), warning: (m) => log.warning(p + m), debug: (m) => log.debug(p + m) };
}
/**
 * The result of a target whose reconcile threw (bad input found late, a read, a pre-flight, a plan blocker): failed,
 * with the error as its failure and no plan. (reconcileTarget throws ActionError only before any write; what an
 * unexpected error interrupted is said by {@link TargetRun.changed}.)
 */
function failedTarget(run, spec, e, started) {
    const message = e instanceof Error ? e.message : String(e);
    return {
        failed: true,
        failure: message,
        report: {
            mode: run.mode,
            verdict: 'failed',
            target: { apim: spec.apimName, apis: spec.apiIds, functionApp: spec.functionAppName },
            applied: [],
            warnings: [],
            error: message,
            durationSeconds: (Date.now() - started) / 1000
        }
    };
}
/**
 * Lanes of targets that must not run at the same time: targets on the same Function App or slot (ARM IDs compare
 * case-insensitively), in file order; one lane per Function App.
 */
function lanes(targets) {
    const bySite = new Map();
    for (const t of targets) {
        const site = (0,azure_arm/* targetResourceIds */.aB)(t.spec, []).site.toLowerCase();
        const lane = bySite.get(site);
        if (lane)
            lane.push(t);
        else
            bySite.set(site, [t]);
    }
    return [...bySite.values()];
}
/**
 * Runs every target (see the module comment) and resolves with their runs in the order given; never rejects for a
 * target's failure. `run.maxParallel` (default 4) bounds the targets in progress at once.
 */
async function runTargets(run, targets, deps) {
    const reconcile = deps.reconcile ?? reconcileTarget;
    const limit = (0,p_limit/* default */.A)(Math.max(1, run.maxParallel ?? 4));
    const results = new Map();
    const one = async (t) => {
        const log = targetLog(deps.log, t.name);
        const started = Date.now();
        log.info(`start: APIM ${t.spec.apimName} → Function App ${t.spec.functionAppName} (${run.mode})`);
        let result;
        let changed = 'Nothing was changed.';
        const writes = { sent: 0 };
        try {
            const ports = countingWrites(deps.portsFor(t, log), writes);
            result = await reconcile({ ...run, ...t.spec, warnings: t.spec.warnings ?? [] }, ports, started);
            if (result.outcome)
                changed = describeOutcome(result.outcome);
        }
        catch (e) {
            result = failedTarget(run, t.spec, e, started);
            if (writes.sent > 0)
                changed = 'What it changed before the error is not known: check its resources.';
        }
        results.set(t, { result, changed });
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const why = run_firstLine(result.failure ?? 'failed');
        if (!result.failed)
            log.info(`done in ${secs} s: ${result.report.verdict}`);
        else if (result.report.verdict === 'drift')
            log.warning(`drifted (found in ${secs} s): ${why}`);
        else
            log.warning(`failed after ${secs} s: ${why}`);
    };
    await Promise.all(lanes(targets).map((lane) => limit(async () => {
        for (const t of lane)
            await one(t);
    })));
    return targets.map((t) => ({ name: t.name, spec: t.spec, ...results.get(t) }));
}
/** The ARM writes of a port (PATCH, PUT) counted in `writes.sent` as they are sent. */
function countingWrites(ports, writes) {
    const arm = { ...ports.arm };
    for (const m of ['patchApimService', 'putApiPolicy', 'putAuthSettingsV2']) {
        if (typeof ports.arm?.[m] !== 'function')
            continue;
        const send = ports.arm[m].bind(ports.arm);
        arm[m] = (...a) => {
            writes.sent++;
            return send(...a);
        };
    }
    return { ...ports, arm };
}
function run_firstLine(s) {
    return s.trim().split(/\r?\n/)[0] ?? '';
}
/**
 * The step's failure message for a run over a targets file, or undefined when no target fails the step. A target
 * that fails the step only by its drift (check mode with fail-on-drift: verdict `drift`) is counted as drifted, not
 * failed: `<n> of <m> targets failed: <names>.` and/or `<n> of <m> targets drifted: <names>.` (failures first), then
 * one line per target, `- <name>: <first line of its failure> <what it changed>` (TargetRun.changed, left out for a
 * drift and when the failure's first line already says it).
 */
function targetsFailure(runs) {
    const stopping = runs.filter((r) => r.result.failed);
    if (stopping.length === 0)
        return undefined;
    const drifted = stopping.filter((r) => r.result.report.verdict === 'drift');
    const failed = stopping.filter((r) => r.result.report.verdict !== 'drift');
    const of = (list, what) => `${list.length} of ${runs.length} target${runs.length === 1 ? '' : 's'} ${what}: ${list.map((r) => r.name).join(', ')}.`;
    const heads = [failed.length > 0 ? of(failed, 'failed') : '', drifted.length > 0 ? of(drifted, 'drifted') : ''];
    const parts = [...failed, ...drifted].map((r) => {
        const why = run_firstLine(r.result.failure ?? 'failed');
        const drift = r.result.report.verdict === 'drift';
        return `${r.name}: ${why}${drift || why.includes('Changed:') ? '' : ` ${r.changed}`}`;
    });
    return `${heads.filter(Boolean).join(' ')}\n${parts.map((p) => `- ${p}`).join('\n')}`;
}

;// CONCATENATED MODULE: ./src/targets/action.ts
/**
 * The runner side of a run over a targets file (src/main.ts hands over here when the `targets` input is set):
 * `mode: list` (the matrix output; nothing signs in), or one sign-in for all targets, the targets reconciled with
 * bounded concurrency (src/targets/run.ts) through ports that share the run's ARM in-flight limits per subscription
 * (src/azure/arm-limits.ts), one HTTP client and a lock per APIM service; then one report and the step's failure
 * naming every failed target and what it changed.
 */








/** `mode: list`: the selected targets as the `matrix` output and a short summary. No sign-in, no Azure request. */
async function listTargets(sel) {
    for (const w of sel.warnings)
        action_io/* coreLogger */.Wj.warning(w);
    await publishList(sel.targetsFile, sel.filter, sel.targets.map((t) => ({
        name: t.name,
        apim: t.spec.apimName,
        functionApp: t.spec.functionAppName,
        subscriptionId: t.spec.subscriptionId
    })));
}
/**
 * Runs the selected targets of a targets file: one sign-in, then every target (see the module comment); publishes
 * one report and fails the step when any target failed (or the sign-in did), naming each failed target.
 */
async function runTargetsFile(sel, started) {
    const run = sel.run;
    for (const t of sel.targets)
        (0,action_io/* mask */.dK)(t.spec.smoke.subscriptionKey);
    (0,action_io/* mask */.dK)(run.githubToken);
    for (const w of [...run.warnings, ...sel.warnings])
        action_io/* coreLogger */.Wj.warning(w);
    const report = {
        mode: run.mode,
        targetsFile: sel.targetsFile,
        filter: sel.filter,
        targets: [],
        durationSeconds: 0
    };
    let failure;
    try {
        const runs = await reconcileAll(run, sel.targets);
        report.targets = runs.map((r) => ({ name: r.name, report: r.result.report, result: r.result }));
        failure = targetsFailure(runs);
    }
    catch (e) {
        failure = e instanceof Error ? e.message : String(e);
        report.error = failure;
    }
    report.durationSeconds = (Date.now() - started) / 1000;
    await publishTargets(run, report);
    if (failure)
        failStep(failure);
}
/** Signs in once and reconciles every target through ports that share the run's limits. */
async function reconcileAll(run, targets) {
    const how = run.authType === 'azure-cli' ? 'Azure CLI session' : 'GitHub OIDC → Entra ID';
    const first = targets[0]?.spec.subscriptionId;
    const session = await core/* group */.Os(`Sign in (${how})`, () => (0,azure_session/* signIn */.Jv)({ ...run, ...(first ? { subscriptionId: first } : {}) }, (aud) => core/* getIDToken */.V9(aud)));
    const maxInFlight = run.armMaxInFlight ?? 16;
    const limits = createArmLimits({
        maxInFlight,
        onPause: (sub, ms) => action_io/* coreLogger */.Wj.warning(`ARM throttled subscription ${sub} (429): its requests wait ${Math.ceil(ms / 1000)} s`)
    });
    const shared = { limits, httpClient: (0,esm/* createDefaultHttpClient */.fl)(), lock: keyedLock() };
    action_io/* coreLogger */.Wj.info(`Reconciling ${targets.length} target(s): at most ${run.maxParallel ?? 4} at a time, at most ${maxInFlight} ARM ` +
        'requests in flight per subscription.');
    return runTargets(run, targets, {
        log: action_io/* coreLogger */.Wj,
        portsFor: (t, log) => (0,azure_session/* targetPorts */.WG)(run, t.spec, session, { ...shared, log })
    });
}
/**
 * A run over a targets file whose inputs or file were refused: publishes the failure under the run
 * configuration's comment (the file and filter as given) and fails the step. Nothing reached Azure.
 */
async function failTargetsRun(getInput, e, started) {
    const message = e instanceof Error ? e.message : String(e);
    const printable = (s) => s.replace(/[^A-Za-z0-9_.@+/,-]/g, '?').slice(0, 200);
    const mode = getInput('mode').trim();
    const report = {
        mode: mode === 'apply' || mode === '' ? 'apply' : 'check',
        targetsFile: printable(getInput('targets').trim().replace(/^\.\//, '')),
        filter: printable(getInput('target'))
            .split(/[,?]/)
            .filter((x) => x !== ''),
        targets: [],
        error: message,
        durationSeconds: (Date.now() - started) / 1000
    };
    if (mode !== 'list')
        await publishTargets(undefined, report);
    failStep(message);
}

;// CONCATENATED MODULE: ./src/run-parts.ts






/** selectRun (./targets/select.ts) over the workspace's files (./targets/read.ts): a step that sets `targets`. */
function selectTargetsRun(getInput) {
    return selectRun(getInput, readTargetsFile);
}


/***/ })

};
