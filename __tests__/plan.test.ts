import { ActionError } from '../src/errors.js';
import type { Json } from '../src/ports.js';
import {
  assertNoPlanErrors,
  buildPlan,
  checkTokenResource,
  hasDrift,
  inspectPolicies,
  planChanges,
  policyOwnership,
  subscriptionKeyHeader,
  type Observed
} from '../src/plan.js';
import { apimPrincipal } from '../src/resources/apim-identity.js';
import { ownedState } from '../src/policy/index.js';
import { EASY_AUTH_PATHS as P, PENDING_PRINCIPAL } from '../src/resources/easy-auth.js';
import type { Plan, Settings, TargetIds } from '../src/types.js';

const TENANT = '11111111-1111-1111-1111-111111111111';
const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const APIM_OID = 'bbbbbbbb-0000-0000-0000-000000000002';
const APIM_APPID = 'cccccccc-0000-0000-0000-000000000003';
const UAI_OID = 'dddddddd-0000-0000-0000-000000000004';
const UAI_CLIENT = 'eeeeeeee-0000-0000-0000-000000000005';
const APIM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x';
const SITE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x';
const UAI = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-a';
const ids: TargetIds = {
  apim: APIM,
  apis: { 'api-orders': `${APIM}/apis/api-orders` },
  site: SITE,
  authSettingsV2: `${SITE}/config/authsettingsV2`
};

function settings(over: Partial<Settings> = {}): Settings {
  return {
    clientId: 'wf-client',
    tenantId: TENANT,
    subscriptionId: 's',
    environment: 'AzureCloud',
    endpoints: {
      armEndpoint: 'https://management.azure.com',
      armScope: 'https://management.azure.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
      graphEndpoint: 'https://graph.microsoft.com',
      graphScope: 'https://graph.microsoft.com/.default'
    },
    audience: 'api://AzureADTokenExchange',
    apimName: 'apim-x',
    apimResourceGroup: 'rg',
    apiIds: ['api-orders'],
    functionAppName: 'func-x',
    functionAppResourceGroup: 'rg',
    allowedCallers: 'apim-only',
    excludedPaths: [],
    mode: 'check',
    failOnDrift: true,
    smoke: { path: '', method: 'GET', expectedStatus: '2xx', timeoutSeconds: 60, subscriptionName: 'master' },
    prComment: false,
    ...over
  };
}

const policy = (inbound: string) =>
  `<policies>\n  <inbound>\n    ${inbound}\n  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n</policies>`;
const owned = (resource = APP, attrs = '') =>
  `<base />\n    <authentication-managed-identity resource="${resource}"${attrs} />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> <set-query-parameter name="subscription-key" exists-action="delete" />`;

function authDoc(
  validation: Json = { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [APIM_OID] } } }
): Json {
  return {
    properties: {
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP, openIdIssuer: `https://sts.windows.net/${TENANT}/` },
          validation
        }
      }
    }
  };
}

function observed(over: Partial<Observed> = {}, policyText: string | undefined = policy(owned())): Observed {
  return {
    service: {
      name: 'apim-x',
      properties: { gatewayUrl: 'https://apim-x.azure-api.net' },
      identity: {
        type: 'SystemAssigned, UserAssigned',
        principalId: APIM_OID,
        userAssignedIdentities: { [UAI]: { principalId: UAI_OID, clientId: UAI_CLIENT } }
      }
    },
    site: { properties: { defaultHostName: 'func-x.azurewebsites.net' } },
    authSettingsV2: authDoc(),
    authSettingsV1: { properties: { configVersion: 'v2' } },
    apis: [
      {
        apiId: 'api-orders',
        resourceId: ids.apis['api-orders'],
        api: { properties: { path: 'orders' } },
        policy: policyText === undefined ? undefined : { value: policyText, etag: '"p1"' }
      }
    ],
    ...over
  };
}

