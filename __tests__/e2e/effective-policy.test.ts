/**
 * End to end (dist/index.js against the twin, whose gateway runs the effective pipeline): each "Why" case of issue 9.
 * Before, check said "in sync" and apply reported success for the first three, rewrote the named-value reference
 * for the fourth and refused the Key Vault lookup's whole policy for the fifth.
 * - An operation policy that puts the key back after its <base />, one without <base />, a fragment included after
 *   the owned element that replaces Authorization: check fails naming the operation / fragment, element and line;
 *   apply writes nothing; operation policies and fragments are never written.
 * - A policy whose owned element says resource="{{orders-app-id}}": in sync; when another owned element is missing,
 *   apply writes it and the reference survives; a second apply writes nothing. token-resource may be {{name}}.
 * - A Key Vault lookup (managed identity for https://vault.azure.net kept in a variable for send-request): the
 *   lookup is kept byte for byte and the owned element added; the gateway then sends the Function's token.
 */
import { describe, expect, it } from '@jest/globals';
import type { TwinState } from '../../emulator/src/contracts.js';
import { armWrites, baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import { changesOf, expectIdempotentAndClean, policyOf, setPolicy } from './helpers.js';

const errorLine = (stdout: string) => stdout.split('\n').find((l) => /^::error[^:]*::/.test(l)) ?? '';

/** Every stored resource under the APIM service other than the API policy (operations, their policies, fragments). */
function userOwned(state: TwinState): string {
  const out = Object.entries(state.resources)
    .filter(([id]) => /\/(operations|policyFragments|namedValues)\//i.test(id))
    .map(([id, body]) => [id, (body.properties as { value?: unknown } | undefined)?.value]);
  return JSON.stringify(out);
}

/** The ARM reads the action made of operations, operation policies and fragments (paths only). */
function pipelineReads(t: Twin): string[] {
  return t
    .requests()
    .filter((r) => r.method === 'GET' && /\/(operations|policyFragments)/.test(r.url))
    .map((r) => decodeURIComponent(new URL(r.url).pathname).replace(/^.*\/service\/apim-x/, ''));
}

const refused: [string, string, RegExp][] = [
  [
    'an operation policy that puts the key back after <base />',
    'effective-op-key',
    /operation list-orders of API orders: <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"> at line \d+ runs after <base \/> \(line \d+\).*puts the subscription key back.*remove it from the operation policy/
  ],
  [
    'an operation policy without <base /> in <inbound>',
    'effective-op-no-base',
    /operation list-orders of API orders: <inbound> at line \d+ has no <base \/>, so the API policy's <inbound>.*does not run for this operation.*Add <base \/>/
  ],
  [
    'a fragment included after the owned element that replaces Authorization',
    'effective-fragment-auth',
    /policy fragment legacy-partner-auth \(included by API policy orders, line \d+\): <set-header name="Authorization" exists-action="override"> at line \d+ .*replaces the Authorization header.*remove it from policy fragment "legacy-partner-auth"/
  ]
];

describe('effective pipeline: what runs before the Function is judged per operation', () => {
  it.each(refused)(
    '%s: check and apply exit 1 naming the scope, element and line; nothing is written',
    async (_n, name, re) => {
      const s = scenario(name);
      await withTwin(s, async (t) => {
        const before = { api: policyOf(t.getState()), user: userOwned(t.getState()) };
        for (const mode of ['check', 'apply']) {
          const r = await runAction(t, { ...baseInputs(s), mode, 'smoke-path': '/orders' });
          const err = errorLine(r.stdout);
          expect({ mode, code: r.code }).toEqual({ mode, code: 1 });
          expect(err).toMatch(
            /Nothing was changed: API policy orders: what runs before the Function undoes the managed-identity setup/
          );
          expect(err).toMatch(re);
          expect(err).toMatch(/never changes operation policies or policy fragments/);
          expect(r.stdout).not.toMatch(/API policy orders: in sync/);
          expect(r.summary).toContain('failed');
        }
        expect(armWrites(t)).toEqual([]);
        expect({ api: policyOf(t.getState()), user: userOwned(t.getState()) }).toEqual(before);
        expect(pipelineReads(t).some((p) => /\/apis\/orders\/operations$/.test(p))).toBe(true);
      });
    }
  );

  it('the same operation policy with the key restored BEFORE <base />: in sync (the API policy deletes it after)', async () => {
    const s = scenario('effective-op-key');
    const id = Object.keys(s.resources).find((k) => /operations\/list-orders\/policies\/policy$/.test(k))!;
    const props = s.resources[id].properties as { value: string };
    props.value = props.value
      .replace('        <base />\n', '')
      .replace('    </inbound>', '        <base />\n    </inbound>');
    expect(props.value).toMatch(/Subscription-Key[\s\S]*<base \/>\s*<\/inbound>/);
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'check', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/API policy orders: in sync/);
    });
  });

  it('resource="{{orders-app-id}}": in sync; apply of a missing delete keeps the reference; a second apply writes nothing', async () => {
    const s = scenario('effective-named-value');
    await withTwin(s, async (t) => {
      const check = await runAction(t, { ...baseInputs(s), mode: 'check', 'smoke-path': '/orders' });
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(/API policy orders: in sync/);
      // the value text {{environment-name}} is not needed by any judgement: never looked up
      expect(t.requests().some((r) => /environment-name/.test(decodeURIComponent(r.url)))).toBe(false);
    });
    const drifted = setPolicy(
      structuredClone(s),
      policyOf(s)!.replace(/\n\s*<set-query-parameter name="subscription-key" exists-action="delete" \/>/, '')
    );
    await withTwin(drifted, async (t) => {
      const r = await runAction(t, { ...baseInputs(drifted), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(changesOf(r.outputs).map((c) => c.field)).toEqual(['policy.set-query-parameter[subscription-key]']);
      expect(armWrites(t)).toHaveLength(1);
      const written = policyOf(t.getState())!;
      expect(written).toContain('<authentication-managed-identity resource="{{orders-app-id}}" />');
      expect(written).toContain('<value>{{environment-name}}</value>');
      await expectIdempotentAndClean(t, drifted);
    });
  });

  it('token-resource: {{orders-app-id}} — the element is added with the reference, Easy Auth gets the value, then idempotent', async () => {
    const s = scenario('effective-named-value');
    const app = s.appRegistrations[0].appId;
    setPolicy(
      s,
      policyOf(s)!.replace(/\n\s*<authentication-managed-identity resource="\{\{orders-app-id\}\}" \/>/, '')
    );
    const inputs = { ...baseInputs(s), 'token-resource': '{{orders-app-id}}' };
    await withTwin(s, async (t) => {
      const check = await runAction(t, { ...inputs, mode: 'check' });
      expect(check.code).toBe(1);
      expect(changesOf(check.outputs).map((c) => [c.field, c.after])).toEqual([
        ['policy.authentication-managed-identity', '{{orders-app-id}}']
      ]);
      const apply = await runAction(t, { ...inputs, mode: 'apply', 'smoke-path': '/orders' });
      expect(apply.code).toBe(0);
      expect(policyOf(t.getState())).toContain('<authentication-managed-identity resource="{{orders-app-id}}" />');
      expect(apply.summary).toContain(app); // the facts show the value the reference stands for
      const writes = armWrites(t).length;
      const again = await runAction(t, { ...inputs, mode: 'apply' });
      expect(again.code).toBe(0);
      expect(armWrites(t)).toHaveLength(writes);
    });
  });

  it('a Key Vault lookup kept in a variable: in sync as it is; without the owned element, apply adds it and keeps the lookup byte for byte', async () => {
    const inSync = scenario('effective-keyvault-lookup');
    await withTwin(inSync, async (t) => {
      const r = await runAction(t, { ...baseInputs(inSync), mode: 'check', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/API policy orders: in sync/);
    });
    const s = scenario('effective-keyvault-lookup-drifted');
    const before = policyOf(s)!;
    const lookup = before.slice(before.indexOf('        <!-- partner API key'), before.indexOf('    </inbound>'));
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(changesOf(r.outputs).map((c) => c.field)).toEqual(['policy.authentication-managed-identity']);
      const after = policyOf(t.getState())!;
      expect(after).toContain(lookup);
      expect(after.replace(/\n\s*<authentication-managed-identity resource="[0-9a-f-]{36}" \/>/, '')).toBe(before);
      expect(r.stdout).toMatch(/✓ gateway \(API orders\): expected 200, got 200/);
      await expectIdempotentAndClean(t, s);
    });
  });
});
