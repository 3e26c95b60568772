/**
 * End-to-end: the field cases of ../shared/cases/field-cases.md that concern the reconcile (C01–C04, C06, C07, C09–C12,
 * C14), each run through the bundled dist/index.js against the local Azure twin. The scenario states are built here
 * from emulator/scenarios/{drifted,in-sync}.json with small mutations, so these tests do not need ../shared.
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
  editAuthSettings,
  identityOf,
  ids,
  policyOf,
  policyWithInbound,
  serviceOf,
  setIdentity,
  setPolicy,
  unmaskedLines
} from './helpers.js';

const APP = '55555555-5555-4555-8555-555555555555';
const TENANT = '11111111-1111-4111-8111-111111111111';
const APIM_OID = '66666666-6666-4666-8666-666666666666';
const APIM_APPID = '77777777-7777-4777-8777-777777777777';
const UAI =
  '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-certs';
const SET_VARIABLE = `        <set-variable name="caller" value="${CALLER_EXPRESSION}" />`;
const AUTH_EL = (resource: string) => `        <authentication-managed-identity resource="${resource}" />`;
const DELETE_KEY = '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
const DELETE_QUERY = '        <set-query-parameter name="subscription-key" exists-action="delete" />';

// The failure annotation, with or without properties (`::error title=apim-function-auth::…`).
const errorLine = (stdout: string) => stdout.split('\n').find((l) => /^::error[^:]*::/.test(l)) ?? '';
const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::warning'));

/** Runs a describe's tests against one twin started from `build()`. */
function useTwin(build: () => TwinState): { twin: () => Twin; state: TwinState } {
  const state = build();
  let twin: Twin | undefined;
  beforeAll(async () => {
    twin = await startEmulator(state);
  });
  afterAll(async () => twin?.stop());
  return { twin: () => twin!, state };
}

describe('C01: resource="api://<APP_ID>" without identifierUris', () => {
  const { twin, state } = useTwin(() => {
    const s = scenario('in-sync');
    expect(s.appRegistrations[0].identifierUris).toEqual([]);
    return setPolicy(
      s,
      policyWithInbound(
        ['        <base />', AUTH_EL(`api://${APP}`), DELETE_KEY, DELETE_QUERY, SET_VARIABLE].join('\n')
      )
    );
  });
  const inputs = () => ({ ...baseInputs(state) });

  it('C01: check mode exits non-zero with drift policy.resource api://<APP_ID> → <APP_ID>, no writes', async () => {
    const r = await runAction(twin(), { ...inputs(), mode: 'check' });
    expect(r.code).not.toBe(0);
    expect(r.outputs.drift).toBe('true');
    expect(changesOf(r.outputs)).toEqual([
      { resource: ids(state).policy, kind: 'api-policy', field: 'policy.resource', before: `api://${APP}`, after: APP }
    ]);
    expect(errorLine(r.stdout)).toContain('policy.resource');
    expect(armWrites(twin())).toEqual([]);
  });

  it("C01: token-resource = APIM's principalId fails before any write with the object-ID message", async () => {
    const r = await runAction(twin(), { ...inputs(), mode: 'apply', 'token-resource': APIM_OID });
    expect(r.code).toBe(1);
    expect(errorLine(r.stdout)).toContain(
      "resource must be the target app's appId or a registered App ID URI, not an object ID"
    );
    expect(armWrites(twin())).toEqual([]);
    expect(policyOf(twin().getState())).toBe(policyOf(state));
  });

  it('C01: apply sets resource="<APP_ID>" and reports policy.resource; the expression is byte-identical', async () => {
    const r = await runAction(twin(), { ...inputs(), mode: 'apply' });
    expect(r.code).toBe(0);
    const policy = policyOf(twin().getState())!;
    expect(policy).toContain(`<authentication-managed-identity resource="${APP}" />`);
    expect(policy).not.toContain('api://');
    expect(policy).toContain(CALLER_EXPRESSION);
    expect(changesOf(r.outputs).map((c) => c.field)).toEqual(['policy.resource']);
    expect(r.summary).toContain('policy.resource');
    expect(armWrites(twin()).map((w) => w.method)).toEqual(['PUT']);
  });
});

