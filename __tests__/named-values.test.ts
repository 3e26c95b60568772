/**
 * src/named-values.ts: which named values the managed-identity attributes reference (pure), and their resolution
 * through ARM by DISPLAY NAME (REST apimnamedvalues.json 2024-05-01: NamedValue_ListByService with
 * `$filter=displayName eq '…'`, NamedValue_Get, NamedValue_ListValue for secret / Key Vault-backed ones), with
 * plain-object fakes and through the twin with the real ArmPort.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type Twin } from '../emulator/index.js';
import { applyEnv, trustTwin } from '../emulator/__tests__/helpers.js';
import type { TwinState } from '../emulator/src/contracts.js';
import { scenario } from '../scripts/action-runner.js';
import { namedValueRefs, resolveNamedValues } from '../src/named-values.js';
import { ArmError, type ArmPort, type Json } from '../src/ports.js';
import { twinArmPort, ids } from './e2e/helpers.js';

describe('namedValueRefs', () => {
  it('names in resource / client-id of every authentication-managed-identity, first use first, no duplicates', () => {
    const text = [
      '<policies><inbound><base />',
      '<authentication-managed-identity resource="{{orders-app-id}}" client-id="{{uami-client-id}}" />',
      '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv" client-id="{{uami-client-id}}" />',
      '<send-request mode="new" response-variable-name="r"><authentication-managed-identity resource="api://{{suffix}}/x" /></send-request>',
      '<set-header name="X" exists-action="override"><value>{{not-an-mi-attribute}}</value></set-header>',
      '<authentication-managed-identity resource="@(&quot;{{in-expression}}&quot;)" />',
      '</inbound><outbound><authentication-managed-identity resource="{{outbound-one}}" /></outbound></policies>'
    ].join('\n');
    expect(namedValueRefs(text)).toEqual(['orders-app-id', 'uami-client-id', 'suffix', 'outbound-one']);
  });

  it('no references, or a document that cannot be parsed → []', () => {
    expect(namedValueRefs('<policies><inbound><base /></inbound></policies>')).toEqual([]);
    expect(namedValueRefs('<policies><inbound></outbound></policies>')).toEqual([]);
  });
});

/** A plain-object ArmPort fake over named-value contracts keyed by resource name (id). */
function fakeArm(
  contracts: Record<string, Json>,
  opts: { listValue?: (id: string) => Promise<{ value?: string }> } = {}
) {
  const calls: string[] = [];
  const arm = {
    async listNamedValues(filter: string) {
      calls.push(`list ${filter}`);
      const m = /^displayName eq '(.*)'$/.exec(filter);
      return Object.entries(contracts)
        .map(([name, c]) => ({ name, id: `/x/namedValues/${name}`, ...c }))
        .filter((c) => ((c as Json).properties as Json).displayName === m?.[1]);
    },
    async getNamedValue(id: string) {
      calls.push(`get ${id}`);
      return { body: { name: id, ...contracts[id] } };
    },
    async listNamedValueSecret(id: string) {
      calls.push(`listValue ${id}`);
      if (opts.listValue) return opts.listValue(id);
      return { value: ((contracts[id].properties as Json).secretValue as string) ?? undefined };
    }
  } as unknown as ArmPort;
  return { arm, calls };
}

