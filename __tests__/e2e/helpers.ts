/**
 * Shared helpers of the end-to-end tests: small, general mutations and reads of a twin state (a TwinState object,
 * as `scenario()` returns it or as `twin.getState()` / `GET <adminUrl>/state` answer), plus a few readers of what the
 * twin served. Scenario states are built from `scenario('drifted')`/`scenario('in-sync')` with these mutations, so
 * the tests run on a fresh clone (no ../shared needed).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TwinState } from '../../emulator/src/contracts.js';
import { expect } from '@jest/globals';
import { trustTwin, workflowCredential } from '../../emulator/__tests__/helpers.js';
import { createArmPort } from '../../src/azure/arm.js';
import type { ArmPort } from '../../src/ports.js';
import { armWrites, baseInputs, repoRoot, runAction, type Twin } from '../../scripts/action-runner.js';

type Json = Record<string, unknown>;

/** The read-only shared reference (`../shared`), and whether it is present on this machine. */
export const sharedDir = path.resolve(repoRoot, '../shared');
export const sharedPresent = existsSync(path.join(sharedDir, 'cases/field-cases.md'));

/** The scenarios' target (apim-x / func-x in rg-demo). */
export const TARGET = { rg: 'rg-demo', apim: 'apim-x', site: 'func-x', api: 'orders' } as const;

/**
 * The action's real ARM port (src/azure/arm.ts: the Azure SDK clients, signed in as the workflow identity) for
 * {@link TARGET} on `twin`. The caller has trusted the twin's CA and applied its env (emulator/__tests__/helpers.ts).
 */
export function twinArmPort(twin: Twin, state: TwinState): ArmPort {
  return createArmPort(
    workflowCredential(twin, state),
    {
      armEndpoint: twin.armEndpoint,
      armScope: `${twin.armEndpoint}/.default`,
      authorityHost: twin.authorityHost,
      graphEndpoint: twin.graphEndpoint,
      graphScope: `${twin.graphEndpoint}/.default`
    },
    {
      subscriptionId: state.subscriptionId,
      apimResourceGroup: TARGET.rg,
      apimName: TARGET.apim,
      functionAppResourceGroup: TARGET.rg,
      functionAppName: TARGET.site
    }
  );
}

/** ARM IDs of the scenarios' target resources. */
export function ids(state: TwinState, apiId: string = TARGET.api) {
  const rg = `/subscriptions/${state.subscriptionId}/resourceGroups/${TARGET.rg}`;
  const apim = `${rg}/providers/Microsoft.ApiManagement/service/${TARGET.apim}`;
  const site = `${rg}/providers/Microsoft.Web/sites/${TARGET.site}`;
  return {
    rg,
    apim,
    api: `${apim}/apis/${apiId}`,
    policy: `${apim}/apis/${apiId}/policies/policy`,
    site,
    authV2: `${site}/config/authsettingsV2`
  };
}

/** The stored resource body with this ARM ID (IDs are case-insensitive in ARM), or undefined. */
export function resourceOf(state: TwinState, id: string): Json | undefined {
  const key = Object.keys(state.resources).find((k) => k.toLowerCase() === id.toLowerCase());
  return key === undefined ? undefined : state.resources[key];
}

/** Sets (replaces) the stored resource body with this ARM ID, keeping an existing key's spelling. */
export function setResource(state: TwinState, id: string, body: Json): TwinState {
  const key = Object.keys(state.resources).find((k) => k.toLowerCase() === id.toLowerCase()) ?? id;
  state.resources[key] = body;
  return state;
}

/** The APIM service body. */
export function serviceOf(state: TwinState): Json {
  const s = resourceOf(state, ids(state).apim);
  if (!s) throw new Error('no APIM service in the state');
  return s;
}

/** APIM's `identity` object as stored (`{}` when absent). */
export function identityOf(state: TwinState): {
  type?: string;
  principalId?: string;
  userAssignedIdentities?: Record<string, Json>;
} {
  return (serviceOf(state).identity ?? {}) as ReturnType<typeof identityOf>;
}

/** Replaces APIM's `identity`. A SystemAssigned principalId given here is also registered as a service principal. */
export function setIdentity(state: TwinState, identity: Json, sp?: { appId: string; displayName?: string }): TwinState {
  serviceOf(state).identity = identity;
  const pid = identity.principalId;
  if (typeof pid === 'string' && sp) {
    state.servicePrincipals = (state.servicePrincipals ?? []).filter((p) => p.id !== pid);
    state.servicePrincipals.push({
      id: pid,
      appId: sp.appId,
      displayName: sp.displayName ?? TARGET.apim,
      kind: 'managedIdentity'
    });
  }
  return state;
}

/** The `properties` of the site's authsettingsV2 document (`{}` when none is stored). */
export function authSettingsOf(state: TwinState): Json {
  const doc = resourceOf(state, ids(state).authV2);
  return (doc?.properties ?? {}) as Json;
}

