/**
 * Executing a restore (issue "Snapshot and restore", items 2 and 3): read every resource of the snapshot now, plan
 * (./restore-plan.ts, pure), refuse everything before any write when one resource cannot be restored safely, then put
 * back Easy Auth and the policies in apply order — Easy Auth first, so callers are accepted again as early as possible
 * — each write read back and verified. A 412 (the policy's ETag is no longer the one this action's write returned)
 * stops the restore and says so; so does any other failure, with what was and was not restored.
 */
import { ActionError } from '../errors.js';
import { deepEqual } from '../json-path.js';
import { ArmError, type ArmPort, type Json, type Logger, type PolicyDocument } from '../ports.js';
import { policiesEquivalent } from '../policy/equivalent.js';
import {
  easyAuthRestoreProblems,
  IDENTITY_KEPT,
  planRestore,
  type CurrentDocs,
  type RestoreStep,
  type RestoreWrite
} from './restore-plan.js';
import type { PolicyDoc, RestoreItem, RestoreReport, RestoreState, Snapshot } from './schema.js';

/** The fresh reads a restore plans on: Easy Auth when the snapshot holds it, each snapshot policy (404 → none). */
export async function readCurrent(arm: ArmPort, snapshot: Snapshot): Promise<CurrentDocs> {
  const kinds = new Set(snapshot.resources.map((r) => r.kind));
  const apiIds = snapshot.resources.flatMap((r) => (r.kind === 'api-policy' ? [r.apiId] : []));
  const [easyAuth, policies] = await Promise.all([
    kinds.has('easy-auth') ? arm.getAuthSettingsV2() : undefined,
    Promise.all(apiIds.map(async (id) => [id, await arm.getApiPolicy(id)] as const))
  ]);
  return { ...(easyAuth ? { easyAuth } : {}), policies: Object.fromEntries(policies) };
}

/**
 * Restores `snapshot`: fresh reads, the plan, then the writes. When any resource is refused (changed after this
 * action's write, scrubbed copy, a guard), nothing is written and `problem` says why, per resource. Never throws for
 * a refused or failed write (the report says what happened); throws what a read throws (ArmError, ReadShapeError).
 * `namedValues`: resolved `{{named values}}` for the policy guard, when the caller has them.
 */
export async function restoreSnapshot(
  snapshot: Snapshot,
  arm: ArmPort,
  log: Logger,
  opts: { trigger: RestoreReport['trigger']; namedValues?: ReadonlyMap<string, string | undefined> }
): Promise<RestoreReport> {
  const current = await readCurrent(arm, snapshot);
  const steps = planRestore(snapshot, current, opts.namedValues, { recent: opts.trigger !== 'requested' });
  const refused = steps.filter((s) => s.action === 'refuse');
  if (refused.length) {
    const problem = `Nothing was restored: ${refused.map((s) => `${s.label}: ${s.reason}`).join('; ')}.`;
    log.warning(problem);
    const items = steps.map((s) => item(s, s.action === 'refuse' ? 'not-restored' : quietState(s), s.reason));
    return { trigger: opts.trigger, items, problem, refused: true };
  }
  return executeRestore(steps, arm, log, opts.trigger);
}

/**
 * The report of a restore whose fresh reads failed (nothing written): still one item per resource of `snapshot` — the
 * identity kept (when the run enabled it), each resource the run wrote not restored, each it did not write not
 * attempted — so the report says what stays as the run left it. `problem`: why (the read's error). Pure.
 */
export function unreadRestore(snapshot: Snapshot, trigger: RestoreReport['trigger'], problem: string): RestoreReport {
  const items = snapshot.resources.map((r): RestoreItem => {
    const base = { label: r.label, kind: r.kind, resourceId: r.resourceId };
    if (r.kind === 'apim-identity') {
      return { ...base, state: r.after ? 'kept' : 'unchanged', detail: r.after ? IDENTITY_KEPT : 'not written' };
    }
    if (!r.after) return { ...base, state: 'not-attempted', detail: 'no write of it was sent by this run' };
    return {
      ...base,
      state: 'not-restored',
      detail: 'left as the run wrote it: the fresh read before the restore failed'
    };
  });
  return { trigger, items, problem, refused: true };
}

/** The state of a step that writes nothing: kept (identity), unchanged, unknown (may still change), or not attempted. */
function quietState(s: RestoreStep): RestoreState {
  if (s.action === 'unsure') return 'unknown';
  return s.action === 'keep' ? 'kept' : s.action === 'unchanged' ? 'unchanged' : 'not-attempted';
}

function item(s: RestoreStep, state: RestoreState, detail: string): RestoreItem {
  return { label: s.label, kind: s.kind, resourceId: s.resourceId, state, detail };
}

/** A restore write's failure, with how far it got. */
class RestoreFailure extends Error {
  constructor(
    message: string,
    readonly state: RestoreState
  ) {
    super(message);
  }
}

