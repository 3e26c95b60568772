import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionError } from '../../src/errors.js';
import { getPath, isUnder, leaves } from '../../src/json-path.js';
import type { Json } from '../../src/ports.js';
import type { FieldChange } from '../../src/types.js';
import {
  EASY_AUTH_PATHS as P,
  PENDING_CLIENT_ID,
  PENDING_PRINCIPAL,
  planEasyAuth,
  verifyEasyAuthReadBack,
  type EasyAuthInput
} from '../../src/resources/easy-auth.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const armDir = path.resolve(repoRoot, '../shared/fixtures/arm');

const TENANT = '11111111-1111-1111-1111-111111111111';
const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const APIM_OID = 'bbbbbbbb-0000-0000-0000-000000000002';
const APIM_APPID = 'cccccccc-0000-0000-0000-000000000003';
const RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x/config/authsettingsV2';
const V2 = { properties: { configVersion: 'v2' } };

/** An authsettingsV2 GET body with an AAD provider for APP. */
function aadDoc(extra: { validation?: Json; registration?: Json; globalValidation?: Json } = {}): Json {
  return {
    id: RID,
    name: 'authsettingsV2',
    type: 'Microsoft.Web/sites/config',
    properties: {
      platform: { enabled: true, runtimeVersion: '~1' },
      globalValidation: {
        requireAuthentication: true,
        unauthenticatedClientAction: 'Return401',
        ...extra.globalValidation
      },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP, openIdIssuer: `https://sts.windows.net/${TENANT}/`, ...extra.registration },
          ...(extra.validation ? { validation: extra.validation } : {})
        }
      }
    }
  };
}

function input(current: Json, over: Partial<EasyAuthInput> = {}): EasyAuthInput {
  return {
    resourceId: RID,
    current,
    v1: V2,
    tenantId: TENANT,
    allowedCallers: 'apim-only',
    excludedPaths: [],
    apimPrincipalId: APIM_OID,
    ...over
  };
}

const props = (body: unknown) => (body as { properties: Json }).properties;
const change = (plan: { changes: FieldChange[] }, p: string) => plan.changes.find((c) => c.path === p);
/** The PUT of a plan (throws when the plan has none). */
function put(plan: ReturnType<typeof planEasyAuth>): { body: Json; ownedPaths: string[] } {
  if (plan.write?.op !== 'put-authsettings-v2') throw new Error('expected a put-authsettings-v2 write');
  return plan.write;
}

/** Simulates the PUT (whole document replaced by the body) and returns the new GET body. */
function applyWrite(current: Json, plan: ReturnType<typeof planEasyAuth>): Json {
  if (plan.write?.op !== 'put-authsettings-v2') return current;
  return { id: current.id, name: current.name, type: current.type, ...plan.write.body };
}

describe('planEasyAuth: from scratch (C06 initial state)', () => {
  const current = { properties: { platform: { enabled: false } } };

  it('sets every owned path, with the v1 issuer and APIM object ID', () => {
    const plan = planEasyAuth(input(current, { appClientId: APP }));
    const byPath = Object.fromEntries(plan.changes.map((c) => [c.path, [c.before, c.after]]));
    expect(byPath).toEqual({
      [P.platformEnabled]: [false, true],
      [P.requireAuthentication]: [undefined, true],
      [P.unauthenticatedClientAction]: [undefined, 'Return401'],
      [P.aadEnabled]: [undefined, true],
      [P.clientId]: [undefined, APP],
      [P.openIdIssuer]: [undefined, `https://sts.windows.net/${TENANT}/`],
      [P.identities]: [undefined, [APIM_OID]]
    });
    if (plan.write?.op !== 'put-authsettings-v2') throw new Error('expected a PUT');
    expect(plan.write.ownedPaths.sort()).toEqual(plan.changes.map((c) => c.path).sort());
    const body = props(plan.write.body);
    expect(getPath(body, P.clientId)).toBe(APP);
    expect(getPath(body, P.allowedApplications)).toBeUndefined();
    expect(plan.deferredUntil).toBeUndefined();
    expect(plan.facts.effectiveAudiences).toEqual([APP]);
  });

  it('uses an explicit open-id-issuer for a new registration and records it', () => {
    const issuer = `https://login.microsoftonline.com/${TENANT}/v2.0`;
    const plan = planEasyAuth(input(current, { appClientId: APP, openIdIssuer: issuer }));
    expect(change(plan, P.openIdIssuer)?.after).toBe(issuer);
    expect(plan.notes.join('\n')).toContain(issuer);
    expect(plan.warnings.join('\n')).toContain(issuer);
  });

  it('refuses without any app client ID and says how to create one', () => {
    expect(() => planEasyAuth(input(current))).toThrow(ActionError);
    expect(() => planEasyAuth(input(current))).toThrow(
      /az ad app create .*--sign-in-audience AzureADMyOrg.*app-client-id/s
    );
  });
});

