/**
 * Failure summaries claim nothing they did not see, and say each thing once (issue 12, item 3), through
 * reconcileTarget in-process (__tests__/support/fake-ports.ts over the twin's scenarios) and the renderers:
 * - a chain link is "configured" only when its resources were read in sync or written and read back; otherwise it
 *   says what was seen: not read, not configured (a change not applied), unknown (a write not verified);
 * - the error is said once, in one place (not in the heading, a quote and the applied details);
 * - a plan built and then refused (plan blockers, Easy Auth from a file, a foreign backend, the pre-flight, the smoke
 *   requests' context) is shown, marked not applied, with the reason;
 * - "preserved N" counts the same settings in the log, the summary and the next run.
 */
import { describe, expect, it } from '@jest/globals';
import { readSettings } from '../../src/inputs.js';
import { reconcileTarget, type TargetResult } from '../../src/target.js';
import { renderComment, renderSummary, renderText, commentMarker } from '../../src/report/render.js';
import { runOutputs } from '../../src/report/run-outputs.js';
import { ArmError } from '../../src/ports.js';
import { baseInputs, scenario } from '../../scripts/action-runner.js';
import { fakeArm, fakePorts, recordingLog } from '../support/fake-ports.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import type { RunReport } from '../../src/types.js';

type Faults = Parameters<typeof fakeArm>[1];

async function reconcile(
  state: TwinState,
  extra: Record<string, string>,
  opts: { faults?: Faults; tokens?: (scope: string) => Promise<string> } = {}
) {
  const inputs: Record<string, string> = { ...baseInputs(state), ...extra };
  const settings = readSettings((name) => inputs[name] ?? '');
  const f = fakeArm(state, opts.faults ?? {});
  const { log, lines } = recordingLog();
  const ports = fakePorts(f.arm, log);
  if (opts.tokens) ports.tokens = { getToken: opts.tokens };
  const result = await reconcileTarget(settings, ports);
  return { ...f, result, lines, log: lines.map((l) => l.text).join('\n') };
}

/** Every rendering a reader sees of one report. */
function renderings(report: RunReport) {
  return {
    summary: renderSummary(report),
    comment: renderComment(report, commentMarker(report.target)),
    text: renderText(report)
  };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The Mermaid edge labels (`-->|"…"|`) of a summary, in order: client → APIM, APIM → Function, direct. */
function chainLabels(summary: string): string[] {
  return [...summary.matchAll(/-\.?->\|"([^"]*)"\|/g)].map((m) => m[1]);
}

function policyKey(state: TwinState): string {
  return Object.keys(state.resources).find((k) => k.endsWith('/apis/orders/policies/policy'))!;
}

const put500 = () => {
  throw new ArmError('PUT authsettingsV2 → 500 InternalServerError', 500, 'InternalServerError', 'x');
};

describe('chain links say what was seen (a)', () => {
  it('a check on a drifted target: APIM → Function and the direct caller are "not configured", never "configured"', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'check' });
    const { summary, text } = renderings(r.result.report);
    const [client, mi, direct] = chainLabels(summary);
    expect(client).toMatch(/subscription key: configured, not proven/);
    expect(mi).toMatch(/MI token: not configured/);
    expect(direct).toMatch(/rejected: not configured/);
    expect(text).toMatch(/chain: client ─·→ APIM \(managed identity\) ─○→ Function/);
  });

  it('an apply that failed at the Easy Auth PUT (outcome unknown): the links through Easy Auth are "unknown"', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'apply' }, { faults: { putAuthSettingsV2: put500 } });
    expect(r.result.report.verdict).toBe('failed');
    const [, mi, direct] = chainLabels(renderSummary(r.result.report));
    expect(mi).toMatch(/MI token: (unknown|not configured)/);
    expect(direct).toMatch(/rejected: unknown/);
    expect(mi).not.toMatch(/configured, not proven/);
  });

  it('a successful apply without smoke requests: every link "configured, not proven" (written and read back)', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'apply' });
    expect(r.result.report.verdict).toBe('applied');
    for (const label of chainLabels(renderSummary(r.result.report))) expect(label).toMatch(/configured, not proven/);
  });

  it('no plan (the run stopped before the reads): every link "not read"', () => {
    const report: RunReport = {
      mode: 'apply',
      verdict: 'failed',
      target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
      applied: [],
      warnings: [],
      error: 'Sign-in to Entra ID failed: invalid_client',
      durationSeconds: 1
    };
    const { summary, comment, text } = renderings(report);
    const labels = chainLabels(summary);
    expect(labels).toHaveLength(3);
    for (const label of labels) expect(label).toMatch(/not read/);
    expect(summary).not.toMatch(/configured/);
    expect(comment).not.toMatch(/─·→/);
    expect(text).toMatch(/client ─\?→ APIM \(managed identity\) ─\?→ Function/);
  });
});

