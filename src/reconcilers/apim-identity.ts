/**
 * The APIM service's managed identity (Microsoft.ApiManagement/service, REST ApiManagementService_Get / _Update,
 * api-version 2024-05-01): the system-assigned identity is added with a PATCH of `identity` only (a long-running
 * operation; DESIGN §3), every user-assigned identity kept, the type never narrowed.
 */
import type { ArmPort, Json } from '../ports.js';
import type { Write } from '../types.js';
import { apimPrincipal, planApimIdentity, preservedUserAssigned } from '../resources/apim-identity.js';
import { guardIdentityWrite } from '../write-guard.js';
import type { Reconciler } from './contract.js';

type IdentityWrite = Extract<Write, { op: 'patch-apim-identity' }>;

interface Identity {
  type?: string;
  principalId?: string;
  userAssignedIdentities?: Record<string, unknown>;
}

/** The identity reconciler (see Reconciler). */
export const apimIdentityReconciler: Reconciler<IdentityWrite> = {
  kind: 'apim-identity',
  async observe(arm: ArmPort) {
    return { service: (await arm.getApimService()).body };
  },
  perApimService: true,
  async refresh(arm: ArmPort, rp) {
    // The PATCH replaces `identity`: it is guarded against the service as it is right now, too. When the service has
    // the system-assigned identity by now (another target of the run, or someone else, enabled it since the first
    // read), there is nothing to write: the plan from the fresh read says so, and the report says "in sync".
    const fresh = (await arm.getApimService()).body;
    const again = planApimIdentity(rp.resourceId, fresh);
    if (again.write) return { fresh };
    return { fresh, plan: again, apimPrincipalId: apimPrincipal(fresh).principalId };
  },
  guard(w, fresh, basis) {
    return [...new Set([...guardIdentityWrite(fresh, w.body), ...guardIdentityWrite(basis.service, w.body)])];
  },
  async write(arm, w) {
    await arm.patchApimService(w.body as unknown as Json);
  },
  async readBack(arm) {
    // The operation completed: from here on the identity exists, whatever the read-back says.
    return (await arm.getApimService()).body;
  },
  verify(after, w) {
    const identity = ((after as Json).identity ?? {}) as Identity;
    const problems: string[] = [];
    if (!/SystemAssigned/i.test(identity.type ?? '')) problems.push(`identity.type is '${identity.type ?? 'None'}'`);
    if (!identity.principalId) problems.push('no principalId after the operation completed');
    const kept = Object.keys(identity.userAssignedIdentities ?? {}).map((k) => k.toLowerCase());
    const sent = Object.keys(w.body.identity.userAssignedIdentities ?? {});
    const lost = sent.filter((k) => !kept.includes(k.toLowerCase()));
    if (lost.length) problems.push(`user-assigned identities lost: ${lost.join(', ')}`);
    return {
      problems: problems.length ? [`system-assigned identity not verified after PATCH: ${problems.join('; ')}`] : [],
      detail: [
        `enabled system-assigned (principalId ${identity.principalId})`,
        ...(sent.length ? [preservedUserAssigned(sent.length)] : [])
      ].join('; '),
      apimPrincipalId: identity.principalId
    };
  }
};