describe('C02: token-resource api://<APP_ID> registered in identifierUris', () => {
  const OTHER = 'https://orders.contoso.com';
  const SCOPE = `api://${APP}/.default`;
  const { twin, state } = useTwin(() => {
    const s = scenario('in-sync');
    s.appRegistrations[0].identifierUris = [`api://${APP}`];
    setPolicy(
      s,
      policyWithInbound(
        ['        <base />', AUTH_EL(`api://${APP}`), DELETE_KEY, DELETE_QUERY, SET_VARIABLE].join('\n')
      )
    );
    return editAuthSettings(s, (p) => {
      (at(p, 'identityProviders.azureActiveDirectory.validation') as Record<string, unknown>).allowedAudiences = [
        OTHER,
        SCOPE
      ];
    });
  });
  const inputs = () => ({ ...baseInputs(state), 'token-resource': `api://${APP}` });

  it('C02: check fails while the policy resource is neither clientId nor in allowedAudiences', async () => {
    const r = await runAction(twin(), { ...inputs(), mode: 'check' });
    expect(r.code).toBe(1);
    expect(changesOf(r.outputs)).toEqual([
      expect.objectContaining({
        field: 'identityProviders.azureActiveDirectory.validation.allowedAudiences',
        before: [OTHER, SCOPE],
        after: [OTHER, SCOPE, `api://${APP}`]
      })
    ]);
    expect(armWrites(twin())).toEqual([]);
  });

  it('C02: apply adds api://<APP_ID>, keeps existing entries, no /.default edits; the /.default entry is warned about; summary prints the audiences', async () => {
    const r = await runAction(twin(), { ...inputs(), mode: 'apply' });
    expect(r.code).toBe(0);
    const after = twin().getState();
    expect(at(aadOf(after), 'validation.allowedAudiences')).toEqual([OTHER, SCOPE, `api://${APP}`]);
    expect(policyOf(after)).toBe(policyOf(state));
    expect(warnings(r.stdout).some((w) => w.includes(SCOPE) && /\/\.default/.test(w))).toBe(true);
    expect(r.summary).toContain(`api://${APP}`);
    expect(r.summary).toMatch(/[Ee]ffective audiences/);
    const again = await runAction(twin(), { ...inputs(), mode: 'check' });
    expect(again.code).toBe(0);
  });
});

describe('C03: existing /v2.0 openIdIssuer', () => {
  const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
  const { twin, state } = useTwin(() =>
    editAuthSettings(scenario('in-sync'), (p) => {
      (at(p, 'identityProviders.azureActiveDirectory.registration') as Record<string, unknown>).openIdIssuer = V2;
    })
  );

  it('C03: apply preserves the issuer (no rewrite, no write) and warns about the v1/v2 mismatch', async () => {
    for (const extra of [{}, { 'open-id-issuer': `https://sts.windows.net/${TENANT}/` }] as Record<string, string>[]) {
      const r = await runAction(twin(), { ...baseInputs(state), mode: 'apply', ...extra });
      expect(r.code).toBe(0);
      expect(at(aadOf(twin().getState()), 'registration.openIdIssuer')).toBe(V2);
      expect(warnings(r.stdout).some((w) => w.includes(V2) && /v2\.0/.test(w))).toBe(true);
      expect(changesOf(r.outputs)).toEqual([]);
      // only an explicit open-id-issuer input is reported as not applied to the existing registration
      expect(warnings(r.stdout).some((w) => w.includes('input open-id-issuer'))).toBe('open-id-issuer' in extra);
    }
    expect(armWrites(twin())).toEqual([]);
  });

  it('C03: a provider created from scratch uses the explicit open-id-issuer input and records it', async () => {
    const s = scenario('drifted');
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'open-id-issuer': V2 });
      expect(r.code).toBe(0);
      expect(at(aadOf(t.getState()), 'registration.openIdIssuer')).toBe(V2);
      expect(r.summary).toContain(V2);
      expect(r.summary).toContain('from input open-id-issuer');
      expect(changesOf(r.outputs)).toContainEqual(
        expect.objectContaining({
          field: 'identityProviders.azureActiveDirectory.registration.openIdIssuer',
          after: V2
        })
      );
    });
  });
});