describe('resolveNamedValues (plain-object ArmPort)', () => {
  const APP = '11111111-2222-3333-4444-555555555555';

  it('by display name (the id differs); plain from the list, secret through listValue; never logs a value', async () => {
    const { arm, calls } = fakeArm({
      '592f1174cc83890dc4f32686': { properties: { displayName: 'orders-app-id', value: APP, secret: false } },
      nv2: { properties: { displayName: 'uami-client-id', secret: true, secretValue: 's3cr3t-client' } }
    });
    const reasons: string[] = [];
    const m = await resolveNamedValues(arm, ['orders-app-id', 'uami-client-id', 'orders-app-id'], (n, r) =>
      reasons.push(`${n}: ${r}`)
    );
    expect([...m]).toEqual([
      ['orders-app-id', APP],
      ['uami-client-id', 's3cr3t-client']
    ]);
    expect(calls).toEqual([
      "list displayName eq 'orders-app-id'",
      "list displayName eq 'uami-client-id'",
      'listValue nv2'
    ]);
    expect(reasons).toEqual([]);
  });

  it('a plain one whose list entry lacks the value is read with GET by its id', async () => {
    const contracts: Record<string, Json> = { id1: { properties: { displayName: 'a', secret: false } } };
    const { arm, calls } = fakeArm(contracts);
    contracts.id1 = { properties: { displayName: 'a', secret: false } };
    const getOnly = {
      ...arm,
      listNamedValues: arm.listNamedValues,
      getNamedValue: async (id: string) => {
        calls.push(`get ${id}`);
        return { body: { properties: { displayName: 'a', value: 'v', secret: false } } };
      }
    } as unknown as ArmPort;
    expect(await resolveNamedValues(getOnly, ['a'])).toEqual(new Map([['a', 'v']]));
    expect(calls).toEqual(["list displayName eq 'a'", 'get id1']);
  });

  it('unresolved, with a reason and never a value: missing, invalid name, Key Vault-backed and unreadable, listValue refused', async () => {
    const { arm } = fakeArm(
      {
        kv: {
          properties: {
            displayName: 'kv-app-id',
            secret: true,
            keyVault: { secretIdentifier: 'https://contoso.vault.azure.net/secrets/app', lastStatus: { code: 'Error' } }
          }
        },
        sec: { properties: { displayName: 'locked', secret: true } }
      },
      {
        listValue: async (id) => {
          if (id === 'kv') throw new ArmError('POST … → 400 KeyVaultError', 400, 'KeyVaultError', 'x');
          throw new ArmError('POST … → 403 AuthorizationFailed', 403, 'AuthorizationFailed', 'x');
        }
      }
    );
    const reasons: string[] = [];
    const m = await resolveNamedValues(arm, ['missing', 'bad name', 'kv-app-id', 'locked'], (n, r) =>
      reasons.push(`${n}: ${r}`)
    );
    expect([...m]).toEqual([
      ['missing', undefined],
      ['bad name', undefined],
      ['kv-app-id', undefined],
      ['locked', undefined]
    ]);
    expect(reasons).toEqual([
      'missing: no named value has this display name',
      expect.stringMatching(/^bad name: not a valid named value display name/),
      'kv-app-id: Key Vault-backed, and listValue was refused (400 KeyVaultError)',
      'locked: secret, and listValue was refused (403 AuthorizationFailed)'
    ]);
  });

  it('a Key Vault-backed one that listValue reads is resolved; one that returns nothing is not', async () => {
    const kv = { secretIdentifier: 'https://contoso.vault.azure.net/secrets/app' };
    const { arm } = fakeArm({
      a: { properties: { displayName: 'kv-ok', secret: true, keyVault: kv, secretValue: APP } },
      b: { properties: { displayName: 'kv-empty', secret: true, keyVault: kv } }
    });
    expect([...(await resolveNamedValues(arm, ['kv-ok', 'kv-empty']))]).toEqual([
      ['kv-ok', APP],
      ['kv-empty', undefined]
    ]);
  });

  it('several named values with that display name → unresolved; an ARM port without the methods → unresolved', async () => {
    const { arm } = fakeArm({
      a: { properties: { displayName: 'dup', value: 'x' } },
      b: { properties: { displayName: 'dup', value: 'y' } }
    });
    expect(await resolveNamedValues(arm, ['dup'])).toEqual(new Map([['dup', undefined]]));
    expect(await resolveNamedValues({} as ArmPort, ['x'])).toEqual(new Map([['x', undefined]]));
  });

  it('a 5xx / timeout is not hidden: it propagates', async () => {
    const arm = {
      listNamedValues: async () => {
        throw new ArmError('GET … → 503', 503, 'ServiceUnavailable', 'x');
      }
    } as unknown as ArmPort;
    await expect(resolveNamedValues(arm, ['a'])).rejects.toThrow(/503/);
  });
});

