/**
 * Elements that would undo the owned ones (PolicyConflict): a later subscription-key set-header, a later
 * Authorization set-header / authentication-basic, a second direct authentication-managed-identity, and
 * output-token-variable-name on the managed one. "After" is document order among the direct children of <inbound>,
 * measured from where the owned elements are once merged. Nested ones only warn.
 */
import { describe, expect, it } from '@jest/globals';
import { inspectPolicy, mergePolicy, type PolicyConflict } from '../../src/policy/index.js';

const APP = '11111111-2222-3333-4444-555555555555';
const AUTH = `<authentication-managed-identity resource="${APP}" />`;
const KEY =
  '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> ' +
  '<set-query-parameter name="subscription-key" exists-action="delete" />';
const keySet = (action?: string) =>
  `<set-header name="Ocp-Apim-Subscription-Key"${action === undefined ? '' : ` exists-action="${action}"`}><value>k</value></set-header>`;
const authz = (action?: string) =>
  `<set-header name="Authorization"${action === undefined ? '' : ` exists-action="${action}"`}><value>Bearer x</value></set-header>`;

/** `<policies>` with these <inbound> lines; line 1 is <policies>, line 2 <inbound>, so lines[i] is on line i + 3. */
function doc(inbound: string[]): string {
  return [
    '<policies>',
    '    <inbound>',
    ...inbound.map((l) => `        ${l}`),
    '    </inbound>',
    '    <outbound>',
    '        <base />',
    '    </outbound>',
    '</policies>'
  ].join('\n');
}

const conflicts = (raw: string): PolicyConflict[] => inspectPolicy(raw).conflicts;
const kinds = (raw: string) => conflicts(raw).map((c) => [c.kind, c.line]);

describe('conflicts (a): the subscription key put back after the delete', () => {
  it.each([
    ['override'],
    ['append'],
    ['skip'],
    [undefined],
    ['@(context.Variables.GetValueOrDefault("a","override"))']
  ])('exists-action %j after the delete → key-restored, naming the element, its line and the fix', (action) => {
    const raw = doc(['<base />', AUTH, KEY, keySet(action)]);
    const c = conflicts(raw);
    expect(c.map((x) => [x.kind, x.line, x.column])).toEqual([['key-restored', 6, 9]]);
    expect(c[0].element).toMatch(/^<set-header name="Ocp-Apim-Subscription-Key"/);
    expect(c[0].message).toContain('at line 6');
    expect(c[0].message).toMatch(/subscription key back.*so it (can )?reach(es)? the Function/);
    expect(c[0].message).toContain(
      'remove it or move it before <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"> (line 5)'
    );
    // the merge reports it too (and the document is otherwise in sync)
    const m = mergePolicy(raw, { resource: APP });
    expect(m.changes).toEqual([]);
    expect(m.conflicts).toEqual(c);
  });

  it('no delete yet: one after <authentication-managed-identity> (where the delete goes) conflicts', () => {
    const raw = doc(['<base />', AUTH, keySet('override')]);
    expect(kinds(raw)).toEqual([['key-restored', 5]]);
    expect(conflicts(raw)[0].message).toContain(
      'remove it or move it before <authentication-managed-identity> (line 4)'
    );
  });

  it('header name is compared case-insensitively and trimmed', () => {
    const raw = doc([
      '<base />',
      AUTH,
      KEY,
      '<set-header name=" ocp-apim-SUBSCRIPTION-key " exists-action="override" />'
    ]);
    expect(kinds(raw)).toEqual([['key-restored', 6]]);
  });

  it.each([
    ['before the delete', ['<base />', AUTH, keySet('override'), KEY]],
    ['before <base /> (the owned elements go after it)', [keySet('override'), '<base />', AUTH]],
    ['a second delete after it (the last one wins)', ['<base />', AUTH, KEY, keySet('override'), KEY]],
    ['a later delete of the key', ['<base />', AUTH, KEY, keySet('delete')]],
    ['another header', ['<base />', AUTH, KEY, '<set-header name="X-Key" exists-action="override" />']]
  ])('no conflict: %s', (_n, lines) => {
    expect(conflicts(doc(lines))).toEqual([]);
  });
});

