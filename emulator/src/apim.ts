/**
 * APIM-specific rules of the twin's ARM that several parts share (ARM handler, gateway context): named-value
 * references in policy text, Key Vault–backed named values, policy fragment content, paging of collection lists.
 * No network code; each rule cites its source.
 */
import type { GatewayNamedValue, Json, PolicyElement, TwinState } from './contracts.js';
import { isObject } from './http.js';

/**
 * A `{{name}}` reference: names follow the named value `displayName` pattern `^[A-Za-z0-9-._]+$` (apimnamedvalues.json
 * 2024-05-01, NamedValueCreateContractProperties.displayName; the SDK mapper has the same pattern), so C# braces in
 * expressions (`new { a = 1 }`, `$"{x}"`) are never taken for one.
 */
export const NAMED_VALUE_REF = /\{\{([A-Za-z0-9._-]+)\}\}/g;

/** One `{{name}}` reference in raw policy text, with its 1-based line/column and the element that holds it. */
export interface NamedValueRef {
  name: string;
  line: number;
  column: number;
  element: string;
}

/**
 * Every `{{name}}` reference in raw policy (or fragment) text outside XML comments, in document order. The element is
 * the nearest start tag before the reference (the element whose attribute or text holds it).
 */
export function namedValueRefs(raw: string): NamedValueRef[] {
  const comments: [number, number][] = [];
  for (let i = raw.indexOf('<!--'); i >= 0; i = raw.indexOf('<!--', i + 4)) {
    const end = raw.indexOf('-->', i + 4);
    comments.push([i, end < 0 ? raw.length : end + 3]);
    if (end < 0) break;
  }
  const out: NamedValueRef[] = [];
  for (const m of raw.matchAll(NAMED_VALUE_REF)) {
    const at = m.index;
    if (comments.some(([a, b]) => at >= a && at < b)) continue;
    const before = raw.slice(0, at);
    const lines = before.split('\n');
    const tags = [...before.matchAll(/<([A-Za-z][\w.-]*)/g)];
    out.push({
      name: m[1]!,
      line: lines.length,
      column: lines[lines.length - 1]!.length + 1,
      element: tags.length ? tags[tags.length - 1]![1]! : ''
    });
  }
  return out;
}

/** The named values of a service: resource name and display name → stored body (service key case-insensitive). */
export function namedValuesOf(state: TwinState, serviceId: string): Map<string, { id: string; body: Json }> {
  const prefix = `${serviceId.toLowerCase()}/namedvalues/`;
  const out = new Map<string, { id: string; body: Json }>();
  for (const [id, body] of Object.entries(state.resources)) {
    const l = id.toLowerCase();
    if (!l.startsWith(prefix) || l.slice(prefix.length).includes('/')) continue;
    const entry = { id, body };
    // Display name first (Learn "Use named values in Azure API Management policies": `{{display name}}`); the resource
    // name too, which the twin accepts as well (the two are usually equal).
    const p = isObject(body['properties']) ? body['properties'] : {};
    if (typeof p['displayName'] === 'string' && p['displayName']) out.set(p['displayName'], entry);
    const name = id.slice(prefix.length);
    if (!out.has(name)) out.set(name, entry);
  }
  return out;
}

/** Normalises a Key Vault secret identifier for lookup: no trailing slash, host lower-case. */
function normSecretId(u: string): string {
  const t = u.trim().replace(/\/+$/, '');
  const m = /^(https?:\/\/[^/]+)(.*)$/i.exec(t);
  return m ? m[1]!.toLowerCase() + m[2]! : t;
}

/**
 * The value of a named value as APIM would use it, or why it cannot be resolved:
 * - `properties.value` (plain or secret: Learn "Use named values…", value types Plain/Secret);
 * - `properties.keyVault.secretIdentifier` (Key Vault type): APIM fetches the secret with its managed identity — the
 *   system-assigned one, or the user-assigned one whose client ID is `keyVault.identityClientId` (apimnamedvalues.json
 *   KeyVaultContractCreateProperties; Learn "Prerequisites for key vault integration": enable a managed identity).
 *   The twin's Key Vault is `state.keyVaultSecrets` (exact identifier, host case-insensitive, trailing slash ignored).
 */
