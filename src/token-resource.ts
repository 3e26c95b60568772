/**
 * The input `token-resource` given as a named-value reference (`{{name}}`): the policy keeps the reference (APIM
 * substitutes it before the policy runs — Learn: "Use named values in Azure API Management policies"), everything
 * else (Easy Auth audiences, the object-ID check, the Entra pre-flight, smoke) uses its value, read through ARM
 * (src/named-values.ts). Pure.
 */
import { ActionError } from './errors.js';
import { tokenResourceProblem } from './inputs/index.js';
import { namedValueReference } from './named-values.js';
import type { Settings } from './types.js';

/**
 * `settings` with a `{{name}}` token-resource replaced by the named value's value (trimmed) and the reference kept
 * in `tokenResourceRef`; unchanged when token-resource is not a reference. `namedValues`: display name → value, as
 * observed (undefined: unresolved). Throws ActionError (nothing written yet) when the named value cannot be resolved
 * or its value is not a client ID / App ID URI; the value itself is never put into the message.
 */
export function resolveTokenResource(
  settings: Settings,
  namedValues: ReadonlyMap<string, string | undefined> | undefined
): Settings {
  const ref = settings.tokenResource ? namedValueReference(settings.tokenResource) : undefined;
  if (!ref) return settings;
  const value = namedValues?.get(ref)?.trim();
  if (value === undefined || value === '') {
    throw new ActionError(
      `token-resource {{${ref}}}: the named value cannot be resolved (it does not exist, several have that display ` +
        'name, or it is secret or Key Vault-backed and could not be read; the log says which). Give the resource ' +
        'itself, or make the named value readable by the workflow identity, and re-run. Nothing was changed.'
    );
  }
  if (value.includes('{{') || tokenResourceProblem(value)) {
    throw new ActionError(
      `token-resource {{${ref}}}: the named value's value is not the Function app's client ID or an App ID URI ` +
        '(a GUID or an absolute URI, never a scope ending in /.default). Fix the named value or give the resource ' +
        'itself, and re-run. Nothing was changed.'
    );
  }
  return { ...settings, tokenResource: value, tokenResourceRef: `{{${ref}}}` };
}