describe('buildPlan', () => {
  it('in sync: no drift, facts filled, resources in apply order', () => {
    const plan = buildPlan(settings(), ids, observed());
    expect(plan.resources.map((r) => r.kind)).toEqual(['apim-identity', 'easy-auth', 'api-policy']);
    expect(plan.resources[2].resourceId).toBe(`${ids.apis['api-orders']}/policies/policy`);
    expect(hasDrift(plan)).toBe(false);
    expect(planChanges(plan)).toEqual([]);
    expect(plan.facts).toMatchObject({
      apimPrincipalId: APIM_OID,
      appClientId: APP,
      tokenResource: APP,
      effectiveAudiences: [APP],
      excludedPaths: [],
      openIdIssuer: `https://sts.windows.net/${TENANT}/`,
      gatewayUrl: 'https://apim-x.azure-api.net',
      defaultHostName: 'func-x.azurewebsites.net'
    });
    for (const r of plan.resources) expect(Object.keys(r)).not.toContain('warnings');
    expect(() => assertNoPlanErrors(plan)).not.toThrow();
  });

  it('C10: identity None and policy already present → identity and allow-list drift, Easy Auth deferred', () => {
    const plan = buildPlan(
      settings(),
      ids,
      observed({ service: { identity: { type: 'None' } }, authSettingsV2: authDoc({}) })
    );
    const rows = planChanges(plan);
    expect(rows.map((r) => [r.kind, r.field])).toEqual([
      ['apim-identity', 'identity.type'],
      ['easy-auth', P.identities]
    ]);
    expect(rows[1].after).toEqual([PENDING_PRINCIPAL]);
    expect(plan.resources[1].deferredUntil).toBe('apim-identity');
    expect(hasDrift(plan)).toBe(true);
    expect(plan.facts.apimPrincipalId).toBeUndefined();
  });

  it('C01: policy resource api://<APP> with no token-resource → policy.resource drift', () => {
    const plan = buildPlan(settings(), ids, observed({}, policy(owned(`api://${APP}`))));
    expect(planChanges(plan)).toEqual([
      {
        resource: `${ids.apis['api-orders']}/policies/policy`,
        kind: 'api-policy',
        field: 'policy.resource',
        before: `api://${APP}`,
        after: APP
      }
    ]);
  });

  it.each([
    ['APIM principalId', APIM_OID],
    ['APIM principalId as a URI', `api://${APIM_OID}`],
    ['a user-assigned principalId', UAI_OID],
    ['APIM principalId in upper case', APIM_OID.toUpperCase()],
    ['APIM principalId as an https URI', `https://${APIM_OID}`],
    ['APIM principalId as an https URI with a trailing slash', `https://${APIM_OID}/`],
    ['a user-assigned principalId as api://<id>/<path>', `api://${UAI_OID}/user_impersonation`],
    ['a user-assigned principalId inside a URI, upper case', `https://contoso.example/${UAI_OID.toUpperCase()}`]
  ])('C01: token-resource = %s is refused before any write', (_n, tokenResource) => {
    const run = () => buildPlan(settings({ tokenResource }), ids, observed());
    expect(run).toThrow(ActionError);
    expect(run).toThrow(/resource must be the target app's appId or a registered App ID URI, not an object ID/);
  });

  it('refuses a GUID token-resource that is another app', () => {
    expect(() =>
      buildPlan(settings({ tokenResource: 'ffffffff-0000-0000-0000-000000000009' }), ids, observed())
    ).toThrow(/GUID other than the app client ID/);
  });

  it('C02: token-resource api://<APP> → audience added, policy left as is', () => {
    const plan = buildPlan(
      settings({ tokenResource: `api://${APP}` }),
      ids,
      observed({}, policy(owned(`api://${APP}`)))
    );
    expect(planChanges(plan).map((r) => [r.field, r.after])).toEqual([[P.allowedAudiences, [`api://${APP}`]]]);
    expect(plan.facts.effectiveAudiences).toEqual([APP, `api://${APP}`]);
  });

  it('C04: allowedApplications restricted → APIM client ID from Graph appended; unknown → ActionError', () => {
    const auth = authDoc({
      defaultAuthorizationPolicy: { allowedApplications: [APP], allowedPrincipals: { identities: [APIM_OID] } }
    });
    const plan = buildPlan(settings(), ids, observed({ authSettingsV2: auth, apimIdentityClientId: APIM_APPID }));
    expect(planChanges(plan).map((r) => [r.field, r.after])).toEqual([[P.allowedApplications, [APP, APIM_APPID]]]);
    expect(plan.facts.apimIdentityClientId).toBe(APIM_APPID);
    expect(() => buildPlan(settings(), ids, observed({ authSettingsV2: auth }))).toThrow(/Application\.Read\.All/);
    expect(
      buildPlan(settings({ apimIdentityClientId: APIM_APPID }), ids, observed({ authSettingsV2: auth })).resources[1]
        .changes
    ).toHaveLength(1);
  });

  it('a client-id of an attached user-assigned identity: that identity is allowed too, with a warning', () => {
    const plan = buildPlan(settings(), ids, observed({}, policy(owned(APP, ` client-id="${UAI_CLIENT}"`))));
    expect(planChanges(plan).map((r) => [r.field, r.after])).toEqual([[P.identities, [APIM_OID, UAI_OID]]]);
    expect(plan.warnings.join('\n')).toContain('uai-a');
  });

  it('a client-id that is not an attached user-assigned identity is refused', () => {
    const run = () =>
      buildPlan(settings(), ids, observed({}, policy(owned(APP, ' client-id="99999999-0000-0000-0000-000000000000"'))));
    expect(run).toThrow(ActionError);
    expect(run).toThrow(/not the client ID of a user-assigned identity attached to APIM/);
  });

  it('ignore-error="true" on the owned element is security lint (its own report section), not a plain warning', () => {
    const plan = buildPlan(settings(), ids, observed({}, policy(owned(APP, ' ignore-error="true"'))));
    expect(plan.lint?.map((l) => [l.rule, l.where])).toEqual([['ignore-error', 'API policy api-orders, line 4']]);
    expect(plan.lint?.[0].fix).toMatch(/Remove ignore-error/);
    expect(plan.warnings.some((w) => /ignore-error/.test(w))).toBe(false);
    expect(hasDrift(plan)).toBe(false);
  });

  it.each([
    [
      'nested element',
      policy(
        `${owned()}\n    <choose><when condition="@(true)"><authentication-managed-identity resource="other" /></when></choose>`
      ),
      /nested or conditional/
    ]
  ])('warns about %s', (_n, text, re) => {
    const plan = buildPlan(settings(), ids, observed({}, text));
    expect(plan.warnings.some((w) => re.test(w))).toBe(true);
    expect(hasDrift(plan)).toBe(false);
  });

  it('v1 auth config is refused', () => {
    expect(() =>
      buildPlan(settings(), ids, observed({ authSettingsV1: { properties: { configVersion: 'v1' } } }))
    ).toThrow(/config-version upgrade/);
  });

  it('an unreadable policy is an error on that resource, and assertNoPlanErrors refuses the whole plan', () => {
    const plan = buildPlan(settings(), ids, observed({}, '<policies><inbound><base /></outbound></policies>'));
    expect(plan.resources[2].error).toBeDefined();
    expect(plan.resources[2].write).toBeUndefined();
    expect(() => assertNoPlanErrors(plan)).toThrow(/Nothing was changed.*API policy api-orders/s);
  });
});

describe('checkTokenResource', () => {
  it('a non-GUID known identity must match exactly (no substring match on short strings)', () => {
    expect(() => checkTokenResource('api://abcdef', APP, ['abc'])).not.toThrow();
    expect(() => checkTokenResource('api://abc/', APP, ['abc'])).toThrow(/not an object ID/);
  });

  it('App ID URIs that contain no known object ID pass', () => {
    expect(() => checkTokenResource(`api://${APP}`, APP, [APIM_OID, UAI_OID])).not.toThrow();
    expect(() => checkTokenResource('https://func-x.contoso.example', APP, [APIM_OID, UAI_OID])).not.toThrow();
  });
});

describe('buildPlan: policy elements that undo the owned ones are refused before any write', () => {
  const later = (el: string) => policy(`${owned()}\n    ${el}`);
  it.each([
    [
      '(a) key put back',
      later('<set-header name="Ocp-Apim-Subscription-Key" exists-action="skip"><value>k</value></set-header>'),
      /set-header name="Ocp-Apim-Subscription-Key" exists-action="skip"> at line 6/
    ],
    [
      '(b) Authorization deleted',
      later('<set-header name="Authorization" exists-action="delete" />'),
      /set-header name="Authorization" exists-action="delete"> at line 6/
    ],
    [
      '(c) a second direct element',
      later('<authentication-managed-identity resource="https://vault.azure.net" />'),
      /a second direct <authentication-managed-identity resource="https:\/\/vault.azure.net"> at line 6/
    ]
  ])('%s → resource error, no write, the error names element, line and fix', (_n, text, re) => {
    const plan = buildPlan(settings(), ids, observed({}, text));
    const r = plan.resources[2];
    expect(r.error).toMatch(re);
    expect(r.error).toMatch(/remove/);
    expect(r.write).toBeUndefined();
    expect(hasDrift(plan)).toBe(false);
    let message = '';
    try {
      assertNoPlanErrors(plan);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Nothing was changed: 1 resource\(s\) cannot be reconciled: API policy api-orders/);
    expect(message.split('API policy api-orders')).toHaveLength(2);
    // the output-token warning of inspectPolicies is gone: the error says it
    expect(plan.warnings.join('\n')).not.toMatch(/output-token-variable-name/);
  });

  it.each([
    ['no <inbound>', policy('<base />').replace(/<inbound>[\s\S]*?<\/inbound>/, ''), /policy has no <inbound> section/],
    ['a <fragment> root', '<fragment>\n  <base />\n</fragment>', /policy root is <fragment> \(line 1\)/]
  ])('%s: the label appears once and the message does not say "cannot be tokenized"', (_n, text, re) => {
    const plan = buildPlan(settings(), ids, observed({}, text));
    let message = '';
    try {
      assertNoPlanErrors(plan);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(re);
    expect(message).not.toMatch(/tokeniz/);
    expect(message.split('API policy api-orders')).toHaveLength(2);
  });
});

describe('assertNoPlanErrors', () => {
  it('lists every broken resource', () => {
    const plan: Plan = {
      resources: [
        { kind: 'api-policy', resourceId: 'a', label: 'API policy a', changes: [], notes: [], error: 'bad a' },
        { kind: 'api-policy', resourceId: 'b', label: 'API policy b', changes: [], notes: [] },
        { kind: 'api-policy', resourceId: 'c', label: 'API policy c', changes: [], notes: [], error: 'bad c' }
      ],
      warnings: [],
      facts: { effectiveAudiences: [], excludedPaths: [] }
    };
    expect(() => assertNoPlanErrors(plan)).toThrow(/2 resource\(s\).*bad a.*bad c/);
  });
});

describe('buildPlan: the API renamed its subscription-key header (subscriptionKeyParameterNames.header)', () => {
  const renamed = (text: string | undefined, ...h: unknown[]) => {
    const header = h.length > 0 ? h[0] : 'X-Api-Key';
    const o = observed({}, text);
    o.apis[0].api = {
      properties: { path: 'orders', subscriptionKeyParameterNames: { header, query: 'subscription-key' } }
    };
    return o;
  };

  it('deletes the API header, keeps the default delete, and reports policy.set-header[X-Api-Key]', () => {
    const plan = buildPlan(settings(), ids, renamed(policy(owned())));
    const r = plan.resources[2];
    expect(r.error).toBeUndefined();
    expect(r.changes).toEqual([{ path: 'policy.set-header[X-Api-Key]', before: null, after: 'delete' }]);
    if (r.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(ownedState(r.write.value, { keyHeader: 'X-Api-Key' }).deletesSubscriptionKey).toBe(true);
    expect(r.write.value).toContain('<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />');
    // once written: in sync
    expect(hasDrift(buildPlan(settings(), ids, renamed(r.write.value)))).toBe(false);
  });

  it('a later X-Api-Key set-header is refused, naming the API header', () => {
    const text = policy(
      `${owned()}\n    <set-header name="X-Api-Key" exists-action="delete" />\n    <set-header name="X-API-KEY"><value>k</value></set-header>`
    );
    expect(buildPlan(settings(), ids, renamed(text)).resources[2].error).toMatch(
      /<set-header name="X-API-KEY"> at line 7 .*subscription key back.*move it before <set-header name="X-Api-Key" exists-action="delete"> \(line 6\)/
    );
  });

  it.each([[undefined], [''], [42]])('header %j → the default Ocp-Apim-Subscription-Key', (header) => {
    expect(subscriptionKeyHeader(renamed(undefined, header).apis[0].api)).toBe('Ocp-Apim-Subscription-Key');
    expect(hasDrift(buildPlan(settings(), ids, renamed(policy(owned()), header)))).toBe(false);
  });

  it('a header name that is not an HTTP header name is a resource error, nothing written', () => {
    const r = buildPlan(settings(), ids, renamed(policy(owned()), 'X Api"Key')).resources[2];
    expect(r.error).toMatch(/subscription-key header name "X Api\\"Key" .*not an HTTP header name/);
    expect(r.write).toBeUndefined();
  });
});

describe('buildPlan: ownership by purpose (named values, foreign managed-identity elements)', () => {
  const KEYS =
    '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> <set-query-parameter name="subscription-key" exists-action="delete" />';
  const withNv = (text: string, nv?: Record<string, string | undefined>, over: Partial<Observed> = {}) =>
    observed({ ...(nv ? { namedValues: new Map(Object.entries(nv)) } : {}), ...over }, text);

  it('policyOwnership: the token resource and the app client ID are acceptable; named values and object IDs passed on', () => {
    const nv = new Map([['x', 'y']]);
    expect(
      policyOwnership(
        settings({ tokenResource: `api://${APP}` }),
        ids,
        observed({ namedValues: nv, appObjectIds: ['o'] })
      )
    ).toEqual({ acceptableResources: [`api://${APP}`, APP], namedValues: nv, appObjectIds: ['o'] });
    expect(policyOwnership(settings(), ids, observed())).toEqual({ acceptableResources: [APP] });
  });

  it('(4) resource="{{orders-app-id}}" resolving to the app: in sync, no write; unresolved: no write, a warning', () => {
    const text = policy(`<base />\n    <authentication-managed-identity resource="{{orders-app-id}}" />\n    ${KEYS}`);
    const synced = buildPlan(settings(), ids, withNv(text, { 'orders-app-id': APP.toUpperCase() }));
    expect(hasDrift(synced)).toBe(false);
    expect(synced.resources[2].error).toBeUndefined();
    const unknown = buildPlan(settings(), ids, withNv(text, { 'orders-app-id': undefined }));
    expect(hasDrift(unknown)).toBe(false);
    expect(unknown.warnings.join('\n')).toMatch(/resource "\{\{orders-app-id\}\}" cannot be checked/);
  });

  it('(2) client-id="{{uami-client-id}}" resolving to an attached user-assigned identity: allowed, not refused', () => {
    const text = policy(owned(APP, ' client-id="{{uami-client-id}}"'));
    const plan = buildPlan(settings(), ids, withNv(text, { 'uami-client-id': UAI_CLIENT }));
    expect(planChanges(plan).map((r) => [r.field, r.after])).toEqual([[P.identities, [APIM_OID, UAI_OID]]]);
    expect(plan.warnings.join('\n')).toMatch(/client-id="\{\{uami-client-id\}\}" \(user-assigned uai-a\)/);
  });

  it('(2) an unresolved client-id reference is a warning, not a refusal; a resolved one that is not attached is refused', () => {
    const text = policy(owned(APP, ' client-id="{{uami-client-id}}"'));
    const plan = buildPlan(settings(), ids, withNv(text));
    expect(plan.warnings.join('\n')).toMatch(
      /client-id="\{\{uami-client-id\}\}" \(line 4\) cannot be checked: named value \{\{uami-client-id\}\} could not be resolved/
    );
    expect(planChanges(plan)).toEqual([]);
    const other = '99999999-0000-0000-0000-000000000000';
    const run = () => buildPlan(settings(), ids, withNv(text, { 'uami-client-id': other }));
    expect(run).toThrow(/client-id="\{\{uami-client-id\}\}" \(through its named value\) is not the client ID/);
    expect(run).toThrow(expect.objectContaining({ message: expect.not.stringContaining(other) }));
  });

  it('(2) a client-id on the user’s element (another resource) is not checked', () => {
    const aoai =
      '<authentication-managed-identity resource="https://cognitiveservices.azure.com" client-id="{{aoai-uami}}" output-token-variable-name="t" />';
    const plan = buildPlan(settings(), ids, withNv(policy(`${owned()}\n    ${aoai}`)));
    expect(plan.resources[2].error).toBeUndefined();
    expect(hasDrift(plan)).toBe(false);
    expect(
      inspectPolicies(observed({}, policy(`${owned()}\n    ${aoai}`)).apis, apimPrincipal(observed().service), {
        acceptableResources: [APP]
      }).extraCallers
    ).toEqual([]);
  });

  it('(3) a Key Vault lookup kept in a variable for <send-request>: the owned element is added, the lookup kept byte for byte', () => {
    const kv =
      '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv-token" />';
    const send =
      '<send-request mode="new" response-variable-name="s"><set-url>https://kv.vault.azure.net/secrets/x</set-url>' +
      '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["kv-token"])</value></set-header></send-request>';
    const text = policy(`<base />\n    ${kv}\n    ${send}`);
    const r = buildPlan(settings(), ids, observed({}, text)).resources[2];
    expect(r.error).toBeUndefined();
    if (r.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(r.write.value).toBe(
      policy(
        `<base />\n    <authentication-managed-identity resource="${APP}" />\n    ` +
          '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\n    ' +
          `<set-query-parameter name="subscription-key" exists-action="delete" />\n    ${kv}\n    ${send}`
      )
    );
    expect(r.changes.map((c) => c.path)).not.toContain('policy.resource');
  });

  it('(1) an Azure OpenAI token sent as Authorization by the user: refused naming the set-header, never rewritten', () => {
    const text = policy(
      '<base />\n    <authentication-managed-identity resource="https://cognitiveservices.azure.com" output-token-variable-name="aoai-token" />\n' +
        '    <set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["aoai-token"])</value></set-header>'
    );
    const r = buildPlan(settings(), ids, observed({}, text)).resources[2];
    expect(r.write).toBeUndefined();
    expect(r.error).toMatch(/<set-header name="Authorization" exists-action="override"> at line 5 runs after/);
  });

  it("C01: the app's object ID (appObjectIds) in the policy is a wrong form: rewritten to the app client ID", () => {
    const OID = 'ffffffff-1111-0000-0000-00000000000a';
    const plan = buildPlan(settings(), ids, observed({ appObjectIds: [OID] }, policy(owned(OID))));
    expect(planChanges(plan).map((r) => [r.field, r.before, r.after])).toEqual([['policy.resource', OID, APP]]);
    // unknown object ID: the element is another app's (the user's), so the owned one is added and it is refused
    expect(buildPlan(settings(), ids, observed({}, policy(owned(OID)))).resources[2].error).toMatch(
      /a direct <authentication-managed-identity resource="ffffffff-1111-0000-0000-00000000000a"> at line 4 runs after/
    );
  });

  it('token-resource api://<APP> with the client ID in the policy: in sync (Entra and Easy Auth accept both)', () => {
    const plan = buildPlan(settings({ tokenResource: `api://${APP}` }), ids, observed({}, policy(owned(APP))));
    expect(planChanges(plan).filter((r) => r.kind === 'api-policy')).toEqual([]);
  });
});

describe('buildPlan: a managed-identity element with output-token-variable-name is a lookup (issue 9)', () => {
  it('for the Function app or Key Vault: kept byte for byte, the owned element added, no refusal', () => {
    for (const lookup of [
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv-token" />'
    ]) {
      const text = policy(`<base />\n    ${lookup}`);
      const r = buildPlan(settings(), ids, observed({}, text)).resources[2];
      expect(r.error).toBeUndefined();
      if (r.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
      expect(r.write.value).toContain(lookup);
      expect(r.write.value).toContain(`<authentication-managed-identity resource="${APP}" />`);
    }
  });
});

describe('buildPlan: token-resource given as {{name}} (a named value)', () => {
  const URI = 'api://orders-prod';
  const nv = (v: string | undefined) => ({ namedValues: new Map([['orders-resource', v]]) });
  const ref = '{{orders-resource}}';

  it('a new element carries the reference; Easy Auth, facts and the object-ID check use the value', () => {
    const plan = buildPlan(
      settings({ appClientId: APP, tokenResource: ref }),
      ids,
      observed(nv(URI), policy('<base />'))
    );
    const w = plan.resources[2].write;
    if (w?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(w.value).toContain(`<authentication-managed-identity resource="${ref}" />`);
    expect(plan.facts.tokenResource).toBe(URI);
    expect(planChanges(plan).find((c) => c.field === P.allowedAudiences)?.after).toEqual([URI]);
  });

  it('an element with the reference, or with the value itself, is in sync and never rewritten', () => {
    for (const resource of [ref, URI]) {
      const plan = buildPlan(
        settings({ appClientId: APP, tokenResource: ref }),
        ids,
        observed(
          {
            ...nv(URI),
            authSettingsV2: authDoc({
              allowedAudiences: [URI],
              defaultAuthorizationPolicy: { allowedPrincipals: { identities: [APIM_OID] } }
            })
          },
          policy(owned(resource))
        )
      );
      expect(planChanges(plan)).toEqual([]);
      expect(plan.resources[2].error).toBeUndefined();
    }
  });

  it('unresolved, or a value that is no resource: refused before any write, the value never shown', () => {
    expect(() => buildPlan(settings({ tokenResource: ref }), ids, observed(nv(undefined)))).toThrow(
      /token-resource \{\{orders-resource\}\}: the named value cannot be resolved/
    );
    const bad = () => buildPlan(settings({ tokenResource: ref }), ids, observed(nv('not a resource')));
    expect(bad).toThrow(/is not the Function app's client ID or an App ID URI/);
    expect(bad).not.toThrow(/not a resource/);
  });
});

describe('buildPlan: the effective pipeline', () => {
  const withOps = (
    policies: Record<string, string>,
    fragments: Record<string, string> = {},
    apiPolicy = policy(owned())
  ): Partial<Observed> => ({
    apis: [
      {
        ...observed({}, apiPolicy).apis[0],
        api: { properties: { path: 'orders', serviceUrl: 'https://func-x.azurewebsites.net/api' } },
        operations: [
          { id: 'list', method: 'GET', urlTemplate: '/orders' },
          ...Object.entries(policies).map(([id, value]) => ({
            id,
            method: 'GET',
            urlTemplate: `/${id}`,
            policy: { value }
          }))
        ]
      }
    ],
    fragments: new Map(Object.entries(fragments).map(([k, v]) => [k, { value: v }]))
  });

  it('an operation without <base />: the API policy plan is refused naming the operation, even when it is in sync', () => {
    const plan = buildPlan(
      settings(),
      ids,
      observed(
        withOps({ legacy: policy('<set-header name="X" exists-action="override"><value>1</value></set-header>') })
      )
    );
    expect(plan.resources[2].changes).toEqual([]);
    expect(plan.resources[2].error).toMatch(/operation legacy of API api-orders: <inbound> at line 2 has no <base \/>/);
    expect(() => assertNoPlanErrors(plan)).toThrow(/Nothing was changed/);
  });

  it('refused together with the drift fix: the write is kept out (planBlockers), the message lists both kinds', () => {
    const plan = buildPlan(
      settings(),
      ids,
      observed(
        withOps(
          { bad: policy('<base />\n    <set-header name="Authorization" exists-action="delete" />') },
          {},
          policy('<base />')
        )
      )
    );
    expect(plan.resources[2].changes.length).toBeGreaterThan(0);
    expect(plan.resources[2].error).toMatch(
      /operation bad of API api-orders: <set-header name="Authorization" exists-action="delete"> at line 4 runs after <base \/>/
    );
  });

  it('a fragment is judged, so the merge’s "its content is not inspected" warning goes', () => {
    const api = policy(`${owned()}\n    <include-fragment fragment-id="log" />`);
    const plan = buildPlan(
      settings(),
      ids,
      observed(
        withOps(
          {},
          {
            log: '<fragment><set-header name="X-Log" exists-action="override"><value>1</value></set-header></fragment>'
          },
          api
        )
      )
    );
    expect(plan.resources[2].error).toBeUndefined();
    expect(plan.warnings.join('\n')).not.toMatch(/not inspected/);
    const old = buildPlan(settings(), ids, observed({}, api));
    expect(old.warnings.join('\n')).toMatch(/its content is not inspected/);
  });
});

describe('buildPlan: the effective pipeline with an API whose key names cannot be managed', () => {
  it('the planner refuses the names; the effective judgement is skipped, not a crash', () => {
    const o = observed();
    o.apis[0].api = {
      properties: { path: 'orders', subscriptionKeyParameterNames: { header: 'bad header', query: 'q' } }
    };
    o.apis[0].operations = [{ id: 'a', method: 'GET', urlTemplate: '/a', policy: { value: policy('<base />') } }];
    o.fragments = new Map();
    const plan = buildPlan(settings(), ids, o);
    expect(plan.resources[2].error).toMatch(/subscription-key header name/);
  });
});
