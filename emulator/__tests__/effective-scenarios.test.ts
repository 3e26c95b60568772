/**
 * The effective-policy scenarios (emulator/scenarios/effective-*.json), one per case of issue 9 "Why": each differs
 * from in-sync.json only where its case lives, its documents are valid for the twin's ARM (read back through the real
 * SDK client), and the gateway gives the outcome the case describes (HTTPS requests to the running twin).
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type { Json, TwinState } from '../src/contracts.js';
import type { Twin } from '../src/server.js';
import { apimClient, EFFECTIVE_SCENARIOS, loadScenario, withTwin } from './helpers.js';

const RG = 'rg-demo';
const SVC = 'apim-x';
const KEY = 'twin-master-primary-0123456789abcdef';
const APIM_OID = '66666666-6666-4666-8666-666666666666';

async function get(twin: Twin, path: string): Promise<{ status: number; received: string[]; headers: Headers }> {
  const res = await fetch(`https://${twin.hostMap['apim-x.azure-api.net']}${path}`, {
    headers: { 'Ocp-Apim-Subscription-Key': KEY }
  });
  await res.text();
  const received = (res.headers.get('x-twin-received-headers') ?? '').split(',').filter(Boolean);
  return { status: res.status, received, headers: res.headers };
}

/** Resource IDs whose body differs from in-sync.json (added, removed or changed). */
function changedFromInSync(s: TwinState): string[] {
  const base = loadScenario('in-sync');
  const ids = new Set([...Object.keys(base.resources), ...Object.keys(s.resources)]);
  const short = (id: string): string => id.replace(/^.*\/service\/apim-x\//, '');
  return [...ids]
    .filter((id) => JSON.stringify(base.resources[id]) !== JSON.stringify(s.resources[id]))
    .map(short)
    .sort();
}

describe('effective-policy scenarios', () => {
  it.each([
    ['effective-op-key', ['apis/orders/operations/list-orders/policies/policy']],
    ['effective-op-no-base', ['apis/orders/operations/list-orders/policies/policy']],
    ['effective-fragment-auth', ['apis/orders/policies/policy', 'policyFragments/legacy-partner-auth']],
    [
      'effective-named-value',
      ['apis/orders/policies/policy', 'namedValues/environment-name', 'namedValues/orders-app-id']
    ],
    ['effective-keyvault-lookup', ['apis/orders/policies/policy']],
    ['effective-keyvault-lookup-drifted', ['apis/orders/policies/policy']]
  ] as const)('%s differs from in-sync only in %j; the rest of the state is identical', (name, changed) => {
    const s = loadScenario(name);
    expect(changedFromInSync(s)).toEqual([...changed].sort());
    const { resources: _a, ...rest } = s;
    const { resources: _b, ...baseRest } = loadScenario('in-sync');
    // …but for the save-time named-value check, on in these scenarios (README "Scenarios for the effective policy").
    expect(rest).toEqual({ ...baseRest, behaviour: { ...baseRest.behaviour, namedValueRefsOnSave: true } });
  });

  it.each(EFFECTIVE_SCENARIOS)('%s: every policy and fragment reads back through the SDK in rawxml', async (name) => {
    const s = loadScenario(name);
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      const stored = Object.entries(s.resources).filter(([id]) =>
        /\/(policies\/policy|policyFragments\/[^/]+)$/.test(id)
      );
      expect(stored.length).toBeGreaterThan(0);
      for (const [id, body] of stored) {
        const url = `${twin.armEndpoint}${id}?api-version=2024-05-01&format=rawxml`;
        const r = await c.sendRequest(createPipelineRequest({ url }));
        expect([id, r.status]).toEqual([id, 200]);
        const got = (JSON.parse(r.bodyAsText ?? '{}') as Json)['properties'] as Json;
        expect(got['value']).toBe((body['properties'] as Json)['value']);
        // …and the xml view parses too (the twin escapes expressions for it).
        const xml = await c.sendRequest(createPipelineRequest({ url: url.replace('&format=rawxml', '') }));
        expect(xml.status).toBe(200);
      }
      // A write of the stored API policy back is accepted (its named values exist): what an apply would send.
      const apiPolicy = Object.entries(s.resources).find(([id]) => id.endsWith('/apis/orders/policies/policy'))!;
      const value = String((apiPolicy[1]['properties'] as Json)['value']);
      const put = await c.apiPolicy.createOrUpdate(RG, SVC, 'orders', 'policy', { value, format: 'rawxml' });
      expect(put.eTag).toBeDefined();
    });
  });

  it('effective-op-key: the operation puts the caller key back after <base />; the Function receives it', async () => {
    const s = loadScenario('effective-op-key');
    await withTwin(s, async (twin) => {
      const orders = await get(twin, '/orders/orders');
      expect(orders.status).toBe(200);
      expect(orders.received).toContain('ocp-apim-subscription-key');
      expect(orders.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
      const health = await get(twin, '/orders/health');
      expect(health.status).toBe(200);
      expect(health.received).not.toContain('ocp-apim-subscription-key');
    });
  });

  it('effective-op-no-base: the operation never runs the API policy; no token, the Function answers 401', async () => {
    const s = loadScenario('effective-op-no-base');
    await withTwin(s, async (twin) => {
      const orders = await get(twin, '/orders/orders');
      expect(orders.status).toBe(401);
      expect(orders.headers.get('x-twin-auth-layer')).toBe('easy-auth');
      expect((await get(twin, '/orders/health')).status).toBe(200);
    });
  });

  it('effective-fragment-auth: the fragment after the owned element replaces Authorization; the Function answers 401', async () => {
    const s = loadScenario('effective-fragment-auth');
    await withTwin(s, async (twin) => {
      const r = await get(twin, '/orders/orders');
      expect(r.status).toBe(401);
      expect(r.headers.get('x-twin-auth-layer')).toBe('easy-auth');
      const c = apimClient(twin, s);
      expect((await c.policyFragment.get(RG, SVC, 'legacy-partner-auth', { format: 'rawxml' })).value).toContain(
        '<![CDATA[Basic '
      );
    });
  });

  it('effective-named-value: resource="{{orders-app-id}}" gets the Function token; the Function answers 200', async () => {
    const s = loadScenario('effective-named-value');
    await withTwin(s, async (twin) => {
      const r = await get(twin, '/orders/orders');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
      expect(r.received).toContain('x-environment');
      const c = apimClient(twin, s);
      const nv = [];
      for await (const x of c.namedValue.listByService(RG, SVC, { filter: "displayName eq 'orders-app-id'" }))
        nv.push(x);
      expect(nv.map((x) => x.value)).toEqual(['55555555-5555-4555-8555-555555555555']);
    });
  });

  it.each([
    ['effective-keyvault-lookup', 200],
    ['effective-keyvault-lookup-drifted', 401]
  ] as const)('%s: the Key Vault token stays in its variable; the Function answers %i', async (name, status) => {
    const s = loadScenario(name);
    await withTwin(s, async (twin) => {
      const r = await get(twin, '/orders/orders');
      expect(r.status).toBe(status);
      if (status === 200) expect(r.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
      else expect(r.received).not.toContain('authorization');
    });
  });
});