describe("C04: allowedApplications: [<APP_ID>] and APIM's client ID", () => {
  const withAllowedApps = (s: TwinState) =>
    editAuthSettings(s, (p) => {
      p.identityProviders = {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP, openIdIssuer: `https://sts.windows.net/${TENANT}/` },
          validation: { defaultAuthorizationPolicy: { allowedApplications: [APP] } }
        }
      };
    });

  it("C04: APIM's client ID is resolved through Graph after the identity exists and appended; never the principalId; <APP_ID> kept", async () => {
    const s = withAllowedApps(scenario('drifted'));
    await withTwin(s, async (t) => {
      const check = await runAction(t, { ...baseInputs(s), mode: 'check' });
      expect(check.code).toBe(1);
      expect(changesOf(check.outputs).map((c) => c.field)).toContain(
        'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedApplications'
      );
      expect(armWrites(t)).toEqual([]);

      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(0);
      const after = t.getState();
      const pid = identityOf(after).principalId!;
      const sp = after.servicePrincipals?.find((p) => p.id === pid);
      expect(sp?.appId).toMatch(/^[0-9a-f-]{36}$/);
      const apps = at(aadOf(after), 'validation.defaultAuthorizationPolicy.allowedApplications') as string[];
      expect(apps).toEqual([APP, sp!.appId]);
      expect(apps).not.toContain(pid);
      expect(at(aadOf(after), 'validation.defaultAuthorizationPolicy.allowedPrincipals.identities')).toEqual([pid]);
      // the Graph lookup happened (ARM gives only the object ID)
      expect(t.requests().some((q) => q.url.includes(`/v1.0/servicePrincipals/${pid}`) && q.status === 200)).toBe(true);
      expect(r.summary).toContain('allowedApplications');
      expect(r.summary).toMatch(/allowedApplications \+= [0-9a-f-]{36} \(APIM system-assigned identity client ID/);
    });
  });

  it('C04: with an existing identity the client ID from Graph is appended in one write', async () => {
    const s = withAllowedApps(scenario('in-sync'));
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(0);
      const dap = at(aadOf(t.getState()), 'validation.defaultAuthorizationPolicy');
      expect(at(dap, 'allowedApplications')).toEqual([APP, APIM_APPID]);
      expect(at(dap, 'allowedApplications')).not.toContain(APIM_OID);
      expect(at(dap, 'allowedPrincipals.identities')).toEqual([APIM_OID]);
      expect(armWrites(t).map((w) => w.method)).toEqual(['PUT']);
    });
  });

  it('C04: graphRead false and no apim-identity-client-id → clear error naming Application.Read.All and the input, zero writes', async () => {
    const s = withAllowedApps(scenario('in-sync'));
    s.workflowIdentity.graphRead = false;
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = errorLine(r.stdout);
      expect(err).toContain('Application.Read.All');
      expect(err).toContain('apim-identity-client-id');
      expect(armWrites(t)).toEqual([]);
      // the same run with the input works, without Graph
      const ok = await runAction(t, { ...baseInputs(s), mode: 'apply', 'apim-identity-client-id': APIM_APPID });
      expect(ok.code).toBe(0);
      expect(at(aadOf(t.getState()), 'validation.defaultAuthorizationPolicy.allowedApplications')).toEqual([
        APP,
        APIM_APPID
      ]);
    });
  });
});

