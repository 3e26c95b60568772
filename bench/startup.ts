/**
 * Start-up part of `npm run bench` (issue "Fast and faithful" item 2): how long Node takes to start the bundle before
 * the action can send its first request, next to bare Node, and what the bundle is made of. Each start is a separate
 * process, as on a runner; no compile cache is used (a runner's job starts cold).
 *
 * - `bare node`: `node -e 0`.
 * - `check, to its first request`: a no-drift check against the twin (no added latency), from the spawn to the
 *   twin's answer to the run's first request (the GitHub OIDC token): loading index.js, reading the inputs and
 *   starting sign-in — the start-up every run pays before the network.
 * - `refused at its inputs`: `node dist/index.js` with no inputs, to its exit with the inputs error and its report
 *   (index.js and the report's chunk; no request).
 * - per file of dist/: its size and what it holds; the chunks (dist/<id>.index.js) are imported only by a run that
 *   uses them (src/azure/arm-pipeline.ts, src/azure/auth.ts, src/octokit.ts).
 *
 * Medians of BENCH_STARTUP_RUNS (default 15) alternating runs, in ms. Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { baseInputs, distEntry, runAction, scenario } from '../scripts/action-runner.js';
import { median } from './peer.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

/** What a chunk holds, by a string only that part's code contains. */
const PARTS: [marker: string, what: string, loadedBy: string][] = [
  ['azsdk-js-arm-apimanagement', '@azure/arm-apimanagement (typed APIM client)', 'the identity PATCH, listSecrets'],
  ['class ClientAssertionCredential', '@azure/identity + msal-node', 'sign-in (in parallel with the OIDC token)'],
  ['octokit-core.js', '@actions/github (Octokit)', 'a PR comment or drift issue'],
  ['is-inside-container', 'msal-node browser opener', 'never (interactive sign-in only)'],
  [
    'CONCATENATED MODULE: ./src/target.ts',
    'reconcile, policy engine, report (src/run-parts.ts)',
    'every run, before sign-in'
  ],
  ['class LineCounter', 'yaml, p-limit (split from run-parts by webpack)', 'with run-parts']
];

/** Wall time of one process, ms. */
function timed(args: string[]): number {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** ms from spawning a no-drift check to the twin's answer to its first request, and to the run's end. */
async function checkTimes(): Promise<{ first: number; end: number }[]> {
  const state = scenario('in-sync');
  const served: number[] = [];
  const twin = await startEmulator(state, { log: () => served.push(Date.now()) });
  const out: { first: number; end: number }[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      served.length = 0;
      const t = Date.now();
      const r = await runAction(twin, { ...baseInputs(state), mode: 'check', 'pr-comment': 'false' });
      if (r.code === 0 && served.length > 0) out.push({ first: served[0]! - t, end: r.ms });
    }
  } finally {
    await twin.stop();
  }
  return out;
}

/** Prints the start-up table and the bundle's files. */
export async function benchStartup(): Promise<void> {
  const bare: number[] = [];
  const refused: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(timed(['-e', '0']));
    refused.push(timed([distEntry]));
  }
  const checks = await checkTimes();
  const row = (process: string, xs: number[]) => ({ process, runs: xs.length, 'median ms': Math.round(median(xs)) });
  console.log(`\nstart-up (${RUNS} runs each, median; node ${process.version}; no compile cache)`);
  console.table([
    row('bare node (node -e 0)', bare),
    row(
      'check, to its first request (OIDC token answered)',
      checks.map((c) => c.first)
    ),
    row(
      'check, whole run (no drift, no added latency)',
      checks.map((c) => c.end)
    ),
    row('refused at its inputs (no inputs: index.js + report)', refused)
  ]);
  const dist = path.dirname(distEntry);
  const files = readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'xdg-open');
  console.table(
    files.map((f) => {
      const text = readFileSync(path.join(dist, f), 'utf8');
      const part = f === 'index.js' ? undefined : PARTS.find(([marker]) => text.includes(marker));
      return {
        file: f,
        KB: Math.round(text.length / 1024),
        holds: f === 'index.js' ? 'everything else' : (part?.[1] ?? '?'),
        'loaded by': f === 'index.js' ? 'every run' : (part?.[2] ?? '?')
      };
    })
  );
}
