/**
 * End to end, field cases about verification (shared/cases/field-cases.md): C14 (excluded health paths and the
 * smoke path), C15 (function keys behind APIM backend credentials; which layer answered a 401; subscription-key
 * problems are test setup, not drift), C17 (propagation: bounded retries, budget exhausted → "not yet propagated").
 * The bundled action runs against the twin; scenario states are built here from emulator/scenarios.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator } from '../../emulator/index.js';
import type { Json, TwinState } from '../../emulator/src/contracts.js';
import { armWrites, baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import {
  authSettingsOf,
  errorMessage,
  IDS,
  plain,
  policyDoc,
  policyOf,
  routeOf,
  row,
  setPolicy,
  smokeRows,
  stateOf,
  subscriptionKeys,
  warnings
} from './smoke-helpers.js';

const HEALTH = '/api/health';

describe('C14: health path excluded from Easy Auth', () => {
  let twin: Twin;
  let state: TwinState;

  beforeAll(async () => {
    state = scenario('drifted');
    (authSettingsOf(state)['globalValidation'] as Json)['excludedPaths'] = [HEALTH];
    const site = state.resources[IDS.site]!['properties'] as { siteConfig: { healthCheckPath: string } };
    expect(site.siteConfig.healthCheckPath).toBe(HEALTH);
    twin = await startEmulator(state);
  });
  afterAll(() => twin?.stop());

  it.each(['/health', '/HEALTH/'])(
    'C14: smoke-path %s reaches the excluded health path → refused before any write, excluded paths listed',
    async (smokePath) => {
      const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': smokePath });
      expect(r.code).toBe(1);
      expect(armWrites(twin)).toEqual([]);
      const msg = errorMessage(r.stdout);
      expect(msg).toMatch(/excludes from authentication/);
      expect(msg).toContain(`Excluded paths: ${HEALTH}`);
      // No smoke request was sent either.
      const site = twin.hostMap['func-x.azurewebsites.net']!;
      expect(twin.requests().filter((q) => q.url.startsWith(`https://${site}/`))).toEqual([]);
      expect(r.outputs['smoke-result']).toBe('skipped');
    }
  );

  it('C14: a different smoke path → apply passes, excludedPaths and healthCheckPath kept, the report lists the excluded paths', async () => {
    const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders' });
    expect(r.code).toBe(0);
    expect(r.outputs['smoke-result']).toBe('passed');
    const s = stateOf(twin);
    const gv = authSettingsOf(s)['globalValidation'] as Json;
    expect(gv['requireAuthentication']).toBe(true);
    expect(gv['excludedPaths']).toEqual([HEALTH]);
    expect((s.resources[IDS.site]!['properties'] as { siteConfig: Json }).siteConfig['healthCheckPath']).toBe(HEALTH);
    expect(r.summary).toContain(`Excluded paths (no auth): \`${HEALTH}\``);
    expect(row(r.summary, 'no token').got).toBe('401 (Bearer challenge)');
  });
});

/** drifted + C15: policy routes to an APIM backend whose credentials carry the function key from a named value. */
function c15State(withCredentials = true): TwinState {
  const state = scenario('drifted');
  setPolicy(state, policyDoc('<base />\n        <set-backend-service backend-id="func-x" />'));
  state.resources[IDS.backend('func-x')] = {
    id: IDS.backend('func-x'),
    type: 'Microsoft.ApiManagement/service/backends',
    name: 'func-x',
    properties: {
      url: 'https://func-x.azurewebsites.net/api',
      protocol: 'http',
      ...(withCredentials ? { credentials: { header: { 'x-functions-key': ['{{func-x-key}}'] } } } : {})
    }
  };
  state.resources[IDS.namedValue('func-x-key')] = {
    id: IDS.namedValue('func-x-key'),
    type: 'Microsoft.ApiManagement/service/namedValues',
    name: 'func-x-key',
    properties: { displayName: 'func-x-key', value: state.functionKeys![IDS.site]![0], secret: true, tags: [] }
  };
  routeOf(state).authLevel = 'function';
  return state;
}

