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
const KEY = '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />';
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

  it('output-token-variable-name on the managed element → token-to-variable', () => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      KEY
    ]);
    const c = conflicts(raw);
    expect(c.map((x) => [x.kind, x.line])).toEqual([['token-to-variable', 4]]);
    expect(c[0].message).toMatch(/does not set the Authorization header.*remove output-token-variable-name/);
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

  it('a later Authorization set-header that reads another variable does not carry it → both conflicts', () => {
    const raw = doc([
      '<base />',
      `<authentication-managed-identity resource="${APP}" output-token-variable-name="tok" />`,
      '<set-header name="Authorization" exists-action="override"><value>@((string)context.Variables["tokens"])</value></set-header>',
      KEY
    ]);
    expect(kinds(raw)).toEqual([
      ['token-to-variable', 4],
      ['authorization-replaced', 5]
    ]);
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
