/**
 * The ordered registry of reconcilers (DESIGN §1): apply writes in this order — APIM identity → Easy Auth → API
 * policies (field case C10: the identity must exist before the caller allow-list and the policy can use it).
 * Adding a resource: one module implementing Reconciler, one entry here, its planner in src/resources/ called from
 * src/plan.ts, and its Write variant in src/types.ts.
 */
import type { ResourceKind } from '../types.js';
import { apiPolicyReconciler } from './api-policy.js';
import { apimIdentityReconciler } from './apim-identity.js';
import type { Reconciler } from './contract.js';
import { easyAuthReconciler } from './easy-auth.js';

export type { ObservedPart, Reconciler, Rederive, Refreshed, Verified, WriteBasis } from './contract.js';

/** Every reconciler, in apply order. */
export const RECONCILERS: readonly Reconciler[] = [
  apimIdentityReconciler,
  easyAuthReconciler,
  apiPolicyReconciler
] as unknown as readonly Reconciler[];

/** The reconciler of `kind`; throws Error for a kind nobody registered (a bug, not a user error). */
export function reconcilerFor(kind: ResourceKind): Reconciler {
  const r = RECONCILERS.find((x) => x.kind === kind);
  if (!r) throw new Error(`no reconciler for resource kind ${kind}`);
  return r;
}