export function resolveNamedValue(state: TwinState, service: Json | undefined, body: Json): GatewayNamedValue {
  const p = isObject(body['properties']) ? body['properties'] : {};
  if (typeof p['value'] === 'string') return { value: p['value'] };
  const kv = isObject(p['keyVault']) ? p['keyVault'] : undefined;
  const secretId = typeof kv?.['secretIdentifier'] === 'string' ? kv['secretIdentifier'] : undefined;
  if (!kv || !secretId) return { unresolved: 'the named value has neither a value nor a Key Vault secret identifier' };
  const identity = isObject(service?.['identity']) ? service['identity'] : {};
  const type = String(identity['type'] ?? 'None');
  const clientId = typeof kv['identityClientId'] === 'string' ? kv['identityClientId'] : undefined;
  if (clientId) {
    const uais = isObject(identity['userAssignedIdentities']) ? identity['userAssignedIdentities'] : {};
    const hit = Object.values(uais).some(
      (u) => isObject(u) && String(u['clientId'] ?? '').toLowerCase() === clientId.toLowerCase()
    );
    if (!/UserAssigned/i.test(type) || !hit)
      return { unresolved: `no user-assigned identity with client ID '${clientId}' is assigned to the service` };
  } else if (!/SystemAssigned/i.test(type) || !identity['principalId']) {
    return { unresolved: 'the service has no system-assigned identity to read Key Vault with' };
  }
  const want = normSecretId(secretId);
  const hit = Object.entries(state.keyVaultSecrets ?? {}).find(([k]) => normSecretId(k) === want);
  return hit ? { value: hit[1] } : { unresolved: `Key Vault secret '${secretId}' could not be read` };
}

/**
 * Why a policy fragment's content is refused, or undefined when APIM accepts it. Learn "Reuse policy configurations
 * in your API Management policy definitions" (policy fragments), Limitations: the root is `<fragment>`; a fragment
 * can't include a policy section identifier (`<inbound>`, `<outbound>`, `<backend>`, `<on-error>`) or `<base/>`;
 * "currently, a policy fragment can't nest another policy fragment" (`<include-fragment>`); maximum size 32 KB.
 */
export function fragmentProblem(root: PolicyElement, raw: string): string | undefined {
  if (root.name !== 'fragment') return `The root element of a policy fragment must be 'fragment', not '${root.name}'.`;
  if (Buffer.byteLength(raw, 'utf8') > 32 * 1024) return 'A policy fragment can be at most 32 KB.';
  const banned = new Set(['inbound', 'outbound', 'backend', 'on-error', 'base', 'include-fragment']);
  const walk = (el: PolicyElement): string | undefined => {
    for (const c of el.children) {
      if (c.type !== 'element') continue;
      if (banned.has(c.element.name))
        return c.element.name === 'include-fragment'
          ? 'A policy fragment cannot include another policy fragment.'
          : `A policy fragment cannot contain the '${c.element.name}' element.`;
      const inner = walk(c.element);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(root);
}

/**
 * One page of an APIM collection: `$skip` (default 0) and `$top` (default and cap: `pageSize`), `nextLink` when more
 * remain, `count` = the total (APIM collection contracts: `value`, `count` "Total record count number across all
 * pages", `nextLink`; TopQueryParameter minimum 1, SkipQueryParameter minimum 0 — apimanagement.json 2024-05-01).
 * Returns an error text for a bad `$top`/`$skip`.
 */
export function pageOf<T>(
  items: T[],
  query: URLSearchParams,
  pageSize: number,
  selfUrl: string
): { value: T[]; count: number; nextLink?: string } | { error: string } {
  const top = query.get('$top');
  const skip = query.get('$skip');
  const t = top === null ? pageSize : Number(top);
  const s = skip === null ? 0 : Number(skip);
  if (!Number.isInteger(t) || t < 1) return { error: `'$top' must be an integer of at least 1, not '${top}'.` };
  if (!Number.isInteger(s) || s < 0) return { error: `'$skip' must be an integer of at least 0, not '${skip}'.` };
  const size = Math.min(t, pageSize);
  const value = items.slice(s, s + size);
  if (s + size >= items.length) return { value, count: items.length };
  const next = new URLSearchParams(query);
  next.set('$top', String(size));
  next.set('$skip', String(s + size));
  return { value, count: items.length, nextLink: `${selfUrl}?${next.toString().replace(/%24/g, '$')}` };
}