describe('resolveNamedValues through the twin with the real ArmPort', () => {
  const APP = '11111111-2222-3333-4444-555555555555';
  let twin: Twin;
  let state: TwinState;
  let arm: ArmPort;
  let restoreEnv: () => void;

  beforeAll(async () => {
    state = scenario('in-sync');
    const apim = ids(state).apim;
    const nv = (id: string, properties: Json) => {
      state.resources[`${apim}/namedValues/${id}`] = {
        id: `${apim}/namedValues/${id}`,
        type: 'Microsoft.ApiManagement/service/namedValues',
        name: id,
        properties
      };
    };
    nv('592f1174cc83890dc4f32686', { displayName: 'orders-app-id', value: APP, secret: false });
    nv('uami', { displayName: 'uami-client-id', value: 'eeeeeeee-0000-0000-0000-000000000005', secret: true });
    nv('kv', {
      displayName: 'kv-app-id',
      secret: true,
      keyVault: { secretIdentifier: 'https://contoso.vault.azure.net/secrets/app', lastStatus: { code: 'Error' } }
    });
    twin = await startEmulator(state);
    trustTwin(twin.caPem);
    restoreEnv = applyEnv(twin);
    arm = twinArmPort(twin, state);
  });
  afterAll(async () => {
    restoreEnv?.();
    await twin?.stop();
  });

  it('the twin filters the list by display name, hides secret values on GET/list, and serves listValue', async () => {
    const listed = await arm.listNamedValues!("displayName eq 'uami-client-id'");
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'uami', properties: { displayName: 'uami-client-id', secret: true } });
    expect((listed[0].properties as Json).value).toBeUndefined();
    expect(((await arm.getNamedValue!('uami')).body.properties as Json).value).toBeUndefined();
    expect(await arm.listNamedValueSecret!('uami')).toEqual({ value: 'eeeeeeee-0000-0000-0000-000000000005' });
    expect(await arm.listNamedValues!("displayName eq 'nope'")).toEqual([]);
    await expect(arm.listNamedValues!('tags/any(t: t eq 1)')).rejects.toMatchObject({ status: 400 });
  });

  it('resolves by display name: plain, secret through listValue; Key Vault-backed without a value → unresolved', async () => {
    const before = twin.requests().length;
    const reasons: string[] = [];
    const m = await resolveNamedValues(arm, ['orders-app-id', 'uami-client-id', 'kv-app-id', 'absent'], (n, r) =>
      reasons.push(`${n}: ${r}`)
    );
    expect([...m]).toEqual([
      ['orders-app-id', APP],
      ['uami-client-id', 'eeeeeeee-0000-0000-0000-000000000005'],
      ['kv-app-id', undefined],
      ['absent', undefined]
    ]);
    expect(reasons).toEqual([
      // the twin refuses listValue for an unreadable Key Vault named value as ARM does (400, Azure/azure-powershell#15494)
      'kv-app-id: Key Vault-backed, and listValue was refused (400 BadRequest)',
      'absent: no named value has this display name'
    ]);
    const reqs = twin
      .requests()
      .slice(before)
      .map(
        (r) =>
          `${r.method} ${decodeURIComponent(r.url)
            .replace(/^.*\/service\/apim-x/, '')
            .replace(/api-version=[^&]+&?/, '')}`
      );
    // The names are looked up in parallel: the same requests, in no fixed order; listValue only after its lookup.
    expect([...reqs].sort()).toEqual(
      [
        "GET /namedValues?$filter=displayName eq 'orders-app-id'",
        "GET /namedValues?$filter=displayName eq 'uami-client-id'",
        'POST /namedValues/uami/listValue?',
        "GET /namedValues?$filter=displayName eq 'kv-app-id'",
        'POST /namedValues/kv/listValue?',
        "GET /namedValues?$filter=displayName eq 'absent'"
      ].sort()
    );
    for (const id of ['uami', 'kv']) {
      const lookup = reqs.findIndex((r) => r.includes(`eq '${id === 'kv' ? 'kv-app-id' : 'uami-client-id'}'`));
      expect(reqs.indexOf(`POST /namedValues/${id}/listValue?`)).toBeGreaterThan(lookup);
    }
  });
});
