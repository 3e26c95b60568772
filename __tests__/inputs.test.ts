import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { ActionError } from '../src/errors.js';
import { preflightTokenScopes } from '../src/preflight.js';
import { trimTrailingSlashes } from '../src/azure/clouds.js';
import {
  INPUT_DEFAULTS,
  INPUT_MAX_LENGTH,
  INPUT_NAMES,
  LIST_ENTRY_MAX_LENGTH,
  LIST_INPUTS,
  MAX_LIST_ENTRIES,
  MAX_LIST_INPUT_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SUBSCRIPTION_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  REQUIRED_INPUTS,
  STEP_REQUIRED_INPUTS,
  SECRET_INPUTS,
  excludedPathWarnings,
  findControlCharacter,
  parseBoolean,
  parseList,
  readSettings,
  splitList
} from '../src/inputs.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const SUB = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const APP = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';

const minimal: Record<string, string> = {
  'client-id': CLIENT,
  'tenant-id': TENANT,
  'subscription-id': SUB,
  'apim-name': 'apim-x',
  'apim-resource-group': 'rg-apim',
  'api-ids': 'api-orders',
  'function-app-name': 'func-x'
};

function lookup(values: Record<string, string>): (name: string) => string {
  return (name) => values[name] ?? '';
}

function errorOf(values: Record<string, string>): ActionError {
  try {
    readSettings(lookup(values));
  } catch (e) {
    if (e instanceof ActionError) return e;
    throw e;
  }
  throw new Error('readSettings accepted invalid inputs');
}

describe('parseList', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b \n\n c ', ['a', 'b', 'c']],
    ['a\nb,a\n b', ['a', 'b']],
    ['', []],
    [' ,\n, ', []],
    ['z,y,x', ['z', 'y', 'x']]
  ])('%j → %j', (text, expected) => {
    expect(parseList(text)).toEqual(expected);
  });
});

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' False ', false],
    ['yes', undefined],
    ['1', undefined],
    ['', undefined]
  ])('%j → %j', (text, expected) => {
    expect(parseBoolean(text)).toBe(expected);
  });
});

