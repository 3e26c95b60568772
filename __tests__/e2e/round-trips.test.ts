/**
 * End-to-end (dist/index.js against the twin), issue "Fast and faithful" items 1–2: one sign-in per run and the
 * round-trip floor. Requests are counted by kind from the twin's request log (bench/twin-requests.ts); critical-path
 * round trips are measured with a fixed delay on every request the twin serves (criticalPath: the longest chain of
 * requests each sent after the previous one was answered), which unlike the wall-time method does not depend on the
 * machine's speed.
 */
import { describe, expect, it } from '@jest/globals';
import { startEmulator, type TwinState } from '../../emulator/index.js';
import { countByKind, criticalPath, type RequestKind, type ServedAt } from '../../bench/twin-requests.js';
import { armWrites, baseInputs, runAction, scenario, type ActionRun, type Twin } from '../../scripts/action-runner.js';

const DELAY_MS = 300;

/** Runs the action once on a fresh twin of `state`, every request delayed by DELAY_MS; the twin is stopped after. */
async function delayedRun(
  state: TwinState,
  inputs: Record<string, string>
): Promise<{ run: ActionRun; kinds: Record<RequestKind, number>; served: ServedAt[]; twin: Twin }> {
  const served: ServedAt[] = [];
  const twin = await startEmulator(state, { log: (line) => served.push({ at: Date.now(), line }) });
  try {
    twin.addFaults([{ match: { pathRegex: '.*' }, delayMs: DELAY_MS, times: 100000 }]);
    const run = await runAction(twin, { ...baseInputs(state), 'pr-comment': 'false', ...inputs });
    return { run, kinds: countByKind(twin), served, twin };
  } finally {
    await twin.stop();
  }
}

describe('one sign-in per run, and the round-trip floor', () => {
  it('a no-drift check: 1 GitHub OIDC token, metadata at most once, 1 ARM token + the pre-flight token in parallel, ≤ 4 round trips', async () => {
    const state = scenario('in-sync');
    const { run, kinds, served } = await delayedRun(state, { mode: 'check' });
    expect(run.code).toBe(0);
    expect(run.outputs.drift).toBe('false');
    // The check ran the same Entra pre-flight as apply.
    expect(run.stdout).toContain(`app-client-id ${state.appRegistrations[0].appId}: known to Entra ID`);
    expect(kinds.OIDC).toBe(1);
    expect(kinds.metadata).toBeLessThanOrEqual(1);
    expect(kinds.token).toBe(2); // ARM, and the Function's app (the pre-flight)
    expect(kinds['ARM write']).toBe(0);
    // GitHub OIDC token (with the metadata alongside) → ARM token → one parallel round of ARM reads (+ pre-flight,
    // + each API's operations) → one parallel round of operation-policy reads (issue 9: they need the operation IDs).
    const path = criticalPath(served, DELAY_MS);
    expect(path.depth <= 4 ? 'at most 4' : `${path.depth}:\n${path.chain.join('\n')}`).toBe('at most 4');
  });

  it('a no-drift check with 40 operations (6 with a policy): the operation policies are read in bounded parallel waves, not one by one', async () => {
    const state = scenario('in-sync');
    const api = Object.keys(state.resources).find((k) => /\/apis\/orders$/.test(k))!;
    for (let i = 0; i < 40; i++) {
      const id = `${api}/operations/op-${i}`;
      state.resources[id] = {
        id,
        type: 'Microsoft.ApiManagement/service/apis/operations',
        name: `op-${i}`,
        properties: {
          displayName: `op ${i}`,
          method: 'GET',
          urlTemplate: `/op-${i}`,
          templateParameters: [],
          responses: []
        }
      };
      if (i % 8 === 0 || i === 39) {
        state.resources[`${id}/policies/policy`] = {
          id: `${id}/policies/policy`,
          type: 'Microsoft.ApiManagement/service/apis/operations/policies',
          name: 'policy',
          properties: { format: 'rawxml', value: '<policies><inbound><base /></inbound></policies>' }
        };
      }
    }
    const { run, kinds, served } = await delayedRun(state, { mode: 'check' });
    expect(run.code).toBe(0);
    expect(kinds['ARM read']).toBeGreaterThanOrEqual(42); // every operation's policy was read
    const path = criticalPath(served, DELAY_MS);
    // 42 operation policies at most 8 in flight: about ceil(42/8) = 6 waves after the list (a slot freed a little
    // later than the others may carry one more), instead of 42 sequential round trips.
    const bound = 3 + Math.ceil(42 / 8) + 1;
    expect(path.depth <= bound ? 'bounded' : `${path.depth}:\n${path.chain.join('\n')}`).toBe('bounded');
  });

  it('an apply with smoke on a drifted target: 1 GitHub OIDC token for the whole run, one token request per audience', async () => {
    const state = scenario('drifted');
    const { run, kinds, twin } = await delayedRun(state, { mode: 'apply', 'smoke-path': '/orders' });
    expect(run.code).toBe(0);
    expect(run.outputs['smoke-result']).toBe('passed');
    expect(armWrites(twin).length).toBeGreaterThan(0);
    expect(kinds.OIDC).toBe(1);
    expect(kinds.metadata).toBeLessThanOrEqual(1);
    // ARM and the Function's app: the pre-flight's token is the one the foreign-token smoke check sends.
    expect(kinds.token).toBe(2);
    expect(kinds['data plane']).toBeGreaterThan(0);
  });

  it('check mode fails on a token-resource Entra refuses (AADSTS500011) with the pre-flight message, asked once, nothing written', async () => {
    const state = scenario('in-sync');
    const bad = `api://${state.appRegistrations[0].appId}`; // not in the app's identifierUris
    const twin = await startEmulator(state);
    try {
      const run = await runAction(twin, {
        ...baseInputs(state),
        mode: 'check',
        'pr-comment': 'false',
        'token-resource': bad,
        'smoke-path': '/orders'
      });
      expect(run.code).toBe(1);
      const error = run.stdout.split('\n').find((l) => l.startsWith('::error'));
      expect(error).toMatch(
        new RegExp(`token-resource '${bad}' is not known to Entra ID in this tenant \\(AADSTS500011\\)`)
      );
      expect(error).toMatch(/an object ID is never valid/);
      expect(armWrites(twin)).toEqual([]);
      const kinds = countByKind(twin);
      expect(kinds.OIDC).toBe(1);
      expect(kinds.token).toBe(3); // ARM, the app, the refused App ID URI — each once
    } finally {
      await twin.stop();
    }
  });
});
