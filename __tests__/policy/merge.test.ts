import { describe, expect, it } from '@jest/globals';
import {
  inspectPolicy,
  mergePolicy,
  ownedState,
  PolicyParseError,
  policiesEquivalent
} from '../../src/policy/index.js';
import { canonicalPolicy } from '../../src/policy/equivalent.js';
import { extractExpressions } from '../../src/policy/scan.js';

const APP = '11111111-2222-3333-4444-555555555555';
const AUTH = `<authentication-managed-identity resource="${APP}" />`;
const KEY_H = '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
const KEY_Q = '<set-query-parameter name="subscription-key" exists-action="delete" />';
/** The two owned deletes, on two lines of a {@link doc} (which splits at the line break). */
const KEY = `${KEY_H}\n${KEY_Q}`;

/** A policy with the given inbound body lines (8-space indented), other sections with <base />. */
function doc(inbound: string[], nl = '\n'): string {
  return [
    '<policies>',
    '    <inbound>',
    ...inbound.flatMap((l) => l.split('\n')).map((l) => `        ${l}`),
    '    </inbound>',
    '    <backend>',
    '        <base />',
    '    </backend>',
    '    <outbound>',
    '        <base />',
    '    </outbound>',
    '    <on-error>',
    '        <base />',
    '    </on-error>',
    '</policies>',
    ''
  ].join(nl);
}

function sorted(a: string[]): string[] {
  return [...a].sort();
}

/** Merge and check the invariants every merge must keep. */
function mergeChecked(raw: string | undefined, resource = APP) {
  const r = mergePolicy(raw, { resource });
  const again = mergePolicy(r.text, { resource });
  expect(again.text).toBe(r.text);
  expect(again.changes).toEqual([]);
  expect(ownedState(r.text)).toEqual({
    resource,
    authPresent: true,
    authAfterBase: true,
    deletesSubscriptionKey: true,
    deletesSubscriptionKeyQuery: true
  });
  if (raw?.trim()) {
    expect(sorted(extractExpressions(r.text))).toEqual(sorted(extractExpressions(raw)));
    expect(canonicalPolicy(r.text, { dropOwned: true })).toEqual(canonicalPolicy(raw, { dropOwned: true }));
  }
  return r;
}

