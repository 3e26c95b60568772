/**
 * Start-up part of `npm run bench` (issue "Fast and faithful" item 2): how long Node takes to start the bundle before
 * the action can send its first request, next to bare Node, and what the bundle is made of. Each start is a separate
 * process, as on a runner; no compile cache is used (a runner's job starts cold).
 *
 * - `bare node`: `node -e 0`.
 * - `bundle, to first work`: `node dist/index.js` with no inputs — it loads index.js, reads the inputs and exits with
 *   the inputs error, before any request: the start-up every run pays.
 * - per file of dist/: its size and what it holds; the chunks (dist/<id>.index.js) are imported only by a run that
 *   uses them (src/azure/arm-pipeline.ts, src/azure/auth.ts, src/octokit.ts).
 *
 * Medians of BENCH_STARTUP_RUNS (default 15) alternating runs, in ms. Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { distEntry } from '../scripts/action-runner.js';
import { median } from './peer.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

/** What a chunk holds, by a string only that part's code contains. */
const PARTS: [marker: string, what: string, loadedBy: string][] = [
  ['azsdk-js-arm-apimanagement', '@azure/arm-apimanagement (typed APIM client)', 'the identity PATCH, listSecrets'],
  ['class ClientAssertionCredential', '@azure/identity + msal-node', 'sign-in (in parallel with the OIDC token)'],
  ['octokit-core.js', '@actions/github (Octokit)', 'a PR comment or drift issue'],
  ['is-inside-container', 'msal-node browser opener', 'never (interactive sign-in only)']
];

/** Wall time of one process, ms. */
function timed(args: string[]): number {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Prints the start-up table and the bundle's files. */
export function benchStartup(): void {
  const bare: number[] = [];
  const bundle: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(timed(['-e', '0']));
    bundle.push(timed([distEntry]));
  }
  console.log(`\nstart-up (${RUNS} alternating runs each, median; node ${process.version}; no compile cache)`);
  console.table([
    { process: 'bare node (node -e 0)', 'median ms': Math.round(median(bare)) },
    { process: 'bundle, to first work (no inputs)', 'median ms': Math.round(median(bundle)) },
    { process: 'bundle start − bare node', 'median ms': Math.round(median(bundle) - median(bare)) }
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
