/**
 * The fault matrix (issue "Never lose what the user owns"): for every request an apply makes on a rich scenario
 * (user-owned providers, token store, excluded paths, forward proxy, a user-assigned identity, a policy with CORS,
 * variables, a send-request with its own token, outbound headers and comments), inject one fault at a time and judge
 * the run by what the twin holds afterwards:
 * - lost: a user-owned setting is gone or altered (Easy Auth outside the owned paths, user-assigned identities,
 *   policy content outside the owned elements, any other resource);
 * - dishonest: the report (`changes` output states) contradicts the twin's /requests (a write called "verified" that
 *   never landed, one that landed called "not changed"), or the run exited 0 and the next check found drift;
 * - survived: exit 0, nothing lost, honest, converged; failed cleanly: non-zero exit, nothing lost, honest, and a
 *   clean re-run (apply, then check) converges.
 * `npm run fault-matrix` runs every cell and prints the table; __tests__/e2e/fault-matrix.test.ts runs a sample.
 * `MATRIX_SCENARIO=pipeline` adds an operation policy, a fragment and a secret named value (the effective pipeline's
 * reads); `MATRIX_FAULTS` (fault kinds, comma-separated) and `MATRIX_PATHS` (a regex on `METHOD path`) select cells.
 * Runs the bundled dist/index.js as the runner does (scripts/action-runner.ts), over HTTPS against the twin.
 */
import pLimit from 'p-limit';
import type { TwinState } from '../emulator/src/contracts.js';
import type { Fault, RequestRecord } from '../emulator/src/server.js';
import { EASY_AUTH_PATHS } from '../src/resources/easy-auth.js';
import { deepEqual, getPath, isUnder, leaves } from '../src/json-path.js';
import { policiesEquivalent } from '../src/policy/index.js';
import { withoutOwnedElements } from '../src/write-guard.js';
import { baseInputs, runAction, scenario, withTwin, type Twin } from './action-runner.js';

type Json = Record<string, unknown>;

/** ARM request timeout the matrix runs the action with (ms): a "timeout" cell delays past it; long enough that a loaded machine does not time out on its own. */
export const MATRIX_TIMEOUT_MS = 3000;

/** The faults of the matrix. `writes`/`polls`: only for ARM writes / LRO polls. */
export const FAULTS = {
  '429': { respond: { status: 429, headers: { 'retry-after': '1' }, body: throttled() } },
  '500': { respond: { status: 500, body: serverError() } },
  '503': { respond: { status: 503, headers: { 'retry-after': '1' }, body: serverError() } },
  '412 (writes)': { respond: { status: 412, body: { error: { code: 'PreconditionFailed', message: 'ETag' } } } },
  timeout: { delayMs: MATRIX_TIMEOUT_MS + 700 },
  'malformed JSON': { respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"prop' } },
  'empty body': { respond: { status: 200, body: '' } },
  '""': { respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '""' } },
  '{}': { respond: { status: 200, body: {} } },
  '[]': { respond: { status: 200, body: [] } },
  null: { respond: { status: 200, body: null } },
  'partial body': { respond: { status: 200, body: 'PARTIAL' } },
  'LRO Failed (polls)': { respond: { status: 200, body: { status: 'Failed', error: { code: 'Boom', message: 'x' } } } },
  'LRO Canceled (polls)': { respond: { status: 200, body: { status: 'Canceled' } } }
} as const satisfies Record<string, Omit<Fault, 'match'>>;

export type FaultKind = keyof typeof FAULTS;

function throttled() {
  return { error: { code: 'TooManyRequests', message: 'throttled' } };
}
function serverError() {
  return { error: { code: 'InternalServerError', message: 'transient' } };
}

/** One cell: the fault on the `occurrence`-th (0-based) request with this method and path. */
export interface Cell {
  index: number;
  method: string;
  path: string;
  occurrence: number;
  fault: FaultKind;
}

export type Verdict = 'survived' | 'failed cleanly' | 'lost' | 'dishonest';

