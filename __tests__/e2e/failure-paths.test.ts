/**
 * End-to-end failure paths found by adversarial testing: an error text that echoes secrets, a read-back failing after
 * the identity operation completed, an API whose backend is not the Function App.
 */
import { describe, expect, it } from '@jest/globals';
import { armWrites, baseInputs, runAction, scenario, withTwin } from '../../scripts/action-runner.js';
import { identityOf, ids, policyOf, unmaskedLines } from './helpers.js';

// The failure annotation, with or without properties (`::error title=apim-function-auth::…`).
const errorLine = (stdout: string) => stdout.split('\n').find((l) => /^::error[^:]*::/.test(l)) ?? '';
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

describe('failure paths', () => {
  it('an ARM error that echoes the subscription key and a token reaches no summary, report file, comment or output', async () => {
    const s = scenario('drifted');
    const master = s.resources[`${ids(s).apim}/subscriptions/master`].properties as Record<string, string>;
    const fakeJwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    await withTwin(s, async (t) => {
      t.addFaults([
        {
          match: { method: 'PUT', pathRegex: 'policies/policy' },
          times: 10,
          respond: {
            status: 500,
            body: {
              error: { code: 'InternalServerError', message: `upstream said key=${master.primaryKey} token=${fakeJwt}` }
            }
          }
        }
      ]);
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(1);
      expect(errorLine(r.stdout)).toMatch(/API policy orders: .*InternalServerError/);
      const comments = t.getState().github.comments.map((c) => c.body);
      expect(comments.length).toBeGreaterThan(0);
      for (const text of [r.summary, r.reportFile, JSON.stringify(r.outputs), errorLine(r.stdout), ...comments]) {
        expect(text).not.toContain(master.primaryKey);
        expect(text).not.toMatch(JWT);
      }
      // The log masks registered secrets; the unregistered JWT is scrubbed from it too.
      expect(unmaskedLines(r.stdout + r.stderr)).not.toContain(master.primaryKey);
      expect(unmaskedLines(r.stdout + r.stderr)).not.toMatch(JWT);
    });
  });

  it('C09: the identity operation completed but its read-back fails → "Written but not verified", not "Not changed"', async () => {
    const s = scenario('drifted');
    await withTwin(s, async (t) => {
      t.addFaults([
        {
          match: { method: 'GET', pathRegex: 'Microsoft\\.ApiManagement/service/apim-x\\?' },
          // Let the first read and the fresh read right before the PATCH (the write guard's) through.
          skip: 2,
          respond: { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } },
          times: 20
        }
      ]);
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply' });
      expect(r.code).toBe(1);
      const err = errorLine(r.stdout);
      expect(err).toMatch(/Changed: nothing\. Written but not verified: APIM apim-x identity\./);
      expect(err).toMatch(/Not changed: Easy Auth func-x, API policy orders\./);
      // …which is true: the identity was enabled.
      expect(identityOf(t.getState()).type).toBe('SystemAssigned, UserAssigned');
    });
  });

  it('an API whose serviceUrl is not the Function App is refused before any write (tokens would go elsewhere)', async () => {
    const s = scenario('drifted');
    const api = s.resources[ids(s).api] as { properties: Record<string, unknown> };
    api.properties.serviceUrl = 'https://evil.example.com/api';
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(1);
      expect(errorLine(r.stdout)).toMatch(
        /Nothing was changed: API orders: its serviceUrl 'https:\/\/evil\.example\.com\/api' is not Function App func-x/
      );
      expect(armWrites(t)).toEqual([]);
      expect(policyOf(t.getState())).toBe(policyOf(s));
    });
  });

  it('a plan refused before any write: the summary shows the plan the log showed, not applied, and the reason once', async () => {
    const s = scenario('drifted');
    const api = s.resources[ids(s).api] as { properties: Record<string, unknown> };
    api.properties.serviceUrl = 'https://elsewhere.example.com/api';
    await withTwin(s, async (t) => {
      const r = await runAction(t, { ...baseInputs(s), mode: 'apply', 'smoke-path': '/orders' });
      expect(r.code).toBe(1);
      expect(armWrites(t)).toEqual([]);
      // The log's plan: "<resource>: will update: <path>, <path>, …" per resource.
      const logged = r.stdout
        .split('\n')
        .map((l) => /^(.+?): will update: (.+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .flatMap((m) => m[2].split(', ').map((p) => `${m[1]} ${p}`));
      expect(logged.length).toBeGreaterThan(5);
      const summary = r.summary;
      expect(summary).not.toContain('No plan was built');
      expect(summary).toContain('_Not applied: the run stopped before any write (the error above says why)._');
      const rows = summary.split('\n').filter((l) => /^\| .+ \| (add|update) \|$/.test(l));
      expect(rows).toHaveLength(logged.length);
      expect(summary).toMatch(/\*\*changed:\*\* _nothing_/);
      // The reason, once; the heading says the state only.
      expect(summary).toMatch(/^### apim-function-auth — ❌ failed$/m);
      expect(summary.split("its serviceUrl 'https://elsewhere.example.com/api'")).toHaveLength(2);
      // Nothing claimed that was not seen: the links through the unwritten resources are not "configured".
      expect(summary).toMatch(/MI token: not configured \(change not applied\)/);
      // Outputs: a plan was made; no row was written.
      expect(r.outputs.drift).toBe('true');
      expect(r.outputs['change-count']).toBe('0');
      const states = (JSON.parse(r.outputs.changes) as { state: string }[]).map((c) => c.state);
      expect(states).toHaveLength(logged.length);
      expect(new Set(states)).toEqual(new Set(['not-written']));
    });
  });
});