describe('the error is said once, in one place (b)', () => {
  it('an apply failure: the write error appears once in the summary, the comment and the text', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'apply' }, { faults: { putAuthSettingsV2: put500 } });
    const message = 'PUT authsettingsV2 → 500 InternalServerError';
    for (const [name, out] of Object.entries(renderings(r.result.report))) {
      expect([name, count(out, message)]).toEqual([name, 1]);
    }
    // The step's failure (the annotation, read on its own) still says what was and was not changed.
    expect(r.result.failure).toMatch(
      /Changed: APIM apim-x identity\. Outcome unknown \(check it\): Easy Auth func-x\./
    );
    // The summary says that split once: in its Applied section.
    const { summary } = renderings(r.result.report);
    expect(count(summary, 'Outcome unknown (check it)')).toBe(0);
    expect(count(summary, '**outcome unknown (check it):** Easy Auth func-x')).toBe(1);
    // The hint about the 401 is kept.
    expect(count(summary, 'calls through APIM may get 401')).toBe(1);
  });

  it('a resource not attempted after a failure is worded one way ("not attempted") everywhere', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'apply' }, { faults: { putAuthSettingsV2: put500 } });
    const { summary, text } = renderings(r.result.report);
    expect(summary).toContain('API policy orders: not attempted');
    expect(text).toContain('API policy orders (not attempted)');
    expect(summary).not.toContain('API policy orders: not applied');
    expect(text).not.toContain('API policy orders (not applied)');
  });

  it('a failed smoke request: its diagnosis appears once (in the smoke table), the error names the check', async () => {
    const r = await reconcile(
      scenario('drifted'),
      { mode: 'apply', 'smoke-path': '/orders', 'smoke-timeout-seconds': '0' },
      {}
    );
    expect(r.result.report.verdict).toBe('failed');
    const checks = r.result.report.smoke!.checks;
    const diagnosis = checks.find((c) => !c.passed)!.diagnosis!;
    expect(diagnosis.length).toBeGreaterThan(10);
    // Once per check that got it: in its row of the smoke table (or its line in the text), nowhere else.
    const rows = checks.filter((c) => c.diagnosis === diagnosis).length;
    const { summary, text } = renderings(r.result.report);
    expect(count(summary, diagnosis)).toBe(rows);
    expect(count(text, diagnosis)).toBe(rows);
    expect(r.result.report.error).toMatch(/^Smoke requests failed: gateway/);
    // The annotation, read alone, keeps the diagnosis.
    expect(r.result.failure).toContain(diagnosis);
  });
});

