/**
 * The report of a run over a targets file (src/report/aggregate.ts, aggregate-outputs.ts) and the run
 * configuration's marker (src/report/render.ts runConfigMarker): one row per target, each target's details
 * (collapsed when long) within GitHub's budgets and width, the comment showing only targets that need attention,
 * aggregated outputs, and markers that keep run configurations apart.
 */
import { describe, expect, it } from '@jest/globals';
import {
  aggregateOutputs,
  matrixOutput,
  overallVerdict,
  type TargetRunReport,
  type TargetsRunReport
} from '../../src/report/aggregate-outputs.js';
import {
  renderListSummary,
  renderTargetsComment,
  renderTargetsSummary,
  renderTargetsText,
  targetsNeedAttention
} from '../../src/report/aggregate.js';
import { MAX_UNBROKEN_RUN } from '../../src/report/markdown.js';
import { commentMarker, runConfigMarker } from '../../src/report/render.js';
import type { Plan, RunReport } from '../../src/types.js';

const SITE = (f: string) =>
  `/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg/providers/Microsoft.Web/sites/${f}`;

function plan(func: string, changes: number): Plan {
  return {
    resources: [
      {
        kind: 'easy-auth',
        resourceId: `${SITE(func)}/config/authsettingsV2`,
        label: `Easy Auth ${func}`,
        changes: Array.from({ length: changes }, (_, i) => ({
          path: `globalValidation.f${i}`,
          before: i,
          after: i + 1
        })),
        notes: []
      }
    ],
    warnings: [],
    facts: { effectiveAudiences: [], excludedPaths: [] }
  };
}

/** A target in one of the states a run can leave it in. */
function target(name: string, kind: 'in-sync' | 'drift' | 'applied' | 'failed', extra: Partial<RunReport> = {}) {
  const func = `func-${name}`;
  const p = kind === 'failed' ? undefined : plan(func, kind === 'in-sync' ? 0 : 3);
  const report: RunReport = {
    mode: kind === 'applied' ? 'apply' : 'check',
    verdict: kind,
    target: { apim: `apim-${name}`, apis: ['orders'], functionApp: func },
    ...(p ? { plan: p } : {}),
    applied: kind === 'applied' ? [{ label: `Easy Auth ${func}`, ok: true, state: 'verified' }] : [],
    warnings: [],
    smoke: { result: kind === 'in-sync' ? 'passed' : 'skipped', checks: [], notes: [] },
    ...(kind === 'failed' ? { error: `Easy Auth of ${func} was not found (${SITE(func)})` } : {}),
    durationSeconds: 1.5,
    ...extra
  };
  const t: TargetRunReport = {
    name,
    report,
    result: {
      ...(p ? { plan: p } : {}),
      ...(kind === 'applied'
        ? {
            outcome: {
              applied: [],
              notApplied: [],
              notAppliedKinds: [],
              writes: 1,
              replanned: [],
              apimPrincipalId: `pid-${name}`
            }
          }
        : {}),
      failed: kind === 'failed' || kind === 'drift',
      ...(kind === 'failed' ? { failure: report.error } : kind === 'drift' ? { failure: 'Drift found' } : {}),
      ...(kind === 'applied' ? { apimPrincipalId: `pid-${name}` } : {})
    }
  };
  return t;
}

function run(targets: TargetRunReport[], extra: Partial<TargetsRunReport> = {}): TargetsRunReport {
  return { mode: 'check', targetsFile: '.github/apim-targets.yml', filter: [], targets, durationSeconds: 12, ...extra };
}

