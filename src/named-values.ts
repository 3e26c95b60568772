/**
 * Named values referenced by the policies' `<authentication-managed-identity>` elements, and their resolution
 * through ARM, so the policy engine can judge `resource="{{orders-app-id}}"` / `client-id="{{uami-client-id}}"` by
 * what APIM will actually use (src/policy OwnershipOptions.namedValues).
 *
 * Azure facts relied on:
 * - APIM substitutes `{{name}}` — whole or partial attribute values — before the policy runs; `name` is the named
 *   value's DISPLAY NAME, "used for referencing the named value in policies" (Learn: "Use named values in Azure API
 *   Management policies", https://learn.microsoft.com/azure/api-management/api-management-howto-properties; DESIGN
 *   §3). The ARM resource name (`namedValueId`) may differ: the spec's list example has id `592f1174cc83890dc4f32686`
 *   with displayName `Logger-Credentials-592f1174cc83890dc4f32687`.
 * - REST (Azure/azure-rest-api-specs, specification/apimanagement/resource-manager/Microsoft.ApiManagement/stable/
 *   2024-05-01/apimnamedvalues.json, with examples ApiManagementListNamedValues.json,
 *   ApiManagementGetNamedValueWithKeyVault.json, ApiManagementNamedValueListValue.json):
 *   NamedValue_ListByService `GET …/service/{s}/namedValues` with `$filter` on `displayName` (eq, …), pageable
 *   (nextLink); NamedValue_Get `GET …/namedValues/{namedValueId}` ("No secrets included"); NamedValue_ListValue
 *   `POST …/namedValues/{namedValueId}/listValue` → `{value}` for secret ones. A contract has `displayName`
 *   (`^[A-Za-z0-9-._]+$`, 1–256 characters), `value` (absent for secrets), `secret`, and `keyVault`
 *   (`secretIdentifier`, `identityClientId`, `lastStatus`) when Key Vault-backed.
 * - Learn (same page): "There is no imposed limit on the number of items in the collection" — so the lookup is one
 *   `$filter=displayName eq '<name>'` request per referenced name (bounded by the references, usually one or two),
 *   never a listing of the whole collection.
 */
import { ArmError, type ArmPort, type Json } from './ports.js';
import { parsePolicy, elementChildren, type ElementNode } from './policy/tree.js';
import { PolicyParseError } from './policy/errors.js';
import { referencedNames } from './policy/ownership.js';

/** A display name APIM accepts (spec: NamedValue displayName pattern `^[A-Za-z0-9-._]+$`, 1–256 characters). */
const DISPLAY_NAME = /^[A-Za-z0-9\-._]{1,256}$/;
/** The attributes whose named values decide ownership and the calling identity. */
const ATTRIBUTES = ['resource', 'client-id'];

/**
 * The named values referenced (`{{name}}`) in the `resource` and `client-id` attributes of every
 * `<authentication-managed-identity>` of a policy document (rawxml text), in first-use order, without duplicates.
 * Pure. Attributes that are policy expressions are skipped: the engine cannot judge them whatever they reference.
 * A document that cannot be parsed gives `[]` (planApiPolicy reports it).
 */
export function namedValueRefs(policyText: string): string[] {
  let root: ElementNode;
  try {
    root = parsePolicy(policyText).root;
  } catch (e) {
    if (e instanceof PolicyParseError) return [];
    throw e;
  }
  const names: string[] = [];
  const walk = (el: ElementNode): void => {
    if (el.name === 'authentication-managed-identity') {
      for (const a of el.attrs) {
        if (!ATTRIBUTES.includes(a.name) || a.expression) continue;
        for (const n of referencedNames(a.value)) if (!names.includes(n)) names.push(n);
      }
    }
    elementChildren(el).forEach(walk);
  };
  walk(root);
  return names;
}

/**
 * The display name `value` refers to when it is exactly one named-value reference (`{{name}}`, e.g. the input
 * token-resource given as `{{orders-app-id}}`), else undefined. Pure.
 */
export function namedValueReference(value: string): string | undefined {
  const m = /^\{\{([^{}]+)\}\}$/.exec(value.trim());
  return m ? m[1] : undefined;
}

