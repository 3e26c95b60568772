/**
 * End to end (issue "Snapshot and restore"): the bundled dist/index.js against the twin, with a Function that keeps
 * failing after the change — Easy Auth created with a v2.0 issuer while APIM's managed identity gets v1 tokens, so the
 * gateway smoke request keeps answering 401 (twin: Easy Auth validates the issuer; field case C03). With
 * `on-failure: restore` Easy Auth and the policy are put back exactly; with `keep` the change stays and `mode: restore`
 * puts it back later from the snapshot file. Foreign snapshots, unknown schema versions and resources changed after the
 * action's write are refused before any write; a real concurrent change during the restore meets a 412.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TwinState } from '../../emulator/src/contracts.js';
import { normalizeOnSave } from '../../emulator/src/policy-text.js';
import { apimClient, applyEnv, trustTwin } from '../../emulator/__tests__/helpers.js';
import { baseInputs, runAction, scenario, withTwin, type Twin } from '../../scripts/action-runner.js';
import {
  armWritesSince,
  authSettingsOf,
  CALLER_EXPRESSION,
  identityOf,
  ids,
  jwtsIn,
  policyOf,
  policyWithInbound,
  TARGET
} from './helpers.js';

const V2_ISSUER = (s: TwinState) => `https://login.microsoftonline.com/${s.tenantId}/v2.0`;
const errorLine = (stdout: string) => stdout.split('\n').find((l) => /^::error[^:]*::/.test(l)) ?? '';

/** Inputs of an apply whose change makes the Function keep failing (v2.0 issuer, v1 tokens), with a short smoke. */
function failingApply(s: TwinState, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseInputs(s),
    mode: 'apply',
    'smoke-path': '/orders',
    'smoke-timeout-seconds': '2',
    'open-id-issuer': V2_ISSUER(s),
    ...extra
  };
}

/** A RUNNER_TEMP that outlives the run (the runner keeps it for the job), removed after `f`. */
async function withRunnerTemp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'afa-snap-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The run's RUNNER_TEMP as `env`. */
const temp = (dir: string) => ({ env: { RUNNER_TEMP: dir } });

/** The policy as the twin stores it after APIM's save normalisation of `text`. */
const saved = (text: string | undefined) => normalizeOnSave(text ?? '');

/** Asserts the twin holds Easy Auth and the policy exactly as in `original` (policy: after save normalisation). */
function expectAsBefore(t: Twin, original: TwinState): void {
  const now = t.getState();
  expect(authSettingsOf(now)).toEqual(authSettingsOf(original));
  expect(policyOf(now)).toBe(saved(policyOf(original)));
}

/** Replaces the orders policy through the real APIM SDK client, as another team's pipeline would. */
async function someoneChangesPolicy(t: Twin, s: TwinState, inner: string): Promise<void> {
  trustTwin(t.caPem);
  const restoreEnv = applyEnv(t);
  try {
    await apimClient(t, s).apiPolicy.createOrUpdate(TARGET.rg, TARGET.apim, TARGET.api, 'policy', {
      value: policyWithInbound(inner),
      format: 'rawxml'
    });
  } finally {
    restoreEnv();
  }
}

