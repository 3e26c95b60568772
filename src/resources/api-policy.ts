/**
 * APIM API policy (pure): desired state = `<authentication-managed-identity resource="…"/>` after `<base/>` in
 * `<inbound>` and the API's subscription-key header deleted (`<set-header name="<header>" exists-action="delete"/>`;
 * the header is the API's `properties.subscriptionKeyParameterNames.header`, `Ocp-Apim-Subscription-Key` unless the
 * API renames it — Learn "Subscriptions in Azure API Management") and its subscription-key query parameter deleted
 * right after (`<set-query-parameter name="<query>" exists-action="delete"/>`; `subscriptionKeyParameterNames.query`,
 * `subscription-key` by default: the gateway passes a key sent in the query to the backend too, same Learn page);
 * everything else in the document kept as authored.
 *
 * Azure facts relied on (DESIGN §3; field cases C01, C11, C12):
 * - policies are read and written in `rawxml` (REST ApiPolicy_Get `format=rawxml`, ApiPolicy_CreateOrUpdate
 *   `properties.format: rawxml`, api 2024-05-01); mixing xml/rawxml double-escapes; APIM reformats on save, so the
 *   comparison is semantic (done by src/policy `mergePolicy`), never textual.
 * - PUT with `If-Match: <etag>` (or `*` when the API has no policy yet) → 412 when someone changed it meanwhile.
 */
import {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  mergePolicy,
  PolicyNotManagedError,
  PolicyParseError,
  type OwnershipOptions,
  HEADER_TOKEN,
  QUERY_TOKEN
} from '../policy/index.js';
import type { ResourcePlan } from '../types.js';

/** A ResourcePlan plus the non-fatal findings of the merge (lifted into Plan.warnings by buildPlan). */
export interface ApiPolicyPlan extends ResourcePlan {
  warnings: string[];
}

/**
 * Plans the policy of API `apiId` (`resourceId` = the policy's ARM ID) from `doc` (rawxml text and ETag as read;
 * undefined when the API has no policy) so that it acquires a token for `tokenResource` and deletes `keyHeader`, the
 * API's subscription-key header (`properties.subscriptionKeyParameterNames.header` as ARM returned it; default
 * `Ocp-Apim-Subscription-Key`), and `keyQuery`, its subscription-key query parameter
 * (`properties.subscriptionKeyParameterNames.query`; default `subscription-key`).
 * Changes carry paths `policy.<what>` (e.g. `policy.resource: api://x → x`, `policy.set-header[X-Api-Key]`,
 * `policy.set-query-parameter[subscription-key]`). When there are changes:
 * `write = {op:'put-api-policy', apiId, value, format:'rawxml', ifMatch: doc?.etag ?? '*'}`.
 * A plan with `error` and no write (and no changes) when the document cannot be managed: it cannot be tokenized or
 * is not well-formed (PolicyParseError, with line/column); its root is not `<policies>` or it has no `<inbound>`
 * (PolicyNotManagedError); or it has conflicts — elements after the owned ones that undo them (a later
 * subscription-key set-header, a later Authorization set-header — also in `<backend>` —, a second direct
 * authentication-managed-identity that sets Authorization, the subscription key copied to the
 * Function by an expression; see PolicyConflict), each named with its line and the fix; or `keyHeader` is not an HTTP
 * header name, or `keyQuery` not a query parameter name.
 * `ownership` says which `<authentication-managed-identity>` is the owned one (src/policy OwnershipOptions: the one
 * that sends APIM's token for the Function, never "the first one"): `acceptableResources` (the Function app's client
 * ID and App ID URI / token-resource; `tokenResource` is always added), `namedValues` (display name → value or
 * undefined, from src/named-values.ts resolveNamedValues) and `appObjectIds` (known wrong forms, C01). An owned
 * element whose `resource` is acceptable — also through a `{{named value}}` — is in sync and never rewritten; one in
 * a known wrong form gets `policy.resource: <before> → tokenResource`; any other managed-identity element is the
 * user's and stays byte for byte (the owned element is added after `<base />`; if the user's element then replaces
 * the Authorization header, the plan is refused, naming it and its line). Omitted → `{ acceptableResources:
 * [tokenResource] }`.
 * `error` never starts with the label (callers prefix it). Other errors propagate.
 */
