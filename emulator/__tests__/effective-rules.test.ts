/**
 * The pure rules behind the effective pipeline and the APIM ARM additions (emulator/src/apim.ts,
 * emulator/src/dataplane/scopes.ts), case by case; their end-to-end effect is in effective-arm/-gateway/-scenarios.
 */
import type { GatewayOperation, Json, TwinState } from '../src/contracts.js';
import { fragmentProblem, namedValueRefs, pageOf, resolveNamedValue } from '../src/apim.js';
import {
  evaluateExpression,
  matchOperation,
  NamedValueFailure,
  substituteNamedValues
} from '../src/dataplane/scopes.js';
import { findElements, parsePolicyText } from '../src/policy-text.js';
import { loadScenario } from './helpers.js';

const op = (name: string, method: string, urlTemplate: string): GatewayOperation => ({ name, method, urlTemplate });

describe('matchOperation (urlTemplate)', () => {
  const ops = [
    op('list', 'GET', '/orders'),
    op('by-id', 'GET', '/orders/{id}'),
    op('lines', 'GET', '/orders/{id}/lines/{line}'),
    op('latest', 'GET', '/orders/latest'),
    op('create', 'POST', '/orders'),
    op('search', 'GET', '/search?q={q}'),
    op('file', 'GET', '/files/{name}.json'),
    op('root', 'GET', '/'),
    op('proxy', 'PUT', '/proxy/*')
  ];
  it.each([
    ['GET', 'orders', 'list'],
    ['get', 'ORDERS/', 'list'],
    ['GET', 'orders/42', 'by-id'],
    ['GET', 'orders/latest', 'latest'],
    ['GET', 'orders/7/lines/2', 'lines'],
    ['POST', 'orders', 'create'],
    ['GET', 'search', 'search'],
    ['GET', 'files/a.json', 'file'],
    ['GET', '', 'root'],
    ['PUT', 'proxy/a/b/c', 'proxy'],
    ['PUT', 'proxy', 'proxy']
  ])('%s /%s → %s', (method, rest, want) => {
    expect(matchOperation(ops, method, rest)?.name).toBe(want);
  });
  it.each([
    ['DELETE', 'orders'],
    ['GET', 'orders/42/items'],
    ['GET', 'files/a.xml'],
    ['GET', 'nothing']
  ])('%s /%s → no operation', (method, rest) => {
    expect(matchOperation(ops, method, rest)).toBeUndefined();
  });
});

describe('namedValueRefs (policy PUT validation)', () => {
  it('finds references in attributes and text with 1-based line/column and the holding element; skips comments', () => {
    const raw =
      '<policies>\n  <inbound>\n    <!-- {{in-comment}} -->\n' +
      '    <authentication-managed-identity resource="{{app}}" />\n' +
      '    <set-header name="X"><value>a-{{b.c_d-1}}-z</value></set-header>\n  </inbound>\n</policies>';
    expect(namedValueRefs(raw)).toEqual([
      { name: 'app', line: 4, column: 48, element: 'authentication-managed-identity' },
      { name: 'b.c_d-1', line: 5, column: 35, element: 'value' }
    ]);
  });
  it('does not take C# braces for references', () => {
    expect(namedValueRefs('<x><value>@{ var o = new { a = 1 }; return $"{o.a}"; }</value></x>')).toEqual([]);
    expect(namedValueRefs('<x a="{{ spaced }}" b="{{bad name}}" />')).toEqual([]);
  });
});

describe('substituteNamedValues / evaluateExpression', () => {
  const el = parsePolicyText(
    '<policies><inbound><set-header name="X-{{s}}"><value>{{a}}/{{a}}</value><value><![CDATA[{{kv}}]]></value></set-header></inbound></policies>'
  );
  it('replaces whole and partial values in attributes, text and CDATA', () => {
    const out = substituteNamedValues(el, { s: { value: 'Env' }, a: { value: '1' }, kv: { value: 'vault' } });
    const [header] = findElements(out, 'set-header');
    expect(header!.attributes['name']).toBe('X-Env');
    expect(findElements(out, 'value').map((v) => v.children)).toEqual([
      [{ type: 'text', text: '1/1' }],
      [{ type: 'cdata', text: 'vault' }]
    ]);
    // The input is not changed.
    expect(findElements(el, 'set-header')[0]!.attributes['name']).toBe('X-{{s}}');
  });
  it('throws NamedValueFailure for a missing or an unresolved named value', () => {
    expect(() => substituteNamedValues(el, { s: { value: 'x' }, a: { value: '1' } })).toThrow(
      new NamedValueFailure("Cannot find a property 'kv'")
    );
    expect(() =>
      substituteNamedValues(el, { s: { value: 'x' }, a: { value: '1' }, kv: { unresolved: 'no secret' } })
    ).toThrow("named value 'kv' could not be resolved: no secret");
  });
  it('evaluates context.Subscription.* exactly, fails without a subscription, skips anything else', () => {
    const sub = { name: 'master', scope: '/apis', primaryKey: 'p', secondaryKey: 's', usedKey: 's' };
    expect(evaluateExpression('@(context.Subscription.Key)', sub)).toEqual({ value: 's' });
    expect(evaluateExpression('@( context.Subscription.PrimaryKey )', sub)).toEqual({ value: 'p' });
    expect(evaluateExpression('@(context.Subscription.Name)', sub)).toEqual({ value: 'master' });
    expect(evaluateExpression('@(context.Subscription.Key)', undefined)).toEqual({
      error: 'Expression evaluation failed. Object reference not set to an instance of an object.'
    });
    expect(evaluateExpression('@(context.Subscription.Key.ToUpper())', sub)).toBeUndefined();
    expect(evaluateExpression('@{ return context.Subscription.Key; }', sub)).toBeUndefined();
  });
});