export interface CellResult extends Cell {
  verdict: Verdict;
  exit: number;
  findings: string[];
  /** Which safety mechanism stopped the faulty run, from its error text (see {@link caughtBy}). */
  caught: string;
}

/**
 * The mechanism that stopped a run, from its `::error::` text: `read validation` (a 200 without the content relied
 * on), `write guard` (an outgoing body that differs outside the owned paths), `identity not known` (Easy Auth not
 * written without APIM's principalId), `read-back` (a written resource read back differently), `ARM refusal` (a 4xx),
 * `unclear answer` (5xx/timeout/poll: outcome unknown), `other`; `—` for a run that exited 0.
 */
export function caughtBy(exit: number, stdout: string): string {
  if (exit === 0) return '—';
  const e = errorOf(stdout);
  if (/answered without the content/.test(e)) return 'read validation';
  if (/write refused by the guard/.test(e)) return 'write guard';
  if (/principalId is still unknown/.test(e)) return 'identity not known';
  if (/read-back|not verified after|read back/.test(e)) return 'read-back';
  if (/→ 4\d\d|\(412\)|AuthorizationFailed/.test(e)) return 'ARM refusal';
  if (/timed out|→ 5\d\d|Outcome unknown|may or may not/.test(e)) return 'unclear answer';
  return 'other';
}

const RG = '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers';
const APIM = `${RG}/Microsoft.ApiManagement/service/apim-x`;
const SITE = `${RG}/Microsoft.Web/sites/func-x`;
const AUTH_V2 = `${SITE}/config/authsettingsV2`;
const POLICY = `${APIM}/apis/orders/policies/policy`;

/** The user's policy: CORS, variables, a Key Vault read with its own token in send-request, outbound headers, comments. */
export const RICH_POLICY = `<policies>
    <!-- owned by the orders team: keep -->
    <inbound>
        <base />
        <cors allow-credentials="false">
            <allowed-origins><origin>https://orders.contoso.com</origin></allowed-origins>
            <allowed-methods><method>GET</method><method>POST</method></allowed-methods>
        </cors>
        <set-variable name="caller" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />
        <send-request mode="new" response-variable-name="kv" timeout="20" ignore-error="true">
            <set-url>https://kv-orders.vault.azure.net/secrets/flag?api-version=7.4</set-url>
            <set-method>GET</set-method>
            <authentication-managed-identity resource="https://vault.azure.net" />
        </send-request>
        <!-- rate limit per caller -->
        <rate-limit-by-key calls="100" renewal-period="60" counter-key="@((string)context.Variables["caller"])" />
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
        <set-header name="X-Powered-By" exists-action="delete" />
        <set-header name="X-Orders-Version" exists-action="override"><value>2</value></set-header>
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`;

/** drifted.json with settings a user owns added to every resource the action writes. */
export function richScenario(): TwinState {
  const state = scenario('drifted');
  const r = state.resources as Record<string, Json>;
  const auth = r[AUTH_V2].properties as Json;
  auth.globalValidation = { ...(auth.globalValidation as Json), excludedPaths: ['/api/health'] };
  auth.identityProviders = {
    google: { enabled: true, registration: { clientId: 'g-1', clientSecretSettingName: 'GOOGLE_SECRET' } },
    facebook: { enabled: false, registration: { appId: 'fb-1', appSecretSettingName: 'FB_SECRET' } },
    customOpenIdConnectProviders: {
      contoso: {
        enabled: true,
        registration: {
          clientId: 'c-1',
          clientCredential: { clientSecretSettingName: 'CONTOSO_SECRET' },
          openIdConnectConfiguration: { wellKnownOpenIdConfiguration: 'https://id.contoso.com/.well-known/x' }
        }
      }
    }
  };
  auth.login = {
    tokenStore: { enabled: true, tokenRefreshExtensionHours: 72, azureBlobStorage: { sasUrlSettingName: 'TS_SAS' } },
    preserveUrlFragmentsForLogins: true,
    allowedExternalRedirectUrls: ['https://orders.contoso.com/cb']
  };
  (auth.httpSettings as Json).forwardProxy = { convention: 'Custom', customHostHeaderName: 'X-Orig-Host' };
  (r[POLICY].properties as Json).value = RICH_POLICY;
  if (process.env.MATRIX_SCENARIO === 'pipeline') addPipeline(r);
  return state;
}