describe('readSettings defaults', () => {
  it('treats every empty input as its default (running dist/index.js by hand)', () => {
    const s = readSettings(lookup(minimal));
    expect(s.environment).toBe('AzureCloud');
    expect(s.audience).toBe('api://AzureADTokenExchange');
    expect(s.endpoints).toEqual({
      armEndpoint: 'https://management.azure.com',
      armScope: 'https://management.azure.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
      graphEndpoint: 'https://graph.microsoft.com',
      graphScope: 'https://graph.microsoft.com/.default'
    });
    expect(s.functionAppResourceGroup).toBe('rg-apim');
    expect(s.functionAppSlot).toBeUndefined();
    expect(s.appClientId).toBeUndefined();
    expect(s.tokenResource).toBeUndefined();
    // The issuer default (v1, https://sts.windows.net/<tenant>/) is applied by the Easy Auth planner, which reports its origin.
    expect(s.openIdIssuer).toBeUndefined();
    expect(s.allowedCallers).toBe('apim-only');
    expect(s.excludedPaths).toEqual([]);
    expect(s.mode).toBe('apply');
    expect(s.failOnDrift).toBe(true);
    expect(s.prComment).toBe(true);
    expect(s.githubToken).toBeUndefined();
    expect(s.smoke).toEqual({
      path: '',
      method: 'GET',
      expectedStatus: '200',
      timeoutSeconds: 300,
      subscriptionName: 'master'
    });
  });

  it('gives the same settings when the runner fills action.yml defaults in', () => {
    const withDefaults = { ...INPUT_DEFAULTS, ...minimal };
    const a = readSettings(lookup(minimal));
    const b = readSettings(lookup(withDefaults));
    expect(b).toEqual(a);
  });

  it('reads every input when given', () => {
    const s = readSettings(
      lookup({
        ...minimal,
        environment: 'AzureUSGovernment',
        'arm-endpoint': 'https://127.0.0.1:8443/',
        'api-ids': 'api-orders, api-billing\napi-orders',
        'function-app-resource-group': 'rg-func',
        'function-app-slot': 'staging',
        'app-client-id': APP,
        'token-resource': `api://${APP}`,
        'open-id-issuer': `https://login.microsoftonline.com/${TENANT}/v2.0`,
        'apim-identity-client-id': CLIENT,
        'allowed-callers': 'tenant',
        'excluded-paths': '/api/health, /robots933456.txt',
        mode: 'check',
        'fail-on-drift': 'FALSE',
        'smoke-path': '/ping',
        'smoke-method': 'post',
        'smoke-expected-status': '2XX',
        'smoke-timeout-seconds': '0',
        'subscription-key': 'k3y-value-secret',
        'smoke-subscription': 'smoke-sub',
        'github-token': 'ghs_exampletoken',
        'pr-comment': 'false'
      })
    );
    expect(s.endpoints.armEndpoint).toBe('https://127.0.0.1:8443');
    expect(s.endpoints.armScope).toBe('https://127.0.0.1:8443/.default');
    expect(s.endpoints.authorityHost).toBe('https://login.microsoftonline.us');
    expect(s.apiIds).toEqual(['api-orders', 'api-billing']);
    expect(s.functionAppResourceGroup).toBe('rg-func');
    expect(s.functionAppSlot).toBe('staging');
    expect(s.appClientId).toBe(APP);
    expect(s.tokenResource).toBe(`api://${APP}`);
    expect(s.openIdIssuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(s.apimIdentityClientId).toBe(CLIENT);
    expect(s.allowedCallers).toBe('tenant');
    expect(s.excludedPaths).toEqual(['/api/health', '/robots933456.txt']);
    expect(s.mode).toBe('check');
    expect(s.failOnDrift).toBe(false);
    expect(s.prComment).toBe(false);
    expect(s.smoke).toEqual({
      path: '/ping',
      method: 'POST',
      expectedStatus: '2xx',
      timeoutSeconds: 0,
      subscriptionKey: 'k3y-value-secret',
      subscriptionName: 'smoke-sub'
    });
    expect(s.githubToken).toBe('ghs_exampletoken');
  });

  it('auth-type: oidc by default; azure-cli in any letter case', () => {
    expect(readSettings(lookup(minimal)).authType).toBe('oidc');
    expect(readSettings(lookup({ ...minimal, 'auth-type': 'oidc' })).authType).toBe('oidc');
    expect(readSettings(lookup({ ...minimal, 'auth-type': 'azure-cli' })).authType).toBe('azure-cli');
    expect(readSettings(lookup({ ...minimal, 'auth-type': ' Azure-CLI ' })).authType).toBe('azure-cli');
    expect(INPUT_DEFAULTS['auth-type']).toBe('oidc');
  });

  it('treats an unexpanded ${{ github.token }} as no token', () => {
    expect(readSettings(lookup({ ...minimal, 'github-token': '${{ github.token }}' })).githubToken).toBeUndefined();
  });
});

describe('readSettings validation', () => {
  it.each<[string, Record<string, string>, string, RegExp[]]>([
    ['client-id not a GUID', { 'client-id': 'my-app' }, 'client-id', [/'my-app' is not a GUID/]],
    ['tenant-id not a GUID', { 'tenant-id': 'contoso.onmicrosoft.com' }, 'tenant-id', [/not a GUID/, /tenant/]],
    ['subscription-id not a GUID', { 'subscription-id': '1234' }, 'subscription-id', [/not a GUID/]],
    ['app-client-id not a GUID', { 'app-client-id': 'api://x' }, 'app-client-id', [/not a GUID/]],
    ['apim-identity-client-id', { 'apim-identity-client-id': 'uai' }, 'apim-identity-client-id', [/not a GUID/]],
    [
      'environment',
      { environment: 'AzureGermanCloud' },
      'environment',
      [/AzureCloud, AzureUSGovernment, AzureChinaCloud/]
    ],
    ['mode', { mode: 'plan' }, 'mode', [/apply, check/]],
    [
      'auth-type',
      { 'auth-type': 'service-principal' },
      'auth-type',
      [/'service-principal' is not allowed/, /oidc, azure-cli/]
    ],
    ['allowed-callers', { 'allowed-callers': 'everyone' }, 'allowed-callers', [/apim-only, tenant/]],
    ['apim-name starts with digit', { 'apim-name': '1apim' }, 'apim-name', [/start/, /resource-name-rules/]],
    ['apim-name too long', { 'apim-name': `a${'b'.repeat(50)}` }, 'apim-name', [/1-50/]],
    ['apim-name underscore', { 'apim-name': 'apim_x' }, 'apim-name', [/letters, digits and hyphens/]],
    ['apim-name ends with hyphen', { 'apim-name': 'apim-' }, 'apim-name', [/ending with a letter or digit/]],
    ['resource group ends with period', { 'apim-resource-group': 'rg.' }, 'apim-resource-group', [/period/]],
    ['resource group with slash', { 'apim-resource-group': 'rg/x' }, 'apim-resource-group', [/resource group/]],
    ['function app rg', { 'function-app-resource-group': 'a'.repeat(91) }, 'function-app-resource-group', [/1-90/]],
    ['function app name', { 'function-app-name': '-func' }, 'function-app-name', [/hyphen/]],
    ['function app slot', { 'function-app-slot': 'x' }, 'function-app-slot', [/2-59/]],
    ['api id display name', { 'api-ids': 'Orders API' }, 'api-ids', [/'Orders API'/, /not its display name/]],
    ['api id list has one bad', { 'api-ids': 'good-api, /orders' }, 'api-ids', [/'\/orders'/]],
    ['api-ids only separators', { 'api-ids': ' , ' }, 'api-ids', [/at least one/]],
    ['arm-endpoint http', { 'arm-endpoint': 'http://localhost:8080' }, 'arm-endpoint', [/https:\/\//, /bearer/]],
    ['arm-endpoint path', { 'arm-endpoint': 'https://arm.local/sub' }, 'arm-endpoint', [/no path/]],
    ['authority-host query', { 'authority-host': 'https://login.local/?x=1' }, 'authority-host', [/no path, query/]],
    ['graph-endpoint relative', { 'graph-endpoint': 'graph.microsoft.com' }, 'graph-endpoint', [/absolute URL/]],
    [
      'token-resource scope (C02)',
      { 'token-resource': `api://${APP}/.default` },
      'token-resource',
      [/scope, not a resource/, /without '\/\.default'/]
    ],
    ['token-resource GUID scope', { 'token-resource': `${APP}/.default` }, 'token-resource', [/scope, not a resource/]],
    [
      'token-resource not a URI',
      { 'token-resource': 'my-function-app' },
      'token-resource',
      [/neither a GUID nor an absolute URI/]
    ],
    ['open-id-issuer http', { 'open-id-issuer': 'http://sts.windows.net/x/' }, 'open-id-issuer', [/https:\/\//]],
    [
      'excluded path without slash',
      { 'excluded-paths': '/ok, api/health' },
      'excluded-paths',
      [/'api\/health' must start with '\/'/]
    ],
    ['smoke-path no slash', { 'smoke-path': 'ping' }, 'smoke-path', [/start with '\/'/]],
    ['smoke-path dotdot', { 'smoke-path': '/a/../admin' }, 'smoke-path', [/'\.\.'/]],
    ['smoke-path encoded dotdot', { 'smoke-path': '/a/%2e%2e/admin' }, 'smoke-path', [/'\.\.'/]],
    ['smoke-path scheme', { 'smoke-path': '/redirect?to=https://evil.example' }, 'smoke-path', [/scheme/]],
    ['smoke-path host', { 'smoke-path': '//evil.example/x' }, 'smoke-path', [/host/]],
    ['smoke-expected-status word', { 'smoke-expected-status': 'ok' }, 'smoke-expected-status', [/200/, /2xx/]],
    ['smoke-expected-status 2x', { 'smoke-expected-status': '2x' }, 'smoke-expected-status', [/not a status/]],
    ['smoke-timeout negative', { 'smoke-timeout-seconds': '-1' }, 'smoke-timeout-seconds', [/0 to 3600/]],
    ['smoke-timeout too big', { 'smoke-timeout-seconds': '3601' }, 'smoke-timeout-seconds', [/0 to 3600/]],
    ['smoke-timeout fraction', { 'smoke-timeout-seconds': '1.5' }, 'smoke-timeout-seconds', [/whole number/]],
    ['smoke-method', { 'smoke-method': 'FETCH' }, 'smoke-method', [/GET, HEAD/]],
    ['fail-on-drift yes', { 'fail-on-drift': 'yes' }, 'fail-on-drift', [/true or false/]],
    ['pr-comment 1', { 'pr-comment': '1' }, 'pr-comment', [/true or false/]],
    ['smoke-subscription with slash', { 'smoke-subscription': 'a/b' }, 'smoke-subscription', [/APIM subscription/]]
  ])('%s', (_title, bad, input, patterns) => {
    const err = errorOf({ ...minimal, ...bad });
    const line = err.message.split('\n').find((l) => l.startsWith(`- ${input}:`));
    expect(line).toBeDefined();
    for (const p of patterns) expect(line).toMatch(p);
    expect(err.message).toMatch(/^Invalid inputs \(1 problem\)/);
  });

  it.each(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'])('accepts environment %s', (env) => {
    expect(readSettings(lookup({ ...minimal, environment: env })).environment).toBe(env);
  });

  it.each([
    ['app client ID', APP],
    ['App ID URI', `api://${APP}`],
    ['https App ID URI', 'https://contoso.onmicrosoft.com/orders-api'],
    ['named value reference', '{{orders-app-id}}']
  ])('accepts token-resource as %s', (_t, value) => {
    expect(readSettings(lookup({ ...minimal, 'token-resource': value })).tokenResource).toBe(value);
  });

  it.each(['api://{{orders}}', '{{a b}}', '{{x}}{{y}}'])(
    'refuses token-resource %s (a partial or invalid reference)',
    (v) => {
      expect(errorOf({ ...minimal, 'token-resource': v }).message).toMatch(/token-resource/);
    }
  );

  it('the pre-flight asks Entra for a {{named value}} token-resource only once it is read (not at sign-in)', () => {
    expect(preflightTokenScopes({ appClientId: APP, tokenResource: '{{orders-app-id}}' }).map((c) => c.input)).toEqual([
      'app-client-id'
    ]);
  });

  it.each(['api-orders', 'a', 'orders-v2;rev=3', `a${'b'.repeat(79)}`])('accepts API ID %s', (id) => {
    expect(readSettings(lookup({ ...minimal, 'api-ids': id })).apiIds).toEqual([id]);
  });

  it('lists every missing required input together', () => {
    const err = errorOf({});
    for (const name of REQUIRED_INPUTS) expect(err.message).toContain(`- ${name}: is required`);
    expect(err.message).toMatch(new RegExp(`^Invalid inputs \\(${REQUIRED_INPUTS.length} problems\\)`));
  });

  it('reports all problems at once, each with its fix', () => {
    const err = errorOf({
      ...minimal,
      'client-id': 'nope',
      mode: 'destroy',
      'token-resource': `api://${APP}/.default`,
      'smoke-path': 'ping',
      'smoke-timeout-seconds': '99999',
      'pr-comment': 'maybe'
    });
    const lines = err.message.split('\n').filter((l) => l.startsWith('- '));
    expect(lines.map((l) => l.slice(2, l.indexOf(':')))).toEqual([
      'client-id',
      'token-resource',
      'mode',
      'pr-comment',
      'smoke-path',
      'smoke-timeout-seconds'
    ]);
    expect(err.message).toMatch(/^Invalid inputs \(6 problems\)/);
  });

  it('never puts secret input values in the message', () => {
    const key = 'SuperSecretSubscriptionKey0123456789';
    const token = 'ghs_SuperSecretGithubToken0123456789';
    const err = errorOf({
      ...minimal,
      'client-id': 'bad',
      'subscription-key': key,
      'github-token': token
    });
    expect(err.message).not.toContain(key);
    expect(err.message).not.toContain(token);
    expect(SECRET_INPUTS).toEqual(expect.arrayContaining(['subscription-key', 'github-token']));
  });
});

describe('action.yml agrees with the inputs table', () => {
  const actionYml = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    runs: { using: string; main: string };
    inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description?: string }>;
  };

  it('declares exactly the inputs readSettings reads', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual([...INPUT_NAMES].sort());
  });

  it('has the same defaults as INPUT_DEFAULTS', () => {
    const yamlDefaults = Object.fromEntries(
      Object.entries(actionYml.inputs)
        .filter(([, v]) => v.default !== undefined)
        .map(([k, v]) => [k, String(v.default)])
    );
    expect(yamlDefaults).toEqual({ ...INPUT_DEFAULTS });
  });

  it('marks the same inputs required, and gives each a description', () => {
    const required = Object.entries(actionYml.inputs)
      .filter(([, v]) => v.required === true)
      .map(([k]) => k)
      .sort();
    // Per-target inputs may come from a targets file instead, so action.yml requires only the run-level ones.
    expect(required).toEqual([...STEP_REQUIRED_INPUTS].sort());
    expect([...STEP_REQUIRED_INPUTS].sort()).toEqual(['client-id', 'tenant-id']);
    for (const [name, v] of Object.entries(actionYml.inputs)) {
      expect([name, typeof v.description === 'string' && v.description.length > 10]).toEqual([name, true]);
    }
  });

  it('runs on node24 from dist/index.js and declares the outputs', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(actionYml.outputs).sort()).toEqual(
      [
        'apim-principal-id',
        'change-count',
        'changes',
        'comment-url',
        'drift',
        'issue-url',
        'matrix',
        'result',
        'smoke-result',
        'snapshot-path',
        'summary-path',
        'targets'
      ].sort()
    );
  });
});

