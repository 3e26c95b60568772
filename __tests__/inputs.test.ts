import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ActionError } from '../src/errors.js';
import {
  INPUT_DEFAULTS,
  INPUT_NAMES,
  REQUIRED_INPUTS,
  SECRET_INPUTS,
  parseBoolean,
  parseList,
  readSettings
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
    ['https App ID URI', 'https://contoso.onmicrosoft.com/orders-api']
  ])('accepts token-resource as %s', (_t, value) => {
    expect(readSettings(lookup({ ...minimal, 'token-resource': value })).tokenResource).toBe(value);
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
    expect(required).toEqual([...REQUIRED_INPUTS].sort());
    for (const [name, v] of Object.entries(actionYml.inputs)) {
      expect([name, typeof v.description === 'string' && v.description.length > 10]).toEqual([name, true]);
    }
  });

  it('runs on node24 from dist/index.js and declares the outputs', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(actionYml.outputs).sort()).toEqual(
      ['apim-principal-id', 'changes', 'drift', 'smoke-result', 'summary-path'].sort()
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
