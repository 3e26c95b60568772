/**
 * Runs the smoke checks inside one shared budget, retrying each while its failure may still be propagating (C17),
 * and reports them. HTTP and tokens only through the ports; `sleep`/`now` are injectable.
 */
import pRetry, { AbortError } from 'p-retry';
import { ActionError } from '../errors.js';
import { scrub, scrubDeep } from '../secrets.js';
import type { SmokeCheckResult, SmokeReport, SmokeSettings } from '../types.js';
import { backoffDelayMs, DEFAULT_BACKOFF } from './budget.js';
import { smokeChecks, smokeSender, type CheckSpec } from './checks.js';
import type { Backoff, Classification, SmokeAttempt, SmokeContext, SmokePorts } from './types.js';
import { excludedPathConflict } from './urls.js';

export const PROPAGATION_NOTE =
  'Role or claim changes can take up to 24 h to show: APIM caches the managed-identity token until it expires and ' +
  'the managed-identity service caches tokens for up to 24 h.';

/** Thrown inside the retry loop when an attempt did not pass (its result is kept aside). */
class CheckFailed extends Error {
  constructor() {
    super('smoke check did not pass');
    this.name = 'CheckFailed';
  }
}

/** The time side of a run: the clock, the wait, the backoff, and when the budget ends (`deadline`, ms). */
interface Budget {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  backoff: Backoff;
  deadline: number;
  /** `settings.timeoutSeconds`: ≤ 0 means one attempt per check, no retry budget. */
  seconds: number;
  /** Progress after each attempt (never throws: see report). */
  report: (attempt: Omit<SmokeAttempt, 'text' | 'remainingMs' | 'budgetSeconds'>) => void;
}

/**
 * Runs the smoke checks (sequentially, inside ONE shared budget of `settings.timeoutSeconds` s) and reports them.
 *
 * - `settings.path` empty → `{result: 'skipped'}` with a note; nothing is sent.
 * - Each check is retried with exponential backoff (`ports.backoff`, default 1 s ×2 up to 30 s; waits through
 *   `ports.sleep`, clamped to the remaining budget) while its failure may still be propagating (C17). Attempts and
 *   elapsed seconds are recorded per check; every check gets at least one attempt. When the budget is spent with
 *   a check still failing, the report is `failed` with each check's last result and a "not yet propagated" note.
 * - Each request is sent with `timeoutMs` = `requestTimeoutMs` (./budget.ts: min(15 s, remaining budget), at least 1 s;
 *   15 s when the budget is 0), so a request never runs far past the budget; a timeout is reported as
 *   `timed out after N s` (retried while budget remains), other network failures as `network error (…)`.
 * - Gateway checks run per API; direct checks once per distinct backend URL; the foreign-token check only with
 *   `allowedCallers: 'apim-only'`.
 * - The subscription key and tokens never appear in the report (all strings are scrubbed).
 *
 * @throws ActionError when the smoke path falls under an Easy Auth excluded path (C14) — main should have called
 *   {@link excludedPathConflict} before any write.
 */
export async function runSmoke(settings: SmokeSettings, ctx: SmokeContext, ports: SmokePorts): Promise<SmokeReport> {
  if (!settings.path) {
    return { result: 'skipped', checks: [], notes: ['smoke-path is empty: smoke checks skipped.'] };
  }
  for (const t of ctx.targets) {
    const conflict = excludedPathConflict(t.serviceUrl, settings.path, ctx.excludedPaths);
    if (conflict) throw new ActionError(conflict);
  }
  const secrets: string[] = ctx.subscriptionKey ? [ctx.subscriptionKey] : [];
  const budget = startBudget(ports, settings.timeoutSeconds, secrets);
  const send = smokeSender(ports.http, settings.method || 'GET', budget.now, budget.deadline, budget.seconds);
  const specs = smokeChecks(settings, ctx, { send, tokens: ports.tokens, secrets });
  const checks: SmokeCheckResult[] = [];
  let budgetSpent = false;
  for (const spec of specs) {
    const { check, exhausted } = await runCheck(spec, budget);
    if (exhausted) budgetSpent = true;
    checks.push(check);
  }
  const passed = checks.every((c) => c.passed);
  const notes = smokeNotes(checks, budgetSpent, settings.timeoutSeconds, ctx.changedNow);
  const report: SmokeReport = { result: passed ? 'passed' : 'failed', checks, notes };
  return scrubDeep(report, secrets);
}