describe('excluded-paths that cover the whole site', () => {
  it.each(['/', '/*', '/**', '//'])('%s is refused (Easy Auth would be off for every request)', (p) => {
    expect(() => readSettings(lookup({ ...minimal, 'excluded-paths': `/api/health\n${p}` }))).toThrow(
      /excluded-paths.*would exclude every path/s
    );
  });

  it('a narrower wildcard is allowed', () => {
    expect(readSettings(lookup({ ...minimal, 'excluded-paths': '/api/public/*' })).excludedPaths).toEqual([
      '/api/public/*'
    ]);
  });
});

/* ------------------------------------------------------------------------------------------------------------------ */
/* Input hygiene: control characters, validated = used, ARM names, traversal, limits, warnings.                        */
/* ------------------------------------------------------------------------------------------------------------------ */

/** A valid value for every input (lists with two entries), none of them the default. */
const VALID: Record<string, string> = {
  'client-id': CLIENT,
  'tenant-id': TENANT,
  'subscription-id': SUB,
  environment: 'AzureUSGovernment',
  audience: 'api://AzureADTokenExchange',
  'auth-type': 'azure-cli',
  'arm-endpoint': 'https://management.azure.com',
  'authority-host': 'https://login.microsoftonline.com',
  'graph-endpoint': 'https://graph.microsoft.com',
  'apim-name': 'apim-x',
  'apim-resource-group': 'rg-apim',
  'api-ids': 'api-orders\napi-billing',
  'function-app-name': 'func-x',
  'function-app-resource-group': 'rg-func',
  'function-app-slot': 'staging',
  'app-client-id': APP,
  'token-resource': `api://${APP}`,
  'open-id-issuer': `https://sts.windows.net/${TENANT}/`,
  'apim-identity-client-id': CLIENT,
  'allowed-callers': 'tenant',
  'excluded-paths': '/api/health\n/robots933456.txt',
  mode: 'check',
  'fail-on-drift': 'false',
  'on-failure': 'restore',
  snapshot: '/home/runner/snapshots/snapshot-apim-x-func-x.json',
  'smoke-path': '/ping',
  'smoke-method': 'POST',
  'smoke-expected-status': '2xx',
  'smoke-timeout-seconds': '60',
  'subscription-key': 'k3y-SECRET-value-0123',
  'smoke-subscription': 'smoke-sub',
  'github-token': 'ghs_SECRETtoken0123456789',
  'pr-comment': 'false',
  'drift-issue': 'true',
  'drift-issue-labels': 'drift\nazure',
  targets: '.github/apim-targets.yml',
  target: 'orders-prod\nbilling-dev',
  'max-parallel': '12',
  'arm-max-in-flight': '32'
};

/** Characters refused everywhere (line feed and CRLF are tested apart: they separate list entries). */
const REFUSED_CHARS = [
  ...Array.from({ length: 0x20 }, (_, i) => i).filter((i) => i !== 0x0a && i !== 0x0d),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0x2028,
  0x2029
].map((c) => String.fromCharCode(c));

