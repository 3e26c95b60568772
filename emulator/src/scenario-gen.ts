/**
 * A scenario of N targets for the twin: the one target of a scenario (APIM `apim-x` with its APIs, subscriptions and
 * policies; Function App `func-x` with its config, routes and keys; the Function's app registration; APIM's
 * system-assigned identity when it has one) copied N times as distinct resources — `apim-t001`/`func-t001`, … — each
 * with its own app registration (appId, object ID) and, where the source has one, its own APIM principal (a new
 * service principal), so no two targets share a resource, a hostname or an identity. Every copy keeps the source's
 * state (in sync or drifted). Used by `npm run bench` (many targets) and the many-target end-to-end tests; the CLI
 * takes `--targets <n>`. Pure: no I/O.
 */
import type { TwinState } from './contracts.js';
import { clone } from './http.js';

/** The source target's names and IDs (emulator/scenarios/*.json). */
export const SOURCE = {
  apim: 'apim-x',
  site: 'func-x',
  appId: '55555555-5555-4555-8555-555555555555',
  appObjectId: '55555555-5555-4555-8555-666666666666',
  apimPrincipalId: '66666666-6666-4666-8666-666666666666',
  apimPrincipalAppId: '77777777-7777-4777-8777-777777777777'
} as const;

/** Most targets one scenario holds (each adds two HTTPS listeners to the twin). */
export const MAX_GENERATED_TARGETS = 500;

/** One generated target: the inputs a targets file gives for it. */
export interface GeneratedTarget {
  name: string;
  subscriptionId: string;
  apimResourceGroup: string;
  apimName: string;
  apiIds: string[];
  functionAppName: string;
  appClientId: string;
}

/** `n` as 12 hexadecimal digits (the last group of a GUID). */
function last12(n: number): string {
  return n.toString(16).padStart(12, '0');
}

/** The resource group of the source target (from the APIM service's ID). */
function sourceGroup(state: TwinState): { rg: string; apimId: string; siteId: string } {
  const apimId = Object.keys(state.resources).find((k) =>
    new RegExp(`/providers/Microsoft\\.ApiManagement/service/${SOURCE.apim}$`, 'i').test(k)
  );
  const siteId = Object.keys(state.resources).find((k) =>
    new RegExp(`/providers/Microsoft\\.Web/sites/${SOURCE.site}$`, 'i').test(k)
  );
  if (!apimId || !siteId) throw new Error(`the scenario has no ${SOURCE.apim} and ${SOURCE.site} to copy`);
  const rg = /\/resourceGroups\/([^/]+)\//i.exec(apimId)![1]!;
  return { rg, apimId, siteId };
}

