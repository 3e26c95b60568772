/**
 * "A 200 is not proof of content" for the reads of the effective pipeline (issue 9): through the twin, the real
 * ArmPort and the validated port (src/azure/validated-arm.ts), a 200 that does not carry what was asked for — an
 * operation policy or fragment cut short, a fragment in another format, a named-value list page without its list,
 * a listValue without its value, a list whose nextLink loops — is refused with the request named, never judged as
 * "no policy", "no such named value" or "cannot be resolved" (which would let a check pass on a partial read).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type Twin } from '../emulator/index.js';
import { addFragment, addNamedValue, addOperation, doc } from '../emulator/__tests__/apim-state.js';
import { applyEnv, trustTwin } from '../emulator/__tests__/helpers.js';
import type { Fault } from '../emulator/src/server.js';
import { scenario } from '../scripts/action-runner.js';
import { ReadShapeError, validatedArmPort } from '../src/azure/validated-arm.js';
import { resolveNamedValues } from '../src/named-values.js';
import { observeFragments, observeOperations } from '../src/observe-pipeline.js';
import type { ArmPort } from '../src/ports.js';
import { ids, twinArmPort } from './e2e/helpers.js';

let twin: Twin;
let arm: ArmPort;
let restoreEnv: (() => void) | undefined;
const state = scenario('in-sync');
const I = ids(state);

beforeAll(async () => {
  addOperation(state, {
    id: 'get-order',
    method: 'GET',
    urlTemplate: '/orders/{id}',
    policy: doc('<base />\n        <include-fragment fragment-id="partner" />')
  });
  addFragment(
    state,
    'partner',
    '<fragment>\n    <set-header name="{{key-header}}" exists-action="override"><value>x</value></set-header>\n</fragment>'
  );
  addNamedValue(state, 'key-header', { value: 'Ocp-Apim-Subscription-Key', secret: true });
  addNamedValue(state, 'env-name', { value: 'prod' });
  twin = await startEmulator(state);
  trustTwin(twin.caPem);
  restoreEnv = applyEnv(twin);
  const real = twinArmPort(twin, state);
  arm = validatedArmPort(
    real,
    { apim: I.apim, apis: { orders: I.api }, site: I.site, authSettingsV2: I.authV2 },
    'apim-x',
    'func-x'
  );
});
afterAll(async () => {
  restoreEnv?.();
  await twin?.stop();
});

/** One fault: the next matching request answers 200 with `body`. */
function once(method: string, path: string, body: unknown): Fault {
  return { match: { method, pathRegex: `${path}(\\?|$)` }, respond: { status: 200, body }, times: 1 };
}

describe('operation policies and fragments: the text must be the whole rawxml document', () => {
  it('an operation policy cut short (a 200 with half a document) is refused, not judged', async () => {
    twin.addFaults([
      once('GET', '/operations/get-order/policies/policy', {
        properties: { format: 'rawxml', value: '<policies>\n<inbound>\n<base />\n<set-he' }
      })
    ]);
    await expect(observeOperations(arm, ['orders'])).rejects.toThrow(
      /policy of operation get-order of API orders\) answered without the content .*cannot be parsed as a policy document/
    );
  });

  it('a fragment cut short, or served in another format than rawxml, is refused', async () => {
    twin.addFaults([
      once('GET', '/policyFragments/partner', {
        properties: { format: 'rawxml', value: '<fragment>\n    <set-header name="Au' }
      })
    ]);
    await expect(observeFragments(arm, [doc('<include-fragment fragment-id="partner" />')])).rejects.toThrow(
      /policy fragment partner\) answered without the content .*cannot be parsed/
    );
    twin.addFaults([
      once('GET', '/policyFragments/partner', {
        properties: { format: 'xml', value: '<fragment>&lt;set-header name="Authorization" /&gt;</fragment>' }
      })
    ]);
    await expect(observeFragments(arm, [doc('<include-fragment fragment-id="partner" />')])).rejects.toThrow(
      /properties\.format is "xml", not the rawxml that was asked for/
    );
    // and without a fault: read as stored
    const f = await observeFragments(arm, [doc('<include-fragment fragment-id="partner" />')]);
    expect(f.get('partner')).toEqual({ value: expect.stringContaining('{{key-header}}') });
  });
});

describe('named values: a 200 without the list or the value is no "cannot be resolved"', () => {
  const list = '/service/apim-x/namedValues';
  it.each([
    ['{}', {}, /page 1 has no value array/],
    ['null', null, /page 1 is null/],
    ['[]', [], /page 1 is an array/],
    ['an item that is not an object', { value: [null] }, /page 1 has an item \(1\) that is not a JSON object/],
    ['an item without displayName', { value: [{ name: 'x', properties: {} }] }, /item 1: properties\.displayName/]
  ])('the list answers %s: refused', async (_n, body, re) => {
    twin.addFaults([once('GET', list, body)]);
    const err = await resolveNamedValues(arm, ['key-header']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadShapeError);
    expect((err as Error).message).toMatch(/GET .*\/namedValues \(named values \(displayName eq 'key-header'\)\)/);
    expect((err as Error).message).toMatch(re);
  });

  it.each([
    ['{}', {}],
    ['null', null],
    ['a value that is not a text', { value: 42 }]
  ])('listValue answers %s: refused (a refusal is a 4xx)', async (_n, body) => {
    twin.addFaults([once('POST', '/namedValues/key-header/listValue', body)]);
    await expect(resolveNamedValues(arm, ['key-header'])).rejects.toThrow(
      /POST .*\/namedValues\/key-header\/listValue \(value of named value key-header\) answered without the content .*the answer has no value/
    );
  });

  it('without faults both resolve (the secret one through listValue)', async () => {
    const m = await resolveNamedValues(arm, ['key-header', 'env-name']);
    expect([...m]).toEqual([
      ['key-header', 'Ocp-Apim-Subscription-Key'],
      ['env-name', 'prod']
    ]);
  });
});

describe('a list whose nextLink loops', () => {
  it('is refused as a loop at the first repeat (not read 50 times, nor judged on the pages read)', async () => {
    const self = `${twin.armEndpoint}${I.api}/operations?api-version=2024-05-01`;
    twin.addFaults([once('GET', '/apis/orders/operations', { value: [], nextLink: self })]);
    const before = twin.requests().length;
    await expect(observeOperations(arm, ['orders'])).rejects.toThrow(
      /operations of API orders\) answered without the content .*page 1 has a nextLink back to a page already read \(a loop\)/
    );
    expect(
      twin
        .requests()
        .slice(before)
        .filter((r) => /\/operations\?/.test(r.url))
    ).toHaveLength(1);
  });
});