describe('planEasyAuth: preconditions', () => {
  it('refuses a v1 (classic) auth config and changes nothing', () => {
    const run = () => planEasyAuth(input(aadDoc(), { v1: { properties: { configVersion: 'v1', enabled: true } } }));
    expect(run).toThrow(ActionError);
    expect(run).toThrow(/authsettingsV2.*az webapp auth config-version upgrade.*Nothing was changed/s);
  });

  it('takes the client ID from the site when the input is empty, and reports a different one as a change', () => {
    expect(
      planEasyAuth(
        input(aadDoc({ validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [APIM_OID] } } } }))
      ).changes
    ).toEqual([]);
    const other = 'dddddddd-0000-0000-0000-000000000004';
    const plan = planEasyAuth(input(aadDoc(), { appClientId: other }));
    expect(change(plan, P.clientId)).toEqual({ path: P.clientId, before: APP, after: other });
  });
});

describe('planEasyAuth: issuer (C03)', () => {
  it('never rewrites an existing v2.0 issuer, and warns naming it', () => {
    const issuer = `https://login.microsoftonline.com/${TENANT}/v2.0`;
    const plan = planEasyAuth(
      input(aadDoc({ registration: { openIdIssuer: issuer } }), { openIdIssuer: `https://sts.windows.net/${TENANT}/` })
    );
    expect(change(plan, P.openIdIssuer)).toBeUndefined();
    if (plan.write?.op === 'put-authsettings-v2') expect(getPath(props(plan.write.body), P.openIdIssuer)).toBe(issuer);
    expect(plan.warnings.some((w) => w.includes(issuer) && /v1/.test(w))).toBe(true);
    expect(plan.facts.openIdIssuer).toBe(issuer);
  });
});

describe('planEasyAuth: audiences (C02)', () => {
  it.each([
    ['empty list, URI resource', [], `api://${APP}`, [`api://${APP}`], false],
    ['existing entry kept', ['https://other'], `api://${APP}`, ['https://other', `api://${APP}`], false],
    ['already present', [`api://${APP}`], `api://${APP}`, undefined, false],
    ['resource = client ID adds nothing', [], APP, undefined, false],
    [
      '/.default entry kept and warned',
      [`api://${APP}/.default`],
      `api://${APP}`,
      [`api://${APP}/.default`, `api://${APP}`],
      true
    ]
  ])('%s', (_n, existing, tokenResource, after, warns) => {
    const cur = aadDoc({ validation: { allowedAudiences: existing } });
    const plan = planEasyAuth(input(cur, { tokenResource, allowedCallers: 'tenant' }));
    expect(change(plan, P.allowedAudiences)?.after).toEqual(after);
    expect(plan.warnings.some((w) => w.includes('/.default'))).toBe(warns);
    const effective = [APP, ...(after ?? existing)];
    expect(plan.facts.effectiveAudiences).toEqual(effective);
    expect(plan.notes).toContain(`effective audiences: ${effective.join(', ')}`);
  });
});