/** As __tests__/report/reviewer.test.ts: the longest run a browser cannot break in a table line. */
function longestRun(line: string): number {
  return Math.max(
    0,
    ...line.split(/\s+|<wbr>/).map(
      (t) =>
        Array.from(
          t
            .replace(/`+/g, '')
            .replace(/\\(.)/g, '$1')
            .replace(/&(amp|lt|gt);/g, '_')
        ).length
    )
  );
}

describe('the summary of a run over a targets file', () => {
  const r = run([target('orders-prod', 'in-sync'), target('billing-dev', 'drift'), target('broken', 'failed')]);

  it('opens with the overall verdict and one row per target (verdict, changes, smoke), in file order', () => {
    const md = renderTargetsSummary(r);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### apim-function-auth — ❌ 1 failed, 1 drifted, 1 in sync (3 targets)');
    expect(md).toContain('**Targets file:** `.github/apim-targets.yml` · mode `check` · 3 targets · 12 s');
    const rows = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| Target') && !l.startsWith('| ---'));
    expect(rows.slice(0, 3).map((l) => l.split(' | ').slice(1))).toEqual([
      ['✅ in sync', 'none', '✅ passed |'],
      ['⚠️ drift found (3 changes needed)', '3 needed', '⏭️ skipped |'],
      [expect.stringMatching(/^❌ failed: Easy Auth of func-broken was not found/), '—', '⏭️ skipped |']
    ]);
    expect(rows[0]).toMatch(/^\| orders-prod <br><sub>APIM apim-orders-prod → func-orders-prod <\/sub> \|/);
  });

  it("then each target's details, collapsed when long, under its name and verdict", () => {
    const md = renderTargetsSummary(r);
    // Long details are collapsed, under the target's name and its verdict alone; a failed target's error is quoted
    // once inside (the table row above gives its first line).
    expect(md).toContain('<summary>orders-prod — ✅ in sync</summary>');
    expect(md).toContain('<summary>billing-dev — ⚠️ drift found (3 changes needed)</summary>');
    expect(md).toMatch(/^(#### broken — ❌ failed|<details><summary>broken — ❌ failed<\/summary>)$/m);
    expect(md.match(/^> Easy Auth of func-broken was not found/gm)).toHaveLength(1);
    const order = ['<summary>orders-prod ', '<summary>billing-dev ', 'broken — ❌'].map((s) => md.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Each target's own report, without its heading: its target line is there.
    expect(md).toContain('**Target:** APIM `apim-billing-dev`');
    expect(md.match(/^### /gm)).toHaveLength(1);
    expect(order.every((i) => i > 0)).toBe(true);
  });

  it('keeps every table line within GitHub width (no run over 40 without a break), long names included', () => {
    const long = target(`${'n'.repeat(64)}`, 'failed', {
      target: { apim: `a${'p'.repeat(49)}`, apis: ['x'.repeat(80)], functionApp: `f${'u'.repeat(59)}` }
    });
    const md = renderTargetsSummary(run([long, ...r.targets]));
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(Math.max(...table.map(longestRun))).toBeLessThanOrEqual(MAX_UNBROKEN_RUN);
  });

  it('fits the budget with 300 targets: the overview whole, details as far as they go, the rest named', () => {
    const many = run(Array.from({ length: 300 }, (_, i) => target(`t${i}`, i % 3 === 0 ? 'drift' : 'in-sync')));
    const md = renderTargetsSummary(many, { maxBytes: 120_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(120_000);
    expect(md.split('\n').filter((l) => /^\| t\d+ /.test(l))).toHaveLength(300);
    expect(md).toMatch(/_Details of \d+ targets not shown here \(`t\d+`.*: see the log of this step\._/);
  });
});

describe('the comment of a run over a targets file', () => {
  it('has the marker first, the overview, and details only of targets that need attention', () => {
    const r = run([target('ok', 'in-sync'), target('drifted', 'drift')]);
    const marker = runConfigMarker({ targetsFile: r.targetsFile, filter: r.filter });
    const c = renderTargetsComment(r, marker);
    expect(c.split('\n')[0]).toBe(marker);
    expect(c).toContain('| ok <br>');
    expect(c).toContain('<summary>drifted — ');
    expect(c).not.toContain('<summary>ok — ');
    expect(targetsNeedAttention(r)).toBe(true);
    expect(targetsNeedAttention(run([target('ok', 'in-sync')]))).toBe(false);
  });

  it("stays below GitHub's comment limit with 500 drifted targets", () => {
    const r = run(Array.from({ length: 500 }, (_, i) => target(`target-${i}`, 'drift')));
    const c = renderTargetsComment(r, runConfigMarker({ targetsFile: 'x.yml' }));
    expect(c.length).toBeLessThanOrEqual(65_000);
    expect(c).toContain('see the job summary');
  });

  it('a run stopped before any target ran shows the whole error', () => {
    const r = run([], { error: 'Invalid targets file t.yml (2 problems):\n- t.yml:3: a\n- t.yml:9: b' });
    const md = renderTargetsSummary(r);
    expect(md).toContain('### apim-function-auth — ❌ failed: Invalid targets file t.yml (2 problems):');
    expect(md).toContain('> - t.yml:9: b');
    expect(overallVerdict(r)).toBe('failed');
  });
});

describe('aggregated outputs', () => {
  it('drift true if any; changes rows carry the target; counts and smoke aggregate; targets lists each', () => {
    const r = run([target('a', 'in-sync'), target('b', 'drift'), target('c', 'failed')]);
    const out = aggregateOutputs(r);
    expect(out.drift).toBe('true');
    const rows = JSON.parse(out.changes) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    expect(rows.every((x) => x.target === 'b' && Object.keys(x)[0] === 'target')).toBe(true);
    expect(out.result).toBe('failed');
    expect(out['change-count']).toBe('3');
    expect(out['smoke-result']).toBe('passed');
    expect(out['apim-principal-id']).toBe('');
    expect(JSON.parse(out.targets!)).toEqual([
      {
        target: 'a',
        result: 'in-sync',
        drift: false,
        'change-count': 0,
        'smoke-result': 'passed',
        'apim-principal-id': '',
        'snapshot-path': ''
      },
      {
        target: 'b',
        result: 'drift',
        drift: true,
        'change-count': 3,
        'smoke-result': 'skipped',
        'apim-principal-id': '',
        'snapshot-path': ''
      },
      {
        target: 'c',
        result: 'failed',
        drift: null,
        'change-count': 0,
        'smoke-result': 'skipped',
        'apim-principal-id': '',
        'snapshot-path': ''
      }
    ]);
  });

  it('drift false when every target planned without drift; unset without any plan; one target its principal ID', () => {
    expect(aggregateOutputs(run([target('a', 'in-sync'), target('b', 'in-sync')])).drift).toBe('false');
    expect(aggregateOutputs(run([target('c', 'failed')]))).not.toHaveProperty('drift');
    const one = aggregateOutputs(run([target('x', 'applied')], { mode: 'apply' }));
    expect(one['apim-principal-id']).toBe('pid-x');
    expect(one.result).toBe('applied');
    expect(one['change-count']).toBe('3');
  });

  it('matrix output and the list summary', () => {
    expect(JSON.parse(matrixOutput(['a', 'b']))).toEqual({ include: [{ target: 'a' }, { target: 'b' }] });
    const md = renderListSummary(
      't.yml',
      ['a'],
      [{ name: 'a', apim: 'apim-a', functionApp: 'func-a', subscriptionId: 's' }]
    );
    expect(md).toContain('📋 1 target listed');
    expect(md).toContain('| a | apim-a | func-a | s |');
  });

  it('the log text: one line per target and the failed ones named', () => {
    const text = renderTargetsText(run([target('a', 'in-sync'), target('c', 'failed')]));
    expect(text.split('\n')).toEqual([
      'apim-function-auth: ❌ 1 failed, 1 in sync (2 targets) (mode check, 12 s)',
      '- a: ✅ in sync; smoke passed; changes: none',
      expect.stringMatching(/^- c: ❌ failed: Easy Auth of func-c was not found .*; smoke skipped; changes: —$/),
      'Failed: c'
    ]);
  });
});

describe('runConfigMarker', () => {
  const one = {
    apim: 'apim-x',
    functionApp: 'func-x',
    apis: ['orders', 'billing'],
    subscriptionId: '22222222-2222-4222-8222-222222222222',
    apimResourceGroup: 'rg-api',
    functionAppResourceGroup: 'rg-func'
  };

  it('a one-target run: subscription, resource groups, slot and APIs; case and API order do not matter', () => {
    expect(runConfigMarker(one)).toBe(
      '<!-- apim-function-auth: subscription=22222222-2222-4222-8222-222222222222 apim=rg-api/apim-x ' +
        'function-app=rg-func/func-x apis=billing,orders -->'
    );
    expect(runConfigMarker({ ...one, apim: 'APIM-X', apis: ['Billing', 'orders'] })).toBe(runConfigMarker(one));
    const others = [
      { ...one, subscriptionId: '33333333-3333-4333-8333-333333333333' },
      { ...one, apimResourceGroup: 'rg-other' },
      { ...one, functionAppResourceGroup: 'rg-other' },
      { ...one, slot: 'staging' }
    ].map(runConfigMarker);
    expect(new Set([runConfigMarker(one), ...others]).size).toBe(5);
    expect(others[3]).toContain('function-app=rg-func/func-x/slots/staging ');
  });

  it('a targets file: the file and the filter (sorted, any case); each matrix leg its own', () => {
    const all = runConfigMarker({ targetsFile: '.github/t.yml' });
    expect(all).toBe('<!-- apim-function-auth: targets=.github/t.yml target=* -->');
    expect(runConfigMarker({ targetsFile: '.github/t.yml', filter: ['b', 'A'] })).toBe(
      '<!-- apim-function-auth: targets=.github/t.yml target=a,b -->'
    );
    expect(runConfigMarker({ targetsFile: '.github/t.yml', filter: ['a'] })).not.toBe(
      runConfigMarker({ targetsFile: '.github/t.yml', filter: ['b'] })
    );
    expect(runConfigMarker({ targetsFile: '.github/other.yml' })).not.toBe(all);
  });

  it('names only (older callers): the form it always had; nothing can end the HTML comment', () => {
    expect(commentMarker({ apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' })).toBe(
      '<!-- apim-function-auth: apim-x/func-x/orders -->'
    );
    const m = runConfigMarker({ targetsFile: 'a-->b <x>!', filter: ['--!>'] });
    expect(m.slice(4, -4)).not.toMatch(/--|[<>!]/);
  });
});