/**
 * `MATRIX_SCENARIO=pipeline`: what runs around the API policy (issue 9), harmless, so a clean apply succeeds and
 * every new read kind is in the baseline: an operation whose policy includes a fragment after `<base />`, the
 * fragment's set-header named by a secret named value (read through listValue), an operation without a policy.
 * Shapes as ARM GET returns them (apimapis.json, apimpolicyfragments.json, apimnamedvalues.json 2024-05-01).
 */
function addPipeline(r: Record<string, Json>): void {
  const op = `${APIM}/apis/orders/operations/get-order`;
  const put = (id: string, type: string, name: string, properties: Json) => (r[id] = { id, type, name, properties });
  put(op, 'Microsoft.ApiManagement/service/apis/operations', 'get-order', {
    displayName: 'get-order',
    method: 'GET',
    urlTemplate: '/orders/{id}',
    templateParameters: [{ name: 'id', type: 'string', required: true, values: [] }],
    responses: []
  });
  put(`${op}/policies/policy`, 'Microsoft.ApiManagement/service/apis/operations/policies', 'policy', {
    format: 'rawxml',
    value:
      '<policies>\n    <inbound>\n        <base />\n        <include-fragment fragment-id="tracing" />\n    </inbound>\n' +
      '    <backend>\n        <base />\n    </backend>\n    <outbound>\n        <base />\n    </outbound>\n</policies>'
  });
  put(`${APIM}/policyFragments/tracing`, 'Microsoft.ApiManagement/service/policyFragments', 'tracing', {
    format: 'rawxml',
    description: 'trace header',
    value:
      '<fragment>\n    <set-header name="{{trace-header}}" exists-action="override"><value>@(context.RequestId.ToString())</value></set-header>\n</fragment>'
  });
  put(`${APIM}/namedValues/trace-header`, 'Microsoft.ApiManagement/service/namedValues', 'trace-header', {
    displayName: 'trace-header',
    value: 'X-Trace-Id',
    secret: true,
    tags: []
  });
}

/** Inputs of every matrix run (smoke off: the matrix is about what is written). */
export function matrixInputs(state: TwinState, mode: 'apply' | 'check'): Record<string, string> {
  return { ...baseInputs(state), mode, 'pr-comment': 'false' };
}

const ENV = { APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS: String(MATRIX_TIMEOUT_MS) };

/** The requests of one clean apply on the rich scenario, in order (method, path without query). */
export async function baselineRequests(): Promise<{ method: string; path: string }[]> {
  const state = richScenario();
  return withTwin(state, async (twin) => {
    const run = await runAction(twin, matrixInputs(state, 'apply'), { env: ENV });
    if (run.code !== 0) throw new Error(`the clean apply failed:\n${run.stdout.slice(-2000)}`);
    return twin.requests().map((q) => ({ method: q.method, path: new URL(q.url).pathname }));
  });
}

const isArmWrite = (m: string, p: string) => ['PUT', 'PATCH'].includes(m) && /\/subscriptions\//i.test(p);
const isPoll = (p: string) => /operation/i.test(p) && /\/subscriptions\//i.test(p);

/** Every cell for the baseline requests: each fault on each request it applies to. */
export function cellsFor(requests: { method: string; path: string }[]): Cell[] {
  const cells: Cell[] = [];
  requests.forEach((q, index) => {
    const occurrence = requests.slice(0, index).filter((o) => o.method === q.method && o.path === q.path).length;
    for (const fault of Object.keys(FAULTS) as FaultKind[]) {
      if (fault.includes('(writes)') && !isArmWrite(q.method, q.path)) continue;
      if (fault.includes('(polls)') && !isPoll(q.path)) continue;
      cells.push({ index, method: q.method, path: q.path, occurrence, fault });
    }
  });
  return cells;
}

