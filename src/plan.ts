/**
 * The plan (pure): desired state from Settings, diffed against what ARM returned, for the three resources in the
 * order they must be applied: APIM identity → Easy Auth → each API policy (field case C10: the identity must exist
 * before the caller allow-list and the policy can use it). Consistency checks run here, before any write, and
 * throw ActionError with the fix; drift is data (changes), never an exception.
 */
import { ActionError } from './errors.js';
import type { Json } from './ports.js';
import {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  inspectPolicy,
  ownedManagedIdentity,
  PolicyParseError,
  type OwnershipOptions
} from './policy/index.js';
import { apimPrincipal, planApimIdentity, type ApimPrincipal } from './resources/apim-identity.js';
import { planApiPolicy } from './resources/api-policy.js';
import {
  EASY_AUTH_PATHS,
  isV1AuthConfig,
  planEasyAuth,
  resolveAppClientId,
  type ExtraCaller
} from './resources/easy-auth.js';
import { getPath } from './json-path.js';
import type { OperationRead } from './observe-pipeline.js';
import type { FragmentRead } from './policy/effective.js';
import { easyAuthLint, type ApiRoutes } from './lint.js';
import { planEffective } from './resources/effective-policy.js';
import { resolveTokenResource } from './token-resource.js';
import type { AppliedState, Plan, ResourcePlan, Settings, TargetIds } from './types.js';