/** Replaces every name and ID of the source target in a JSON text by those of copy `i` (1-based). */
function renamer(i: number): (text: string) => string {
  const tag = `t${String(i).padStart(3, '0')}`;
  const pairs: [string, string][] = [
    [SOURCE.apim, `apim-${tag}`],
    [SOURCE.site, `func-${tag}`],
    [SOURCE.appId, `55555555-5555-4555-8555-${last12(i)}`],
    [SOURCE.appObjectId, `55555555-5555-4555-9555-${last12(i)}`],
    [SOURCE.apimPrincipalId, `66666666-6666-4666-8666-${last12(i)}`],
    [SOURCE.apimPrincipalAppId, `77777777-7777-4777-8777-${last12(i)}`]
  ];
  // Names end where a name character does not follow (`apim-x.azure-api.net`, `apim-x-westeurope-01` both match).
  const res = pairs.map(
    ([from, to]) => [new RegExp(`${from.replace(/[-.]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'), to] as const
  );
  return (text) => res.reduce((t, [re, to]) => t.replace(re, to), text);
}

/**
 * The state with the source target replaced by `n` copies (1 ≤ n ≤ {@link MAX_GENERATED_TARGETS}), and the copies'
 * inputs in order (`target-001`, …). Everything else of `base` (tenant, workflow identity, other resources, GitHub)
 * is kept. Throws when `base` has no `apim-x` and `func-x` to copy, or `n` is out of range.
 */
export function generateTargets(base: TwinState, n: number): { state: TwinState; targets: GeneratedTarget[] } {
  if (!Number.isInteger(n) || n < 1 || n > MAX_GENERATED_TARGETS) {
    throw new Error(`targets: ${n} is not a whole number from 1 to ${MAX_GENERATED_TARGETS}`);
  }
  const { rg, apimId, siteId } = sourceGroup(base);
  const owned = (id: string) =>
    [apimId, siteId].some(
      (p) => id.toLowerCase() === p.toLowerCase() || id.toLowerCase().startsWith(`${p.toLowerCase()}/`)
    );
  const state = clone(base);
  const copy = {
    resources: Object.entries(base.resources).filter(([id]) => owned(id)),
    routes: Object.entries(base.functionRoutes ?? {}).filter(([id]) => owned(id)),
    keys: Object.entries(base.functionKeys ?? {}).filter(([id]) => owned(id)),
    app: base.appRegistrations.find((a) => a.appId === SOURCE.appId),
    principal: (base.servicePrincipals ?? []).find((p) => p.id === SOURCE.apimPrincipalId)
  };
  state.resources = Object.fromEntries(Object.entries(base.resources).filter(([id]) => !owned(id)));
  state.functionRoutes = Object.fromEntries(Object.entries(base.functionRoutes ?? {}).filter(([id]) => !owned(id)));
  state.functionKeys = Object.fromEntries(Object.entries(base.functionKeys ?? {}).filter(([id]) => !owned(id)));
  state.appRegistrations = base.appRegistrations.filter((a) => a.appId !== SOURCE.appId);
  state.servicePrincipals = (base.servicePrincipals ?? []).filter((p) => p.id !== SOURCE.apimPrincipalId);
  const targets: GeneratedTarget[] = [];
  for (let i = 1; i <= n; i++) {
    const rename = renamer(i);
    const re = <T>(v: T): T => JSON.parse(rename(JSON.stringify(v))) as T;
    for (const [id, body] of copy.resources) state.resources[rename(id)] = re(body);
    for (const [id, routes] of copy.routes) state.functionRoutes[rename(id)] = re(routes);
    for (const [id, keys] of copy.keys) state.functionKeys[rename(id)] = re(keys);
    if (copy.app) state.appRegistrations.push(re(copy.app));
    if (copy.principal) state.servicePrincipals.push(re(copy.principal));
    const tag = String(i).padStart(3, '0');
    targets.push({
      name: `target-${tag}`,
      subscriptionId: base.subscriptionId,
      apimResourceGroup: rg,
      apimName: `apim-t${tag}`,
      apiIds: ['orders'],
      functionAppName: `func-t${tag}`,
      appClientId: rename(SOURCE.appId)
    });
  }
  return { state, targets };
}

/**
 * A targets file for `targets` (YAML, the action's `targets` input): what they share under `defaults:`
 * (`apim-resource-group`, `api-ids`, `subscription-id`), then one entry per target with its `name`, `apim-name`,
 * `function-app-name` and `app-client-id`, plus `extra` keys for every target (e.g. `smoke-path`).
 */
export function targetsYaml(targets: readonly GeneratedTarget[], extra: Record<string, string> = {}): string {
  const first = targets[0];
  const lines = ['defaults:'];
  if (first) {
    lines.push(`  subscription-id: ${first.subscriptionId}`);
    lines.push(`  apim-resource-group: ${first.apimResourceGroup}`);
    lines.push(`  api-ids: [${first.apiIds.join(', ')}]`);
  }
  for (const [k, v] of Object.entries(extra)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  lines.push('targets:');
  for (const t of targets) {
    lines.push(`  - name: ${t.name}`);
    lines.push(`    apim-name: ${t.apimName}`);
    lines.push(`    function-app-name: ${t.functionAppName}`);
    lines.push(`    app-client-id: ${t.appClientId}`);
  }
  return `${lines.join('\n')}\n`;
}