/** The twin fault for a cell ('partial body' becomes the resource's id and name only). */
export function faultFor(cell: Cell): Fault {
  const esc = cell.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const spec = FAULTS[cell.fault] as Omit<Fault, 'match'>;
  const respond =
    spec.respond?.body === 'PARTIAL'
      ? { status: 200, body: { id: cell.path.replace(/\/list$/i, ''), name: cell.path.split('/').pop() } }
      : spec.respond;
  return {
    match: { method: cell.method, pathRegex: `^${esc}(\\?|$)` },
    ...spec,
    ...(respond ? { respond } : {}),
    skip: cell.occurrence,
    times: 1
  };
}

/** Runs one cell: the faulty apply, a check when it exited 0, then a clean apply and check; judges the outcome. */
export async function runCell(cell: Cell): Promise<CellResult> {
  const initial = richScenario();
  return withTwin(structuredClone(initial), async (twin) => {
    twin.addFaults([faultFor(cell)]);
    const run = await runAction(twin, matrixInputs(initial, 'apply'), { env: ENV });
    const findings = [...lossFindings(initial, twin.getState()), ...honestyFindings(run, twin, cell)];
    if (run.code === 0) findings.push(...(await driftAfter(twin, initial, 'after an exit-0 apply')));
    const lost = findings.some((f) => f.startsWith('lost'));
    const converge = await convergeFindings(twin, initial);
    findings.push(...converge);
    const verdict: Verdict =
      lost || converge.some((f) => f.startsWith('lost'))
        ? 'lost'
        : findings.length > 0
          ? 'dishonest'
          : run.code === 0
            ? 'survived'
            : 'failed cleanly';
    return { ...cell, verdict, exit: run.code, findings, caught: caughtBy(run.code, run.stdout) };
  });
}

async function driftAfter(twin: Twin, initial: TwinState, when: string): Promise<string[]> {
  const check = await runAction(twin, matrixInputs(initial, 'check'), { env: ENV });
  return check.code === 0 ? [] : [`dishonest: drift found by a check ${when}: ${errorOf(check.stdout)}`];
}

async function convergeFindings(twin: Twin, initial: TwinState): Promise<string[]> {
  const again = await runAction(twin, matrixInputs(initial, 'apply'), { env: ENV });
  if (again.code !== 0) return [`not converged: a clean re-run failed: ${errorOf(again.stdout)}`];
  return [...lossFindings(initial, twin.getState()), ...(await driftAfter(twin, initial, 'after a clean re-run'))];
}

function errorOf(stdout: string): string {
  // `::error::…` or, with a title, `::error title=apim-function-auth::…` (what the action prints).
  return (/::error(?: [^:]*)?::(.*)/.exec(stdout)?.[1] ?? '').slice(0, 300);
}

const OWNED = Object.values(EASY_AUTH_PATHS).map((p) => p.split('.'));
const LISTS = [
  EASY_AUTH_PATHS.allowedAudiences,
  EASY_AUTH_PATHS.identities,
  EASY_AUTH_PATHS.allowedApplications,
  EASY_AUTH_PATHS.excludedPaths
];

const res = (s: TwinState, id: string) =>
  Object.entries(s.resources).find(([k]) => k.toLowerCase() === id.toLowerCase())?.[1] as Json | undefined;

/** Every user-owned setting of `before` that `after` lost or altered ("lost: …"). */
export function lossFindings(before: TwinState, after: TwinState): string[] {
  return [
    ...easyAuthLoss(before, after),
    ...identityLoss(before, after),
    ...policyLoss(before, after),
    ...otherLoss(before, after)
  ];
}

function easyAuthLoss(before: TwinState, after: TwinState): string[] {
  const b = getPath(res(before, AUTH_V2), 'properties');
  const a = getPath(res(after, AUTH_V2), 'properties');
  const out: string[] = [];
  for (const [p, v] of leaves(b)) {
    if (OWNED.some((o) => isUnder(p, o))) continue;
    if (!deepEqual(getPath(a, p), v)) out.push(`lost: Easy Auth properties.${p.join('.')}`);
  }
  for (const l of LISTS) {
    const was = (getPath(b, l) as unknown[] | undefined) ?? [];
    const now = (getPath(a, l) as unknown[] | undefined) ?? [];
    for (const x of was) if (!now.includes(x)) out.push(`lost: Easy Auth ${l} entry ${String(x)}`);
  }
  return out;
}