describe('planEasyAuth: callers (C04)', () => {
  const cur = aadDoc({ validation: { defaultAuthorizationPolicy: { allowedApplications: [APP] } } });

  it('appends APIM client ID to allowedApplications and object ID to identities, keeping APP', () => {
    const plan = planEasyAuth(input(cur, { apimIdentityClientId: APIM_APPID }));
    expect(change(plan, P.allowedApplications)).toEqual({
      path: P.allowedApplications,
      before: [APP],
      after: [APP, APIM_APPID]
    });
    expect(change(plan, P.identities)).toEqual({ path: P.identities, before: undefined, after: [APIM_OID] });
    expect(JSON.stringify(getPath(props(put(plan).body), P.allowedApplications))).not.toContain(APIM_OID);
    expect(plan.notes.join('\n')).toMatch(/allowedApplications \+= .*client ID/);
    expect(plan.notes.join('\n')).toMatch(/identities \+= .*object ID/);
  });

  it('refuses when the client ID is needed and unknown, naming the Graph permission and the input', () => {
    const run = () => planEasyAuth(input(cur));
    expect(run).toThrow(ActionError);
    expect(run).toThrow(/Application\.Read\.All.*apim-identity-client-id/s);
  });

  it('refuses an object ID given as the client ID (never into allowedApplications)', () => {
    expect(() => planEasyAuth(input(cur, { apimIdentityClientId: APIM_OID }))).toThrow(/object \(principal\) ID/);
  });

  it('keeps existing identities and does not duplicate (case-insensitive)', () => {
    const other = 'eeeeeeee-0000-0000-0000-000000000005';
    const c = aadDoc({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [other, APIM_OID.toUpperCase()] } } }
    });
    expect(planEasyAuth(input(c)).changes).toEqual([]);
    const c2 = aadDoc({ validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [other] } } } });
    expect(change(planEasyAuth(input(c2)), P.identities)?.after).toEqual([other, APIM_OID]);
  });

  it('caps identities at 500 characters', () => {
    const many = Array.from({ length: 13 }, (_, i) => `${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`);
    expect(many.join(',').length).toBeLessThanOrEqual(500);
    const c = aadDoc({ validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: many } } } });
    expect(() => planEasyAuth(input(c))).toThrow(/500-character/);
    expect(() => planEasyAuth(input(c, { allowedCallers: 'tenant' }))).toThrow(/500-character/);
    const fits = aadDoc({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: many.slice(0, 12) } } }
    });
    expect(change(planEasyAuth(input(fits)), P.identities)?.after).toHaveLength(13);
  });

  it('counts a principalId not known yet (identity created by this run) against the cap, before any write', () => {
    const many = Array.from({ length: 13 }, (_, i) => `${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`);
    const c = aadDoc({ validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: many } } } });
    expect(() => planEasyAuth(input(c, { apimPrincipalId: undefined }))).toThrow(
      /would be 517 characters.*500-character/
    );
    const fits = aadDoc({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: many.slice(0, 12) } } }
    });
    expect(planEasyAuth(input(fits, { apimPrincipalId: undefined })).deferredUntil).toBe('apim-identity');
  });

  it('never writes an empty list', () => {
    const c = aadDoc({
      validation: {
        defaultAuthorizationPolicy: { allowedApplications: [], allowedPrincipals: { identities: [], groups: [] } }
      }
    });
    const plan = planEasyAuth(
      input(c, { appClientId: 'ffffffff-0000-0000-0000-000000000006', allowedCallers: 'tenant' })
    );
    const body = props(put(plan).body);
    for (const [p, v] of leaves(body))
      if (Array.isArray(v)) expect([p.join('.'), v.length]).not.toEqual([p.join('.'), 0]);
    const apim = planEasyAuth(input(c));
    expect(getPath(props(put(apim).body), P.identities)).toEqual([APIM_OID]);
    expect(getPath(props(put(apim).body), P.allowedApplications)).toBeUndefined();
  });

  it('tenant mode adds no restriction, but lets APIM through an existing one', () => {
    const free = planEasyAuth(input(aadDoc(), { allowedCallers: 'tenant' }));
    expect(free.changes).toEqual([]);
    expect(free.warnings.join('\n')).toMatch(/tenant/);
    const other = 'eeeeeeee-0000-0000-0000-000000000005';
    const restricted = aadDoc({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [other] } } }
    });
    expect(change(planEasyAuth(input(restricted, { allowedCallers: 'tenant' })), P.identities)?.after).toEqual([
      other,
      APIM_OID
    ]);
    const apps = planEasyAuth(input(cur, { allowedCallers: 'tenant' }));
    expect(change(apps, P.allowedApplications)).toBeUndefined();
    expect(apps.warnings.join('\n')).toMatch(/403/);
  });
});

