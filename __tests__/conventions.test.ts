/**
 * Conventions users bring from azure/login and other actions (issue "Ready for users", item 1 and 3): `environment`
 * in any letter case, the OIDC `audience` that follows the cloud unless given, and `pr-comment` as a mode with the
 * old booleans as aliases.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CLOUD_NAMES, cloudNameOf, defaultAudience } from '../src/azure/clouds.js';
import { readSettings, validateInput } from '../src/inputs.js';
import type { CloudName } from '../src/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const minimal: Record<string, string> = {
  'client-id': '33333333-3333-4333-8333-333333333333',
  'tenant-id': '11111111-1111-4111-8111-111111111111',
  'subscription-id': '22222222-2222-4222-8222-222222222222',
  'apim-name': 'apim-x',
  'apim-resource-group': 'rg-apim',
  'api-ids': 'orders',
  'function-app-name': 'func-x'
};
const read = (values: Record<string, string>) => readSettings((n) => ({ ...minimal, ...values })[n] ?? '');

describe('environment: any letter case, as azure/login (which lowercases it)', () => {
  it.each<[string, CloudName]>([
    ['azurecloud', 'AzureCloud'],
    ['AzureCloud', 'AzureCloud'],
    ['AZURECLOUD', 'AzureCloud'],
    ['azureusgovernment', 'AzureUSGovernment'],
    ['AzureUSGovernment', 'AzureUSGovernment'],
    ['azurechinacloud', 'AzureChinaCloud'],
    ['  AzureChinaCloud\n', 'AzureChinaCloud']
  ])('%j → %s, with that cloud’s endpoints', (text, cloud) => {
    const s = read({ environment: text });
    expect(s.environment).toBe(cloud);
    expect(s.endpoints.authorityHost).toBe(
      {
        AzureCloud: 'https://login.microsoftonline.com',
        AzureUSGovernment: 'https://login.microsoftonline.us',
        AzureChinaCloud: 'https://login.chinacloudapi.cn'
      }[cloud]
    );
  });

  it.each(['azurestack', 'AzureGermanCloud', 'public', 'azure cloud'])('%j is refused, naming the choices', (text) => {
    expect(() => read({ environment: text })).toThrow(
      /- environment: .* is not supported; use one of AzureCloud, AzureUSGovernment, AzureChinaCloud \(any letter case\)/
    );
  });

  it('cloudNameOf maps every spelling of the three names and nothing else', () => {
    for (const n of CLOUD_NAMES) {
      expect(cloudNameOf(n)).toBe(n);
      expect(cloudNameOf(n.toLowerCase())).toBe(n);
      expect(cloudNameOf(n.toUpperCase())).toBe(n);
    }
    expect(cloudNameOf('')).toBeUndefined();
    expect(cloudNameOf('AzureCloud ')).toBeUndefined();
  });
});

describe('audience: the cloud’s by default, the input when given', () => {
  it.each<[string, string]>([
    ['AzureCloud', 'api://AzureADTokenExchange'],
    ['azureusgovernment', 'api://AzureADTokenExchangeUSGov'],
    ['AzureChinaCloud', 'api://AzureADTokenExchangeChina']
  ])('%s → %s', (environment, audience) => {
    expect(read({ environment }).audience).toBe(audience);
  });

  it('an explicit audience wins in every cloud (e.g. a credential set up the azure/login way)', () => {
    for (const environment of ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']) {
      expect(read({ environment, audience: 'api://AzureADTokenExchange' }).audience).toBe('api://AzureADTokenExchange');
      expect(read({ environment, audience: 'api://custom' }).audience).toBe('api://custom');
    }
  });

  it('the default does not depend on endpoint overrides (only on environment)', () => {
    const s = read({ environment: 'AzureUSGovernment', 'authority-host': 'https://login.twin.local' });
    expect(s.audience).toBe('api://AzureADTokenExchangeUSGov');
  });

  it('defaultAudience knows the three clouds', () => {
    expect(CLOUD_NAMES.map(defaultAudience)).toEqual([
      'api://AzureADTokenExchange',
      'api://AzureADTokenExchangeUSGov',
      'api://AzureADTokenExchangeChina'
    ]);
  });
});

describe('pr-comment: always | on-change | never, with true/false as aliases', () => {
  it.each<[string, 'always' | 'on-change' | 'never', boolean]>([
    ['', 'always', true],
    ['always', 'always', true],
    ['ALWAYS', 'always', true],
    ['on-change', 'on-change', true],
    ['On-Change', 'on-change', true],
    ['never', 'never', false],
    ['true', 'always', true],
    ['TRUE', 'always', true],
    ['false', 'never', false]
  ])('%j → %s (prComment %s)', (text, mode, on) => {
    const s = read({ 'pr-comment': text });
    expect(s.prCommentMode).toBe(mode);
    expect(s.prComment).toBe(on);
  });

  it.each(['onchange', 'yes', '1', 'sometimes'])('%j is refused with the choices', (text) => {
    expect(validateInput('pr-comment', text)).toEqual({
      problems: [
        `'${text}' is not allowed; use one of always, on-change, never (true or false also work: true = always, false = never)`
      ]
    });
  });
});

describe('action.yml', () => {
  const yml = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; description: string }>;
    outputs: Record<string, { description: string }>;
  };

  it('gives audience no static default (it follows environment) and names the three audiences', () => {
    expect(yml.inputs.audience.default).toBeUndefined();
    for (const a of ['api://AzureADTokenExchange ', 'AzureADTokenExchangeUSGov', 'AzureADTokenExchangeChina']) {
      expect(yml.inputs.audience.description).toContain(a.trim());
    }
  });

  it('documents the pr-comment modes and the new outputs', () => {
    expect(yml.inputs['pr-comment'].default).toBe('always');
    expect(yml.inputs['pr-comment'].description).toMatch(/always.*on-change.*never/s);
    expect(yml.outputs.result.description).toMatch(/in-sync.*drift.*applied.*failed/s);
    expect(yml.outputs['change-count'].description).toMatch(/check mode.*planned.*apply mode.*written and verified/s);
    expect(yml.outputs['comment-url'].description).toMatch(/comment/);
  });
});
