/**
 * End-to-end, issue "Fast and faithful" item 2 (start-up): what a run does not use is not loaded. The bundle keeps
 * three parts in chunks of their own (dist/<id>.index.js), imported on first use: the typed APIM client
 * (`@azure/arm-apimanagement`, src/azure/arm-pipeline.ts), Octokit (`@actions/github`, src/octokit.ts) and
 * `@azure/identity` with msal-node (src/azure/auth.ts). A copy of dist/ without a chunk shows whether a run needed it:
 * a no-drift check that posts no comment runs without the APIM client's and Octokit's chunks, and mode `list` without
 * identity's as well; an apply that adds APIM's identity cannot run without the APIM client's chunk, and stops before
 * it writes anything.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateTargets, targetsYaml } from '../../emulator/src/scenario-gen.js';
import { armWrites, baseInputs, repoRoot, runAction, scenario, withTwin } from '../../scripts/action-runner.js';

/** The chunk files of dist/ that hold `marker`. */
function chunksWith(marker: string): string[] {
  const dist = path.join(repoRoot, 'dist');
  return readdirSync(dist).filter(
    (f) => /^\d+\.index\.js$/.test(f) && readFileSync(path.join(dist, f), 'utf8').includes(marker)
  );
}

const CHUNKS = {
  apimClient: chunksWith('azsdk-js-arm-apimanagement'),
  octokit: chunksWith('octokit-core.js'),
  identity: chunksWith('class ClientAssertionCredential'),
  runParts: chunksWith('failTargetsRun')
};

let dir: string;
/** A copy of dist/ without the given chunks; returns its index.js. */
function distWithout(name: string, chunks: string[]): string {
  const copy = path.join(dir, name);
  cpSync(path.join(repoRoot, 'dist'), copy, { recursive: true });
  for (const c of chunks) rmSync(path.join(copy, c));
  return path.join(copy, 'index.js');
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'afa-chunks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundle loads what a run uses', () => {
  it('each lazy part is a chunk of its own, and none of them is in index.js', () => {
    for (const chunks of Object.values(CHUNKS)) expect(chunks).toHaveLength(1);
    const main = readFileSync(path.join(repoRoot, 'dist/index.js'), 'utf8');
    const inMain = ['azsdk-js-arm-apimanagement', 'octokit-core.js', 'class ClientAssertionCredential'].filter((m) =>
      main.includes(m)
    );
    expect(inMain).toEqual([]);
    // index.js is what every run compiles before its first request: well under half the bundle.
    const size = (f: string) => readFileSync(path.join(repoRoot, 'dist', f)).length;
    const chunkBytes = Object.values(CHUNKS).flat().map(size);
    expect(size('index.js')).toBeLessThan(chunkBytes.reduce((a, b) => a + b, 0));
  });

  it('a no-drift check without a PR comment runs without the APIM client and Octokit', async () => {
    const entry = distWithout('no-apim-no-octokit', [...CHUNKS.apimClient, ...CHUNKS.octokit]);
    const state = scenario('in-sync');
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), mode: 'check', 'pr-comment': 'false' }, { entry });
      expect(r.stderr).not.toMatch(/Cannot find module/);
      expect(r.code).toBe(0);
      expect(r.outputs.drift).toBe('false');
      expect(r.outputs.result).toBe('in-sync');
    });
  });

  it('mode list runs without the APIM client, Octokit and @azure/identity', async () => {
    const entry = distWithout('list-only', [...CHUNKS.apimClient, ...CHUNKS.octokit, ...CHUNKS.identity]);
    const { state, targets } = generateTargets(scenario('drifted'), 2);
    const workspace = path.join(dir, 'ws');
    mkdirSync(workspace);
    writeFileSync(path.join(workspace, 'targets.yml'), targetsYaml(targets));
    await withTwin(state, async (twin) => {
      const r = await runAction(
        twin,
        { targets: 'targets.yml', mode: 'list' },
        { entry, env: { GITHUB_WORKSPACE: workspace } }
      );
      expect(r.stderr).not.toMatch(/Cannot find module/);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.outputs.matrix ?? 'null')).toEqual({ include: targets.map((t) => ({ target: t.name })) });
      expect(twin.requests()).toEqual([]);
    });
  });

  it('an apply that adds the identity needs the APIM client: without it, it stops before any write', async () => {
    const entry = distWithout('no-apim', CHUNKS.apimClient);
    const state = scenario('drifted');
    await withTwin(state, async (twin) => {
      const r = await runAction(twin, { ...baseInputs(state), mode: 'apply' }, { entry });
      expect(r.code).toBe(1);
      expect(armWrites(twin)).toEqual([]);
      expect(r.stdout).toMatch(/Nothing was changed|nothing was changed|Not applied/i);
      // Honest: the PATCH was never sent, so its outcome is known — not "may or may not have been applied".
      const rows = JSON.parse(r.outputs.changes ?? '[]') as { kind: string; state: string }[];
      expect(rows.length).toBeGreaterThan(0);
      expect([...new Set(rows.filter((x) => x.kind === 'apim-identity').map((x) => x.state))]).toEqual(['not-written']);
      expect(rows.filter((x) => !['not-written', 'not-attempted'].includes(x.state))).toEqual([]);
      expect(r.everything).not.toMatch(/may or may not have been applied|Outcome unknown/);
      expect(r.stdout).toMatch(
        /::error title=apim-function-auth::APIM apim-x identity: Could not load the typed APIM client/
      );
      expect(r.stdout).toMatch(/dist\/ is incomplete or damaged/);
    });
  });

  // The run's reconcile and report code is a chunk too (src/run-parts.ts, imported before sign-in): without it the
  // step still fails with its own error and result `failed` — not Node's stack trace of an unhandled rejection.
  for (const [how, damage] of [
    ['missing', (f: string) => rmSync(f)],
    ['truncated', (f: string) => writeFileSync(f, readFileSync(f).subarray(0, 1000))]
  ] as const) {
    it(`the run's own code ${how}: a clear step error, result failed, nothing written`, async () => {
      const copy = path.join(dir, `parts-${how}`);
      cpSync(path.join(repoRoot, 'dist'), copy, { recursive: true });
      for (const c of CHUNKS.runParts) damage(path.join(copy, c));
      const state = scenario('drifted');
      await withTwin(state, async (twin) => {
        const r = await runAction(
          twin,
          { ...baseInputs(state), mode: 'apply' },
          { entry: path.join(copy, 'index.js') }
        );
        expect(r.code).toBe(1);
        expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|SyntaxError|at /);
        expect(r.stdout).toMatch(
          /::error title=apim-function-auth::Could not load the action's reconcile and report code .*dist\/ is incomplete or damaged/
        );
        expect(r.outputs.result).toBe('failed');
        expect(armWrites(twin)).toEqual([]);
      });
    });
  }
});
