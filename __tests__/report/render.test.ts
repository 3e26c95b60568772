/**
 * Renderer tests: golden files over realistic RunReports (field cases C02, C04, C07, C09, C14, C15, C17), size
 * budgets, table escaping, and secrets that must never show. Goldens live in __golden__/ and are rewritten only
 * with UPDATE_GOLDEN=1; otherwise the output must match byte for byte.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldChange, Plan, ResourcePlan, RunReport, SmokeCheckResult } from '../../src/types.js';
import {
  COMMENT_MAX_CHARS,
  SUMMARY_MAX_BYTES,
  commentMarker,
  renderComment,
  renderSummary,
  renderText
} from '../../src/report/render.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.join(here, '__golden__');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

// ---- realistic reports -----------------------------------------------------------------------------------------

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x/providers';
const APIM_ID = `${SUB}/Microsoft.ApiManagement/service/apim-x`;
const SITE_ID = `${SUB}/Microsoft.Web/sites/func-x`;
const APP_ID = '11111111-2222-3333-4444-555555555555';
const APIM_OID = '99999999-8888-7777-6666-555555555555';
const TENANT = '72f988bf-0000-0000-0000-000000000000';

const target: RunReport['target'] = { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' };

function facts(over: Partial<Plan['facts']> = {}): Plan['facts'] {
  return {
    apimPrincipalId: APIM_OID,
    appClientId: APP_ID,
    tokenResource: APP_ID,
    effectiveAudiences: [APP_ID],
    excludedPaths: ['/api/health'],
    openIdIssuer: `https://sts.windows.net/${TENANT}/`,
    gatewayUrl: 'https://apim-x.azure-api.net',
    defaultHostName: 'func-x.azurewebsites.net',
    ...over
  };
}

function identity(changes: FieldChange[], notes: string[]): ResourcePlan {
  return { kind: 'apim-identity', resourceId: APIM_ID, label: 'APIM apim-x identity', changes, notes };
}
function easyAuth(changes: FieldChange[], notes: string[]): ResourcePlan {
  return {
    kind: 'easy-auth',
    resourceId: `${SITE_ID}/config/authsettingsV2`,
    label: 'Easy Auth func-x',
    changes,
    notes
  };
}
function policy(changes: FieldChange[], notes: string[]): ResourcePlan {
  return {
    kind: 'api-policy',
    resourceId: `${APIM_ID}/apis/orders/policies/policy`,
    label: 'API policy orders',
    changes,
    notes
  };
}

function check(over: Partial<SmokeCheckResult> & Pick<SmokeCheckResult, 'name'>): SmokeCheckResult {
  return { expected: '2xx', got: '200', passed: true, attempts: 1, seconds: 0.4, ...over };
}

const passingChecks = (gatewayAttempts = 1, gatewaySeconds = 0.4): SmokeCheckResult[] => [
  check({ name: 'gateway', attempts: gatewayAttempts, seconds: gatewaySeconds, layer: 'function' }),
  check({
    name: 'direct-no-token',
    expected: '401 (Easy Auth)',
    got: '401 (Bearer challenge)',
    layer: 'easy-auth',
    seconds: 0.2
  }),
  check({ name: 'direct-foreign-token', expected: '403', got: '403', layer: 'easy-auth', seconds: 0.3 })
];

const driftChanges = {
  identity: [{ path: 'identity.type', before: 'UserAssigned', after: 'SystemAssigned, UserAssigned' }],
  easyAuth: [
    {
      path: 'validation.defaultAuthorizationPolicy.allowedPrincipals.identities',
      before: undefined,
      after: [APIM_OID]
    },
    {
      path: 'validation.allowedAudiences',
      before: [`api://${APP_ID}/.default`],
      after: [`api://${APP_ID}/.default`, `api://${APP_ID}`]
    },
    { path: 'globalValidation.unauthenticatedClientAction', before: 'RedirectToLoginPage', after: 'Return401' }
  ],
  policy: [
    { path: 'policy.resource', before: `api://${APP_ID}`, after: APP_ID },
    { path: 'policy.set-header[Ocp-Apim-Subscription-Key]', before: undefined, after: 'delete' }
  ]
};

const driftNotes = {
  identity: ['enable system-assigned; preserve 1 user-assigned'],
  easyAuth: [
    'APIM object ID goes to allowedPrincipals.identities (object IDs); allowedApplications left as is (client IDs)',
    'preserved 14 other settings (identityProviders.google, login.tokenStore, clientSecretSettingName)'
  ],
  policy: ['kept set-backend-service backend-id="func-x" and 1 C# expression unchanged']
};

const reports: Record<string, RunReport> = {
  'in-sync': {
    mode: 'check',
    verdict: 'in-sync',
    target,
    plan: {
      resources: [
        identity([], ['type SystemAssigned, UserAssigned (superset; nothing to do)']),
        easyAuth([], ['excludedPaths kept: /api/health']),
        policy([], ['compared semantically (APIM reformatting ignored)'])
      ],
      warnings: [],
      facts: facts({ apimIdentityClientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })
    },
    applied: [],
    smoke: { result: 'passed', checks: passingChecks(), notes: [] },
    warnings: [],
    durationSeconds: 3.2
  },
  drift: {
    mode: 'check',
    verdict: 'drift',
    target,
    plan: {
      resources: [
        identity(driftChanges.identity, driftNotes.identity),
        { ...easyAuth(driftChanges.easyAuth, driftNotes.easyAuth), deferredUntil: 'apim-identity' },
        policy(driftChanges.policy, driftNotes.policy)
      ],
      warnings: [
        `allowedAudiences contains api://${APP_ID}/.default: a token's aud never ends in /.default (left in place)`
      ],
      facts: facts({ effectiveAudiences: [APP_ID, `api://${APP_ID}/.default`, `api://${APP_ID}`] })
    },
    applied: [],
    smoke: { result: 'skipped', checks: [], notes: ['check mode: smoke checks run only after apply'] },
    warnings: ['role or claim changes can take up to 24 h to show because APIM and the MI service cache tokens'],
    durationSeconds: 2.1
  },
  'applied-retries': {
    mode: 'apply',
    verdict: 'applied',
    target: { apim: 'apim-x', apis: ['orders', 'billing'], functionApp: 'func-x' },
    plan: {
      resources: [
        identity(driftChanges.identity, ['enabled system-assigned; preserved 1 user-assigned']),
        easyAuth(driftChanges.easyAuth, ['preserved 14 other settings']),
        policy(driftChanges.policy, [])
      ],
      warnings: [],
      facts: facts()
    },
    applied: [
      { label: 'APIM apim-x identity', ok: true },
      { label: 'Easy Auth func-x', ok: true },
      { label: 'API policy orders', ok: true }
    ],
    smoke: {
      result: 'passed',
      checks: passingChecks(4, 180),
      notes: ['gateway 2xx after 4 attempts / 180 s (Easy Auth propagation)']
    },
    warnings: [],
    durationSeconds: 195.7
  },
  'failed-midway': {
    mode: 'apply',
    verdict: 'failed',
    target,
    plan: {
      resources: [
        identity(driftChanges.identity, ['enabled system-assigned; preserved 1 user-assigned']),
        easyAuth(driftChanges.easyAuth, ['preserved 14 other settings']),
        policy(driftChanges.policy, [])
      ],
      warnings: [],
      facts: facts()
    },
    applied: [
      { label: 'APIM apim-x identity', ok: true },
      {
        label: 'Easy Auth func-x',
        ok: false,
        detail: 'provider not persisted (api-version/shape mismatch): read-back lacks registration.clientId'
      }
    ],
    warnings: [],
    error:
      'Easy Auth func-x: provider not persisted (api-version/shape mismatch). The PUT answered 200 but the read-back ' +
      'has no identityProviders.azureActiveDirectory.registration.clientId.\nFix: check the api-version (2025-05-01).',
    durationSeconds: 41
  },
  'smoke-skipped': {
    mode: 'apply',
    verdict: 'applied',
    target,
    plan: {
      resources: [identity([], []), easyAuth(driftChanges.easyAuth.slice(0, 1), []), policy([], [])],
      warnings: [],
      facts: facts({ excludedPaths: [] })
    },
    applied: [{ label: 'Easy Auth func-x', ok: true }],
    smoke: { result: 'skipped', checks: [], notes: ['smoke-path is empty: no smoke checks'] },
    warnings: [],
    durationSeconds: 12.34
  },
  'smoke-failed': {
    mode: 'apply',
    verdict: 'failed',
    target,
    plan: {
      resources: [identity([], []), easyAuth([], []), policy(driftChanges.policy.slice(0, 1), [])],
      warnings: [],
      facts: facts()
    },
    applied: [{ label: 'API policy orders', ok: true }],
    smoke: {
      result: 'failed',
      checks: [
        check({
          name: 'gateway',
          passed: false,
          got: '401 (Bearer error="invalid_token")',
          attempts: 9,
          seconds: 600,
          layer: 'easy-auth',
          diagnosis: `not yet propagated, or issuer mismatch: Easy Auth issuer is https://sts.windows.net/${TENANT}/`
        }),
        passingChecks()[1]
      ],
      notes: []
    },
    warnings: [],
    error: 'smoke: not yet propagated after 600 s (gateway: 401 from easy-auth)',
    durationSeconds: 612
  }
};

// ---- helpers -----------------------------------------------------------------------------------------------------

function golden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (UPDATE) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual, 'utf8');
    return;
  }
  if (!existsSync(file)) throw new Error(`golden ${name} missing: run with UPDATE_GOLDEN=1 and review the diff`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** GFM splits a row on every `|` not preceded by a backslash (also inside code spans). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/);
}

/** Every table in the markdown: consecutive lines starting with `|`. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) cur.push(line);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * The text with fenced blocks and code spans removed (what GFM parses as markdown/HTML). Code spans follow the
 * CommonMark rule: a backslash-escaped backtick opens nothing; a run of n backticks closes at the next run of
 * exactly n; an unmatched run is literal.
 */