describe('C04/C10: problems that would appear only after the identity write are found before it', () => {
  it('C04: identity to be created + allowedApplications set + Graph refused → refused before any write', async () => {
    const s = editAuthSettings(scenario('drifted'), (p) => {
      p.platform = { enabled: true };
      p.identityProviders = {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP, openIdIssuer: `https://sts.windows.net/${TENANT}/` },
          validation: { defaultAuthorizationPolicy: { allowedApplications: [APP] } }
        }
      };
    });
    s.workflowIdentity.graphRead = false;
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      expect(errorLine(r.stdout)).toMatch(/Nothing was changed: .*Application\.Read\.All.*apim-identity-client-id/);
      expect(armWrites(t)).toEqual([]);
      expect(identityOf(t.getState()).type).toBe('UserAssigned');
    });
  });

  it('C10: identity to be created + identities already near the 500-character cap → refused before any write', async () => {
    const many = Array.from({ length: 13 }, (_, i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`);
    const s = editAuthSettings(scenario('drifted'), (p) => {
      p.identityProviders = {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP, openIdIssuer: `https://sts.windows.net/${TENANT}/` },
          validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: many } } }
        }
      };
    });
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      expect(errorLine(r.stdout)).toMatch(
        /allowedPrincipals\.identities would be 517 characters, over the 500-character limit/
      );
      expect(armWrites(t)).toEqual([]);
    });
  });
});

describe('C06: the authsettingsV2 PUT answers 200 but the provider is not persisted', () => {
  it('C06: the run fails with "provider not persisted" and says what was and was not changed', async () => {
    const s = scenario('drifted');
    await withTwin(s, async (t) => {
      const stored = structuredClone(s.resources[ids(s).authV2]);
      const props = structuredClone(authSettingsOf(s));
      delete props.identityProviders;
      (props.platform as Record<string, unknown>).enabled = true;
      t.addFaults([
        {
          match: { method: 'PUT', pathRegex: '/config/authsettingsV2\\?' },
          respond: { status: 200, body: { ...stored, properties: props } }
        }
      ]);
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = errorLine(r.stdout);
      expect(err).toContain('provider not persisted');
      expect(err).toMatch(/Changed: APIM apim-x identity/);
      // The PUT was accepted (200), so the run cannot claim it changed nothing: it says the write is unverified.
      expect(err).toMatch(/Written but not verified: Easy Auth func-x\./);
      expect(err).toMatch(/Not changed: API policy orders\./);
      const after = t.getState();
      expect(identityOf(after).type).toBe('SystemAssigned, UserAssigned');
      expect(policyOf(after)).toBe(policyOf(s));
      expect(aadOf(after)).toEqual({});
      expect(armWrites(t).map((w) => `${w.method} ${w.status}`)).toEqual(['PATCH 202', 'PUT 200']);
      expect(r.summary).toContain('provider not persisted');
    });
  });
});

describe('C07: settings the action does not own survive the authsettingsV2 PUT', () => {
  it('C07: loginParameters, a Google provider, excludedPaths, tokenStore, clientSecretSettingName preserved byte for byte; changed paths listed; no secret values', async () => {
    const s = editAuthSettings(scenario('in-sync'), (p) => {
      const aad = at(p, 'identityProviders.azureActiveDirectory') as Record<string, unknown>;
      aad.login = { loginParameters: ['scope=openid offline_access'], disableWWWAuthenticate: false };
      (aad.registration as Record<string, unknown>).clientSecretSettingName =
        'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET';
      (aad.validation as Record<string, unknown>).defaultAuthorizationPolicy = { allowedPrincipals: {} };
      (p.identityProviders as Record<string, unknown>).google = {
        enabled: true,
        registration: {
          clientId: 'google-client-id.apps.googleusercontent.com',
          clientSecretSettingName: 'GOOGLE_PROVIDER_AUTHENTICATION_SECRET'
        },
        login: { scopes: ['openid', 'profile'] }
      };
      (p.globalValidation as Record<string, unknown>).excludedPaths = ['/api/health'];
      (p.login as Record<string, unknown>).tokenStore = { enabled: true, tokenRefreshExtensionHours: 72 };
    });
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(0);
      const before = authSettingsOf(s);
      const after = authSettingsOf(t.getState());
      for (const p of [
        'identityProviders.azureActiveDirectory.login',
        'identityProviders.azureActiveDirectory.registration.clientSecretSettingName',
        'identityProviders.google',
        'globalValidation.excludedPaths',
        'login',
        'httpSettings',
        'platform'
      ]) {
        expect(JSON.stringify(at(after, p))).toBe(JSON.stringify(at(before, p)));
      }
      expect(
        at(
          after,
          'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities'
        )
      ).toEqual([APIM_OID]);
      expect(changesOf(r.outputs).map((c) => c.field)).toEqual([
        'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities'
      ]);
      expect(r.summary).toContain('allowedPrincipals.identities');
      expect(r.summary).toMatch(/preserved \d+ other settings/);
      expect(r.outputs['smoke-result']).toBe('passed');
      // the subscription key fetched for the smoke request is a secret: masked, never printed
      const master = s.resources[`${ids(s).apim}/subscriptions/master`].properties as Record<string, string>;
      expect(r.stdout).toContain(`::add-mask::${master.primaryKey}`);
      expect(unmaskedLines(r.everything)).not.toContain(master.primaryKey);
      expect(unmaskedLines(r.everything)).not.toContain(master.secondaryKey);
    });
  });
});

