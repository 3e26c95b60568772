/**
 * Observing what runs around the API policy (src/observe-pipeline.ts, the new ArmPort reads in src/azure/arm.ts and
 * their validation in src/azure/validated-arm.ts): operations listed across pages, operation policies and fragments
 * read as rawxml (404 = none), nested includes followed level by level up to the bound, reads in parallel but never
 * more than the bound in flight, every read validated.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type Twin } from '../emulator/index.js';
import { addFragment, addOperation, doc } from '../emulator/__tests__/apim-state.js';
import { applyEnv, trustTwin } from '../emulator/__tests__/helpers.js';
import { scenario } from '../scripts/action-runner.js';
import { checkOperations, checkReadOnlyPolicy, ReadShapeError, validatedArmPort } from '../src/azure/validated-arm.js';
import { MAX_OPERATIONS, observeFragments, observeOperations } from '../src/observe-pipeline.js';
import { MAX_FRAGMENT_DEPTH } from '../src/policy/effective.js';
import type { ArmPort, Json, PolicyDocument } from '../src/ports.js';
import { twinArmPort, ids } from './e2e/helpers.js';

describe('through the twin with the real ArmPort', () => {
  let twin: Twin;
  let arm: ArmPort;
  let restoreEnv: (() => void) | undefined;
  const state = scenario('in-sync');
  const I = ids(state);
  beforeAll(async () => {
    state.behaviour = { ...state.behaviour, listPageSize: 2 };
    for (let i = 0; i < 5; i++) {
      addOperation(state, {
        id: `op-${i}`,
        method: 'GET',
        urlTemplate: `/items/${i}`,
        ...(i === 3 ? { policy: doc('<base />\n        <include-fragment fragment-id="outer" />') } : {})
      });
    }
    addFragment(state, 'outer', '<fragment>\n    <include-fragment fragment-id="inner" />\n</fragment>');
    addFragment(
      state,
      'inner',
      '<fragment><set-header name="X-A" exists-action="override"><value>@("a" + "b")</value></set-header></fragment>'
    );
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

  it('lists every page of operations (nextLink), reads each policy (404 → none), validated', async () => {
    const before = twin.requests().length;
    const ops = (await observeOperations(arm, ['orders'])).orders;
    const listed = ops.map((o) => o.id);
    expect(listed).toEqual(expect.arrayContaining(['op-0', 'op-1', 'op-2', 'op-3', 'op-4']));
    expect(ops.find((o) => o.id === 'op-3')?.policy?.value).toContain('<include-fragment fragment-id="outer" />');
    expect(ops.filter((o) => o.policy).map((o) => o.id)).toEqual(['op-3']);
    const reqs = twin
      .requests()
      .slice(before)
      .map((r) => decodeURIComponent(new URL(r.url).pathname + new URL(r.url).search));
    const pages = reqs.filter((r) => /\/apis\/orders\/operations\?/.test(r));
    expect(pages.length).toBe(Math.ceil(listed.length / 2)); // page size 2: every page, once
    expect(reqs.filter((r) => /\/operations\/[^/]+\/policies\/policy\?.*format=rawxml/.test(r))).toHaveLength(
      listed.length
    );
  });

  it('follows nested includes one level per round; a missing fragment is absent (404), not an error', async () => {
    const f = await observeFragments(arm, [
      doc('<include-fragment fragment-id="outer" />\n<include-fragment fragment-id="nope" />')
    ]);
    expect([...f.keys()]).toEqual(['outer', 'nope', 'inner']);
    expect(f.get('nope')).toEqual({ absent: true });
    expect(f.get('inner')).toEqual({ value: expect.stringContaining('@("a" + "b")') });
  });
});

describe('bounds and validation (plain fakes)', () => {
  const I = ids(scenario('in-sync'));
  const idsOf = { apim: I.apim, apis: { orders: I.api }, site: I.site, authSettingsV2: I.authV2 };
  const op = (name: string, extra: Json = {}): Json => ({
    id: `${I.api}/operations/${name}`,
    type: 'Microsoft.ApiManagement/service/apis/operations',
    name,
    properties: { method: 'GET', urlTemplate: `/${name}` },
    ...extra
  });

  it('refuses an API with more operations than it can read, and validates each operation and policy', async () => {
    const arm = {
      listApiOperations: async () => ({ value: [op('a')], truncated: true })
    } as unknown as ArmPort;
    await expect(observeOperations(arm, ['orders'])).rejects.toThrow(
      new RegExp(`API orders has more than ${MAX_OPERATIONS} operations`)
    );
    expect(checkOperations([op('a'), op('a')], I.api)).toMatch(/operation a is listed twice/);
    expect(checkOperations([op('a', { id: `${I.apim}/apis/other/operations/a` })], I.api)).toMatch(/another resource/);
    expect(checkOperations([{ name: 'x', properties: {} }], I.api)).toMatch(/no method or urlTemplate/);
    expect(checkOperations(null, I.api)).toMatch(/not an array/);
    // a 200 whose page has no `value` array is no empty list
    const noList = validatedArmPort(
      {
        listApiOperations: async () => ({ value: [], truncated: false, invalid: 'page 1 has no value array' })
      } as unknown as ArmPort,
      idsOf,
      'apim-x',
      'func-x'
    );
    await expect(noList.listApiOperations('orders')).rejects.toThrow(
      /GET .*\/apis\/orders\/operations \(operations of API orders\) answered without the content .*page 1 has no value array/
    );
    const frag = (v: unknown, extra: Partial<PolicyDocument> = {}) =>
      checkReadOnlyPolicy(
        { value: v as string, format: 'rawxml', ...extra },
        `${I.apim}/policyFragments/f`,
        'fragment'
      );
    expect(frag('<fragment/>')).toBeUndefined();
    expect(frag('<policies/>')).toMatch(/root <policies>, not <fragment>/);
    expect(frag('')).toMatch(/empty/);
    expect(frag('<fragment/>', { id: `${I.apim}/policyFragments/g` })).toMatch(/another resource/);
    // through the wrapper: a 200 without content is refused with the request named
    const wrapped = validatedArmPort(
      {
        getPolicyFragment: async () => ({ value: '', format: 'rawxml' }),
        getOperationPolicy: async () => ({ value: '<fragment/>', format: 'rawxml' })
      } as unknown as ArmPort,
      idsOf,
      'apim-x',
      'func-x'
    );
    await expect(wrapped.getPolicyFragment('f')).rejects.toThrow(ReadShapeError);
    await expect(wrapped.getOperationPolicy('orders', 'a')).rejects.toThrow(
      /policy of operation a of API orders.*root <fragment>, not <policies>/
    );
  });

  it('reads fragments level by level, each once, never deeper than the bound', async () => {
    const reads: string[] = [];
    const arm = {
      getPolicyFragment: async (id: string) => {
        reads.push(id);
        const n = Number(id.slice(1));
        return {
          value: `<fragment><include-fragment fragment-id="f${n + 1}" /><include-fragment fragment-id="f0" /></fragment>`,
          format: 'rawxml'
        };
      }
    } as unknown as ArmPort;
    const f = await observeFragments(arm, [
      doc('<include-fragment fragment-id="f0" /><include-fragment fragment-id="f0" />')
    ]);
    expect(reads).toEqual(Array.from({ length: MAX_FRAGMENT_DEPTH }, (_, i) => `f${i}`));
    expect(f.size).toBe(MAX_FRAGMENT_DEPTH);
  });

  it('operation policies are read in parallel (one round after the list), bounded by the port', async () => {
    let inFlight = 0;
    let most = 0;
    const arm = {
      listApiOperations: async () => ({ value: Array.from({ length: 20 }, (_, i) => op(`o${i}`)), truncated: false }),
      getOperationPolicy: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return undefined;
      }
    } as unknown as ArmPort;
    const ops = await observeOperations(arm, ['orders']);
    expect(ops.orders).toHaveLength(20);
    expect(most).toBe(20); // unbounded here: observeTarget's port bounds it (see target.test.ts)
  });
});
