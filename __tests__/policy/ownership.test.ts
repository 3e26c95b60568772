/**
 * Ownership by purpose, never by position: the owned <authentication-managed-identity> is the one that sends APIM's
 * token for the Function (direct in <inbound>, no output-token-variable-name, resource = the Function's app, also
 * through a {{named value}}); every other managed-identity element is the user's and stays byte for byte.
 * The four real failures first, then the rules, ownedManagedIdentity / ownedElementSpans, and a fast-check property.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  inspectPolicy,
  mergePolicy,
  ownedElementSpans,
  ownedManagedIdentity,
  ownedState,
  type OwnershipOptions
} from '../../src/policy/index.js';
import { canonicalPolicy } from '../../src/policy/equivalent.js';
import { elementChildren, parsePolicy, type ElementNode } from '../../src/policy/tree.js';

const APP = '11111111-2222-3333-4444-555555555555';
const APP_OID = '99999999-8888-7777-6666-555555555555';
const OWNED = `<authentication-managed-identity resource="${APP}" />`;
const KEY_H = '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
const KEY_Q = '<set-query-parameter name="subscription-key" exists-action="delete" />';

/** A policy with these <inbound> lines (line 1 <policies>, line 2 <inbound>: lines[i] is on line i + 3). */
function doc(inbound: string[], backend: string[] = ['<base />']): string {
  return [
    '<policies>',
    '    <inbound>',
    ...inbound.map((l) => `        ${l}`),
    '    </inbound>',
    '    <backend>',
    ...backend.map((l) => `        ${l}`),
    '    </backend>',
    '    <outbound>',
    '        <base />',
    '    </outbound>',
    '</policies>',
    ''
  ].join('\n');
}

/** Every <authentication-managed-identity> of `raw` with its offsets, in document order. */
function miElements(raw: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  const walk = (el: ElementNode) => {
    if (el.name === 'authentication-managed-identity')
      out.push({ start: el.start, end: el.end, text: raw.slice(el.start, el.end) });
    elementChildren(el).forEach(walk);
  };
  walk(parsePolicy(raw).root);
  return out;
}

/** Every <authentication-managed-identity> of `raw` as authored, in document order. */
const miTexts = (raw: string): string[] => miElements(raw).map((e) => e.text);

/** The managed-identity elements of `raw` that are NOT owned (by ownedElementSpans), as authored. */
function foreignTexts(raw: string, opts: OwnershipOptions & { acceptableResources: string[] }): string[] {
  const spans = ownedElementSpans(raw, opts);
  return miElements(raw)
    .filter((e) => !spans.some((s) => s.start === e.start && s.end === e.end))
    .map((e) => e.text);
}

/** Merge, check idempotence (same string, no changes) and return the first result. */
function merged(raw: string, opts: OwnershipOptions = {}, resource = APP) {
  const r = mergePolicy(raw, { resource, ...opts });
  const again = mergePolicy(r.text, { resource, ...opts });
  expect(again.text).toBe(r.text);
  expect(again.changes).toEqual([]);
  return r;
}

