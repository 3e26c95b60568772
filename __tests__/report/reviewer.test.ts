/**
 * The report a reviewer reads (issue "Ready for users", item 3 — here item 5 of the brief): no run of more than
 * MAX_UNBROKEN_RUN (40) characters without a break opportunity in any table cell (field paths break at their dots, values at separators),
 * long and reference sections collapsed in `<details>`, and a footer that links the workflow run and the commit.
 * The footer's golden files (`with-source.*`) are rewritten only with UPDATE_GOLDEN=1, as in render.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MAX_UNBROKEN_RUN,
  WBR,
  codeCell,
  escapeCell,
  fitBlocks,
  renderBlocks,
  splitLongRuns,
  type Block
} from '../../src/report/markdown.js';
import { commentMarker, renderComment, renderSummary, renderText } from '../../src/report/render.js';
import { LONG_SECTION_ROWS } from '../../src/report/sections.js';
import type { FieldChange, RunReport } from '../../src/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const file = path.join(here, '__golden__', name);
  if (UPDATE) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual, 'utf8');
    return;
  }
  if (!existsSync(file)) throw new Error(`golden ${name} missing: run with UPDATE_GOLDEN=1 and review the diff`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** The longest run a browser cannot break in a markdown table line: split at white space and `<wbr>`, markup removed. */
function longestRun(line: string): number {
  return Math.max(
    0,
    ...line.split(/\s+|<wbr>/).map(
      (token) =>
        Array.from(
          token
            .replace(/`+/g, '')
            .replace(/\\(.)/g, '$1')
            .replace(/&(amp|lt|gt);/g, '_')
        ).length
    )
  );
}
const tableLines = (md: string) => md.split('\n').filter((l) => l.startsWith('|'));

const APP = '11111111-2222-3333-4444-555555555555';
const LONG_PATH =
  'identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities';
const SITE =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x/providers/Microsoft.Web/sites/func-x';

const report: RunReport = {
  mode: 'check',
  verdict: 'drift',
  target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
  plan: {
    resources: [
      {
        kind: 'easy-auth',
        resourceId: `${SITE}/config/authsettingsV2`,
        label: 'Easy Auth func-x',
        changes: [
          { path: LONG_PATH, before: undefined, after: ['99999999-8888-7777-6666-555555555555'] },
          {
            path: 'validation.allowedAudiences',
            before: [`api://${APP}/.default`],
            after: [`api://${APP}/.default`, `api://${APP}`, `https://contoso.onmicrosoft.com/orders-api/${APP}`]
          }
        ],
        notes: []
      }
    ],
    warnings: [],
    facts: { effectiveAudiences: [APP], excludedPaths: [], appClientId: APP }
  },
  applied: [],
  smoke: {
    result: 'failed',
    checks: [
      {
        name: 'gateway',
        expected: '200',
        got: `302 → https://login.microsoftonline.com/72f988bf-0000-0000-0000-000000000000/oauth2/v2.0/authorize?client_id=${APP}`,
        passed: false,
        attempts: 1,
        seconds: 0.3,
        layer: 'easy-auth',
        diagnosis: 'unauthenticatedClientAction is RedirectToLoginPage'
      }
    ],
    notes: []
  },
  warnings: [],
  durationSeconds: 2.1,
  source: {
    runId: '1234567890',
    runUrl: 'https://github.com/octo/orders-app/actions/runs/1234567890',
    commit: '0123456789abcdef0123456789abcdef01234567',
    commitUrl: 'https://github.com/octo/orders-app/commit/0123456789abcdef0123456789abcdef01234567'
  }
};

describe('splitLongRuns', () => {
  it('keeps the text, and leaves no run longer than the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 2, max: 100 }), (text, max) => {
        const pieces = splitLongRuns(text, max);
        expect(pieces.join('')).toBe(text);
        for (const p of pieces) {
          for (const run of p.split(/\s/u)) expect(Array.from(run).length).toBeLessThanOrEqual(max);
        }
      })
    );
  });

  it('breaks a field path at its dots and a list at its commas', () => {
    expect(splitLongRuns(LONG_PATH)).toEqual([
      'identityProviders.azureActiveDirectory.',
      'validation.defaultAuthorizationPolicy.',
      'allowedPrincipals.identities'
    ]);
    const json = JSON.stringify([`api://${APP}/.default`, `api://${APP}`]);
    expect(splitLongRuns(json, 80)).toEqual([`["api://${APP}/.default",`, `"api://${APP}"]`]);
  });

  it('leaves short text and text with spaces alone', () => {
    expect(splitLongRuns('identity.type')).toEqual(['identity.type']);
    expect(splitLongRuns(`${'a'.repeat(MAX_UNBROKEN_RUN)} ${'b'.repeat(MAX_UNBROKEN_RUN)}`)).toHaveLength(1);
  });

  it('never separates @ from the name after it (so the mention stays defused)', () => {
    const text = `${'x'.repeat(79)}@octocat`;
    const cell = escapeCell(text);
    expect(cell).toContain('@\u2060octocat');
  });
});