const problemLines = (e: ActionError): string[] => e.message.split('\n').filter((l) => l.startsWith('- '));

/** Every string anywhere in `v` (for deep checks of Settings). */
function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('VALID (the fixture of the hygiene tests)', () => {
  it('is accepted as a whole, without warnings, and covers every input', () => {
    expect(Object.keys(VALID).sort()).toEqual([...INPUT_NAMES].sort());
    const s = readSettings(lookup(VALID));
    expect(s.warnings).toEqual([]);
    expect(s.apiIds).toEqual(['api-orders', 'api-billing']);
    expect(s.smoke.subscriptionKey).toBe(VALID['subscription-key']);
  });

  it('reads only inputs declared in INPUT_NAMES (so the control-character scan covers every input read)', () => {
    const read = new Set<string>();
    readSettings((name) => {
      read.add(name);
      return VALID[name] ?? '';
    });
    expect([...read].filter((n) => !INPUT_NAMES.includes(n))).toEqual([]);
  });
});

describe('findControlCharacter', () => {
  it.each<[string, boolean, number | undefined]>([
    ['abc', false, undefined],
    ['a\tb', false, 1],
    ['a\tb', true, 1],
    ['a\nb', false, 1],
    ['a\nb', true, undefined],
    ['a\r\nb', true, undefined],
    ['a\rb', true, 1],
    ['\n  value \r\n', false, undefined],
    ['value\r', false, 5],
    ['\tvalue', false, 0],
    ['value\u0085', false, 5],
    ['x\u2028', false, 1],
    ['x\u2029y', true, 1],
    ['\u007f', false, 0],
    ['caf\u00e9 \u00a0', false, undefined]
  ])('%j (list: %s) → index %s', (text, list, index) => {
    expect(findControlCharacter(text, list)?.index).toBe(index);
  });

  it('names the character by code point', () => {
    expect(findControlCharacter('a\u001bb', false)?.label).toBe('U+001B (escape)');
    expect(findControlCharacter('a\rb', true)?.label).toMatch(/U\+000D \(carriage return without a line feed\)/);
  });
});

describe('splitList', () => {
  it('keeps duplicates and order, drops empty entries, accepts CRLF', () => {
    expect(splitList(' a, b\r\n\na ,c ')).toEqual(['a', 'b', 'a', 'c']);
  });
});

describe('control characters are refused in every input', () => {
  it('refuses the injection of the issue: a line feed and a workflow command after the issuer URL', () => {
    const value = `https://sts.windows.net/${TENANT}/\n::warning title=x::injected`;
    const err = errorOf({ ...minimal, 'open-id-issuer': value });
    expect(problemLines(err)).toEqual([expect.stringMatching(/^- open-id-issuer: contains control character U\+000A/)]);
    // No line of the message can start a workflow command, and the smuggled text is not echoed.
    expect(err.message.split('\n').some((l) => l.startsWith('::'))).toBe(false);
    expect(err.message).not.toContain('injected');
  });

  it.each(['\r', '\t', '\u0000', '\u2028'])('refuses %j inside open-id-issuer (new URL() would drop it)', (c) => {
    const err = errorOf({ ...minimal, 'open-id-issuer': `https://sts.windows.net/${TENANT}${c}/` });
    expect(problemLines(err)).toHaveLength(1);
    expect(problemLines(err)[0]).toMatch(/^- open-id-issuer: contains control character/);
  });

  it('refuses a subscription-key with a line feed without printing any of the key', () => {
    const err = errorOf({ ...minimal, 'subscription-key': 'FirstHalfOfKey0123\nSecondHalfOfKey4567' });
    expect(problemLines(err)).toEqual([
      expect.stringMatching(/^- subscription-key: contains control character U\+000A \(line feed\) \(value not shown/)
    ]);
    expect(err.message).not.toContain('FirstHalfOfKey0123');
    expect(err.message).not.toContain('SecondHalfOfKey4567');
  });

  it.each(INPUT_NAMES)('refuses a tab in %s (one problem, naming the input)', (name) => {
    const v = VALID[name];
    const err = errorOf({ ...VALID, [name]: `${v.slice(0, 2)}\t${v.slice(2)}` });
    expect(problemLines(err)).toEqual([
      expect.stringMatching(new RegExp(`^- ${name}: contains control character U\\+0009 \\(tab\\)`))
    ]);
  });

  it.each(INPUT_NAMES.filter((n) => !LIST_INPUTS.includes(n)))('refuses a line break inside %s', (name) => {
    const v = VALID[name];
    for (const lb of ['\n', '\r\n']) {
      const err = errorOf({ ...VALID, [name]: `${v.slice(0, 1)}${lb}${v.slice(1)}` });
      expect(problemLines(err)).toEqual([expect.stringMatching(new RegExp(`^- ${name}: contains control character`))]);
    }
  });

  it('accepts line breaks (LF or CRLF) between list entries, and around single values (trimmed, as core.getInput does)', () => {
    const s = readSettings(
      lookup({
        ...minimal,
        'api-ids': 'api-orders\r\napi-billing\n\napi-stock\r\n',
        'excluded-paths': '\n/api/health\r\n/api/version\n',
        'open-id-issuer': `\n https://sts.windows.net/${TENANT}/ \r\n`,
        'subscription-key': 'k3y-value\n'
      })
    );
    expect(s.apiIds).toEqual(['api-orders', 'api-billing', 'api-stock']);
    expect(s.excludedPaths).toEqual(['/api/health', '/api/version']);
    expect(s.openIdIssuer).toBe(`https://sts.windows.net/${TENANT}/`);
    expect(s.smoke.subscriptionKey).toBe('k3y-value');
  });

  it('refuses a lone carriage return between list entries', () => {
    const err = errorOf({ ...minimal, 'api-ids': 'api-orders\rapi-billing' });
    expect(problemLines(err)).toEqual([expect.stringMatching(/^- api-ids: contains control character U\+000D/)]);
  });

  it.each(['\u200b', '\u00e9', '\u00a0', '\ufeff'])(
    'refuses a secret with %j inside (it goes into an HTTP header), without showing it',
    (c) => {
      for (const name of SECRET_INPUTS) {
        const err = errorOf({ ...minimal, [name]: `SecretPartOne0123${c}SecretPartTwo4567` });
        expect(problemLines(err)).toEqual([
          // Format characters (U+200B, U+FEFF) are refused as control characters in every input, secrets included.
          expect.stringMatching(
            new RegExp(`^- ${name}: contains (a character outside printable ASCII|control character U\\+(200B|FEFF))`)
          )
        ]);
        expect(err.message).not.toMatch(/SecretPart/);
      }
    }
  );

  it('does not show a secret that contains a control character, nor its position', () => {
    const token = 'ghs_TokenPartOne0123\u0000TokenPartTwo4567';
    const err = errorOf({ ...minimal, 'github-token': token });
    expect(err.message).not.toMatch(/TokenPart/);
    expect(err.message).not.toMatch(/at character/);
  });

  it('refuses invisible format characters (a right-to-left override) and never shows them raw', () => {
    const err = errorOf({ ...minimal, mode: 'check\u202e' });
    expect(problemLines(err)).toEqual([
      expect.stringMatching(/^- mode: contains control character U\+202E \(right-to-left override\) at character 6/)
    ]);
    expect(err.message).not.toContain('\u202e');
  });

  it('reports control characters in several inputs together with other problems', () => {
    const err = errorOf({ ...minimal, 'apim-name': 'apim\u0007x', 'smoke-path': '/a\tb', mode: 'destroy' });
    expect(problemLines(err).map((l) => l.slice(2, l.indexOf(':')))).toEqual(['apim-name', 'smoke-path', 'mode']);
  });

  const refusedChar = fc.constantFrom(...REFUSED_CHARS);

  it('property: no input with a refused control character (anywhere) ever produces Settings', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INPUT_NAMES), refusedChar, fc.nat(), (name, c, at) => {
        const v = VALID[name];
        const i = at % (v.length + 1);
        const err = errorOf({ ...VALID, [name]: `${v.slice(0, i)}${c}${v.slice(i)}` });
        const lines = problemLines(err);
        expect(lines).toHaveLength(1);
        expect(lines[0].startsWith(`- ${name}: contains control character`)).toBe(true);
        // The message itself carries no control character except the line feeds between problems.
        expect(err.message.split('\n').some((l) => ANY_CONTROL.test(l))).toBe(false);
        if (SECRET_INPUTS.includes(name)) expect(err.message).not.toContain(v.slice(4, 12));
      }),
      { numRuns: 500 }
    );
  });

  it('property: a line break inside a single-value input never produces Settings', () => {
    const single = INPUT_NAMES.filter((n) => !LIST_INPUTS.includes(n));
    fc.assert(
      fc.property(fc.constantFrom(...single), fc.constantFrom('\n', '\r\n'), fc.nat(), (name, lb, at) => {
        const v = VALID[name];
        const i = 1 + (at % (v.length - 1));
        expect(() => readSettings(lookup({ ...VALID, [name]: `${v.slice(0, i)}${lb}${v.slice(i)}` }))).toThrow(
          ActionError
        );
      }),
      { numRuns: 300 }
    );
  });
});