describe('fragmentProblem (Learn policy fragment limits)', () => {
  it.each([
    ['<fragment><set-header name="a" exists-action="delete" /></fragment>', undefined],
    ['<fragment><choose><when condition="@(true)"><base /></when></choose></fragment>', "'base'"],
    [
      '<fragment><choose><otherwise><include-fragment fragment-id="x" /></otherwise></choose></fragment>',
      'cannot include'
    ],
    ['<fragment><on-error /></fragment>', "'on-error'"],
    ['<policies />', "must be 'fragment'"],
    [`<fragment><!--${'x'.repeat(33 * 1024)}--></fragment>`, '32 KB']
  ])('%#: %s', (raw, want) => {
    const got = fragmentProblem(parsePolicyText(raw), raw);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });
});

describe('pageOf (APIM list paging)', () => {
  const items = [1, 2, 3, 4, 5];
  const q = (s: string): URLSearchParams => new URLSearchParams(s);
  it('pages with nextLink and a total count; the last page has no nextLink', () => {
    expect(pageOf(items, q('api-version=v'), 2, 'https://arm/x')).toEqual({
      value: [1, 2],
      count: 5,
      nextLink: 'https://arm/x?api-version=v&$top=2&$skip=2'
    });
    expect(pageOf(items, q('api-version=v&$top=2&$skip=4'), 2, 'https://arm/x')).toEqual({ value: [5], count: 5 });
    expect(pageOf(items, q('$top=10'), 100, 'u')).toEqual({ value: items, count: 5 });
    expect(pageOf(items, q('$top=10'), 3, 'u')).toMatchObject({ value: [1, 2, 3], nextLink: 'u?$top=3&$skip=3' });
  });
  it.each(['$top=0', '$top=x', '$skip=-1', '$skip=1.5'])('refuses %s', (s) => {
    expect(pageOf(items, q(s), 2, 'u')).toHaveProperty('error');
  });
});

describe('resolveNamedValue (Key Vault through the twin)', () => {
  const state: TwinState = {
    ...loadScenario('in-sync'),
    keyVaultSecrets: { 'https://KV.vault.azure.net/secrets/a/': 'v' }
  };
  const svc = Object.values(state.resources).find((b) => b['type'] === 'Microsoft.ApiManagement/service')!;
  const kv = (k: Json): Json => ({ properties: { secret: true, keyVault: k } });
  it('matches the identifier ignoring host case and a trailing slash; needs the identity APIM would use', () => {
    expect(resolveNamedValue(state, svc, kv({ secretIdentifier: 'https://kv.vault.azure.net/secrets/a' }))).toEqual({
      value: 'v'
    });
    expect(
      resolveNamedValue(state, svc, kv({ secretIdentifier: 'https://kv.vault.azure.net/secrets/A' }))
    ).toHaveProperty('unresolved');
    expect(
      resolveNamedValue(
        state,
        svc,
        kv({ secretIdentifier: 'https://kv.vault.azure.net/secrets/a', identityClientId: 'x' })
      )
    ).toEqual({ unresolved: "no user-assigned identity with client ID 'x' is assigned to the service" });
    expect(
      resolveNamedValue(
        state,
        { identity: { type: 'None' } },
        kv({ secretIdentifier: 'https://kv.vault.azure.net/secrets/a' })
      )
    ).toEqual({
      unresolved: 'the service has no system-assigned identity to read Key Vault with'
    });
    expect(resolveNamedValue(state, svc, { properties: { value: 'plain' } })).toEqual({ value: 'plain' });
  });
});
