/**
 * The observer of what runs around the API policy (DESIGN §1: an inspection that owns nothing, whose findings feed
 * the plan): each API's operations and their policies, and the policy fragments the API and operation policies
 * include (nested includes followed up to a depth bound). Reads go through the ArmPort handed in — the validated,
 * bounded one of observeTarget — so they run in parallel (at most its limit in flight) and each is checked before it
 * is used. Nothing here is ever written.
 *
 * REST (Azure/azure-rest-api-specs, apimanagement/…/stable/2024-05-01): ApiOperation_ListByApi (apimapis.json,
 * pageable), ApiOperationPolicy_Get and PolicyFragment_Get with `format=rawxml` (apimpolicyfragments.json); a 404 is
 * "no policy" / "no such fragment".
 */
import { ActionError } from './errors.js';
import { MAX_FRAGMENT_DEPTH, type FragmentRead } from './policy/effective.js';
import { includedFragments } from './policy/pipeline-refs.js';
import type { ArmPort, Json } from './ports.js';

/** One operation of an API as ARM listed it, with its policy (absent: the operation has none, a 404). */
export interface OperationRead {
  /** The operation ID (ARM `name`). */
  id: string;
  method: string;
  /** e.g. `/orders/{id}` (relative to the API's serviceUrl on the backend). */
  urlTemplate: string;
  policy?: { value: string };
}

/** Operations an API may have before the action refuses to judge it (more pages would be needed). */
export const MAX_OPERATIONS = 2000;

/**
 * Every operation of each API in `apiIds` and each operation's policy: one list per API (all pages), then every
 * operation's policy, all in parallel (the ArmPort bounds how many are in flight). Throws ActionError when an API
 * has more than {@link MAX_OPERATIONS} operations (it could not be judged whole); read failures propagate.
 */
export async function observeOperations(arm: ArmPort, apiIds: string[]): Promise<Record<string, OperationRead[]>> {
  const lists = await Promise.all(
    apiIds.map(async (apiId) => {
      const list = await arm.listApiOperations(apiId, MAX_OPERATIONS);
      if (list.truncated) {
        throw new ActionError(
          `API ${apiId} has more than ${MAX_OPERATIONS} operations; the action reads at most ${MAX_OPERATIONS} to ` +
            'judge what runs before the Function, so it cannot say the API is safe. Nothing was changed.'
        );
      }
      const ops = await Promise.all(
        list.value.map(async (op: Json): Promise<OperationRead> => {
          const id = String(op.name);
          const p = (op.properties ?? {}) as { method?: unknown; urlTemplate?: unknown };
          const policy = await arm.getOperationPolicy(apiId, id);
          return {
            id,
            method: String(p.method ?? ''),
            urlTemplate: String(p.urlTemplate ?? ''),
            ...(policy ? { policy: { value: policy.value } } : {})
          };
        })
      );
      return [apiId, ops] as const;
    })
  );
  return Object.fromEntries(lists);
}

/**
 * The policy fragments `texts` (policy documents, rawxml) include, and the fragments those include, up to
 * {@link MAX_FRAGMENT_DEPTH} levels: one parallel round of reads per level, each fragment read once. A 404 is
 * `{absent: true}`. Fragments beyond the depth bound are not read (the judge reports them as not judged).
 */
export async function observeFragments(arm: ArmPort, texts: string[]): Promise<Map<string, FragmentRead>> {
  const out = new Map<string, FragmentRead>();
  let next = [...new Set(texts.flatMap(includedFragments))];
  for (let depth = 0; depth < MAX_FRAGMENT_DEPTH && next.length > 0; depth++) {
    const read = await Promise.all(next.map(async (id) => [id, await arm.getPolicyFragment(id)] as const));
    const found: string[] = [];
    for (const [id, doc] of read) {
      out.set(id, doc ? { value: doc.value } : { absent: true });
      if (doc) found.push(...includedFragments(doc.value));
    }
    next = [...new Set(found)].filter((id) => !out.has(id));
  }
  return out;
}
