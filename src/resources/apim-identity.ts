/**
 * APIM managed identity (pure): desired state = the system-assigned identity is present; the type is never narrowed.
 *
 * Azure facts relied on (DESIGN §3; field case C09):
 * - `identity.type` ∈ `None` | `SystemAssigned` | `UserAssigned` | `SystemAssigned, UserAssigned`
 *   (REST: ApiManagementService_Update, api-version 2024-05-01, `ApiManagementServiceIdentity`).
 * - To add the system identity, PATCH only `identity` and send every user-assigned key with the value `{}`: the GET
 *   returns read-only `principalId`/`clientId` inside each entry, and sending them back fails with 400
 *   `InvalidIdentityValues` (Azure/terraform-provider-azapi#840, #682). Dropping a key removes that identity.
 */
import type { Json } from '../ports.js';
import type { ResourcePlan } from '../types.js';
import { isPlainObject } from '../json-path.js';

/** The identities attached to an APIM service, as read from ARM. */
export interface ApimPrincipal {
  /** Object ID of the system-assigned identity (ARM `identity.principalId`); undefined when it does not exist. */
  principalId?: string;
  userAssigned: { resourceId: string; principalId?: string; clientId?: string }[];
}

function typeParts(type: unknown): Set<string> {
  if (typeof type !== 'string') return new Set();
  return new Set(
    type
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '' && s !== 'none')
  );
}

/**
 * Reads the identities of an APIM service body (ARM GET Microsoft.ApiManagement/service, api 2024-05-01).
 * `principalId` is returned only when the type includes SystemAssigned. Never throws.
 */
export function apimPrincipal(service: Json): ApimPrincipal {
  const identity = isPlainObject(service.identity) ? service.identity : {};
  const parts = typeParts(identity.type);
  const uai = isPlainObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    principalId: parts.has('systemassigned') ? str(identity.principalId) : undefined,
    userAssigned: Object.entries(uai).map(([resourceId, v]) => ({
      resourceId,
      principalId: isPlainObject(v) ? str(v.principalId) : undefined,
      clientId: isPlainObject(v) ? str(v.clientId) : undefined
    }))
  };
}

/**
 * The one wording of the user-assigned identities an identity write keeps (`n` of them), for the plan's note and the
 * write's log line alike: `preserved 1 user-assigned identity(ies)`.
 */
export function preservedUserAssigned(n: number): string {
  return `preserved ${n} user-assigned identity(ies)`;
}

/**
 * Plans the APIM identity: `serviceId` is the service's ARM ID, `service` its GET body.
 * - type includes SystemAssigned → no change (never narrowed);
 * - None / missing identity → PATCH `{identity:{type:'SystemAssigned'}}`;
 * - UserAssigned → PATCH `{identity:{type:'SystemAssigned, UserAssigned', userAssignedIdentities:{<each key>: {}}}}`.
 * The one change is `identity.type` before → after. Never throws.
 */
export function planApimIdentity(serviceId: string, service: Json): ResourcePlan {
  const identity = isPlainObject(service.identity) ? service.identity : {};
  const beforeType = typeof identity.type === 'string' && identity.type !== '' ? identity.type : 'None';
  const parts = typeParts(identity.type);
  const name = typeof service.name === 'string' ? service.name : (serviceId.split('/').pop() ?? serviceId);
  const label = `APIM ${name} identity`;
  const uaiKeys = Object.keys(isPlainObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {});
  const notes: string[] = [];
  if (uaiKeys.length > 0) notes.push(preservedUserAssigned(uaiKeys.length));

  if (parts.has('systemassigned')) {
    notes.unshift('system-assigned identity present');
    return { kind: 'apim-identity', resourceId: serviceId, label, changes: [], notes };
  }
  const hasUser = parts.has('userassigned') || uaiKeys.length > 0;
  const type = hasUser ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
  const body: { identity: { type: string; userAssignedIdentities?: Record<string, Record<string, never>> } } = {
    identity: { type }
  };
  if (hasUser) {
    // Values must be {}: read-only principalId/clientId are refused with InvalidIdentityValues (azapi#840).
    body.identity.userAssignedIdentities = Object.fromEntries(uaiKeys.map((k) => [k, {} as Record<string, never>]));
  }
  notes.unshift('enable system-assigned identity');
  return {
    kind: 'apim-identity',
    resourceId: serviceId,
    label,
    changes: [{ path: 'identity.type', before: beforeType, after: type }],
    write: { op: 'patch-apim-identity', body },
    notes
  };
}