describe('C07: a read-back that differs outside the owned paths fails the run', () => {
  it('C07: the GET after the PUT shows a changed non-owned setting → failure naming that path; the write is reported unverified', async () => {
    const s = scenario('in-sync');
    await withTwin(s, async (t) => {
      // The write adds one excluded path. Let the initial read and the re-read right before the PUT through, then
      // answer the read-back with what was written plus a token store switched on: something the action never owns.
      const stored = structuredClone(s.resources[`${ids(s).site}/config/authsettingsV2`]) as Record<string, unknown>;
      const props = stored.properties as Record<string, Record<string, unknown>>;
      props.globalValidation = {
        ...props.globalValidation,
        excludedPaths: [...((props.globalValidation?.excludedPaths as string[]) ?? []), '/api/public']
      };
      props.login = { ...(props.login ?? {}), tokenStore: { enabled: true, tokenRefreshExtensionHours: 72 } };
      t.addFaults([
        {
          match: { method: 'GET', pathRegex: 'config/authsettingsV2/list' },
          skip: 2,
          respond: { status: 200, body: stored }
        }
      ]);
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'excluded-paths': '/api/public' });
      expect(r.code).toBe(1);
      const err = errorLine(r.stdout);
      expect(err).toMatch(/Easy Auth read-back differs/);
      expect(err).toMatch(/login\.tokenStore/);
      expect(err).not.toMatch(/provider not persisted/);
      expect(err).toMatch(/Changed: nothing\. Written but not verified: Easy Auth func-x\./);
      // The excluded path really was written (the twin stored it), which is why "not changed" would be false.
      expect(at(authSettingsOf(t.getState()), 'globalValidation.excludedPaths')).toContain('/api/public');
    });
  });
});

describe('C09: APIM system identity with an existing user-assigned identity', () => {
  it('C09: UserAssigned only → one PATCH of identity only ({} values), UAI kept, principalId set, "preserved 1 user-assigned"', async () => {
    const s = scenario('drifted');
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(0);
      const after = t.getState();
      const identity = identityOf(after);
      expect(identity.type).toBe('SystemAssigned, UserAssigned');
      expect(identity.principalId).toMatch(/^[0-9a-f-]{36}$/);
      // The UAI entry is kept with its read-only values (the twin refuses non-{} values with 400
      // InvalidIdentityValues, so a 2xx PATCH proves the body carried {}), and nothing else of the service changed.
      expect(identity.userAssignedIdentities).toEqual(identityOf(s).userAssignedIdentities);
      const { identity: _a, etag: _ea, ...restAfter } = serviceOf(after);
      const { identity: _b, etag: _eb, ...restBefore } = serviceOf(s);
      expect(restAfter).toEqual(restBefore);
      const patches = armWrites(t).filter((w) => w.method === 'PATCH');
      expect(patches).toHaveLength(1);
      expect(patches[0].url).toMatch(/\/providers\/Microsoft\.ApiManagement\/service\/apim-x\?/i);
      expect(patches[0].status).toBeLessThan(300);
      // The PATCH body is exactly the identity, the user-assigned entry sent back as {} (C09; DESIGN §3).
      // @azure/arm-apimanagement's serializer adds an empty `properties` object, which a merge patch ignores.
      const { identity: sent, ...rest } = (patches[0] as { body?: Record<string, unknown> }).body ?? {};
      expect(sent).toEqual({ type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI]: {} } });
      expect(rest).toEqual({ properties: {} });
      // the long-running operation was polled to completion
      expect(t.requests().some((q) => /operationresults/i.test(q.url) && q.status === 200)).toBe(true);
      expect(r.summary).toMatch(/preserved 1 user-assigned/);
      expect(r.outputs['apim-principal-id']).toBe(identity.principalId);
      expect(Object.keys(identity.userAssignedIdentities ?? {})).toEqual([UAI]);
    });
  });

  it('C09: already "SystemAssigned, UserAssigned" → no identity write (never narrowed)', async () => {
    const s = setPolicy(scenario('in-sync'), policyWithInbound(['        <base />', SET_VARIABLE].join('\n')));
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(0);
      expect(armWrites(t).map((w) => w.method)).toEqual(['PUT']);
      expect(identityOf(t.getState())).toEqual(identityOf(s));
    });
  });
});

