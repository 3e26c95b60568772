/**
 * End-to-end: the bundled dist/index.js, run as the GitHub runner runs it, against the local Azure twin.
 * Issue "Reconcile: OIDC sign-in, plan and apply …": the check → apply → check flow (with and without action.yml
 * defaults), idempotence, and sign-in failures. Every assertion reads a real outcome: the exit code, the outputs,
 * the job summary, and the twin's state and request log.
 */
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import { armWrites, baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import {
  CALLER_EXPRESSION,
  aadOf,
  at,
  authSettingsOf,
  changesOf,
  identityOf,
  ids,
  jwtsIn,
  policyOf,
  serviceOf,
  successfulArmWrites,
  unmaskedLines
} from './helpers.js';

const UAI =
  '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-certs';

describe.each([
  ['with action.yml defaults', true],
  ['without action.yml defaults (empty inputs mean defaults)', false]
])('flow %s: drifted → check → apply → check → apply', (_name, withDefaults) => {
  const state = scenario('drifted');
  const inputs = baseInputs(state);
  let twin: Twin;
  let before: TwinState;
  beforeAll(async () => {
    twin = await startEmulator(state);
    before = twin.getState();
  });
  afterAll(async () => twin?.stop());
  const run = (extra: Record<string, string>) => runAction(twin, { ...inputs, ...extra }, { withDefaults });

  it('C10/C11 check on drifted: exit 1, drift=true, the drift listed in outputs and summary, zero ARM writes', async () => {
    const r = await run({ mode: 'check' });
    expect(r.code).toBe(1);
    expect(r.outputs.drift).toBe('true');
    const changes = changesOf(r.outputs);
    for (const c of changes) {
      expect(typeof c.resource).toBe('string');
      expect(typeof c.field).toBe('string');
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['resource', 'field', 'before', 'after']));
    }
    expect(changes.find((c) => c.field === 'identityProviders.azureActiveDirectory.enabled')).toMatchObject({
      before: null,
      after: true
    });
    const fields = changes.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'identity.type',
        'platform.enabled',
        'globalValidation.requireAuthentication',
        'identityProviders.azureActiveDirectory.registration.clientId',
        'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities'
      ])
    );
    expect(fields.some((f) => f.startsWith('policy.'))).toBe(true);
    expect(changes.find((c) => c.field === 'identity.type')).toMatchObject({
      resource: ids(state).apim,
      before: 'UserAssigned',
      after: 'SystemAssigned, UserAssigned'
    });
    expect(r.summary).toContain('drift');
    expect(r.summary).toContain('identity.type');
    expect(r.summary).toContain('globalValidation.requireAuthentication');
    expect(r.stdout).toMatch(/::error( title=[^:]*)?::Drift found/);
    expect(armWrites(twin)).toEqual([]);
    expect(twin.getState().resources).toEqual(before.resources);
  });

  it('C07/C09/C11 apply: exit 0, UAI, the C# expression and unrelated Easy Auth settings intact; apim-principal-id = state', async () => {
    const r = await run({ mode: 'apply' });
    expect(r.code).toBe(0);
    const after = twin.getState();
    const identity = identityOf(after);
    expect(identity.type).toBe('SystemAssigned, UserAssigned');
    expect(identity.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(identity.userAssignedIdentities ?? {})).toEqual([UAI]);
    expect(identity.userAssignedIdentities?.[UAI]).toEqual(identityOf(before).userAssignedIdentities?.[UAI]);
    expect(r.outputs['apim-principal-id']).toBe(identity.principalId);
    // other service properties untouched by the identity PATCH
    expect(serviceOf(after).properties).toEqual(serviceOf(before).properties);

    const policy = policyOf(after)!;
    expect(policy).toContain(`value="${CALLER_EXPRESSION}"`);
    expect(policy).toMatch(/<authentication-managed-identity resource="55555555-5555-4555-8555-555555555555"\s*\/>/);
    expect(policy).toMatch(/<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"\s*\/>/);

    const auth = authSettingsOf(after);
    const was = authSettingsOf(before);
    expect(auth.httpSettings).toEqual(was.httpSettings);
    expect(auth.login).toEqual(was.login);
    expect((auth.platform as Record<string, unknown>).runtimeVersion).toBe('~1');
    expect(aadOf(after)).toMatchObject({
      enabled: true,
      registration: { clientId: '55555555-5555-4555-8555-555555555555' },
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [identity.principalId] } } }
    });
    const changes = changesOf(r.outputs);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => typeof c.resource === 'string' && typeof c.field === 'string')).toBe(true);
    // C03: the issuer of the new provider is recorded with where it came from (no open-id-issuer input here)
    expect(at(aadOf(after), 'registration.openIdIssuer')).toBe(`https://sts.windows.net/${state.tenantId}/`);
    expect(r.summary).toContain('v1 default');
    expect(r.summary).not.toContain('from input open-id-issuer');
    expect(successfulArmWrites(twin).length).toBe(armWrites(twin).length);
    expect(armWrites(twin).map((w) => w.method)).toEqual(['PATCH', 'PUT', 'PUT']);
  });

  it('C12 check after apply: exit 0, drift=false, no writes', async () => {
    const n = armWrites(twin).length;
    const r = await run({ mode: 'check' });
    expect(r.code).toBe(0);
    expect(r.outputs.drift).toBe('false');
    expect(changesOf(r.outputs)).toEqual([]);
    expect(armWrites(twin).length).toBe(n);
  });

  it('C09/C12 a second apply makes zero writes and keeps the principal', async () => {
    const pid = identityOf(twin.getState()).principalId;
    const n = armWrites(twin).length;
    const r = await run({ mode: 'apply' });
    expect(r.code).toBe(0);
    expect(r.outputs.drift).toBe('false');
    expect(armWrites(twin).length).toBe(n);
    expect(r.outputs['apim-principal-id']).toBe(pid);
  });
});