describe('mergePolicy: field cases', () => {
  it('C01: resource="api://<appId>" is updated in place to the appId and reported', () => {
    const raw = doc(['<base />', `<authentication-managed-identity resource="api://${APP}" />`]);
    const r = mergeChecked(raw);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY]));
    expect(r.changes).toEqual([
      { path: 'policy.resource', before: `api://${APP}`, after: APP },
      { path: 'policy.set-header[Ocp-Apim-Subscription-Key]', before: null, after: 'delete' },
      { path: 'policy.set-query-parameter[subscription-key]', before: null, after: 'delete' }
    ]);
    expect(ownedState(raw)).toEqual({
      resource: `api://${APP}`,
      authPresent: true,
      authAfterBase: true,
      deletesSubscriptionKey: false,
      deletesSubscriptionKeyQuery: false
    });
  });

  it('C11: quotes inside @(...) in an attribute: elements inserted after <base/>, expression byte-identical', () => {
    const expr = '@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))';
    const raw = `<policies><inbound><base/><set-variable name="caller" value="${expr}"/></inbound></policies>`;
    const r = mergeChecked(raw);
    expect(r.text).toBe(
      `<policies><inbound><base/><authentication-managed-identity resource="${APP}"/>` +
        `<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"/>` +
        `<set-query-parameter name="subscription-key" exists-action="delete"/>` +
        `<set-variable name="caller" value="${expr}"/></inbound></policies>`
    );
    expect(extractExpressions(r.text)).toEqual([expr]);
    expect(r.changes.map((c) => c.path)).toEqual([
      'policy.authentication-managed-identity',
      'policy.set-header[Ocp-Apim-Subscription-Key]',
      'policy.set-query-parameter[subscription-key]'
    ]);
  });

  it('C12: CRLF, tabs and &#xA; inside a multi-line expression are in sync (same string, no changes)', () => {
    const authored = [
      '<policies>',
      '\t<inbound>',
      '\t\t<base/>',
      `\t\t<authentication-managed-identity resource="${APP}"/>`,
      '\t\t<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"/>',
      '\t\t<set-query-parameter name="subscription-key" exists-action="delete"/>',
      '\t\t<set-variable name="v" value="@{\n\t\t\tvar s = "a";\n\t\t\treturn s;\n\t\t}" />',
      '\t</inbound>',
      '</policies>'
    ].join('\n');
    // what APIM stores: CRLF, 4-space indentation, <x />, line breaks in the attribute expression as &#xA;
    const stored = [
      '<policies>',
      '    <inbound>',
      '        <base />',
      `        <authentication-managed-identity resource="${APP}" />`,
      '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />',
      '        <set-query-parameter name="subscription-key" exists-action="delete" />',
      '        <set-variable name="v" value="@{&#xA;\t\t\tvar s = &quot;a&quot;;&#xA;\t\t\treturn s;&#xA;\t\t}" />',
      '    </inbound>',
      '</policies>'
    ].join('\r\n');
    const r = mergePolicy(stored, { resource: APP });
    expect(r.text).toBe(stored);
    expect(r.changes).toEqual([]);
    expect(ownedState(stored)).toEqual(ownedState(authored));
    expect(policiesEquivalent(stored, authored)).toBe(true);
    // a differing resource is drift: the element for another app is not the owned one (ownership by purpose), so
    // the owned element is added and the other one, which then replaces its token, is a conflict (nothing written)
    const OTHER = 'aaaaaaaa-0000-0000-0000-000000000000';
    const other = mergePolicy(stored, { resource: OTHER });
    expect(other.changes).toEqual([{ path: 'policy.authentication-managed-identity', before: null, after: OTHER }]);
    expect(other.text).toContain(`<authentication-managed-identity resource="${APP}" />`);
    expect(other.conflicts.map((c) => [c.kind, c.line])).toEqual([['second-managed-identity', 4]]);
    // a wrong form of the desired resource (api://<client ID>) is the owned one: rewritten in place
    const wrong = stored.replace(APP, `api://${APP}`);
    expect(mergePolicy(wrong, { resource: APP }).changes).toEqual([
      { path: 'policy.resource', before: `api://${APP}`, after: APP }
    ]);
    expect(mergePolicy(wrong, { resource: APP }).text).toBe(stored);
  });

  it('C15: set-backend-service is kept; only the subscription-key header is deleted', () => {
    const raw = doc(['<base />', '<set-backend-service backend-id="func-x" />']);
    const r = mergeChecked(raw);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY, '<set-backend-service backend-id="func-x" />']));
    expect(inspectPolicy(r.text).deletesSubscriptionKey).toBe(true);
  });
});

