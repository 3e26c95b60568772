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
  it('a no-drift check: 1 GitHub OIDC token, metadata at most once, 1 ARM token + the pre-flight token in parallel, ≤ 3 round trips', async () => {
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
    // GitHub OIDC token (with the metadata alongside) → ARM token → one parallel round of ARM reads (+ pre-flight).
    const path = criticalPath(served, DELAY_MS);
    expect(path.depth <= 3 ? 'at most 3' : `${path.depth}:\n${path.chain.join('\n')}`).toBe('at most 3');
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
