/**
 * Easy Auth (App Service authentication, `Microsoft.Web/sites/config/authsettingsV2`), pure planning and read-back
 * verification.
 *
 * Azure facts relied on (DESIGN §3; field cases C02, C03, C04, C06, C07, C10, C14):
 * - GET `config/authsettingsV2/list` (api 2025-05-01, flat shape, REST WebApps_GetAuthSettingsV2) returns the whole
 *   document and PUT `config/authsettingsV2` replaces all of it (WebApps_UpdateAuthSettingsV2): read, merge only the
 *   owned paths, write, read back and verify (a PUT can answer 200 and drop a provider: azure-sdk-for-js#18978).
 * - `registration.clientId` is always an accepted audience; others are exact strings in `validation.allowedAudiences`
 *   (MicrosoftDocs/azure-docs#36118).
 * - `defaultAuthorizationPolicy.allowedApplications` matches client IDs (`appid`/`azp`);
 *   `allowedPrincipals.identities` matches object IDs (`oid`); both must pass (Learn: "Configure your App Service or
 *   Azure Functions app to use Microsoft Entra sign-in" → "Use a built-in authorization policy";
 *   MicrosoftDocs/entra-docs#1114). An explicit empty list can deny everyone; `identities` holds at most 500 characters.
 * - v1 access tokens (what a managed identity gets unless the app requests v2) carry
 *   `iss = https://sts.windows.net/{tenant}/` (Learn: "Access tokens in the Microsoft identity platform").
 * - POST `config/authsettings/list` (v1 API) returns `properties.configVersion` ('v1' | 'v2').
 */
import { ActionError } from '../errors.js';
import type { Json } from '../ports.js';
import type { AllowedCallers, FieldChange, ResourcePlan } from '../types.js';
import { cloneJson, deepEqual, getPath, isPlainObject, isUnder, leaves, pathToString, setPath } from '../json-path.js';

const AAD = 'identityProviders.azureActiveDirectory';
const REG = `${AAD}.registration`;
const VAL = `${AAD}.validation`;
const DAP = `${VAL}.defaultAuthorizationPolicy`;

/** Owned paths, relative to `properties`. Everything else in the document is preserved as read. */
export const EASY_AUTH_PATHS = {
  platformEnabled: 'platform.enabled',
  requireAuthentication: 'globalValidation.requireAuthentication',
  unauthenticatedClientAction: 'globalValidation.unauthenticatedClientAction',
  excludedPaths: 'globalValidation.excludedPaths',
  aadEnabled: `${AAD}.enabled`,
  clientId: `${REG}.clientId`,
  openIdIssuer: `${REG}.openIdIssuer`,
  allowedAudiences: `${VAL}.allowedAudiences`,
  identities: `${DAP}.allowedPrincipals.identities`,
  groups: `${DAP}.allowedPrincipals.groups`,
  allowedApplications: `${DAP}.allowedApplications`
} as const;

const OWNED = Object.values(EASY_AUTH_PATHS).map((p) => p.split('.'));

/** Cap of `allowedPrincipals.identities`, in characters of the comma-joined list (DESIGN §3). */
export const IDENTITIES_MAX_CHARS = 500;

/** Shown in a change's `after` while APIM's system identity does not exist yet (C10). */
export const PENDING_PRINCIPAL = '<APIM system-assigned principalId, known after the identity is enabled>';
export const PENDING_CLIENT_ID = '<APIM system-assigned client ID, known after the identity is enabled>';

/** Another identity that calls the Function through APIM (e.g. a user-assigned identity chosen by `client-id`). */
export interface ExtraCaller {
  label: string;
  principalId?: string;
  clientId?: string;
}

