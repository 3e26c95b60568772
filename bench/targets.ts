/**
 * Many targets (`npm run bench`, or `npm run bench -- --only targets`): the bundled dist/index.js over a targets file
 * of N generated targets (emulator/src/scenario-gen.ts: distinct APIM services and Function Apps), `check` on in-sync
 * targets and `apply` on drifted ones, with BENCH_ARM_DELAY_MS (default 150) added to every ARM request by the twin.
 * Figures per run: wall time, ARM requests (and per target), all requests, peak RSS of the action's process (its
 * `process.resourceUsage().maxRSS` at exit, through a preloaded script), and how the wall time compares with:
 * - one target's wall time (the goal: 12 targets ≤ 3× one target with the defaults);
 * - the floor the ARM in-flight bound sets: (ARM requests × delay) ÷ arm-max-in-flight + one target's wall time (goal
 *   at 100 targets: within 1.3×), with `max-parallel` high enough that the in-flight bound is what limits.
 * Prints figures and the goals met or not; asserts nothing. BENCH_TARGETS (default `1,10,12,100`) picks the sizes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { generateTargets, targetsYaml } from '../emulator/src/scenario-gen.js';
import { baseInputs, runAction, scenario } from '../scripts/action-runner.js';

const ARM_DELAY_MS = Number(process.env.BENCH_ARM_DELAY_MS ?? 150);
const SIZES = (process.env.BENCH_TARGETS ?? '1,10,12,100').split(',').map(Number);
const IN_FLIGHT = 16;
/** `max-parallel` of the runs the in-flight bound should limit: twice the bound keeps its queue full. */
const BOUND_PARALLEL = Number(process.env.BENCH_BOUND_PARALLEL ?? 2 * IN_FLIGHT);

interface Case {
  mode: 'check' | 'apply';
  n: number;
  maxParallel: number;
}

interface Figures extends Case {
  code: number;
  ms: number;
  arm: number;
  all: number;
  rssMb: number;
  /** CPU time of the action's process (user + system), ms. */
  cpuMs: number;
  peakInFlight: number;
}

/**
 * ARM requests in flight at once at the twin, from the answer times it logged (`arm <METHOD> <url> -> <status>`):
 * with a fixed delay every ARM request was answered at least `delay` ms after it arrived, so it was in flight over
 * [answer − delay, answer]. A lower estimate of the true peak (the twin's own work is not counted).
 */
function peakInFlight(served: { at: number; line: string }[], delayMs: number): number {
  const events = served
    .filter((s) => s.line.startsWith('arm '))
    .flatMap((s) => [
      [s.at - delayMs, 1],
      [s.at, -1]
    ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (cur += d!));
  return peak;
}

async function once(c: Case): Promise<Figures> {
  const { state, targets } = generateTargets(scenario(c.mode === 'check' ? 'in-sync' : 'drifted'), c.n);
  const served: { at: number; line: string }[] = [];
  const twin = await startEmulator(state, { log: (line) => served.push({ at: Date.now(), line }) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'afa-bench-'));
  try {
    writeFileSync(path.join(dir, 'targets.yml'), targetsYaml(targets));
    const rssFile = path.join(dir, 'rss');
    const preload = path.join(dir, 'rss.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify([u.maxRSS, u.userCPUTime + u.systemCPUTime])); });\n`
    );
    twin.addFaults([{ match: { pathRegex: '^/subscriptions/' }, delayMs: ARM_DELAY_MS, times: 1e9 }]);
    const b = baseInputs(state);
    const r = await runAction(
      twin,
      {
        'client-id': b['client-id']!,
        'tenant-id': b['tenant-id']!,
        targets: 'targets.yml',
        mode: c.mode,
        'max-parallel': String(c.maxParallel),
        'arm-max-in-flight': String(IN_FLIGHT),
        'pr-comment': 'never'
      },
      { env: { GITHUB_WORKSPACE: dir, NODE_OPTIONS: `--require ${preload}` } }
    );
    const arm = twin.requests().filter((q) => new URL(q.url).pathname.startsWith('/subscriptions/')).length;
    const [rssKb, cpuUs] = JSON.parse(readFileSync(rssFile, 'utf8')) as [number, number];
    return {
      ...c,
      code: r.code,
      ms: r.ms,
      arm,
      all: twin.requests().length,
      rssMb: Math.round(rssKb / 1024),
      cpuMs: Math.round(cpuUs / 1000),
      peakInFlight: peakInFlight(served, ARM_DELAY_MS)
    };
  } finally {
    await twin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the many-target benchmark and prints its table and the goals. */
export async function benchTargets(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const goals: string[] = [];
  for (const mode of ['check', 'apply'] as const) {
    const one = await once({ mode, n: 1, maxParallel: 4 });
    const results: Figures[] = [one];
    for (const n of SIZES.filter((s) => s > 1)) {
      results.push(await once({ mode, n, maxParallel: 4 }));
      if (n >= 50) results.push(await once({ mode, n, maxParallel: BOUND_PARALLEL }));
    }
    for (const f of results) {
      const floor = (f.arm * ARM_DELAY_MS) / IN_FLIGHT + one.ms;
      rows.push({
        mode,
        targets: f.n,
        'max-parallel': f.maxParallel,
        exit: f.code,
        'wall ms': f.ms,
        '× one target': +(f.ms / one.ms).toFixed(2),
        'ARM req': f.arm,
        'ARM req/target': +(f.arm / f.n).toFixed(1),
        'all req': f.all,
        'peak ARM in flight': f.peakInFlight,
        'floor ms': Math.round(floor),
        '× floor': +(f.ms / floor).toFixed(2),
        'peak RSS MB': f.rssMb,
        'action CPU ms': f.cpuMs
      });
      if (f.n === 12 && f.maxParallel === 4) {
        goals.push(
          `${mode}: 12 targets = ${(f.ms / one.ms).toFixed(2)}× one target (goal ≤ 3): ${f.ms <= 3 * one.ms ? 'met' : 'NOT met'}`
        );
      }
      if (f.n >= 100 && f.maxParallel === BOUND_PARALLEL) {
        const ok = f.ms <= 1.3 * floor;
        goals.push(
          `${mode}: ${f.n} targets = ${(f.ms / floor).toFixed(2)}× the floor (goal ≤ 1.3): ${ok ? 'met' : 'NOT met'}`
        );
        const same = Math.abs(f.arm / f.n - one.arm) < 0.01;
        goals.push(
          `${mode}: ARM requests per target ${(f.arm / f.n).toFixed(1)} vs ${one.arm} for one (constant): ${same ? 'met' : 'NOT met'}`
        );
      }
      if (f.n >= 100)
        goals.push(
          `${mode}: ${f.n} targets, max-parallel ${f.maxParallel}: peak RSS ${f.rssMb} MB (goal ≤ 300): ${f.rssMb <= 300 ? 'met' : 'NOT met'}`
        );
    }
  }
  console.log(`Many targets: +${ARM_DELAY_MS} ms on every ARM request, arm-max-in-flight ${IN_FLIGHT}, one run each`);
  console.table(rows);
  for (const g of goals) console.log(`- ${g}`);
}