describe('on-failure: restore', () => {
  it('a Function that keeps failing after the change: Easy Auth restored equal as JSON, the policy equal after save normalisation, the identity kept, the snapshot kept without secrets', async () => {
    const s = scenario('drifted');
    const master = s.resources[`${ids(s).apim}/subscriptions/master`].properties as Record<string, string>;
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const r = await runAction(t, failingApply(s, { 'on-failure': 'restore' }), temp(dir));
        expect(r.code).toBe(1);
        expect(r.outputs['smoke-result']).toBe('failed');
        expect(r.outputs.result).toBe('failed');
        expectAsBefore(t, s);
        // The system-assigned identity stays (never removed), and the report says why.
        expect(identityOf(t.getState()).type).toBe('SystemAssigned, UserAssigned');
        expect(r.summary).toMatch(/never removed/);
        expect(errorLine(r.stdout)).toMatch(
          /On failure \(restore\): restored: Easy Auth func-x, API policy orders; kept: APIM apim-x identity/
        );
        expect(r.summary).toMatch(/#### Restore/);
        expect(r.summary.match(/↩️ restored/g)).toHaveLength(2);
        // Writes: the three of apply, then the two of the restore (Easy Auth PUT, policy PUT) — no identity write.
        const writes = armWritesSince(t, 0).map(
          (w) => `${w.method} ${w.url.replace(/\?.*$/, '').split('/').slice(-2).join('/')}`
        );
        expect(writes).toEqual([
          'PATCH service/apim-x',
          'PUT config/authsettingsV2',
          'PUT policies/policy',
          'PUT config/authsettingsV2',
          'PUT policies/policy'
        ]);
        // The snapshot file: under RUNNER_TEMP, schema 1, every resource with before and after, no secret.
        const file = r.outputs['snapshot-path'];
        expect(file.startsWith(path.join(dir, 'apim-function-auth', 'snapshot-apim-x-func-x-'))).toBe(true);
        const text = readFileSync(file, 'utf8');
        const snap = JSON.parse(text) as { schemaVersion: number; resources: { kind: string; after?: unknown }[] };
        expect(snap.schemaVersion).toBe(1);
        expect(snap.resources.map((x) => [x.kind, Boolean(x.after)])).toEqual([
          ['apim-identity', true],
          ['easy-auth', true],
          ['api-policy', true]
        ]);
        for (const secret of [master.primaryKey, master.secondaryKey, baseInputs(s)['github-token']]) {
          expect(text).not.toContain(secret);
        }
        expect(jwtsIn(text)).toEqual([]);
        // The summary carries it collapsed, without the policy's text (it may hold credentials inline).
        expect(r.summary).toMatch(
          /<details><summary>snapshot JSON \(3 resources, \d+ KiB; policy texts in the file\)<\/summary>/
        );
        expect(text).toContain('GetValueOrDefault');
        expect(r.summary).not.toContain('GetValueOrDefault');
      });
    });
  });

  it('the fresh read before the restore answers 200 without content: nothing restored, and the report still lists every resource', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        // Apply reads Easy Auth three times (observe, right before its PUT, read-back); the fourth read is the restore's.
        t.addFaults([
          { match: { method: 'GET', pathRegex: 'authsettingsV2/list' }, skip: 3, respond: { status: 200, body: {} } }
        ]);
        const r = await runAction(t, failingApply(s, { 'on-failure': 'restore' }), temp(dir));
        expect(r.code).toBe(1);
        const writes = armWritesSince(t, 0).map((w) => w.method);
        expect(writes).toEqual(['PATCH', 'PUT', 'PUT']); // apply's three writes; the restore wrote nothing
        expect(errorLine(r.stdout)).toMatch(
          /On failure \(restore\): restored: nothing; not restored: Easy Auth func-x, API policy orders; kept: APIM apim-x identity \(a system-assigned identity is never removed\)\. Nothing was restored: the fresh reads before the restore failed/
        );
        expect(r.summary).toMatch(
          /\| Easy Auth func-x \| ❌ not restored \| left as the run wrote it: the fresh read before the restore failed \|/
        );
        expect(r.summary).toMatch(/\| API policy orders \| ❌ not restored \|/);
        expect(r.summary).toMatch(/\| APIM apim-x identity \| 🔒 kept \|/);
      });
    });
  });

  it('a write that timed out reads as before but may still land: the restore says "outcome unknown (check it)", never "already as before"', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        // The twin answers the Easy Auth PUT after the action's 3 s ARM timeout, and applies it then: after the
        // restore's read.
        t.addFaults([{ match: { method: 'PUT', pathRegex: 'authsettingsV2\\?' }, delayMs: 4500 }]);
        const env = { RUNNER_TEMP: dir, APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS: '3000' };
        const r = await runAction(t, failingApply(s, { 'on-failure': 'restore' }), { env });
        expect(r.code).toBe(1);
        expect(errorLine(r.stdout)).toMatch(/Outcome unknown \(check it\): Easy Auth func-x/);
        expect(errorLine(r.stdout)).toMatch(
          /On failure \(restore\): restored: nothing; outcome unknown \(check it\): Easy Auth func-x; already as before: API policy orders/
        );
        expect(r.summary).toMatch(
          /\| Easy Auth func-x \| ⚠️ outcome unknown \(check it\) \| as before the run when read, but this run's write of it ended without an answer and may still take effect/
        );
        // And it did take effect after the run: "already as before" would have been false.
        await new Promise((res) => setTimeout(res, 2000));
        expect(authSettingsOf(t.getState())).not.toEqual(authSettingsOf(s));
      });
    });
  });

  it('an API that had no policy: the policy the action created is deleted again (If-Match on its ETag)', async () => {
    const s = scenario('drifted');
    delete s.resources[ids(s).policy];
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const r = await runAction(t, failingApply(s, { 'on-failure': 'restore' }), temp(dir));
        expect(r.code).toBe(1);
        expect(policyOf(t.getState())).toBeUndefined();
        expect(authSettingsOf(t.getState())).toEqual(authSettingsOf(s));
        const policyWrites = armWritesSince(t, 0).filter((w) => /policies\/policy/.test(w.url));
        expect(policyWrites.map((w) => [w.method, w.status])).toEqual([
          ['PUT', 201],
          ['DELETE', 200]
        ]);
        expect(r.summary).toMatch(/the policy this action created was deleted \(the API had none\)/);
      });
    });
  });

  it('a real concurrent change while the restore runs: the policy PUT meets 412, the restore stops and says so, the other change stays', async () => {
    const s = scenario('drifted');
    const theirs = '        <base />\n        <rate-limit calls="10" renewal-period="60" />';
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        // Hold the restore's policy PUT (the second policy PUT of the run) long enough for another pipeline to write.
        t.addFaults([{ match: { method: 'PUT', pathRegex: 'policies/policy' }, skip: 1, delayMs: 5000 }]);
        const run = runAction(t, failingApply(s, { 'on-failure': 'restore' }), temp(dir));
        // The restore puts Easy Auth back first and reads it back; its policy PUT leaves right after that read-back.
        const authPut = (q: { method: string; url: string }) => q.method === 'PUT' && /authsettingsV2\?/.test(q.url);
        const readBackAfterRestorePut = () => {
          const reqs = t.requests();
          const puts = reqs.flatMap((q, i) => (authPut(q) ? [i] : []));
          return (
            puts.length >= 2 &&
            reqs.slice(puts[1]).some((q) => q.method === 'GET' && /authsettingsV2\/list/.test(q.url))
          );
        };
        const deadline = Date.now() + 30_000;
        while (!readBackAfterRestorePut() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
        expect(readBackAfterRestorePut()).toBe(true);
        await new Promise((res) => setTimeout(res, 300)); // the restore's policy PUT is now held by the twin
        await someoneChangesPolicy(t, s, theirs);
        const r = await run;
        expect(r.code).toBe(1);
        expect(errorLine(r.stdout)).toMatch(
          /API policy orders: changed by someone else since this action's write \(ETag mismatch, 412\)/
        );
        expect(errorLine(r.stdout)).toMatch(/restored: Easy Auth func-x; not restored: API policy orders/);
        const put412 = t.requests().filter((q) => q.method === 'PUT' && /policies\/policy/.test(q.url));
        expect(put412.map((q) => q.status)).toEqual([200, 200, 412]);
        expect(policyOf(t.getState())).toContain('<rate-limit calls="10" renewal-period="60" />');
        expect(authSettingsOf(t.getState())).toEqual(authSettingsOf(s));
      });
    });
  });
});

