/**
 * Action runner (used by the end-to-end tests, the demo and the benchmark): runs the bundled `dist/index.js` as the GitHub runner does — a separate Node process with
 * `INPUT_*` variables, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP` — against the local Azure twin, through
 * the real SDK clients over HTTPS (the twin's CA via NODE_EXTRA_CA_CERTS, read at process start).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startEmulator } from '../emulator/index.js';
import type { TwinState } from '../emulator/src/contracts.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The bundle the runs execute: dist/index.js, or `AFA_DIST` (another build, e.g. for a before/after comparison). */
export const distEntry = process.env.AFA_DIST
  ? path.resolve(process.env.AFA_DIST)
  : path.join(repoRoot, 'dist/index.js');

export type Twin = Awaited<ReturnType<typeof startEmulator>>;

/** Loads a scenario from emulator/scenarios (a deep copy each time). */
export function scenario(name: string): TwinState {
  return JSON.parse(readFileSync(path.join(repoRoot, 'emulator/scenarios', `${name}.json`), 'utf8')) as TwinState;
}

/** The inputs a workflow would give for the scenarios' target (apim-x / orders / func-x). */
export function baseInputs(state: TwinState): Record<string, string> {
  const wi = state.workflowIdentity;
  const app = state.appRegistrations[0];
  return {
    'client-id': wi.clientId,
    'tenant-id': state.tenantId,
    'subscription-id': state.subscriptionId,
    'apim-name': 'apim-x',
    'apim-resource-group': 'rg-demo',
    'api-ids': 'orders',
    'function-app-name': 'func-x',
    'app-client-id': app.appId,
    'github-token': 'ghs_e2eTokenThatMustNeverBeLogged0123456789'
  };
}

/** action.yml defaults, applied the way the runner applies them (an INPUT_* for every input with a default). */
export function actionDefaults(): Record<string, string> {
  const doc = parseYaml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(doc.inputs)) {
    if (spec.default === undefined) continue;
    // The runner evaluates expressions; ${{ github.token }} has no value here.
    out[name] = String(spec.default).includes('${{') ? '' : String(spec.default);
  }
  return out;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Content of the report file the action wrote (output `summary-path`), '' when none. */
  reportFile: string;
  /** Every file the action could write to: stdout, stderr, outputs, summary, report file. */
  everything: string;
  ms: number;
}

/** Parses a GITHUB_OUTPUT file (`name<<delim\nvalue\ndelim` blocks, as @actions/core writes them). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const [, name, delim] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
    out[name] = value.join('\n');
  }
  return out;
}

/**
 * Runs dist/index.js with the twin's env plus `inputs` (as INPUT_*), and optionally the action.yml defaults.
 * @param opts.withDefaults apply action.yml defaults as the runner does (default true).
 * @param opts.node the Node binary (default: the one running the tests — Node 24 under `npm test`).
 * @param opts.keepFiles keep the run's temp folder (outputs, summary, report file); removed by default.
 * @param opts.twinEnv the twin's variables to run with instead of `twin.env` (e.g. `twin.proxy.env`: real hostnames
 *   through the twin's proxy, no endpoint overrides); `opts.env` still applies on top.
 * @param opts.entry the bundle to run instead of distEntry (e.g. a copy of dist/ with a chunk removed).
 */
export async function runAction(
  twin: Twin,
  inputs: Record<string, string>,
  opts: {
    withDefaults?: boolean;
    node?: string;
    env?: Record<string, string>;
    twinEnv?: Record<string, string>;
    keepFiles?: boolean;
    entry?: string;
  } = {}
): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'afa-e2e-'));
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary.md');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const all = { ...(opts.withDefaults === false ? {} : actionDefaults()), ...inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    ...(opts.twinEnv ?? twin.env),
    ...opts.env
  };
  for (const [k, v] of Object.entries(all)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const started = Date.now();
  const child = spawn(opts.node ?? process.execPath, [opts.entry ?? distEntry], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const ms = Date.now() - started;
  const outputs = parseOutputs(await readFile(outputFile, 'utf8'));
  const summary = await readFile(summaryFile, 'utf8');
  const reportFile =
    outputs['summary-path'] && existsSync(outputs['summary-path'])
      ? await readFile(outputs['summary-path'], 'utf8')
      : '';
  if (!opts.keepFiles) await rm(dir, { recursive: true, force: true });
  return {
    code,
    stdout,
    stderr,
    outputs,
    summary,
    reportFile,
    everything: [stdout, stderr, JSON.stringify(outputs), summary, reportFile].join('\n'),
    ms
  };
}

/** Requests the twin served that change something (ARM writes; not reads, token requests or list actions). */
export function armWrites(twin: Twin): { method: string; url: string; status: number }[] {
  return twin
    .requests()
    .filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method) && /\/subscriptions\//i.test(r.url));
}

export async function withTwin<T>(state: TwinState, f: (twin: Twin) => Promise<T>): Promise<T> {
  const twin = await startEmulator(state);
  try {
    return await f(twin);
  } finally {
    await twin.stop();
  }
}