describe('the value validated is the value used (property)', () => {
  /** Pieces that parsers, trimming or servers treat specially. */
  const TRICKY = [
    '\t',
    '\n',
    '\r\n',
    '\r',
    '\u0000',
    '\u001b',
    '\u007f',
    '\u0085',
    '\u2028',
    '\u2029',
    ' ',
    '\\',
    '%2e',
    '%2E',
    '%2f',
    '%5C',
    '%41',
    '%',
    '..',
    '.',
    '/',
    '//',
    '@',
    '#',
    '?',
    ':443',
    ':',
    'A',
    'z',
    '-',
    '\u00e9',
    '\u00a0',
    '\ufeff',
    '\u200b',
    '"',
    '<',
    '*',
    ','
  ];
  const mutated = (base: string) =>
    fc
      .array(fc.tuple(fc.nat(), fc.constantFrom(...TRICKY)), { minLength: 1, maxLength: 3 })
      .map((edits) =>
        edits.reduce((v, [at, piece]) => v.slice(0, at % (v.length + 1)) + piece + v.slice(at % (v.length + 1)), base)
      );

  it('holds for every input: whatever passes is the trimmed input itself, clean, and parses as itself', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INPUT_NAMES).chain((name) => fc.tuple(fc.constant(name), mutated(VALID[name]))),
        ([name, value]) => {
          let s: ReturnType<typeof readSettings>;
          try {
            s = readSettings(lookup({ ...VALID, [name]: value }));
          } catch (e) {
            expect(e).toBeInstanceOf(ActionError);
            const msg = (e as ActionError).message;
            expect(msg.split('\n').some((l) => ANY_CONTROL.test(l))).toBe(false);
            return;
          }
          const v = value.trim();
          expect(stringsIn(s).some((x) => ANY_CONTROL.test(x))).toBe(false);
          expect(findControlCharacter(value, LIST_INPUTS.includes(name))).toBeUndefined();
          switch (name) {
            case 'open-id-issuer':
              expect(s.openIdIssuer).toBe(v);
              expect(new URL(v).href).toBe(v);
              break;
            case 'arm-endpoint':
            case 'authority-host':
            case 'graph-endpoint': {
              const key = {
                'arm-endpoint': 'armEndpoint',
                'authority-host': 'authorityHost',
                'graph-endpoint': 'graphEndpoint'
              }[name] as 'armEndpoint' | 'authorityHost' | 'graphEndpoint';
              const used = s.endpoints[key];
              expect(used).toBe(trimTrailingSlashes(v));
              expect(new URL(used).origin).toBe(used.toLowerCase());
              break;
            }
            case 'token-resource':
              expect(s.tokenResource).toBe(v);
              break;
            case 'audience':
              expect(s.audience).toBe(v);
              break;
            case 'smoke-path': {
              expect(s.smoke.path).toBe(v);
              // A URL parser keeps every segment of the path and the host: nothing dropped, resolved or added.
              const url = new URL(`https://gw.example${v}`);
              expect(url.host).toBe('gw.example');
              expect(url.pathname.split('/').length).toBe(v.split(/[?#]/)[0].split('/').length);
              break;
            }
            case 'subscription-key':
              expect(s.smoke.subscriptionKey).toBe(v);
              break;
            case 'smoke-subscription':
              expect(s.smoke.subscriptionName).toBe(v);
              break;
            case 'apim-name':
              expect(s.apimName).toBe(v);
              break;
            case 'apim-resource-group':
              expect(s.apimResourceGroup).toBe(v);
              break;
            case 'function-app-resource-group':
              expect(s.functionAppResourceGroup).toBe(v);
              break;
            case 'function-app-name':
              expect(s.functionAppName).toBe(v);
              break;
            case 'function-app-slot':
              expect(s.functionAppSlot).toBe(v);
              break;
            case 'targets':
              // A path inside the workspace: used as given (without a leading ./), never leaving it.
              expect(s.targetsFile).toBe(v.replace(/^\.\//, ''));
              expect(s.targetsFile!.split('/')).not.toContain('..');
              expect(s.targetsFile).not.toMatch(/^\/|\\/);
              break;
            case 'api-ids':
            case 'excluded-paths': {
              const entries = name === 'api-ids' ? s.apiIds : s.excludedPaths;
              expect(entries).toEqual(parseList(v));
              for (const e of entries) {
                expect(v).toContain(e);
                expect(e).not.toContain('..');
                expect(e).not.toMatch(/%2e/i);
              }
              break;
            }
            default:
              break;
          }
        }
      ),
      { numRuns: 3000 }
    );
  });

  it('holds for arbitrary strings too (nothing with a control character passes)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INPUT_NAMES), fc.string({ unit: 'binary', maxLength: 40 }), (name, value) => {
        try {
          const s = readSettings(lookup({ ...VALID, [name]: value }));
          expect(stringsIn(s).some((x) => ANY_CONTROL.test(x))).toBe(false);
          expect(findControlCharacter(value, LIST_INPUTS.includes(name))).toBeUndefined();
        } catch (e) {
          expect(e).toBeInstanceOf(ActionError);
        }
      }),
      { numRuns: 2000 }
    );
  });

  it('property: secrets never appear in the message, whatever else is wrong', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECRET_INPUTS),
        fc.string({
          unit: fc.constantFrom(...'ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789'),
          minLength: 20,
          maxLength: 40
        }),
        fc.constantFrom('\n', '\t', '\u0000', ' ', '', 'x'.repeat(3000)),
        fc.nat(),
        (name, secret, extra, at) => {
          const i = at % (secret.length + 1);
          const value = `${secret.slice(0, i)}${extra}${secret.slice(i)}`;
          try {
            readSettings(lookup({ ...VALID, mode: 'nope', [name]: value }));
          } catch (e) {
            const msg = (e as ActionError).message;
            for (const part of [secret.slice(0, i), secret.slice(i)]) {
              if (part.length >= 10) expect(msg).not.toContain(part);
            }
            return;
          }
          throw new Error('mode: nope was accepted');
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('URL-like inputs: what the URL parser reads is what is written', () => {
  it.each([
    ['https:management.azure.com', 'https://management.azure.com'],
    ['https:/management.azure.com', 'https://management.azure.com'],
    ['https:///management.azure.com', 'https://management.azure.com'],
    ['https://management.azure.com\\', 'https://management.azure.com'],
    ['https://management.azure.com:443', 'https://management.azure.com'],
    ['https://ma%6Eagement.azure.com', 'https://management.azure.com'],
    ['https://m\u00fcnchen.example', 'https://xn--mnchen-3ya.example'],
    ['https://0x7f.1:8443', 'https://127.0.0.1:8443']
  ])('arm-endpoint %j is refused (reads as %s)', (value, canonical) => {
    const err = errorOf({ ...minimal, 'arm-endpoint': value });
    expect(problemLines(err)).toEqual([
      expect.stringContaining(`- arm-endpoint: ${`'${value}'`} is not written as a URL parser reads it (${canonical})`)
    ]);
  });

  it.each([
    'https://management.a,zure.com',
    'https://management.azur"e.com',
    'https://a..b.example',
    'https://*.example'
  ])('refuses endpoint %j (the URL parser keeps it, no Azure host looks like it)', (value) => {
    expect(problemLines(errorOf({ ...minimal, 'authority-host': value }))).toEqual([
      expect.stringMatching(/^- authority-host: .* must name its host as a DNS name/)
    ]);
  });

  it.each(['https://127.0.0.1:8443/', 'https://Management.Azure.com', 'https://[::1]:8443', 'https://localhost/'])(
    'accepts endpoint %s, used as written (trailing slashes dropped)',
    (value) => {
      expect(readSettings(lookup({ ...minimal, 'graph-endpoint': value })).endpoints.graphEndpoint).toBe(
        trimTrailingSlashes(value)
      );
    }
  );

  it.each([
    [`https://sts.windows.net/a/../${TENANT}/`, `https://sts.windows.net/${TENANT}/`],
    [`https://STS.windows.net/${TENANT}/`, `https://sts.windows.net/${TENANT}/`],
    [`https://sts.windows.net:443/${TENANT}/`, `https://sts.windows.net/${TENANT}/`],
    [`https://sts.windows.net\\${TENANT}/`, `https://sts.windows.net/${TENANT}/`],
    ['https://sts.windows.net', 'https://sts.windows.net/']
  ])('open-id-issuer %j is refused, naming the form the parser reads (%s)', (value, canonical) => {
    const err = errorOf({ ...minimal, 'open-id-issuer': value });
    expect(problemLines(err)).toEqual([
      expect.stringContaining(`is not written as a URL parser reads it ('${canonical}')`)
    ]);
  });

  it.each([
    [`https://sts.windows.n,et/${TENANT}/`, /DNS name/],
    [`https://user:pw@sts.windows.net/${TENANT}/`, /credentials/],
    [`https://sts.windows.net/${TENANT}/#x`, /fragment/]
  ])('open-id-issuer %j is refused', (value, pattern) => {
    expect(problemLines(errorOf({ ...minimal, 'open-id-issuer': value }))).toEqual([expect.stringMatching(pattern)]);
  });

  it.each([
    `https://login.microsoftonline.com/${TENANT}/v2.0`,
    'https://contoso.b2clogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_signin'
  ])('accepts open-id-issuer %s unchanged', (value) => {
    expect(readSettings(lookup({ ...minimal, 'open-id-issuer': value })).openIdIssuer).toBe(value);
  });

  it.each(['api://orders/x"y', 'api://orders/a\\b', 'api://orders/{x}', 'api://orders/100%'])(
    'refuses token-resource %j (not URI characters)',
    (value) => {
      expect(problemLines(errorOf({ ...minimal, 'token-resource': value }))).toEqual([
        expect.stringMatching(/^- token-resource: .* contains characters an App ID URI cannot have/)
      ]);
    }
  );

  it.each(['urn:contoso:orders', 'api://orders-api/user_impersonation%20x'])('accepts token-resource %s', (value) => {
    expect(readSettings(lookup({ ...minimal, 'token-resource': value })).tokenResource).toBe(value);
  });

  it.each(['api://Azure AD', 'api://a<b>', 'api://a\\b'])('refuses audience %j', (value) => {
    expect(problemLines(errorOf({ ...minimal, audience: value }))).toEqual([
      expect.stringMatching(/^- audience: .* is not a valid audience: use URI characters only/)
    ]);
  });

  it('accepts the audiences of the national clouds', () => {
    for (const a of ['api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina']) {
      expect(readSettings(lookup({ ...minimal, audience: a })).audience).toBe(a);
    }
  });
});

describe('ARM names: case-insensitive, no traversal', () => {
  it('refuses api-ids that differ only in letter case, listing them', () => {
    const err = errorOf({ ...minimal, 'api-ids': 'orders,ORDERS' });
    expect(problemLines(err)).toEqual([
      "- api-ids: 'orders', 'ORDERS' name the same API (ARM compares API IDs case-insensitively); list it once, spelled as in its resource ID"
    ]);
  });

  it('reports each group of case variants, with revisions compared the same way', () => {
    const err = errorOf({ ...minimal, 'api-ids': 'orders\nOrders\nbilling;rev=2\nBILLING;rev=2\nstock' });
    const lines = problemLines(err);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("'orders', 'Orders'");
    expect(lines[1]).toContain("'billing;rev=2', 'BILLING;rev=2'");
  });

  it('uses an exactly repeated API ID once, with a warning', () => {
    const s = readSettings(lookup({ ...minimal, 'api-ids': 'orders\norders, billing' }));
    expect(s.apiIds).toEqual(['orders', 'billing']);
    expect(s.warnings).toEqual(["api-ids: 'orders' is listed 2 times; it is used once"]);
  });

  it('an API and its revision are different resources', () => {
    expect(readSettings(lookup({ ...minimal, 'api-ids': 'orders,orders;rev=2' })).apiIds).toEqual([
      'orders',
      'orders;rev=2'
    ]);
  });

  it.each(['a*b', 'a#b', 'a&b', 'a+b', 'a:b', 'a<b', 'a>b', 'a?b', 'a/b', 'a..b', '..', 'a%2eb', 'a.b', 'a_b', 'a b'])(
    'refuses API ID %j',
    (id) => {
      const lines = problemLines(errorOf({ ...minimal, 'api-ids': id }));
      expect(lines).toEqual([expect.stringMatching(/^- api-ids: /)]);
    }
  );

  it(`refuses an API ID longer than ${MAX_NAME_LENGTH} characters with the limit`, () => {
    expect(problemLines(errorOf({ ...minimal, 'api-ids': `a${'b'.repeat(MAX_NAME_LENGTH)}` }))).toEqual([
      expect.stringMatching(/is 257 characters long; an API ID has at most 256/)
    ]);
  });

  it('property: every accepted API ID also matches the APIM REST spec (apiId: ^[^*#&+:<>?]+$, 1-256) and is one clean path segment', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'aZ09-_.;=rev/%*#&+:<>? \\'.split('')), minLength: 1, maxLength: 90 }),
        (id) => {
          let ok = true;
          try {
            readSettings(lookup({ ...minimal, 'api-ids': id }));
          } catch {
            ok = false;
          }
          if (ok) {
            expect(id.trim()).toMatch(/^[^*#&+:<>?]+$/);
            expect(id.trim().length).toBeLessThanOrEqual(256);
            expect(id.trim()).not.toMatch(/[/\\%]|\.\./);
          }
        }
      ),
      { numRuns: 1000 }
    );
  });

  it.each<[string, string]>([
    ['apim-resource-group', 'rg..x'],
    ['function-app-resource-group', 'rg..x'],
    ['smoke-subscription', '..'],
    ['smoke-subscription', '.'],
    ['smoke-subscription', 'sub..x'],
    ['smoke-subscription', 'sub%2ex'],
    ['smoke-subscription', 'sub\\x']
  ])('refuses %s %j (a segment of the ARM request path)', (name, value) => {
    expect(problemLines(errorOf({ ...minimal, [name]: value }))).toEqual([
      expect.stringMatching(new RegExp(`^- ${name}: .*segment of the ARM request path`))
    ]);
  });

  it.each<[string, string]>([
    ['function-app-slot', '..'],
    ['function-app-slot', 'a/b'],
    ['function-app-name', 'func%2e'],
    ['apim-name', 'apim..x']
  ])('refuses %s %j', (name, value) => {
    expect(problemLines(errorOf({ ...minimal, [name]: value }))).toEqual([
      expect.stringMatching(new RegExp(`^- ${name}: `))
    ]);
  });
});