describe('keep, then mode: restore', () => {
  it('keep (the default) leaves the change; mode restore from the kept snapshot puts it back; a second restore writes nothing', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const kept = await runAction(t, failingApply(s), temp(dir));
        expect(kept.code).toBe(1);
        expect(kept.summary).not.toMatch(/#### Restore/);
        expect(errorLine(kept.stdout)).not.toMatch(/On failure/);
        const afterApply = t.getState();
        expect(authSettingsOf(afterApply)).not.toEqual(authSettingsOf(s));
        expect(policyOf(afterApply)).toContain('authentication-managed-identity');
        const file = kept.outputs['snapshot-path'];
        expect(kept.summary).toContain(file);

        const from = t.requests().length;
        const r = await runAction(t, { ...baseInputs(s), mode: 'restore', snapshot: file }, temp(dir));
        expect(r.code).toBe(0);
        expect(r.outputs.result).toBe('restored');
        expect(r.outputs['snapshot-path']).toBe('');
        expectAsBefore(t, s);
        expect(identityOf(t.getState()).type).toBe('SystemAssigned, UserAssigned');
        expect(armWritesSince(t, from).map((w) => w.method)).toEqual(['PUT', 'PUT']);
        expect(r.summary).toMatch(/restored 2 resources from the snapshot/);
        expect(r.summary).toMatch(/never removed/);
        // No smoke request and no plan in restore mode.
        expect(r.summary).not.toMatch(/#### Smoke checks/);

        const again = t.requests().length;
        const second = await runAction(t, { ...baseInputs(s), mode: 'restore', snapshot: file }, temp(dir));
        expect(second.code).toBe(0);
        expect(second.summary).toMatch(/already as in the snapshot/);
        expect(armWritesSince(t, again)).toEqual([]);
      });
    });
  });

  it('a foreign snapshot (another target), an unknown schema version, a file that is no snapshot, a resource listed twice and a hostile nesting are refused with nothing written', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const kept = await runAction(t, failingApply(s), temp(dir));
        const snap = JSON.parse(readFileSync(kept.outputs['snapshot-path'], 'utf8')) as Record<string, unknown>;
        const variants: [string, unknown, RegExp][] = [
          [
            'foreign.json',
            { ...snap, target: { ...(snap.target as object), apimName: 'apim-prod' } },
            /is of another target .*apimName: snapshot 'apim-prod', this step 'apim-x'/
          ],
          ['future.json', { ...snap, schemaVersion: 2 }, /has schema version 2, which this action does not know/],
          ['other.json', { resources: [] }, /is not a snapshot of apim-function-auth/],
          [
            'twice.json',
            { ...snap, resources: [...(snap.resources as unknown[]), (snap.resources as unknown[])[1]] },
            /is incomplete or damaged: resources\[3\]: .*authsettingsV2 is listed twice/
          ],
          [
            'deep.json',
            JSON.stringify(snap).replace('"login":', `"deep":${'['.repeat(200_000)}${']'.repeat(200_000)},"login":`),
            /is damaged: it nests deeper than 64 levels/
          ]
        ];
        for (const [name, body, message] of variants) {
          const file = path.join(dir, name);
          writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
          const before = t.getState();
          const from = t.requests().length;
          const r = await runAction(t, { ...baseInputs(s), mode: 'restore', snapshot: file }, temp(dir));
          expect(r.code).toBe(1);
          expect(errorLine(r.stdout)).toMatch(/Nothing was changed: the snapshot /);
          expect(errorLine(r.stdout)).toMatch(message);
          expect(armWritesSince(t, from)).toEqual([]);
          expect(t.getState().resources).toEqual(before.resources);
        }
      });
    });
  });

  it('a hand-edited snapshot that says the API had no policy: refused before any write, the policy is not deleted', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const kept = await runAction(t, failingApply(s), temp(dir));
        const snap = JSON.parse(readFileSync(kept.outputs['snapshot-path'], 'utf8')) as {
          resources: { kind: string; before: { value?: string } }[];
        };
        delete snap.resources.find((x) => x.kind === 'api-policy')!.before.value;
        const file = path.join(dir, 'edited.json');
        writeFileSync(file, JSON.stringify(snap));
        const before = t.getState();
        const from = t.requests().length;
        const r = await runAction(t, { ...baseInputs(s), mode: 'restore', snapshot: file }, temp(dir));
        expect(r.code).toBe(1);
        expect(errorLine(r.stdout)).toMatch(
          /Nothing was changed: the snapshot .* cannot be restored: .*API policy orders: the snapshot says the API had no policy, but the policy now holds elements this action does not own/
        );
        expect(armWritesSince(t, from)).toEqual([]);
        expect(t.getState().resources).toEqual(before.resources);
        expect(policyOf(t.getState())).toContain(CALLER_EXPRESSION);
      });
    });
  });

  it('a resource changed after the write: mode restore refuses before any write, and the other change stays', async () => {
    const s = scenario('drifted');
    await withRunnerTemp(async (dir) => {
      await withTwin(s, async (t) => {
        const kept = await runAction(t, failingApply(s), temp(dir));
        await someoneChangesPolicy(t, s, '        <base />\n        <authentication-managed-identity resource="x" />');
        const before = t.getState();
        const from = t.requests().length;
        const r = await runAction(t, { ...baseInputs(s), mode: 'restore', snapshot: kept.outputs['snapshot-path'] });
        expect(r.code).toBe(1);
        expect(errorLine(r.stdout)).toMatch(
          /Nothing was changed: the snapshot .* cannot be restored: .*API policy orders: someone changed it after this action's write \(ETag now/
        );
        // Nothing at all is restored, Easy Auth included: the restore is all or nothing before its first write.
        expect(armWritesSince(t, from)).toEqual([]);
        expect(t.getState().resources).toEqual(before.resources);
      });
    });
  });
});
