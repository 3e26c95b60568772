/**
 * End to end (dist/index.js against the twin): an API that renames its subscription-key header
 * (`properties.subscriptionKeyParameterNames.header = X-Api-Key`; Learn "Subscriptions in Azure API Management").
 * APIM forwards that header to the backend unless a policy deletes it, so the action must delete the API's header,
 * not `Ocp-Apim-Subscription-Key`. Before the fix the run exited 0 ("in sync", smoke passed) while the key reached
 * the Function. The twin's Function host answers with `x-twin-received-headers` (header names only, never values).
 */
import { describe, expect, it } from '@jest/globals';
import { armWrites, baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import {
  changesOf,
  expectIdempotentAndClean,
  ids,
  namesReceivedByFunction,
  policyOf,
  resourceOf,
  successfulArmWrites
} from './helpers.js';
import { subscriptionKeys } from './smoke-helpers.js';
import { ownedState } from '../../src/policy/index.js';

/** The in-sync scenario with the orders API's subscription-key header renamed to X-Api-Key. */
function renamedState() {
  const s = scenario('in-sync');
  const api = resourceOf(s, ids(s).api)!;
  (api.properties as Record<string, unknown>).subscriptionKeyParameterNames = {
    header: 'X-Api-Key',
    query: 'subscription-key'
  };
  return s;
}

/** Header names the Function received for one call through the gateway with the key in X-Api-Key. */
/** What the Function received through the gateway: its echo of names, never values. */
function receivedThroughGateway(t: Twin, key: string) {
  return namesReceivedByFunction(t, { headers: { 'X-Api-Key': key }, echo: 'x-twin-received-headers' });
}

describe('an API with a renamed subscription-key header (X-Api-Key)', () => {
  it('apply deletes X-Api-Key (the key no longer reaches the Function), a second apply writes nothing, check is clean', async () => {
    const s = renamedState();
    const key = subscriptionKeys(s).primaryKey;
    await withTwin(s, async (t) => {
      // The premise: with only the Ocp-Apim-Subscription-Key delete, the Function receives X-Api-Key.
      const before = await receivedThroughGateway(t, key);
      expect(before.status).toBe(200);
      expect(before.names).toContain('x-api-key');

      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(changesOf(r.outputs).map((c) => c.field)).toEqual(['policy.set-header[X-Api-Key]']);
      const stored = policyOf(t.getState())!;
      expect(stored).toMatch(/<set-header name="X-Api-Key" exists-action="delete" ?\/>/);
      // the earlier Ocp-Apim-Subscription-Key delete is harmless and kept
      expect(stored).toMatch(/<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" ?\/>/);
      expect(ownedState(stored, { keyHeader: 'X-Api-Key' })).toMatchObject({
        authPresent: true,
        deletesSubscriptionKey: true
      });
      expect(successfulArmWrites(t)).toHaveLength(1);
      expect(r.outputs['smoke-result']).toBe('passed');

      const after = await receivedThroughGateway(t, key);
      expect(after.status).toBe(200);
      expect(after.names).not.toContain('x-api-key');
      expect(after.names).toContain('authorization');

      await expectIdempotentAndClean(t, s);
    });
  });

  it('a later <backend> set-header that restores X-Api-Key is refused before any write', async () => {
    const s = renamedState();
    const text = policyOf(s)!.replace(
      '    <backend>\n        <base />',
      '    <backend>\n        <base />\n        <set-header name="x-api-key" exists-action="override"><value>k</value></set-header>'
    );
    const id = ids(s).policy;
    (resourceOf(s, id)!.properties as Record<string, unknown>).value = text;
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /API policy orders: the policy has an element in <backend> .*<set-header name="x-api-key" exists-action="override"> at line 11 is in <backend>/
      );
      expect(armWrites(t)).toEqual([]);
    });
  });
});
