/**
 * The effective inbound pipeline (src/policy/effective.ts): operation content after <base />, fragments at their
 * include points and named values get the guards of the API policy; a missing <base /> drops the API policy. Each
 * case uses real-world shapes (expressions with quotes and generics, comments, CDATA, choose).
 */
import { describe, expect, it } from '@jest/globals';
import {
  describeFinding,
  judgeEffective,
  MAX_FRAGMENT_DEPTH,
  type EffectiveInput,
  type FragmentRead
} from '../../src/policy/effective.js';
import { includedFragments, pipelineNamedValueRefs } from '../../src/policy/pipeline-refs.js';

const APP = '55555555-5555-4555-8555-555555555555';
const OWNED = [
  `<authentication-managed-identity resource="${APP}" />`,
  '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />',
  '<set-query-parameter name="subscription-key" exists-action="delete" />'
];

/** A <policies> document: `inbound` lines (indented), `backend` lines (default `<base />`). */
function doc(inbound: string[], backend: string[] = ['<base />']): string {
  const ind = (xs: string[]) => xs.map((x) => `        ${x}`).join('\n');
  return `<policies>\n    <inbound>\n${ind(inbound)}\n    </inbound>\n    <backend>\n${ind(backend)}\n    </backend>\n    <outbound>\n        <base />\n    </outbound>\n</policies>`;
}
const API = doc(['<base />', ...OWNED]);
const fragment = (...lines: string[]) => `<fragment>\n${lines.map((l) => `    ${l}`).join('\n')}\n</fragment>`;

function judge(over: Partial<EffectiveInput> = {}) {
  return judgeEffective({
    apiId: 'orders',
    apiPolicy: API,
    operations: [],
    fragments: new Map(),
    resource: APP,
    ownership: { acceptableResources: [APP] },
    ...over
  });
}
const op = (policy: string, id = 'get-order') => ({ operations: [{ id, policy }] });
const frags = (entries: Record<string, string | null>): ReadonlyMap<string, FragmentRead> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, v === null ? { absent: true } : { value: v }]));

