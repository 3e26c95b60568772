import fc from 'fast-check';
import type { Json } from '../src/ports.js';
import { buildPlan, hasDrift, planChanges, type Observed } from '../src/plan.js';
import { verifyEasyAuthReadBack } from '../src/resources/easy-auth.js';
import type { Plan, Settings, TargetIds } from '../src/types.js';

const TENANT = '11111111-1111-1111-1111-111111111111';
const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const APIM_OID = 'bbbbbbbb-0000-0000-0000-000000000002';
const APIM_APPID = 'cccccccc-0000-0000-0000-000000000003';
const OTHER_OID = '12345678-0000-0000-0000-000000000007';
const APIM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x';
const SITE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x';
const uaiId = (n: number) =>
  `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u${n}`;
const ids: TargetIds = {
  apim: APIM,
  apis: { a1: `${APIM}/apis/a1`, a2: `${APIM}/apis/a2` },
  site: SITE,
  authSettingsV2: `${SITE}/config/authsettingsV2`
};

const wrap = (inbound: string, nl = '\n') =>
  [
    '<policies>',
    '  <inbound>',
    `    ${inbound}`,
    '  </inbound>',
    '  <backend>',
    '    <base />',
    '  </backend>',
    '</policies>'
  ].join(nl);
const POLICIES: (string | undefined)[] = [
  undefined,
  wrap('<base />'),
  wrap(`<base />\n    <authentication-managed-identity resource="api://${APP}" />`),
  wrap(
    `<base />\n    <authentication-managed-identity resource="${APP}" />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> <set-query-parameter name="subscription-key" exists-action="delete" />`,
    '\r\n'
  ),
  wrap(`<authentication-managed-identity resource="${APP}" />\n    <base />`),
  wrap(
    '<base />\n    <set-variable name="caller" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />'
  )
];

const sub = <T>(xs: T[]) => fc.option(fc.subarray(xs), { nil: undefined });

const identityArb = fc
  .record({
    type: fc.constantFrom(undefined, 'None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned'),
    uais: fc.integer({ min: 1, max: 2 })
  })
  .map(({ type, uais }): Json | undefined => {
    if (type === undefined) return undefined;
    const identity: Json = { type };
    if (type.includes('SystemAssigned')) identity.principalId = APIM_OID;
    if (type.includes('UserAssigned')) {
      identity.userAssignedIdentities = Object.fromEntries(
        Array.from({ length: uais }, (_, i) => [
          uaiId(i),
          {
            principalId: `0000000${i}-1111-0000-0000-000000000000`,
            clientId: `0000000${i}-2222-0000-0000-000000000000`
          }
        ])
      );
    }
    return identity;
  });

const authArb = fc.oneof(
  fc.boolean().map((enabled): Json => ({ properties: { platform: { enabled } } })),
  fc
    .record({
      platform: fc.boolean(),
      action: fc.constantFrom('Return401', 'Return403', 'RedirectToLoginPage', undefined),
      issuer: fc.constantFrom(`https://sts.windows.net/${TENANT}/`, `https://login.microsoftonline.com/${TENANT}/v2.0`),
      audiences: sub(['https://x.example', `api://${APP}`, `api://${APP}/.default`]),
      identities: sub([OTHER_OID, APIM_OID]),
      apps: sub([APP, APIM_APPID]),
      excluded: sub(['/api/health', '/static/probe.txt']),
      google: fc.boolean()
    })
    .map((g): Json => {
      const dap: Json = {};
      if (g.apps) dap.allowedApplications = g.apps;
      if (g.identities) dap.allowedPrincipals = { identities: g.identities };
      return {
        id: `${SITE}/config/authsettingsv2`,
        name: 'authsettingsv2',
        properties: {
          platform: { enabled: g.platform, runtimeVersion: '~1' },
          globalValidation: {
            ...(g.action ? { requireAuthentication: true, unauthenticatedClientAction: g.action } : {}),
            ...(g.excluded ? { excludedPaths: g.excluded } : {})
          },
          identityProviders: {
            azureActiveDirectory: {
              enabled: true,
              registration: { clientId: APP, openIdIssuer: g.issuer, clientSecretSettingName: 'AAD_SECRET' },
              login: { loginParameters: ['scope=openid offline_access'] },
              validation: { ...(g.audiences ? { allowedAudiences: g.audiences } : {}), defaultAuthorizationPolicy: dap }
            },
            ...(g.google
              ? { google: { enabled: true, registration: { clientId: 'g', clientSecretSettingName: 'G' } } }
              : {})
          },
          login: { tokenStore: { enabled: true } }
        }
      };
    })
);

const settingsArb = fc.record({
  appClientId: fc.constantFrom(APP, undefined),
  tokenResource: fc.constantFrom(undefined, APP, `api://${APP}`),
  allowedCallers: fc.constantFrom('apim-only' as const, 'tenant' as const),
  excludedPaths: fc.subarray(['/api/health', '/api/ping']),
  openIdIssuer: fc.constantFrom(undefined, `https://login.microsoftonline.com/${TENANT}/v2.0`)
});