describe('path-like inputs: no traversal', () => {
  it.each<[string, RegExp]>([
    ['/a/./b', /'\.' segments/],
    ['/a/.', /'\.' segments/],
    ['/a/%2e/b', /'\.' segments/],
    ['/a..b', /'\.\.'/],
    ['/a/%2E%2E/b', /'\.\.' segments/],
    ['/a/%2e%2e%2fadmin', /percent-encoded/],
    ['/a%2fb', /percent-encoded/],
    ['/a%5Cb', /percent-encoded/],
    ['/%2ehidden', /percent-encoded/]
  ])('refuses smoke-path %j', (value, pattern) => {
    const lines = problemLines(errorOf({ ...minimal, 'smoke-path': value }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('accepts an ordinary smoke-path with a query, used as written', () => {
    expect(readSettings(lookup({ ...minimal, 'smoke-path': '/orders/v1.2/health?probe=1' })).smoke.path).toBe(
      '/orders/v1.2/health?probe=1'
    );
  });

  it.each<[string, RegExp]>([
    ['/api/../admin', /'\.\.'/],
    ['/api/..', /'\.\.'/],
    ['/api/%2e%2e/admin', /percent-encoded/],
    ['/api/a%2Fb', /percent-encoded/],
    ['/api\\health', /backslashes/],
    ['/api/a b', /whitespace/]
  ])('refuses excluded path %j', (value, pattern) => {
    const lines = problemLines(errorOf({ ...minimal, 'excluded-paths': `/api/health\n${value}` }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^- excluded-paths: /);
    expect(lines[0]).toMatch(pattern);
  });
});

describe('limits', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `api-${i}`).join('\n');
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `/api/open-${i}`).join(',');

  it('exports documented limits, one per input', () => {
    expect({
      MAX_NAME_LENGTH,
      MAX_VALUE_LENGTH,
      MAX_SUBSCRIPTION_KEY_LENGTH,
      MAX_LIST_ENTRIES,
      MAX_LIST_INPUT_LENGTH
    }).toEqual({
      MAX_NAME_LENGTH: 256,
      MAX_VALUE_LENGTH: 2048,
      MAX_SUBSCRIPTION_KEY_LENGTH: 256,
      MAX_LIST_ENTRIES: 50,
      MAX_LIST_INPUT_LENGTH: 131072
    });
    expect(Object.keys(INPUT_MAX_LENGTH).sort()).toEqual([...INPUT_NAMES].sort());
    expect(INPUT_MAX_LENGTH['open-id-issuer']).toBe(MAX_VALUE_LENGTH);
    expect(INPUT_MAX_LENGTH['apim-name']).toBe(MAX_NAME_LENGTH);
    expect(INPUT_MAX_LENGTH['subscription-key']).toBe(MAX_SUBSCRIPTION_KEY_LENGTH);
    expect(LIST_ENTRY_MAX_LENGTH).toEqual({
      'api-ids': MAX_NAME_LENGTH,
      'excluded-paths': MAX_VALUE_LENGTH,
      'drift-issue-labels': 50,
      target: MAX_NAME_LENGTH
    });
  });

  it(`accepts ${MAX_LIST_ENTRIES} api-ids and ${MAX_LIST_ENTRIES} excluded paths`, () => {
    const s = readSettings(lookup({ ...minimal, 'api-ids': ids(50), 'excluded-paths': paths(50) }));
    expect(s.apiIds).toHaveLength(50);
    expect(s.excludedPaths).toHaveLength(50);
  });

  it(`refuses ${MAX_LIST_ENTRIES + 1} api-ids with one problem that gives the limit`, () => {
    expect(problemLines(errorOf({ ...minimal, 'api-ids': ids(51) }))).toEqual([
      expect.stringMatching(/^- api-ids: lists 51 API IDs; the limit is 50 per run .*split them/)
    ]);
  });

  it('refuses 12,000 api-ids with one line (no per-entry flood)', () => {
    const bad = Array.from({ length: 12_000 }, (_, i) => `B@d${i}`).join('\n');
    expect(problemLines(errorOf({ ...minimal, 'api-ids': bad }))).toEqual([
      expect.stringMatching(/^- api-ids: lists 12,000 API IDs; the limit is 50/)
    ]);
  });

  it('counts distinct entries: exact repeats do not count against the limit', () => {
    const s = readSettings(lookup({ ...minimal, 'api-ids': `${ids(50)}\n${ids(50)}` }));
    expect(s.apiIds).toHaveLength(50);
  });

  it(`refuses ${MAX_LIST_ENTRIES + 1} excluded paths with one problem that gives the limit`, () => {
    expect(problemLines(errorOf({ ...minimal, 'excluded-paths': paths(51) }))).toEqual([
      expect.stringMatching(/^- excluded-paths: lists 51 paths; the limit is 50 .*wildcard/)
    ]);
  });

  it.each(INPUT_NAMES)('refuses %s longer than its limit, naming the limit', (name) => {
    const max = INPUT_MAX_LENGTH[name];
    const value = name === 'smoke-path' ? `/${'a'.repeat(max)}` : 'a'.repeat(max + 1);
    const err = errorOf({ ...minimal, [name]: value });
    const lines = problemLines(err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^- ${name}: is .*the limit is ${max.toLocaleString('en-US')} characters`));
    if (SECRET_INPUTS.includes(name)) {
      expect(lines[0]).toMatch(/is too long/);
      expect(err.message).not.toContain('aaaaaaaaaa');
    }
  });

  it('accepts values exactly at the limit (length is not what refuses them)', () => {
    const s = readSettings(
      lookup({
        ...minimal,
        'smoke-path': `/${'a'.repeat(MAX_VALUE_LENGTH - 1)}`,
        'subscription-key': 'k'.repeat(MAX_SUBSCRIPTION_KEY_LENGTH),
        'smoke-subscription': 's'.repeat(MAX_NAME_LENGTH)
      })
    );
    expect(s.smoke.path).toHaveLength(MAX_VALUE_LENGTH);
  });

  it(`refuses an excluded path longer than ${MAX_VALUE_LENGTH} characters`, () => {
    expect(problemLines(errorOf({ ...minimal, 'excluded-paths': `/${'a'.repeat(MAX_VALUE_LENGTH)}` }))).toEqual([
      expect.stringMatching(/is 2,049 characters long; an excluded path has at most 2,048/)
    ]);
  });
});

describe('warnings: excluded paths that cover the smoke path or every function', () => {
  it('Settings.warnings is [] when there is nothing to say', () => {
    expect(
      readSettings(lookup({ ...minimal, 'excluded-paths': '/api/health', 'smoke-path': '/ping' })).warnings
    ).toEqual([]);
  });

  it.each(['/api/*', '/api', '/API/', '/api*', '/a*'])(
    '%s covers every function under /api: warned, not refused',
    (p) => {
      const s = readSettings(lookup({ ...minimal, 'excluded-paths': p }));
      expect(s.excludedPaths).toEqual([p]);
      expect(s.warnings).toEqual([
        expect.stringMatching(/^excluded-paths: .* covers every path under \/api\/.*anonymous/)
      ]);
    }
  );

  it.each<[string, string]>([
    ['/api/ping', '/ping'],
    ['/api/ping', '/ping/deep?x=1'],
    ['/api/p*', '/ping'],
    ['/API/Ping/', '/ping'],
    ['/ping', '/ping']
  ])('%s covers smoke-path %s: warned', (p, smoke) => {
    const s = readSettings(lookup({ ...minimal, 'excluded-paths': p, 'smoke-path': smoke }));
    expect(s.warnings).toEqual([
      expect.stringMatching(/^excluded-paths: .* covers smoke-path .*Choose a smoke-path outside/)
    ]);
  });

  it.each<[string, string]>([
    ['/api/pingx', '/ping'],
    ['/api/health', '/ping'],
    ['/api/ping/deep', '/ping']
  ])('%s does not cover smoke-path %s', (p, smoke) => {
    expect(readSettings(lookup({ ...minimal, 'excluded-paths': p, 'smoke-path': smoke })).warnings).toEqual([]);
  });

  it('paths that cover the whole site stay refused (not merely warned)', () => {
    expect(() => readSettings(lookup({ ...minimal, 'excluded-paths': '/*', 'smoke-path': '/ping' }))).toThrow(
      /would exclude every path/
    );
  });

  it('excludedPathWarnings: one message per finding, in input order', () => {
    expect(excludedPathWarnings(['/api/health', '/api/*', '/api/ping'], '/ping')).toEqual([
      expect.stringContaining("'/api/*' covers every path under /api/"),
      expect.stringContaining("'/api/ping' covers smoke-path '/ping', which reaches /api/ping")
    ]);
    expect(excludedPathWarnings([], '/ping')).toEqual([]);
    expect(excludedPathWarnings(['/api/ping'], '')).toEqual([]);
  });
});

describe('paths: look-alikes and double encoding (adversarial review)', () => {
  it.each([
    ['excluded-paths', '/api/\uff0e\uff0e/admin', /must contain only ASCII characters/],
    ['excluded-paths', '/api/%252e%252e/admin', /percent-encoded '%' \(%25\)/],
    ['excluded-paths', '/api/he\u200blth', /control character U\+200B \(zero-width space\)/],
    ['smoke-path', '/orders/%252e%252e/x', /percent-encoded '%' \(%25\)/],
    ['smoke-path', '/ord\u00e9rs', /must contain only ASCII characters/]
  ])('%s %j is refused', (name, value, problem) => {
    const err = errorOf({ ...minimal, [name]: value });
    expect(problemLines(err)).toEqual([expect.stringMatching(problem)]);
  });
});

describe('drift-issue and drift-issue-labels', () => {
  it('default to off and no labels', () => {
    const s = readSettings(lookup(minimal));
    expect(s.driftIssue).toBe(false);
    expect(s.driftIssueLabels).toEqual([]);
  });

  it('read a boolean and a list (distinct names, letter case ignored as GitHub does)', () => {
    const s = readSettings(
      lookup({ ...minimal, 'drift-issue': 'TRUE', 'drift-issue-labels': 'drift, Azure\nazure,ops' })
    );
    expect(s.driftIssue).toBe(true);
    expect(s.driftIssueLabels).toEqual(['drift', 'Azure', 'ops']);
  });

  it('refuse a non-boolean, a label over 50 characters and more than 10 labels', () => {
    expect(problemLines(errorOf({ ...minimal, 'drift-issue': 'yes' }))).toEqual([
      expect.stringMatching(/^- drift-issue: .*true or false/)
    ]);
    expect(problemLines(errorOf({ ...minimal, 'drift-issue-labels': `ok,${'x'.repeat(51)}` }))).toEqual([
      expect.stringMatching(/^- drift-issue-labels: .*(50 characters|at most 50)/)
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `l${i}`).join(',');
    expect(problemLines(errorOf({ ...minimal, 'drift-issue-labels': eleven }))).toEqual([
      expect.stringMatching(/^- drift-issue-labels: lists 11 labels; give at most 10/)
    ]);
  });
});
