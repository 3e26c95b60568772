/**
 * APIM API policy (pure): desired state = `<authentication-managed-identity resource="…"/>` after `<base/>` in
 * `<inbound>` and `Ocp-Apim-Subscription-Key` deleted; everything else in the document kept as authored.
 *
 * Azure facts relied on (DESIGN §3; field cases C01, C11, C12):
 * - policies are read and written in `rawxml` (REST ApiPolicy_Get `format=rawxml`, ApiPolicy_CreateOrUpdate
 *   `properties.format: rawxml`, api 2024-05-01); mixing xml/rawxml double-escapes; APIM reformats on save, so the
 *   comparison is semantic (done by src/policy `mergePolicy`), never textual.
 * - PUT with `If-Match: <etag>` (or `*` when the API has no policy yet) → 412 when someone changed it meanwhile.
 */
import { mergePolicy, PolicyParseError } from '../policy/index.js';
import type { ResourcePlan } from '../types.js';

/** A ResourcePlan plus the non-fatal findings of the merge (lifted into Plan.warnings by buildPlan). */
export interface ApiPolicyPlan extends ResourcePlan {
  warnings: string[];
}

/**
 * Plans the policy of API `apiId` (`resourceId` = the policy's ARM ID) from `doc` (rawxml text and ETag as read;
 * undefined when the API has no policy) so that it acquires a token for `tokenResource`.
 * Changes carry paths `policy.<what>` (e.g. `policy.resource: api://x → x`). When there are changes:
 * `write = {op:'put-api-policy', apiId, value, format:'rawxml', ifMatch: doc?.etag ?? '*'}`.
 * A document that cannot be tokenized (PolicyParseError) gives a plan with `error` (line/column) and no write.
 * Other errors propagate.
 */
export function planApiPolicy(
  apiId: string,
  resourceId: string,
  doc: { value: string; etag?: string } | undefined,
  tokenResource: string
): ApiPolicyPlan {
  const label = `API policy ${apiId}`;
  try {
    const merged = mergePolicy(doc?.value, { resource: tokenResource });
    const changes = merged.changes.map((c) => ({
      path: c.path.startsWith('policy.') ? c.path : `policy.${c.path}`,
      before: c.before,
      after: c.after
    }));
    const notes = doc === undefined ? ['the API has no policy yet: one is created'] : [];
    const plan: ApiPolicyPlan = {
      kind: 'api-policy',
      resourceId,
      label,
      changes,
      notes,
      warnings: merged.warnings.map((w) => `${label}: ${w}`)
    };
    if (changes.length > 0) {
      plan.write = { op: 'put-api-policy', apiId, value: merged.text, format: 'rawxml', ifMatch: doc?.etag ?? '*' };
    }
    return plan;
  } catch (e) {
    if (!(e instanceof PolicyParseError)) throw e;
    const located = e.line !== undefined && !e.message.includes(`line ${e.line}`);
    const where = located ? ` at line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}` : '';
    return {
      kind: 'api-policy',
      resourceId,
      label,
      changes: [],
      notes: [],
      warnings: [],
      error:
        `${label}: the policy text cannot be tokenized${where}: ${e.message}. Nothing is written; fix the policy ` +
        '(APIM portal → Policy editor) and re-run.'
    };
  }
}