export interface EasyAuthInput {
  /** ARM ID of `.../config/authsettingsV2`. */
  resourceId: string;
  /** Body of GET `config/authsettingsV2/list` (whole resource, `properties` flat). */
  current: Json;
  /** Body of POST `config/authsettings/list` (v1); only `properties.configVersion` is read. */
  v1: Json;
  tenantId: string;
  /** Input `app-client-id`; undefined → the existing `registration.clientId`. */
  appClientId?: string;
  /** The policy's `resource`; undefined → the app client ID. */
  tokenResource?: string;
  /** Issuer used only when the registration is created from scratch. */
  openIdIssuer?: string;
  allowedCallers: AllowedCallers;
  excludedPaths: string[];
  /** APIM's system-assigned object ID; undefined while the identity does not exist (→ deferred). */
  apimPrincipalId?: string;
  /** APIM's system-assigned client ID (Graph lookup or input `apim-identity-client-id`). */
  apimIdentityClientId?: string;
  /** Further callers to allow (e.g. the user-assigned identity a policy selects with `client-id`). */
  extraCallers?: ExtraCaller[];
}

/** A ResourcePlan plus the findings `buildPlan` lifts into the Plan. */
export interface EasyAuthPlan extends ResourcePlan {
  warnings: string[];
  facts: { appClientId: string; effectiveAudiences: string[]; excludedPaths: string[]; openIdIssuer?: string };
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** True when `v1` (POST config/authsettings/list body) says the site still runs the v1 auth config. */
export function isV1AuthConfig(v1: Json): boolean {
  return str(getPath(v1, 'properties.configVersion'))?.toLowerCase() === 'v1';
}

/**
 * The app client ID in force: `appClientId` ?? the existing `registration.clientId` of `authSettingsV2` (GET body).
 * Throws ActionError (with how to create an app registration) when neither exists.
 */
export function resolveAppClientId(appClientId: string | undefined, authSettingsV2: Json, resourceId?: string): string {
  const id = str(appClientId) ?? str(getPath(authSettingsV2, `properties.${EASY_AUTH_PATHS.clientId}`));
  if (id) return id;
  throw new ActionError(
    `Easy Auth ${resourceId ?? ''}: no app registration is configured and input app-client-id is empty. ` +
      'Create one, e.g. `az ad app create --display-name <function-app>-api --sign-in-audience AzureADMyOrg`, ' +
      'and set app-client-id to its appId. Nothing was changed.',
    resourceId
  );
}

/**
 * Plans `authsettingsV2` for one site (see EasyAuthInput). Returns the changes (paths relative to `properties`),
 * and when there are any, `write = {op:'put-authsettings-v2', body:{properties}, ownedPaths}`: the document as read
 * with only the owned paths merged. When APIM's principalId is unknown (C10) the identities change shows
 * PENDING_PRINCIPAL, `deferredUntil = 'apim-identity'`, and `write` is the best body known now.
 * Throws ActionError: v1 auth config; no app client ID; APIM's client ID needed (allowedApplications is non-empty)
 * but unknown; `apimIdentityClientId` equal to an object ID; `identities` over 500 characters.
 */
export function planEasyAuth(input: EasyAuthInput): EasyAuthPlan {
  const { resourceId } = input;
  const site = resourceId.split('/config/')[0]?.split('/').pop() ?? resourceId;
  const label = `Easy Auth ${site}`;
  if (isV1AuthConfig(input.v1)) {
    throw new ActionError(
      `Easy Auth ${resourceId}: the site uses the classic (v1) authentication config. Migrate it to authsettingsV2 ` +
        '(portal: Authentication → upgrade, or `az webapp auth config-version upgrade -g <rg> -n <app>`) and re-run. ' +
        'Nothing was changed.',
      resourceId
    );
  }
  const clientId = resolveAppClientId(input.appClientId, input.current, resourceId);
  const props: Record<string, unknown> = isPlainObject(input.current.properties)
    ? cloneJson(input.current.properties)
    : {};
  const original = cloneJson(props);
  const d: Draft = { props, changes: [], notes: [], warnings: [] };

  const registrationExisted = isPlainObject(getPath(props, REG));
  own(d, EASY_AUTH_PATHS.platformEnabled, true);
  own(d, EASY_AUTH_PATHS.requireAuthentication, true);
  own(d, EASY_AUTH_PATHS.unauthenticatedClientAction, 'Return401');
  own(d, EASY_AUTH_PATHS.aadEnabled, true);
  own(d, EASY_AUTH_PATHS.clientId, clientId);
  const issuer = planIssuer(d, label, input, registrationExisted);
  const effectiveAudiences = planAudiences(d, label, clientId, str(input.tokenResource) ?? clientId);
  const finalExcluded = planExcludedPaths(d, input.excludedPaths);

  const callers = callersOf(input);
  const identitiesDeferred = planIdentities(d, input, callers);
  const applicationsDeferred = planAllowedApplications(d, label, input, callers);
  if (input.allowedCallers === 'tenant') {
    d.warnings.push(
      `${label}: allowed-callers is tenant: any identity in the tenant with a token for ${effectiveAudiences.join(' or ')} ` +
        'can call the Function directly.'
    );
  }
  dropEmptyCallerLists(props);

  d.notes.push(`preserved ${preservedSettings(original, props)} other settings`);

  const { changes, notes, warnings } = d;
  const plan: EasyAuthPlan = {
    kind: 'easy-auth',
    resourceId,
    label,
    changes,
    notes,
    warnings,
    facts: { appClientId: clientId, effectiveAudiences, excludedPaths: finalExcluded, openIdIssuer: issuer }
  };
  if (changes.length > 0) {
    plan.write = { op: 'put-authsettings-v2', body: { properties: props }, ownedPaths: changes.map((c) => c.path) };
  }
  if (identitiesDeferred || applicationsDeferred) plan.deferredUntil = 'apim-identity';
  return plan;
}

/**
 * The one count behind "preserved N other settings": the settings (leaves) of the document as it will be written
 * (`written`, the `properties`), outside the owned paths, that hold the value they have in the document read
 * (`read`). An empty object the merge fills (e.g. `identityProviders: {}` gaining `azureActiveDirectory`) is structure,
 * not a setting: it is not counted, so a document counts the same before it is written (check, apply) and when it
 * is read again (the next run).
 */
export function preservedSettings(read: Record<string, unknown>, written: Record<string, unknown>): number {
  return leaves(written).filter(([p, v]) => !OWNED.some((o) => isUnder(p, o)) && deepEqual(getPath(read, p), v)).length;
}

/**
 * The document being planned: `props` as it will be written (the `properties` read, owned paths merged in), and
 * what the plan records on the way. The planning steps below each add to it, in the order of the document.
 */
interface Draft {
  props: Record<string, unknown>;
  changes: FieldChange[];
  notes: string[];
  warnings: string[];
}

/** Sets owned `path` to `after` in the draft, recording the change when the value differs from the one in place. */
function own(d: Draft, path: string, after: unknown): void {
  const before = getPath(d.props, path);
  if (deepEqual(before, after)) return;
  d.changes.push({ path, before: cloneJson(before), after: cloneJson(after) });
  setPath(d.props, path, cloneJson(after));
}

/**
 * Issuer (C03): set only for a registration created now; an existing one is never rewritten. `openIdIssuer` is
 * undefined when the input is empty (src/inputs.ts): the v1 default is applied here, and only an explicit input is
 * reported as one. Warns about a v2.0 issuer (tokens APIM gets are v1). Returns the issuer in effect.
 */
function planIssuer(d: Draft, label: string, input: EasyAuthInput, registrationExisted: boolean): string | undefined {
  const existingIssuer = str(getPath(d.props, EASY_AUTH_PATHS.openIdIssuer));
  const defaultIssuer = `https://sts.windows.net/${input.tenantId.toLowerCase()}/`;
  const explicitIssuer = str(input.openIdIssuer);
  if (!registrationExisted) {
    const issuer = str(input.openIdIssuer) ?? defaultIssuer;
    own(d, EASY_AUTH_PATHS.openIdIssuer, issuer);
    d.notes.push(`issuer ${issuer} (${explicitIssuer ? 'from input open-id-issuer' : 'v1 default'})`);
  } else if (!existingIssuer) {
    d.warnings.push(`${label}: the Azure AD registration has no openIdIssuer; left unset (set it in the portal).`);
  } else if (explicitIssuer && explicitIssuer !== existingIssuer) {
    d.warnings.push(
      `${label}: existing openIdIssuer ${existingIssuer} kept; input open-id-issuer is used only for a new registration.`
    );
  }
  const issuer = str(getPath(d.props, EASY_AUTH_PATHS.openIdIssuer));
  if (issuer && /\/v2\.0\/?$/i.test(issuer)) {
    d.warnings.push(
      `${label}: openIdIssuer ${issuer} is the v2.0 form, but tokens APIM gets are v1 (iss https://sts.windows.net/<tenant>/) ` +
        'unless the app registration sets requestedAccessTokenVersion 2; calls may answer 401 (C03).'
    );
  }
  return issuer;
}

/**
 * Audiences (C02): adds `tokenResource` when it is not the client ID; keeps and never edits existing entries (warns
 * about `/.default` ones). Returns the effective audiences: the client ID first, then the allowed ones.
 */
function planAudiences(d: Draft, label: string, clientId: string, tokenResource: string): string[] {
  const audiences = strings(getPath(d.props, EASY_AUTH_PATHS.allowedAudiences)) ?? [];
  if (tokenResource !== clientId && !audiences.includes(tokenResource)) {
    own(d, EASY_AUTH_PATHS.allowedAudiences, [...audiences, tokenResource]);
  }
  for (const a of audiences.filter((x) => x.endsWith('/.default'))) {
    d.warnings.push(
      `${label}: allowedAudiences entry ${a} ends in /.default (a scope, never a token audience); left in place.`
    );
  }
  const finalAudiences = strings(getPath(d.props, EASY_AUTH_PATHS.allowedAudiences)) ?? [];
  const effectiveAudiences = [clientId, ...finalAudiences.filter((a) => a !== clientId)];
  d.notes.push(`effective audiences: ${effectiveAudiences.join(', ')}`);
  return effectiveAudiences;
}

/** Excluded paths (C14): the union of those in place and `wanted`, order kept. Returns the paths in effect. */
function planExcludedPaths(d: Draft, wanted: string[]): string[] {
  const excluded = strings(getPath(d.props, EASY_AUTH_PATHS.excludedPaths)) ?? [];
  const addPaths = wanted.filter((p, i, all) => !excluded.includes(p) && all.indexOf(p) === i);
  if (addPaths.length > 0) own(d, EASY_AUTH_PATHS.excludedPaths, [...excluded, ...addPaths]);
  return strings(getPath(d.props, EASY_AUTH_PATHS.excludedPaths)) ?? [];
}

/**
 * The identities allowed to call (C04, C10): APIM's system-assigned identity first, then the extra callers.
 * Throws ActionError when a caller's client ID is its object ID (allowedApplications would never match it).
 */
function callersOf(input: EasyAuthInput): ExtraCaller[] {
  const callers: ExtraCaller[] = [
    {
      label: 'APIM system-assigned identity',
      principalId: input.apimPrincipalId,
      clientId: input.apimIdentityClientId
    },
    ...(input.extraCallers ?? [])
  ];
  for (const c of callers) {
    if (c.clientId && c.principalId && sameId(c.clientId, c.principalId)) {
      throw new ActionError(
        `Easy Auth ${input.resourceId}: the client ID given for ${c.label} (${c.clientId}) is its object (principal) ID. ` +
          'allowedApplications matches client IDs (appid): set apim-identity-client-id to the service principal appId.',
        input.resourceId
      );
    }
  }
  return callers;
}

/**
 * `allowedPrincipals.identities` (matched against `oid`), with apim-only callers or when the list is in use: adds
 * each caller's object ID. APIM's identity not created yet shows PENDING_PRINCIPAL and makes the plan deferred
 * (returns true). Throws ActionError when the list would go over IDENTITIES_MAX_CHARS.
 */
function planIdentities(d: Draft, input: EasyAuthInput, callers: ExtraCaller[]): boolean {
  const identities = strings(getPath(d.props, EASY_AUTH_PATHS.identities));
  if (!(input.allowedCallers === 'apim-only' || (identities?.length ?? 0) > 0)) return false;
  let deferred = false;
  const next = [...(identities ?? [])];
  const shown = [...next];
  for (const c of callers) {
    if (!c.principalId) {
      if (c === callers[0]) {
        deferred = true;
        shown.push(PENDING_PRINCIPAL);
      }
      continue;
    }
    if (!next.some((x) => sameId(x, c.principalId!))) {
      next.push(c.principalId);
      shown.push(c.principalId);
      d.notes.push(`allowedPrincipals.identities += ${c.principalId} (${c.label} object ID, matched against oid)`);
    }
  }
  // A principalId not known yet (the identity is created by this run) is a GUID: count its 36 characters now, so
  // the limit stops the run before the identity write rather than after it.
  const projected = [...next, ...(deferred ? ['00000000-0000-0000-0000-000000000000'] : [])].join(',').length;
  if (projected > IDENTITIES_MAX_CHARS) {
    throw new ActionError(
      `Easy Auth ${input.resourceId}: allowedPrincipals.identities would be ${projected} characters, over the ` +
        `${IDENTITIES_MAX_CHARS}-character limit. Remove stale object IDs from the list (portal or az rest) and re-run.`,
      input.resourceId
    );
  }
  if (next.length > 0) own(d, EASY_AUTH_PATHS.identities, next);
  if (shown.length > next.length) {
    d.changes.push({ path: EASY_AUTH_PATHS.identities, before: cloneJson(identities), after: shown });
    dedupeLastChange(d.changes);
  }
  return deferred;
}

/**
 * `defaultAuthorizationPolicy.allowedApplications` (matched against `appid`/`azp`), only when the list is in use:
 * warns about object IDs in it, adds each caller's client ID. APIM's identity not created yet shows
 * PENDING_CLIENT_ID and makes the plan deferred (returns true). A caller whose client ID is unknown is a warning
 * with `allowed-callers: tenant`, else an ActionError (how to make it known).
 */
function planAllowedApplications(d: Draft, label: string, input: EasyAuthInput, callers: ExtraCaller[]): boolean {
  const apps = strings(getPath(d.props, EASY_AUTH_PATHS.allowedApplications));
  for (const c of callers) {
    if (c.principalId && apps?.some((x) => sameId(x, c.principalId!))) {
      d.warnings.push(
        `${label}: allowedApplications holds ${c.principalId}, the object ID of the ${c.label}; it never matches ` +
          '(allowedApplications is compared with the client ID in appid/azp). Left in place.'
      );
    }
  }
  if (!apps || apps.length === 0) return false;
  let deferred = false;
  const next = [...apps];
  const shown = [...apps];
  for (const c of callers) {
    if (!c.clientId) {
      if (!c.principalId && c === callers[0]) {
        deferred = true;
        shown.push(PENDING_CLIENT_ID);
        continue;
      }
      d.warnings.push(unknownClientId(label, input, apps, c));
      continue;
    }
    if (!next.some((x) => sameId(x, c.clientId!))) {
      next.push(c.clientId);
      shown.push(c.clientId);
      d.notes.push(`allowedApplications += ${c.clientId} (${c.label} client ID, matched against appid/azp)`);
    }
  }
  own(d, EASY_AUTH_PATHS.allowedApplications, next);
  if (shown.length > next.length) {
    d.changes.push({ path: EASY_AUTH_PATHS.allowedApplications, before: cloneJson(apps), after: shown });
    dedupeLastChange(d.changes);
  }
  return deferred;
}

/**
 * A caller that allowedApplications must list but whose client ID is unknown: the warning to give with
 * `allowed-callers: tenant`; otherwise throws ActionError saying how to make the client ID known.
 */
function unknownClientId(label: string, input: EasyAuthInput, apps: string[], c: ExtraCaller): string {
  if (input.allowedCallers === 'tenant') {
    return (
      `${label}: allowedApplications is set (${apps.join(', ')}) and the client ID of the ${c.label} is unknown; ` +
      'APIM calls get 403 unless it is listed. Set apim-identity-client-id (or grant Application.Read.All).'
    );
  }
  throw new ActionError(
    `Easy Auth ${input.resourceId}: allowedApplications is set (${apps.join(', ')}), so the client ID (appId) of the ` +
      `${c.label} must be added, and it is unknown: ARM gives only its object ID ${c.principalId}. Grant the ` +
      'workflow identity the Microsoft Graph permission Application.Read.All (so the action can look it up), or ' +
      'set the input apim-identity-client-id.',
    input.resourceId
  );
}

/** Never write an explicit empty list where it can deny everyone (DESIGN §3): empty caller lists are removed. */
function dropEmptyCallerLists(props: Record<string, unknown>): void {
  for (const p of [EASY_AUTH_PATHS.identities, EASY_AUTH_PATHS.groups, EASY_AUTH_PATHS.allowedApplications]) {
    const v = getPath(props, p);
    if (Array.isArray(v) && v.length === 0) setPath(props, p, undefined);
  }
}

/** When a path was recorded twice (the real merge, then the display with a placeholder), keep only the last. */
function dedupeLastChange(changes: FieldChange[]): void {
  const last = changes[changes.length - 1];
  const i = changes.findIndex((c) => c.path === last.path);
  if (i < changes.length - 1) changes.splice(i, 1);
}

function isEmptyish(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isPlainObject(v) && Object.keys(v).length === 0)
  );
}

