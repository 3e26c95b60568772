/**
 * `npm run bench`: requests by kind and wall time of one target's `check` and `apply` (the bundled dist/index.js run
 * as the runner does) against the local twin, with and without an injected per-request delay on every request the
 * twin serves. Critical-path round trips — requests that had to wait for each other — two ways from the same runs:
 * `round trips` = (wall time with the delay − without) / delay (the action's own work between requests adds to it,
 * so it is noisy on a busy machine), and `path (log)` = the longest chain of requests each sent after the previous
 * one was answered, from the twin's log of the delayed run (criticalPath in ./twin-requests.ts). Goal for a no-drift
 * check: 4 (GitHub OIDC token, Entra token, one parallel round of ARM reads with each API's operations, one round of
 * operation-policy reads — at most `arm-max-in-flight` (16) in flight, so many operations add waves of 16, not one
 * round trip each).
 *
 * Kinds (by the twin listener that served the request, see ./twin-requests.ts): OIDC (GitHub's ID token), metadata
 * (the authority's OpenID configuration / instance discovery), token (Entra token endpoint), ARM read (GET and POST
 * list actions), ARM write (PUT/PATCH/DELETE), LRO poll (operation status / Location), Graph, data plane (the APIM
 * gateway and the Function host: smoke requests), GitHub (REST API: the PR comment).
 *
 * Each figure is the minimum of BENCH_RUNS runs (default 3). Prints figures; asserts nothing. `AFA_DIST=<bundle>`
 * benchmarks another build (e.g. the one before a change) with the same table.
 *
 * Then many targets (./targets.ts): check and apply over a targets file of 1 to 100 targets with 150 ms on every ARM
 * request. `npm run bench -- --only single` or `-- --only targets` runs one part; `BENCH_ONLY=<regex>` picks single
 * scenarios by name.
 * Then start-up (./startup.ts): bare Node next to the bundle's start before its first request, and what each file of
 * dist/ holds (`-- --only startup`).
 * Then the peer comparison (./peer.ts): the action next to an Azure CLI script doing the same job, paired runs
 * (BENCH_PEER_PAIRS, default 5), medians and ratio; skipped with a message without `az`. `BENCH_PEER_ONLY=1` (or
 * `-- --only peer`) runs only that; `BENCH_PEER=0` skips it.
 */
import { startEmulator, type TwinState } from '../emulator/index.js';
import { baseInputs, distEntry, runAction, scenario } from '../scripts/action-runner.js';
import { benchTargets } from './targets.js';
import { KINDS, countByKind, criticalPath, type ServedAt } from './twin-requests.js';
import { peerComparison } from './peer.js';
import { benchStartup } from './startup.js';

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 250);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Scenario {
  name: string;
  state: string;
  mode: 'check' | 'apply';
  smoke: boolean;
  /** `apis` APIs (orders, orders-2, …) with `operations` operations each (one in four with a policy), all in sync. */
  shape?: { apis: number; operations: number };
}

/**
 * The in-sync scenario with `apis` APIs — clones of `orders` with their own path and policy — each with exactly
 * `operations` operations, one in four of them with an operation policy that runs `<base />` first (in sync).
 */
function shaped(state: TwinState, apis: number, operations: number): { state: TwinState; apiIds: string[] } {
  const res = state.resources;
  const orders = Object.keys(res).find((k) => /\/apis\/orders$/.test(k))!;
  for (const k of Object.keys(res)) if (k.startsWith(`${orders}/operations/`)) delete res[k];
  const apiIds = Array.from({ length: apis }, (_, i) => (i === 0 ? 'orders' : `orders-${i + 1}`));
  for (const apiId of apiIds) {
    const id = orders.replace(/orders$/, apiId);
    res[id] ??= { ...structuredClone(res[orders]), id, name: apiId };
    res[`${id}/policies/policy`] ??= {
      ...structuredClone(res[`${orders}/policies/policy`]),
      id: `${id}/policies/policy`
    };
    for (let o = 0; o < operations; o++) {
      const op = `${id}/operations/op-${o}`;
      res[op] = {
        id: op,
        type: 'Microsoft.ApiManagement/service/apis/operations',
        name: `op-${o}`,
        properties: {
          displayName: `op ${o}`,
          method: 'GET',
          urlTemplate: `/op-${o}`,
          templateParameters: [],
          responses: []
        }
      };
      if (o % 4 === 0) {
        res[`${op}/policies/policy`] = {
          id: `${op}/policies/policy`,
          type: 'Microsoft.ApiManagement/service/apis/operations/policies',
          name: 'policy',
          properties: {
            format: 'rawxml',
            value: '<policies>\n    <inbound>\n        <base />\n    </inbound>\n</policies>'
          }
        };
      }
    }
  }
  return { state, apiIds };
}

