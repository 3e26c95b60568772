/**
 * `npm run bench`: ARM request counts and wall time of one target's `check` and `apply` against the twin, with and
 * without an injected per-request delay, and the critical-path round trips that delay reveals
 * ((wall with delay − wall without) / delay). Goal for a no-drift check: token + one parallel round of reads.
 * Prints figures; asserts nothing.
 */
import { baseInputs, runAction, scenario, withTwin } from '../scripts/action-runner.js';
import type { TwinState } from '../emulator/src/contracts.js';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 100);

async function measure(name: string, stateName: string, mode: 'check' | 'apply', delayMs: number) {
  const state: TwinState = scenario(stateName);
  return withTwin(state, async (twin) => {
    if (delayMs > 0) {
      await fetch(`${twin.adminUrl}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ match: { pathRegex: '.*' }, delayMs, times: 100000 }])
      });
    }
    const before = twin.requests().length;
    const run = await runAction(twin, { ...baseInputs(state), mode, 'pr-comment': 'false' });
    const reqs = twin.requests().slice(before);
    const arm = reqs.filter((r) => /\/subscriptions\//i.test(r.url));
    const writes = arm.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    return { name, mode, delayMs, code: run.code, ms: run.ms, requests: reqs.length, arm: arm.length, writes: writes.length };
  });
}

const rows = [];
for (const [name, stateName, mode] of [
  ['check, no drift', 'in-sync', 'check'],
  ['check, drift', 'drifted', 'check'],
  ['apply, drifted', 'drifted', 'apply'],
  ['apply, no drift', 'in-sync', 'apply']
] as const) {
  const base = await measure(name, stateName, mode, 0);
  const slow = await measure(name, stateName, mode, DELAY_MS);
  rows.push({
    scenario: name,
    exit: base.code,
    'requests (all)': base.requests,
    'ARM requests': base.arm,
    'ARM writes': base.writes,
    'wall ms': base.ms,
    [`wall ms (+${DELAY_MS} ms/request)`]: slow.ms,
    'critical-path round trips': Math.round((slow.ms - base.ms) / DELAY_MS)
  });
}
console.table(rows);
