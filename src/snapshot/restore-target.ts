/**
 * Restore inside the per-target flow (src/target.ts): the automatic one after a failed apply or failed smoke requests
 * (`on-failure: restore`), and `mode: restore` with `snapshot: <path>` (a later rollback by hand). Both put back
 * Easy Auth and the API policies from the target's snapshot through the guards of ./restore-plan.ts; the
 * system-assigned identity is never removed.
 */
import { targetResourceIds } from '../azure/arm.js';
import { validatedArmPort } from '../azure/validated-arm.js';
import { ActionError } from '../errors.js';
import { siteLabel } from '../observe.js';
import type { Logger } from '../ports.js';
import type { TargetPorts, TargetResult } from '../target.js';
import type { Settings, SmokeReport } from '../types.js';
import { describeRestore, restoreSnapshot, throwIfRefused, unreadRestore } from './restore.js';
import {
  describeTarget,
  foreignResources,
  parseSnapshot,
  snapshotTarget,
  targetDifferences,
  type RestoreReport
} from './schema.js';
import type { SnapshotSession } from './session.js';

/** What the automatic restore needs to know about the run so far. */
export interface FailureFacts {
  /** apply's error, when apply stopped on one. */
  applyError?: Error;
  smoke?: SmokeReport;
  /** Resolved `{{named values}}` of the policies (the run's reads), for the policy guard. */
  namedValues?: ReadonlyMap<string, string | undefined>;
}

/**
 * With `on-failure: restore`, after apply failed (having sent a write) or the smoke requests failed after apply: puts
 * the snapshot's Easy Auth and policies back. Returns the restore report, or undefined when nothing is to be done
 * (`keep`, no failure, no write sent). Never throws: a read that fails is the report's `problem` (nothing restored;
 * each resource still listed, see unreadRestore).
 */
export async function restoreOnFailure(
  settings: Settings,
  session: SnapshotSession | undefined,
  facts: FailureFacts,
  ports: TargetPorts
): Promise<RestoreReport | undefined> {
  if (settings.mode !== 'apply' || settings.onFailure !== 'restore' || !session?.wroteAnything) return undefined;
  const trigger = facts.applyError ? 'apply-failed' : facts.smoke?.result === 'failed' ? 'smoke-failed' : undefined;
  if (!trigger) return undefined;
  const why = trigger === 'apply-failed' ? 'apply failed after writes' : 'the smoke requests failed after apply';
  return group(ports.log, 'Restore (on-failure: restore)', async () => {
    ports.log.info(`on-failure: restore — ${why}; putting Easy Auth and the API policies back as they were.`);
    try {
      return await restoreSnapshot(session.snapshot, ports.arm, ports.log, {
        trigger,
        ...(facts.namedValues ? { namedValues: facts.namedValues } : {})
      });
    } catch (e) {
      const problem = `Nothing was restored: the fresh reads before the restore failed (${(e as Error).message}).`;
      ports.log.warning(problem);
      return unreadRestore(session.snapshot, trigger, problem);
    }
  });
}

/** The text added to the run's failure after an automatic restore: what was restored, and any problem. */
export function restoreSentence(report: RestoreReport): string {
  return `On failure (restore): ${describeRestore(report)}.${report.problem ? ` ${report.problem}` : ''}`;
}

/**
 * `mode: restore`: loads `settings.snapshotPath` (ports.snapshots), refuses before any write a file that is not a
 * snapshot of this schema version, of another target, or with a resource someone changed after this action's write
 * (ActionError "Nothing was changed: …"), then restores it. The report's verdict is `restored`, or `failed` when a
 * restore write failed (the report says what was and was not restored). `started`: ms since the epoch.
 */
export async function restoreTarget(settings: Settings, ports: TargetPorts, started: number): Promise<TargetResult> {
  const source = settings.snapshotPath;
  if (!source) {
    throw new ActionError(
      'Nothing was changed: mode restore needs input snapshot (the file output snapshot-path of the apply step named).'
    );
  }
  if (!ports.snapshots) throw new ActionError('Nothing was changed: no snapshot store to read the snapshot from.');
  const ids = targetResourceIds(settings, settings.apiIds);
  const arm = validatedArmPort(ports.arm, ids, settings.apimName, siteLabel(settings));
  const snapshot = parseSnapshot(await ports.snapshots.load(source), source);
  const differs = targetDifferences(snapshot.target, snapshotTarget(settings));
  if (differs.length) {
    throw new ActionError(
      `Nothing was changed: the snapshot ${source} is of another target (${describeTarget(snapshot.target)}); this ` +
        `step's target is ${describeTarget(snapshotTarget(settings))}. Differs: ${differs.join('; ')}.`
    );
  }
  const foreign = foreignResources(snapshot, ids);
  if (foreign.length) {
    throw new ActionError(
      `Nothing was changed: the snapshot ${source} holds resources that are not this target's: ${foreign.join(', ')}.`
    );
  }
  ports.log.info(
    `Restoring the snapshot ${source} taken ${snapshot.createdAt} by apim-function-auth ${snapshot.actionVersion}.`
  );
  const restore = await group(ports.log, 'Restore from snapshot', () =>
    restoreSnapshot(snapshot, arm, ports.log, { trigger: 'requested' })
  );
  throwIfRefused(restore, source);
  const failure = restore.problem ? `${restore.problem} ${capitalized(describeRestore(restore))}.` : undefined;
  return {
    report: {
      mode: 'restore',
      verdict: failure ? 'failed' : 'restored',
      target: { apim: settings.apimName, apis: settings.apiIds, functionApp: settings.functionAppName },
      applied: [],
      warnings: [...(settings.warnings ?? [])],
      error: failure,
      durationSeconds: (Date.now() - started) / 1000,
      snapshot: { path: source },
      restore
    },
    failed: Boolean(failure),
    ...(failure ? { failure } : {})
  };
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

async function group<T>(log: Logger, name: string, f: () => Promise<T>): Promise<T> {
  return log.group ? log.group(name, f) : f();
}
