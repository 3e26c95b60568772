/**
 * Executes a Plan's writes, in the plan's order (APIM identity → Easy Auth → API policies; DESIGN §1, field case
 * C10), reads back each written resource and fails when the owned fields are not what was written. Stops at the
 * first failure and says exactly what was changed, what was written but could not be verified, what may or may not
 * have been written, and what was not changed. No `if (check)` here: check mode never calls this.
 */
import { ActionError } from './errors.js';
import { ArmError, type ArmPort, type Json, type Logger } from './ports.js';
import {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  inspectPolicy,
  ownedManagedIdentity,
  ownedState,
  type OwnershipOptions,
  policiesEquivalent
} from './policy/index.js';
import { verifyEasyAuthReadBack } from './resources/easy-auth.js';
import type { Plan, ResourcePlan, Write } from './types.js';
import { guardEasyAuthWrite, guardIdentityWrite, guardPolicyWrite, type PolicyOwnership } from './write-guard.js';

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
  ok: boolean;
  state: WriteState | 'not-attempted';
  detail?: string;
}

/**
 * The reads the writes were planned on, for the last-line guard (src/write-guard.ts): every outgoing body is compared
 * with them outside the owned paths before it is sent. Easy Auth is guarded against its re-read right before the PUT.
 */
export interface WriteBasis {
  /** The APIM service body as read (GET), for the identity PATCH. */
  service: Json;
  /**
   * The Easy Auth document as first read (before the plan). Its PUT is guarded against the re-read right before it
   * AND against this one: authsettingsV2 has no ETag, so a re-read that lost content (a broken answer, or someone's
   * change during the run) stops the write instead of being written back.
   */
  easyAuth: Json;
  /** Per API ID: the policy text as read (undefined: 404, no policy) and the API's subscription-key names. */
  policies: Record<string, { value?: string; keyHeader: string; keyQuery: string }>;
  /** What makes a managed-identity element the owned one, for the write guard (see PolicyOwnership). */
  ownership: Omit<PolicyOwnership, 'keyHeader' | 'keyQuery'>;
  /** The policy engine's ownership options (src/plan.ts policyOwnership), for the read-back check. */
  ownershipOptions: OwnershipOptions;
}

export interface ApplyOutcome {
  /** Resources handled, in order; the last one has `ok: false` when a failure stopped the run. */
  applied: AppliedItem[];
  /** Labels of resources with a planned change that were not attempted because an earlier one failed. */
  notApplied: string[];
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
  rederive(resource: ResourcePlan): Promise<{ plan: ResourcePlan; before: Json }>;
  /** The reads the writes were planned on (for the write guard). */
  basis: WriteBasis;
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
 * attempted then).
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
    const progress: Progress = { sent: false, acknowledged: false };
    try {
      let before: Json = {};
      if (rp.kind === 'easy-auth') {
        const again = await stage('not-written', () => deps.rederive(rp));
        const changedSincePlan = JSON.stringify(again.plan.changes) !== JSON.stringify(rp.changes);
        if (changedSincePlan && !rp.deferredUntil) {
          deps.log.info(`${rp.label}: changed since it was read; merged again into the current document.`);
        }
        rp = again.plan;
        before = again.before;
        outcome.replanned.push(rp);
        if (rp.error) throw new StagedError(new ActionError(rp.error, rp.resourceId), 'not-written');
        if (rp.deferredUntil) {
          // Still waiting for APIM's principalId after the identity step: writing now would leave the caller
          // allow-list without APIM (any tenant token would pass). Refuse this write.
          throw new StagedError(
            new ActionError(
              `${rp.label}: APIM's system-assigned principalId is still unknown after the identity step; Easy Auth ` +
                'is not written without it (the caller allow-list would be incomplete).',
              rp.resourceId
            ),
            'not-written'
          );
        }
      }
      if (rp.kind === 'apim-identity' && rp.write) {
        // The PATCH replaces `identity`: guard it against the service as it is right now, too.
        before = (await stage('not-written', () => deps.arm.getApimService())).body;
      }
      if (!rp.write) {
        outcome.applied.push({ label: rp.label, ok: true, state: 'in-sync', detail: 'already in sync' });
        continue;
      }
      const refused = guardWrite(rp.write, before, deps.basis);
      if (refused.length) {
        throw new StagedError(
          new ActionError(
            `${rp.label}: write refused by the guard: the outgoing body differs from the fresh read outside the ` +
              `paths this action owns (${refused.join('; ')}). This is a bug in the action; please report it.`,
            rp.resourceId
          ),
          'not-written'
        );
      }
      const detail = await execute(rp, rp.write, before, deps, outcome, progress);
      outcome.applied.push({ label: rp.label, ok: true, state: 'verified', detail });
      deps.log.info(`${rp.label}: applied (${rp.changes.map((c) => c.path).join(', ')}); ${detail}`);
    } catch (e) {
      const staged = e instanceof StagedError ? e : new StagedError(e, stateAfter(progress));
      const error = explainWriteError(rp, staged.cause, staged.state);
      outcome.applied.push({ label: rp.label, ok: false, state: staged.state, detail: error.message });
      outcome.notApplied = planned.slice(i + 1).map((r) => r.label);
      outcome.error = error;
      return outcome;
    }
  }
  return outcome;
}