/** Runs the steps in order; the first failure stops it (later writes: not attempted). */
async function executeRestore(
  steps: RestoreStep[],
  arm: ArmPort,
  log: Logger,
  trigger: RestoreReport['trigger']
): Promise<RestoreReport> {
  const items: RestoreItem[] = [];
  let problem: string | undefined;
  for (const s of steps) {
    if (s.action !== 'write' || !s.write) {
      const detail = s.action === 'keep' ? IDENTITY_KEPT : s.reason;
      items.push(item(s, quietState(s), detail));
      log.info(`${s.label}: ${s.action === 'keep' ? IDENTITY_KEPT : `not restored (${s.reason})`}`);
      continue;
    }
    if (problem) {
      items.push(item(s, 'not-attempted', 'not attempted after an earlier restore failure'));
      continue;
    }
    try {
      const detail = await restoreOne(s, s.write, arm);
      items.push(item(s, 'restored', detail));
      log.info(`${s.label}: restored (${detail})`);
    } catch (e) {
      const f = e instanceof RestoreFailure ? e : new RestoreFailure((e as Error).message, 'unknown');
      items.push(item(s, f.state, f.message));
      problem = `${s.label}: ${f.message}`;
      log.warning(`Restore stopped: ${problem}`);
    }
  }
  return { trigger, items, ...(problem ? { problem: `Restore stopped: ${problem}` } : {}) };
}

/** One restore write → read back → verify; returns the detail line, throws RestoreFailure. */
async function restoreOne(s: RestoreStep, w: RestoreWrite, arm: ArmPort): Promise<string> {
  if (w.op === 'put-authsettings-v2') {
    // authsettingsV2 has no ETag: read it again right before the PUT, and write only over what this action left.
    const again = await stage('not-restored', () => arm.getAuthSettingsV2());
    if (!deepEqual(again.properties, w.expect)) {
      throw new RestoreFailure(
        'changed by someone else a moment ago (no ETag to guard it): nothing overwritten',
        'not-restored'
      );
    }
    await send(() => arm.putAuthSettingsV2(w.body));
    const after = await stage('restored-unverified', () => arm.getAuthSettingsV2());
    const { problems, exact } = easyAuthRestoreProblems(s.before as Json, after);
    if (problems.length) throw new RestoreFailure(`read back differs at ${problems.join(', ')}`, 'restored-unverified');
    return exact ? 'read back equal to the document before the run (as JSON)' : 'read back as before the run';
  }
  if (w.op === 'delete-api-policy' && !arm.deleteApiPolicy) {
    throw new RestoreFailure('this ArmPort cannot delete a policy', 'not-restored');
  }
  if (w.op === 'delete-api-policy') await send(() => arm.deleteApiPolicy!(w.apiId, w.ifMatch));
  else await send(() => arm.putApiPolicy(w.apiId, w.value, w.ifMatch));
  const after = await stage('restored-unverified', () => arm.getApiPolicy(w.apiId));
  const problem = policyRestoreProblem((s.before as PolicyDoc).value, after);
  if (problem) throw new RestoreFailure(problem, 'restored-unverified');
  return w.op === 'delete-api-policy'
    ? 'the policy this action created was deleted (the API had none)'
    : 'read back equal to the policy before the run (after APIM save normalisation)';
}

/** The policy read back after a restore against the text before the run (undefined: none), or undefined when equal. */
function policyRestoreProblem(before: string | undefined, after: PolicyDocument | undefined): string | undefined {
  if (before === undefined) return after ? 'a policy is still there after the delete' : undefined;
  if (!after) return 'no policy after the restore';
  try {
    return policiesEquivalent(before, after.value) ? undefined : 'read back differs from the policy before the run';
  } catch {
    return 'the policy read back cannot be parsed';
  }
}

/** Runs a read; its failure becomes a RestoreFailure in `state`. */
async function stage<T>(state: RestoreState, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw e instanceof RestoreFailure ? e : new RestoreFailure(`read failed: ${(e as Error).message}`, state);
  }
}

/** Sends a restore write: a 412 means someone changed it since this action's write; a 4xx wrote nothing. */
async function send(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ArmError && e.status === 412 && !e.accepted) {
      throw new RestoreFailure(
        "changed by someone else since this action's write (ETag mismatch, 412): nothing was overwritten; the " +
          'snapshot still holds the document before the run',
        'not-restored'
      );
    }
    const clear = e instanceof ArmError && e.status >= 400 && e.status < 500 && !e.accepted;
    throw new RestoreFailure((e as Error).message, clear ? 'not-restored' : 'unknown');
  }
}

/** Items restored, for messages: `restored: A, B; kept: C (never removed); …`. */
export function describeRestore(report: RestoreReport): string {
  const by = (st: RestoreState) => report.items.filter((i) => i.state === st).map((i) => i.label);
  const parts = [
    `restored: ${by('restored').join(', ') || 'nothing'}`,
    ...(by('restored-unverified').length ? [`written, not verified: ${by('restored-unverified').join(', ')}`] : []),
    ...(by('unknown').length ? [`outcome unknown (check it): ${by('unknown').join(', ')}`] : []),
    ...(by('unchanged').length ? [`already as before: ${by('unchanged').join(', ')}`] : []),
    ...(by('not-restored').length ? [`not restored: ${by('not-restored').join(', ')}`] : []),
    ...(by('not-attempted').length ? [`not attempted: ${by('not-attempted').join(', ')}`] : []),
    ...(by('kept').length ? [`kept: ${by('kept').join(', ')} (a system-assigned identity is never removed)`] : [])
  ];
  return parts.join('; ');
}

/** Throws ActionError (nothing written) when a restore was refused before any write; names the snapshot. */
export function throwIfRefused(report: RestoreReport, source: string): void {
  if (report.refused) {
    const why = (report.problem ?? '').replace(/^Nothing was restored: /, '').replace(/\.$/, '');
    throw new ActionError(`Nothing was changed: the snapshot ${source} cannot be restored: ${why}.`);
  }
}
