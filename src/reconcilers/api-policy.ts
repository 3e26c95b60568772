/**
 * Each API's policy (Microsoft.ApiManagement/service/apis/policies, REST ApiPolicy_Get `format=rawxml` /
 * ApiPolicy_CreateOrUpdate with If-Match, api-version 2024-05-01): read and written as rawxml (never mixed: DESIGN §3),
 * guarded byte for byte outside the owned elements, and read back semantically (APIM reformats on save).
 */
import { ActionError } from '../errors.js';
import type { ArmPort, PolicyDocument } from '../ports.js';
import {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  inspectPolicy,
  ownedManagedIdentity,
  ownedState,
  policiesEquivalent,
  type OwnershipOptions
} from '../policy/index.js';
import type { TargetIds, Write } from '../types.js';
import { guardPolicyWrite } from '../write-guard.js';
import type { Reconciler } from './contract.js';

type PolicyWrite = Extract<Write, { op: 'put-api-policy' }>;

/** The API policy reconciler (see Reconciler): one write per API whose policy needs a change. */
export const apiPolicyReconciler: Reconciler<PolicyWrite> = {
  kind: 'api-policy',
  async observe(arm: ArmPort, ids: TargetIds) {
    const apis = await Promise.all(
      Object.entries(ids.apis).map(async ([apiId, resourceId]) => {
        const [api, policy] = await Promise.all([arm.getApi(apiId), arm.getApiPolicy(apiId)]);
        return { apiId, resourceId, api: api.body, policy };
      })
    );
    return { apis };
  },
  async refresh(arm, rp) {
    // Creating (If-Match: *) would replace whatever exists: a policy is created only when a read right before the PUT
    // still finds none (a 404 once is not enough: it may have been created since, or the first answer was wrong).
    const w = rp.write;
    if (w?.op !== 'put-api-policy' || w.ifMatch !== '*') return { fresh: {} };
    if (await arm.getApiPolicy(w.apiId)) {
      throw new ActionError(
        'the API had no policy when it was read and has one now (created meanwhile, or the first answer was wrong); ' +
          'nothing was created over it. Re-run.',
        rp.resourceId
      );
    }
    return { fresh: {} };
  },
  guard(w, _fresh, basis) {
    const read = Object.entries(basis.policies).find(([id]) => id.toLowerCase() === w.apiId.toLowerCase())?.[1];
    if (!read) return [`no read of API ${w.apiId}'s policy to compare with`];

    return guardPolicyWrite(read.value, w.value, {
      ...basis.ownership,
      keyHeader: read.keyHeader,
      keyQuery: read.keyQuery
    });
  },
  async write(arm, w) {
    return arm.putApiPolicy(w.apiId, w.value, w.ifMatch);
  },
  async readBack(arm, w) {
    return arm.getApiPolicy(w.apiId);
  },
  verify(after, w, _fresh, basis) {
    const doc = after as PolicyDocument | undefined;
    const problems = doc ? policyProblems(doc.value, w.value, basis.ownershipOptions) : ['no policy after the write'];
    return {
      problems: problems.length ? [`policy read-back differs from what was written: ${problems.join('; ')}`] : [],
      detail: 'written (rawxml) and read back'
    };
  }
};

/**
 * What APIM stored (`after`) against what was written: the owned managed-identity element (chosen by purpose, so
 * another resource's element is not mistaken for it; a {{named value}} that resolves right is in sync), every header
 * and query parameter the written document deletes in <inbound> (the API's subscription-key names; see
 * planApiPolicy), and the document as a whole (semantically). Pure.
 */
function policyProblems(after: string, written: string, ownership: OwnershipOptions): string[] {
  const problems: string[] = [];
  const mi = ownedManagedIdentity(after, ownership);
  if (!mi || mi.resourceStatus === 'wrong-form') {
    problems.push(`authentication-managed-identity resource is '${mi?.resource ?? 'absent'}'`);
  }
  const deletes = inspectPolicy(written);
  for (const h of deletes.deletedHeaders.length > 0 ? deletes.deletedHeaders : [DEFAULT_KEY_HEADER]) {
    if (!ownedState(after, { keyHeader: h }).deletesSubscriptionKey) problems.push(`${h} is not deleted`);
  }
  for (const q of deletes.deletedQueryParameters.length > 0 ? deletes.deletedQueryParameters : [DEFAULT_KEY_QUERY]) {
    if (!ownedState(after, { keyQuery: q }).deletesSubscriptionKeyQuery)
      problems.push(`query parameter ${q} is not deleted`);
  }
  if (!policiesEquivalent(written, after)) problems.push('APIM stored a different document');
  return problems;
}