describe('operation policies', () => {
  it('after <base />: the key put back (expression, comment around) is a finding naming the operation, element and line', () => {
    const r = judge(
      op(
        doc([
          '<base />',
          '<!-- partners need the key -->',
          '<set-header name="Ocp-Apim-Subscription-Key" exists-action="override">',
          '    <value>@(context.Subscription.Key)</value>',
          '</set-header>'
        ])
      )
    );
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f).toMatchObject({
      kind: 'key-restored',
      scope: 'operation',
      scopeId: 'get-order',
      operations: ['get-order'],
      line: 5,
      element: '<set-header name="Ocp-Apim-Subscription-Key" exists-action="override">'
    });
    expect(describeFinding(f)).toMatch(
      /^operation get-order of API orders: <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"> at line 5 runs after <base \/> \(line 3\).*puts the subscription key back.*remove it from the operation policy, or move it before <base \/> \(line 3\)$/
    );
  });

  it('the same elements BEFORE <base /> are harmless (the API policy runs after them)', () => {
    const r = judge(
      op(
        doc([
          '<set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>x</value></set-header>',
          '<set-header name="Authorization" exists-action="delete" />',
          '<authentication-managed-identity resource="https://graph.microsoft.com" />',
          '<base />'
        ])
      )
    );
    expect(r.findings).toEqual([]);
  });

  it('Authorization replaced / deleted after <base />, also in <backend> and by authentication-basic', () => {
    const r = judge(
      op(
        doc(
          ['<base />', '<authentication-basic username="u" password="{{pw}}" />'],
          ['<base />', '<set-header name="Authorization" exists-action="delete" />']
        )
      )
    );
    expect(r.findings.map((f) => [f.kind, f.line])).toEqual([
      ['authorization-replaced', 4],
      ['authorization-replaced', 8]
    ]);
    expect(r.findings[1].message).toMatch(/is in <backend>, which runs after <inbound>/);
  });

  it('a token for another resource sent as Authorization after <base /> is a finding; one for the Function is not', () => {
    const other = judge(
      op(doc(['<base />', '<authentication-managed-identity resource="https://storage.azure.com/" />']))
    );
    expect(other.findings.map((f) => f.kind)).toEqual(['second-managed-identity']);
    const same = judge(op(doc(['<base />', `<authentication-managed-identity resource="${APP}" />`])));
    expect(same.findings).toEqual([]);
    // kept in a variable and sent only by send-request: not the Function's Authorization
    const kv = judge(
      op(
        doc([
          '<base />',
          '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv" />',
          '<send-request mode="new" response-variable-name="s"><set-url>https://kv.vault.azure.net/secrets/x</set-url>',
          '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["kv"])</value></set-header></send-request>'
        ])
      )
    );
    expect(kv.findings).toEqual([]);
  });

  it('the carrier form at operation scope (a token for the Function kept in a variable, then sent) is fine', () => {
    const r = judge(
      op(
        doc([
          '<base />',
          `<authentication-managed-identity resource="${APP}" output-token-variable-name="fn" />`,
          '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + context.Variables.GetValueOrDefault<string>("fn"))</value></set-header>'
        ])
      )
    );
    expect(r.findings).toEqual([]);
  });

  it('the carrier form whose variable another element also writes (Graph token, set-variable) is a finding', () => {
    const send =
      '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["fn"])</value></set-header>';
    for (const writer of [
      '<authentication-managed-identity resource="https://graph.microsoft.com" output-token-variable-name="fn" />',
      '<set-variable name="fn" value="@(&quot;x&quot;)" />'
    ]) {
      const r = judge(
        op(
          doc([
            '<base />',
            `<authentication-managed-identity resource="${APP}" output-token-variable-name="fn" />`,
            writer,
            send
          ])
        )
      );
      expect(r.findings.map((f) => [f.kind, f.line])).toEqual([['authorization-replaced', 6]]);
    }
  });

  it('the key kept in a variable by the operation and sent on by a fragment is a key-copied finding', () => {
    const r = judge({
      ...op(
        doc([
          '<set-variable name="sub" value="@(context.Subscription.Key)" />',
          '<base />',
          '<include-fragment fragment-id="partner-headers" />'
        ])
      ),
      fragments: frags({
        'partner-headers': fragment(
          '<set-header name="X-Partner-Key" exists-action="override"><value>@((string)context.Variables["sub"])</value></set-header>'
        )
      })
    });
    expect(r.findings.map((f) => [f.kind, f.scope, f.scopeId, f.line])).toEqual([
      ['key-copied', 'fragment', 'partner-headers', 2]
    ]);
  });

  it('the key copied into the query or body, anywhere (also before <base />, inside choose, CDATA body)', () => {
    const r = judge(
      op(
        doc([
          '<set-query-parameter name="k" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("Ocp-Apim-Subscription-Key",""))</value></set-query-parameter>',
          '<base />',
          '<choose><when condition="@(context.Request.Method == &quot;POST&quot;)">',
          '<set-body><![CDATA[@{ return "{\\"key\\":\\"" + context.Subscription.PrimaryKey + "\\"}"; }]]></set-body>',
          '</when></choose>'
        ])
      )
    );
    expect(r.findings.map((f) => [f.kind, f.line])).toEqual([
      ['key-copied', 3],
      ['key-copied', 6]
    ]);
  });

  it('nested (choose) undoers after <base /> are warnings, not findings', () => {
    const r = judge(
      op(
        doc([
          '<base />',
          '<choose>',
          '    <when condition="@(context.Request.Headers.ContainsKey(&quot;X-Legacy&quot;))">',
          '        <set-header name="Authorization" exists-action="delete" />',
          '    </when>',
          '</choose>'
        ])
      )
    );
    expect(r.findings).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(
      /operation get-order of API orders: a nested <set-header name="Authorization" exists-action="delete"> at line 6 .*when its block runs/
    );
  });

  it('an <inbound> without <base /> drops the API policy: a finding naming the operation (real shapes inside)', () => {
    const text = doc([
      '<!-- legacy route: answered here -->',
      '<set-variable name="id" value="@(context.Request.MatchedParameters.GetValueOrDefault(&quot;id&quot;, &quot;&quot;))" />',
      '<choose><when condition="@(((string)context.Variables[&quot;id&quot;]).Length == 0)">',
      '<return-response><set-status code="400" /><set-body><![CDATA[{"error":"id"}]]></set-body></return-response>',
      '</when></choose>',
      '<set-header name="X-Route" exists-action="override"><value>legacy</value></set-header>'
    ]);
    const r = judge(op(text, 'legacy'));
    expect(r.findings.map((f) => [f.kind, f.scopeId, f.line])).toEqual([['base-missing', 'legacy', 2]]);
    expect(describeFinding(r.findings[0])).toMatch(
      /^operation legacy of API orders: <inbound> at line 2 has no <base \/>.*the Function gets no token from APIM \(401\).*Add <base \/>/
    );
  });

  it('<base /> only inside <choose>: still a finding, which says where the <base /> is and when it does not run', () => {
    const text = doc([
      '<choose>',
      '    <when condition="@(context.Request.Method == &quot;GET&quot;)"><base /></when>',
      '</choose>'
    ]);
    const r = judge(op(text, 'get-order'));
    expect(r.findings.map((f) => [f.kind, f.line])).toEqual([['base-missing', 2]]);
    expect(describeFinding(r.findings[0])).toMatch(
      /^operation get-order of API orders: <inbound> at line 2 has <base \/> only inside <when> \(line 4\), so the API policy's <inbound>.*does not run for this operation whenever that branch does not run.*Add <base \/> as the first element/
    );
  });

  it('without <base /> but carrying the owned elements itself: judged like an API policy, no base-missing', () => {
    const ok = judge(
      op(doc([...OWNED, '<set-header name="X-A" exists-action="override"><value>a</value></set-header>']))
    );
    expect(ok.findings).toEqual([]);
    const bad = judge(op(doc([...OWNED, '<set-header name="Authorization" exists-action="delete" />'])));
    expect(bad.findings.map((f) => [f.kind, f.scope, f.line])).toEqual([['authorization-replaced', 'operation', 6]]);
  });

  it('a document without <inbound> runs the API policy as is; an unparsable one is a warning, not a finding', () => {
    expect(judge(op('<policies><outbound><base /></outbound></policies>')).findings).toEqual([]);
    const r = judge(op('<policies><inbound><base /><set-header name="a"></inbound></policies>'));
    expect(r.findings).toEqual([]);
    expect(r.warnings.join()).toMatch(/operation get-order of API orders: its policy cannot be parsed/);
  });
});