/**
 * The budget of a run starting now: `timeoutSeconds` (negative counts as 0) from the ports' clock, and the progress
 * reporter over `ports.onAttempt` (its texts scrubbed of `secrets`; its exceptions swallowed).
 */
function startBudget(ports: SmokePorts, timeoutSeconds: number, secrets: readonly string[]): Budget {
  const now = ports.now ?? (() => Date.now());
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoff = ports.backoff ?? DEFAULT_BACKOFF;
  const deadline = now() + Math.max(0, timeoutSeconds) * 1000;
  const onAttempt = ports.onAttempt;
  const report: Budget['report'] = (a) => {
    if (!onAttempt) return;
    const full = { ...a, remainingMs: Math.max(0, deadline - now()), budgetSeconds: Math.max(0, timeoutSeconds) };
    const attempt: SmokeAttempt = scrubDeep({ ...full, text: attemptText(full) }, [...secrets]);
    try {
      onAttempt(attempt);
    } catch {
      // Progress is for people; it never changes a check's result.
    }
  };
  return { now, sleep, backoff, deadline, seconds: timeoutSeconds, report };
}

/**
 * One attempt as a log line: the check (and API), the attempt number, what it got, and what happens next — the wait
 * before the next attempt and the time left in the budget, or why there is none. E.g.
 * `smoke gateway (orders) attempt 2: got 401 (Bearer challenge); next attempt in 4 s, 286 s of 300 s left`,
 * `smoke gateway (orders) attempt 3: got 200, passed (283 s of 300 s left)`,
 * `smoke direct-no-token attempt 1: got 200, failed (not retried: not a propagation delay)`.
 */
export function attemptText(a: Omit<SmokeAttempt, 'text'>): string {
  const what = `smoke ${a.check}${a.api !== undefined ? ` (${a.api})` : ''} attempt ${a.attempt}: got ${a.got}`;
  const left = a.budgetSeconds > 0 ? `${secsText(a.remainingMs)} of ${a.budgetSeconds} s left` : 'no retry budget';
  if (a.passed) return scrub(`${what}, passed (${left})`);
  if (a.nextWaitMs !== undefined) return scrub(`${what}; next attempt in ${secsText(a.nextWaitMs)}, ${left}`);
  if (a.final === 'budget-spent') {
    return scrub(`${what}, failed (${a.budgetSeconds > 0 ? `smoke budget of ${a.budgetSeconds} s spent` : left})`);
  }
  return scrub(`${what}, failed (not retried: not a propagation delay)`);
}

/** Milliseconds as whole seconds, or tenths below 10 s (`4 s`, `0.5 s`). */
function secsText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return `${s >= 10 || Number.isInteger(s) ? Math.round(s) : s.toFixed(1)} s`;
}

/**
 * Runs one check to its result: attempts until it passes, fails for good, or the budget ends. `exhausted`: the
 * budget ran out with the check still failing in a way that may be propagating.
 */
async function runCheck(spec: CheckSpec, budget: Budget): Promise<{ check: SmokeCheckResult; exhausted: boolean }> {
  const started = budget.now();
  const { last, attempts } = await attemptCheck(spec, budget);
  const c = last ?? { passed: false, got: 'not run', retry: false };
  const seconds = Math.round((budget.now() - started) / 100) / 10;
  const exhausted = !c.passed && c.retry && budget.now() >= budget.deadline && budget.seconds > 0;
  return { check: checkResult(spec, c, attempts, seconds, exhausted ? budget.seconds : undefined), exhausted };
}

