/**
 * Helpers for the end-to-end tests of verification and reporting (smoke requests, job summary, sticky PR comment):
 * small state mutations on scenario copies, and readers for what the action wrote (summary smoke table, comments).
 * State is always built from `scenario('drifted' | 'in-sync')` so the tests run on a fresh clone.
 */
import type { Json, TwinState } from '../../emulator/src/contracts.js';
import type { Twin } from '../../scripts/action-runner.js';

export const SUB = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers';
export const IDS = {
  apim: `${SUB}/Microsoft.ApiManagement/service/apim-x`,
  api: (apiId = 'orders') => `${SUB}/Microsoft.ApiManagement/service/apim-x/apis/${apiId}`,
  policy: (apiId = 'orders') => `${SUB}/Microsoft.ApiManagement/service/apim-x/apis/${apiId}/policies/policy`,
  subscription: (name = 'master') => `${SUB}/Microsoft.ApiManagement/service/apim-x/subscriptions/${name}`,
  backend: (name: string) => `${SUB}/Microsoft.ApiManagement/service/apim-x/backends/${name}`,
  namedValue: (name: string) => `${SUB}/Microsoft.ApiManagement/service/apim-x/namedValues/${name}`,
  site: `${SUB}/Microsoft.Web/sites/func-x`,
  authV2: `${SUB}/Microsoft.Web/sites/func-x/config/authsettingsV2`
};

function find(state: TwinState, id: string): Json | undefined {
  const key = Object.keys(state.resources).find((k) => k.toLowerCase() === id.toLowerCase());
  return key ? state.resources[key] : undefined;
}

/** `properties` of the site's authsettingsV2 document (live object: mutate it to change the state). */
export function authSettingsOf(state: TwinState): Json {
  const r = find(state, IDS.authV2);
  if (!r) throw new Error('no authsettingsV2 in state');
  return r['properties'] as Json;
}

/** The stored raw policy text of an API. */
export function policyOf(state: TwinState, apiId = 'orders'): string {
  const r = find(state, IDS.policy(apiId));
  return String((r?.['properties'] as Json | undefined)?.['value'] ?? '');
}

/** Replaces an API's policy text (rawxml) in the state. */
export function setPolicy(state: TwinState, text: string, apiId = 'orders'): TwinState {
  const id = IDS.policy(apiId);
  state.resources[id] = {
    id,
    type: 'Microsoft.ApiManagement/service/apis/policies',
    name: 'policy',
    properties: { format: 'rawxml', value: text }
  };
  return state;
}

/** A policy document whose `<inbound>` holds exactly `inbound`. */
export function policyDoc(inbound: string): string {
  return (
    `<policies>\n    <inbound>\n        ${inbound}\n    </inbound>\n    <backend>\n        <base />\n    </backend>\n` +
    `    <outbound>\n        <base />\n    </outbound>\n    <on-error>\n        <base />\n    </on-error>\n</policies>`
  );
}

/** Subscription keys of the `master` APIM subscription in the state. */
export function subscriptionKeys(state: TwinState): { primaryKey: string; secondaryKey: string } {
  const p = find(state, IDS.subscription())!['properties'] as Json;
  return { primaryKey: String(p['primaryKey']), secondaryKey: String(p['secondaryKey']) };
}

/** The function route of the site (live object). */
export function routeOf(state: TwinState, routePath = '/api/orders') {
  const routes = state.functionRoutes[IDS.site]!;
  const r = routes.find((x) => x.path === routePath);
  if (!r) throw new Error(`no route ${routePath}`);
  return r;
}

export interface SmokeRow {
  ok: boolean;
  check: string;
  expected: string;
  got: string;
  attempts: number;
  seconds: number;
  layer: string;
  diagnosis: string;
}

/** The rows of the job summary's "Smoke checks" table (empty when there is none). */
export function smokeRows(summary: string): SmokeRow[] {
  const start = summary.indexOf('#### Smoke checks');
  if (start < 0) return [];
  const section = summary.slice(start).split(/\n#### /)[0]!;
  const rows: SmokeRow[] = [];
  for (const line of section.split('\n')) {
    if (!/^\| [✓✗]/.test(line)) continue;
    // Cells are escaped by the renderer (`\|`), so split on unescaped pipes only.
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    rows.push({
      ok: cells[0]!.startsWith('✓'),
      check: cells[0]!.slice(1).trim(),
      expected: cells[1]!,
      got: cells[2]!,
      attempts: Number(cells[3]),
      seconds: Number(cells[4]!.replace(/\s*s$/, '')),
      layer: cells[5]!,
      diagnosis: cells[6]!
    });
  }
  return rows;
}

/** The summary row of one check kind: `gateway`, `direct, no token`, `direct, foreign token`. */
export function row(summary: string, kind: 'gateway' | 'no token' | 'foreign token'): SmokeRow {
  const r = smokeRows(summary).find((x) =>
    kind === 'gateway' ? x.check.startsWith('gateway') : x.check.startsWith(`direct, ${kind}`)
  );
  if (!r) throw new Error(`no smoke row '${kind}' in summary:\n${summary}`);
  return r;
}

/** Warnings the action emitted (`::warning::…` workflow commands on stdout), decoded. */
export function warnings(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
    .map((l) =>
      l
        .replace(/^::warning[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%')
    );
}

/** The `::error::` message the step failed with (decoded), or ''. */
export function errorMessage(stdout: string): string {
  const l = stdout.split('\n').find((x) => x.startsWith('::error'));
  return l
    ? l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    : '';
}

/** Requests the twin served to GitHub's REST API that write (POST/PATCH comments). */
export function githubWrites(twin: Twin): { method: string; url: string; status: number }[] {
  const base = twin.githubApiUrl.replace(/\/+$/, '');
  return twin.requests().filter((r) => r.url.startsWith(base) && ['POST', 'PATCH'].includes(r.method));
}

/** Every request the twin served to GitHub's REST API. */
export function githubRequests(twin: Twin): { method: string; url: string; status: number }[] {
  const base = twin.githubApiUrl.replace(/\/+$/, '');
  return twin.requests().filter((r) => r.url.startsWith(base));
}

/** A snapshot of the twin's state (what `GET <adminUrl>/state` serves), detached from the live object. */
export function stateOf(twin: Twin): TwinState {
  return structuredClone(twin.getState());
}

/**
 * The hidden marker our sticky comment starts with (`<!-- apim-function-auth … -->`): a one-target run's holds its
 * subscription, resource groups and APIs (src/report/render.ts runConfigMarker).
 */
export const MARKER =
  '<!-- apim-function-auth: subscription=22222222-2222-4222-8222-222222222222 apim=rg-demo/apim-x ' +
  'function-app=rg-demo/func-x apis=orders -->';

/** Markdown text with the renderer's backslash escapes removed (`\[` → `[`), for matching prose. */
export function plain(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, '$1');
}