describe('mergePolicy: layouts', () => {
  it.each([
    [
      'no <base/>: inserted first in <inbound>',
      doc(['<set-variable name="a" value="b" />']),
      doc([AUTH, KEY, '<set-variable name="a" value="b" />'])
    ],
    [
      '<base/> in the middle: inserted right after it',
      doc(['<set-variable name="a" value="b" />', '<base />', '<rate-limit calls="5" renewal-period="60" />']),
      doc([
        '<set-variable name="a" value="b" />',
        '<base />',
        AUTH,
        KEY,
        '<rate-limit calls="5" renewal-period="60" />'
      ])
    ],
    ['CRLF line endings are matched', doc(['<base />'], '\r\n'), doc(['<base />', AUTH, KEY], '\r\n')],
    [
      'comment right after <base/> stays after the owned elements',
      doc(['<base /><!-- keep: <x> & "y" -->', '<set-body><![CDATA[@{ return "]>"; }]]></set-body>']),
      doc([`<base />`, AUTH, KEY + '<!-- keep: <x> & "y" -->', '<set-body><![CDATA[@{ return "]>"; }]]></set-body>'])
    ],
    [
      'comment and CDATA before <base/>',
      doc(['<!-- c -->', '<set-body><![CDATA[<a/>]]></set-body>', '<base />']),
      doc(['<!-- c -->', '<set-body><![CDATA[<a/>]]></set-body>', '<base />', AUTH, KEY])
    ],
    ['existing element before <base/> is moved after it', doc([AUTH, '<base />']), doc(['<base />', AUTH, KEY])]
  ])('%s', (_name, raw, expected) => {
    const r = mergeChecked(raw);
    expect(r.text).toBe(expected);
  });

  it('reports the move of an element found before <base/>', () => {
    const r = mergePolicy(doc([`<authentication-managed-identity resource="api://${APP}" />`, '<base />', KEY]), {
      resource: APP
    });
    expect(r.changes).toEqual([
      { path: 'policy.resource', before: `api://${APP}`, after: APP },
      { path: 'policy.authentication-managed-identity.position', before: 'before-base', after: 'after-base' }
    ]);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY]));
  });

  it('keeps client-id / ignore-error, updates a wrong-form resource, warns', () => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity client-id="cid" resource='api://${APP}' ignore-error="true" />`
    ]);
    const r = mergeChecked(raw);
    expect(r.text).toBe(
      doc([
        '<base />',
        `<authentication-managed-identity client-id="cid" resource='${APP}' ignore-error="true" />`,
        KEY
      ])
    );
    expect(r.warnings.join('\n')).toMatch(/client-id="cid"/);
    expect(r.warnings.join('\n')).toMatch(/ignore-error="true"/);
    expect(r.conflicts).toEqual([]);
  });

  it('output-token-variable-name makes an element a lookup, for the Function app or another resource: kept, the owned one added', () => {
    const lookup = `<authentication-managed-identity resource='api://${APP}' output-token-variable-name="t" />`;
    const r = mergeChecked(doc(['<base />', lookup]));
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY, lookup]));
    // a token for another resource kept in a variable is the user's: kept byte for byte, the owned element added
    const el = `<authentication-managed-identity client-id="cid" resource='old' ignore-error="true" output-token-variable-name="t" />`;
    const foreign = mergeChecked(doc(['<base />', el]));
    expect(foreign.conflicts).toEqual([]);
    expect(foreign.text).toBe(doc(['<base />', AUTH, KEY, el]));
  });

  it('adds a missing resource attribute to an existing element', () => {
    const r = mergeChecked(doc(['<base />', '<authentication-managed-identity/>', KEY]));
    expect(r.changes).toEqual([{ path: 'policy.resource', before: null, after: APP }]);
    expect(r.text).toBe(doc(['<base />', `<authentication-managed-identity resource="${APP}"/>`, KEY]));
  });

  it('leaves a nested (conditional) element alone with a warning and adds a direct one', () => {
    const nested = [
      '<choose>',
      '    <when condition="@(context.Request.Headers.ContainsKey("X"))">',
      '        <authentication-managed-identity resource="other" />',
      '    </when>',
      '</choose>'
    ];
    const raw = doc(['<base />', ...nested]);
    const before = inspectPolicy(raw);
    expect(before.managedIdentity).toEqual([{ resource: 'other', direct: false, position: 'after' }]);
    const r = mergeChecked(raw);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY, ...nested]));
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/nested/);
  });

  it('reports elements outside <inbound> and never touches them', () => {
    const raw = doc(['<base />', AUTH, KEY]).replace(
      '    <outbound>\n        <base />',
      '    <outbound>\n        <base />\n        <authentication-managed-identity resource="x" />'
    );
    expect(inspectPolicy(raw).elsewhere).toEqual(['policies/outbound/authentication-managed-identity']);
    const r = mergePolicy(raw, { resource: APP });
    expect(r.text).toBe(raw);
    expect(r.changes).toEqual([]);
  });

  it.each([
    [
      'self-closing <inbound/> (multi-line document)',
      doc(['<base />']).replace(/<inbound>[\s\S]*<\/inbound>/, '<inbound />')
    ],
    ['empty <inbound></inbound>', doc(['<base />']).replace(/<inbound>[\s\S]*<\/inbound>/, '<inbound></inbound>')]
  ])('%s is expanded with the owned elements (no <base /> added)', (_n, raw) => {
    const r = mergeChecked(raw);
    expect(r.text).toBe(
      doc(['<base />']).replace(
        /<inbound>[\s\S]*<\/inbound>/,
        `<inbound>\n        ${AUTH}\n        ${KEY_H}\n        ${KEY_Q}\n    </inbound>`
      )
    );
  });

  it('self-closing <inbound/> on one line', () => {
    const r = mergeChecked('<policies><inbound/><outbound><base/></outbound></policies>');
    expect(r.text).toBe(`<policies><inbound>${AUTH}${KEY_H}${KEY_Q}</inbound><outbound><base/></outbound></policies>`);
  });

  it.each([['a"b<c&d>e'], ["it's"], ['line\nbreak\ttab'], ['{{named-value}}'], ['ünïcødé 🙂']])(
    'escapes a hostile resource %j so the document stays parseable and round-trips',
    (resource) => {
      const r = mergeChecked(doc(['<base />']), resource);
      expect(inspectPolicy(r.text).managedIdentity[0].resource).toBe(resource);
      // with another desired resource, the element is not the Function's (or, for an unresolved named value,
      // cannot be judged): it is never rewritten
      const r2 = mergePolicy(r.text, { resource: 'plain' });
      expect(r2.changes.filter((c) => c.path === 'policy.resource')).toEqual([]);
      expect(r2.text).toContain(r.text.split('\n')[3]);
    }
  );

  it('a wrong form of a hostile resource (api://<it> when it is a GUID) is rewritten with escaping', () => {
    const hostileGuid = 'ABCDEF01-2345-6789-ABCD-EF0123456789';
    const r = mergeChecked(
      doc(['<base />', `<authentication-managed-identity resource="api://${hostileGuid}" />`]),
      hostileGuid
    );
    expect(r.changes[0]).toEqual({ path: 'policy.resource', before: `api://${hostileGuid}`, after: hostileGuid });
  });

  it('a BOM and an XML declaration are kept', () => {
    const raw = '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n' + doc(['<base />'], '\r\n');
    const r = mergeChecked(raw);
    expect(r.text).toBe('\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n' + doc(['<base />', AUTH, KEY], '\r\n'));
  });

  it.each([[undefined], [''], ['  \n']])('empty document %j → a new document', (raw) => {
    const r = mergeChecked(raw);
    const ins = inspectPolicy(r.text);
    expect(ins).toEqual({
      rootName: 'policies',
      hasInbound: true,
      hasBase: true,
      managedIdentity: [{ resource: APP, direct: true, position: 'after' }],
      deletesSubscriptionKey: true,
      deletedHeaders: ['Ocp-Apim-Subscription-Key'],
      deletesSubscriptionKeyQuery: true,
      deletedQueryParameters: ['subscription-key'],
      elsewhere: [],
      conflicts: []
    });
    expect(r.changes.map((c) => c.path)).toEqual([
      'policy.authentication-managed-identity',
      'policy.set-header[Ocp-Apim-Subscription-Key]',
      'policy.set-query-parameter[subscription-key]'
    ]);
    expect(ownedState(raw ?? '')).toEqual({
      authPresent: false,
      authAfterBase: false,
      deletesSubscriptionKey: false,
      deletesSubscriptionKeyQuery: false
    });
  });

  it('a subscription-key override before the owned elements is warned about (the delete follows it)', () => {
    const raw = doc([
      '<set-header name="ocp-apim-subscription-key" exists-action="override"><value>x</value></set-header>',
      '<base />',
      AUTH
    ]);
    expect(ownedState(raw).deletesSubscriptionKey).toBe(false);
    const r = mergeChecked(raw);
    expect(r.warnings.join()).toMatch(/override/);
    expect(r.conflicts).toEqual([]);
    // name compared case-insensitively once present
    expect(ownedState(raw.replace('override', 'delete')).deletesSubscriptionKey).toBe(true);
  });
});