/** The attempts of one check, with backoff waits clamped to the budget; returns the last verdict and the count. */
async function attemptCheck(
  spec: CheckSpec,
  budget: Budget
): Promise<{ last: Classification | undefined; attempts: number }> {
  const { now, sleep, backoff, deadline } = budget;
  const waitBefore = (attemptNumber: number): number =>
    Math.max(0, Math.min(backoffDelayMs(attemptNumber - 1, backoff), deadline - now()));
  let attempts = 0;
  let last: Classification | undefined;
  try {
    await pRetry(
      async (attemptNumber: number) => {
        if (attemptNumber > 1) await sleep(waitBefore(attemptNumber));
        attempts = attemptNumber;
        last = await spec.attempt();
        const base = {
          check: spec.name,
          ...(spec.api !== undefined ? { api: spec.api } : {}),
          attempt: attemptNumber,
          got: last.got,
          passed: last.passed
        };
        if (last.passed) {
          budget.report(base);
          return;
        }
        if (!last.retry) {
          budget.report({ ...base, final: 'not-retryable' });
          throw new AbortError(new CheckFailed());
        }
        // The same test p-retry's shouldRetry makes next: another attempt only while the budget lasts.
        if (now() < deadline) budget.report({ ...base, nextWaitMs: waitBefore(attemptNumber + 1) });
        else budget.report({ ...base, final: 'budget-spent' });
        throw new CheckFailed();
      },
      // p-retry drives the attempts; waits happen above through the injected sleep, so its own delay is 0.
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        shouldRetry: () => now() < deadline
      }
    );
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err; // a bug, not a check result
  }
  return { last, attempts };
}

/**
 * One check's line in the report. `spentBudgetSeconds` (given when the budget ran out with the check still failing
 * in a way that may be propagating, C17) puts "not yet propagated" in the check's own diagnosis, which is what the
 * step's failure message quotes, with its last status.
 */
function checkResult(
  spec: CheckSpec,
  c: Classification,
  attempts: number,
  seconds: number,
  spentBudgetSeconds: number | undefined
): SmokeCheckResult {
  const diagnosis =
    spentBudgetSeconds !== undefined
      ? `not yet propagated (smoke budget of ${spentBudgetSeconds} s spent; last ${c.got} after ` +
        `${attempts} attempt${attempts === 1 ? '' : 's'} / ${seconds} s)${c.diagnosis ? `: ${c.diagnosis}` : ''}`
      : c.diagnosis;
  return {
    name: spec.name,
    expected: spec.expected,
    got: c.got,
    passed: c.passed,
    attempts,
    seconds,
    ...(diagnosis && !c.passed ? { diagnosis } : {}),
    ...(c.layer ? { layer: c.layer } : {}),
    ...(spec.api !== undefined ? { api: spec.api } : {})
  };
}

/** Notes on the run: checks that passed only after retries, a spent budget, and the token-cache note. */
function smokeNotes(
  checks: SmokeCheckResult[],
  budgetSpent: boolean,
  timeoutSeconds: number,
  changedNow: boolean | undefined
): string[] {
  const notes: string[] = [];
  for (const c of checks) {
    if (c.passed && c.attempts > 1) {
      notes.push(`${label(c)} ${c.got} after ${c.attempts} attempts / ${c.seconds} s`);
    }
  }
  if (budgetSpent) {
    notes.push(
      `not yet propagated: the smoke budget of ${timeoutSeconds} s is spent; last result per check: ` +
        checks.map((c) => `${label(c)} ${c.got}`).join('; ') +
        '. Easy Auth changes can take up to ~30 min to reach the workers: re-run later or raise smoke-timeout-seconds.'
    );
  }
  if (changedNow !== false) notes.push(PROPAGATION_NOTE);
  return notes;
}

function label(c: SmokeCheckResult): string {
  return c.api !== undefined ? `${c.name}[${c.api}]` : c.name;
}