/** Replaces the `properties` of the site's authsettingsV2 document (the rest of the resource body kept). */
export function setAuthSettings(state: TwinState, properties: Json): TwinState {
  const id = ids(state).authV2;
  const doc = resourceOf(state, id) ?? { id, name: 'authsettingsV2', type: 'Microsoft.Web/sites/config' };
  return setResource(state, id, { ...doc, properties });
}

/** Changes the authsettingsV2 `properties` in place through `f`. */
export function editAuthSettings(state: TwinState, f: (p: Json) => void): TwinState {
  const p = structuredClone(authSettingsOf(state));
  f(p);
  return setAuthSettings(state, p);
}

/** The Azure AD provider of the stored authsettingsV2 (`{}` when absent). */
export function aadOf(state: TwinState): Json {
  const providers = (authSettingsOf(state).identityProviders ?? {}) as Json;
  return (providers.azureActiveDirectory ?? {}) as Json;
}

/** Value at a dotted path of a JSON value (undefined when missing). */
export function at(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[k];
  }
  return cur;
}

/** The stored (rawxml) policy text of an API, or undefined. */
export function policyOf(state: TwinState, apiId: string = TARGET.api): string | undefined {
  const doc = resourceOf(state, ids(state, apiId).policy);
  return (doc?.properties as { value?: string } | undefined)?.value;
}

/** Sets the stored (rawxml) policy text of an API (stored as given: no normalization). */
export function setPolicy(state: TwinState, text: string, apiId: string = TARGET.api): TwinState {
  const id = ids(state, apiId).policy;
  return setResource(state, id, {
    id,
    type: 'Microsoft.ApiManagement/service/apis/policies',
    name: 'policy',
    properties: { format: 'rawxml', value: text }
  });
}

/** The inbound policy the scenarios use, with `inner` as the content of `<inbound>`. */
export function policyWithInbound(inner: string): string {
  return (
    `<policies>\n    <inbound>\n${inner}\n    </inbound>\n    <backend>\n        <base />\n    </backend>\n` +
    '    <outbound>\n        <base />\n    </outbound>\n    <on-error>\n        <base />\n    </on-error>\n</policies>'
  );
}

/** The C# expression the scenarios' policy carries (inner quotes, as rawxml allows). */
export const CALLER_EXPRESSION = '@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))';

/** The first (only) app registration of the scenarios: the Function's. */
export function appOf(state: TwinState) {
  return state.appRegistrations[0];
}

/** ARM writes the twin answered with success (2xx); refused writes (403, 412, 400) are not changes. */
export function successfulArmWrites(twin: Twin) {
  return armWrites(twin).filter((w) => w.status < 400);
}

/** ARM writes since `from` (an index into `twin.requests()` taken before a run). */
export function armWritesSince(twin: Twin, from: number) {
  return twin
    .requests()
    .slice(from)
    .filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method) && /\/subscriptions\//i.test(r.url));
}

/** Every JWT-shaped string in `text` (three base64url parts, the first one a JSON header `{"…`). */
export function jwtsIn(text: string): string[] {
  return [...text.matchAll(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g)].map((m) => m[0]);
}

/** The lines of `stdout` that are not `::add-mask::` commands. */
export function unmaskedLines(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

/** Parses the `changes` output (a JSON list of {resource, field, before, after}). */
export function changesOf(outputs: Record<string, string>): {
  resource: string;
  kind?: string;
  field: string;
  before: unknown;
  after: unknown;
}[] {
  return JSON.parse(outputs.changes ?? '[]') as ReturnType<typeof changesOf>;
}

/**
 * Calls `apim-x`'s gateway in the twin (`/orders/orders` + `query`) and returns the status and the names (never
 * values) the Function host reported receiving in its `echo` header.
 */
export async function namesReceivedByFunction(
  t: Twin,
  opts: { query?: string; headers?: Record<string, string>; echo: 'x-twin-received-headers' | 'x-twin-received-query' }
): Promise<{ status: number; names: string[] }> {
  trustTwin(t.caPem);
  const res = await fetch(`https://${t.hostMap['apim-x.azure-api.net']}/orders/orders${opts.query ?? ''}`, {
    headers: opts.headers
  });
  await res.arrayBuffer();
  return { status: res.status, names: (res.headers.get(opts.echo) ?? '').split(',') };
}

/** After an apply: a second apply writes nothing, and a check (with smoke) right after is clean (issue 3). */
export async function expectIdempotentAndClean(t: Twin, state: TwinState): Promise<void> {
  const writes = armWrites(t).length;
  const again = await runAction(t, { ...baseInputs(state), mode: 'apply' });
  expect(again.code).toBe(0);
  expect(changesOf(again.outputs)).toEqual([]);
  expect(armWrites(t)).toHaveLength(writes);

  const check = await runAction(t, { ...baseInputs(state), mode: 'check', 'smoke-path': '/orders' });
  expect(check.code).toBe(0);
  expect(check.stdout).toMatch(/API policy orders: in sync/);
  expect(changesOf(check.outputs)).toEqual([]);
  expect(armWrites(t)).toHaveLength(writes);
}