describe('the four real failures', () => {
  const AOAI =
    '<authentication-managed-identity resource="https://cognitiveservices.azure.com" output-token-variable-name="aoai-token" />';
  const AOAI_AUTH =
    '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["aoai-token"])</value></set-header>';

  it('(1) an Azure OpenAI token into a variable + an Authorization set-header using it: never rewritten; refused, naming the set-header and its line', () => {
    const raw = doc(['<base />', AOAI, AOAI_AUTH]);
    const r = mergePolicy(raw, { resource: APP });
    // the user's element is byte for byte where it was; the owned element is added after <base />
    expect(r.changes.map((c) => c.path)).toEqual([
      'policy.authentication-managed-identity',
      'policy.set-header[Ocp-Apim-Subscription-Key]',
      'policy.set-query-parameter[subscription-key]'
    ]);
    expect(r.text).toBe(doc(['<base />', OWNED, KEY_H, KEY_Q, AOAI, AOAI_AUTH]));
    expect(r.changes.some((c) => c.path === 'policy.resource')).toBe(false);
    // the set-header then sends the Azure OpenAI token to the Function: refused with the element and its line
    expect(r.conflicts.map((c) => [c.kind, c.line])).toEqual([['authorization-replaced', 5]]);
    expect(r.conflicts[0].element).toBe('<set-header name="Authorization" exists-action="override">');
    expect(r.conflicts[0].message).toMatch(/at line 5 runs after <authentication-managed-identity>/);
  });

  it.each([
    [
      'a non-Authorization header',
      '<set-header name="X-AOAI-Token" exists-action="override"><value>@((string)context.Variables["aoai-token"])</value></set-header>'
    ],
    [
      '<send-request>',
      '<send-request mode="new" response-variable-name="r"><set-url>https://x.openai.azure.com/</set-url>' +
        '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["aoai-token"])</value></set-header></send-request>'
    ]
  ])('(1) the same token used only by %s: accepted, kept byte for byte, owned element added', (_n, use) => {
    const raw = doc(['<base />', AOAI, use]);
    const r = merged(raw);
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(doc(['<base />', OWNED, KEY_H, KEY_Q, AOAI, use]));
    expect(r.warnings.join('\n')).toMatch(/line 4 .*keeps its token in a variable: it is not the Function's token/);
  });

  it('(2) client-id="{{uami-client-id}}" on the owned element is kept as written and judged through its named value', () => {
    const el = `<authentication-managed-identity resource="${APP}" client-id="{{uami-client-id}}" />`;
    const raw = doc(['<base />', el, KEY_H, KEY_Q]);
    const nv = new Map([['uami-client-id', 'eeeeeeee-0000-0000-0000-000000000005']]);
    const r = merged(raw, { namedValues: nv });
    expect(r.changes).toEqual([]);
    expect(r.text).toBe(raw);
    expect(ownedManagedIdentity(raw, { acceptableResources: [APP], namedValues: nv })).toMatchObject({
      line: 4,
      resourceStatus: 'acceptable',
      clientId: '{{uami-client-id}}',
      clientIdResolved: 'eeeeeeee-0000-0000-0000-000000000005'
    });
    // unresolved: said why, no value invented
    const unknown = ownedManagedIdentity(raw, { acceptableResources: [APP] });
    expect(unknown?.clientIdResolved).toBeUndefined();
    expect(unknown?.clientIdUnresolved).toMatch(/named value \{\{uami-client-id\}\} could not be resolved/);
  });

  it('(3) a Key Vault lookup into a variable used by <send-request>: accepted, the owned element added, the lookup byte for byte', () => {
    const kv =
      '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv-token" />';
    const send = [
      '<send-request mode="new" response-variable-name="secret" timeout="20" ignore-error="false">',
      '    <set-url>https://contoso.vault.azure.net/secrets/backend-key/?api-version=7.4</set-url>',
      '    <set-method>GET</set-method>',
      '    <set-header name="Authorization" exists-action="override">',
      '        <value>@("Bearer " + (string)context.Variables["kv-token"])</value>',
      '    </set-header>',
      '</send-request>'
    ];
    const raw = doc(['<base />', kv, ...send]);
    expect(inspectPolicy(raw, { acceptableResources: [APP] }).conflicts).toEqual([]);
    const r = merged(raw);
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(doc(['<base />', OWNED, KEY_H, KEY_Q, kv, ...send]));
    expect(miTexts(r.text)).toEqual([OWNED, kv]);
  });

  it('(4) resource="{{orders-app-id}}" that resolves to the app is in sync and never rewritten', () => {
    const el = '<authentication-managed-identity resource="{{orders-app-id}}" />';
    const raw = doc(['<base />', el, KEY_H, KEY_Q]);
    for (const value of [APP, APP.toUpperCase(), ` ${APP} `]) {
      const r = merged(raw, { namedValues: new Map([['orders-app-id', value]]) });
      expect(r.changes).toEqual([]);
      expect(r.text).toBe(raw);
      expect(r.conflicts).toEqual([]);
      expect(r.warnings).toEqual([]);
    }
    // an App ID URI as token-resource: the client ID behind the named value is still acceptable
    expect(
      mergePolicy(raw, {
        resource: `api://${APP}`,
        acceptableResources: [`api://${APP}`, APP],
        namedValues: new Map([['orders-app-id', APP]])
      }).changes
    ).toEqual([]);
  });

  it('(4) unresolved (unknown, Key Vault-backed): kept as written with a warning, never replaced by a literal', () => {
    const el = '<authentication-managed-identity resource="{{orders-app-id}}" />';
    const raw = doc(['<base />', el, KEY_H, KEY_Q]);
    for (const nv of [undefined, new Map([['orders-app-id', undefined]])]) {
      const r = merged(raw, { namedValues: nv });
      expect(r.text).toBe(raw);
      expect(r.changes).toEqual([]);
      expect(r.conflicts).toEqual([]);
      expect(r.warnings).toEqual([
        expect.stringMatching(
          /line 4: resource "\{\{orders-app-id\}\}" cannot be checked \(named value \{\{orders-app-id\}\} could not be resolved.*make sure it is the Function's app/
        )
      ]);
    }
  });

  it('(4) a reference that resolves to a wrong form (api://<client ID>) is rewritten, with a warning naming the reference only', () => {
    const raw = doc(['<base />', '<authentication-managed-identity resource="{{orders-app-id}}" />', KEY_H, KEY_Q]);
    const r = merged(raw, { namedValues: new Map([['orders-app-id', `api://${APP}`]]) });
    expect(r.changes).toEqual([{ path: 'policy.resource', before: '{{orders-app-id}}', after: APP }]);
    expect(r.text).toBe(doc(['<base />', OWNED, KEY_H, KEY_Q]));
    expect(r.warnings.join('\n')).toMatch(
      /resource="\{\{orders-app-id\}\}" was replaced.*named value itself is unchanged/
    );
    expect(r.warnings.join('\n')).not.toContain(`api://${APP}`);
  });

  it('(4) a reference to another app is the user’s element: refused (it replaces the token), not rewritten', () => {
    const el = '<authentication-managed-identity resource="{{other-app}}" />';
    const raw = doc(['<base />', el]);
    const r = mergePolicy(raw, {
      resource: APP,
      namedValues: new Map([['other-app', 'aaaaaaaa-0000-0000-0000-000000000000']])
    });
    expect(r.text).toContain(el);
    expect(r.conflicts.map((c) => [c.kind, c.line])).toEqual([['second-managed-identity', 4]]);
    expect(r.conflicts[0].message).toMatch(/replaces APIM's token for the Function with a token for its own resource/);
    expect(r.conflicts[0].message).not.toContain('aaaaaaaa');
  });
});

describe('which element is owned', () => {
  it.each([
    ['the client ID in another case', APP.toUpperCase(), 'acceptable'],
    ['api://<client ID> (C01)', `api://${APP}`, 'wrong-form'],
    ['api://<client ID>/', `api://${APP}/`, 'wrong-form'],
    ["the app's object ID (C01, when known)", APP_OID, 'wrong-form'],
    ['an expression', '@((string)context.Variables["aud"])', 'unknown'],
    ['an unresolved named value', '{{x}}', 'unknown'],
    ['a partial reference that resolves', 'api://{{app-uri-suffix}}', 'acceptable']
  ])('%s → %s', (_n, resource, status) => {
    const el = `<authentication-managed-identity resource='${resource}' />`;
    const opts = {
      acceptableResources: [APP, 'api://orders'],
      appObjectIds: [APP_OID],
      namedValues: new Map([['app-uri-suffix', 'orders']])
    };
    const o = ownedManagedIdentity(doc(['<base />', el]), opts);
    expect(o?.resourceStatus).toBe(status);
    const r = mergePolicy(doc(['<base />', el]), { resource: APP, ...opts });
    expect(r.conflicts).toEqual([]);
    expect(r.changes.some((c) => c.path === 'policy.resource')).toBe(status === 'wrong-form');
  });

  it('an App ID URI with a trailing slash or another case is a wrong form of it', () => {
    for (const v of ['api://orders/', 'API://ORDERS']) {
      const raw = doc(['<base />', `<authentication-managed-identity resource="${v}" />`]);
      const r = mergePolicy(raw, { resource: 'api://orders', acceptableResources: [APP] });
      expect(r.changes[0]).toEqual({ path: 'policy.resource', before: v, after: 'api://orders' });
    }
  });

  it('the acceptable element is owned even after a foreign one; the foreign one before it stays and is not a conflict', () => {
    const arm = '<authentication-managed-identity resource="https://management.azure.com/" />';
    const raw = doc(['<base />', arm, OWNED, KEY_H, KEY_Q]);
    const r = merged(raw);
    expect(r.changes).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(ownedManagedIdentity(raw, { acceptableResources: [APP] })?.line).toBe(5);
    expect(ownedState(raw, { acceptableResources: [APP] }).resource).toBe(APP);
    // by position (no acceptableResources) the first one would be taken: that is what purpose replaces
    expect(ownedState(raw).resource).toBe('https://management.azure.com/');
  });

  it('a foreign element without output-token-variable-name before <base /> stays (ours runs later); after <base /> it is refused', () => {
    const storage = '<authentication-managed-identity resource="https://storage.azure.com/" />';
    const before = merged(doc([storage, '<base />']));
    expect(before.conflicts).toEqual([]);
    expect(before.text).toBe(doc([storage, '<base />', OWNED, KEY_H, KEY_Q]));
    const after = mergePolicy(doc(['<base />', storage]), { resource: APP });
    expect(after.conflicts.map((c) => [c.kind, c.line])).toEqual([['second-managed-identity', 4]]);
    expect(after.conflicts[0].message).toMatch(
      /^a direct <authentication-managed-identity resource="https:\/\/storage.azure.com\/"> at line 4 runs after <authentication-managed-identity> \(which the action puts right after <base \/>, line 3\).*move it before <base \/> \(line 3\).*add output-token-variable-name/
    );
  });

  it('a second element for the Function app is a duplicate wherever it is', () => {
    const raw = doc([`<authentication-managed-identity resource="api://${APP}" />`, '<base />', OWNED]);
    expect(inspectPolicy(raw, { acceptableResources: [APP] }).conflicts.map((c) => [c.kind, c.line])).toEqual([
      ['second-managed-identity', 3]
    ]);
  });

  it('a token for the Function kept in a variable nobody sends is a lookup (issue 9): no conflict, the owned element is added', () => {
    const lookup = `<authentication-managed-identity resource="${APP}" output-token-variable-name="t" />`;
    expect(inspectPolicy(doc(['<base />', lookup]), { acceptableResources: [APP] }).conflicts).toEqual([]);
    const r = mergePolicy(doc(['<base />', lookup]), { resource: APP, acceptableResources: [APP] });
    expect(r.conflicts).toEqual([]);
    expect(miTexts(r.text)).toEqual([OWNED, lookup]);
    expect(r.warnings.join()).toMatch(/keeps a token for the Function's app in a variable \(a lookup/);
    // with an owned element present, the same: harmless (e.g. for a send-request)
    expect(inspectPolicy(doc(['<base />', OWNED, lookup]), { acceptableResources: [APP] }).conflicts).toEqual([]);
  });

  it('nested and send-request elements are never owned and never edited', () => {
    const nested = [
      '<send-request mode="new" response-variable-name="r">',
      `    <authentication-managed-identity resource="api://${APP}" />`,
      '</send-request>'
    ];
    const r = merged(doc(['<base />', ...nested]));
    expect(r.text).toBe(doc(['<base />', OWNED, KEY_H, KEY_Q, ...nested]));
  });
});

describe('ownedElementSpans', () => {
  it('names the owned managed-identity element and the subscription-key deletes, sorted, as authored', () => {
    const kv = '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="k" />';
    const raw = doc(['<base />', kv, '<authentication-managed-identity resource="{{app}}" />', KEY_H, KEY_Q]);
    const spans = ownedElementSpans(raw, { acceptableResources: [APP], namedValues: new Map([['app', APP]]) });
    expect(spans.map((s) => raw.slice(s.start, s.end))).toEqual([
      '<authentication-managed-identity resource="{{app}}" />',
      KEY_H,
      KEY_Q
    ]);
    expect(spans.map((s) => s.start)).toEqual([...spans.map((s) => s.start)].sort((a, b) => a - b));
  });

  it('the API’s own key names (case-insensitive); other deletes, nested ones and foreign elements are not owned', () => {
    const raw = doc([
      '<base />',
      '<set-header name="x-api-key" exists-action="delete" />',
      '<set-query-parameter name="API-KEY" exists-action="delete" />',
      KEY_H,
      '<choose><when condition="@(true)"><set-header name="X-Api-Key" exists-action="delete" /></when></choose>',
      '<authentication-managed-identity resource="https://vault.azure.net" />'
    ]);
    const spans = ownedElementSpans(raw, { acceptableResources: [APP], keyHeader: 'X-Api-Key', keyQuery: 'api-key' });
    expect(spans.map((s) => raw.slice(s.start, s.end))).toEqual([
      '<set-header name="x-api-key" exists-action="delete" />',
      '<set-query-parameter name="API-KEY" exists-action="delete" />'
    ]);
  });

  it('empty, fragment and no-<inbound> documents own nothing; an unparsable one throws', () => {
    const o = { acceptableResources: [APP] };
    expect(ownedElementSpans('', o)).toEqual([]);
    expect(ownedElementSpans('<fragment><base /></fragment>', o)).toEqual([]);
    expect(ownedElementSpans('<policies><outbound /></policies>', o)).toEqual([]);
    expect(() => ownedElementSpans('<policies><inbound></outbound></policies>', o)).toThrow(/not well-formed/);
  });

  it('canonicalPolicy with acceptableResources drops only the owned elements', () => {
    const kv = '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="k" />';
    const a = doc(['<base />', kv]);
    const b = mergePolicy(a, { resource: APP }).text;
    const o = { dropOwned: true, acceptableResources: [APP] };
    expect(canonicalPolicy(b, o)).toEqual(canonicalPolicy(a, o));
    expect(JSON.stringify(canonicalPolicy(b, o))).toContain('https://vault.azure.net');
  });
});

describe('property: a merge never changes a byte of a managed-identity element it does not own', () => {
  const resources = [
    APP,
    APP.toUpperCase(),
    `api://${APP}`,
    APP_OID,
    'https://cognitiveservices.azure.com',
    'https://vault.azure.net',
    'https://storage.azure.com/',
    'api://other',
    '{{orders-app-id}}',
    '{{aoai}}',
    '{{missing}}',
    '@((string)context.Variables["r"])'
  ];
  const mi = fc
    .record({
      resource: fc.constantFrom(...resources),
      out: fc.constantFrom(undefined, 'tok', 'kv-token'),
      clientId: fc.constantFrom(undefined, '{{uami}}', 'eeeeeeee-0000-0000-0000-000000000005'),
      quote: fc.constantFrom('"', "'"),
      selfClose: fc.constantFrom(' />', '/>')
    })
    .map(
      (m) =>
        `<authentication-managed-identity ${m.clientId ? `client-id=${m.quote}${m.clientId}${m.quote} ` : ''}` +
        `resource=${m.quote}${m.resource}${m.quote}${m.out ? ` output-token-variable-name="${m.out}"` : ''}${m.selfClose}`
    );
  const carrier = (v: string) =>
    `<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["${v}"])</value></set-header>`;
  const other = fc.constantFrom(
    '<set-variable name="a" value="@(context.Request.Headers.GetValueOrDefault("X","y"))" />',
    carrier('tok'),
    carrier('kv-token'),
    '<set-header name="X-Token"><value>@((string)context.Variables["kv-token"])</value></set-header>',
    KEY_H,
    KEY_Q,
    '<!-- <authentication-managed-identity resource="commented" /> -->'
  );
  const wrapped = (inner: fc.Arbitrary<string>) =>
    fc.oneof(
      inner,
      inner.map((x) => `<send-request mode="new" response-variable-name="r">${x}</send-request>`),
      inner.map((x) => `<choose><when condition="@(true)">${x}</when></choose>`)
    );
  const item = fc.oneof(
    { weight: 3, arbitrary: mi },
    { weight: 1, arbitrary: wrapped(mi) },
    { weight: 2, arbitrary: other }
  );
  const docArb = fc
    .record({
      before: fc.array(item, { maxLength: 3 }),
      hasBase: fc.boolean(),
      after: fc.array(item, { maxLength: 4 }),
      outbound: fc.option(mi, { nil: undefined }),
      nl: fc.constantFrom('\n', '\r\n')
    })
    .map((d) =>
      [
        '<policies>',
        '  <inbound>',
        ...d.before.map((x) => `    ${x}`),
        ...(d.hasBase ? ['    <base />'] : []),
        ...d.after.map((x) => `    ${x}`),
        '  </inbound>',
        '  <outbound>',
        '    <base />',
        ...(d.outbound ? [`    ${d.outbound}`] : []),
        '  </outbound>',
        '</policies>'
      ].join(d.nl)
    );
  const nvArb = fc.record({
    'orders-app-id': fc.constantFrom(
      APP,
      APP.toUpperCase(),
      `api://${APP}`,
      'aaaaaaaa-0000-0000-0000-000000000000',
      undefined
    ),
    aoai: fc.constantFrom('https://cognitiveservices.azure.com', undefined),
    uami: fc.constantFrom('eeeeeeee-0000-0000-0000-000000000005', undefined)
  });
  /** The text outside the owned spans, whitespace between tags dropped (the merge only adds/removes layout there). */
  const outside = (
    raw: string,
    opts: { acceptableResources: string[]; namedValues: Map<string, string | undefined> }
  ) => {
    let out = '';
    let at = 0;
    for (const s of ownedElementSpans(raw, opts)) {
      out += raw.slice(at, s.start);
      at = s.end;
    }
    return (out + raw.slice(at)).replace(/>\s+</g, '><').replace(/>\s+$/, '>');
  };

  it('foreign elements are byte-identical and in order; everything outside the owned spans is unchanged; idempotent', () => {
    fc.assert(
      fc.property(docArb, nvArb, (raw, nvRecord) => {
        const namedValues = new Map<string, string | undefined>(Object.entries(nvRecord));
        const opts = { acceptableResources: [APP], namedValues, appObjectIds: [APP_OID] };
        const r = mergePolicy(raw, { resource: APP, ...opts });
        // (1) every managed-identity element that is not owned: the same texts, in the same order
        expect(foreignTexts(r.text, opts)).toEqual(foreignTexts(raw, opts));
        // (2) outside the owned elements, nothing but layout next to them changes
        expect(outside(r.text, opts)).toBe(outside(raw, opts));
        // (3) idempotent, and the owned element is there
        const again = mergePolicy(r.text, { resource: APP, ...opts });
        expect(again.text).toBe(r.text);
        expect(again.changes).toEqual([]);
        expect(ownedState(r.text, opts).authPresent).toBe(true);
        // (4) the conflicts the merge reports are the inspection's (same ownership)
        expect(r.conflicts).toEqual(inspectPolicy(raw, opts).conflicts);
      }),
      { numRuns: 400 }
    );
  });
});
