/**
 * examples/*.yml are workflows users copy: each must parse, call this action only with inputs action.yml declares
 * (and every required one), grant `id-token: write` wherever the action signs in, and keep `${{ … }}` balanced.
 * Callers of the reusable example must match its typed inputs and grant what its job asks for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parse, parseDocument, visit } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = path.join(repoRoot, 'examples');

/** Where reusable-caller.yml expects examples/reusable.yml to be copied (see examples/README.md). */
const REUSABLE_PATH = './.github/workflows/apim-function-auth-reusable.yml';
/** `uses:` of this action in the examples. */
const THIS_ACTION = /^[\w.-]+\/apim-function-auth@[\w.-]+$/;

type Json = Record<string, unknown>;

interface ActionInput {
  required?: boolean;
  default?: string;
}

const actionInputs = (
  parse(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, ActionInput> }
).inputs;
const requiredInputs = Object.entries(actionInputs)
  .filter(([, i]) => i.required === true)
  .map(([name]) => name);

const exampleFiles = fs
  .readdirSync(examplesDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function load(file: string): Json {
  return parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as Json;
}

const asMap = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function jobsOf(wf: Json): [string, Json][] {
  return Object.entries(asMap(wf.jobs)).map(([id, job]) => [id, asMap(job)]);
}

function stepsOf(job: Json): Json[] {
  return Array.isArray(job.steps) ? (job.steps as unknown[]).map(asMap) : [];
}

/** `on:` as a map (`on: push` and `on: [push]` normalised). */
function triggers(wf: Json): Json {
  const on = wf.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  return asMap(on);
}

/** The permissions a job runs with: its own, else the workflow's. */
function permissionsOf(wf: Json, job: Json): Json | string | undefined {
  const p = job.permissions ?? wf.permissions;
  return typeof p === 'string' ? p : p === undefined ? undefined : asMap(p);
}

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

/** The level a permissions block grants for a scope (`write-all`, `read-all` and `{}` included). */
function grants(perms: Json | string | undefined, scope: string): number {
  if (perms === undefined) return -1; // the repository's default: unknown here, never assumed
  if (perms === 'write-all') return 2;
  if (perms === 'read-all') return scope === 'id-token' ? 0 : 1;
  return LEVEL[String((perms as Json)[scope] ?? 'none')] ?? 0;
}

function actionSteps(job: Json): Json[] {
  return stepsOf(job).filter((s) => typeof s.uses === 'string' && THIS_ACTION.test(s.uses));
}

function reusableCalls(wf: Json): [string, Json][] {
  return jobsOf(wf).filter(([, job]) => typeof job.uses === 'string');
}

/** Every string in the document: scalar values and keys, and the comments. */
function allTexts(file: string): string[] {
  const doc = parseDocument(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
  const texts: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') texts.push(node.value);
    }
  });
  return texts;
}