function identityLoss(before: TwinState, after: TwinState): string[] {
  const keys = (s: TwinState) =>
    Object.keys((getPath(res(s, APIM), 'identity.userAssignedIdentities') as Json | undefined) ?? {}).map((k) =>
      k.toLowerCase()
    );
  const now = keys(after);
  return keys(before)
    .filter((k) => !now.includes(k))
    .map((k) => `lost: user-assigned identity ${k}`);
}

function policyLoss(before: TwinState, after: TwinState): string[] {
  const was = getPath(res(before, POLICY), 'properties.value') as string;
  const now = getPath(res(after, POLICY), 'properties.value') as string | undefined;
  if (typeof now !== 'string') return ['lost: the API policy is gone'];
  const own = {
    resources: [before.appRegistrations[0].appId],
    keyHeader: 'Ocp-Apim-Subscription-Key',
    keyQuery: 'subscription-key'
  };
  try {
    if (policiesEquivalent(withoutOwnedElements(was, own), withoutOwnedElements(now, own))) return [];
  } catch (e) {
    return [`lost: the API policy cannot be parsed any more (${(e as Error).message})`];
  }
  return ['lost: policy content outside the owned elements changed'];
}

function otherLoss(before: TwinState, after: TwinState): string[] {
  const out: string[] = [];
  for (const [id, body] of Object.entries(before.resources)) {
    if ([AUTH_V2, POLICY].some((x) => x.toLowerCase() === id.toLowerCase())) continue;
    const now = res(after, id);
    if (id.toLowerCase() === APIM.toLowerCase()) {
      const strip = (s: Json | undefined) => ({ ...s, identity: undefined, etag: undefined, properties: undefined });
      if (!deepEqual(strip(now), strip(body as Json))) out.push('lost: APIM service settings outside identity');
      continue;
    }
    if (!deepEqual(now, body)) out.push(`lost: ${id.split('/providers/')[1]} changed`);
  }
  return out;
}

/** The resources the apply may write: label in the report, ARM ID in the `changes` output, path of the write. */
const WRITTEN = [
  { label: 'APIM apim-x identity', id: APIM },
  { label: 'Easy Auth func-x', id: AUTH_V2 },
  { label: 'API policy orders', id: POLICY }
];

/**
 * What the job summary's "Applied" line says of each resource: `changed`, `written, not verified`, `outcome unknown
 * (check it)`, `not changed`, or `absent` (no such line, or the resource is not named).
 */
export function summaryClaims(summary: string): Map<string, string> {
  const line = /\*\*changed:\*\*.*$/m.exec(summary)?.[0] ?? '';
  const claims = new Map<string, string>();
  for (const part of line.split(/;\s*/)) {
    const m = /^\*\*([^*]+):\*\*\s*(.*)$/.exec(part.trim());
    if (!m) continue;
    for (const label of m[2].split(/,\s*/)) claims.set(label.trim(), m[1]);
  }
  return claims;
}

/**
 * Report vs. /requests: what the summary's Applied line (and, where present, the `changes` output's `state`) says
 * of each resource against the writes the twin really served. A write that landed must not be called "not changed"
 * (or go unmentioned); a resource called "changed"/"verified" must have been written. "Written, not verified" and
 * "outcome unknown" are honest hedges either way.
 */
