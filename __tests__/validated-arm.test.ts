/**
 * Read validation (src/azure/validated-arm.ts): "a 200 is not proof of content". Real ARM bodies (the REST examples
 * in ../shared/fixtures/arm, the twin's scenarios) pass; `null`, `""`, `{}`, `[]`, partial bodies and bodies of
 * another resource are refused with the request and what was missing, through the wrapped ArmPort too.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkPolicyRead,
  checkPolicyText,
  checkRead,
  ReadShapeError,
  validatedArmPort,
  type ReadKind
} from '../src/azure/validated-arm.js';
import type { ArmPort, Json } from '../src/ports.js';
import { scenario } from '../scripts/action-runner.js';

const fixtures = path.resolve(import.meta.dirname, '../../shared/fixtures/arm');
const shared = existsSync(fixtures);
const body = (f: string): Json =>
  (JSON.parse(readFileSync(path.join(fixtures, f), 'utf8')) as { responses: Record<string, { body: Json }> }).responses[
    '200'
  ].body;

const RG = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers';
const APIM = `${RG}/Microsoft.ApiManagement/service/apim-x`;
const SITE = `${RG}/Microsoft.Web/sites/func-x`;
const ids = {
  apim: APIM,
  apis: { orders: `${APIM}/apis/orders` },
  site: SITE,
  authSettingsV2: `${SITE}/config/authsettingsV2`
};
const drifted = scenario('drifted').resources as Record<string, Json>;

const BAD: [string, unknown][] = [
  ['null', null],
  ['""', ''],
  ['{}', {}],
  ['[]', []],
  ['a number', 7]
];

describe('checkRead', () => {
  const kinds: [ReadKind, string][] = [
    ['apim-service', APIM],
    ['site', SITE],
    ['auth-settings-v2', `${SITE}/config/authsettingsV2`],
    ['api', `${APIM}/apis/orders`]
  ];
  it.each(kinds)('%s: the twin scenario body passes', (kind, id) => {
    expect(checkRead(kind, drifted[id], id)).toBeUndefined();
  });

  it.each(kinds.flatMap(([k, id]) => BAD.map(([n, b]) => [k, n, b, id] as const)))(
    '%s: %s is refused',
    (kind, _n, b, id) => {
      expect(checkRead(kind, b, id)).toMatch(/body is|empty object/);
    }
  );

  it.each(kinds)('%s: a partial body (id and name only) is refused', (kind, id) => {
    expect(checkRead(kind, { id, name: 'x' }, id)).toMatch(/properties is missing/);
  });

  it('refuses a body of another resource (id or type)', () => {
    const other = { ...drifted[APIM], id: `${RG}/Microsoft.ApiManagement/service/apim-y` };
    expect(checkRead('apim-service', other, APIM)).toMatch(/another resource .*apim-y/);
    expect(checkRead('apim-service', drifted[SITE], APIM)).toMatch(/type "Microsoft.Web\/sites"/);
    expect(checkRead('auth-settings-v2', drifted[SITE], `${SITE}/config/authsettingsV2`)).toMatch(/type/);
  });

  it('refuses an empty Easy Auth properties object and an identity without a type', () => {
    expect(checkRead('auth-settings-v2', { properties: {} })).toBe('properties.platform is missing');
    expect(checkRead('apim-service', { properties: { a: 1 }, identity: {} })).toBe('identity has no type');
    expect(checkRead('apim-service', { properties: { a: 1 }, identity: [] })).toBe('identity is an empty array');
    expect(checkRead('apim-service', { properties: { a: 1 }, identity: null })).toBeUndefined();
  });

  (shared ? it : it.skip)('the REST examples in ../shared/fixtures/arm pass', () => {
    expect(checkRead('apim-service', body('apim-service-get.json'))).toBeUndefined();
    expect(checkRead('apim-service', body('apim-service-get-msi.json'))).toBeUndefined();
    expect(checkRead('site', body('web-site-get.json'))).toBeUndefined();
    expect(checkRead('auth-settings-v2', body('web-authsettingsv2-list.json'))).toBeUndefined();
    expect(checkRead('auth-settings-v1', body('web-authsettings-list.json'))).toBeUndefined();
    expect(checkRead('api', body('apim-api-get.json'))).toBeUndefined();
    expect(checkRead('api-policy', body('apim-api-policy-get.json'))).toBeUndefined();
  });
  if (!shared) console.log('SKIPPED validated-arm REST examples: ../shared absent');
});

describe('checkPolicyText', () => {
  it('accepts a <policies> document (with a declaration, BOM or leading comment)', () => {
    expect(checkPolicyText('<policies><inbound /></policies>')).toBeUndefined();
    expect(checkPolicyText('\uFEFF<?xml version="1.0"?>\n<!-- x --><policies/>')).toBeUndefined();
  });
  it.each([
    [undefined, 'properties.value is missing'],
    [null, 'properties.value is null'],
    ['', 'properties.value is empty'],
    ['   ', 'properties.value is empty'],
    ['hello', 'properties.value does not start with an XML element'],
    ['<fragment><set-header/></fragment>', 'properties.value has root <fragment>, not <policies>']
  ])('refuses %p', (v, problem) => {
    expect(checkPolicyText(v)).toBe(problem);
  });
});

describe('validatedArmPort', () => {
  const port = (over: Partial<Record<keyof ArmPort, unknown>>): ArmPort =>
    validatedArmPort(
      {
        getApimService: async () => ({ body: over.getApimService ?? drifted[APIM] }),
        getAuthSettingsV2: async () => over.getAuthSettingsV2 ?? drifted[`${SITE}/config/authsettingsV2`],
        getApiPolicy: async () => over.getApiPolicy
      } as unknown as ArmPort,
      ids,
      'apim-x',
      'func-x'
    );

  it('returns bodies that pass and a 404 policy as undefined', async () => {
    await expect(port({}).getApimService()).resolves.toEqual({ body: drifted[APIM] });
    await expect(port({}).getApiPolicy('orders')).resolves.toBeUndefined();
  });

  it('throws ReadShapeError naming the request and what was missing', async () => {
    const e = await port({ getAuthSettingsV2: {} })
      .getAuthSettingsV2()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReadShapeError);
    expect((e as Error).message).toBe(
      `GET ${SITE}/config/authsettingsV2/list (Easy Auth of func-x) answered without the content this action relies ` +
        'on: the body is an empty object. A success status alone is not trusted, so nothing was planned on this ' +
        'answer; re-run (a transient fault) or check the resource in the portal.'
    );
    await expect(
      port({ getApiPolicy: { value: '', format: 'rawxml', etag: '"1"' } }).getApiPolicy('orders')
    ).rejects.toThrow(/policy of API orders.*properties.value is empty/);
  });
});

describe('checkPolicyRead (adversarial review: a 200 of another resource, or one that cannot guard the PUT)', () => {
  const id = `${APIM}/apis/orders/policies/policy`;
  const doc = { value: '<policies><inbound /></policies>', format: 'rawxml' as const, etag: '"e1"' };
  it('accepts this API policy with an ETag', () => {
    expect(checkPolicyRead({ ...doc, id, type: 'Microsoft.ApiManagement/service/apis/policies' }, id)).toBeUndefined();
  });
  it('refuses another API policy, another type, or no ETag', () => {
    expect(checkPolicyRead({ ...doc, id: `${APIM}/apis/payments/policies/policy` }, id)).toMatch(/another resource/);
    expect(checkPolicyRead({ ...doc, type: 'Microsoft.ApiManagement/service/apis' }, id)).toMatch(/type/);
    expect(checkPolicyRead({ ...doc, etag: undefined }, id)).toBe(
      'no ETag (the write could not be guarded with If-Match)'
    );
  });
});
