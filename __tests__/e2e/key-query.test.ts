/**
 * End to end (dist/index.js against the twin): the subscription key sent as a query parameter
 * (`?subscription-key=…`, the API's `subscriptionKeyParameterNames.query`). Learn "Subscriptions in Azure API
 * Management": "When included in a request header or query parameter, the subscription key by default is passed to
 * the backend"; a `set-query-parameter … exists-action="delete"` policy removes it. The twin's Function host answers
 * with `x-twin-received-query` (query parameter names only, never values).
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

/** The in-sync scenario as it was before the query delete was owned: header delete only. */
function headerOnlyState() {
  const s = scenario('in-sync');
  const id = ids(s).policy;
  const props = resourceOf(s, id)!.properties as Record<string, unknown>;
  props.value = String(props.value).replace(
    /\n *<set-query-parameter name="subscription-key" exists-action="delete" \/>/,
    ''
  );
  return s;
}

/** Query parameter names the Function received for one call through the gateway with the key in the query. */
/** What the Function received through the gateway: its echo of names, never values. */
function receivedThroughGateway(t: Twin, key: string) {
  return namesReceivedByFunction(t, {
    query: `?subscription-key=${encodeURIComponent(key)}&page=2`,
    echo: 'x-twin-received-query'
  });
}

describe('the subscription key in the query string (subscription-key)', () => {
  it('apply deletes the query parameter (the key no longer reaches the Function), a second apply writes nothing, check is clean', async () => {
    const s = headerOnlyState();
    expect(policyOf(s)).not.toContain('set-query-parameter');
    const key = subscriptionKeys(s).primaryKey;
    await withTwin(s, async (t) => {
      const before = await receivedThroughGateway(t, key);
      expect(before.status).toBe(200);
      expect(before.names).toEqual(['page', 'subscription-key']);

      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(changesOf(r.outputs).map((c) => c.field)).toEqual(['policy.set-query-parameter[subscription-key]']);
      const stored = policyOf(t.getState())!;
      expect(stored).toMatch(
        /<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" ?\/>\s*<set-query-parameter name="subscription-key" exists-action="delete" ?\/>/
      );
      expect(ownedState(stored)).toMatchObject({ deletesSubscriptionKey: true, deletesSubscriptionKeyQuery: true });
      expect(successfulArmWrites(t)).toHaveLength(1);

      const after = await receivedThroughGateway(t, key);
      expect(after.status).toBe(200);
      expect(after.names).toEqual(['page']);

      await expectIdempotentAndClean(t, s);
    });
  });

  it('a later <backend> set-query-parameter that restores subscription-key is refused before any write', async () => {
    const s = scenario('in-sync');
    const text = policyOf(s)!.replace(
      '    <backend>\n        <base />',
      '    <backend>\n        <base />\n        <set-query-parameter name="subscription-key" exists-action="override"><value>k</value></set-query-parameter>'
    );
    (resourceOf(s, ids(s).policy)!.properties as Record<string, unknown>).value = text;
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /API policy orders: the policy has an element in <backend> .*<set-query-parameter name="subscription-key" exists-action="override"> at line 11 is in <backend>/
      );
      expect(armWrites(t)).toEqual([]);
    });
  });
});