/** Problems with `${{ … }}` in one string: unclosed, nested, stray `}}`, or empty. */
function expressionProblems(text: string): string[] {
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

describe('examples/', () => {
  test('has the documented examples, each described in examples/README.md', () => {
    expect(exampleFiles).toEqual(
      expect.arrayContaining([
        'pr-check-and-apply.yml',
        'matrix-environments.yml',
        'reusable.yml',
        'reusable-caller.yml',
        'drift-watch.yml',
        'targets-pr-check-and-apply.yml',
        'targets-matrix.yml'
      ])
    );
    const readme = fs.readFileSync(path.join(examplesDir, 'README.md'), 'utf8');
    for (const file of exampleFiles) expect(readme).toContain(`(${file})`);
  });

  test('the expression checker itself', () => {
    expect(expressionProblems("${{ a }} and ${{ format('{0}-{1}', b, c) }}")).toEqual([]);
    expect(expressionProblems('${{ a }')).toHaveLength(1);
    expect(expressionProblems('${{ a ${{ b }} }}')).not.toEqual([]);
    expect(expressionProblems('a }}')).toHaveLength(1);
    expect(expressionProblems("${{ a == 'x }}")).toHaveLength(1);
  });

  describe.each(exampleFiles)('%s', (file) => {
    const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');

    test('parses as one YAML document without errors, warnings or duplicate keys', () => {
      const doc = parseDocument(text, { uniqueKeys: true });
      expect(doc.errors.map((e) => e.message)).toEqual([]);
      expect(doc.warnings.map((e) => e.message)).toEqual([]);
      expect(isMap(doc.contents)).toBe(true);
      const wf = doc.toJS() as Json;
      expect(typeof wf.name).toBe('string');
      expect(Object.keys(triggers(wf)).length).toBeGreaterThan(0);
      expect(jobsOf(wf).length).toBeGreaterThan(0);
    });

    test('every ${{ … }} is balanced', () => {
      expect(allTexts(file).flatMap(expressionProblems)).toEqual([]);
      // …and none hides in a comment or a key either.
      expect(expressionProblems(text.replace(/\$\{\{[^\n]*?\}\}/g, ''))).toEqual([]);
    });

    test('calls this action only with inputs action.yml declares, every required one with a value', () => {
      const wf = load(file);
      for (const [jobId, job] of jobsOf(wf)) {
        for (const step of actionSteps(job)) {
          const withKeys = asMap(step.with);
          const where = `${file} jobs.${jobId} step ${String(step.id ?? step.uses)}`;
          expect({ where, unknown: Object.keys(withKeys).filter((k) => !(k in actionInputs)) }).toEqual({
            where,
            unknown: []
          });
          // `mode: list` only reads the targets file: it needs no sign-in input.
          const needed = withKeys.mode === 'list' ? [] : requiredInputs;
          const missing = needed.filter((k) => withKeys[k] === undefined || String(withKeys[k]).trim() === '');
          expect({ where, missing }).toEqual({ where, missing: [] });
          if (typeof withKeys.mode === 'string' && !withKeys.mode.includes('${{')) {
            expect(['check', 'apply', 'list']).toContain(withKeys.mode);
          }
          // One target from the step's inputs, or a targets file (which then gives the per-target inputs).
          const perTarget = ['subscription-id', 'apim-name', 'apim-resource-group', 'api-ids', 'function-app-name'];
          if (withKeys.targets === undefined) {
            expect({ where, missing: perTarget.filter((k) => withKeys[k] === undefined) }).toEqual({
              where,
              missing: []
            });
          }
        }
      }
    });

    test('jobs that sign in with OIDC grant id-token: write (and contents: read)', () => {
      const wf = load(file);
      for (const [jobId, job] of jobsOf(wf)) {
        // `mode: list` signs in nowhere; every other use of the action does.
        const signing = actionSteps(job).filter((s) => asMap(s.with).mode !== 'list');
        const signsIn = signing.length > 0 || typeof job.uses === 'string';
        if (actionSteps(job).length > 0) expect(grants(permissionsOf(wf, job), 'contents')).toBeGreaterThanOrEqual(1);
        if (!signsIn) continue;
        const perms = permissionsOf(wf, job);
        expect({ job: `${file} jobs.${jobId}`, idToken: grants(perms, 'id-token') }).toEqual({
          job: `${file} jobs.${jobId}`,
          idToken: 2
        });
        expect(grants(perms, 'contents')).toBeGreaterThanOrEqual(1);
      }
    });

    test('pins this action by a tag or SHA of the your-org placeholder, never a branch', () => {
      const wf = load(file);
      for (const [, job] of jobsOf(wf)) {
        for (const step of actionSteps(job)) {
          expect(String(step.uses)).toMatch(/^your-org\/apim-function-auth@(v\d+(\.\d+\.\d+)?|[0-9a-f]{40})$/);
        }
      }
    });
  });

  test('pr-check-and-apply: check on pull requests, apply on main in an environment, serialised, subjects named', () => {
    const text = fs.readFileSync(path.join(examplesDir, 'pr-check-and-apply.yml'), 'utf8');
    const wf = load('pr-check-and-apply.yml');
    expect(Object.keys(triggers(wf)).sort()).toEqual(['pull_request', 'push']);
    const jobs = Object.fromEntries(jobsOf(wf));
    const check = jobs.check!;
    const apply = jobs.apply!;
    expect(asMap(actionSteps(check)[0]!.with).mode).toBe('check');
    expect(asMap(actionSteps(apply)[0]!.with).mode).toBe('apply');
    expect(String(check.if)).toContain("github.event_name == 'pull_request'");
    expect(String(apply.if)).toContain("github.event_name == 'push'");
    expect(check.environment).toBeUndefined();
    expect(apply.environment).toBe('production');
    // README's permissions: id-token write, contents read, pull-requests write (the comment, on pull requests).
    expect(asMap(check.permissions)).toEqual({ 'id-token': 'write', contents: 'read', 'pull-requests': 'write' });
    expect(asMap(apply.concurrency).group).toEqual(expect.any(String));
    expect(asMap(apply.concurrency)['cancel-in-progress']).toBe(false);
    // The header comment names the subjects the federated credentials need.
    expect(text).toContain('repo:<owner>/<repo>:environment:production');
    expect(text).toContain('repo:<owner>/<repo>:pull_request');
  });

  test('drift-watch: nightly schedule + workflow_dispatch, check with drift-issue, issues: write granted', () => {
    const text = fs.readFileSync(path.join(examplesDir, 'drift-watch.yml'), 'utf8');
    const wf = load('drift-watch.yml');
    const on = triggers(wf);
    expect(Object.keys(on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const crons = (on.schedule as Json[]).map((c) => String(c.cron));
    expect(crons).toHaveLength(1);
    // Five fields, once a day (fixed minute and hour).
    expect(crons[0]!.split(' ')).toEqual([
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/^\d+$/),
      '*',
      '*',
      '*'
    ]);
    const [[, job]] = jobsOf(wf) as [[string, Json]];
    const withKeys = asMap(actionSteps(job)[0]!.with);
    expect(withKeys.mode).toBe('check');
    expect(withKeys['drift-issue']).toBe(true);
    expect(grants(permissionsOf(wf, job), 'issues')).toBe(2);
    expect(grants(permissionsOf(wf, job), 'id-token')).toBe(2);
    // No pull-request trigger: the PR comment covers those; and the subject the schedule signs in with is named.
    expect(Object.keys(on).some((e) => e.startsWith('pull_request'))).toBe(false);
    expect(text).toContain('repo:<owner>/<repo>:ref:refs/heads/main');
  });

  test('matrix-environments: one job per environment dev/test/prod, each reading its own variables', () => {
    const text = fs.readFileSync(path.join(examplesDir, 'matrix-environments.yml'), 'utf8');
    const [[, job]] = jobsOf(load('matrix-environments.yml')) as [[string, Json]];
    const strategy = asMap(job.strategy);
    expect(asMap(strategy.matrix).environment).toEqual(['dev', 'test', 'prod']);
    expect(job.environment).toBe('${{ matrix.environment }}');
    expect(String(asMap(job.concurrency).group)).toContain('${{ matrix.environment }}');
    const withKeys = asMap(actionSteps(job)[0]!.with);
    for (const k of ['client-id', 'tenant-id', 'subscription-id', 'apim-name', 'function-app-name']) {
      expect(String(withKeys[k])).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
    }
    for (const env of ['dev', 'test', 'prod']) expect(text).toContain(`repo:<owner>/<repo>:environment:${env}`);
  });

  test('reusable: workflow_call with typed inputs, no secrets, outputs wired to the action step', () => {
    const wf = load('reusable.yml');
    const call = asMap(triggers(wf).workflow_call);
    expect(Object.keys(triggers(wf))).toEqual(['workflow_call']);
    expect(call).not.toHaveProperty('secrets');
    const inputs = Object.entries(asMap(call.inputs)).map(([name, def]) => [name, asMap(def)] as const);
    expect(inputs.length).toBeGreaterThan(0);
    for (const [name, def] of inputs) {
      expect({ name, type: def.type }).toEqual({ name, type: expect.stringMatching(/^(string|number|boolean)$/) });
      if (def.default !== undefined) {
        const t = def.type === 'number' ? 'number' : def.type === 'boolean' ? 'boolean' : 'string';
        expect({ name, default: typeof def.default }).toEqual({ name, default: t });
      }
    }
    expect(inputs.map(([, d]) => d.type)).toEqual(expect.arrayContaining(['string', 'number', 'boolean']));
    // Every required action input comes from a required workflow input or a fallback to vars.
    const [[jobId, job]] = jobsOf(wf) as [[string, Json]];
    const withKeys = asMap(actionSteps(job)[0]!.with);
    const inputDefs = Object.fromEntries(inputs);
    for (const k of requiredInputs) {
      const value = String(withKeys[k]);
      const fromInput = /inputs\.([\w-]+)/.exec(value)?.[1];
      const ok = value.includes('vars.') || (fromInput !== undefined && inputDefs[fromInput]?.required === true);
      expect({ input: k, value, ok }).toEqual({ input: k, value, ok: true });
    }
    // Every `inputs.x` the workflow reads is declared.
    for (const t of allTexts('reusable.yml')) {
      for (const m of t.matchAll(/inputs\.([\w-]+)/g)) expect(inputDefs).toHaveProperty([m[1]!]);
    }
    // Outputs come from the job, which takes them from the action step.
    const stepId = String(actionSteps(job)[0]!.id);
    for (const [name, out] of Object.entries(asMap(call.outputs))) {
      expect(String(asMap(out).value)).toBe(`\${{ jobs.${jobId}.outputs.${name} }}`);
      expect(String(asMap(job.outputs)[name])).toBe(`\${{ steps.${stepId}.outputs.${name} }}`);
    }
    expect(JSON.stringify(wf)).not.toMatch(/secrets\./);
  });

  test('reusable-caller: calls the reusable workflow with its inputs, no secrets, granting what its job asks for', () => {
    const reusable = load('reusable.yml');
    const call = asMap(triggers(reusable).workflow_call);
    const inputDefs = asMap(call.inputs);
    const [[, calledJob]] = jobsOf(reusable) as [[string, Json]];
    const calledPerms = asMap(calledJob.permissions);
    const caller = load('reusable-caller.yml');
    const calls = reusableCalls(caller);
    expect(calls.length).toBeGreaterThan(0);
    for (const [jobId, job] of calls) {
      expect(job.uses).toBe(REUSABLE_PATH);
      expect(job).not.toHaveProperty('secrets');
      const withKeys = asMap(job.with);
      expect({ jobId, unknown: Object.keys(withKeys).filter((k) => !(k in inputDefs)) }).toEqual({
        jobId,
        unknown: []
      });
      for (const [name, def] of Object.entries(inputDefs)) {
        if (asMap(def).required === true)
          expect({ jobId, [name]: withKeys[name] !== undefined }).toEqual({ jobId, [name]: true });
      }
      for (const [name, value] of Object.entries(withKeys)) {
        if (typeof value === 'string' && value.includes('${{')) continue;
        expect({ jobId, name, type: typeof value }).toEqual({ jobId, name, type: asMap(inputDefs[name]).type });
      }
      // A called workflow's job gets no more than its caller grants.
      const granted = permissionsOf(caller, job);
      for (const [scope, level] of Object.entries(calledPerms)) {
        expect({ jobId, scope, granted: grants(granted, scope) }).toEqual({
          jobId,
          scope,
          granted: expect.any(Number)
        });
        expect(grants(granted, scope)).toBeGreaterThanOrEqual(LEVEL[String(level)]!);
      }
    }
    // A job reading the called workflow's outputs reads only declared ones.
    for (const t of allTexts('reusable-caller.yml')) {
      for (const m of t.matchAll(/needs\.[\w-]+\.outputs\.([\w-]+)/g))
        expect(asMap(call.outputs)).toHaveProperty([m[1]!]);
    }
  });

  test('the examples directory holds no secrets references and no checkout of untrusted code', () => {
    for (const file of exampleFiles) {
      const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
      expect({ file, secrets: /\bsecrets\./.test(text) }).toEqual({ file, secrets: false });
      expect({ file, prTarget: /pull_request_target/.test(text) }).toEqual({ file, prTarget: false });
    }
  });

  test('steps are maps and `uses:` values are strings (YAML shape sanity)', () => {
    for (const file of exampleFiles) {
      const doc = parseDocument(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
      visit(doc, {
        Pair(_key, pair) {
          if (isScalar(pair.key) && pair.key.value === 'steps') expect(isSeq(pair.value)).toBe(true);
          if (isScalar(pair.key) && pair.key.value === 'uses') expect(isScalar(pair.value)).toBe(true);
        }
      });
    }
  });

  test('targets-pr-check-and-apply: a targets file checked on pull requests and applied on main, checked out first', () => {
    const wf = load('targets-pr-check-and-apply.yml');
    const jobs = Object.fromEntries(jobsOf(wf));
    for (const [id, mode] of [
      ['check', 'check'],
      ['apply', 'apply']
    ] as const) {
      const steps = stepsOf(jobs[id]!);
      const action = actionSteps(jobs[id]!)[0]!;
      expect(String(steps[0]!.uses)).toMatch(/^actions\/checkout@/);
      expect(asMap(action.with)).toMatchObject({ targets: '.github/apim-targets.yml', mode });
      expect(asMap(action.with)).not.toHaveProperty('apim-name');
    }
    expect(jobs.apply!.environment).toBe('production');
    expect(asMap(jobs.apply!.concurrency)['cancel-in-progress']).toBe(false);
    expect(asMap(jobs.check!.permissions)['pull-requests']).toBe('write');
  });

  test('targets-matrix: mode: list feeds the matrix; one leg per target with target: and a concurrency group per target', () => {
    const wf = load('targets-matrix.yml');
    const jobs = Object.fromEntries(jobsOf(wf));
    const list = jobs.list!;
    const listStep = actionSteps(list)[0]!;
    expect(asMap(listStep.with)).toEqual({ targets: '.github/apim-targets.yml', mode: 'list' });
    expect(grants(permissionsOf(wf, list), 'id-token')).toBe(0);
    expect(asMap(list.outputs).matrix).toBe(`\${{ steps.${String(listStep.id)}.outputs.matrix }}`);
    const legs = jobs.reconcile!;
    expect(legs.needs).toBe('list');
    expect(asMap(legs.strategy).matrix).toBe('${{ fromJSON(needs.list.outputs.matrix) }}');
    expect(asMap(legs.strategy)['fail-fast']).toBe(false);
    expect(String(asMap(legs.concurrency).group)).toContain('${{ matrix.target }}');
    expect(asMap(legs.concurrency)['cancel-in-progress']).toBe(false);
    const leg = asMap(actionSteps(legs)[0]!.with);
    expect(leg).toMatchObject({ targets: '.github/apim-targets.yml', target: '${{ matrix.target }}' });
  });

  test('the sample targets file is referenced by the examples that read one', () => {
    expect(fs.existsSync(path.join(examplesDir, 'targets/apim-targets.yml'))).toBe(true);
    const readme = fs.readFileSync(path.join(examplesDir, 'README.md'), 'utf8');
    expect(readme).toContain('(targets/apim-targets.yml)');
  });
});