describe('mergePolicy: refusals', () => {
  it.each([
    ['a fragment', '<fragment><set-header name="a" exists-action="delete" /></fragment>', /root is <fragment>/],
    ['no <inbound>', '<policies>\n  <outbound><base /></outbound>\n</policies>', /no <inbound> section/],
    [
      'an unterminated expression',
      doc(['<base />', '<set-variable name="a" value="@(foo("x")" />']),
      /expression starts at line 4, column 39/
    ],
    ['mismatched brackets', doc(['<set-body>@{ return (1]; }</set-body>']), /unbalanced '\]'.*line 3, column 31/],
    ['a tag mismatch', doc(['<base>']), /not well-formed.*line 4/],
    ['raw < in a plain attribute', doc(['<set-header name="a<b" />']), /line 3/]
  ])('%s → PolicyParseError', (_n, raw, message) => {
    let err: unknown;
    try {
      mergePolicy(raw, { resource: APP });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyParseError);
    expect((err as PolicyParseError).message).toMatch(message);
    expect((err as PolicyParseError).line).toBeGreaterThan(0);
  });

  it.each([[''], ['@(evil)'], ['a\u0001b']])('rejects resource %j', (resource) => {
    expect(() => mergePolicy(doc(['<base />']), { resource })).toThrow(/invalid policy resource/);
  });
});

