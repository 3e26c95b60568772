/**
 * Executes a Plan's writes through the reconciler registry (src/reconcilers: APIM identity → Easy Auth → API
 * policies; DESIGN §1, field case C10). Per resource: refresh (a fresh read where the write needs one) → guard →
 * write → read back → verify. Stops at the first failure and says exactly what was changed, what was written but
 * could not be verified, what may or may not have been written, and what was not changed. No `if (check)` here:
 * check mode never calls this. Logic keys on `kind`, never on labels.
 */
import { BundleLoadError } from './bundle.js';
import { ActionError } from './errors.js';
import { ArmError, EARLIER_ATTEMPT_NOTE, type ArmPort, type Json, type Logger } from './ports.js';
import { reconcilerFor, type Rederive, type WriteBasis } from './reconcilers/index.js';
import { planBlockers } from './plan.js';
import type { Plan, ResourceKind, ResourcePlan, Write } from './types.js';

export type { WriteBasis } from './reconcilers/index.js';

/** What became of one resource's write. */
export type WriteState =
  /** written and read back as intended */
  | 'verified'
  /** nothing needed after earlier writes */
  | 'in-sync'
  /** the write was accepted, but the read-back failed or differed */
  | 'written-unverified'
  /** the write itself failed in a way that does not tell whether it was applied (5xx, timeout, network) */
  | 'unknown'
  /** refused before or by the write: nothing changed */
  | 'not-written';

export interface AppliedItem {
  label: string;
  kind: ResourceKind;
  ok: boolean;
  state: WriteState | 'not-attempted';
  detail?: string;
}

export interface ApplyOutcome {
  /** Resources handled, in order; the last one has `ok: false` when a failure stopped the run. */
  applied: AppliedItem[];
  /** Labels of resources with a planned change that were not attempted because an earlier one failed. */
  notApplied: string[];
  /** Their kinds, in the same order. */
  notAppliedKinds: ResourceKind[];
  /** The failure, when one happened; nothing after it was attempted. */
  error?: Error;
  /** APIM's system-assigned principalId after the identity step (when it ran). */
  apimPrincipalId?: string;
  /** Number of ARM writes sent. */
  writes: number;
  /** Easy Auth plans merged again into a fresh read right before the write, as executed. */
  replanned: ResourcePlan[];
}

export interface ApplyDeps {
  arm: ArmPort;
  log: Logger;
  /**
   * Reads the Easy Auth document (and what its plan depends on: APIM's principalId and client ID) again and plans
   * it again. Called right before every Easy Auth write, so the merge goes into the document as it is now — after the
   * identity write (C10) and after any change someone made since the plan (authsettingsV2 has no ETag to guard a PUT).
   */
  rederive: Rederive;
  /** The reads the writes were planned on (for the write guard). */
  basis: WriteBasis;
  /**
   * Called once per resource whose write was sent, after its outcome is known (verified, written but not verified, or
   * unknown): the snapshot records what each write left (src/snapshot). An error it throws is logged, never fatal.
   */
  onWritten?: (record: WriteRecord) => Promise<void> | void;
}

/** What one sent write left, for the snapshot: the write, the document it was merged into, ARM's answers. */
export interface WriteRecord {
  rp: ResourcePlan;
  write: Write;
  /** The fresh read the write was merged into and guarded against (`{}` for a policy: it carries If-Match). */
  fresh: Json;
  /** The write's response (Easy Auth: the body; policy: the document with the ETag ARM returned), when it answered. */
  response?: unknown;
  /** The read-back, when it succeeded. */
  readBack?: unknown;
  state: Exclude<WriteState, 'in-sync' | 'not-written'>;
}

