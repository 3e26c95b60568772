/**
 * The last-line write guard (src/write-guard.ts): the merge's real outputs pass it; any body that drops or alters a
 * non-owned value — generated at random, or the known failure of rewriting the user's own managed-identity element —
 * is refused with the path.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mergePolicy } from '../src/policy/index.js';
import { EASY_AUTH_PATHS, planEasyAuth } from '../src/resources/easy-auth.js';
import { getPath, isUnder, leaves, setPath } from '../src/json-path.js';
import { guardEasyAuthWrite, guardIdentityWrite, guardPolicyWrite } from '../src/write-guard.js';
import type { Json } from '../src/ports.js';

const APP = '55555555-5555-4555-8555-555555555555';
const OID = '88888888-8888-4888-8888-888888888888';
const SITE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x';
const OWNED = Object.values(EASY_AUTH_PATHS).map((p) => p.split('.'));
const own = { resources: [APP, `api://${APP}`], keyHeader: 'Ocp-Apim-Subscription-Key', keyQuery: 'subscription-key' };

/** Arbitrary user-owned Easy Auth content: providers, login, httpSettings, with nested objects, arrays and scalars. */
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 4 })));
const userTree = fc.dictionary(
  fc.constantFrom('google', 'facebook', 'twitter', 'apple', 'customOpenIdConnectProviders'),
  fc.dictionary(
    fc.constantFrom('enabled', 'registration', 'login', 'x'),
    fc.oneof(leaf, fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), leaf))
  )
);
const docArb = fc
  .record({
    providers: userTree,
    login: fc.dictionary(fc.constantFrom('tokenStore', 'routes', 'nonce', 'preserveUrlFragmentsForLogins'), leaf),
    http: fc.dictionary(fc.constantFrom('requireHttps', 'forwardProxy', 'routes'), leaf),
    enabled: fc.boolean(),
    excluded: fc.option(fc.array(fc.constantFrom('/api/health', '/api/ping')), { nil: undefined }),
    aad: fc.boolean()
  })
  .map(({ providers, login, http, enabled, excluded, aad }): Json => {
    const identityProviders: Json = { ...providers };
    if (aad)
      identityProviders.azureActiveDirectory = {
        enabled: true,
        registration: { clientId: APP },
        login: { disableWWWAuthenticate: false }
      };
    return {
      properties: {
        platform: { enabled, runtimeVersion: '~1' },
        globalValidation: { requireAuthentication: enabled, ...(excluded ? { excludedPaths: excluded } : {}) },
        identityProviders,
        login,
        httpSettings: http
      }
    };
  });

function plan(current: Json) {
  return planEasyAuth({
    resourceId: `${SITE}/config/authsettingsV2`,
    current,
    v1: { properties: {} },
    tenantId: '11111111-1111-4111-8111-111111111111',
    appClientId: APP,
    allowedCallers: 'apim-only',
    excludedPaths: ['/api/ping'],
    apimPrincipalId: OID
  });
}

describe('guardEasyAuthWrite', () => {
  it('passes every body the planner merges into an arbitrary document', () => {
    fc.assert(
      fc.property(docArb, (current) => {
        const p = plan(current);
        if (p.write?.op !== 'put-authsettings-v2') return;
        expect(guardEasyAuthWrite(current, p.write.body, p.write.ownedPaths)).toEqual([]);
      })
    );
  });

  it('refuses, naming the path, any outgoing body that drops or alters one non-owned value', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.boolean(), (current, pick, drop) => {
        const p = plan(current);
        if (p.write?.op !== 'put-authsettings-v2') return;
        const props = getPath(current, 'properties');
        const userLeaves = leaves(props).filter(([path]) => !OWNED.some((o) => isUnder(path, o)));
        if (userLeaves.length === 0) return;
        const [path] = userLeaves[pick % userLeaves.length];
        const body = structuredClone(p.write.body);
        setPath(body.properties as Json, path, drop ? undefined : 'CHANGED-BY-A-BUG');
        const found = guardEasyAuthWrite(current, body, p.write.ownedPaths);
        expect(found).toContain(`properties.${path.join('.')}`);
      })
    );
  });

  it('refuses a body built on an empty re-read: every provider, the token store and excluded paths named', () => {
    const current: Json = {
      properties: {
        platform: { enabled: false },
        globalValidation: { excludedPaths: ['/api/health'] },
        identityProviders: { google: { enabled: true } },
        login: { tokenStore: { enabled: true } }
      }
    };
    const fromEmpty = plan({ properties: { platform: {} } });
    const body = (fromEmpty.write as { body: Json }).body;
    const found = guardEasyAuthWrite(
      current,
      body,
      Object.values(EASY_AUTH_PATHS).filter((p) => p !== 'globalValidation.excludedPaths')
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'properties.identityProviders.google.enabled',
        'properties.login.tokenStore.enabled',
        'properties.globalValidation.excludedPaths'
      ])
    );
  });

  it('treats a missing properties object in the outgoing body as a difference', () => {
    expect(guardEasyAuthWrite({ properties: { platform: {} } }, {}, [])).toEqual([
      'properties (missing from the outgoing body)'
    ]);
  });
});

