import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  assertWellFormed,
  findElements,
  fromXmlFormat,
  normalizeOnSave,
  parsePolicyText,
  policyTreesEqual,
  toXmlFormat
} from '../src/policy-text.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const policiesDir = path.resolve(repoRoot, '../shared/fixtures/policies');
const haveShared = existsSync(path.join(policiesDir, 'INDEX.tsv'));
if (!haveShared) console.warn(`SKIPPED policy fixture tests: ../shared absent (${policiesDir})`);
const withShared = haveShared ? describe : describe.skip;

interface IndexRow {
  file: string;
  notes: string;
}

function readIndex(): IndexRow[] {
  const lines = readFileSync(path.join(policiesDir, 'INDEX.tsv'), 'utf8').split('\n').filter(Boolean);
  const header = lines[0].split('\t');
  const fileCol = header.indexOf('file');
  const notesCol = header.indexOf('notes');
  return lines.slice(1).map((l) => {
    const cols = l.split('\t');
    return { file: cols[fileCol], notes: cols[notesCol] ?? '' };
  });
}

/** Files the INDEX notes mark as broken upstream (invalid even for APIM). */
const brokenUpstream = (row: IndexRow): boolean => /negative test/i.test(row.notes);

withShared('policy-text over real public policies (../shared/fixtures/policies)', () => {
  const rows = haveShared ? readIndex() : [];
  const good = rows.filter((r) => !brokenUpstream(r));
  const broken = rows.filter(brokenUpstream);

  it('INDEX lists the corpus and exactly two files broken upstream', () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(broken).toHaveLength(2);
  });

  it.each(good.map((r) => [r.file]))('%s parses, its xml view is well-formed, and round-trips', (file) => {
    const raw = readFileSync(path.join(policiesDir, file), 'utf8');
    const tree = parsePolicyText(raw);
    expect(['policies', 'fragment']).toContain(tree.name);
    const xml = toXmlFormat(raw);
    expect(() => assertWellFormed(xml)).not.toThrow();
    expect(policyTreesEqual(parsePolicyText(fromXmlFormat(xml)), tree)).toBe(true);
    const stored = normalizeOnSave(raw);
    expect(stored).not.toContain('\r');
    expect(normalizeOnSave(stored)).toBe(stored);
    expect(policyTreesEqual(parsePolicyText(stored), tree)).toBe(true);
  });

  it.each(broken.map((r) => [r.file]))('%s (broken upstream) is rejected with a line number', (file) => {
    const raw = readFileSync(path.join(policiesDir, file), 'utf8');
    expect(() => parsePolicyText(raw)).toThrow(/\(line \d+, column \d+\)/);
  });

  it('reports the mismatched tag of frag-llm-usage at its closing tag', () => {
    const file = broken.find((r) => r.file.includes('frag-llm-usage'));
    expect(file).toBeDefined();
    const raw = readFileSync(path.join(policiesDir, file!.file), 'utf8');
    const closeLine = raw.split(/\r?\n/).findIndex((l) => l.includes('</azure-openai-emit-token-metric>')) + 1;
    expect(() => parsePolicyText(raw)).toThrow(new RegExp(`llm-emit-token-metric.*\\(line ${closeLine}, column`));
  });
});

const wrap = (inbound: string): string =>
  `<policies>\n  <inbound>\n    <base />\n    ${inbound}\n  </inbound>\n  <backend><base /></backend>\n</policies>`;

const attrOf = (raw: string, el: string, attr: string): string | undefined =>
  findElements(parsePolicyText(raw), el)[0]?.attributes[attr];
const textOf = (raw: string, el: string): string => {
  const e = findElements(parsePolicyText(raw), el)[0];
  return e.children.map((c) => (c.type === 'text' || c.type === 'cdata' ? c.text : '')).join('');
};

