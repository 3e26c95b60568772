/**
 * End to end (dist/index.js against the twin): an API policy whose later <inbound> elements undo the owned ones is
 * refused before any write, in check and in apply mode — exit 1, zero ARM writes, and a message naming the element,
 * its line and the fix. Before the guard these runs said "in sync" while the subscription key reached the Function
 * or APIM's token was dropped. Also: a policy without <inbound> names its API once and says how to fix it.
 */
import { describe, expect, it } from '@jest/globals';
import { armWrites, baseInputs, runAction, scenario, withTwin } from '../../scripts/action-runner.js';
import { CALLER_EXPRESSION, policyOf, policyWithInbound, setPolicy } from './helpers.js';

const APP = '55555555-5555-4555-8555-555555555555';
const BASE = '        <base />';
const AUTH = `        <authentication-managed-identity resource="${APP}" />`;
const DELETE_KEY = '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
const DELETE_QUERY = '        <set-query-parameter name="subscription-key" exists-action="delete" />';
const SET_VARIABLE = `        <set-variable name="caller" value="${CALLER_EXPRESSION}" />`;

// The failure annotation, with or without properties (`::error title=apim-function-auth::…`).
const errorLine = (stdout: string) => stdout.split('\n').find((l) => /^::error[^:]*::/.test(l)) ?? '';

/** The in-sync policy (base, auth, delete, set-variable on lines 3-6) with `extra` lines appended to <inbound>. */
const mutated = (authLine = AUTH, ...extra: string[]) =>
  policyWithInbound([BASE, authLine, DELETE_KEY, SET_VARIABLE, ...extra].join('\n'));

const cases: [string, string, RegExp][] = [
  [
    '(a) a later set-header puts the subscription key back',
    mutated(
      AUTH,
      '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>@(context.Subscription.Key)</value></set-header>'
    ),
    /set-header name="Ocp-Apim-Subscription-Key" exists-action="override"> at line 7 .*subscription key back.*remove it or move it before <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"> \(line 5\)/
  ],
  [
    '(b) a later set-header deletes Authorization',
    mutated(AUTH, '        <set-header name="Authorization" exists-action="delete" />'),
    /set-header name="Authorization" exists-action="delete"> at line 7 .*deletes the Authorization header.*remove it or move it before <authentication-managed-identity> \(line 4\)/
  ],
  [
    '(c) a second direct authentication-managed-identity',
    mutated(AUTH, '        <authentication-managed-identity resource="https://vault.azure.net" />'),
    /a second direct <authentication-managed-identity resource="https:\/\/vault.azure.net"> at line 7 \(the managed one is at line 4\).*remove it/
  ],
  [
    '(e) the key copied into a query parameter, even before <base />',
    policyWithInbound(
      [
        '        <set-query-parameter name="k" exists-action="override"><value>@(context.Subscription.Key)</value></set-query-parameter>',
        BASE,
        AUTH,
        DELETE_KEY,
        DELETE_QUERY,
        SET_VARIABLE
      ].join('\n')
    ),
    /<set-query-parameter name="k" exists-action="override"> at line 3 in <inbound> copies the subscription key .*: remove it/
  ]
];

describe('policy guards: elements after the owned ones that undo them are refused before any write', () => {
  it.each(cases)(
    '%s: check and apply exit 1, no ARM write, the message names element, line and fix',
    async (_n, text, re) => {
      const s = setPolicy(scenario('in-sync'), text);
      await withTwin(s, async (t) => {
        for (const mode of ['check', 'apply']) {
          const r = await runAction(t, { ...baseInputs(s), mode, 'smoke-path': '/orders' });
          const err = errorLine(r.stdout);
          expect({ mode, code: r.code }).toEqual({ mode, code: 1 });
          expect(err).toMatch(
            /Nothing was changed: API policy orders: the policy has an element in <inbound> that undoes/
          );
          expect(err).toMatch(re);
          expect(err.split('API policy orders')).toHaveLength(2);
          expect(r.stdout).not.toMatch(/API policy orders: in sync/);
          expect(r.summary).toContain('failed');
        }
        expect(armWrites(t)).toEqual([]);
        expect(policyOf(t.getState())).toBe(text);
      });
    }
  );

  it('(d) output-token-variable-name on an element for the Function: a lookup (issue 9), kept byte for byte; the owned element is added', async () => {
    const lookup = `        <authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`;
    const text = mutated(lookup);
    const s = setPolicy(scenario('in-sync'), text);
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(armWrites(t)).toHaveLength(1);
      const after = policyOf(t.getState())!;
      expect(after).toContain(lookup);
      expect(after).toContain(`<authentication-managed-identity resource="${APP}" />`);
      expect(r.stdout).toMatch(/keeps a token for the Function's app in a variable \(a lookup/);
      const again = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(again.code).toBe(0);
      expect(armWrites(t)).toHaveLength(1);
    });
  });

  it('the same elements before the owned ones are fine: in sync, exit 0', async () => {
    const text = policyWithInbound(
      [
        '        <set-header name="Authorization" exists-action="delete" />',
        '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>x</value></set-header>',
        BASE,
        AUTH,
        DELETE_KEY,
        DELETE_QUERY,
        SET_VARIABLE
      ].join('\n')
    );
    const s = setPolicy(scenario('in-sync'), text);
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'check' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/API policy orders: in sync/);
      expect(armWrites(t)).toEqual([]);
    });
  });

  it('a policy with no <inbound>: the API is named once, and the message says what is wrong and how to fix it', async () => {
    const text = '<policies>\n    <outbound>\n        <base />\n    </outbound>\n</policies>';
    const s = setPolicy(scenario('in-sync'), text);
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = errorLine(r.stdout);
      expect(err).toMatch(/Nothing was changed: API policy orders: policy has no <inbound> section/);
      expect(err).toContain('Add "<inbound><base /></inbound>" to the API policy');
      expect(err).not.toMatch(/tokeniz/);
      expect(err.split('API policy orders')).toHaveLength(2);
      expect(armWrites(t)).toEqual([]);
    });
  });
});
