import { describe, expect, it } from '@jest/globals';
import { extractExpressions, scanPolicy } from '../../src/policy/scan.js';
import { PolicyParseError } from '../../src/policy/errors.js';

/** Wraps an expression as an attribute value (delimited by `q`) and as element text. */
const inAttr = (e: string, q = '"') => `<p><set-variable name="v" value=${q}${e}${q} /></p>`;
const inText = (e: string) => `<p><set-body>\n  ${e}\n</set-body></p>`;

describe('expression scanner', () => {
  it.each([
    ['same quote as the delimiter', '@(context.Request.Headers.GetValueOrDefault("api-key"))'],
    ['generics and <', '@(context.Request.Body.As<JObject>(preserveContent: true)["a"].Value<int>() < 3)'],
    ['&& and ||', '@(a != null && b || !c)'],
    ['bracket inside a regular string', '@("(" + ")" + "}" + "\\")")'],
    ['verbatim string with doubled quotes', '@(@"C:\\x"")(" + 1)'],
    ['interpolated string with holes holding strings', '@($"{d["k)"]}-{{lit}}-{(x ? "a" : "b")}")'],
    ['verbatim interpolated', '@($@"{a}"")" + @$"{b}")'],
    ['char literals', "@(s.Split(')')[0] + '\\'' + '\"')"],
    ['multi-character single-quoted literal (seen in public samples)', "@(h.ContainsKey('Retry-After'))"],
    ['line and block comments', '@{\n  // a ) " \' comment\n  /* } ) */\n  return 1;\n}'],
    ['entity-escaped form', '@(&quot;)&quot; + &apos;(&apos; &amp;&amp; x)'],
    [
      'nested braces and lambdas',
      '@{ var o = new JObject { { "a", new JArray(xs.Select(x => new { x })) } }; return o; }'
    ]
  ])('%s: found whole, in attributes and in text', (_n, expr) => {
    expect(extractExpressions(inAttr(expr))).toEqual([expr]);
    expect(extractExpressions(inText(expr))).toEqual([expr]);
    if (!expr.includes("'")) expect(extractExpressions(inAttr(expr, "'"))).toEqual([expr]);
  });

  it('masks expressions with same-length filler and keeps line breaks', () => {
    const raw = inAttr('@{\r\n  return "<&>";\r\n}');
    const { masked, expressions } = scanPolicy(raw);
    expect(masked).toHaveLength(raw.length);
    expect(masked.match(/\r\n/g)).toHaveLength(2);
    expect(expressions).toHaveLength(1);
    const [e] = expressions;
    expect(masked.slice(e.start, e.end)).toMatch(/^[x\r\n]+$/);
    expect(masked.slice(0, e.start) + masked.slice(e.end)).toBe(raw.slice(0, e.start) + raw.slice(e.end));
  });

  it('ignores @ that does not start an expression and text in comments', () => {
    expect(extractExpressions('<p a="x@(y" b="{{nv}}"><!-- @(unclosed --><v>mail@host</v></p>')).toEqual([]);
  });

  it('reports expressions in CDATA without masking them', () => {
    const raw = '<p><value><![CDATA[ @{ return "]>"; } ]]></value></p>';
    expect(extractExpressions(raw)).toEqual(['@{ return "]>"; }']);
    expect(scanPolicy(raw).masked).toBe(raw);
  });

  it.each([
    ['unterminated', inAttr('@(a("b")'), 1],
    ['mismatched', inText('@{ (a] }'), 2],
    ['line break in a string', inText('@("a\nb")'), 2],
    ['unclosed comment', '<p>\n<!-- x\n</p>', 2],
    ['unclosed attribute', '<p>\n<a b="x></p>', 2]
  ])('%s → PolicyParseError with a line', (_n, raw, line) => {
    expect(() => scanPolicy(raw)).toThrow(PolicyParseError);
    try {
      scanPolicy(raw);
    } catch (e) {
      expect((e as PolicyParseError).line).toBe(line);
      expect((e as PolicyParseError).message).toMatch(new RegExp(`line ${line}`));
    }
  });
});
