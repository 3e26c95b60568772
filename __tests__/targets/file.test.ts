/**
 * The targets file (src/targets/file.ts) and the run selection (src/targets/select.ts): per-target keys validated as
 * the step's inputs are, every problem of every target at once with its line, precedence target → defaults → step,
 * unknown keys, duplicate names and duplicate targets refused, the `target` filter, `mode: list`.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ActionError } from '../../src/errors.js';
import { inputLookup, readSettings, type GetInput } from '../../src/inputs/index.js';
import { closest, formatFileProblems, parseTargetsFile } from '../../src/targets/file.js';
import { TARGET_INPUTS } from '../../src/inputs/table.js';
import { selectRun } from '../../src/targets/select.js';
import { repoRoot } from '../../scripts/action-runner.js';

const SUB = '22222222-2222-4222-8222-222222222222';
const SUB2 = '33333333-3333-4333-8333-333333333333';
const APP = '55555555-5555-4555-8555-555555555555';
const none: GetInput = () => '';

const GOOD = `# two targets
defaults:
  apim-resource-group: rg-api
  allowed-callers: apim-only
  subscription-id: ${SUB}
targets:
  - name: orders-prod
    apim-name: apim-contoso
    api-ids: [orders, invoices]
    function-app-name: func-orders
    app-client-id: ${APP}
    smoke-path: /orders
  - name: billing-dev
    subscription-id: ${SUB2}
    apim-name: apim-dev
    api-ids: billing, refunds
    function-app-name: func-billing
    function-app-slot: staging
    smoke-timeout-seconds: 30
`;

describe('parseTargetsFile: a good file', () => {
  it('gives each target the settings the step inputs would give, with defaults and the step as fallbacks', () => {
    const step = inputLookup({ 'smoke-method': 'post', 'allowed-callers': 'tenant' });
    const { targets, problems, warnings } = parseTargetsFile(GOOD, step);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(targets.map((t) => [t.name, t.line])).toEqual([
      ['orders-prod', 7],
      ['billing-dev', 13]
    ]);
    const [orders, billing] = targets.map((t) => t.spec);
    // The same result as readSettings over equivalent step inputs (same parsers, same defaults).
    const viaStep = readSettings(
      inputLookup({
        'client-id': APP,
        'tenant-id': APP,
        'subscription-id': SUB,
        'apim-name': 'apim-contoso',
        'apim-resource-group': 'rg-api',
        'api-ids': 'orders\ninvoices',
        'function-app-name': 'func-orders',
        'app-client-id': APP,
        'smoke-path': '/orders',
        'smoke-method': 'POST',
        'allowed-callers': 'apim-only'
      })
    );
    for (const k of ['apimName', 'apimResourceGroup', 'apiIds', 'functionAppName', 'appClientId', 'smoke'] as const) {
      expect(orders![k]).toEqual(viaStep[k]);
    }
    // defaults win over the step (allowed-callers), the step fills what neither sets (smoke-method).
    expect(orders!.allowedCallers).toBe('apim-only');
    expect(orders!.smoke.method).toBe('POST');
    expect(billing).toMatchObject({
      subscriptionId: SUB2,
      apimResourceGroup: 'rg-api',
      functionAppResourceGroup: 'rg-api',
      functionAppSlot: 'staging',
      apiIds: ['billing', 'refunds'],
      smoke: { timeoutSeconds: 30, path: '' }
    });
  });

  it('the example targets file in examples/targets parses, every target valid', () => {
    const text = readFileSync(path.join(repoRoot, 'examples/targets/apim-targets.yml'), 'utf8');
    const { targets, problems } = parseTargetsFile(text, none);
    expect(problems).toEqual([]);
    expect(targets.length).toBeGreaterThanOrEqual(3);
  });
});

describe('parseTargetsFile: problems', () => {
  const problemsOf = (text: string, step = none) => parseTargetsFile(text, step).problems;

  it('reports every problem of every target at once, each with its target and line', () => {
    const text = `defaults:
  apim-resource-group: rg-api
targets:
  - name: a
    subscription-id: not-a-guid
    apim-name: apim-x
    api-ids: [orders]
    function-app-name: f
  - name: b
    subscription-id: ${SUB}
    api-ids: [bad id]
    function-app-name: func-b
    smoke-path: nope
`;
    const problems = problemsOf(text);
    expect(problems).toEqual([
      { line: 5, target: 'a', key: 'subscription-id', text: expect.stringContaining('is not a GUID') },
      { line: 8, target: 'a', key: 'function-app-name', text: expect.stringContaining('is not a valid name') },
      { line: 9, target: 'b', key: 'apim-name', text: expect.stringContaining('is required') },
      { line: 11, target: 'b', key: 'api-ids', text: expect.stringContaining('is not a valid name') },
      { line: 13, target: 'b', key: 'smoke-path', text: expect.stringContaining('/') }
    ]);
    const message = formatFileProblems('t.yml', problems);
    expect(message.split('\n')[0]).toBe('Invalid targets file t.yml (5 problems):');
    expect(message).toContain("- t.yml:5: target 'a': subscription-id: 'not-a-guid' is not a GUID");
  });

  it('refuses unknown keys (naming the closest input), run-level inputs, and name in defaults', () => {
    const text = `defaults:
  name: x
  mode: check
targets:
  - name: a
    apim-nmae: apim-x
    client-id: ${APP}
    colour: blue
`;
    const all = problemsOf(text);
    // The target is still checked with its other keys: what it lacks is reported too, at its line.
    expect(all.filter((p) => p.text.startsWith('is required')).map((p) => [p.line, p.key])).toContainEqual([
      5,
      'apim-name'
    ]);
    const problems = all.filter((p) => !p.text.startsWith('is required'));
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [2, 'name'],
      [3, 'mode'],
      [6, 'apim-nmae'],
      [7, 'client-id'],
      [8, 'colour']
    ]);
    expect(problems[2]!.text).toContain('did you mean apim-name?');
    expect(problems[1]!.text).toContain('run-level input');
    expect(problems[4]!.text).toContain('is not a per-target input; see action.yml');
  });

  it('names the target in every problem of its own keys, and suggests inputs for short forms and prefixes', () => {
    const text = `targets:
  - apim-name: apim-x
    function-app-rg: rg-func
    name: orders-prod
    rg: rg-api
    api: [orders]
    smoke-path: [a, b]
  - name: -bad-
    colour: blue
`;
    const problems = problemsOf(text).filter((p) => !p.text.startsWith('is required'));
    expect(problems.map((p) => [p.line, p.target, p.key])).toEqual([
      [3, 'orders-prod', 'function-app-rg'],
      [5, 'orders-prod', 'rg'],
      [6, 'orders-prod', 'api'],
      [7, 'orders-prod', 'smoke-path'],
      [8, undefined, 'name'],
      [9, undefined, 'colour']
    ]);
    expect(problems[0]!.text).toContain('(did you mean function-app-resource-group?)');
    expect(problems[1]!.text).toContain('(did you mean apim-resource-group or function-app-resource-group?)');
    expect(problems[2]!.text).toContain('(did you mean api-ids?)');
    expect(formatFileProblems('t.yml', problems)).toContain(
      "- t.yml:3: target 'orders-prod': function-app-rg: 'function-app-rg' is not a per-target input (did you mean " +
        'function-app-resource-group?); see action.yml'
    );
    expect(closest('function-rg', TARGET_INPUTS)).toEqual(['function-app-resource-group']);
    expect(closest('smoke-sub', TARGET_INPUTS)).toEqual(['smoke-subscription']);
    expect(closest('colour', TARGET_INPUTS)).toEqual([]);
  });

  it('refuses duplicate names (case-insensitively) and two targets on the same APIM + Function App + slot', () => {
    const entry = (name: string, rg = 'rg', slot = '') =>
      `  - name: ${name}\n    subscription-id: ${SUB}\n    apim-resource-group: ${rg}\n    apim-name: apim-x\n` +
      `    api-ids: [orders]\n    function-app-name: func-x\n${slot ? `    function-app-slot: ${slot}\n` : ''}`;
    const dupName = `targets:\n${entry('orders')}${entry('ORDERS', 'rg', 'staging').replace('[orders]', '[invoices]')}`;
    expect(problemsOf(dupName)).toEqual([
      { line: 8, target: 'ORDERS', key: 'name', text: expect.stringContaining('also the name of the target on line 2') }
    ]);
    const dupTarget = `targets:\n${entry('a')}${entry('b', 'RG')}${entry('c', 'rg', 'staging').replace('[orders]', '[invoices]')}`;
    expect(problemsOf(dupTarget)).toEqual([
      { line: 8, target: 'b', text: expect.stringContaining("same APIM service, Function App and slot as target 'a'") }
    ]);
  });

  it('refuses one API of one APIM service in two targets (another Function App or slot): one policy, one token', () => {
    const entry = (name: string, apis: string, site: string, apim = 'apim-x') =>
      `  - name: ${name}\n    subscription-id: ${SUB}\n    apim-resource-group: rg\n    apim-name: ${apim}\n` +
      `    api-ids: [${apis}]\n    function-app-name: ${site}\n`;
    const file = `targets:\n${entry('a', 'orders, invoices', 'func-a')}${entry('b', 'billing, ORDERS', 'func-b', 'APIM-X')}${entry('c', 'orders', 'func-c', 'apim-y')}`;
    expect(problemsOf(file)).toEqual([
      {
        line: 8,
        target: 'b',
        key: 'api-ids',
        text: expect.stringMatching(
          /^API 'ORDERS' of APIM service 'APIM-X' is also in target 'a' \(line 2\): an API's inbound policy sends one token to one backend/
        )
      }
    ]);
  });

  it('a YAML merge key (<<: *alias) is refused as an alias, not as an unknown input named <<', () => {
    const text = `targets:\n  - &one\n    name: a\n    apim-name: apim-x\n  - <<: *one\n    name: b\n`;
    expect(problemsOf(text).filter((p) => p.key === '<<')).toEqual([
      {
        line: 5,
        key: '<<',
        target: 'b',
        text: expect.stringMatching(/^YAML merge keys \(<<\) and aliases are not supported; repeat/)
      }
    ]);
  });

  it('reports YAML errors with their line: bad syntax, duplicate keys', () => {
    expect(problemsOf('targets:\n  - name: a\n    name: b\n')).toEqual([
      { line: 3, text: expect.stringContaining('Map keys must be unique') }
    ]);
    const bad = problemsOf('targets: [\n  - name: a\n');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((p) => typeof p.line === 'number' && p.text.endsWith('fix the YAML syntax'))).toBe(true);
  });

  it('refuses a wrong shape: no targets, an empty list, a scalar target, maps and lists where they do not fit, aliases', () => {
    expect(problemsOf('defaults: {}\n')).toEqual([
      { line: 1, key: 'targets', text: expect.stringContaining('is missing') }
    ]);
    expect(problemsOf('targets: []\n')).toEqual([
      { line: 1, key: 'targets', text: expect.stringContaining('not a list') }
    ]);
    expect(problemsOf('- a\n')[0]!.text).toContain('is not a map');
    expect(problemsOf('targets:\n  - just-a-name\n')[0]).toMatchObject({
      line: 2,
      text: expect.stringContaining('not a map')
    });
    const shapes = problemsOf(
      'targets:\n  - name: a\n    apim-name: [x, y]\n    api-ids: {a: 1}\n    smoke-path: &p /x\n    excluded-paths: [*p]\n    extra: 1\n'
    );
    const notRequired = shapes.filter((p) => !p.text.startsWith('is required'));
    expect(notRequired.map((p) => [p.key, p.text.split(';')[0]])).toEqual([
      ['apim-name', 'is a list'],
      ['api-ids', 'is a map'],
      ['excluded-paths', 'anchors and aliases are not supported'],
      ['extra', "'extra' is not a per-target input"]
    ]);
  });

  it('reports a bad default or step value once, not once per target, and marks step values', () => {
    const text = `defaults:\n  smoke-method: FETCH\ntargets:\n${['a', 'b', 'c']
      .map((n) => `  - name: ${n}\n    apim-name: apim-${n}\n    api-ids: [o]\n    function-app-name: func-${n}\n`)
      .join('')}`;
    const problems = problemsOf(text, inputLookup({ 'subscription-id': 'nope', 'apim-resource-group': 'rg' }));
    expect(problems).toEqual([
      { step: true, key: 'subscription-id', text: expect.stringContaining('is not a GUID') },
      { line: 2, key: 'smoke-method', text: expect.stringContaining('is not supported') }
    ]);
    expect(formatFileProblems('f.yml', problems)).toContain("- step input subscription-id: 'nope' is not a GUID");
  });

  it('keeps values as written (failsafe schema: 0x1F stays text) and refuses control characters', () => {
    const text = `targets:\n  - name: a\n    subscription-id: ${SUB}\n    apim-resource-group: rg\n    apim-name: apim-x\n    api-ids: [orders]\n    function-app-name: func-x\n    smoke-subscription: 0x1F\n`;
    const ok = parseTargetsFile(text, none);
    expect(ok.problems).toEqual([]);
    expect(ok.targets[0]!.spec.smoke.subscriptionName).toBe('0x1F');
    expect(problemsOf(`${text}    fail-on-drift: yes\n`)).toEqual([
      { line: 9, target: 'a', key: 'fail-on-drift', text: expect.stringContaining('run-level') }
    ]);
    const tab = `targets:\n  - name: a\n    subscription-id: ${SUB}\n    apim-resource-group: rg\n    apim-name: "apim\\tx"\n    api-ids: [o]\n    function-app-name: func-x\n`;
    expect(problemsOf(tab)).toEqual([
      { line: 5, target: 'a', key: 'apim-name', text: expect.stringContaining('U+0009 (tab)') }
    ]);
  });
});

describe('selectRun', () => {
  const base = { 'client-id': APP, 'tenant-id': APP };
  const files = { 't.yml': GOOD };
  const read = (p: string) => {
    if (!(p in files)) throw new Error('was not found in the workspace');
    return files[p as keyof typeof files];
  };

  it('without targets: one target from the step, as before', () => {
    const sel = selectRun(
      inputLookup({
        ...base,
        'subscription-id': SUB,
        'apim-name': 'a',
        'apim-resource-group': 'rg',
        'api-ids': 'o',
        'function-app-name': 'f1'
      }),
      read
    );
    expect(sel.kind).toBe('single');
  });

  it('with targets: the run settings and the selected targets in file order; the filter picks by name', () => {
    const all = selectRun(inputLookup({ ...base, targets: './t.yml', 'max-parallel': '8' }), read);
    expect(all).toMatchObject({
      kind: 'targets',
      targetsFile: 't.yml',
      filter: [],
      run: { maxParallel: 8, armMaxInFlight: 16 }
    });
    expect(all.kind === 'targets' && all.targets.map((t) => t.name)).toEqual(['orders-prod', 'billing-dev']);
    const one = selectRun(inputLookup({ ...base, targets: 't.yml', target: 'billing-dev' }), read);
    expect(one.kind === 'targets' && one.targets.map((t) => t.name)).toEqual(['billing-dev']);
  });

  it('mode: list needs no sign-in inputs; list and target need a targets file', () => {
    const list = selectRun(inputLookup({ targets: 't.yml', mode: 'list' }), read);
    expect(list).toMatchObject({ kind: 'list', targetsFile: 't.yml' });
    expect(() => selectRun(inputLookup({ ...base, mode: 'list' }), read)).toThrow(/mode: list needs a targets file/);
    expect(() => selectRun(inputLookup({ ...base, target: 'a' }), read)).toThrow(/target: names targets of a file/);
  });

  it('reports the step inputs, the file and the filter together; never reads past a refused path', () => {
    const err = (() => {
      try {
        selectRun(inputLookup({ 'tenant-id': APP, targets: 't.yml', target: 'orders-prod, Billing-dev, nope' }), read);
      } catch (e) {
        return e as ActionError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ActionError);
    expect(err.message).toContain('- client-id: is required');
    expect(err.message).toContain(
      "- t.yml: target: 'Billing-dev' is not a target of the file; did you mean 'billing-dev'?"
    );
    expect(err.message).toContain("- t.yml: target: 'nope' is not a target of the file");
    expect(() => selectRun(inputLookup({ ...base, targets: '../etc/passwd' }), read)).toThrow(/leaves the workspace/);
    expect(() => selectRun(inputLookup({ ...base, targets: 'missing.yml' }), read)).toThrow(
      /missing\.yml: was not found in the workspace/
    );
  });
});