/** Everything the planner reads, exactly as ARM (and, for the client ID, Graph or the input) returned it. */
export interface Observed {
  /** GET Microsoft.ApiManagement/service/{name}. */
  service: Json;
  apis: {
    apiId: string;
    resourceId: string;
    api: Json;
    policy?: { value: string; etag?: string };
    /** Its operations with their policies (src/observe-pipeline.ts); absent: not read (old callers, tests). */
    operations?: OperationRead[];
  }[];
  /** The policy fragments the API and operation policies include (nested ones too), by ID; absent: not read. */
  fragments?: Map<string, FragmentRead>;
  /** GET Microsoft.Web/sites/{name}. */
  site: Json;
  /** GET config/authsettingsV2/list. */
  authSettingsV2: Json;
  /** POST config/authsettings/list (v1; `properties.configVersion`). */
  authSettingsV1: Json;
  /** APIM system-assigned identity's client ID (appId), when resolved through Graph. */
  apimIdentityClientId?: string;
  /**
   * Named values referenced by the policies' `<authentication-managed-identity>` `resource` / `client-id`
   * (src/named-values.ts: `resolveNamedValues(arm, names)` over `namedValueRefs(policy)` of every policy), by display
   * name: the value, or undefined when unknown/unreadable (e.g. Key Vault-backed). Absent → every reference is
   * unresolved: a `{{…}}` resource cannot be judged (kept as written, warned about) and a `{{…}}` client-id is a
   * warning, never a refusal.
   */
  namedValues?: Map<string, string | undefined>;
  /**
   * Object IDs of the Function's app registration and/or its service principal, when known (Microsoft Graph): a
   * policy `resource` equal to one (or `api://<it>`) is a known wrong form of the owned element (C01) and is rewritten.
   */
  appObjectIds?: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One row of the `changes` output. */
export interface PlanChangeRow {
  resource: string;
  kind: string;
  field: string;
  before: unknown;
  after: unknown;
  /** Apply mode: what became of the resource's write (see planChanges). */
  state?: AppliedState;
}

/**
 * Checks the token `resource` (C01): it must not contain an object ID we know of (APIM's principalId, a
 * user-assigned principalId, an entry of `allowedPrincipals.identities`, APIM's own client ID) — anywhere, in any
 * case: `<id>`, `api://<id>`, `https://<id>`, `api://<id>/x` are all refused (GUID-shaped IDs are looked for as a
 * substring; other entries must equal the resource without `api://` and trailing slashes); and a GUID different
 * from the app client ID is another app. `knownObjectIds` must not contain `appClientId`. Throws ActionError
 * naming the fix; returns nothing.
 * Source: authentication-managed-identity policy reference (Learn: "resource: the target app's Application (client)
 * ID or a registered App ID URI"); MicrosoftDocs/azure-docs#58304, #47740.
 */
export function checkTokenResource(tokenResource: string, appClientId: string, knownObjectIds: string[]): void {
  const lower = tokenResource.toLowerCase();
  const bare = lower.replace(/^api:\/\//, '').replace(/\/+$/, '');
  const hit = knownObjectIds.find((id) => {
    const want = id.trim().toLowerCase();
    if (want === '') return false;
    return GUID.test(want) ? lower.includes(want) : bare === want;
  });
  if (hit) {
    throw new ActionError(
      `token-resource ${tokenResource}: resource must be the target app's appId or a registered App ID URI, not an ` +
        `object ID (${hit} is the object/principal ID of an identity). Set token-resource to ${appClientId} (or leave ` +
        'it empty) and re-run. Nothing was changed.'
    );
  }
  if (GUID.test(tokenResource) && tokenResource.toLowerCase() !== appClientId.toLowerCase()) {
    throw new ActionError(
      `token-resource ${tokenResource} is a GUID other than the app client ID ${appClientId}: APIM would get tokens ` +
        `for another app, which the Function rejects. Set token-resource to ${appClientId}, an App ID URI registered ` +
        'on that app, or leave it empty. Nothing was changed.'
    );
  }
}

/**
 * Which `<authentication-managed-identity>` of the policies is owned (src/policy OwnershipOptions) for this target:
 * `acceptableResources` = the token resource and the app client ID (Entra resolves both to the Function's app; Easy
 * Auth always accepts its `registration.clientId` audience), plus `observed.namedValues` and `observed.appObjectIds`.
 * The app client ID comes from the input or the site's Easy Auth (resolveAppClientId), so this throws ActionError
 * when neither gives one (as buildPlan does). For main.ts (Easy Auth re-derivation after the identity write) and
 * apply.ts (read-back of a written policy) — the same options buildPlan uses.
 */
export function policyOwnership(given: Settings, ids: TargetIds, observed: Observed): OwnershipOptions {
  const settings = resolveTokenResource(given, observed.namedValues);
  const appClientId = resolveAppClientId(settings.appClientId, observed.authSettingsV2, ids.authSettingsV2);
  const tokenResource = settings.tokenResource || appClientId;
  const ref = settings.tokenResourceRef ? [settings.tokenResourceRef] : [];
  return {
    acceptableResources: [...new Set([tokenResource, appClientId, ...ref])],
    ...(observed.namedValues ? { namedValues: observed.namedValues } : {}),
    ...(observed.appObjectIds?.length ? { appObjectIds: observed.appObjectIds } : {})
  };
}

/**
 * Reads the policies' `authentication-managed-identity` elements: returns the warnings (nested/conditional elements
 * left alone, a `client-id` that cannot be resolved; ignore-error="true" on the owned element is security lint;
 * conflicts are planApiPolicy errors) and the extra callers (a user-assigned
 * identity selected with `client-id` on the OWNED element — the one that sends the Function's token, chosen by
 * purpose with `ownership`, see src/policy OwnershipOptions — which is who then calls the Function). A `client-id`
 * may be a `{{named value}}`: it is judged after substitution with `ownership.namedValues`; one that cannot be
 * resolved (unknown, Key Vault-backed and unreadable, an expression) is a warning, not a refusal. Elements that are
 * not the owned one (Azure OpenAI, Key Vault, …) are the user's: their client-id is not checked.
 * Throws ActionError when the owned element's (resolved) `client-id` is not the client ID of a user-assigned
 * identity attached to APIM. Unparsable policies are skipped here (planApiPolicy reports them).
 * `ownership` omitted → ownership by position (the first direct element without output-token-variable-name).
 */
export function inspectPolicies(
  apis: Observed['apis'],
  principal: ApimPrincipal,
  ownership: OwnershipOptions = {}
): { warnings: string[]; extraCallers: ExtraCaller[] } {
  const warnings: string[] = [];
  const extraCallers: ExtraCaller[] = [];
  for (const a of apis) {
    if (a.policy === undefined) continue;
    let info: ReturnType<typeof inspectPolicy>;
    let owned: ReturnType<typeof ownedManagedIdentity>;
    try {
      info = inspectPolicy(a.policy.value, ownership);
      owned = ownedManagedIdentity(a.policy.value, ownership);
    } catch (e) {
      if (e instanceof PolicyParseError) continue;
      throw e;
    }
    const where = `API policy ${a.apiId}`;
    for (const mi of info.managedIdentity) {
      if (!mi.direct) {
        warnings.push(
          `${where}: an authentication-managed-identity inside a nested or conditional block was left alone.`
        );
      }
    }
    // ignore-error="true" on the owned element is security lint (src/resources/effective-policy.ts).
    if (!owned) continue;
    if (owned.clientId === undefined) continue;
    const authored = owned.clientId;
    const cid = owned.clientIdResolved;
    if (cid === undefined) {
      warnings.push(
        `${where}: authentication-managed-identity client-id="${authored}" (line ${owned.line}) cannot be checked: ` +
          `${owned.clientIdUnresolved ?? 'it cannot be resolved'}. The identity it selects calls the Function; if it ` +
          'is a user-assigned identity, make sure it is attached to APIM and allowed in Easy Auth ' +
          '(allowedPrincipals.identities / allowedApplications).'
      );
      continue;
    }
    const viaNamedValue = authored.trim() !== cid;
    const uai = principal.userAssigned.find((u) => u.clientId?.toLowerCase() === cid.toLowerCase());
    if (!uai) {
      const attached = principal.userAssigned.map((u) => `${u.resourceId} (${u.clientId ?? 'client ID unknown'})`);
      throw new ActionError(
        `${where}: authentication-managed-identity client-id="${authored}"` +
          `${viaNamedValue ? ' (through its named value)' : ''} is not the client ID of a ` +
          `user-assigned identity attached to APIM (attached: ${attached.join(', ') || 'none'}). Remove client-id ` +
          'to use the system-assigned identity, or attach that identity to APIM. Nothing was changed.',
        a.resourceId
      );
    }
    warnings.push(
      `${where}: authentication-managed-identity uses client-id="${authored}" (user-assigned ` +
        `${uai.resourceId.split('/').pop()}): that identity, not the system-assigned one, calls the Function; it is ` +
        'allowed in Easy Auth too.'
    );
    if (!extraCallers.some((c) => c.clientId === uai.clientId)) {
      extraCallers.push({
        label: `user-assigned identity ${uai.resourceId.split('/').pop()}`,
        principalId: uai.principalId,
        clientId: uai.clientId
      });
    }
  }
  return { warnings, extraCallers };
}

/**
 * Builds the plan for one target. `ids` are the ARM IDs (TargetIds), `observed` the reads.
 * The owned `<authentication-managed-identity>` of each policy is chosen by purpose ({@link policyOwnership}: token
 * resource and app client ID acceptable, `observed.namedValues` substituted, `observed.appObjectIds` as known wrong
 * forms); every other managed-identity element is the user's.
 * Order: identity, Easy Auth, then each API policy in `observed.apis` order (each deletes its API's own
 * subscription-key header, {@link subscriptionKeyHeader}, and query parameter, {@link subscriptionKeyQuery}). A resource that cannot be planned
 * (unparsable policy) carries `error` and no write (see assertNoPlanErrors).
 * Throws ActionError before any write for: v1 auth config, no app client ID, a token-resource that is an object ID
 * or another app's GUID (C01), a policy `client-id` that is not an attached user-assigned identity, APIM's client
 * ID needed but unknown (C04), `identities` over 500 characters.
 */
export function buildPlan(given: Settings, ids: TargetIds, observed: Observed): Plan {
  const settings = resolveTokenResource(given, observed.namedValues);
  const principal = apimPrincipal(observed.service);
  const identity = planApimIdentity(ids.apim, observed.service);
  if (isV1AuthConfig(observed.authSettingsV1)) {
    // planEasyAuth throws the ActionError that explains the migration.
    planEasyAuthFor(settings, ids, observed, principal, []);
  }
  const appClientId = resolveAppClientId(settings.appClientId, observed.authSettingsV2, ids.authSettingsV2);
  const tokenResource = settings.tokenResource || appClientId;
  const apimIdentityClientId = settings.apimIdentityClientId || observed.apimIdentityClientId;
  const identities = getPath(observed.authSettingsV2, `properties.${EASY_AUTH_PATHS.identities}`);
  const knownObjectIds = [
    principal.principalId,
    ...principal.userAssigned.map((u) => u.principalId),
    ...(Array.isArray(identities) ? identities : []),
    apimIdentityClientId
  ].filter((x): x is string => typeof x === 'string' && x !== '' && x.toLowerCase() !== appClientId.toLowerCase());
  checkTokenResource(tokenResource, appClientId, knownObjectIds);

  const ownership = policyOwnership(settings, ids, observed);
  const inspected = inspectPolicies(observed.apis, principal, ownership);
  const easy = planEasyAuthFor(settings, ids, observed, principal, inspected.extraCallers);
  const policies = planPolicies(settings.tokenResourceRef ?? tokenResource, observed, ownership);
  const lint = [
    ...policies.lint,
    ...easyAuthLint(easy.label, observed.authSettingsV2, easyBody(easy) ?? observed.authSettingsV2, routesOf(observed))
  ];
  const warnings = [...inspected.warnings, ...easy.warnings, ...policies.warnings];
  const { warnings: _w, facts, ...easyPlan } = easy;
  return {
    resources: [identity, easyPlan, ...policies.plans],
    warnings: [...new Set(warnings)],
    lint: lint.filter((l, i) => lint.findIndex((m) => m.where === l.where && m.message === l.message) === i),
    facts: {
      apimPrincipalId: principal.principalId,
      apimIdentityClientId,
      appClientId,
      tokenResource,
      effectiveAudiences: facts.effectiveAudiences,
      excludedPaths: facts.excludedPaths,
      openIdIssuer: facts.openIdIssuer,
      gatewayUrl: str(getPath(observed.service, 'properties.gatewayUrl')),
      defaultHostName: str(getPath(observed.site, 'properties.defaultHostName'))
    }
  };
}

/**
 * Each API's policy plan, then the effective pipeline around it (src/resources/effective-policy.ts): a finding adds
 * to that API's refusal (`error`). `resource` is what the policy's owned element asks for (token-resource as
 * written: a `{{name}}` reference stays one). Warnings the inspections explain better are dropped (see below).
 */
function planPolicies(resource: string, observed: Observed, ownership: OwnershipOptions) {
  const apis = observed.apis.map((a) => {
    const keyHeader = subscriptionKeyHeader(a.api);
    const keyQuery = subscriptionKeyQuery(a.api);
    const plan = planApiPolicy(a.apiId, policyId(a), a.policy, resource, keyHeader, keyQuery, ownership);
    return { api: a, plan, keyHeader, keyQuery };
  });
  const effective = planEffective(apis, observed.fragments ?? new Map(), resource, ownership);
  // inspectPolicies already explains these element attributes; drop the merge's shorter versions of them. Once the
  // fragments were read, the merge's "its content is not inspected" is replaced by the effective pipeline's findings.
  const covered = /ignore-error|output-token-variable-name|nested <authentication-managed-identity|client-id=/;
  const judged = observed.fragments ? /its content is not inspected/ : /$^/;
  const plans = apis.map(({ api, plan: { warnings: _w, ...p } }) => {
    const more = effective.errors.get(api.apiId);
    return more ? { ...p, error: p.error ? `${p.error}; ${more}` : more } : p;
  });
  return {
    plans,
    warnings: [
      ...apis.flatMap((a) => a.plan.warnings.filter((w) => !covered.test(w) && !judged.test(w))),
      ...effective.warnings
    ],
    lint: effective.lint
  };
}

/** The Easy Auth body the plan writes, if any. */
function easyBody(easy: ResourcePlan): Json | undefined {
  return easy.write?.op === 'put-authsettings-v2' ? easy.write.body : undefined;
}

/** What each API sends to the Function: its serviceUrl and its operations' URL templates (for the lint). */
function routesOf(observed: Observed): ApiRoutes[] {
  return observed.apis.map((a) => ({
    apiId: a.apiId,
    serviceUrl: str(getPath(a.api, 'properties.serviceUrl')),
    operations: a.operations ?? []
  }));
}

function planEasyAuthFor(
  settings: Settings,
  ids: TargetIds,
  observed: Observed,
  principal: ApimPrincipal,
  extraCallers: ExtraCaller[]
) {
  return planEasyAuth({
    resourceId: ids.authSettingsV2,
    current: observed.authSettingsV2,
    v1: observed.authSettingsV1,
    tenantId: settings.tenantId,
    appClientId: settings.appClientId || undefined,
    tokenResource: settings.tokenResource || undefined,
    openIdIssuer: settings.openIdIssuer || undefined,
    allowedCallers: settings.allowedCallers,
    excludedPaths: settings.excludedPaths,
    apimPrincipalId: principal.principalId,
    apimIdentityClientId: settings.apimIdentityClientId || observed.apimIdentityClientId,
    extraCallers
  });
}

/**
 * The API's subscription-key header: `properties.subscriptionKeyParameterNames.header` of the API body as ARM
 * returned it, `Ocp-Apim-Subscription-Key` when absent or empty (Learn: "Subscriptions in Azure API Management";
 * REST Api `subscriptionKeyParameterNames`). The policy deletes this header so the key never reaches the Function.
 */
export function subscriptionKeyHeader(api: Json): string {
  const h = getPath(api, 'properties.subscriptionKeyParameterNames.header');
  return typeof h === 'string' && h.trim() !== '' ? h.trim() : DEFAULT_KEY_HEADER;
}

/**
 * The API's subscription-key query parameter: `properties.subscriptionKeyParameterNames.query` of the API body as ARM
 * returned it, `subscription-key` when absent or empty (Learn: "Subscriptions in Azure API Management": a key sent in
 * the query is passed to the backend unless a set-query-parameter policy removes it). The policy deletes it.
 */
export function subscriptionKeyQuery(api: Json): string {
  const q = getPath(api, 'properties.subscriptionKeyParameterNames.query');
  return typeof q === 'string' && q.trim() !== '' ? q.trim() : DEFAULT_KEY_QUERY;
}

/** The policy's ARM ID: `<api ID>/policies/policy`. */
function policyId(a: Observed['apis'][number]): string {
  return a.resourceId.endsWith('/policies/policy') ? a.resourceId : `${a.resourceId}/policies/policy`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Every change of the plan as one flat row (the action's `changes` output). `resource` is the ARM ID; an absent
 * `before`/`after` is `null`. With `applied` (apply mode: RunReport.applied, by resource label) each row also
 * carries `state`, what became of its resource's write (`verified`, `written-unverified`, `unknown`,
 * `not-written`, `not-attempted`, `in-sync`): the output says what happened, not only what was planned.
 */
export function planChanges(plan: Plan, applied?: { label: string; state?: AppliedState }[]): PlanChangeRow[] {
  return plan.resources.flatMap((r: ResourcePlan) =>
    r.changes.map((c) => ({
      resource: r.resourceId,
      kind: r.kind,
      field: c.path,
      // An absent value is null, so every row of the JSON output has both keys (JSON.stringify drops undefined).
      before: c.before === undefined ? null : c.before,
      after: c.after === undefined ? null : c.after,
      ...(applied ? { state: applied.find((a) => a.label === r.label)?.state ?? 'not-attempted' } : {})
    }))
  );
}

/** True when any resource needs a change. */
export function hasDrift(plan: Plan): boolean {
  return plan.resources.some((r) => r.changes.length > 0);
}

/**
 * The one decision of what stops a run before any write: the resources whose planner returned an error finding
 * (`error`: an unparsable or unmanageable policy, a conflict in content the user owns, …). Callers word the stop
 * (assertNoPlanErrors, applyPlan, reconcileTarget); none decides it differently. Pure.
 */
export function planBlockers(plan: Plan): ResourcePlan[] {
  return plan.resources.filter((r) => r.error);
}

/**
 * Throws ActionError listing every resource that cannot be planned (`error`), so nothing is written when one of
 * them is broken. Returns normally when there is none.
 */
export function assertNoPlanErrors(plan: Plan): void {
  const broken = planBlockers(plan);
  if (broken.length === 0) return;
  throw new ActionError(
    `Nothing was changed: ${broken.length} resource(s) cannot be reconciled: ` +
      broken.map((r) => `${r.label} (${r.resourceId}): ${r.error}`).join('; '),
    broken[0].resourceId
  );
}