describe('conflicts (b): the Authorization header dropped or replaced after the managed element', () => {
  it.each([['delete'], ['override'], ['append'], [undefined], ['@("override")']])(
    'set-header Authorization exists-action %j after it → authorization-replaced',
    (action) => {
      const raw = doc(['<base />', AUTH, KEY, authz(action)]);
      const c = conflicts(raw);
      expect(c.map((x) => [x.kind, x.line])).toEqual([['authorization-replaced', 6]]);
      expect(c[0].message).toMatch(/Authorization header/);
      expect(c[0].message).toContain('remove it or move it before <authentication-managed-identity> (line 4)');
    }
  );

  it('authentication-basic after it replaces the token too', () => {
    const raw = doc(['<base />', AUTH, KEY, '<authentication-basic username="u" password="p" />']);
    expect(kinds(raw)).toEqual([['authorization-replaced', 6]]);
    expect(conflicts(raw)[0].message).toMatch(/basic credentials/);
  });

  it('names the element without its password: the message reaches the summary, the PR comment and the annotation', () => {
    const raw = doc(['<base />', AUTH, KEY, `<authentication-basic username="svc" password='Sup3r"S3cret' />`]);
    const [c] = conflicts(raw);
    expect(c.message).toContain(`<authentication-basic username="svc" password='***'> at line 6`);
    expect(c.element).toBe(`<authentication-basic username="svc" password='***'>`);
    expect(JSON.stringify(c)).not.toContain('S3cret');
  });

  it.each([
    ['exists-action skip (the token is already there)', ['<base />', AUTH, KEY, authz('skip')]],
    ['before the managed element', ['<base />', authz('delete'), AUTH, KEY]],
    [
      'the managed element is before <base /> and moves after it; the set-header is before <base />',
      [AUTH, authz('override'), '<base />', KEY]
    ]
  ])('no conflict: %s', (_n, lines) => {
    expect(conflicts(doc(lines))).toEqual([]);
  });

  it('no managed element yet: one after <base /> (where the action puts it) conflicts, with that fix', () => {
    const raw = doc(['<base />', authz('override')]);
    expect(kinds(raw)).toEqual([['authorization-replaced', 4]]);
    expect(conflicts(raw)[0].message).toMatch(
      /which the action puts right after <base \/>, line 3.*remove it, move it before <base \/> \(line 3\), or add <authentication-managed-identity> yourself after it/
    );
  });

  it('the managed element before <base /> is moved after it, so a set-header after <base /> conflicts', () => {
    expect(kinds(doc([AUTH, '<base />', authz('override')]))).toEqual([['authorization-replaced', 5]]);
  });

  it('no <base /> and no managed element: every direct one conflicts (the action adds it first)', () => {
    const raw = doc([authz('override'), keySet('override')]);
    expect(kinds(raw)).toEqual([
      ['authorization-replaced', 3],
      ['key-restored', 4]
    ]);
    expect(conflicts(raw)[0].message).toMatch(
      /first in <inbound>.*remove it, or add <authentication-managed-identity>/
    );
  });
});

describe('conflicts (c) and (d): the managed element itself', () => {
  it.each([[APP], ['https://other.example']])('a second direct element (resource %s) → refused', (res) => {
    const raw = doc(['<base />', AUTH, KEY, `<authentication-managed-identity resource="${res}" />`]);
    const c = conflicts(raw);
    expect(c.map((x) => [x.kind, x.line])).toEqual([['second-managed-identity', 6]]);
    expect(c[0].message).toMatch(/a second direct .* at line 6 \(the managed one is at line 4\).*remove it/);
  });

  it('two direct elements both before <base /> are refused too (the merge would move the first after the second)', () => {
    const raw = doc([AUTH, '<authentication-managed-identity resource="x" />', '<base />']);
    expect(kinds(raw)).toEqual([['second-managed-identity', 4]]);
  });

  it('output-token-variable-name on an element for the Function app: a lookup, no conflict (issue 9)', () => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      KEY
    ]);
    expect(conflicts(raw)).toEqual([]);
  });

  it.each([
    ['context.Variables["tok"]', '<value>@("Bearer " + (string)context.Variables["tok"])</value>'],
    [
      'GetValueOrDefault<string>("tok")',
      '<value>@("Bearer " + context.Variables.GetValueOrDefault<string>("tok"))</value>'
    ],
    ['entity-escaped (xml view)', '<value>@(&quot;Bearer &quot; + (string)context.Variables[&quot;tok&quot;])</value>']
  ])('the token carried by a later Authorization set-header reading the variable (%s) is no conflict', (_n, value) => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      `<set-header name="Authorization" exists-action="override">${value}</set-header>`,
      KEY
    ]);
    expect(conflicts(raw)).toEqual([]);
  });

  it('a later Authorization set-header that reads another variable does not carry it → it replaces the token', () => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      '<set-header name="Authorization" exists-action="override"><value>@((string)context.Variables["tokens"])</value></set-header>',
      KEY
    ]);
    expect(kinds(raw)).toEqual([['authorization-replaced', 5]]);
  });

  it('the owned document itself has none', () => {
    expect(conflicts(doc(['<base />', AUTH, KEY]))).toEqual([]);
    expect(mergePolicy(undefined, { resource: APP }).conflicts).toEqual([]);
  });
});

