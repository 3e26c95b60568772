/**
 * examples/*.yml are workflows users copy: each must parse, call this action only with inputs action.yml declares
 * (and every required one), grant `id-token: write` wherever the action signs in, and keep `${{ … }}` balanced.
 * Callers of the reusable example must match its typed inputs and grant what its job asks for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScalar, isSeq, parse, parseDocument, visit } from 'yaml';
import {
  LEVEL,
  actionSteps,
  allTexts as textsOf,
  asMap,
  checkWorkflow,
  expressionProblems,
  grants,
  jobsOf,
  loadActionInputs,
  permissionsOf,
  pinProblems,
  requiredOf,
  reusableCalls,
  stepsOf,
  triggers,
  type Json
} from '../scripts/workflow-check.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = path.join(repoRoot, 'examples');

/** Where reusable-caller.yml expects examples/reusable.yml to be copied (see examples/README.md). */
const REUSABLE_PATH = './.github/workflows/apim-function-auth-reusable.yml';

const actionInputs = loadActionInputs(repoRoot);
const requiredInputs = requiredOf(actionInputs);

const exampleFiles = fs
  .readdirSync(examplesDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function load(file: string): Json {
  return parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as Json;
}

/** Every string in an example's scalars. */
function allTexts(file: string): string[] {
  return textsOf(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
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

    test('passes the checks of npm run check-config (scripts/workflow-check.ts)', () => {
      expect(checkWorkflow(text, actionInputs)).toEqual([]);
    });

    test('the examples show the your-org placeholder, pinned by a tag or SHA', () => {
      const wf = load(file);
      expect(pinProblems(wf)).toEqual([]);
      for (const [, job] of jobsOf(wf)) {
        for (const step of actionSteps(job)) expect(String(step.uses)).toMatch(/^your-org\/apim-function-auth@/);
      }
    });

    test('jobs that call a reusable workflow (which signs in) grant id-token: write', () => {
      const wf = load(file);
      for (const [jobId, job] of reusableCalls(wf)) {
        expect({ job: `${file} jobs.${jobId}`, idToken: grants(permissionsOf(wf, job), 'id-token') }).toEqual({
          job: `${file} jobs.${jobId}`,
          idToken: 2
        });
      }
    });
  });

  test('the workflow checks find what is wrong: unknown and missing inputs, permissions, a branch ref, bad ${{', () => {
    const bad = [
      'name: x',
      'on: push',
      'jobs:',
      '  a:',
      '    permissions: { contents: read }',
      '    steps:',
      '      - uses: contoso/apim-function-auth@main',
      '        with:',
      '          client-id: ${{ vars.C }',
      '          apim-nmae: x',
      ''
    ].join('\n');
    const problems = checkWorkflow(bad, actionInputs);
    expect(problems).toEqual([
      "unclosed '${{' in: ${{ vars.C }",
      'jobs.a step contoso/apim-function-auth@main: inputs action.yml does not declare: apim-nmae',
      'jobs.a step contoso/apim-function-auth@main: required inputs missing or empty: tenant-id',
      'jobs.a step contoso/apim-function-auth@main: without targets: these inputs are needed: subscription-id, ' +
        'apim-name, apim-resource-group, api-ids, function-app-name',
      'jobs.a: grant permissions: id-token: write (the action signs in with GitHub OIDC)',
      'jobs.a: uses: contoso/apim-function-auth@main: pin a commit SHA (40 hex characters) or a release tag, not a branch'
    ]);
    // Any owner is fine once pinned; `./` (the action in the same repository) needs no pin.
    const sha = 'a'.repeat(40);
    const good = bad
      .replace('@main', `@${sha}`)
      .replace('${{ vars.C }', '${{ vars.C }}')
      .replace('apim-nmae: x', 'targets: t.yml\n          tenant-id: t')
      .replace('{ contents: read }', '{ contents: read, id-token: write }');
    expect(checkWorkflow(good, actionInputs)).toEqual([]);
    expect(checkWorkflow(good.replace(`contoso/apim-function-auth@${sha}`, './'), actionInputs)).toEqual([]);
    expect(checkWorkflow('a: [', actionInputs)[0]).toMatch(/^YAML: /);
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