function outsideCode(md: string): string {
  const text = md.replace(/^```[\s\S]*?^```/gm, '');
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
      close.lastIndex = i + n;
      const m = close.exec(text);
      if (m) {
        i = m.index + n;
        continue;
      }
      out += '`'.repeat(n);
      i += n;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function expectTablesWellFormed(md: string): void {
  const ts = tables(md);
  for (const t of ts) {
    const width = cells(t[0]).length;
    expect(t[1]).toMatch(/^\|( --- \|)+$/);
    for (const row of t) expect(cells(row)).toHaveLength(width);
  }
  // code fences are balanced
  expect((md.match(/^```/gm) ?? []).length % 2).toBe(0);
}

function bigPlan(n: number, value: (i: number) => string): RunReport {
  const changes: FieldChange[] = Array.from({ length: n }, (_, i) => ({
    path: `validation.allowedAudiences[${i}]`,
    before: undefined,
    after: value(i)
  }));
  return {
    ...reports['drift'],
    plan: { ...reports['drift'].plan!, resources: [easyAuth(changes, [])] }
  };
}

// ---- tests -------------------------------------------------------------------------------------------------------

describe('golden renderings', () => {
  for (const [name, report] of Object.entries(reports)) {
    test(`${name}: summary, comment and text match the goldens`, () => {
      const summary = renderSummary(report);
      const comment = renderComment(report, commentMarker(report.target));
      golden(`${name}.summary.md`, summary);
      golden(`${name}.comment.md`, comment);
      golden(`${name}.txt`, renderText(report));
      expectTablesWellFormed(summary);
      expectTablesWellFormed(comment);
    });
  }
});

describe('verdict and content', () => {
  test('verdict line on top names the outcome and the change count', () => {
    expect(renderSummary(reports['in-sync']).split('\n')[0]).toContain('✅ in sync');
    expect(renderSummary(reports['drift']).split('\n')[0]).toContain('⚠️ drift found (6 changes needed)');
    expect(renderSummary(reports['applied-retries']).split('\n')[0]).toContain('🔧 applied 6 changes');
    expect(renderSummary(reports['smoke-skipped']).split('\n')[0]).toContain('🔧 applied 1 change');
    // A failure's heading names the state only; its error is quoted once, right under the target line.
    const failed = renderSummary(reports['failed-midway']).split('\n');
    expect(failed[0]).toBe('### apim-function-auth — ❌ failed');
    expect(failed[4]).toMatch(/^> Easy Auth func-x: provider not persisted/);
  });

  test('C02/C14: facts list the effective audiences, excluded paths, issuer and APIM IDs', () => {
    const md = renderSummary(reports['drift']);
    expect(md).toContain(`\`api://${APP_ID}\``);
    expect(md).toMatch(/Effective audiences.*`api:\/\/[0-9a-f-]+\/\.default`/);
    expect(md).toMatch(/Excluded paths.*`\/api\/health`/);
    expect(md).toContain(`Issuer: \`https://sts.windows.net/${TENANT}/\``);
    expect(md).toContain(APIM_OID);
    expect(md).toMatch(/client \(app\) ID: _not resolved_/);
  });

  test('C04/C07/C09: plan rows name the field, before → after and action; notes are shown', () => {
    const md = renderSummary(reports['drift']);
    const planRows = tables(md)[0].map(cells);
    const ids = planRows.find((r) => r[1].includes('allowedPrincipals.identities'))!;
    expect(ids[2]).toContain('_absent_ →');
    expect(ids[2]).toContain(APIM_OID);
    expect(ids[3].trim()).toBe('add');
    const type = planRows.find((r) => r[1].includes('identity.type'))!;
    expect(type[2]).toContain('`UserAssigned` → `SystemAssigned, UserAssigned`');
    expect(type[3].trim()).toBe('update');
    expect(planRows.find((r) => r[1].includes('validation.allowedAudiences'))![3].trim()).toBe('add');
    expect(md).toContain('preserve 1 user-assigned');
    expect(md).toContain('preserved 14 other settings');
    // in-sync resources get a "none" row
    const inSync = tables(renderSummary(reports['in-sync']))[0].slice(2).map(cells);
    expect(inSync).toHaveLength(3);
    for (const r of inSync) expect(r[3].trim()).toBe('none');
  });

  test('C17: smoke table shows attempts and seconds; chain marks links proven', () => {
    const md = renderSummary(reports['applied-retries']);
    const smoke = tables(md).find((t) => t[0].includes('Attempts'))!;
    const gw = cells(smoke.find((r) => r.includes('gateway'))!);
    expect(gw[3].trim()).toBe('4');
    expect(gw[4].trim()).toBe('180 s');
    expect(md).toContain('flowchart LR');
    expect(md).toMatch(/client\["Client"\] -->\|"✓ subscription key: proven by smoke/);
    expect(md).toMatch(/apim -->\|"✓ MI token: proven by smoke/);
    expect(renderText(reports['applied-retries'])).toContain('gateway: expected 2xx, got 200 after 4 attempts / 180 s');
  });

  test('C15: a failed gateway check blames the layer that answered', () => {
    const md = renderSummary(reports['smoke-failed']);
    expect(md).toMatch(/client\["Client"\] -->\|"✓ subscription key/); // the call got past APIM
    expect(md).toMatch(/apim -->\|"✗ MI token: failed/);
    expect(md).toContain('easy-auth');
    expect(md).toContain('not yet propagated');
  });

  test('several APIs: one failing gateway check fails the link and names its API', () => {
    const base = reports['applied-retries'];
    const report: RunReport = {
      ...base,
      smoke: {
        result: 'failed',
        checks: [
          check({ name: 'gateway', api: 'orders', layer: 'function' }),
          check({
            name: 'gateway',
            api: 'billing',
            passed: false,
            got: '500',
            layer: 'apim',
            diagnosis: 'APIM MI missing'
          }),
          { ...passingChecks()[1], api: 'orders' }
        ],
        notes: []
      }
    };
    const md = renderSummary(report);
    expect(md).toMatch(/client\["Client"\] -->\|"✗ subscription key: failed \(gateway 500 API billing, 2 checks\)/);
    expect(md).toMatch(/apim -->\|"· MI token: configured, not proven"/);
    const smoke = tables(md).find((t) => t[0].includes('Attempts'))!;
    expect(smoke.find((r) => r.includes('`billing`'))).toContain('✗ gateway');
    expect(renderText(report)).toContain('✗ gateway (API billing): expected 2xx, got 500');
  });

  test('gateway 200 but the Function accepts no token: APIM → Function is "not proven", not proven by smoke', () => {
    const base = reports['applied-retries'];
    const report: RunReport = {
      ...base,
      smoke: {
        result: 'failed',
        checks: [
          check({ name: 'gateway', layer: 'function' }),
          check({
            name: 'direct-no-token',
            expected: '401 (Easy Auth)',
            got: '200',
            passed: false,
            layer: 'function',
            diagnosis: 'Function reachable anonymously'
          })
        ],
        notes: []
      }
    };
    const md = renderSummary(report);
    expect(md).toMatch(/client\["Client"\] -->\|"✓ subscription key: proven by smoke/);
    expect(md).toMatch(/apim -->\|"· MI token: not proven \(Function accepts requests without a token\)"/);
    expect(md).not.toMatch(/MI token: proven/);
    const text = renderText(report);
    expect(text).toContain('─·→ Function (Easy Auth) (MI token not proven: Function accepts requests without a token)');
    expect(renderComment(report, '<!-- m -->')).toContain('MI token not proven');

    // a no-token check that failed otherwise (a redirect) says what it got
    const redirected: RunReport = {
      ...report,
      smoke: {
        ...report.smoke!,
        checks: [report.smoke!.checks[0], { ...report.smoke!.checks[1], got: '302 → login.example/authorize' }]
      }
    };
    expect(renderSummary(redirected)).toMatch(/MI token: not proven \(direct no-token check got 302 → login/);
  });

  test('smoke skipped: every link is "configured, not proven"', () => {
    const md = renderSummary(reports['smoke-skipped']);
    expect(md).toContain('⏭️ skipped');
    const links = md.split('\n').filter((l) => l.includes('-->') || l.includes('-.->'));
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const l of links) expect(l).toContain('configured, not proven');
  });

  test('failure lists what changed and what did not', () => {
    const md = renderSummary(reports['failed-midway']);
    expect(md).toContain('**changed:** APIM apim-x identity; **not changed:** Easy Auth func-x, API policy orders');
    expect(md).toContain('not attempted');
    expect(renderText(reports['failed-midway'])).toContain(
      'applied: changed: APIM apim-x identity; not changed: Easy Auth func-x ('
    );
  });

  test('comment starts with the marker and carries the same verdict', () => {
    const marker = commentMarker(target);
    const c = renderComment(reports['drift'], marker);
    expect(c.startsWith(`${marker}\n`)).toBe(true);
    expect(c).toContain('⚠️ drift found (6 changes needed)');
    expect(c).not.toContain('```mermaid');
  });
});

describe('commentMarker', () => {
  test('is a hidden HTML comment unique per target and stable under API order', () => {
    const a = commentMarker({ apim: 'apim-x', apis: ['orders', 'billing'], functionApp: 'func-x' });
    expect(a).toBe('<!-- apim-function-auth: apim-x/func-x/billing,orders -->');
    expect(commentMarker({ apim: 'apim-x', apis: ['billing', 'orders'], functionApp: 'func-x' })).toBe(a);
    const others = [
      commentMarker({ apim: 'apim-y', apis: ['orders', 'billing'], functionApp: 'func-x' }),
      commentMarker({ apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' }),
      commentMarker({ apim: 'apim-x', apis: ['orders', 'billing'], functionApp: 'func-y' })
    ];
    for (const o of others) expect(o).not.toBe(a);
    // none is a prefix of another (the sticky lookup matches a prefix)
    for (const o of others) expect(o.startsWith(a) || a.startsWith(o)).toBe(false);
  });

  test('hostile names cannot close the comment early', () => {
    const m = commentMarker({ apim: 'a-->b', apis: ['<x>'], functionApp: 'f --> !' });
    expect(m.startsWith('<!-- ')).toBe(true);
    expect(m.indexOf('-->')).toBe(m.length - 3);
    expect(m.slice(1, -1)).not.toMatch(/[<>]/);
  });
});

describe('escaping', () => {
  const nasty = 'a|b\nc`d``e|f\r\n<details><!-- x *y* _z_ [l](u)';
  const report: RunReport = {
    ...reports['drift'],
    target: { apim: 'apim|x', apis: ['or`ders'], functionApp: 'func\nx' },
    plan: {
      ...reports['drift'].plan!,
      resources: [
        {
          ...policy([{ path: 'policy.resource|x', before: nasty, after: { k: nasty } }], [nasty]),
          label: `label ${nasty}`
        }
      ],
      warnings: [nasty]
    },
    smoke: {
      result: 'failed',
      checks: [check({ name: 'gateway', passed: false, got: nasty, diagnosis: nasty, layer: 'apim' })],
      notes: [nasty]
    }
  };

  test.each([
    ['summary', () => renderSummary(report)],
    ['comment', () => renderComment(report, commentMarker(report.target))]
  ])('%s: a | or newline in a value does not break any table', (_n, render) => {
    const md = render();
    expectTablesWellFormed(md);
    const plan = tables(md)[0];
    expect(plan).toHaveLength(3); // header, separator, one row: the newline did not start a new line
    // outside code spans (where GFM shows HTML literally) no raw HTML from values survives (the report's own
    // collapsed sections, `<details><summary>…</summary>` … `</details>`, are taken out first)
    const prose = outsideCode(md.split('\n').slice(1).join('\n')).replace(
      /^<details><summary>[^<]*<\/summary>$|^<\/details>$/gm,
      ''
    );
    expect(prose).not.toContain('<details>');
    expect(prose).not.toContain('<!--');
    expect(prose).toContain('&lt;details&gt;');
  });

  test('a value full of backticks still forms one code span', () => {
    const md = renderSummary(report);
    const row = cells(tables(md)[0][2]);
    expect(row[2]).toContain('```');
    expect(row[2]).toContain('⏎');
  });

  test('long values are shortened with an ellipsis', () => {
    const long = 'x'.repeat(5000);
    const md = renderSummary(bigPlan(1, () => long));
    expect(md).not.toContain(long);
    // the value is cut into code spans of at most MAX_UNBROKEN_RUN characters joined by <wbr> (no unbreakable run)
    expect(md.replace(/`<wbr>`/g, '')).toMatch(/x{100,}…/);
  });
});

describe('size budgets', () => {
  const report = bigPlan(10_000, (i) => `api://audience-${i}-${'é'.repeat(40)}|ü`);

  test('10,000 changes: summary under 1 MiB, says how many rows were cut, stays well formed', () => {
    const md = renderSummary(report);
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(SUMMARY_MAX_BYTES).toBeLessThan(1024 * 1024);
    const plan = tables(md)[0];
    const m = /… (\d+) more rows not shown/.exec(plan[plan.length - 1]);
    expect(m).not.toBeNull();
    const shown = plan.length - 3; // header, separator, "more rows" row
    expect(shown + Number(m![1])).toBe(10_000);
    expect(shown).toBeGreaterThan(100);
    expectTablesWellFormed(md);
    expect(md).toContain('```mermaid'); // later sections kept
    expect(md.trimEnd().endsWith('</sub>')).toBe(true);
  });

  test('10,000 changes: comment under 65,536 characters with the same truncation rule', () => {
    const c = renderComment(report, commentMarker(report.target));
    expect(c.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(COMMENT_MAX_CHARS).toBeLessThan(65_536);
    const plan = tables(c)[0];
    const m = /… (\d+) more rows not shown/.exec(plan[plan.length - 1]);
    expect(plan.length - 3 + Number(m![1])).toBe(10_000);
    expectTablesWellFormed(c);
  });

  test.each([3000, 8000, 20000])('a tight budget of %i bytes is honoured without cutting mid-structure', (budget) => {
    const md = renderSummary(report, { maxBytes: budget });
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(budget);
    expectTablesWellFormed(md);
    expect(md).toContain('drift found (10000 changes needed)');
  });

  test('a report that fits is not truncated', () => {
    expect(renderSummary(reports['drift'])).not.toContain('not shown');
  });
});

describe('secrets', () => {
  const SECRET = 'sk-SECRET-7f3a9c1e5b2d4f6a8c0e';
  const report: RunReport = {
    ...reports['applied-retries'],
    plan: {
      ...reports['applied-retries'].plan!,
      resources: [
        {
          ...easyAuth(
            [
              { path: 'identityProviders.azureActiveDirectory.registration.clientSecret', before: SECRET, after: 'x' },
              {
                path: 'identityProviders.azureActiveDirectory.registration',
                before: { clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', clientSecret: SECRET },
                after: { clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', clientSecret: SECRET }
              }
            ],
            []
          ),
          write: {
            op: 'put-authsettings-v2',
            body: { properties: { identityProviders: { azureActiveDirectory: { clientSecret: SECRET } } } },
            ownedPaths: []
          }
        },
        {
          ...policy([], []),
          write: {
            op: 'put-api-policy',
            apiId: 'orders',
            value: `<policies><set-header name="k"><value>${SECRET}</value></set-header></policies>`,
            format: 'rawxml',
            ifMatch: '*'
          }
        }
      ]
    }
  };

  test.each([
    ['summary', () => renderSummary(report)],
    ['comment', () => renderComment(report, commentMarker(report.target))],
    ['text', () => renderText(report)]
  ])('%s never shows write bodies or values under secret keys', (_n, render) => {
    // Table cells cut long runs into code spans joined by <wbr>: check the text as it reads (and copies).
    const out = render().replace(/`<wbr>`/g, '');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(SECRET.slice(0, 12));
    // the setting *name* is not a secret and stays visible (C07)
    expect(out).toContain('MICROSOFT_PROVIDER_AUTHENTICATION_SECRET');
    expect(out).toContain('***');
  });
});