describe('a plan built and then refused is shown, marked not applied (c)', () => {
  const unparsable =
    '<policies>\n    <inbound>\n        <base />\n        <set-variable name="x" value="@(1 < 2)" \n    </inbound>\n</policies>';

  const cases: [string, () => TwinState, Record<string, string>, RegExp, { tokens?: () => Promise<string> }?][] = [
    [
      'a plan blocker (an API policy that cannot be tokenized)',
      () => {
        const s = scenario('drifted');
        (s.resources[policyKey(s)] as { properties: { value: string } }).properties.value = unparsable;
        return s;
      },
      {},
      /cannot be tokenized/
    ],
    [
      'Easy Auth configured from a file',
      () => {
        const s = scenario('drifted');
        const auth = Object.entries(s.resources).find(([k]) => k.endsWith('/config/authsettingsV2'))![1] as {
          properties: { platform: Record<string, unknown> };
        };
        auth.properties.platform.configFilePath = 'auth.json';
        return s;
      },
      {},
      /configured from the file "auth.json"/
    ],
    [
      'an API whose backend is not the Function App',
      () => {
        const s = scenario('drifted');
        const api = Object.entries(s.resources).find(([k]) => /\/apis\/orders$/.test(k))![1] as {
          properties: Record<string, unknown>;
        };
        api.properties.serviceUrl = 'https://elsewhere.example.com/api';
        return s;
      },
      {},
      /is not Function App func-x/
    ],
    [
      'the Entra pre-flight (app-client-id unknown to Entra ID)',
      () => scenario('drifted'),
      {},
      /not known to Entra ID in this tenant \(AADSTS500011\)/,
      {
        tokens: async () => {
          throw new Error('AADSTS500011: The resource principal named x was not found in the tenant');
        }
      }
    ],
    [
      "the smoke requests' context (the smoke path is an excluded path)",
      () => scenario('drifted'),
      { 'smoke-path': '/health', 'excluded-paths': '/api/health' },
      /which Easy Auth excludes from authentication/
    ]
  ];

  for (const mode of ['apply', 'check'] as const) {
    for (const [name, build, extra, reason, opts] of cases) {
      it(`${mode}: ${name}`, async () => {
        const r = await reconcile(build(), { mode, ...extra }, opts);
        const { result } = r;
        expect(r.writes()).toEqual([]);
        expect(result.failed).toBe(true);
        expect(result.failure).toMatch(reason);
        const report = result.report;
        expect(report.verdict).toBe('failed');
        // The log showed the plan; the report carries the same one.
        const planned = result.plan!.resources.filter((x) => x.changes.length > 0);
        expect(planned.length).toBeGreaterThan(0);
        for (const p of planned) expect(r.log).toContain(`${p.label}: will update`);
        const { summary, text } = renderings(report);
        expect(summary).not.toContain('No plan was built');
        const changes = planned.reduce((n, p) => n + p.changes.length, 0);
        expect(summary).toMatch(new RegExp(`Not applied: the run stopped before any write`));
        for (const p of planned) for (const c of p.changes) expect(summary).toContain(c.path.split('.').at(-1)!);
        expect(text).toMatch(/^plan \(not applied: the run stopped before any write\):$/m);
        expect(text.split('\n').filter((l) => / \((add|update)\)$/.test(l))).toHaveLength(changes);
        // Why: said once.
        const why = reason.exec(summary)?.[0];
        expect(why).toBeDefined();
        expect(count(summary, why!)).toBe(1);
        if (mode === 'apply') {
          expect(summary).toMatch(/\*\*changed:\*\* _nothing_/);
          expect(report.applied.every((a) => a.state === 'not-written')).toBe(true);
        }
        // Outputs: a plan was made (drift set); nothing was verified.
        const out = runOutputs(result as TargetResult, report);
        expect(out.drift).toBe('true');
        expect(out['change-count']).toBe(mode === 'apply' ? '0' : String(changes));
        if (mode === 'apply') {
          for (const row of JSON.parse(out.changes) as { state: string }[]) expect(row.state).toBe('not-written');
        }
      });
    }
  }
});

describe('one count of preserved settings (d)', () => {
  const preserved = (report: RunReport) =>
    report
      .plan!.resources.find((x) => x.kind === 'easy-auth')!
      .notes.find((n) => /^preserved \d+ other settings$/.test(n));

  it('check, apply and the next check count the same settings outside the owned paths', async () => {
    const state = scenario('drifted');
    const check = await reconcile(state, { mode: 'check' });
    const apply = await reconcile(state, { mode: 'apply' });
    const after = await reconcile(state, { mode: 'check' });
    expect(apply.result.report.verdict).toBe('applied');
    expect(after.result.report.verdict).toBe('in-sync');
    const counts = [check, apply, after].map((r) => preserved(r.result.report));
    expect(counts[0]).toBeDefined();
    expect(counts).toEqual([counts[0], counts[0], counts[0]]);
  });

  it('the identity: the log of the write and the report word and count the user-assigned identities alike', async () => {
    const r = await reconcile(scenario('drifted'), { mode: 'apply' });
    const note = r.result.report
      .plan!.resources.find((x) => x.kind === 'apim-identity')!
      .notes.find((n) => n.startsWith('preserved'));
    expect(note).toBeDefined();
    const applied = r.lines.find((l) => l.text.startsWith('APIM apim-x identity: applied'))!.text;
    expect(applied).toContain(note!);
    expect(renderText(r.result.report)).toContain(note!);
  });
});