function equivalent(a: unknown, b: unknown): boolean {
  return (isEmptyish(a) && isEmptyish(b)) || deepEqual(a, b);
}

/**
 * Verifies an authsettingsV2 write (C06, C07). `before` = GET body before the write, `written` = the PUT body,
 * `after` = GET body after it; `ownedPaths` relative to `properties`. Returns the problems found (empty = ok):
 * - the Azure AD provider missing, disabled, or without clientId → `provider not persisted (api-version/shape mismatch)`;
 * - an owned path whose value read back differs from what was written;
 * - any other leaf of `properties` that differs between `before` and `after` (named by path; values are not printed,
 *   since the document can hold secret material). An empty list/object counts as absent. Top-level server fields
 *   (`id`, `name`, `type`, `kind`, `systemData`, `etag`, `location`) are not compared. Never throws.
 */
export function verifyEasyAuthReadBack(before: Json, written: Json, after: Json, ownedPaths: string[]): string[] {
  const problems: string[] = [];
  const p = (doc: Json): Record<string, unknown> => (isPlainObject(doc.properties) ? doc.properties : {});
  const [b, w, a] = [p(before), p(written), p(after)];
  const aad = getPath(a, AAD);
  if (!isPlainObject(aad) || aad.enabled !== true || !str(getPath(aad, 'registration.clientId'))) {
    problems.push(
      'provider not persisted (api-version/shape mismatch): identityProviders.azureActiveDirectory is missing, ' +
        'disabled or has no registration.clientId after the write'
    );
  }
  for (const path of ownedPaths) {
    if (!equivalent(getPath(a, path), getPath(w, path))) {
      problems.push(
        `${path}: read back ${JSON.stringify(getPath(a, path))}, wrote ${JSON.stringify(getPath(w, path))}`
      );
    }
  }
  const owned = ownedPaths.map((x) => x.split('.'));
  const seen = new Set<string>();
  for (const [path] of [...leaves(b), ...leaves(a)]) {
    const key = JSON.stringify(path);
    if (seen.has(key) || path.length === 0 || owned.some((o) => isUnder(path, o))) continue;
    seen.add(key);
    const [bv, av] = [getPath(b, path), getPath(a, path)];
    // an empty object on one side and an object on the other: the object's own leaves are compared
    if ((isPlainObject(bv) || bv === undefined) && (isPlainObject(av) || av === undefined)) continue;
    if (!equivalent(bv, av)) {
      problems.push(`${pathToString(path)} changed by the write although it is not owned by the action`);
    }
  }
  return problems;
}