export function honestyFindings(
  run: { outputs: Record<string, string>; summary: string },
  twin: Twin,
  cell: Cell
): string[] {
  let rows: { resource: string; state?: string }[] = [];
  try {
    rows = JSON.parse(run.outputs.changes ?? '[]') as typeof rows;
  } catch {
    return ['dishonest: the changes output is not JSON'];
  }
  const landed = landedWrites(twin.requests(), cell).map((p) => p.toLowerCase());
  const claims = summaryClaims(run.summary);
  const out: string[] = [];
  for (const r of WRITTEN) {
    const wrote = landed.includes(r.id.toLowerCase());
    const said = claims.get(r.label) ?? 'absent';
    const state = rows.find((x) => x.resource.toLowerCase() === r.id.toLowerCase())?.state;
    if ((said === 'changed' || state === 'verified') && !wrote)
      out.push(`dishonest: ${r.label} reported changed, never written`);
    if (wrote && (said === 'not changed' || said === 'absent'))
      out.push(`dishonest: ${r.label} written but reported ${said}`);
    if (wrote && state && ['not-written', 'not-attempted', 'in-sync'].includes(state)) {
      out.push(`dishonest: ${r.label} written but its changes rows say ${state}`);
    }
  }
  return out;
}

/** Paths of ARM writes the twin itself served with 2xx (the faulted request excluded: its answer was made up). */
function landedWrites(reqs: RequestRecord[], cell: Cell): string[] {
  let seen = 0;
  const out: string[] = [];
  for (const q of reqs) {
    const p = new URL(q.url).pathname;
    const matches = q.method === cell.method && p === cell.path;
    const faulted = matches && seen++ === cell.occurrence && 'respond' in faultFor(cell);
    if (!faulted && isArmWrite(q.method, p) && q.status >= 200 && q.status < 300) out.push(p);
  }
  return out;
}

/** Runs cells with bounded concurrency; `onCell` sees each result as it comes. */
export async function runMatrix(cells: Cell[], concurrency = 3, onCell?: (r: CellResult) => void) {
  const limit = pLimit(concurrency);
  return Promise.all(
    cells.map((c) =>
      limit(async () => {
        const r = await runCell(c);
        onCell?.(r);
        return r;
      })
    )
  );
}

/** The printed table: per fault kind, cells / survived / failed cleanly / lost / dishonest; then the totals. */
export function matrixTable(results: CellResult[]): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  const add = (k: string, r: CellResult) => {
    const row = (table[k] ??= { cells: 0, survived: 0, 'failed cleanly': 0, lost: 0, dishonest: 0 });
    row.cells++;
    row[r.verdict]++;
  };
  for (const r of results) {
    add(r.fault, r);
    add('all', r);
  }
  return table;
}

/** Failed runs per stopping mechanism (see {@link caughtBy}) and fault kind. */
export function caughtTable(results: CellResult[]): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const r of results.filter((x) => x.exit !== 0)) {
    const row = (table[r.caught] ??= {});
    row[r.fault] = (row[r.fault] ?? 0) + 1;
  }
  return table;
}

async function main() {
  const started = Date.now();
  const requests = await baselineRequests();
  const only = process.env.MATRIX_FAULTS?.split(',');
  const paths = process.env.MATRIX_PATHS ? new RegExp(process.env.MATRIX_PATHS) : undefined;
  const cells = cellsFor(requests).filter(
    (c) => (!only || only.includes(c.fault)) && (!paths || paths.test(`${c.method} ${c.path}`))
  );
  console.log(`fault matrix: ${requests.length} requests in a clean apply, ${cells.length} cells`);
  let done = 0;
  const results = await runMatrix(cells, Number(process.env.MATRIX_CONCURRENCY ?? 3), (r) => {
    if (++done % 20 === 0 || r.verdict === 'lost' || r.verdict === 'dishonest') {
      console.error(`${done}/${cells.length} … #${r.index} ${r.method} [${r.fault}] ${r.verdict}`);
    }
  });
  console.table(matrixTable(results));
  console.log('What stopped the runs that failed (mechanism × fault):');
  console.table(caughtTable(results));
  for (const r of results.filter((x) => x.verdict === 'lost' || x.verdict === 'dishonest')) {
    console.log(
      `${r.verdict}: #${r.index} ${r.method} ${r.path} [${r.fault}] exit ${r.exit}: ${r.findings.join(' | ')}`
    );
  }
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (results.some((x) => x.verdict === 'lost' || x.verdict === 'dishonest')) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) await main();