describe('in-sync scenario', () => {
  it.each([true, false])(
    'C12 in-sync.json + check (defaults applied: %s) → exit 0, drift=false, no writes',
    async (withDefaults) => {
      const state = scenario('in-sync');
      await withTwin(state, async (twin) => {
        const r = await runAction(twin, { ...baseInputs(state), mode: 'check' }, { withDefaults });
        expect(r.code).toBe(0);
        expect(r.outputs.drift).toBe('false');
        expect(changesOf(r.outputs)).toEqual([]);
        expect(armWrites(twin)).toEqual([]);
        expect(r.outputs['apim-principal-id']).toBe(identityOf(state).principalId);
      });
    }
  );
});

describe('sign-in failures: a clear message naming the fix, exit 1, zero writes', () => {
  it('OIDC env missing (no ACTIONS_ID_TOKEN_REQUEST_URL) → says permissions: id-token: write on a runner, "outside GitHub Actions" elsewhere', async () => {
    const state = scenario('drifted');
    await withTwin(state, async (twin) => {
      const noOidc = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' };
      const r = await runAction(
        twin,
        { ...baseInputs(state), mode: 'apply' },
        { env: { ...noOidc, GITHUB_ACTIONS: 'true' } }
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/::error( title=[^:]*)?::.*id-token: write/);
      const outside = await runAction(twin, { ...baseInputs(state), mode: 'apply' }, { env: noOidc });
      expect(outside.code).toBe(1);
      expect(outside.stdout).toMatch(/::error( title=[^:]*)?::.*outside GitHub Actions/);
      expect(outside.stdout).not.toMatch(/id-token: write/);
      expect(armWrites(twin)).toEqual([]);
      // no token request reached Entra
      expect(twin.requests().filter((q) => /oauth2\/v2\.0\/token/.test(q.url))).toEqual([]);
    });
  });

  it('federated subject not matching → AADSTS700213 explained (subject, federated credential), zero writes', async () => {
    const state = scenario('drifted');
    state.workflowIdentity.federatedSubjects = ['repo:octo/orders-app:ref:refs/heads/main'];
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = r.stdout.split('\n').find((l) => /^::error( title=[^:]*)?::/.test(l)) ?? '';
      expect(err).toContain('federated credential');
      expect(err).toContain('repo:octo/orders-app:pull_request');
      expect(err).toContain(state.workflowIdentity.clientId);
      expect(armWrites(twin)).toEqual([]);
      // the OIDC claims are logged, the token is not
      expect(r.stdout).toMatch(/iss=https:\/\/token\.actions\.githubusercontent\.com/);
      expect(r.stdout).toMatch(/sub=repo:octo\/orders-app:pull_request/);
    });
  });

  it('missing role (scopes cover only the Function App) → 403 on the APIM write explained with a role; says what was and was not changed', async () => {
    const state = scenario('drifted');
    state.workflowIdentity.scopes = [ids(state).site];
    await withTwin(state, async (twin) => {
      const before = twin.getState();
      const r = await runAction(twin, { ...baseInputs(state), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = r.stdout.split('\n').find((l) => /^::error( title=[^:]*)?::/.test(l)) ?? '';
      expect(err).toMatch(/API Management Service Contributor/);
      expect(err).toContain(ids(state).apim);
      expect(err).toMatch(/Changed: nothing/);
      expect(err).toMatch(/Not changed: .*Easy Auth func-x.*API policy orders/);
      expect(armWrites(twin).map((w) => [w.method, w.status])).toEqual([['PATCH', 403]]);
      expect(successfulArmWrites(twin)).toEqual([]);
      expect(twin.getState().resources).toEqual(before.resources);
      expect(r.summary).toMatch(/403|AuthorizationFailed|may not write/);
    });
  });

  it('missing role on the Function App only (scopes cover only APIM) → the Easy Auth refusal names a role that allows it; APIM identity reported as changed or nothing written', async () => {
    const state = scenario('drifted');
    state.workflowIdentity.scopes = [ids(state).apim];
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = r.stdout.split('\n').find((l) => /^::error( title=[^:]*)?::/.test(l)) ?? '';
      // authsettingsV2/list and authsettings/list are list actions (Microsoft.Web/sites/config/list/action):
      // Reader does not grant them, so the fix must name a role that does (e.g. Website Contributor).
      expect(err).toMatch(/Website Contributor/);
      expect(err).not.toMatch(/at least Reader/);
      expect(successfulArmWrites(twin)).toEqual([]);
    });
  });

  it('logs show the OIDC token iss/sub/aud, never a token outside ::add-mask:: lines', async () => {
    const state = scenario('in-sync');
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), mode: 'check', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /GitHub OIDC token: iss=https:\/\/token\.actions\.githubusercontent\.com sub=repo:octo\/orders-app:pull_request aud="api:\/\/AzureADTokenExchange"/
      );
      // tokens were issued (and masked) …
      const masked = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('::add-mask::'))
        .flatMap((l) => jwtsIn(l));
      expect(masked.length).toBeGreaterThan(0);
      // … and none of them, nor any other JWT, appears anywhere else
      expect(jwtsIn(unmaskedLines(r.stdout))).toEqual([]);
      expect(jwtsIn(r.stderr)).toEqual([]);
      expect(jwtsIn(r.summary)).toEqual([]);
      for (const t of masked) expect(r.everything.split(t).length - 1).toBe(r.stdout.split(t).length - 1);
      expect(unmaskedLines(r.everything)).not.toContain(inputsToken(state));
    });
  });
});

function inputsToken(state: TwinState): string {
  return baseInputs(state)['github-token'];
}