describe('nested elements warn, never conflict', () => {
  it('a set-header inside <choose> after the owned elements is a warning', () => {
    const raw = doc([
      '<base />',
      AUTH,
      KEY,
      '<choose><when condition="@(true)">',
      authz('override'),
      keySet('override'),
      '</when></choose>'
    ]);
    expect(conflicts(raw)).toEqual([]);
    const w = mergePolicy(raw, { resource: APP }).warnings;
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/nested <set-header name="Authorization".*line 7.*make sure that is intended/);
    expect(w[1]).toMatch(/nested <set-header name="Ocp-Apim-Subscription-Key".*line 8/);
  });

  it('a set-header inside <send-request> belongs to the side request: no warning', () => {
    const raw = doc([
      '<base />',
      AUTH,
      KEY,
      '<send-request mode="new" response-variable-name="r">',
      '<set-url>https://example.org</set-url>',
      authz('override'),
      '</send-request>'
    ]);
    expect(conflicts(raw)).toEqual([]);
    expect(mergePolicy(raw, { resource: APP }).warnings).toEqual([]);
  });
});

/** `<policies>` with these <inbound> and <backend> lines: inbound[i] is on line i + 3, backend[j] on line inbound.length + 5 + j. */
function docB(inbound: string[], backend: string[]): string {
  return [
    '<policies>',
    '    <inbound>',
    ...inbound.map((l) => `        ${l}`),
    '    </inbound>',
    '    <backend>',
    ...backend.map((l) => `        ${l}`),
    '    </backend>',
    '</policies>'
  ].join('\n');
}
const OWNED = ['<base />', AUTH, KEY];
const FWD = '<forward-request />';

describe('the API renamed its subscription-key header (keyHeader)', () => {
  const KEY_X = '<set-header name="X-Api-Key" exists-action="delete" />';
  const setX = '<set-header name="x-api-key" exists-action="override"><value>k</value></set-header>';
  const X = { keyHeader: 'X-Api-Key' };

  it('a later set-header of the configured header (any case) is key-restored; the fix names the configured delete', () => {
    const raw = doc(['<base />', AUTH, KEY_X, setX]);
    const c = inspectPolicy(raw, X).conflicts;
    expect(c.map((x) => [x.kind, x.line])).toEqual([['key-restored', 6]]);
    expect(c[0].message).toContain('move it before <set-header name="X-Api-Key" exists-action="delete"> (line 5)');
    expect(mergePolicy(raw, { resource: APP, ...X }).conflicts).toEqual(c);
    // with the default header the same document has no conflict (x-api-key is just a header then)
    expect(conflicts(raw)).toEqual([]);
  });

  it('an Ocp-Apim-Subscription-Key set-header after the owned elements is not the key when the API uses X-Api-Key', () => {
    const raw = doc(['<base />', AUTH, KEY_X, keySet('override')]);
    expect(inspectPolicy(raw, X).conflicts).toEqual([]);
    expect(kinds(raw)).toEqual([['key-restored', 6]]);
  });

  it('an X-Api-Key override in <backend> is key-restored', () => {
    const raw = docB(['<base />', AUTH, KEY_X], ['<base />', setX, FWD]);
    expect(inspectPolicy(raw, X).conflicts.map((c) => [c.kind, c.line])).toEqual([['key-restored', 9]]);
  });
});