/**
 * Resolves named values by display name through ARM: `Map<name, value | undefined>` with one entry per distinct
 * name of `names`. `undefined` means "cannot be judged" — never a guess:
 * - the name is not a valid display name, or no named value has exactly that display name, or several do;
 * - a secret one whose `listValue` fails (e.g. 403) or returns no string;
 * - a Key Vault-backed one (`properties.keyVault`) whose value cannot be read (`listValue` fails or returns nothing);
 * - the ArmPort has no named-value methods (an old fake).
 * Non-secret values come from the list answer (or, when it lacks `value`, `getNamedValue`); secret and Key
 * Vault-backed ones from `listNamedValueSecret`. Values are returned to the caller only: this function never logs
 * them, and `onUnresolved(name, reason)` (optional) gets the name and a reason that never contains a value.
 * Throws what the ArmPort throws for anything but an ArmError with status 403/404 (those make the name unresolved):
 * e.g. a timeout or a 5xx after the adapter's retries.
 */
export async function resolveNamedValues(
  arm: ArmPort,
  names: string[],
  onUnresolved?: (name: string, reason: string) => void
): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  // One lookup per name, all at once (the ArmPort bounds how many are in flight); the map keeps `names`' order.
  const unique = [...new Set(names)];
  const results = await Promise.all(unique.map((name) => resolveOne(arm, name)));
  unique.forEach((name, i) => {
    const r = results[i];
    out.set(name, r.value);
    if (r.value === undefined) onUnresolved?.(name, r.why ?? 'its value could not be read');
  });
  return out;
}

/** One name's value, or why there is none (see resolveNamedValues). Throws what the ArmPort throws, but 403/404. */
async function resolveOne(arm: ArmPort, name: string): Promise<{ value?: string; why?: string }> {
  if (!DISPLAY_NAME.test(name)) {
    return { why: 'not a valid named value display name (letters, digits, "-", ".", "_"; 1–256 characters)' };
  }
  if (!arm.listNamedValues) return { why: 'named values cannot be read through this ARM port' };
  let found: Json[];
  try {
    found = (await arm.listNamedValues(`displayName eq '${name}'`, 10)).filter(
      (c) => str(props(c).displayName) === name
    );
  } catch (e) {
    if (!readRefused(e)) throw e;
    return { why: `named values cannot be listed (${(e as ArmError).status} ${(e as ArmError).code ?? ''})` };
  }
  if (found.length !== 1) {
    return {
      why: found.length === 0 ? 'no named value has this display name' : 'several named values have this display name'
    };
  }
  const contract = found[0];
  const p = props(contract);
  const id = str(contract.name) ?? str(contract.id)?.split('/').pop();
  const keyVault = typeof p.keyVault === 'object' && p.keyVault !== null;
  if (p.secret !== true && !keyVault) {
    let value = str(p.value);
    if (value === undefined && id && arm.getNamedValue) {
      try {
        value = str(props((await arm.getNamedValue(id)).body).value);
      } catch (e) {
        if (!readRefused(e)) throw e;
      }
    }
    return value === undefined ? { why: 'its value could not be read' } : { value };
  }
  const what = keyVault ? 'Key Vault-backed' : 'secret';
  if (!id || !arm.listNamedValueSecret) return { why: `${what}, and its value cannot be read through this ARM port` };
  try {
    const value = str((await arm.listNamedValueSecret(id)).value);
    return value === undefined ? { why: `${what}, and listValue returned no value` } : { value };
  } catch (e) {
    if (!readRefused(e) && !(keyVault && e instanceof ArmError && e.status >= 400 && e.status < 500)) throw e;
    const err = e as ArmError;
    return { why: `${what}, and listValue was refused (${err.status}${err.code ? ` ${err.code}` : ''})` };
  }
}

function props(c: Json): Json {
  return typeof c.properties === 'object' && c.properties !== null ? (c.properties as Json) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** An ARM answer that means "you may not / cannot read this": 403 (RBAC) or 404 (gone meanwhile). */
function readRefused(e: unknown): boolean {
  return e instanceof ArmError && (e.status === 403 || e.status === 404);
}
