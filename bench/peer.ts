/**
 * Peer comparison for `npm run bench` (issue "Fast and faithful" item 6): the action next to the Azure CLI doing the
 * same job (bench/az-peer.sh: sign in, the same reads, and in apply the same three writes), both unmodified against the
 * twin through its proxy (real hostnames, public-cloud defaults). Runs are paired and alternate which goes first
 * (action, az, then az, action, …), each on a fresh twin; az gets a fresh config dir each run (seeded before the clock
 * starts, scripts/az-cli.ts), so each signs in once per run, as the action does. Prints per-run wall times (ms, from
 * process start to exit), the medians and the ratio az / action. Checks that every run ended as expected (check on an
 * in-sync target: exit 0; apply on a drifted one: exit 0, and the action's check right after finds it in sync), and
 * says so when one did not. Skipped, with a message, when `az` is not installed.
 */
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { baseInputs, repoRoot, runAction, scenario, type Twin } from '../scripts/action-runner.js';
import { AZ_MISSING, azPath, azSession } from '../scripts/az-cli.js';

const PAIRS = Number(process.env.BENCH_PEER_PAIRS ?? 5);
const SCRIPT = path.join(repoRoot, 'bench/az-peer.sh');

interface PeerScenario {
  name: string;
  state: 'in-sync' | 'drifted';
  mode: 'check' | 'apply';
}
const SCENARIOS: PeerScenario[] = [
  { name: 'check, in sync', state: 'in-sync', mode: 'check' },
  { name: 'apply, drifted', state: 'drifted', mode: 'apply' }
];

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** After an apply: the action's check (through the proxy) finds nothing to change. */
async function inSyncAfter(twin: Twin, s: PeerScenario): Promise<boolean> {
  const state = scenario(s.state);
  const check = await runAction(
    twin,
    { ...baseInputs(state), mode: 'check', 'pr-comment': 'false' },
    { twinEnv: twin.proxy!.env }
  );
  return check.code === 0 && check.outputs.drift === 'false';
}

/** One timed run on a fresh twin; `problem` says what went wrong, if anything. */
async function once(s: PeerScenario, who: 'action' | 'az'): Promise<{ ms: number; problem?: string }> {
  const state = scenario(s.state);
  const twin = await startEmulator(state, { proxy: true });
  try {
    let ms: number;
    let code: number;
    let detail = '';
    if (who === 'action') {
      const r = await runAction(
        twin,
        { ...baseInputs(state), mode: s.mode, 'pr-comment': 'false' },
        { twinEnv: twin.proxy!.env }
      );
      ({ ms, code } = r);
      detail = r.stderr.slice(-300);
    } else {
      const session = azSession(twin);
      try {
        const wi = state.workflowIdentity;
        const r = await session.run('bash', [SCRIPT, s.mode], {
          ...twin.proxy!.env,
          ...session.env,
          CLIENT_ID: wi.clientId,
          TENANT_ID: state.tenantId,
          SUBSCRIPTION_ID: state.subscriptionId,
          RG: 'rg-demo',
          APIM: 'apim-x',
          API: 'orders',
          SITE: 'func-x',
          APP_CLIENT_ID: state.appRegistrations[0]!.appId
        });
        ({ ms, code } = r);
        detail = r.stderr.slice(-300);
        const left = session.guardLog();
        if (left.length) return { ms, problem: `az tried to leave loopback: ${left.join('; ')}` };
      } finally {
        session.cleanup();
      }
    }
    if (code !== 0) return { ms, problem: `${who} exited ${code}: ${detail}` };
    if (twin.proxy!.log().some((e) => e.status !== 200)) return { ms, problem: `${who}: the proxy refused a host` };
    if (s.mode === 'apply' && !(await inSyncAfter(twin, s)))
      return { ms, problem: `${who}: the action's check after the apply found drift` };
    return { ms };
  } finally {
    await twin.stop();
  }
}

/** Runs the comparison and prints it (or the reason it is skipped). */
export async function peerComparison(): Promise<void> {
  if (!azPath()) {
    console.log(`\npeer comparison (Azure CLI script): skipped — ${AZ_MISSING}`);
    return;
  }
  const rows = [];
  const problems: string[] = [];
  for (const s of SCENARIOS) {
    const times = { action: [] as number[], az: [] as number[] };
    for (let i = 0; i < PAIRS; i++) {
      const order: ('action' | 'az')[] = i % 2 === 0 ? ['action', 'az'] : ['az', 'action'];
      for (const who of order) {
        const r = await once(s, who);
        times[who].push(r.ms);
        if (r.problem) problems.push(`${s.name}, pair ${i + 1}: ${r.problem}`);
      }
    }
    const a = median(times.action);
    const z = median(times.az);
    rows.push({
      scenario: s.name,
      pairs: PAIRS,
      'action median ms': a,
      'az script median ms': z,
      'az / action': Number((z / a).toFixed(1)),
      'action runs ms': times.action.join(' '),
      'az runs ms': times.az.join(' ')
    });
  }
  console.log(`\npeer comparison: the action vs bench/az-peer.sh (Azure CLI), both through the twin's proxy`);
  console.table(rows);
  for (const p of problems) console.log(`PROBLEM ${p}`);
}