describe('policy fragments', () => {
  const include = (id: string) => `<include-fragment fragment-id="${id}" />`;

  it('a fragment included after the owned elements that replaces Authorization: finding names the fragment, line and include point', () => {
    const api = doc(['<base />', ...OWNED, include('partner-auth')]);
    const partner = fragment(
      '<!-- legacy partners -->',
      '<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;X-Partner&quot;))"><set-variable name="p" value="1" /></when></choose>',
      '<set-header name="Authorization" exists-action="override">',
      '    <value><![CDATA[Basic cGFydG5lcjpzZWNyZXQ=]]></value>',
      '</set-header>'
    );
    const r = judge({ apiPolicy: api, fragments: frags({ 'partner-auth': partner }) });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      kind: 'authorization-replaced',
      scope: 'fragment',
      scopeId: 'partner-auth',
      line: 4,
      operations: 'all',
      via: ['API policy orders, line 7']
    });
    expect(describeFinding(r.findings[0])).toMatch(
      /^policy fragment partner-auth \(included by API policy orders, line 7\): <set-header name="Authorization" exists-action="override"> at line 4 .*remove it from policy fragment "partner-auth", or include the fragment before <authentication-managed-identity> \(line 4\)$/
    );
  });

  it('the same fragment included before the owned elements is harmless', () => {
    const api = doc([include('partner-auth'), '<base />', ...OWNED]);
    const partner = fragment('<set-header name="Authorization" exists-action="delete" />');
    expect(judge({ apiPolicy: api, fragments: frags({ 'partner-auth': partner }) }).findings).toEqual([]);
  });

  it('one fragment included by two operations after <base />: one finding naming both operations and both include points', () => {
    const putBack = fragment(
      '<set-query-parameter name="subscription-key" exists-action="append"><value>x</value></set-query-parameter>'
    );
    const p = doc(['<base />', include('common')]);
    const r = judge({
      operations: [
        { id: 'a', policy: p },
        { id: 'b', policy: p }
      ],
      fragments: frags({ common: putBack })
    });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ kind: 'key-restored', operations: ['a', 'b'] });
    expect(r.findings[0].via).toEqual(['operation a, line 4', 'operation b, line 4']);
  });

  it('nested includes are followed (an included fragment including another), up to the depth bound; cycles stop', () => {
    const deep: Record<string, string> = {};
    for (let i = 0; i < MAX_FRAGMENT_DEPTH + 2; i++) deep[`f${i}`] = fragment(include(`f${i + 1}`));
    deep.f1 = fragment('<set-header name="Authorization" exists-action="delete" />', include('f2'));
    const api = doc(['<base />', ...OWNED, include('f0')]);
    const r = judge({ apiPolicy: api, fragments: frags(deep) });
    expect(r.findings.map((f) => [f.scopeId, f.via])).toEqual([
      ['f1', ['API policy orders, line 7 → fragment f0, line 2']]
    ]);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`deeper than ${MAX_FRAGMENT_DEPTH} levels`));
    const cyc = judge({
      apiPolicy: api,
      fragments: frags({ f0: fragment(include('f1')), f1: fragment(include('f0')) })
    });
    expect(cyc.findings).toEqual([]);
    expect(cyc.warnings.join('\n')).toMatch(/a cycle: f0 → f1 → f0/);
  });

  it('a fragment that does not exist (404), was not read or cannot be parsed: warnings, never a guess', () => {
    const api = doc(['<base />', ...OWNED, include('gone'), include('unread'), include('broken')]);
    const r = judge({ apiPolicy: api, fragments: frags({ gone: null, broken: '<fragment><set-header></fragment>' }) });
    expect(r.findings).toEqual([]);
    const w = r.warnings.join('\n');
    expect(w).toMatch(/fragment "gone", which does not exist \(404\)/);
    expect(w).toMatch(/fragment "unread", which was not read/);
    expect(w).toMatch(/fragment "broken", which cannot be parsed/);
  });

  it('a fragment in an operation <backend> is after everything', () => {
    const r = judge({
      ...op(doc(['<base />'], ['<base />', include('b')])),
      fragments: frags({
        b: fragment('<set-header name="Ocp-Apim-Subscription-Key" exists-action="skip"><value>k</value></set-header>')
      })
    });
    expect(r.findings.map((f) => [f.kind, f.scopeId, f.via])).toEqual([
      ['key-restored', 'b', ['operation get-order, line 7']]
    ]);
  });
});

