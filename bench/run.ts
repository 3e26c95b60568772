/**
 * `npm run bench`: request counts and wall time of one target's `check` and `apply` (the bundled dist/index.js run
 * as the runner does) against the local twin, with and without an injected per-request delay on every request the
 * twin serves. The difference in wall time divided by the delay gives the critical-path round trips — requests that
 * had to wait for each other. Goal for a no-drift check: sign-in + one parallel round of reads.
 * Each figure is the minimum of BENCH_RUNS runs (default 3). Prints figures; asserts nothing.
 */
import { baseInputs, runAction, scenario, withTwin } from '../scripts/action-runner.js';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 250);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function once(stateName: string, mode: 'check' | 'apply', delayMs: number) {
  const state = scenario(stateName);
  return withTwin(state, async (twin) => {
    if (delayMs > 0) twin.addFaults([{ match: { pathRegex: '.*' }, delayMs, times: 100000 }]);
    const run = await runAction(twin, { ...baseInputs(state), mode, 'pr-comment': 'false' });
    const reqs = twin.requests();
    const arm = reqs.filter((r) => /\/subscriptions\//i.test(r.url));
    return {
      code: run.code,
      ms: run.ms,
      signIn: reqs.filter((r) => /idtoken|openid-configuration|oauth2/.test(r.url)).length,
      armReads: arm.filter((r) => r.method === 'GET' || /\/list\?|listSecrets/.test(r.url)).length,
      armWrites: arm.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method)).length,
      lroPolls: arm.filter((r) => /operationresults/i.test(r.url)).length,
      all: reqs.length
    };
  });
}

async function best(stateName: string, mode: 'check' | 'apply', delayMs: number) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(stateName, mode, delayMs));
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

const rows = [];
for (const [name, stateName, mode] of [
  ['check, in sync', 'in-sync', 'check'],
  ['check, drifted', 'drifted', 'check'],
  ['apply, drifted', 'drifted', 'apply'],
  ['apply, in sync', 'in-sync', 'apply']
] as const) {
  const base = await best(stateName, mode, 0);
  const slow = await best(stateName, mode, DELAY_MS);
  rows.push({
    scenario: name,
    exit: base.code,
    'requests (all)': base.all,
    'sign-in requests': base.signIn,
    'ARM reads': base.armReads,
    'ARM writes': base.armWrites,
    'LRO polls': base.lroPolls,
    'wall ms': base.ms,
    [`wall ms (+${DELAY_MS} ms/req)`]: slow.ms,
    'critical-path round trips': Math.round((slow.ms - base.ms) / DELAY_MS)
  });
}
console.log(`node ${process.version}; ${RUNS} runs each, minimum shown; smoke skipped (no smoke-path)`);
console.table(rows);