describe('parsePolicyText: synthetic rawxml cases', () => {
  it.each([
    ['same quote inside', '@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))'],
    ['generic in attribute', '@(context.Variables.GetValueOrDefault<string>("k", "d"))'],
    ['&& and < > in attribute', '@(a < 1 && b > 2 || c <= 3)'],
    ['string with parens/braces', '@("(" + "{" + ")" + "}" + x.ToString())'],
    ['escaped quotes', '@("say \\"hi\\" (x)")'],
    ['verbatim string with "" and brackets', '@(@"C:\\p ""q"" ) {" + y)'],
    ['interpolated with nested quotes in hole', '@($"{ctx["a"]}-{{lit}}-{(x ? "(" : ")")}")'],
    ['char literals', "@(s.Split(')')[0] + s.Trim('\\'') + s.TrimEnd('}'))"],
    ['nested braces statement block', '@{ if (a) { var b = new { x = 1 }; return b.x; } else { return 0; } }'],
    ['comment with apostrophe', "@{ // don't count ( here\n return 1; }"]
  ])('keeps the %s expression verbatim in a "-quoted attribute', (_name, expr) => {
    const raw = wrap(`<set-variable name="v" value="${expr}" />`);
    expect(attrOf(raw, 'set-variable', 'value')).toBe(expr);
    expect(attrOf(raw, 'set-variable', 'name')).toBe('v');
    const xml = toXmlFormat(raw);
    expect(() => assertWellFormed(xml)).not.toThrow();
    expect(attrOf(fromXmlFormat(xml), 'set-variable', 'value')).toBe(expr);
  });

  it('keeps a text expression with generics, && and quotes verbatim, and the element after it', () => {
    const expr =
      '@{ var o = context.Request.Body.As<JObject>(preserveContent: true); return (o != null && o["a"] != null) ? "<ok>" : "</no>"; }';
    const raw = wrap(`<set-body>${expr}</set-body><set-header name="x" exists-action="delete" />`);
    expect(textOf(raw, 'set-body')).toBe(expr);
    expect(findElements(parsePolicyText(raw), 'set-header')).toHaveLength(1);
  });

  it('handles comments, CDATA, entities, BOM and the XML declaration outside expressions', () => {
    const raw =
      '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- head -->\n<policies><inbound><!-- <not-an-element/> & "x" -->' +
      '<set-body><![CDATA[@{ return "<a>&</a>"; }]]></set-body><set-header name="a&amp;b" exists-action="override">' +
      '<value>x &lt; y &#65;&#x42;</value></set-header></inbound></policies>';
    const tree = parsePolicyText(raw);
    const inbound = findElements(tree, 'inbound')[0];
    expect(inbound.children[0]).toEqual({ type: 'comment', text: ' <not-an-element/> & "x" ' });
    expect(findElements(tree, 'set-body')[0].children).toEqual([{ type: 'cdata', text: '@{ return "<a>&</a>"; }' }]);
    expect(attrOf(raw, 'set-header', 'name')).toBe('a&b');
    expect(textOf(raw, 'value')).toBe('x < y AB');
    expect(() => assertWellFormed(toXmlFormat(raw))).not.toThrow();
  });

  it('accepts single-quoted attribute expressions holding double quotes', () => {
    const raw = wrap(`<set-variable name='v' value='@(ctx["a"] + "b")' />`);
    expect(attrOf(raw, 'set-variable', 'value')).toBe('@(ctx["a"] + "b")');
    expect(() => assertWellFormed(toXmlFormat(raw))).not.toThrow();
  });

  it.each([
    ['mismatched tags', '<policies><inbound></outbound></policies>', 1, /does not match the end tag/],
    ['unclosed element', '<policies>\n<inbound>\n', 2, /not closed/],
    ['unterminated expression', '<policies>\n  <x v="@(a.b("c")" />\n</policies>', 2, /Unterminated|Unbalanced/],
    ['unterminated string', '<policies>\n<x v="@(a("b)) />\n</policies>', 2, /Unterminated string/],
    ['raw & outside an expression', '<policies>\n\n<x>a && b</x></policies>', 3, /&/],
    ['raw < in a literal attribute', '<policies><x v="a<b" /></policies>', 1, /'<'/],
    ['mismatched bracket', '<policies>\n<x v="@(a}" /></policies>', 2, /closed by|Unbalanced/],
    ['unknown entity', '<policies><x>&nbsp;</x></policies>', 1, /nbsp/],
    ['text after root', '<policies/><more/>', 1, /after the root/]
  ])('rejects %s with line and column', (_name, raw, line, msg) => {
    expect(() => parsePolicyText(raw)).toThrow(msg);
    expect(() => parsePolicyText(raw)).toThrow(new RegExp(`\\(line ${line}, column \\d+\\)`));
  });
});