describe('planEasyAuth: APIM identity not there yet (C10)', () => {
  it('shows the identities change with a placeholder and defers', () => {
    const cur = aadDoc({ validation: { defaultAuthorizationPolicy: { allowedApplications: [APP] } } });
    const plan = planEasyAuth(input(cur, { apimPrincipalId: undefined }));
    expect(plan.deferredUntil).toBe('apim-identity');
    expect(change(plan, P.identities)?.after).toEqual([PENDING_PRINCIPAL]);
    expect(change(plan, P.allowedApplications)?.after).toEqual([APP, PENDING_CLIENT_ID]);
    const body = JSON.stringify(plan.write ?? {});
    expect(body).not.toContain(PENDING_PRINCIPAL);
    expect(body).not.toContain(PENDING_CLIENT_ID);
    // re-derived with the real IDs after the identity write: no placeholder, no deferral
    const again = planEasyAuth(input(cur, { apimIdentityClientId: APIM_APPID }));
    expect(again.deferredUntil).toBeUndefined();
    expect(change(again, P.identities)?.after).toEqual([APIM_OID]);
  });
});

describe('planEasyAuth: preserving what is not owned (C07, C14)', () => {
  const c07: Json = {
    id: RID,
    properties: {
      platform: { enabled: true },
      globalValidation: {
        requireAuthentication: true,
        unauthenticatedClientAction: 'RedirectToLoginPage',
        excludedPaths: ['/api/health'],
        redirectToProvider: 'azureactivedirectory'
      },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: {
            clientId: APP,
            clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET',
            openIdIssuer: `https://sts.windows.net/${TENANT}/v2.0`
          },
          login: { loginParameters: ['scope=openid offline_access'] }
        },
        google: {
          enabled: true,
          registration: { clientId: 'g.apps.googleusercontent.com', clientSecretSettingName: 'GOOGLE_SECRET' }
        }
      },
      login: { tokenStore: { enabled: true }, allowedExternalRedirectUrls: ['https://x.example'] }
    }
  };

  it('changes only owned paths and counts what it preserved', () => {
    const plan = planEasyAuth(input(c07, { excludedPaths: ['/api/health', '/api/ping'] }));
    expect(plan.changes.map((c) => c.path).sort()).toEqual(
      [P.unauthenticatedClientAction, P.excludedPaths, P.identities].sort()
    );
    expect(change(plan, P.excludedPaths)?.after).toEqual(['/api/health', '/api/ping']);
    const owned = Object.values(P).map((p) => p.split('.'));
    const before = leaves(c07.properties).filter(([p]) => !owned.some((o) => isUnder(p, o)));
    const body = props(put(plan).body);
    for (const [p, v] of before) expect([p.join('.'), getPath(body, p)]).toEqual([p.join('.'), v]);
    expect(plan.notes).toContain(`preserved ${before.length} other settings`);
    expect(JSON.stringify(plan)).not.toMatch(/secret value/i);
  });

  it('keeps existing excluded paths when the input has none (C14)', () => {
    const plan = planEasyAuth(input(c07));
    expect(change(plan, P.excludedPaths)).toBeUndefined();
    expect(plan.facts.excludedPaths).toEqual(['/api/health']);
  });

  it('is idempotent: the written document plans no change', () => {
    const plan = planEasyAuth(input(c07, { excludedPaths: ['/api/ping'], tokenResource: `api://${APP}` }));
    const after = applyWrite(c07, plan);
    expect(planEasyAuth(input(after, { excludedPaths: ['/api/ping'], tokenResource: `api://${APP}` })).changes).toEqual(
      []
    );
    expect(verifyEasyAuthReadBack(c07, put(plan).body, after, put(plan).ownedPaths)).toEqual([]);
  });

  it('counts one number of preserved settings before the write and after it: an empty object it fills is not one', () => {
    // identityProviders: {} and login: {} are empty objects; only the first is filled by the merge (the provider).
    const doc = {
      properties: {
        platform: { enabled: false, runtimeVersion: '~1' },
        identityProviders: {},
        login: {},
        httpSettings: { requireHttps: true, routes: { apiPrefix: '/.auth' } }
      }
    };
    const preserved = (p: { notes: string[] }) => p.notes.find((n) => /^preserved \d+ other settings$/.test(n));
    const plan = planEasyAuth(input(doc, { appClientId: APP }));
    // runtimeVersion, login: {}, requireHttps, apiPrefix — not identityProviders: {}.
    expect(preserved(plan)).toBe('preserved 4 other settings');
    const after = applyWrite(doc, plan);
    expect(preserved(planEasyAuth(input(after, { appClientId: APP })))).toBe('preserved 4 other settings');
  });
});