function settings(s: Partial<Settings>): Settings {
  return {
    clientId: 'wf',
    tenantId: TENANT,
    subscriptionId: 's',
    environment: 'AzureCloud',
    endpoints: {
      armEndpoint: 'https://m',
      armScope: 'https://m/.default',
      authorityHost: 'https://l',
      graphEndpoint: 'https://g',
      graphScope: 'https://g/.default'
    },
    audience: 'api://AzureADTokenExchange',
    apimName: 'apim-x',
    apimResourceGroup: 'rg',
    apiIds: ['a1', 'a2'],
    functionAppName: 'func-x',
    functionAppResourceGroup: 'rg',
    allowedCallers: 'apim-only',
    excludedPaths: [],
    mode: 'apply',
    failOnDrift: true,
    smoke: { path: '', method: 'GET', expectedStatus: '2xx', timeoutSeconds: 60, subscriptionName: 'master' },
    prComment: false,
    ...s
  };
}

/** What ARM would hold after the plan's writes: identity PATCH-merged, authsettingsV2 replaced, policies replaced. */
function applyWrites(s: Settings, obs: Observed, first: Plan): Observed {
  const o = structuredClone(obs);
  let plan = first;
  const idWrite = plan.resources.find((r) => r.kind === 'apim-identity')?.write;
  if (idWrite?.op === 'patch-apim-identity') {
    const old = (o.service.identity ?? {}) as Json;
    const oldUai = (old.userAssignedIdentities ?? {}) as Record<string, Json>;
    const keys = Object.keys(idWrite.body.identity.userAssignedIdentities ?? {});
    expect(keys.sort()).toEqual(Object.keys(oldUai).sort());
    o.service.identity = {
      type: idWrite.body.identity.type,
      principalId: APIM_OID,
      ...(keys.length ? { userAssignedIdentities: Object.fromEntries(keys.map((k) => [k, oldUai[k]])) } : {})
    };
    o.apimIdentityClientId = APIM_APPID; // the Graph lookup now succeeds
    plan = buildPlan(s, ids, o); // apply re-derives Easy Auth once the principalId exists (C10)
    expect(plan.resources.some((r) => r.deferredUntil)).toBe(false);
  }
  for (const r of plan.resources) {
    const w = r.write;
    if (w?.op === 'put-authsettings-v2') {
      const before = o.authSettingsV2;
      o.authSettingsV2 = { id: before.id, name: before.name, ...structuredClone(w.body) };
      expect(verifyEasyAuthReadBack(before, w.body, o.authSettingsV2, w.ownedPaths)).toEqual([]);
    } else if (w?.op === 'put-api-policy') {
      const api = o.apis.find((a) => a.apiId === w.apiId)!;
      api.policy = { value: w.value, etag: '"new"' };
    }
  }
  return o;
}

describe('planning is idempotent (property)', () => {
  it('applying the writes and planning again yields no changes', () => {
    fc.assert(
      fc.property(
        identityArb,
        authArb,
        settingsArb,
        fc.constantFrom(...POLICIES),
        fc.constantFrom(...POLICIES),
        (identity, auth, sa, p1, p2) => {
          const fromScratch = !(auth.properties as Json).identityProviders;
          const s = settings({ ...sa, appClientId: fromScratch ? APP : sa.appClientId });
          const hasSystem = typeof identity?.type === 'string' && identity.type.includes('SystemAssigned');
          const obs: Observed = {
            service: { name: 'apim-x', ...(identity ? { identity } : {}) },
            site: { properties: { defaultHostName: 'func-x.azurewebsites.net' } },
            authSettingsV2: auth,
            authSettingsV1: { properties: { configVersion: 'v2' } },
            apimIdentityClientId: hasSystem ? APIM_APPID : undefined,
            apis: [
              {
                apiId: 'a1',
                resourceId: ids.apis.a1,
                api: {},
                policy: p1 === undefined ? undefined : { value: p1, etag: '"1"' }
              },
              {
                apiId: 'a2',
                resourceId: ids.apis.a2,
                api: {},
                policy: p2 === undefined ? undefined : { value: p2, etag: '"2"' }
              }
            ]
          };
          const plan = buildPlan(s, ids, obs);
          for (const r of plan.resources) expect(Boolean(r.write)).toBe(r.changes.length > 0);
          const after = applyWrites(s, obs, plan);
          const again = buildPlan(s, ids, after);
          expect(planChanges(again)).toEqual([]);
          expect(hasDrift(again)).toBe(false);
          expect(again.facts.effectiveAudiences).toContain(again.facts.tokenResource);
        }
      ),
      { numRuns: 300 }
    );
  });
});