describe('<backend> runs after <inbound>: key restores and Authorization replacements there are refused', () => {
  it.each([
    ['override', authz('override'), 'authorization-replaced'],
    ['default exists-action', authz(), 'authorization-replaced'],
    ['delete', '<set-header name="authorization" exists-action="delete" />', 'authorization-replaced'],
    ['authentication-basic', '<authentication-basic username="u" password="p" />', 'authorization-replaced'],
    ['key override', keySet('override'), 'key-restored'],
    ['key skip', keySet('skip'), 'key-restored']
  ])('%s directly in <backend> → %s, naming element, line and <backend>', (_n, el, kind) => {
    const raw = docB(OWNED, ['<base />', el, FWD]);
    const c = conflicts(raw);
    expect(c.map((x) => [x.kind, x.line, x.column])).toEqual([[kind, 9, 9]]);
    expect(c[0].message).toMatch(/at line 9 is in <backend>, which runs after <inbound>.*: remove it$/);
    expect(mergePolicy(raw, { resource: APP }).conflicts).toEqual(c);
  });

  it('nested in <backend> (inside <choose> or <retry>) is refused too', () => {
    const raw = docB(OWNED, [
      '<choose><when condition="@(true)">',
      authz('override'),
      '</when></choose>',
      '<retry condition="@(false)" count="1" interval="1">',
      keySet('append'),
      FWD,
      '</retry>'
    ]);
    expect(kinds(raw)).toEqual([
      ['authorization-replaced', 9],
      ['key-restored', 12]
    ]);
  });

  it('exists-action skip, other headers and side requests in <backend> are fine', () => {
    const raw = docB(OWNED, [
      authz('skip'),
      '<set-header name="X-Trace" exists-action="override"><value>1</value></set-header>',
      '<send-request mode="new" response-variable-name="r">',
      authz('override'),
      keySet('override'),
      '</send-request>',
      FWD
    ]);
    expect(conflicts(raw)).toEqual([]);
  });

  it('the token carried from output-token-variable-name by an Authorization set-header in <backend> is fine', () => {
    const carrier =
      '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["tok"])</value></set-header>';
    const raw = docB(
      ['<base />', `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`, KEY],
      [carrier, FWD]
    );
    expect(conflicts(raw)).toEqual([]);
  });
});

