/**
 * The one contract every reconciled resource implements (DESIGN §1): observe → plan → write → verify, with the plan
 * as data. The ordered registry (./index.ts) drives observation and apply; check mode never reaches `write`; logic
 * keys on `kind`, never on labels. Planning itself is pure and lives in src/resources/ (called by src/plan.ts with
 * the cross-resource context: APIM's principal for Easy Auth, the app's client ID for the policies).
 */
import type { ArmPort, Json } from '../ports.js';
import type { OwnershipOptions } from '../policy/index.js';
import type { ResourceKind, ResourcePlan, TargetIds, Write } from '../types.js';
import type { PolicyOwnership } from '../write-guard.js';

/**
 * The reads the writes were planned on, for the last-line guard (src/write-guard.ts): every outgoing body is compared
 * with them outside the owned paths before it is sent.
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

/** What a resource's reads contribute to `Observed` (src/plan.ts), as ARM returned them. */
export type ObservedPart = Record<string, unknown>;

/** What the read-back says: problems (empty: verified), a line for the log, facts the report needs. */
export interface Verified {
  problems: string[];
  detail: string;
  /** APIM's system-assigned principalId, once the identity exists. */
  apimPrincipalId?: string;
}

/** Before the write: the resource as it is now, and (Easy Auth) the plan merged again into it. */
export interface Refreshed {
  fresh: Json;
  plan?: ResourcePlan;
  /** APIM's system-assigned principalId as the fresh read says (the identity, when its plan is already met). */
  apimPrincipalId?: string;
}

/** Reads Easy Auth (and what its plan depends on) again and plans it again: `before` is the fresh document. */
export type Rederive = (rp: ResourcePlan) => Promise<{ plan: ResourcePlan; before: Json }>;

/**
 * One reconciled resource. `W` is its Write (src/types.ts). Every method that reads or writes takes the ArmPort it
 * must use (validated, bounded, with retries — see src/azure/); `guard` and `verify` are pure.
 */
export interface Reconciler<W extends Write = Write> {
  kind: ResourceKind;
  /**
   * The resource is shared by every target on one APIM service (the service's identity): refresh → write → read
   * back run under ArmPort.exclusiveApimUpdate when the port has it, and `refresh` plans again from the fresh read.
   */
  perApimService?: boolean;
  /** Its reads for one target (run in parallel with the other reconcilers'); `ids` names the per-API resources. */
  observe(arm: ArmPort, ids: TargetIds): Promise<ObservedPart>;
  /**
   * Reads it again right before its write, when a read-modify-write needs the current document (Easy Auth: no ETag;
   * the identity PATCH replaces `identity`). `rederive` plans Easy Auth again (see ApplyDeps). Absent: the first read
   * is what the write is guarded against (a policy PUT carries If-Match).
   */
  refresh?(arm: ArmPort, rp: ResourcePlan, rederive: Rederive): Promise<Refreshed>;
  /** Write-guard findings (empty: the write may go) for `w` against `fresh` and the first reads in `basis`. */
  guard(w: W, fresh: Json, basis: WriteBasis): string[];
  /** The one ARM write (throws ArmError); resolves with ARM's answer (body or document with its ETag), if any. */
  write(arm: ArmPort, w: W): Promise<unknown>;
  /** Reads what the write left. */
  readBack(arm: ArmPort, w: W): Promise<unknown>;
  /** Pure: the read-back against what was written (`fresh`: the document the write was merged into). */
  verify(after: unknown, w: W, fresh: Json, basis: WriteBasis): Verified;
}
