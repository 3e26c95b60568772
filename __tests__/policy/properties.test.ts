/**
 * Property tests: layout never changes the owned state; merge is idempotent and touches only the owned elements.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mergePolicy, ownedState } from '../../src/policy/index.js';
import { canonicalPolicy } from '../../src/policy/equivalent.js';
import { extractExpressions } from '../../src/policy/scan.js';

interface Variant {
  hasBase: boolean;
  auth: 'none' | 'before' | 'after';
  key: boolean;
  resource: string;
  /** how the line breaks inside the multi-line attribute expression are written */
  exprBreak: '\n' | '\r\n' | '&#xA;';
}

/** The document as a list of markup tokens; any whitespace may go between them. */
function tokens(v: Variant): string[] {
  const auth = `<authentication-managed-identity resource="${v.resource}" />`;
  const inbound = [
    '<set-variable name="caller" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />',
    ...(v.auth === 'before' ? [auth] : []),
    ...(v.hasBase ? ['<base />'] : []),
    ...(v.auth === 'after' ? [auth] : []),
    '<choose>',
    '<when condition="@(context.Request.Body.As<JObject>(preserveContent: true)["a"] != null && true)">',
    '<authentication-managed-identity resource="nested" />',
    '</when>',
    '</choose>',
    ...(v.key ? ['<set-header name="ocp-apim-subscription-key" exists-action="delete"/>'] : []),
    `<set-variable name="m" value="@{${v.exprBreak}var s = "}";${v.exprBreak}return s;${v.exprBreak}}" />`,
    '<!-- a comment -->',
    '<set-body><![CDATA[@{ return "<x>"; }]]></set-body>'
  ];
  return ['<policies>', '<inbound>', ...inbound, '</inbound>', '<outbound>', '<base/>', '</outbound>', '</policies>'];
}

const ws = fc.array(fc.constantFrom(' ', '\t', '\n', '\r\n', '    ', '\r'), { maxLength: 4 }).map((a) => a.join(''));
const variant = fc.record({
  hasBase: fc.boolean(),
  auth: fc.constantFrom('none' as const, 'before' as const, 'after' as const),
  key: fc.boolean(),
  resource: fc.constantFrom('11111111-2222-3333-4444-555555555555', 'api://app', 'x&amp;y'),
  exprBreak: fc.constantFrom('\n' as const, '\r\n' as const, '&#xA;' as const)
});
const layout = (v: Variant) => fc.array(ws, { minLength: tokens(v).length + 1, maxLength: tokens(v).length + 1 });
const build = (v: Variant, gaps: string[]) =>
  tokens(v)
    .map((t, i) => gaps[i] + t)
    .join('') + gaps[gaps.length - 1];

const validResource = fc.oneof(fc.uuid(), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 })).filter((r) => {
  try {
    mergePolicy('<policies><inbound/></policies>', { resource: r });
    return true;
  } catch {
    return false;
  }
});

describe('policy properties', () => {
  it('whitespace, indentation and line endings never change ownedState', () => {
    fc.assert(
      fc.property(
        variant.chain((v) => fc.tuple(fc.constant(v), layout(v))),
        ([v, gaps]) => {
          const decoded = v.resource.replace('&amp;', '&');
          expect(ownedState(build(v, gaps))).toEqual({
            ...(v.auth !== 'none' ? { resource: decoded } : {}),
            authPresent: v.auth !== 'none',
            authAfterBase: v.auth === 'after' || (v.auth === 'before' && !v.hasBase),
            deletesSubscriptionKey: v.key,
            deletesSubscriptionKeyQuery: false
          });
        }
      ),
      { numRuns: 300 }
    );
  });

  it('merge is idempotent, reaches the desired state and keeps everything else', () => {
    fc.assert(
      fc.property(
        variant.chain((v) => fc.tuple(fc.constant(v), layout(v))),
        validResource,
        ([v, gaps], resource) => {
          const raw = build(v, gaps);
          const m1 = mergePolicy(raw, { resource });
          const m2 = mergePolicy(m1.text, { resource });
          expect(m2.text).toBe(m1.text);
          expect(m2.changes).toEqual([]);
          // which element is owned depends on the Function's app (ownership by purpose): say it
          expect(ownedState(m1.text, { acceptableResources: [resource] })).toEqual({
            resource,
            authPresent: true,
            authAfterBase: true,
            deletesSubscriptionKey: true,
            deletesSubscriptionKeyQuery: true
          });
          expect(canonicalPolicy(m1.text, { dropOwned: true })).toEqual(canonicalPolicy(raw, { dropOwned: true }));
          expect([...extractExpressions(m1.text)].sort()).toEqual([...extractExpressions(raw)].sort());
          // nothing to do → the very same string
          if (m1.changes.length === 0) expect(m1.text).toBe(raw);
        }
      ),
      { numRuns: 300 }
    );
  });
});