async function once(s: Scenario, delayMs: number) {
  const built = s.shape ? shaped(scenario(s.state), s.shape.apis, s.shape.operations) : undefined;
  const state = built?.state ?? scenario(s.state);
  const served: ServedAt[] = [];
  const twin = await startEmulator(state, { log: (line) => served.push({ at: Date.now(), line }) });
  try {
    if (delayMs > 0) twin.addFaults([{ match: { pathRegex: '.*' }, delayMs, times: 100000 }]);
    const run = await runAction(twin, {
      ...baseInputs(state),
      mode: s.mode,
      'pr-comment': 'false',
      ...(built ? { 'api-ids': built.apiIds.join(',') } : {}),
      ...(s.smoke ? { 'smoke-path': '/orders' } : {})
    });
    const path = delayMs > 0 ? criticalPath(served, delayMs).depth : undefined;
    return { code: run.code, ms: run.ms, kinds: countByKind(twin), all: twin.requests().length, path };
  } finally {
    await twin.stop();
  }
}

async function best(s: Scenario, delayMs: number) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(s, delayMs));
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const SCENARIOS: Scenario[] = [
  { name: 'check, in sync', state: 'in-sync', mode: 'check', smoke: false },
  { name: 'check, drifted', state: 'drifted', mode: 'check', smoke: false },
  { name: 'apply, drifted', state: 'drifted', mode: 'apply', smoke: false },
  { name: 'apply, in sync', state: 'in-sync', mode: 'apply', smoke: false },
  { name: 'check, in sync, smoke', state: 'in-sync', mode: 'check', smoke: true },
  { name: 'apply, drifted, smoke', state: 'drifted', mode: 'apply', smoke: true },
  // Issue 9: the extra reads of the effective pipeline (operations, their policies).
  {
    name: 'check, 1 API × 1 operation',
    state: 'in-sync',
    mode: 'check',
    smoke: false,
    shape: { apis: 1, operations: 1 }
  },
  {
    name: 'check, 5 APIs × 20 operations',
    state: 'in-sync',
    mode: 'check',
    smoke: false,
    shape: { apis: 5, operations: 20 }
  }
];

async function benchOne(): Promise<void> {
  const rows = [];
  for (const s of SCENARIOS.filter((x) => !only || only.test(x.name))) {
    const base = await best(s, 0);
    const slow = await best(s, DELAY_MS);
    const kinds = Object.fromEntries(
      [...KINDS, 'other' as const].filter((k) => k !== 'other' || base.kinds.other > 0).map((k) => [k, base.kinds[k]])
    );
    rows.push({
      scenario: s.name,
      exit: base.code,
      all: base.all,
      ...kinds,
      'wall ms': base.ms,
      [`+${DELAY_MS} ms/req`]: slow.ms,
      'round trips': Math.round((slow.ms - base.ms) / DELAY_MS),
      'path (log)': slow.path
    });
  }
  console.log(`${distEntry}; node ${process.version}; ${RUNS} runs each, minimum shown`);
  console.table(rows);
}

const peerOnly = process.env.BENCH_PEER_ONLY === '1' || ONLY === 'peer';
const part = (name: string) => !peerOnly && (ONLY === undefined || ONLY === name);
if (part('single')) await benchOne();
if (part('targets')) await benchTargets();
if (part('startup')) await benchStartup();
if (process.env.BENCH_PEER !== '0' && (ONLY === undefined || ONLY === 'peer' || peerOnly)) await peerComparison();