/** Carries how far a write got when an error interrupted it. */
class StagedError extends Error {
  constructor(
    readonly cause: unknown,
    readonly state: WriteState
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Applies every resource plan that has a `write` (or a deferred one). Never throws for a failed write: the outcome
 * carries the error and what was and was not changed. Throws ActionError only for a plan with errors (nothing is
 * attempted then; planBlockers decides).
 */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyOutcome> {
  const broken = planBlockers(plan);
  if (broken.length) {
    throw new ActionError(`Refusing to apply: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`);
  }
  const planned = plan.resources.filter((r) => r.write || r.deferredUntil);
  const outcome: ApplyOutcome = { applied: [], notApplied: [], notAppliedKinds: [], writes: 0, replanned: [] };
  for (let i = 0; i < planned.length; i++) {
    const progress: Progress = { sent: false, acknowledged: false };
    let rp = planned[i];
    try {
      // A resource every target on the APIM service shares: its re-read, write and read-back in one go per service.
      const shared = reconcilerFor(rp.kind).perApimService ? deps.arm.exclusiveApimUpdate?.bind(deps.arm) : undefined;
      const one = async (): Promise<void> => {
        const ready = await prepare(rp, deps, outcome);
        rp = ready.rp;
        if (ready.apimPrincipalId) outcome.apimPrincipalId ??= ready.apimPrincipalId;
        if (!rp.write) {
          outcome.applied.push({
            label: rp.label,
            kind: rp.kind,
            ok: true,
            state: 'in-sync',
            detail: 'already in sync'
          });
          return;
        }
        progress.fresh = ready.fresh;
        const detail = await execute(rp, ready.fresh, deps, outcome, progress);
        outcome.applied.push({ label: rp.label, kind: rp.kind, ok: true, state: 'verified', detail });
        deps.log.info(`${rp.label}: applied (${rp.changes.map((c) => c.path).join(', ')}); ${detail}`);
      };
      await (shared ? shared(one) : one());
      await recordWrite(deps, rp, progress, 'verified'); // nothing when no write was sent (in sync)
    } catch (e) {
      const staged = e instanceof StagedError ? e : new StagedError(e, stateAfter(progress));
      await recordWrite(deps, rp, progress, staged.state);
      const error = explainWriteError(rp, staged.cause, staged.state);
      outcome.applied.push({ label: rp.label, kind: rp.kind, ok: false, state: staged.state, detail: error.message });
      outcome.notApplied = planned.slice(i + 1).map((r) => r.label);
      outcome.notAppliedKinds = planned.slice(i + 1).map((r) => r.kind);
      outcome.error = error;
      return outcome;
    }
  }
  return outcome;
}

/**
 * Before a write: the reconciler's fresh read (and, for Easy Auth, the plan merged again into it). Throws a
 * not-written StagedError when the re-planned resource cannot be written now.
 */
async function prepare(
  planned: ResourcePlan,
  deps: ApplyDeps,
  outcome: ApplyOutcome
): Promise<{ rp: ResourcePlan; fresh: Json; apimPrincipalId?: string }> {
  const r = reconcilerFor(planned.kind);
  if (!r.refresh || (!planned.write && !planned.deferredUntil)) return { rp: planned, fresh: {} };
  const again = await stage('not-written', () => r.refresh!(deps.arm, planned, deps.rederive));
  if (!again.plan) return { rp: planned, fresh: again.fresh };
  const rp = again.plan;
  const principal = again.apimPrincipalId ? { apimPrincipalId: again.apimPrincipalId } : {};
  if (!rp.write && !rp.deferredUntil && !rp.error) {
    deps.log.info(
      `${rp.label}: already as planned when read again right before the write (changed since it was read); nothing to write.`
    );
  } else if (JSON.stringify(rp.changes) !== JSON.stringify(planned.changes) && !planned.deferredUntil) {
    deps.log.info(`${rp.label}: changed since it was read; merged again into the current document.`);
  }
  outcome.replanned.push(rp);
  if (rp.error) throw new StagedError(new ActionError(rp.error, rp.resourceId), 'not-written');
  if (rp.deferredUntil) {
    // Still waiting for APIM's principalId after the identity step: writing now would leave the caller allow-list
    // without APIM (any tenant token would pass). Refuse this write.
    const why = "APIM's system-assigned principalId is still unknown after the identity step";
    throw new StagedError(
      new ActionError(
        `${rp.label}: ${why}; it is not written without it (the caller allow-list would be incomplete).`,
        rp.resourceId
      ),
      'not-written'
    );
  }
  return { rp, fresh: again.fresh, ...principal };
}

/**
 * How far one resource's write got: `sent` once the request is on its way (from then on a failure is at best
 * "outcome unknown"), `acknowledged` once ARM answered 2xx (then at worst "written, not verified").
 */
interface Progress {
  sent: boolean;
  acknowledged: boolean;
  /** What the snapshot records (WriteRecord): the fresh read, the write's response, the read-back. */
  fresh?: Json;
  response?: unknown;
  readBack?: unknown;
}

/** Hands a sent write's outcome to `deps.onWritten` (nothing when the write was never sent). Never throws. */
async function recordWrite(deps: ApplyDeps, rp: ResourcePlan, p: Progress, state: WriteState): Promise<void> {
  if (!deps.onWritten || !p.sent || !rp.write || state === 'in-sync' || state === 'not-written') return;
  try {
    await deps.onWritten({
      rp,
      write: rp.write,
      fresh: p.fresh ?? {},
      response: p.response,
      readBack: p.readBack,
      state
    });
  } catch (e) {
    deps.log.warning(`${rp.label}: the write could not be recorded in the snapshot: ${(e as Error).message}`);
  }
}

/** The state an unexpected error leaves a resource in, from how far its write got. */
function stateAfter(p: Progress): WriteState {
  return p.acknowledged ? 'written-unverified' : p.sent ? 'unknown' : 'not-written';
}

/** Runs `f`; an error it throws is tagged with `state` (how far the write got). */
async function stage<T>(state: WriteState, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw e instanceof StagedError ? e : new StagedError(e, state);
  }
}

/**
 * The outcome of a failed write call: a 2xx whose body could not be read → written, not verified; accepted (202) and
 * then a failed poll → unknown; refused (4xx) → not written; the write's client could not be loaded (a damaged
 * bundle, ./bundle.ts) → not written; anything else (5xx, timeout, network) → unknown.
 */
function writeFailureState(e: unknown): WriteState {
  // The write's client could not be loaded (../bundle.ts): the request was never sent.
  if (e instanceof BundleLoadError) return 'not-written';
  if (!(e instanceof ArmError)) return 'unknown';
  if (e.status >= 200 && e.status < 300) return 'written-unverified';
  if (e.accepted) return 'unknown';
  return e.status >= 400 && e.status < 500 ? 'not-written' : 'unknown';
}

async function write<T>(progress: Progress, f: () => Promise<T>): Promise<T> {
  progress.sent = true;
  try {
    const r = await f();
    progress.acknowledged = true;
    return r;
  } catch (e) {
    throw new StagedError(e, writeFailureState(e));
  }
}

/** Guard → write → read back → verify, through the resource's reconciler; returns the detail line. */
async function execute(
  rp: ResourcePlan,
  fresh: Json,
  deps: ApplyDeps,
  outcome: ApplyOutcome,
  progress: Progress
): Promise<string> {
  const r = reconcilerFor(rp.kind);
  const w = rp.write!;
  const refused = r.guard(w, fresh, deps.basis);
  if (refused.length) {
    const message =
      `write refused by the guard: the outgoing body differs from the fresh read outside the paths this ` +
      `action owns (${refused.join('; ')}). This is a bug in the action; please report it.`;
    throw new StagedError(new ActionError(message, rp.resourceId), 'not-written');
  }
  outcome.writes++;
  progress.response = await write(progress, () => r.write(deps.arm, w));
  const after = await stage('written-unverified', () => r.readBack(deps.arm, w));
  progress.readBack = after;
  const verified = r.verify(after, w, fresh, deps.basis);
  if (verified.apimPrincipalId) outcome.apimPrincipalId = verified.apimPrincipalId;
  if (verified.problems.length) {
    throw new StagedError(new ActionError(verified.problems.join('; '), rp.resourceId), 'written-unverified');
  }
  return verified.detail;
}

/** Adds the resource, how far the write got, and what the user can do, to a failed write's message. */
function explainWriteError(rp: ResourcePlan, e: unknown, state: WriteState): Error {
  const how =
    state === 'written-unverified'
      ? ' (the write was accepted; its read-back failed)'
      : state === 'unknown'
        ? ' (the write may or may not have been applied)'
        : '';
  if (e instanceof ArmError && state === 'not-written') {
    if (e.status === 412) {
      return new ActionError(
        `${rp.label}: changed by someone else since it was read (ETag mismatch, 412). Nothing was overwritten; re-run.`,
        rp.resourceId
      );
    }
    if (e.status === 403) {
      return new ActionError(
        `${rp.label}: the workflow identity may not write ${rp.resourceId} (${e.code ?? '403'}). ` +
          'Assign it a role that allows the write over that scope (e.g. "API Management Service Contributor" on the APIM ' +
          'service, "Website Contributor" on the Function App).',
        rp.resourceId
      );
    }
  }
  if (e instanceof ArmError) {
    // Said once: the transport's note already says the write may have been applied.
    const said = e.message.endsWith(EARLIER_ATTEMPT_NOTE);
    return new ActionError(`${rp.label}: ${e.message}${said ? '' : how}`, rp.resourceId);
  }
  const message = (e instanceof Error ? e.message : String(e)) || 'unknown error (no message)';
  return new ActionError(`${rp.label}: ${message}${how}`, rp.resourceId);
}

/**
 * "Changed: …. Written but not verified: …. Outcome unknown: …. Not changed: …." — what a failed apply did, from the
 * write states, so a reader knows what to look at (DESIGN: a failure midway says what was and was not changed) —
 * followed by {@link outcomeHint} when there is one.
 */
export function describeOutcome(outcome: ApplyOutcome): string {
  const by = (st: string[]) => outcome.applied.filter((a) => a.state && st.includes(a.state)).map((a) => a.label);
  const parts = [
    `Changed: ${by(['verified']).join(', ') || 'nothing'}.`,
    ...(by(['written-unverified']).length
      ? [`Written but not verified: ${by(['written-unverified']).join(', ')}.`]
      : []),
    ...(by(['unknown']).length ? [`Outcome unknown (check it): ${by(['unknown']).join(', ')}.`] : []),
    `Not changed: ${[...by(['not-written']), ...outcome.notApplied].join(', ') || 'nothing'}.`
  ];
  const hint = outcomeHint(outcome);
  if (hint) parts.push(hint);
  return parts.join(' ');
}

/**
 * What a failed apply means for calls through APIM, when the write states imply something: Easy Auth may require a
 * token that the API policy does not send yet (the policy write failed or was not attempted). `undefined` otherwise.
 */
export function outcomeHint(outcome: ApplyOutcome): string | undefined {
  const easyAuthOn = outcome.applied.some((a) => a.kind === 'easy-auth' && a.state !== 'not-written');
  const policyMissed = [
    ...outcome.applied.filter((a) => !a.ok).map((a) => a.kind),
    ...outcome.notAppliedKinds
  ].includes('api-policy');
  if (!easyAuthOn || !policyMissed) return undefined;
  return (
    'If the Easy Auth change took effect, it requires a token that the API policy does not send yet: calls through ' +
    'APIM may get 401 until a re-run writes the policy.'
  );
}