describe('format conversions', () => {
  const raw = wrap('<set-variable name="c" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />');

  it('xml view escapes expressions so a strict parser accepts it; rawxml is not well-formed', () => {
    expect(() => assertWellFormed(raw)).toThrow(/not well-formed/);
    const xml = toXmlFormat(raw);
    expect(xml).toContain(
      'value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Caller&quot;,&quot;none&quot;))"'
    );
    expect(() => assertWellFormed(xml)).not.toThrow();
  });

  it('reading xml and writing it back as rawxml double-escapes (DESIGN §3)', () => {
    const xml = toXmlFormat(raw);
    // The xml text written as rawxml is stored as is: its expression now literally holds `&quot;`.
    expect(attrOf(xml, 'set-variable', 'value')).toContain('&quot;X-Caller&quot;');
    expect(toXmlFormat(normalizeOnSave(xml))).toContain('&amp;quot;X-Caller&amp;quot;');
    // Writing it with format=xml instead restores the raw text.
    expect(attrOf(fromXmlFormat(xml), 'set-variable', 'value')).toBe(
      '@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))'
    );
  });

  it('multi-line attribute expressions use &#xA; in the xml view (Azure/apiops#14)', () => {
    const r = wrap(
      '<cache-store duration="@{\n  var h = context.Response.Headers.GetValueOrDefault("Cache-Control","");\n  return 300;\n}" />'
    );
    const xml = toXmlFormat(r);
    expect(xml).toContain('duration="@{&#xA;  var h');
    expect(attrOf(fromXmlFormat(xml), 'cache-store', 'duration')).toBe(attrOf(r, 'cache-store', 'duration'));
  });

  it('fromXmlFormat rejects text that is not well-formed', () => {
    expect(() => fromXmlFormat(raw)).toThrow(/not well-formed.*\d+:\d+/);
  });

  it('normalizeOnSave: CRLF → LF, tabs → 4 spaces in indentation, <x/> → <x />, expressions untouched', () => {
    const r =
      '<policies>\r\n\t<inbound>\r\n\t\t<base/>\r\n\t\t<set-variable name="v" value="@(a\t&& b)"/>\r\n\t</inbound>\r\n</policies>';
    expect(normalizeOnSave(r)).toBe(
      '<policies>\n    <inbound>\n        <base />\n        <set-variable name="v" value="@(a\t&& b)" />\n    </inbound>\n</policies>'
    );
  });

  it('property: fromXmlFormat(toXmlFormat(r)) is semantically r, and the xml view is well-formed', () => {
    const piece = fc.constantFrom(
      'ctx["a"]',
      ' && ',
      ' < ',
      ' > ',
      '.As<JObject>()',
      '"(}{)"',
      '@"x""y"',
      "'}'",
      '(b)',
      '{ return 1; }',
      '\n',
      '&amp;',
      "'",
      ' '
    );
    const exprBody = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(exprBody, exprBody, fc.boolean(), (a, b, single) => {
        const q = single ? "'" : '"';
        const attrExpr = `@(${a})`;
        const r = wrap(`<set-variable name=${q}v${q} value=${q}${attrExpr}${q} /><set-body>@{ ${b} }</set-body>`);
        let tree;
        try {
          tree = parsePolicyText(r);
        } catch {
          return true; // an unbalanced random expression is not a valid input
        }
        const xml = toXmlFormat(r);
        assertWellFormed(xml);
        return policyTreesEqual(parsePolicyText(fromXmlFormat(xml)), tree);
      }),
      { numRuns: 300 }
    );
    // The generator must produce mostly parsable documents, or the property above says little.
    let parsed = 0;
    fc.assert(
      fc.property(exprBody, (a) => {
        try {
          parsePolicyText(wrap(`<x v="@(${a})" />`));
          parsed++;
        } catch {
          /* counted below */
        }
        return true;
      }),
      { numRuns: 200 }
    );
    expect(parsed).toBeGreaterThan(100);
  });
});