describe('policiesEquivalent', () => {
  const a = doc(['<base />', AUTH, '<set-variable name="x" value="@(&quot;a&quot; + 1)" />']);
  it.each([
    [
      'attribute order and quote style',
      a.replace(
        '<set-variable name="x" value="@(&quot;a&quot; + 1)" />',
        `<set-variable value='@("a" + 1)' name='x' />`
      ),
      true
    ],
    ['CRLF and indentation', a.replace(/\n/g, '\r\n').replace(/ {4}/g, '\t'), true],
    ['<x/> vs <x />', a.replace(/ \/>/g, '/>'), true],
    ['different expression text', a.replace('+ 1', '+ 2'), false],
    ['whitespace inside an expression', a.replace('+ 1', '+  1'), false],
    ['different attribute value', a.replace('name="x"', 'name="y"'), false],
    ['extra element', a.replace('<base />', '<base /><base />'), false],
    ['comment removed', a.replace('<base />', '<base /><!-- c -->'), false],
    ['CDATA vs escaped text', a.replace('<base />', '<base /><set-body>a&lt;b</set-body>'), false]
  ])('%s → %s', (_n, b, same) => {
    expect(policiesEquivalent(a, b)).toBe(same);
  });

  it('CDATA and escaped text are the same character data', () => {
    expect(policiesEquivalent('<p><b><![CDATA[a<b]]></b></p>', '<p><b>a&lt;b</b></p>')).toBe(true);
  });
});

describe('mergePolicy: the API renamed its subscription-key header (subscriptionKeyParameterNames.header)', () => {
  const KEY_X = '<set-header name="X-Api-Key" exists-action="delete" />';

  it('a new document deletes the configured header; the change path names it; a second merge changes nothing', () => {
    const r = mergePolicy(undefined, { resource: APP, keyHeader: 'X-Api-Key' });
    expect(r.text).toContain('<set-header name="X-Api-Key" exists-action="delete" />');
    expect(r.text).not.toContain('Ocp-Apim-Subscription-Key');
    expect(r.changes.map((c) => c.path)).toEqual([
      'policy.authentication-managed-identity',
      'policy.set-header[X-Api-Key]',
      'policy.set-query-parameter[subscription-key]'
    ]);
    expect(mergePolicy(r.text, { resource: APP, keyHeader: 'x-api-key' }).changes).toEqual([]);
    expect(ownedState(r.text, { keyHeader: 'X-API-KEY' }).deletesSubscriptionKey).toBe(true);
    expect(ownedState(r.text).deletesSubscriptionKey).toBe(false);
  });

  it('an in-sync document with only the default delete gets the configured one added, and keeps the old one', () => {
    const raw = doc(['<base />', AUTH, KEY]);
    const r = mergePolicy(raw, { resource: APP, keyHeader: 'X-Api-Key' });
    expect(r.changes).toEqual([{ path: 'policy.set-header[X-Api-Key]', before: null, after: 'delete' }]);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY_X, KEY]));
    expect(r.conflicts).toEqual([]);
    expect(mergePolicy(r.text, { resource: APP, keyHeader: 'X-Api-Key' }).changes).toEqual([]);
    expect(canonicalPolicy(r.text, { dropOwned: true, keyHeader: 'X-Api-Key' })).toEqual(
      canonicalPolicy(raw, { dropOwned: true, keyHeader: 'X-Api-Key' })
    );
    expect(inspectPolicy(r.text).deletedHeaders).toEqual(['X-Api-Key', 'Ocp-Apim-Subscription-Key']);
  });

  it('names compare case-insensitively: an existing x-api-key delete is the owned one', () => {
    const raw = doc([
      '<base />',
      AUTH,
      '<set-header name="x-api-key" exists-action="DELETE" />',
      '<set-query-parameter name="Subscription-Key" exists-action="Delete" />'
    ]);
    expect(mergePolicy(raw, { resource: APP, keyHeader: 'X-Api-Key' }).changes).toEqual([]);
    expect(ownedState(raw, { keyHeader: 'X-Api-Key' }).deletesSubscriptionKey).toBe(true);
  });

  it('an override of the configured header before the owned elements is warned about by its name', () => {
    const set = '<set-header name="X-Api-Key" exists-action="override"><value>k</value></set-header>';
    const r = mergePolicy(doc([set, '<base />']), { resource: APP, keyHeader: 'X-Api-Key' });
    expect(r.warnings).toEqual([expect.stringMatching(/already sets X-Api-Key/)]);
    // after <base />, i.e. after where the delete goes: a conflict naming the configured header
    const c = mergePolicy(doc(['<base />', set]), { resource: APP, keyHeader: 'X-Api-Key' }).conflicts;
    expect(c.map((x) => x.kind)).toEqual(['key-restored']);
  });

  it.each([[''], ['@(context.Request.Headers)'], ['X Api'], ['a"b']])('refuses keyHeader %j (Error)', (k) => {
    expect(() => mergePolicy(undefined, { resource: APP, keyHeader: k })).toThrow(/invalid subscription-key header/);
    expect(() => ownedState('', { keyHeader: k })).toThrow(/invalid subscription-key header/);
  });
});