describe('table cells', () => {
  it('codeCell: one span when short; spans joined by <wbr> when long, copying as the value', () => {
    expect(codeCell('identity.type')).toBe('`identity.type`');
    const cell = codeCell(LONG_PATH, 200);
    expect(cell.split(WBR)).toHaveLength(3);
    expect(cell.replace(/`/g, '').split(WBR).join('')).toBe(LONG_PATH);
  });

  it('escapeCell escapes each piece (a | never splits a cell, HTML never survives)', () => {
    const nasty = `${'<b>|'.repeat(40)}`;
    const cell = escapeCell(nasty);
    expect(cell).not.toMatch(/(?<!\\)\|/);
    expect(cell).not.toContain('<b>');
    expect(longestRun(`| ${cell} |`)).toBeLessThanOrEqual(MAX_UNBROKEN_RUN);
  });

  it.each([
    ['summary', () => renderSummary(report)],
    ['comment', () => renderComment(report, commentMarker(report.target))]
  ])(`%s: no table line has a run over ${MAX_UNBROKEN_RUN} characters without a break`, (_n, render) => {
    const md = render();
    const lines = tableLines(md);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect([line, longestRun(line)]).toEqual([line, expect.any(Number)]);
    expect(Math.max(...lines.map(longestRun))).toBeLessThanOrEqual(MAX_UNBROKEN_RUN);
  });
});

describe('collapsed sections', () => {
  it('resources and facts are always collapsed; the plan and smoke tables stay open when short', () => {
    const md = renderSummary(report);
    expect(md).toMatch(
      /#### Resources\n\n<details><summary>1 resource: ARM IDs, changed fields and notes<\/summary>\n\n- /
    );
    expect(md).toMatch(/#### Facts\n\n<details><summary>audiences, .*<\/summary>\n\n- /);
    expect(md).toMatch(/#### Plan\n\n\| Resource \|/);
    expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
  });

  it(`a plan of more than ${LONG_SECTION_ROWS} rows and a long warning list are collapsed, with a count`, () => {
    const changes: FieldChange[] = Array.from({ length: LONG_SECTION_ROWS + 5 }, (_, i) => ({
      path: `validation.allowedAudiences[${i}]`,
      before: undefined,
      after: `api://a${i}`
    }));
    const big: RunReport = {
      ...report,
      plan: {
        ...report.plan!,
        resources: [{ ...report.plan!.resources[0], changes }],
        warnings: Array.from({ length: LONG_SECTION_ROWS + 1 }, (_, i) => `warning ${i}`)
      }
    };
    const md = renderSummary(big);
    expect(md).toContain(
      `#### Plan\n\n<details><summary>${LONG_SECTION_ROWS + 5} changes in 1 resource: show the table</summary>`
    );
    expect(md).toContain(`<details><summary>${LONG_SECTION_ROWS + 1} warnings: show them</summary>`);
  });

  it('a details block is cut like the table inside it, and never left open by the size budget', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [`r${i}`, 'x'.repeat(50)]);
    const blocks: Block[] = [
      { kind: 'text', text: '### head' },
      { kind: 'details', summary: 'many <rows> & more', body: { kind: 'table', header: ['a', 'b'], rows } }
    ];
    expect(renderBlocks(blocks)).toContain('<details><summary>many &lt;rows&gt; &amp; more</summary>');
    const { text, omittedRows } = fitBlocks(blocks, 4000, (t) => t.length);
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(omittedRows).toBeGreaterThan(0);
    expect(text).toMatch(/more rows not shown \| +\|\n\n<\/details>\n$/);
  });
});

describe('footer: the run and the commit', () => {
  it('links the workflow run and the commit (short SHA) when known', () => {
    const md = renderSummary(report);
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      '<sub>apim-function-auth · check · 2.1 s · [run 1234567890](https://github.com/octo/orders-app/actions/runs/1234567890)' +
        ' · commit [0123456](https://github.com/octo/orders-app/commit/0123456789abcdef0123456789abcdef01234567)</sub>'
    );
    expect(renderText(report)).toContain(
      'run: https://github.com/octo/orders-app/actions/runs/1234567890 (commit 0123456789abcdef0123456789abcdef01234567)'
    );
  });

  it('shows only what it has: no source → the footer as before; a commit without URL → plain text', () => {
    const { source: _s, ...bare } = report;
    expect(renderSummary(bare).trimEnd().split('\n').at(-1)).toBe('<sub>apim-function-auth · check · 2.1 s</sub>');
    expect(renderText(bare)).not.toContain('run:');
    const sha = renderSummary({ ...bare, source: { commit: 'abcdef0123' } });
    expect(sha.trimEnd().split('\n').at(-1)).toBe('<sub>apim-function-auth · check · 2.1 s · commit abcdef0</sub>');
  });

  it('a URL that could break the link is not linked', () => {
    const md = renderSummary({ ...report, source: { runId: '1', runUrl: 'https://x/a) [evil](https://y' } });
    expect(md).toContain('· run 1</sub>');
    expect(md).not.toContain('evil');
  });

  it('goldens: summary, comment and text with a run and a commit', () => {
    golden('with-source.summary.md', renderSummary(report));
    golden('with-source.comment.md', renderComment(report, commentMarker(report.target)));
    golden('with-source.txt', renderText(report));
  });
});