describe('C10: identity None while the policy already holds the element', () => {
  const { twin, state } = useTwin(() => {
    const s = scenario('drifted');
    setIdentity(s, { type: 'None' });
    return setPolicy(s, policyWithInbound(['        <base />', AUTH_EL(APP), SET_VARIABLE].join('\n')));
  });

  it('C10: check reports identity and caller allow-list drift and exits non-zero', async () => {
    const r = await runAction(twin(), { ...baseInputs(state), mode: 'check' });
    expect(r.code).not.toBe(0);
    const fields = changesOf(r.outputs).map((c) => c.field);
    expect(fields).toContain('identity.type');
    expect(fields).toContain(
      'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities'
    );
    expect(changesOf(r.outputs).find((c) => c.field === 'identity.type')).toMatchObject({
      before: 'None',
      after: 'SystemAssigned'
    });
    expect(armWrites(twin())).toEqual([]);
  });

  it('C10: apply writes identity → authsettingsV2 → policy, in that order, the allow-list holding the new principalId', async () => {
    const r = await runAction(twin(), { ...baseInputs(state), mode: 'apply' });
    expect(r.code).toBe(0);
    const writes = armWrites(twin()).map(
      (w) => `${w.method} ${new URL(w.url).pathname.split('/').slice(-2).join('/')}`
    );
    expect(writes).toEqual(['PATCH service/apim-x', 'PUT config/authsettingsV2', 'PUT policies/policy']);
    // the Easy Auth PUT came after the LRO completed
    const reqs = twin().requests();
    const lroDone = reqs.findIndex((q) => /operationresults/i.test(q.url) && q.status === 200);
    const authPut = reqs.findIndex((q) => q.method === 'PUT' && /authsettingsV2\?/i.test(q.url));
    expect(lroDone).toBeGreaterThan(-1);
    expect(authPut).toBeGreaterThan(lroDone);
    const pid = identityOf(twin().getState()).principalId;
    expect(pid).toBeTruthy();
    expect(at(aadOf(twin().getState()), 'validation.defaultAuthorizationPolicy.allowedPrincipals.identities')).toEqual([
      pid
    ]);
    expect(r.outputs['apim-principal-id']).toBe(pid);
  });
});

describe('C11: C# expressions with inner quotes (rawxml)', () => {
  it('C11: apply inserts both elements right after <base />; the expression is byte-identical; written as rawxml', async () => {
    const s = scenario('drifted');
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(0);
      const stored = t.getState().resources[ids(s).policy] as { properties: { format: string; value: string } };
      const text = stored.properties.value;
      const inbound = text.slice(text.indexOf('<inbound>'), text.indexOf('</inbound>'));
      const order = [
        '<base',
        '<authentication-managed-identity',
        '<set-header name="Ocp-Apim-Subscription-Key"',
        '<set-variable'
      ];
      const positions = order.map((el) => inbound.indexOf(el));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(text.split(CALLER_EXPRESSION)).toHaveLength(2);
      expect(stored.properties.format).toBe('rawxml');
      expect(text).not.toMatch(/&quot;|&amp;/);
      // everything outside <inbound> is as it was
      const was = policyOf(s)!;
      expect(text.slice(text.indexOf('</inbound>'))).toBe(was.slice(was.indexOf('</inbound>')));
    });
  });

  it('C11: a policy that cannot be tokenized aborts without writing and says why', async () => {
    const s = setPolicy(
      scenario('drifted'),
      '<policies>\n    <inbound>\n        <base />\n        <set-variable name="x" value="@(1 < 2)" \n    </inbound>\n</policies>'
    );
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      expect(errorLine(r.stdout)).toMatch(/cannot be tokenized/);
      expect(errorLine(r.stdout)).toMatch(/Nothing was changed/);
      expect(armWrites(t)).toEqual([]);
    });
  });
});

