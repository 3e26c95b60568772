/**
 * End-to-end: several targets of one targets file on ONE APIM service (each its own API and Function App), applied
 * at once through dist/index.js against the twin. The service's identity is one resource: it is enabled once, by
 * whichever target gets there first; the others find it enabled when they re-read it right before their write and
 * report it in sync — never a second PATCH (a long-running service update each) and never "changed" twice. A target
 * that fails midway does not stop the others, and the step's error says exactly what each failed target changed.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import { generateTargets, type GeneratedTarget } from '../../emulator/src/scenario-gen.js';
import { armWrites, baseInputs, runAction, scenario, type Twin } from '../../scripts/action-runner.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const RG = (s: TwinState) => `/subscriptions/${s.subscriptionId}/resourceGroups/rg-demo/providers`;

/**
 * `n` generated drifted targets whose APIs all live on apim-t001: target i's API `orders` is moved there as
 * `orders-00i` (its backend still func-t00i), so the targets share the service and nothing else.
 */
function onOneApim(n: number): { state: TwinState; targets: GeneratedTarget[] } {
  const { state, targets } = generateTargets(scenario('drifted'), n);
  const first = `${RG(state)}/Microsoft.ApiManagement/service/apim-t001`;
  for (let i = 2; i <= n; i++) {
    const tag = String(i).padStart(3, '0');
    const from = `${RG(state)}/Microsoft.ApiManagement/service/apim-t${tag}/apis/orders`;
    const to = `${first}/apis/orders-${tag}`;
    for (const [id, body] of Object.entries(state.resources)) {
      if (id !== from && !id.startsWith(`${from}/`)) continue;
      const moved = JSON.parse(JSON.stringify(body).split(from).join(to)) as Record<string, unknown>;
      if (id === from) moved.name = `orders-${tag}`;
      state.resources[id.replace(from, to)] = moved;
    }
    targets[i - 1] = { ...targets[i - 1]!, apimName: 'apim-t001', apiIds: [`orders-${tag}`] };
  }
  return { state, targets };
}

function targetsFile(targets: readonly GeneratedTarget[]): string {
  const lines = ['defaults:', `  subscription-id: ${targets[0]!.subscriptionId}`, '  apim-resource-group: rg-demo'];
  lines.push('targets:');
  for (const t of targets) {
    lines.push(`  - name: ${t.name}`, `    apim-name: ${t.apimName}`, `    api-ids: [${t.apiIds.join(', ')}]`);
    lines.push(`    function-app-name: ${t.functionAppName}`, `    app-client-id: ${t.appClientId}`);
  }
  return `${lines.join('\n')}\n`;
}

async function setup(n: number) {
  const { state, targets } = onOneApim(n);
  const twin = await startEmulator(state);
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'afa-ws-'));
  writeFileSync(path.join(workspace, 'targets.yml'), targetsFile(targets));
  cleanups.push(async () => {
    await twin.stop();
    rmSync(workspace, { recursive: true, force: true });
  });
  const b = baseInputs(state);
  const inputs = { 'client-id': b['client-id']!, 'tenant-id': b['tenant-id']!, 'github-token': b['github-token']! };
  const run = (mode: string) =>
    runAction(twin, { ...inputs, targets: 'targets.yml', mode }, { env: { GITHUB_WORKSPACE: workspace } });
  return { twin, state, targets, run };
}

const identityPatches = (twin: Twin) =>
  armWrites(twin).filter((w) => w.method === 'PATCH' && /\/service\/apim-t001\?/.test(w.url));

interface Row {
  target: string;
  kind: string;
  state: string;
}

describe('targets sharing one APIM service', () => {
  it('apply: the identity is enabled once; the other targets report it in sync; every target is applied', async () => {
    const { twin, run } = await setup(3);
    const r = await run('apply');
    expect(r.code).toBe(0);
    expect(identityPatches(twin)).toHaveLength(1);
    const rows = JSON.parse(r.outputs.changes!) as Row[];
    const identityRows = rows.filter((x) => x.kind === 'apim-identity');
    expect(identityRows).toHaveLength(1);
    expect(identityRows[0]!.state).toBe('verified');
    const each = JSON.parse(r.outputs.targets!) as { target: string; result: string; 'apim-principal-id': string }[];
    expect(each.map((e) => e.result)).toEqual(['applied', 'applied', 'applied']);
    // Every target knows the principal it allowed in Easy Auth, the one the service has.
    const principal = (
      twin.getState().resources[`${RG(twin.getState())}/Microsoft.ApiManagement/service/apim-t001`]?.identity as {
        principalId: string;
      }
    ).principalId;
    expect(each.map((e) => e['apim-principal-id'])).toEqual([principal, principal, principal]);
    // The summary says "changed" for the identity once, "already in sync" (not changed) for the others.
    const changedLines = r.summary.split('\n').filter((l) => /^\*\*changed:\*\*/.test(l));
    expect(changedLines.filter((l) => /^\*\*changed:\*\*[^;]*APIM apim-t001 identity/.test(l))).toHaveLength(1);
    const check = await run('check');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.outputs.targets!).map((e: { result: string }) => e.result)).toEqual([
      'in-sync',
      'in-sync',
      'in-sync'
    ]);
  });

  it('a target failing midway does not stop the others; the error says what each failed target changed', async () => {
    const { twin, run } = await setup(3);
    twin.addFaults([
      {
        match: { method: 'PUT', pathRegex: '/apis/orders-002/policies/policy' },
        respond: { status: 500, body: { error: { code: 'InternalServerError', message: 'x' } } },
        times: 20
      },
      {
        match: { method: 'PUT', pathRegex: '/sites/func-t003/config/authsettingsV2' },
        respond: { status: 400, body: { error: { code: 'BadRequest', message: 'refused' } } },
        times: 20
      }
    ]);
    const r = await run('apply');
    expect(r.code).toBe(1);
    const error = (r.stdout.split('\n').find((l) => l.startsWith('::error')) ?? '').split('%0A');
    expect(error[0]).toMatch(/2 of 3 targets failed: target-002, target-003\.$/);
    const line = (name: string) => error.find((l) => l.startsWith(`- ${name}:`)) ?? '';
    expect(line('target-002')).toMatch(/Outcome unknown \(check it\): API policy orders-002\./);
    expect(line('target-002')).toMatch(/Changed: [^.]*Easy Auth func-t002\./);
    expect(line('target-003')).toMatch(/Not changed: Easy Auth func-t003, API policy orders-003\./);
    // Nothing of target-003 was written but its refused Easy Auth PUT; target-001 is reconciled.
    expect(armWrites(twin).filter((w) => /orders-003|func-t003/.test(w.url) && w.status < 400)).toEqual([]);
    const each = JSON.parse(r.outputs.targets!) as { target: string; result: string }[];
    expect(each.map((e) => e.result)).toEqual(['applied', 'failed', 'failed']);
    expect(identityPatches(twin)).toHaveLength(1);
  });
});