describe("the carrier form only when the variable holds the Function's token", () => {
  const send =
    '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["tok"])</value></set-header>';
  it.each([
    [
      'another managed identity writes the same variable (a token for Graph)',
      '<authentication-managed-identity resource="https://graph.microsoft.com" output-token-variable-name="tok" />'
    ],
    ['a set-variable overwrites it', '<set-variable name="tok" value="@(&quot;not-a-token&quot;)" />'],
    [
      'a send-request answer is kept under that name',
      '<send-request mode="new" response-variable-name="tok"><set-url>https://x.example</set-url></send-request>'
    ]
  ])('%s: the Authorization set-header is a second backend token, not the carrier', (_n, writer) => {
    const raw = docB(
      [
        '<base />',
        `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
        writer,
        send,
        KEY
      ],
      [FWD]
    );
    expect(conflicts(raw).map((c) => c.kind)).toEqual(['authorization-replaced']);
  });
});

describe('the subscription key copied into what goes to the Function (key-copied)', () => {
  const EXPR = '@(context.Subscription.Key)';
  it.each([
    ['set-header value', `<set-header name="X-Sub" exists-action="override"><value>${EXPR}</value></set-header>`],
    [
      'set-query-parameter',
      `<set-query-parameter name="k" exists-action="override"><value>${EXPR}</value></set-query-parameter>`
    ],
    ['rewrite-uri', '<rewrite-uri template="@("/x?k=" + context.Subscription.Key)" />'],
    ['set-url', `<set-url>@("https://b.example/?k=" + context.Subscription.PrimaryKey)</set-url>`],
    [
      'set-backend-service',
      '<set-backend-service base-url="@("https://b.example/" + context.Subscription?.SecondaryKey)" />'
    ],
    ['set-body expression', '<set-body>@{ return context.Subscription.Key; }</set-body>'],
    ['set-body liquid', '<set-body template="liquid">{"k": "{{context.Subscription.Key}}"}</set-body>'],
    [
      'the key header read from the request',
      '<set-header name="X-Sub"><value>@(context.Request.Headers.GetValueOrDefault("ocp-apim-subscription-key", ""))</value></set-header>'
    ]
  ])('%s in <inbound> → refused, even before <base />', (_n, el) => {
    const raw = doc([el, '<base />', AUTH, KEY]);
    const c = conflicts(raw);
    expect(c.map((x) => [x.kind, x.line, x.column])).toEqual([['key-copied', 3, 9]]);
    expect(c[0].message).toMatch(
      /at line 3 in <inbound> copies the subscription key .*Ocp-Apim-Subscription-Key is deleted: remove it/
    );
  });

  it('through a variable (set from the key, or from a variable set from it) → refused where it is sent', () => {
    const raw = doc([
      '<set-variable name="sub" value="@(context.Subscription.Key)" />',
      '<set-variable name="forwarded" value="@("k=" + (string)context.Variables["sub"])" />',
      '<base />',
      AUTH,
      KEY,
      '<set-header name="X-Api-Key" exists-action="override"><value>@((string)context.Variables["sub"])</value></set-header>',
      '<set-query-parameter name="p" exists-action="override"><value>@(context.Variables.GetValueOrDefault<string>("forwarded"))</value></set-query-parameter>',
      '<set-header name="X-Ok" exists-action="override"><value>@((string)context.Variables["other"])</value></set-header>'
    ]);
    expect(kinds(raw)).toEqual([
      ['key-copied', 8],
      ['key-copied', 9]
    ]);
  });

  it('nested in <choose>, and in <backend>, it is refused too', () => {
    const raw = docB(
      [
        ...OWNED,
        '<choose><when condition="@(true)">',
        `<set-header name="X-Sub"><value>${EXPR}</value></set-header>`,
        '</when></choose>'
      ],
      ['<set-header name="X-Sub2"><value>@(context.Subscription.Key)</value></set-header>', FWD]
    );
    expect(kinds(raw)).toEqual([
      ['key-copied', 7],
      ['key-copied', 11]
    ]);
    expect(conflicts(raw)[1].message).toContain('in <backend> copies the subscription key');
  });

  it('inside <send-request>, <trace>, <log-to-eventhub>, or in the key header before its delete: not a copy', () => {
    const raw = docB(
      [
        `<set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>${EXPR}</value></set-header>`,
        ...OWNED,
        '<send-request mode="new" response-variable-name="r">',
        `<set-url>@("https://keys.example/?k=" + context.Subscription.Key)</set-url>`,
        `<set-header name="X-Sub"><value>${EXPR}</value></set-header>`,
        '</send-request>',
        `<trace source="t"><message>${EXPR}</message></trace>`,
        `<log-to-eventhub logger-id="l">${EXPR}</log-to-eventhub>`,
        '<set-header name="X-Sub" exists-action="delete" />',
        '<set-header name="X-Name"><value>@(context.Subscription.Name)</value></set-header>'
      ],
      [FWD]
    );
    expect(conflicts(raw)).toEqual([]);
  });
});

describe('elements that cannot be checked after the owned ones warn', () => {
  const dyn =
    '<set-header name="@((string)context.Variables["h"])" exists-action="override"><value>v</value></set-header>';

  it('a set-header whose name is an expression, after the owned elements or in <backend>', () => {
    const raw = docB([dyn, ...OWNED, dyn], [dyn, FWD]);
    expect(conflicts(raw)).toEqual([]);
    const w = mergePolicy(raw, { resource: APP }).warnings;
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(
      /at line 7 after the owned elements in <inbound> has an expression as its name.*cannot be checked/
    );
    expect(w[1]).toMatch(/at line 10 in <backend> has an expression as its name/);
  });

  it('an <include-fragment> after the owned elements or in <backend> names the fragment; before <base /> it does not', () => {
    const raw = docB(
      ['<include-fragment fragment-id="early" />', ...OWNED, '<include-fragment fragment-id="late" />'],
      ['<include-fragment fragment-id="be" />', FWD]
    );
    expect(conflicts(raw)).toEqual([]);
    const w = mergePolicy(raw, { resource: APP }).warnings;
    expect(w).toEqual([
      expect.stringMatching(
        /^<include-fragment fragment-id="late"> at line 7 after the owned elements in <inbound>: its content is not inspected/
      ),
      expect.stringMatching(
        /^<include-fragment fragment-id="be"> at line 10 in <backend>: its content is not inspected; make sure fragment "be"/
      )
    ]);
  });

  it('nested <inbound> key restores / Authorization deletes stay warnings', () => {
    const raw = doc([...OWNED, '<choose><when condition="@(true)">', authz('delete'), keySet(), '</when></choose>']);
    expect(conflicts(raw)).toEqual([]);
    expect(mergePolicy(raw, { resource: APP }).warnings).toHaveLength(2);
  });
});

describe('conflicts: the subscription-key query parameter put back after its delete', () => {
  const Q = '<set-query-parameter name="subscription-key" exists-action="delete" />';
  const H = '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
  const AUTH_EL = `<authentication-managed-identity resource="${APP}" />`;
  const lines = (inbound: string[], backend: string[] = []) =>
    [
      '<policies>',
      '    <inbound>',
      ...inbound.map((l) => `        ${l}`),
      '    </inbound>',
      '    <backend>',
      '        <base />',
      ...backend.map((l) => `        ${l}`),
      '    </backend>',
      '</policies>'
    ].join('\n');

  it.each([['override'], ['skip'], ['append'], [undefined]])(
    'a later direct set-query-parameter (exists-action %s) of that name → key-restored, naming line and fix',
    (act) => {
      const el = `<set-query-parameter name="Subscription-Key"${act ? ` exists-action="${act}"` : ''}><value>k</value></set-query-parameter>`;
      const raw = lines(['<base />', AUTH_EL, H, Q, el]);
      const c = inspectPolicy(raw).conflicts;
      expect(c).toHaveLength(1);
      expect(c[0]).toMatchObject({ kind: 'key-restored', line: 7 });
      expect(c[0].message).toMatch(/runs after the subscription-key query delete \(line 6\)/);
      expect(c[0].message).toMatch(
        /move it before <set-query-parameter name="subscription-key" exists-action="delete"> \(line 6\)/
      );
      expect(mergePolicy(raw, { resource: APP }).conflicts).toEqual(c);
    }
  );

  it('one before the delete is not a conflict; a delete after it is not either', () => {
    const set =
      '<set-query-parameter name="subscription-key" exists-action="override"><value>k</value></set-query-parameter>';
    expect(inspectPolicy(lines([set, '<base />', AUTH_EL, H, Q])).conflicts).toEqual([]);
    expect(inspectPolicy(lines(['<base />', AUTH_EL, H, Q, Q])).conflicts).toEqual([]);
  });

  it('no query delete yet: a set-query-parameter after the header delete is a conflict (the delete goes right after it)', () => {
    const set =
      '<set-query-parameter name="subscription-key" exists-action="override"><value>k</value></set-query-parameter>';
    const c = inspectPolicy(lines(['<base />', AUTH_EL, H, set])).conflicts;
    expect(c.map((x) => x.kind)).toEqual(['key-restored']);
    expect(c[0].message).toMatch(/which the action puts right after the header delete, line 5/);
  });

  it('in <backend>: refused; the API query name (keyQuery) is the one guarded', () => {
    const set = '<set-query-parameter name="api-key" exists-action="append"><value>k</value></set-query-parameter>';
    const raw = lines(['<base />', AUTH_EL, H, '<set-query-parameter name="api-key" exists-action="delete" />'], [set]);
    expect(inspectPolicy(raw).conflicts).toEqual([]);
    const c = inspectPolicy(raw, { keyQuery: 'api-key' }).conflicts;
    expect(c).toHaveLength(1);
    expect(c[0].message).toMatch(/is in <backend>, which runs after <inbound>.*query parameter \(api-key\)/);
  });

  it('copying the query key into a header is key-copied', () => {
    const el =
      '<set-header name="X-K" exists-action="override"><value>@(context.Request.Url.Query.GetValueOrDefault("subscription-key",""))</value></set-header>';
    const c = inspectPolicy(lines(['<base />', AUTH_EL, H, Q, el])).conflicts;
    expect(c.map((x) => x.kind)).toEqual(['key-copied']);
  });
});
