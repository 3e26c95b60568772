/**
 * Executes a Plan's writes, in the plan's order (APIM identity → Easy Auth → API policies; DESIGN §1, field case
 * C10), reads back each written resource and fails when the owned fields are not what was written. Stops at the
 * first failure and says what was and was not changed. No `if (check)` here: check mode never calls this.
 */
import { ActionError } from './errors.js';
import { ArmError, type ArmPort, type Json, type Logger } from './ports.js';
import { ownedState, policiesEquivalent } from './policy/index.js';
import { verifyEasyAuthReadBack } from './resources/easy-auth.js';
import type { Plan, ResourcePlan, Write } from './types.js';

export interface AppliedItem {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface ApplyOutcome {
  /** Resources written and verified (ok), then at most one that failed (ok: false). */
  applied: AppliedItem[];
  /** Labels of resources with a planned change that were not written because an earlier one failed. */
  notApplied: string[];
  /** The failure, when one happened; nothing after it was written. */
  error?: Error;
  /** APIM's system-assigned principalId after the identity step (when it ran). */
  apimPrincipalId?: string;
  /** Number of ARM writes made. */
  writes: number;
  /** Resource plans re-derived after earlier writes (deferred ones), as executed. */
  replanned: ResourcePlan[];
}

export interface ApplyDeps {
  arm: ArmPort;
  log: Logger;
  /** authsettingsV2 document as observed before the plan was made (for the read-back comparison, C07). */
  easyAuthBefore: Json;
  /** The `resource` the policies must carry (for the read-back check). */
  tokenResource: string;
  /**
   * Re-plans a resource whose write depends on an earlier write (`deferredUntil`), re-reading what it needs.
   * Returns the new ResourcePlan and the document it was planned from.
   */
  rederive(resource: ResourcePlan): Promise<{ plan: ResourcePlan; before: Json }>;
}

/**
 * Applies every resource plan that has a `write`. Never throws for a failed write: the outcome carries the error,
 * the list of what was changed and what was not. Throws only ActionError for a plan with errors (never executed).
 */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyOutcome> {
  const planned = plan.resources.filter((r) => r.write || r.deferredUntil);
  const broken = plan.resources.filter((r) => r.error);
  if (broken.length) {
    throw new ActionError(`Refusing to apply: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`);
  }
  const outcome: ApplyOutcome = { applied: [], notApplied: [], writes: 0, replanned: [] };
  for (let i = 0; i < planned.length; i++) {
    let rp = planned[i];
    let before = deps.easyAuthBefore;
    try {
      if (rp.deferredUntil) {
        const again = await deps.rederive(rp);
        rp = again.plan;
        before = again.before;
        outcome.replanned.push(rp);
        if (rp.error) throw new ActionError(`${rp.label}: ${rp.error}`, rp.resourceId);
      }
      if (!rp.write) {
        outcome.applied.push({ label: rp.label, ok: true, detail: 'already in sync after earlier writes' });
        continue;
      }
      const detail = await execute(rp, rp.write, before, deps, outcome);
      outcome.applied.push({ label: rp.label, ok: true, detail });
      deps.log.info(`${rp.label}: applied (${rp.changes.map((c) => c.path).join(', ')}); ${detail}`);
    } catch (e) {
      const error = explainWriteError(rp, e);
      outcome.applied.push({ label: rp.label, ok: false, detail: error.message });
      outcome.notApplied = planned.slice(i + 1).map((r) => r.label);
      outcome.error = error;
      return outcome;
    }
  }
  return outcome;
}

async function execute(
  rp: ResourcePlan,
  write: Write,
  before: Json,
  deps: ApplyDeps,
  outcome: ApplyOutcome
): Promise<string> {
  switch (write.op) {
    case 'patch-apim-identity': {
      outcome.writes++;
      const after = await deps.arm.patchApimService(write.body as unknown as Json);
      const identity = (after.identity ?? {}) as {
        type?: string;
        principalId?: string;
        userAssignedIdentities?: Record<string, unknown>;
      };
      const problems: string[] = [];
      if (!/SystemAssigned/i.test(identity.type ?? '')) problems.push(`identity.type is '${identity.type ?? 'None'}'`);
      if (!identity.principalId) problems.push('no principalId after the operation completed');
      const kept = Object.keys(identity.userAssignedIdentities ?? {}).map((k) => k.toLowerCase());
      const lost = Object.keys(write.body.identity.userAssignedIdentities ?? {}).filter(
        (k) => !kept.includes(k.toLowerCase())
      );
      if (lost.length) problems.push(`user-assigned identities lost: ${lost.join(', ')}`);
      if (problems.length) {
        throw new ActionError(
          `system-assigned identity not verified after PATCH: ${problems.join('; ')}`,
          rp.resourceId
        );
      }
      outcome.apimPrincipalId = identity.principalId;
      const uai = Object.keys(write.body.identity.userAssignedIdentities ?? {}).length;
      return `enabled system-assigned (principalId ${identity.principalId}); preserved ${uai} user-assigned`;
    }
    case 'put-authsettings-v2': {
      outcome.writes++;
      await deps.arm.putAuthSettingsV2(write.body);
      // A PUT can answer 200 and still drop a provider (C06): only the read-back counts.
      const after = await deps.arm.getAuthSettingsV2();
      const problems = verifyEasyAuthReadBack(before, write.body, after, write.ownedPaths);
      if (problems.length) {
        throw new ActionError(
          `Easy Auth read-back differs from what was written: ${problems.join('; ')}`,
          rp.resourceId
        );
      }
      return `changed ${write.ownedPaths.length} owned path(s); read back verified`;
    }
    case 'put-api-policy': {
      outcome.writes++;
      await deps.arm.putApiPolicy(write.apiId, write.value, write.ifMatch);
      const after = await deps.arm.getApiPolicy(write.apiId);
      const problems: string[] = [];
      if (!after) problems.push('no policy after the write');
      else {
        const owned = ownedState(after.value);
        if (!owned.authPresent || owned.resource !== deps.tokenResource) {
          problems.push(`authentication-managed-identity resource is '${owned.resource ?? 'absent'}'`);
        }
        if (!owned.deletesSubscriptionKey) problems.push('Ocp-Apim-Subscription-Key is not deleted');
        if (!policiesEquivalent(write.value, after.value)) problems.push('APIM stored a different document');
      }
      if (problems.length) {
        throw new ActionError(`policy read-back differs from what was written: ${problems.join('; ')}`, rp.resourceId);
      }
      return 'written (rawxml) and read back';
    }
  }
}

/** Adds what the user can do to a failed write's message. */
function explainWriteError(rp: ResourcePlan, e: unknown): Error {
  if (e instanceof ArmError) {
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
    return new ActionError(`${rp.label}: ${e.message}`, rp.resourceId);
  }
  if (e instanceof Error) return e;
  return new Error(String(e));
}