describe('C15: function key in backend credentials, Easy Auth in front, subscription key at the gateway', () => {
  let twin: Twin;
  let state: TwinState;

  beforeAll(async () => {
    state = c15State();
    twin = await startEmulator(state);
  });
  afterAll(() => twin?.stop());

  it('C15: apply keeps set-backend-service and the backend credentials, deletes only the subscription key (header and query); gateway 2xx; direct 401 is Easy Auth', async () => {
    const key = subscriptionKeys(state).primaryKey;
    const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders', 'subscription-key': key });
    expect(r.code).toBe(0);
    expect(r.outputs['smoke-result']).toBe('passed');
    const s = stateOf(twin);
    const policy = policyOf(s);
    expect(policy).toMatch(/<set-backend-service backend-id="func-x" \/>/);
    expect(policy).toMatch(/<authentication-managed-identity resource="55555555-5555-4555-8555-555555555555" \/>/);
    expect(policy).toMatch(/<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" \/>/);
    expect(policy).toMatch(/<set-query-parameter name="subscription-key" exists-action="delete" \/>/);
    // Only the subscription key (header and query parameter) is deleted; nothing else (x-functions-key stays).
    expect(policy.match(/exists-action="delete"/g)).toHaveLength(2);
    expect(policy).not.toMatch(/x-functions-key/i);
    // Backend and named value untouched (nothing wrote them).
    expect(s.resources[IDS.backend('func-x')]).toEqual(state.resources[IDS.backend('func-x')]);
    expect(s.resources[IDS.namedValue('func-x-key')]).toEqual(state.resources[IDS.namedValue('func-x-key')]);
    expect(armWrites(twin).filter((w) => /backends|namedValues/i.test(w.url))).toEqual([]);
    // The key was given: no listSecrets call.
    expect(twin.requests().filter((q) => /listSecrets/i.test(q.url))).toEqual([]);
    const gw = row(r.summary, 'gateway');
    expect(gw.ok).toBe(true);
    expect(gw.got).toMatch(/^2\d\d$/);
    const direct = row(r.summary, 'no token');
    expect(direct.ok).toBe(true);
    expect(direct.got).toBe('401 (Bearer challenge)');
    expect(direct.layer).toBe('easy-auth');
  });

  it('C15: a gateway 401 for an invalid subscription key is a test-configuration error, not drift (and not retried)', async () => {
    const r = await runAction(twin, {
      ...baseInputs(state),
      mode: 'check',
      'smoke-path': '/orders',
      'subscription-key': 'not-a-key-of-any-subscription'
    });
    expect(r.outputs['drift']).toBe('false');
    expect(r.outputs['smoke-result']).toBe('failed');
    expect(r.code).toBe(1);
    const gw = row(r.summary, 'gateway');
    expect(gw.got).toBe('401 (subscription key)');
    expect(gw.layer).toBe('apim');
    expect(gw.diagnosis).toMatch(/smoke-test setup problem, not drift/);
    expect(gw.attempts).toBe(1);
    expect(r.summary).not.toMatch(/drift found/);
    // The Function-side checks still pass: the configuration is right.
    expect(row(r.summary, 'no token').ok).toBe(true);
  });

  it('C15: no subscription key available (listSecrets refused) → a warning and a setup-problem result, not drift', async () => {
    twin.addFaults([
      {
        match: { method: 'POST', pathRegex: '/subscriptions/master/listSecrets' },
        respond: { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no listSecrets' } } }
      }
    ]);
    const r = await runAction(twin, { ...baseInputs(state), mode: 'check', 'smoke-path': '/orders' });
    expect(r.outputs['drift']).toBe('false');
    expect(r.code).toBe(1);
    expect(warnings(r.stdout).some((w) => /subscription-key/.test(w) && /master/.test(w))).toBe(true);
    const gw = row(r.summary, 'gateway');
    expect(gw.got).toBe('not sent');
    expect(gw.diagnosis).toMatch(/setup problem, not drift/);
  });
});

describe('C15: which layer answered a gateway 401', () => {
  it('C15: backend without the function key → gateway 401 without a Bearer challenge is attributed to the function key check', async () => {
    const state = c15State(false);
    await withTwin(state, async (twin) => {
      const key = subscriptionKeys(state).primaryKey;
      const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders', 'subscription-key': key });
      expect(r.code).toBe(1);
      const gw = row(r.summary, 'gateway');
      expect(gw.got).toBe('401 (no Bearer challenge)');
      expect(gw.layer).toBe('function-key');
      expect(gw.diagnosis).toMatch(/function key check/);
      // Easy Auth itself is right: the direct check still sees its Bearer challenge.
      expect(row(r.summary, 'no token')).toMatchObject({ ok: true, layer: 'easy-auth' });
    });
  });
});

describe('C17: propagation of Easy Auth changes', () => {
  it('C17: a 3 s propagation delay → apply passes after bounded retries; "after N attempts / S s"; the 24 h token-cache warning', async () => {
    const state = scenario('drifted');
    state.behaviour.authPropagationMs = 3000;
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(r.outputs['smoke-result']).toBe('passed');
      const direct = row(r.summary, 'no token');
      expect(direct.ok).toBe(true);
      expect(direct.attempts).toBeGreaterThan(1);
      // Bounded exponential backoff (1 s, 2 s, 4 s …): a 3 s delay needs few attempts and a few seconds.
      expect(direct.attempts).toBeLessThanOrEqual(5);
      expect(direct.seconds).toBeGreaterThanOrEqual(2);
      expect(direct.seconds).toBeLessThan(15);
      const note = new RegExp(
        `direct-no-token\\[orders\\] 401 \\(Bearer challenge\\) after ${direct.attempts} attempts / ${direct.seconds} s`
      );
      expect(plain(r.summary)).toMatch(note);
      expect(r.summary).toMatch(/up to 24 h/);
      expect(r.summary).not.toMatch(/not yet propagated/);
    });
  });

  it('C17: smoke-timeout-seconds shorter than the delay → fails with "not yet propagated" and the last result of each check', async () => {
    const state = scenario('drifted');
    state.behaviour.authPropagationMs = 10_000;
    await withTwin(state, async (twin) => {
      const started = Date.now();
      const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders', 'smoke-timeout-seconds': '1' });
      expect(Date.now() - started).toBeLessThan(8000);
      expect(r.code).toBe(1);
      expect(r.outputs['smoke-result']).toBe('failed');
      // The writes happened; only the proof is missing.
      expect(armWrites(twin).length).toBeGreaterThanOrEqual(3);
      const rows = smokeRows(r.summary);
      expect(rows).toHaveLength(3);
      const m = /not yet propagated: the smoke budget of 1 s is spent; last result per check: ([^\n]*)/.exec(
        plain(r.summary)
      );
      expect(m).not.toBeNull();
      const labels = ['gateway[orders]', 'direct-no-token[orders]', 'direct-foreign-token[orders]'];
      rows.forEach((x, i) => expect(m![1]).toContain(`${labels[i]} ${x.got}`));
      expect(row(r.summary, 'no token')).toMatchObject({ ok: false, got: '200' });
      expect(r.summary).toMatch(/up to 24 h/);
      expect(r.summary).toMatch(/^### apim-function-auth — ❌ failed/m);
      // The step's failure message says why (not a wrong configuration) and quotes the last status per failing check.
      const err = errorMessage(r.stdout);
      expect(err).toMatch(/Smoke requests failed/);
      for (const x of rows.filter((y) => !y.ok)) {
        expect(err).toMatch(new RegExp(`not yet propagated \\(smoke budget of 1 s spent; last ${x.got} after`));
      }
    });
  });
});