describe('C12: service-side normalisation is not drift', () => {
  const multiLine = (resource: string) =>
    '<policies>\r\n\t<inbound>\r\n\t\t<base />\r\n' +
    `\t\t<authentication-managed-identity resource="${resource}" />\r\n` +
    '\t\t<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\r\n' +
    '\t\t<set-query-parameter name="subscription-key" exists-action="delete" />\r\n' +
    '\t\t<set-variable name="caller" value="@{&#xA;\tvar h = context.Request.Headers.GetValueOrDefault("X-Caller", "none");&#xA;\treturn h;&#xA;}" />\r\n' +
    '\t</inbound>\r\n\t<backend>\r\n\t\t<base />\r\n\t</backend>\r\n\t<outbound>\r\n\t\t<base />\r\n\t</outbound>\r\n' +
    '\t<on-error>\r\n\t\t<base />\r\n\t</on-error>\r\n</policies>';

  it('C12: CRLF, tabs and &#xA; inside a multi-line @{} attribute, desired elements present → check exits 0 "in sync", no PUT', async () => {
    const s = setPolicy(scenario('in-sync'), multiLine(APP));
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'check' });
      expect(r.code).toBe(0);
      expect(r.outputs.drift).toBe('false');
      expect(r.stdout).toMatch(/API policy orders: in sync/);
      const apply = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(apply.code).toBe(0);
      expect(armWrites(t)).toEqual([]);
      expect(policyOf(t.getState())).toBe(multiLine(APP));
    });
  });

  it('C12: the same text with a differing resource is drift', async () => {
    const other = `api://${APP}`;
    const s = setPolicy(scenario('in-sync'), multiLine(other));
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'check' });
      expect(r.code).toBe(1);
      expect(changesOf(r.outputs)).toEqual([
        expect.objectContaining({ field: 'policy.resource', before: other, after: APP })
      ]);
      expect(armWrites(t)).toEqual([]);
    });
  });
});

describe('C14: excludedPaths kept and respected', () => {
  const { twin, state } = useTwin(() =>
    editAuthSettings(scenario('drifted'), (p) => {
      (p.globalValidation as Record<string, unknown>).excludedPaths = ['/api/health'];
    })
  );

  it('C14: a smoke path equal to an excluded path is refused before any write, listing the excluded paths', async () => {
    expect(at(serviceOf(state), 'name')).toBe('apim-x');
    const r = await runAction(twin(), { ...baseInputs(state), mode: 'apply', 'smoke-path': '/health' });
    expect(r.code).toBe(1);
    const err = errorLine(r.stdout);
    expect(err).toContain('/api/health');
    expect(err).toMatch(/[Ee]xcluded paths: \/api\/health/);
    expect(armWrites(twin())).toEqual([]);
  });

  it('C14: apply keeps the existing excludedPaths (adding excluded-paths after them) and the report lists them', async () => {
    const r = await runAction(twin(), {
      ...baseInputs(state),
      mode: 'apply',
      'excluded-paths': '/api/ping',
      'smoke-path': '/orders'
    });
    expect(r.code).toBe(0);
    expect(at(authSettingsOf(twin().getState()), 'globalValidation.excludedPaths')).toEqual([
      '/api/health',
      '/api/ping'
    ]);
    expect(r.summary).toContain('/api/health');
    expect(r.outputs['smoke-result']).toBe('passed');
  });
});
