/**
 * Progress while the APIM service update runs (issue "Ready for users", item 4): createArmPort's `onPoll` is called
 * once per poll of the identity PATCH's long-running operation (the SDK poller's `onProgress`), against the local
 * Azure twin in-process, with `behaviour.lroPolls` "still running" answers before the operation completes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type Twin } from '../emulator/index.js';
import { applyEnv, loadScenario, trustTwin, workflowCredential } from '../emulator/__tests__/helpers.js';
import { createArmPort, type ApimUpdatePoll } from '../src/azure/arm.js';
import type { CloudEndpoints } from '../src/types.js';

const state = loadScenario('drifted');
state.behaviour = { ...state.behaviour, lroPolls: 2 };
const UAI = Object.keys(
  (
    Object.values(state.resources).find((r) => /\/service\/apim-x$/.test(String(r.id))) as {
      identity: { userAssignedIdentities: Record<string, unknown> };
    }
  ).identity.userAssignedIdentities
)[0]!;
let twin: Twin;
let restoreEnv: () => void;

beforeAll(async () => {
  twin = await startEmulator(state);
  trustTwin(twin.caPem);
  restoreEnv = applyEnv(twin);
});
afterAll(async () => {
  restoreEnv?.();
  await twin?.stop();
});

function port(onPoll?: (p: ApimUpdatePoll) => void) {
  const endpoints: CloudEndpoints = {
    armEndpoint: twin.armEndpoint,
    armScope: `${twin.armEndpoint}/.default`,
    authorityHost: twin.authorityHost,
    graphEndpoint: twin.graphEndpoint,
    graphScope: `${twin.graphEndpoint}/.default`
  };
  const target = {
    subscriptionId: state.subscriptionId,
    apimResourceGroup: 'rg-demo',
    apimName: 'apim-x',
    functionAppResourceGroup: 'rg-demo',
    functionAppName: 'func-x'
  };
  return createArmPort(workflowCredential(twin, state), endpoints, target, {
    lroIntervalMs: 10,
    ...(onPoll ? { onPoll } : {})
  });
}

describe('createArmPort onPoll (APIM update long-running operation)', () => {
  it('is called once per poll, numbered, with the status; the last one says succeeded', async () => {
    const polls: ApimUpdatePoll[] = [];
    await port((p) => polls.push(p)).patchApimService({
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI]: {} } }
    });
    expect(polls.length).toBeGreaterThanOrEqual(2); // at least one "running", then done
    expect(polls.map((p) => p.poll)).toEqual(polls.map((_, i) => i + 1));
    expect(polls.slice(0, -1).every((p) => p.status === 'running')).toBe(true);
    expect(polls.at(-1)!.status).toBe('succeeded');
    expect(polls[0].text).toMatch(/^APIM apim-x update: poll 1, running, \d+ s elapsed$/);
    expect(polls.every((p, i) => i === 0 || p.elapsedMs >= polls[i - 1].elapsedMs)).toBe(true);
  });

  it('an exception in the callback does not change the write; without onPoll nothing is reported', async () => {
    await expect(
      port(() => {
        throw new Error('logger broke');
      }).patchApimService({ identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI]: {} } } })
    ).resolves.toBeUndefined();
    await expect(
      port().patchApimService({
        identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI]: {} } }
      })
    ).resolves.toBeUndefined();
  });
});