describe('mergePolicy: the subscription-key query parameter (subscriptionKeyParameterNames.query)', () => {
  it('a document with the header delete only gets the query delete right after it; a second merge changes nothing', () => {
    const raw = doc(['<base />', AUTH, KEY_H, '<set-variable name="a" value="b" />']);
    const r = mergePolicy(raw, { resource: APP });
    expect(r.changes).toEqual([
      { path: 'policy.set-query-parameter[subscription-key]', before: null, after: 'delete' }
    ]);
    expect(r.text).toBe(doc(['<base />', AUTH, KEY_H, KEY_Q, '<set-variable name="a" value="b" />']));
    expect(mergePolicy(r.text, { resource: APP }).changes).toEqual([]);
    expect(ownedState(raw)).toMatchObject({ deletesSubscriptionKey: true, deletesSubscriptionKeyQuery: false });
    expect(ownedState(r.text)).toMatchObject({ deletesSubscriptionKey: true, deletesSubscriptionKeyQuery: true });
  });

  it('the API query name is used (change path, element); names compare case-insensitively; an existing one is kept byte for byte', () => {
    const r = mergePolicy(doc(['<base />', AUTH, KEY_H]), { resource: APP, keyQuery: 'api-key' });
    expect(r.changes.map((c) => c.path)).toEqual(['policy.set-query-parameter[api-key]']);
    expect(r.text).toContain('<set-query-parameter name="api-key" exists-action="delete" />');
    expect(ownedState(r.text, { keyQuery: 'API-KEY' }).deletesSubscriptionKeyQuery).toBe(true);
    expect(ownedState(r.text).deletesSubscriptionKeyQuery).toBe(false);
    const authored = doc(['<base />', AUTH, KEY_H, `<set-query-parameter exists-action='delete'   name='API-Key'/>`]);
    const kept = mergePolicy(authored, { resource: APP, keyQuery: 'api-key' });
    expect(kept.changes).toEqual([]);
    expect(kept.text).toBe(authored);
    expect(inspectPolicy(authored).deletedQueryParameters).toEqual(['API-Key']);
  });

  it('an invalid query name throws (blank, expression, separators)', () => {
    for (const q of [' ', '@(x)', 'a&b', 'a=b', 'a b', '{{nv}}']) {
      expect(() => mergePolicy(undefined, { resource: APP, keyQuery: q })).toThrow(/query parameter name/);
      expect(() => ownedState('', { keyQuery: q })).toThrow(/query parameter name/);
    }
  });

  it('dropOwned removes the query delete too', () => {
    const a = doc(['<base />', AUTH, KEY]);
    expect(canonicalPolicy(a, { dropOwned: true })).toEqual(canonicalPolicy(doc(['<base />']), { dropOwned: true }));
  });
});

describe('mergePolicy: a subscription-key header name with & (an RFC 9110 token character)', () => {
  it('is escaped in the delete it writes, so the document stays well-formed and idempotent', () => {
    const doc = '<policies><inbound><base /></inbound></policies>';
    const merged = mergePolicy(doc, { resource: '55555555-5555-4555-8555-555555555555', keyHeader: 'X-Key&Co' });
    expect(merged.text).toContain('<set-header name="X-Key&amp;Co" exists-action="delete"');
    expect(
      mergePolicy(merged.text, { resource: '55555555-5555-4555-8555-555555555555', keyHeader: 'X-Key&Co' }).changes
    ).toEqual([]);
  });
});
