/**
 * Security lint (src/lint.ts, src/policy/lint.ts): warnings with the fix, never a failure by themselves — a token
 * kept in a variable and also traced or sent elsewhere, groups with identities, excluded paths over the API's
 * routes, AllowAnonymous (dropped once apply fixes it), ignore-error on the owned element; and the report section.
 */
import { describe, expect, it } from '@jest/globals';
import { easyAuthLint, functionPaths } from '../src/lint.js';
import { tokenExposures } from '../src/policy/lint.js';
import { renderSummary } from '../src/report/render.js';
import { renderText } from '../src/report/text.js';
import type { LintFinding, RunReport } from '../src/types.js';

const KV =
  '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv-token" />';
const doc = (inbound: string, outbound = '<base />') =>
  `<policies>\n<inbound>\n<base />\n${inbound}\n</inbound>\n<backend><base /></backend>\n<outbound>\n${outbound}\n</outbound>\n</policies>`;

describe('tokenExposures', () => {
  it('a token kept in a variable and written to a trace, a response header, a body or another request header', () => {
    const text = doc(
      [
        KV,
        '<trace source="debug" severity="information"><message>@("kv: " + (string)context.Variables["kv-token"])</message></trace>',
        '<set-header name="X-Debug-Token" exists-action="override"><value>@((string)context.Variables["kv-token"])</value></set-header>'
      ].join('\n'),
      '<set-body>@{ return "{\\"t\\":\\"" + context.Variables.GetValueOrDefault&lt;string&gt;("kv-token") + "\\"}"; }</set-body>'
    );
    const found = tokenExposures([{ label: 'API policy orders', raw: text }]);
    expect(found.map((f) => f.where)).toEqual([
      'API policy orders, line 5',
      'API policy orders, line 6',
      'API policy orders, line 10'
    ]);
    expect(found[0].message).toMatch(
      /<trace .*writes the managed-identity token kept in variable "kv-token" \(from <authentication-managed-identity resource="https:\/\/vault.azure.net".*API policy orders, line 4\)\) to a trace/
    );
    expect(found[1].message).toMatch(/a request header other than Authorization/);
    expect(found[2].message).toMatch(/to a body/);
    expect(found[0].fix).toMatch(/Do not write the token anywhere but the Authorization header/);
  });

  it('sending it as Authorization (to its backend, or inside send-request) is not an exposure', () => {
    const text = doc(
      [
        KV,
        '<send-request mode="new" response-variable-name="s"><set-url>https://kv.vault.azure.net/secrets/x</set-url>',
        '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["kv-token"])</value></set-header>',
        '<set-body>@((string)context.Variables["kv-token"])</set-body></send-request>'
      ].join('\n')
    );
    expect(tokenExposures([{ label: 'API policy orders', raw: text }])).toEqual([]);
  });

  it('the variable set in the API policy and traced in a fragment (across documents); a response header is the caller’s', () => {
    const found = tokenExposures([
      { label: 'API policy orders', raw: doc(KV) },
      {
        label: 'policy fragment debug',
        raw: '<fragment>\n<trace source="x"><message>@((string)context.Variables["kv-token"])</message></trace>\n</fragment>'
      },
      {
        label: 'operation get of API orders',
        raw: doc(
          '',
          '<set-header name="Authorization" exists-action="override"><value>@((string)context.Variables["kv-token"])</value></set-header>'
        )
      }
    ]);
    expect(found.map((f) => f.where)).toEqual(['policy fragment debug, line 2', 'operation get of API orders, line 8']);
    expect(found[1].message).toMatch(/a response header \(the caller's\)/);
  });
});

describe('easyAuthLint', () => {
  const auth = (g: Record<string, unknown>, dap: Record<string, unknown> = {}) => ({
    properties: {
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', ...g },
      identityProviders: { azureActiveDirectory: { validation: { defaultAuthorizationPolicy: dap } } }
    }
  });
  const routes = [
    {
      apiId: 'orders',
      serviceUrl: 'https://func-x.azurewebsites.net/api',
      operations: [
        { id: 'list-orders', urlTemplate: '/orders' },
        { id: 'get-order', urlTemplate: '/orders/{id}?expand={expand}' },
        { id: 'health', urlTemplate: '/health' }
      ]
    }
  ];

  it('AllowAnonymous: named, and marked fixed by the Easy Auth write when the plan changes it', () => {
    const current = auth({ unauthenticatedClientAction: 'AllowAnonymous' });
    const [stays] = easyAuthLint('Easy Auth func-x', current, current, []);
    expect(stays).toMatchObject({ rule: 'anonymous-allowed', where: 'Easy Auth func-x' });
    expect(stays.fixedBy).toBeUndefined();
    const [fixed] = easyAuthLint('Easy Auth func-x', current, auth({}), []);
    expect(fixed.fixedBy).toBe('easy-auth');
  });

  it('groups together with identities', () => {
    const a = auth({}, { allowedPrincipals: { groups: ['g1'], identities: ['oid'] } });
    expect(easyAuthLint('Easy Auth func-x', a, a, []).map((l) => l.rule)).toEqual(['groups-with-identities']);
    const onlyIds = auth({}, { allowedPrincipals: { identities: ['oid'] } });
    expect(easyAuthLint('Easy Auth func-x', onlyIds, onlyIds, [])).toEqual([]);
  });

  it('excluded paths that cover the routes the API sends to the Function (templates, query dropped)', () => {
    expect(functionPaths(routes[0]).map((p) => p.path)).toEqual(['/api/orders', '/api/orders/{id}', '/api/health']);
    const a = auth({ excludedPaths: ['/api/health', '/api/orders/*', '/static'] });
    const lint = easyAuthLint('Easy Auth func-x', a, a, routes);
    expect(lint.map((l) => [l.rule, l.where])).toEqual([
      ['excluded-path-covers-api', 'Easy Auth func-x, excludedPaths "/api/health"'],
      ['excluded-path-covers-api', 'Easy Auth func-x, excludedPaths "/api/orders/*"']
    ]);
    expect(lint[1].message).toMatch(
      /covers 1 of 3 route\(s\) API orders sends to the Function \(\/api\/orders\/\{id\} \(get-order\)\)/
    );
  });
});

describe('the report: a Security lint section of its own, apart from warnings', () => {
  const lint: LintFinding[] = [
    { rule: 'ignore-error', where: 'API policy orders, line 4', message: 'ignore-error is true', fix: 'Remove it' },
    {
      rule: 'anonymous-allowed',
      where: 'Easy Auth func-x',
      message: 'AllowAnonymous',
      fix: 'apply',
      fixedBy: 'easy-auth'
    }
  ];
  const report = (applied: RunReport['applied']): RunReport => ({
    mode: 'apply',
    verdict: 'applied',
    target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
    plan: {
      resources: [{ kind: 'easy-auth', resourceId: '/x', label: 'Easy Auth func-x', changes: [], notes: [] }],
      warnings: ['a plain warning'],
      lint,
      facts: { effectiveAudiences: [], excludedPaths: [] }
    },
    applied,
    warnings: [],
    durationSeconds: 1
  });

  it('lists each finding with where and fix; one fixed by a verified write is left out', () => {
    const before = renderSummary(report([]));
    expect(before).toMatch(/#### Security lint|### Security lint|## Security lint/);
    expect(before).toContain('API policy orders, line 4');
    expect(before).toContain('Easy Auth func-x');
    const after = renderSummary(report([{ label: 'Easy Auth func-x', ok: true, state: 'verified' }]));
    expect(after).toContain('ignore-error is true');
    expect(after).not.toContain('AllowAnonymous');
    expect(renderText(report([]))).toMatch(
      /security lint:\n {2}- API policy orders, line 4: ignore-error is true\. Fix: Remove it/
    );
  });

  it('no lint, no section', () => {
    const r = report([]);
    r.plan!.lint = [];
    expect(renderSummary(r)).not.toMatch(/Security lint/);
  });
});