export function planApiPolicy(
  apiId: string,
  resourceId: string,
  doc: { value: string; etag?: string } | undefined,
  tokenResource: string,
  keyHeader: string = DEFAULT_KEY_HEADER,
  keyQuery: string = DEFAULT_KEY_QUERY,
  ownership: OwnershipOptions = {}
): ApiPolicyPlan {
  const label = `API policy ${apiId}`;
  const refused = (error: string): ApiPolicyPlan => ({
    kind: 'api-policy',
    resourceId,
    label,
    changes: [],
    notes: [],
    warnings: [],
    error
  });
  const badName = keyNameProblem(keyHeader, keyQuery);
  if (badName) return refused(badName);
  let merged: Merged;
  try {
    merged = mergePolicy(doc?.value, {
      resource: tokenResource,
      keyHeader,
      keyQuery,
      acceptableResources: [tokenResource, ...(ownership.acceptableResources ?? [])],
      namedValues: ownership.namedValues,
      appObjectIds: ownership.appObjectIds
    });
  } catch (e) {
    return refused(unreadablePolicy(e));
  }
  if (merged.conflicts.length > 0) return refused(conflictsProblem(merged.conflicts));
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
}

type Merged = ReturnType<typeof mergePolicy>;

/**
 * Why the API's subscription-key names cannot be managed: `keyHeader` is not an HTTP header name (RFC 9110 token),
 * or `keyQuery` is not a query parameter name a policy can delete; undefined when both are fine.
 */
function keyNameProblem(keyHeader: string, keyQuery: string): string | undefined {
  if (!HEADER_TOKEN.test(keyHeader.trim())) {
    return (
      `the API's subscription-key header name ${JSON.stringify(keyHeader)} (subscriptionKeyParameterNames.header) is ` +
      'not an HTTP header name, so no policy can delete it. Nothing is written; fix the API settings and re-run.'
    );
  }
  if (!QUERY_TOKEN.test(keyQuery.trim())) {
    return (
      `the API's subscription-key query parameter name ${JSON.stringify(keyQuery)} (subscriptionKeyParameterNames.query) ` +
      'is not a query parameter name this action can delete. Nothing is written; fix the API settings and re-run.'
    );
  }
  return undefined;
}

/** The refusal for conflicting elements: where they are (`<inbound>`, `<backend>`), each named with its line. */
function conflictsProblem(conflicts: Merged['conflicts']): string {
  const n = conflicts.length;
  const backend = conflicts.some((c) => / in <backend>/.test(c.message));
  const inbound = conflicts.some((c) => !/ in <backend>/.test(c.message));
  const where = inbound && backend ? '<inbound>/<backend>' : backend ? '<backend>' : '<inbound>';
  return (
    `the policy has ${n === 1 ? 'an element' : `${n} elements`} in ${where} that undo${n === 1 ? 'es' : ''} ` +
    `the managed-identity setup, and this action does not change elements you own: ` +
    conflicts.map((c) => c.message).join('; ') +
    '. Edit the policy (APIM portal → API → Policy editor) and re-run.'
  );
}

/**
 * The refusal for a policy document that cannot be managed (PolicyNotManagedError: its message; PolicyParseError:
 * where tokenizing failed, by line and column). Any other error is rethrown.
 */
function unreadablePolicy(e: unknown): string {
  if (!(e instanceof PolicyParseError)) throw e;
  if (e instanceof PolicyNotManagedError) return `${e.message}.`;
  const located = e.line !== undefined && !e.message.includes(`line ${e.line}`);
  const where = located ? ` at line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}` : '';
  return (
    `the policy text cannot be tokenized${where}: ${e.message}. Nothing is written; fix the policy ` +
    '(APIM portal → API → Policy editor) and re-run.'
  );
}