/**
 * The write guard's findings for `w` (empty: it may be sent). `before`: the resource re-read right before the write
 * (Easy Auth, the APIM service), compared as well as the first read in `basis`.
 */
function guardWrite(w: Write, before: Json, basis: WriteBasis): string[] {
  switch (w.op) {
    case 'patch-apim-identity':
      return [...new Set([...guardIdentityWrite(before, w.body), ...guardIdentityWrite(basis.service, w.body)])];
    case 'put-authsettings-v2': {
      const sinceFirst = guardEasyAuthWrite(basis.easyAuth, w.body, w.ownedPaths).map(
        (p) => `${p} (differs from the first read: changed during the run, re-run)`
      );
      return [...new Set([...guardEasyAuthWrite(before, w.body, w.ownedPaths), ...sinceFirst])];
    }
    case 'put-api-policy': {
      const read = Object.entries(basis.policies).find(([id]) => id.toLowerCase() === w.apiId.toLowerCase())?.[1];
      if (!read) return [`no read of API ${w.apiId}'s policy to compare with`];
      return guardPolicyWrite(read.value, w.value, {
        ...basis.ownership,
        keyHeader: read.keyHeader,
        keyQuery: read.keyQuery
      });
    }
  }
}

/**
 * How far one resource's write got: `sent` once the request is on its way (from then on a failure is at best
 * "outcome unknown"), `acknowledged` once ARM answered 2xx (then at worst "written, not verified").
 */
