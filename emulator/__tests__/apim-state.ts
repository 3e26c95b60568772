/**
 * Builders for APIM resources in a twin state (tests only): operations and their policies, policy fragments, named
 * values (plain, secret, Key Vault), products with a policy and a product-scoped subscription, the global policy.
 * Bodies have the shapes ARM GET returns (apimapis.json, apimpolicyfragments.json, apimnamedvalues.json 2024-05-01).
 */
import type { Json, TwinState } from '../src/contracts.js';
import { rgId } from './helpers.js';

/** ARM IDs under the scenarios' APIM service (`apim-x` in `rg-demo`). */
export function apimIds(state: TwinState) {
  const svc = `${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x`;
  return {
    svc,
    api: (api = 'orders') => `${svc}/apis/${api}`,
    op: (op: string, api = 'orders') => `${svc}/apis/${api}/operations/${op}`,
    opPolicy: (op: string, api = 'orders') => `${svc}/apis/${api}/operations/${op}/policies/policy`,
    apiPolicy: (api = 'orders') => `${svc}/apis/${api}/policies/policy`,
    globalPolicy: `${svc}/policies/policy`,
    fragment: (id: string) => `${svc}/policyFragments/${id}`,
    namedValue: (id: string) => `${svc}/namedValues/${id}`,
    product: (id: string) => `${svc}/products/${id}`,
    subscription: (id: string) => `${svc}/subscriptions/${id}`
  };
}

const policyBody = (id: string, type: string, value: string): Json => ({
  id,
  type,
  name: 'policy',
  properties: { format: 'rawxml', value }
});

/** A policy document whose `<inbound>` holds `inbound` (other sections `<base />`). */
export function doc(inbound: string): string {
  return (
    `<policies>\n    <inbound>\n        ${inbound}\n    </inbound>\n    <backend>\n        <base />\n    </backend>\n` +
    `    <outbound>\n        <base />\n    </outbound>\n    <on-error>\n        <base />\n    </on-error>\n</policies>`
  );
}

/** Adds an operation (and its policy when given). */
export function addOperation(
  state: TwinState,
  op: { id: string; method: string; urlTemplate: string; policy?: string; api?: string }
): TwinState {
  const ids = apimIds(state);
  state.resources[ids.op(op.id, op.api)] = {
    id: ids.op(op.id, op.api),
    type: 'Microsoft.ApiManagement/service/apis/operations',
    name: op.id,
    properties: {
      displayName: op.id,
      method: op.method,
      urlTemplate: op.urlTemplate,
      templateParameters: [...op.urlTemplate.matchAll(/\{([^}*]+)\}/g)].map((m) => ({
        name: m[1],
        type: 'string',
        required: true,
        values: []
      })),
      responses: []
    }
  };
  if (op.policy !== undefined) {
    const pid = ids.opPolicy(op.id, op.api);
    state.resources[pid] = policyBody(pid, 'Microsoft.ApiManagement/service/apis/operations/policies', op.policy);
  }
  return state;
}

/** Sets the API-scope policy. */
export function setApiPolicy(state: TwinState, value: string, api = 'orders'): TwinState {
  const id = apimIds(state).apiPolicy(api);
  state.resources[id] = policyBody(id, 'Microsoft.ApiManagement/service/apis/policies', value);
  return state;
}

/** Sets the global (service-scope) policy. */
export function setGlobalPolicy(state: TwinState, value: string): TwinState {
  const id = apimIds(state).globalPolicy;
  state.resources[id] = policyBody(id, 'Microsoft.ApiManagement/service/policies', value);
  return state;
}

/** Adds a policy fragment (`value` is the whole `<fragment>…</fragment>` text). */
export function addFragment(state: TwinState, id: string, value: string, description = ''): TwinState {
  const rid = apimIds(state).fragment(id);
  state.resources[rid] = {
    id: rid,
    type: 'Microsoft.ApiManagement/service/policyFragments',
    name: id,
    properties: { format: 'rawxml', description, value }
  };
  return state;
}

/** Adds a named value: plain/secret (`value`) or Key Vault–backed (`keyVault`). */
export function addNamedValue(
  state: TwinState,
  id: string,
  v:
    | { value: string; secret?: boolean; displayName?: string }
    | { keyVault: { secretIdentifier: string; identityClientId?: string }; displayName?: string; status?: string }
): TwinState {
  const rid = apimIds(state).namedValue(id);
  const properties: Json =
    'value' in v
      ? { displayName: v.displayName ?? id, value: v.value, secret: v.secret ?? false, tags: [] }
      : {
          displayName: v.displayName ?? id,
          secret: true,
          tags: [],
          keyVault: {
            ...v.keyVault,
            lastStatus: { code: v.status ?? 'Success', timeStampUtc: '2024-05-01T10:00:00Z' }
          }
        };
  state.resources[rid] = { id: rid, type: 'Microsoft.ApiManagement/service/namedValues', name: id, properties };
  return state;
}

/**
 * Adds a product with a policy and an active subscription `<id>-sub` scoped to it with the given keys (product
 * membership of APIs is not modelled by the twin's gateway).
 */
export function addProduct(
  state: TwinState,
  id: string,
  policy: string,
  keys: { primaryKey: string; secondaryKey: string }
): TwinState {
  const ids = apimIds(state);
  state.resources[ids.product(id)] = {
    id: ids.product(id),
    type: 'Microsoft.ApiManagement/service/products',
    name: id,
    properties: { displayName: id, subscriptionRequired: true, state: 'published' }
  };
  const pp = `${ids.product(id)}/policies/policy`;
  state.resources[pp] = policyBody(pp, 'Microsoft.ApiManagement/service/products/policies', policy);
  state.resources[ids.subscription(`${id}-sub`)] = {
    id: ids.subscription(`${id}-sub`),
    type: 'Microsoft.ApiManagement/service/subscriptions',
    name: `${id}-sub`,
    properties: { scope: ids.product(id), displayName: `${id} subscription`, state: 'active', ...keys }
  };
  return state;
}