describe('guardIdentityWrite', () => {
  const uai = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/certs';
  const fresh = {
    identity: { type: 'UserAssigned', userAssignedIdentities: { [uai]: { principalId: 'p', clientId: 'c' } } }
  };

  it('passes the PATCH that adds SystemAssigned and keeps every user-assigned key (any case)', () => {
    const body = {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [uai.toUpperCase()]: {} } }
    };
    expect(guardIdentityWrite(fresh, body)).toEqual([]);
  });

  it('refuses a PATCH that narrows the type or drops a user-assigned identity', () => {
    expect(guardIdentityWrite(fresh, { identity: { type: 'SystemAssigned' } })).toEqual([
      "identity.type would drop UserAssigned ('UserAssigned' → 'SystemAssigned')",
      `identity.userAssignedIdentities would drop ${uai}`
    ]);
  });

  it('refuses a PATCH body that carries more than identity', () => {
    const body = { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [uai]: {} } }, sku: {} };
    expect(guardIdentityWrite(fresh, body)).toEqual(['the PATCH body carries more than identity (sku)']);
  });
});

describe('guardPolicyWrite', () => {
  const user = [
    '<policies>',
    '    <!-- keep -->',
    '    <inbound>',
    '        <base />',
    '        <authentication-managed-identity resource="https://cognitiveservices.azure.com" output-token-variable-name="aoai" />',
    '        <set-variable name="x" value="@(context.Request.Headers.GetValueOrDefault("a","b"))" />',
    '    </inbound>',
    '    <outbound><base /></outbound>',
    '</policies>'
  ].join('\n');

  it("passes the merge's output: owned elements added, every other byte kept", () => {
    const merged = mergePolicy(user, { resource: APP });
    expect(guardPolicyWrite(user, merged.text, own)).toEqual([]);
  });

  it("refuses a write that rewrites the user's own managed-identity element (ownership by position)", () => {
    const bug = user.replace(
      'resource="https://cognitiveservices.azure.com" output-token-variable-name="aoai"',
      `resource="${APP}"`
    );
    expect(guardPolicyWrite(user, bug, own)).toEqual([
      expect.stringMatching(/^bytes outside the owned elements would change: read .*cognitiveservices/)
    ]);
  });

  it('refuses a write that drops a comment, or a fresh default document written over a user policy', () => {
    expect(guardPolicyWrite(user, user.replace('    <!-- keep -->\n', ''), own)).toHaveLength(1);
    expect(guardPolicyWrite(user, mergePolicy(undefined, { resource: APP }).text, own)).toHaveLength(1);
  });

  it('passes an in-place update of the owned resource (C01: api://<app> → <app>) and any write when nothing was read', () => {
    const c01 = user.replace(
      '<base />',
      `<base />\n        <authentication-managed-identity resource="api://${APP}" />`
    );
    expect(guardPolicyWrite(c01, mergePolicy(c01, { resource: APP }).text, own)).toEqual([]);
    expect(guardPolicyWrite(undefined, '<policies/>', own)).toEqual([]);
  });

  it('never passes a write that changes one byte outside the owned elements (random positions)', () => {
    const merged = mergePolicy(user, { resource: APP }).text;
    fc.assert(
      fc.property(fc.nat(), (n) => {
        const i = n % user.length;
        const mutated = user.slice(0, i) + (user[i] === 'Z' ? 'Y' : 'Z') + user.slice(i + 1);
        // The mutated read is what the user has; the merged text keeps the original byte: the guard must object
        // (unless the byte lies inside the attribute of an owned element, which the user text has none of).
        expect(guardPolicyWrite(mutated, merged, own).length).toBeGreaterThan(0);
      }),
      { numRuns: 200 }
    );
  });

  it('refuses a document it cannot parse instead of guessing', () => {
    expect(guardPolicyWrite(user, '<policies><inbound>', own)[0]).toMatch(/could not parse/);
  });
});