describe('verifyEasyAuthReadBack (C06, C07)', () => {
  const before = aadDoc({
    registration: { clientSecretSettingName: 'S' },
    globalValidation: { excludedPaths: ['/h'] }
  });
  const plan = planEasyAuth(input(before, { tokenResource: `api://${APP}` }));
  const written = put(plan).body;
  const owned = put(plan).ownedPaths;
  const mutate = (f: (p: Json) => void): Json => {
    const a = structuredClone({ ...written, id: RID, etag: 'x' }) as Json;
    f(props(a));
    return a;
  };

  it.each<[string, (p: Json) => void, RegExp | null]>([
    ['read back as written (server fields differ)', () => undefined, null],
    [
      'empty list read back for an absent one',
      (p) => ((p.login as Json | undefined) ?? (p.login = {}), ((p.login as Json).allowedExternalRedirectUrls = [])),
      null
    ],
    [
      'provider dropped (C06)',
      (p) => delete (p.identityProviders as Json).azureActiveDirectory,
      /provider not persisted \(api-version\/shape mismatch\)/
    ],
    [
      'provider disabled',
      (p) => ((getPath(p, 'identityProviders.azureActiveDirectory') as Json).enabled = false),
      /provider not persisted/
    ],
    [
      'owned path not as written',
      (p) => ((getPath(p, 'identityProviders.azureActiveDirectory.validation') as Json).allowedAudiences = []),
      /allowedAudiences: read back/
    ],
    [
      'non-owned setting lost (C07)',
      (p) => delete (getPath(p, 'identityProviders.azureActiveDirectory.registration') as Json).clientSecretSettingName,
      /registration\.clientSecretSettingName changed/
    ],
    ['non-owned setting added', (p) => (p.httpSettings = { requireHttps: false }), /httpSettings\.requireHttps changed/]
  ])('%s', (_n, f, expected) => {
    const problems = verifyEasyAuthReadBack(before, written, mutate(f), owned);
    if (expected === null) expect(problems).toEqual([]);
    else expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  it('never prints non-owned values', () => {
    const after = mutate(
      (p) =>
        ((getPath(p, 'identityProviders.azureActiveDirectory.registration') as Json).clientSecretSettingName =
          'LEAKED-VALUE')
    );
    expect(verifyEasyAuthReadBack(before, written, after, owned).join('\n')).not.toContain('LEAKED-VALUE');
  });
});

const fixture = path.join(armDir, 'web-authsettingsv2-list.json');
const dfx = existsSync(fixture) ? describe : describe.skip;
if (!existsSync(fixture)) console.warn('SKIPPED easy-auth ARM fixture tests: ../shared absent');
dfx('planEasyAuth with the ARM example (web-authsettingsv2-list.json)', () => {
  it('adds the AAD provider, keeps Google, login and excluded paths, and is idempotent', () => {
    const current = JSON.parse(readFileSync(fixture, 'utf8')).responses['200'].body as Json;
    const plan = planEasyAuth(input(current, { appClientId: APP, excludedPaths: ['/api/health'] }));
    expect(change(plan, P.unauthenticatedClientAction)).toEqual({
      path: P.unauthenticatedClientAction,
      before: 'Return403',
      after: 'Return401'
    });
    const body = props(put(plan).body);
    expect(getPath(body, 'identityProviders.google')).toEqual(getPath(current, 'properties.identityProviders.google'));
    expect(getPath(body, 'login')).toEqual(getPath(current, 'properties.login'));
    expect(getPath(body, P.excludedPaths)).toEqual(['/nosecrets/Path', '/api/health']);
    const after = applyWrite(current, plan);
    expect(verifyEasyAuthReadBack(current, put(plan).body, after, put(plan).ownedPaths)).toEqual([]);
    expect(planEasyAuth(input(after, { excludedPaths: ['/api/health'] })).changes).toEqual([]);
  });
});