interface Progress {
  sent: boolean;
  acknowledged: boolean;
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
 * then a failed poll → unknown; refused (4xx) → not written; anything else (5xx, timeout, network) → unknown.
 */
function writeFailureState(e: unknown): WriteState {
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

async function execute(
  rp: ResourcePlan,
  w: Write,
  before: Json,
  deps: ApplyDeps,
  outcome: ApplyOutcome,
  progress: Progress
): Promise<string> {
  switch (w.op) {
    case 'patch-apim-identity': {
      outcome.writes++;
      await write(progress, () => deps.arm.patchApimService(w.body as unknown as Json));
      // The operation completed: from here on the identity exists, whatever the read-back says.
      const after = (await stage('written-unverified', () => deps.arm.getApimService())).body;
      const identity = (after.identity ?? {}) as {
        type?: string;
        principalId?: string;
        userAssignedIdentities?: Record<string, unknown>;
      };
      const problems: string[] = [];
      if (!/SystemAssigned/i.test(identity.type ?? '')) problems.push(`identity.type is '${identity.type ?? 'None'}'`);
      if (!identity.principalId) problems.push('no principalId after the operation completed');
      const kept = Object.keys(identity.userAssignedIdentities ?? {}).map((k) => k.toLowerCase());
      const lost = Object.keys(w.body.identity.userAssignedIdentities ?? {}).filter(
        (k) => !kept.includes(k.toLowerCase())
      );
      if (lost.length) problems.push(`user-assigned identities lost: ${lost.join(', ')}`);
      if (problems.length) {
        throw new StagedError(
          new ActionError(`system-assigned identity not verified after PATCH: ${problems.join('; ')}`, rp.resourceId),
          'written-unverified'
        );
      }
      outcome.apimPrincipalId = identity.principalId;
      const uai = Object.keys(w.body.identity.userAssignedIdentities ?? {}).length;
      return `enabled system-assigned (principalId ${identity.principalId}); preserved ${uai} user-assigned`;
    }
    case 'put-authsettings-v2': {
      outcome.writes++;
      await write(progress, () => deps.arm.putAuthSettingsV2(w.body));
      // A PUT can answer 200 and still drop a provider (C06): only the read-back counts.
      const after = await stage('written-unverified', () => deps.arm.getAuthSettingsV2());
      const problems = verifyEasyAuthReadBack(before, w.body, after, w.ownedPaths);
      if (problems.length) {
        throw new StagedError(
          new ActionError(`Easy Auth read-back differs from what was written: ${problems.join('; ')}`, rp.resourceId),
          'written-unverified'
        );
      }
      return `changed ${w.ownedPaths.length} owned path(s); read back verified`;
    }
    case 'put-api-policy': {
      outcome.writes++;
      await write(progress, () => deps.arm.putApiPolicy(w.apiId, w.value, w.ifMatch));
      const after = await stage('written-unverified', () => deps.arm.getApiPolicy(w.apiId));
      const problems: string[] = [];
      if (!after) problems.push('no policy after the write');
      else {
        // The element that sends the Function's token, chosen by purpose (not the first one: another resource's
        // element, e.g. Azure OpenAI or Key Vault, is the user's); a {{named value}} that resolves right is in sync.
        const mi = ownedManagedIdentity(after.value, deps.basis.ownershipOptions);
        if (!mi || mi.resourceStatus === 'wrong-form') {
          problems.push(`authentication-managed-identity resource is '${mi?.resource ?? 'absent'}'`);
        }
        // The written document deletes the API's subscription-key header (subscriptionKeyParameterNames.header, see
        // planApiPolicy); every header it deletes in <inbound> must still be deleted in what APIM stored.
        const written = inspectPolicy(w.value);
        const deleted = written.deletedHeaders;
        for (const h of deleted.length > 0 ? deleted : [DEFAULT_KEY_HEADER]) {
          if (!ownedState(after.value, { keyHeader: h }).deletesSubscriptionKey) problems.push(`${h} is not deleted`);
        }
        // Likewise its subscription-key query parameter (subscriptionKeyParameterNames.query) and every other query
        // parameter it deletes in <inbound>.
        const deletedQuery = written.deletedQueryParameters;
        for (const q of deletedQuery.length > 0 ? deletedQuery : [DEFAULT_KEY_QUERY]) {
          if (!ownedState(after.value, { keyQuery: q }).deletesSubscriptionKeyQuery) {
            problems.push(`query parameter ${q} is not deleted`);
          }
        }
        if (!policiesEquivalent(w.value, after.value)) problems.push('APIM stored a different document');
      }
      if (problems.length) {
        throw new StagedError(
          new ActionError(`policy read-back differs from what was written: ${problems.join('; ')}`, rp.resourceId),
          'written-unverified'
        );
      }
      return 'written (rawxml) and read back';
    }
  }
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
  if (e instanceof ArmError) return new ActionError(`${rp.label}: ${e.message}${how}`, rp.resourceId);
  const message = (e instanceof Error ? e.message : String(e)) || 'unknown error (no message)';
  return new ActionError(`${rp.label}: ${message}${how}`, rp.resourceId);
}