describe('named values', () => {
  it('a set-header whose name is a named value resolving to Authorization is judged as one (the value is never shown)', () => {
    const p = doc([
      '<base />',
      '<set-header name="{{auth-header}}" exists-action="override"><value>x</value></set-header>'
    ]);
    const r = judge({
      ...op(p),
      ownership: { acceptableResources: [APP], namedValues: new Map([['auth-header', 'Authorization']]) }
    });
    expect(r.findings.map((f) => f.kind)).toEqual(['authorization-replaced']);
    expect(r.findings[0].message).toContain('name="{{auth-header}}"');
    expect(r.findings[0].message).toContain('(named values substituted)');
  });

  it('an unresolved (e.g. Key Vault-backed, unreadable) name after the owned elements is a warning, not a guess', () => {
    const p = doc([
      '<base />',
      '<set-header name="{{kv-header}}" exists-action="override"><value>x</value></set-header>'
    ]);
    const r = judge({
      ...op(p),
      ownership: { acceptableResources: [APP], namedValues: new Map([['kv-header', undefined]]) }
    });
    expect(r.findings).toEqual([]);
    expect(r.warnings.join()).toMatch(/uses named value \{\{kv-header\}\}, which could not be resolved/);
  });

  it('in the API policy: a later element undoing the setup only through its named value is a finding (scope api)', () => {
    const api = doc(['<base />', ...OWNED, '<set-header name="{{h}}" exists-action="{{how}}" />']);
    const nv = new Map([
      ['h', 'ocp-apim-subscription-key'],
      ['how', 'override']
    ]);
    const r = judge({ apiPolicy: api, ownership: { acceptableResources: [APP], namedValues: nv } });
    expect(r.findings.map((f) => [f.kind, f.scope, f.line])).toEqual([['key-restored', 'api', 7]]);
    // as authored (no substitution) the merge judged it already: nothing new without the named values
    expect(judge({ apiPolicy: api }).findings).toEqual([]);
  });

  it('an owned element whose resource is a named value resolving to the app is in sync (no duplicate finding)', () => {
    const api = doc([
      '<base />',
      '<authentication-managed-identity resource="{{orders-app-id}}" />',
      ...OWNED.slice(1)
    ]);
    const p = doc(['<base />', `<authentication-managed-identity resource="{{orders-app-id}}" />`]);
    const r = judge({
      apiPolicy: api,
      ...op(p),
      ownership: { acceptableResources: [APP], namedValues: new Map([['orders-app-id', APP]]) }
    });
    expect(r.findings).toEqual([]);
  });
});

describe('what the observer reads first (pipeline-refs)', () => {
  it('includedFragments: literal IDs, any section, not inside send-request, once each', () => {
    const text = doc(
      [
        '<base />',
        '<include-fragment fragment-id="a" />',
        '<choose><when condition="@(true)"><include-fragment fragment-id="b" /></when></choose>'
      ],
      ['<include-fragment fragment-id="a" />', '<include-fragment fragment-id="@(&quot;x&quot;)" />']
    );
    expect(includedFragments(text)).toEqual(['a', 'b']);
    expect(includedFragments('<policies><inbound><base></inbound>')).toEqual([]);
  });

  it('pipelineNamedValueRefs: guard attributes only (never <value> text), so secrets are read only when they matter', () => {
    const text = doc([
      '<base />',
      '<set-header name="{{h}}" exists-action="override"><value>{{secret-token}}</value></set-header>',
      '<authentication-managed-identity resource="{{app}}" client-id="{{uami}}" />'
    ]);
    expect(pipelineNamedValueRefs(text)).toEqual(['h', 'app', 'uami']);
  });
});
