/**
 * Faults on every read kind of the effective pipeline (issue 9), end to end (dist/index.js against the twin): the
 * scenario hides a conflict behind all of them — an operation policy includes a fragment whose set-header is named
 * by a secret named value that says `Ocp-Apim-Subscription-Key` — so a run judged on a partial read would say "in
 * sync". Every cell must end with exit 1 and no write: either the conflict found (a transient fault retried away) or
 * the read named as failed (a broken 200, a fault that lasts). Never exit 0.
 */
import { describe, expect, it } from '@jest/globals';
import { addFragment, addNamedValue, addOperation, doc } from '../../emulator/__tests__/apim-state.js';
import type { Fault } from '../../emulator/src/server.js';
import { armWrites, baseInputs, runAction, scenario, withTwin } from '../../scripts/action-runner.js';

function hidden() {
  const s = scenario('in-sync');
  addOperation(s, {
    id: 'get-order',
    method: 'GET',
    urlTemplate: '/orders/{id}',
    policy: doc('<base />\n        <include-fragment fragment-id="partner" />')
  });
  addOperation(s, { id: 'list-orders', method: 'GET', urlTemplate: '/orders' });
  addFragment(
    s,
    'partner',
    '<fragment>\n    <set-header name="{{key-header}}" exists-action="override"><value>x</value></set-header>\n</fragment>'
  );
  addNamedValue(s, 'key-header', { value: 'Ocp-Apim-Subscription-Key', secret: true });
  return s;
}

const KINDS = {
  operations: { method: 'GET', pathRegex: '/apis/orders/operations(\\?|$)' },
  'operation policy': { method: 'GET', pathRegex: '/operations/get-order/policies/policy(\\?|$)' },
  fragment: { method: 'GET', pathRegex: '/policyFragments/partner(\\?|$)' },
  'named values': { method: 'GET', pathRegex: '/service/apim-x/namedValues(\\?|$)' },
  listValue: { method: 'POST', pathRegex: '/namedValues/key-header/listValue(\\?|$)' }
} as const;

/** A 200 that does not carry what was asked for, per read kind. */
const BROKEN: Record<keyof typeof KINDS, unknown> = {
  operations: { value: [null] },
  'operation policy': { properties: { format: 'rawxml', value: '<policies>\n<inbound>\n<base />\n<set-he' } },
  fragment: { properties: { format: 'rawxml', value: '<fragment>\n    <set-header name="Au' } },
  'named values': {},
  listValue: {}
};

const FOUND =
  /policy fragment partner \(included by operation get-order, line \d+\): <set-header name="\{\{key-header\}\}"/;

describe('faults on the reads of the effective pipeline: check never passes on a partial read', () => {
  const cells = (Object.keys(KINDS) as (keyof typeof KINDS)[]).flatMap((kind) => [
    [kind, '500 once (retried)', { respond: { status: 500, body: { error: { code: 'InternalServerError' } } } }],
    [kind, 'a 200 without the content', { respond: { status: 200, body: BROKEN[kind] }, times: 3 }]
  ]) as [keyof typeof KINDS, string, Omit<Fault, 'match'>][];

  it.each(cells)('%s: %s → exit 1, nothing written', async (kind, fault, spec) => {
    const s = hidden();
    await withTwin(s, async (t) => {
      t.addFaults([{ match: KINDS[kind], times: 1, ...spec }]);
      const r = await runAction(t, { ...baseInputs(s), mode: 'check', 'pr-comment': 'false' });
      const err = /::error[^:]*::(.*)/.exec(r.stdout)?.[1] ?? '';
      expect({ code: r.code, writes: armWrites(t) }).toEqual({ code: 1, writes: [] });
      if (fault.startsWith('500')) expect(err).toMatch(FOUND);
      else expect(err).toMatch(/answered without the content this action relies on/);
    });
  });
});
