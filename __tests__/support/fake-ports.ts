/**
 * Plain-object ports for in-process tests of reconcileTarget (src/target.ts): an in-memory ARM holding a twin
 * scenario's resources (bodies exactly as ARM returns them), with the write semantics the action relies on — PUT
 * replaces, the identity PATCH adds the system-assigned identity with a new principalId, policy PUTs honour If-Match
 * — a Graph, HTTP and token port that refuse (smoke and Graph are not used by these tests), and a recording logger.
 * `faults` makes a named method answer something else (or throw) for its next calls.
 */
import type { TwinState } from '../../emulator/src/contracts.js';
import type { ArmPort, Json, Logger, PolicyDocument } from '../../src/ports.js';
import { ArmError } from '../../src/ports.js';
import type { TargetPorts } from '../../src/target.js';

type Faults = Partial<Record<keyof ArmPort, () => unknown>>;

/** An in-memory ARM over `state.resources` for the scenarios' target (apim-x / func-x in rg-demo). */
export function fakeArm(state: TwinState, faults: Faults = {}) {
  const rg = `/subscriptions/${state.subscriptionId}/resourceGroups/rg-demo/providers`;
  const apim = `${rg}/Microsoft.ApiManagement/service/apim-x`;
  const site = `${rg}/Microsoft.Web/sites/func-x`;
  const res = state.resources as Record<string, Json>;
  const calls: string[] = [];
  let etag = 1;
  const get = (id: string) => {
    const body = res[id];
    if (!body) throw new ArmError(`GET ${id} → 404`, 404, 'NotFound', id);
    return structuredClone(body);
  };
  const step = <T>(name: keyof ArmPort, f: () => T): T => {
    calls.push(name);
    const fault = faults[name];
    if (fault) {
      delete faults[name];
      return fault() as T;
    }
    return f();
  };
  const policyId = (apiId: string) => `${apim}/apis/${apiId}/policies/policy`;
  const readOnlyDoc = (id: string): PolicyDocument | undefined => {
    const p = res[id];
    return p ? { value: (p.properties as Json).value as string, format: 'rawxml' } : undefined;
  };
  const arm: ArmPort = {
    getApimService: async () => step('getApimService', () => ({ body: get(apim) })),
    patchApimService: async (body) =>
      step('patchApimService', () => {
        const s = res[apim];
        const uai = (body.identity as Json).userAssignedIdentities as Json | undefined;
        const kept = (s.identity as Json | undefined)?.userAssignedIdentities as Json | undefined;
        s.identity = {
          type: (body.identity as Json).type,
          principalId: 'aaaaaaaa-1111-4111-8111-000000000001',
          tenantId: state.tenantId,
          ...(uai
            ? { userAssignedIdentities: Object.fromEntries(Object.keys(uai).map((k) => [k, kept?.[k] ?? {}])) }
            : {})
        };
      }),
    getApi: async (apiId) => step('getApi', () => ({ body: get(`${apim}/apis/${apiId}`) })),
    getApiPolicy: async (apiId) =>
      step('getApiPolicy', () => {
        const p = res[policyId(apiId)];
        if (!p) return undefined;
        return { value: (p.properties as Json).value as string, format: 'rawxml', etag: `"${p.etag ?? 'e0'}"` };
      }) as PolicyDocument | undefined,
    putApiPolicy: async (apiId, value, ifMatch) =>
      step('putApiPolicy', () => {
        const p = res[policyId(apiId)];
        if (ifMatch !== '*' && p && ifMatch !== `"${p.etag ?? 'e0'}"`) {
          throw new ArmError('PUT policy → 412', 412, 'PreconditionFailed', policyId(apiId));
        }
        res[policyId(apiId)] = { id: policyId(apiId), properties: { format: 'rawxml', value }, etag: `e${etag++}` };
        return { value, format: 'rawxml' as const };
      }),
    listApiOperations: async (apiId) =>
      step('listApiOperations', () => {
        const prefix = `${apim}/apis/${apiId}/operations/`.toLowerCase();
        const value = Object.entries(res)
          .filter(([id]) => id.toLowerCase().startsWith(prefix) && !id.slice(prefix.length).includes('/'))
          .map(([, body]) => structuredClone(body));
        return { value, truncated: false };
      }),
    getOperationPolicy: async (apiId, operationId) =>
      step('getOperationPolicy', () => readOnlyDoc(`${apim}/apis/${apiId}/operations/${operationId}/policies/policy`)),
    getPolicyFragment: async (fragmentId) =>
      step('getPolicyFragment', () => readOnlyDoc(`${apim}/policyFragments/${fragmentId}`)),
    getSite: async () => step('getSite', () => ({ body: get(site) })),
    getAuthSettingsV2: async () => step('getAuthSettingsV2', () => get(`${site}/config/authsettingsV2`)),
    putAuthSettingsV2: async (body) =>
      step('putAuthSettingsV2', () => {
        const id = `${site}/config/authsettingsV2`;
        res[id] = { ...res[id], properties: structuredClone(body.properties) };
        return body;
      }),
    getAuthSettingsV1: async () => step('getAuthSettingsV1', () => ({ properties: { configVersion: 'v2' } }) as Json),
    listSubscriptionSecrets: async () => step('listSubscriptionSecrets', () => ({ primaryKey: 'k' }))
  };
  const writes = () => calls.filter((c) => /^(put|patch)/.test(c));
  return { arm, calls, writes, resources: res, ids: { apim, site, policy: policyId('orders') } };
}

/** A logger that records every line (level, text). */
export function recordingLog() {
  const lines: { level: string; text: string }[] = [];
  const log: Logger = {
    info: (text) => lines.push({ level: 'info', text }),
    warning: (text) => lines.push({ level: 'warning', text }),
    debug: (text) => lines.push({ level: 'debug', text })
  };
  return { log, lines };
}

/** TargetPorts around `arm`: Graph, HTTP and tokens refuse (these tests run with smoke off and no allowedApplications). */
export function fakePorts(arm: ArmPort, log: Logger): TargetPorts {
  const refuse = async (): Promise<never> => {
    throw new Error('not available in this test');
  };
  return {
    arm,
    graph: { getServicePrincipal: refuse },
    http: { request: refuse },
    tokens: { getToken: async () => 'token-for-preflight' },
    log,
    mask: () => undefined
  };
}
