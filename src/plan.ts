/**
 * The plan (pure): desired state from Settings, diffed against what ARM returned, for the three resources in the
 * order they must be applied: APIM identity → Easy Auth → each API policy (field case C10: the identity must exist
 * before the caller allow-list and the policy can use it). Consistency checks run here, before any write, and
 * throw ActionError with the fix; drift is data (changes), never an exception.
 */
import { ActionError } from './errors.js';
import type { Json } from './ports.js';
import { DEFAULT_KEY_HEADER, DEFAULT_KEY_QUERY, inspectPolicy, PolicyParseError } from './policy/index.js';
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
import type { Plan, ResourcePlan, Settings, TargetIds } from './types.js';

/** Everything the planner reads, exactly as ARM (and, for the client ID, Graph or the input) returned it. */
export interface Observed {
  /** GET Microsoft.ApiManagement/service/{name}. */
  service: Json;
  apis: { apiId: string; resourceId: string; api: Json; policy?: { value: string; etag?: string } }[];
  /** GET Microsoft.Web/sites/{name}. */
  site: Json;
  /** GET config/authsettingsV2/list. */
  authSettingsV2: Json;
  /** POST config/authsettings/list (v1; `properties.configVersion`). */
  authSettingsV1: Json;
  /** APIM system-assigned identity's client ID (appId), when resolved through Graph. */
  apimIdentityClientId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One row of the `changes` output. */
export interface PlanChangeRow {
  resource: string;
  kind: string;
  field: string;
  before: unknown;
  after: unknown;
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
 * Reads the policies' `authentication-managed-identity` elements: returns the warnings (ignore-error="true",
 * nested/conditional elements left alone; output-token-variable-name and other conflicts are planApiPolicy errors) and the extra callers (a user-assigned identity
 * selected with `client-id` on a direct element, which is who then calls the Function). Throws ActionError when such a
 * `client-id` is not the client ID of a user-assigned identity attached to APIM. Unparsable policies are skipped
 * here (planApiPolicy reports them).
 */
export function inspectPolicies(
  apis: Observed['apis'],
  principal: ApimPrincipal
): { warnings: string[]; extraCallers: ExtraCaller[] } {
  const warnings: string[] = [];
  const extraCallers: ExtraCaller[] = [];
  for (const a of apis) {
    if (a.policy === undefined) continue;
    let info: ReturnType<typeof inspectPolicy>;
    try {
      info = inspectPolicy(a.policy.value);
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
        continue;
      }
      if (mi.ignoreError?.toLowerCase() === 'true') {
        warnings.push(
          `${where}: authentication-managed-identity has ignore-error="true": a failed token request sends the call on without a token.`
        );
      }
      // output-token-variable-name on the managed element is a plan error (planApiPolicy: PolicyConflict).
      if (mi.clientId) {
        const uai = principal.userAssigned.find((u) => u.clientId?.toLowerCase() === mi.clientId!.toLowerCase());
        if (!uai) {
          const attached = principal.userAssigned.map((u) => `${u.resourceId} (${u.clientId ?? 'client ID unknown'})`);
          throw new ActionError(
            `${where}: authentication-managed-identity client-id="${mi.clientId}" is not the client ID of a ` +
              `user-assigned identity attached to APIM (attached: ${attached.join(', ') || 'none'}). Remove client-id ` +
              'to use the system-assigned identity, or attach that identity to APIM. Nothing was changed.',
            a.resourceId
          );
        }
        warnings.push(
          `${where}: authentication-managed-identity uses client-id="${mi.clientId}" (user-assigned ` +
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
    }
  }
  return { warnings, extraCallers };
}

/**
 * Builds the plan for one target. `ids` are the ARM IDs (TargetIds), `observed` the reads.
 * Order: identity, Easy Auth, then each API policy in `observed.apis` order (each deletes its API's own
 * subscription-key header, {@link subscriptionKeyHeader}, and query parameter, {@link subscriptionKeyQuery}). A resource that cannot be planned
 * (unparsable policy) carries `error` and no write (see assertNoPlanErrors).
 * Throws ActionError before any write for: v1 auth config, no app client ID, a token-resource that is an object ID
 * or another app's GUID (C01), a policy `client-id` that is not an attached user-assigned identity, APIM's client
 * ID needed but unknown (C04), `identities` over 500 characters.
 */
export function buildPlan(settings: Settings, ids: TargetIds, observed: Observed): Plan {
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

  const inspected = inspectPolicies(observed.apis, principal);
  const easy = planEasyAuthFor(settings, ids, observed, principal, inspected.extraCallers);
  const policies = observed.apis.map((a) =>
    planApiPolicy(
      a.apiId,
      policyId(a),
      a.policy,
      tokenResource,
      subscriptionKeyHeader(a.api),
      subscriptionKeyQuery(a.api)
    )
  );

  // inspectPolicies already explains these element attributes; drop the merge's shorter versions of them.
  const covered = /ignore-error|output-token-variable-name|nested <authentication-managed-identity|client-id=/;
  const warnings = [
    ...inspected.warnings,
    ...easy.warnings,
    ...policies.flatMap((p) => p.warnings.filter((w) => !covered.test(w)))
  ];
  const { warnings: _w, facts, ...easyPlan } = easy;
  return {
    resources: [identity, easyPlan, ...policies.map(({ warnings: _pw, ...p }) => p)],
    warnings: [...new Set(warnings)],
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
 * `before`/`after` is `null`.
 */
export function planChanges(plan: Plan): PlanChangeRow[] {
  return plan.resources.flatMap((r: ResourcePlan) =>
    r.changes.map((c) => ({
      resource: r.resourceId,
      kind: r.kind,
      field: c.path,
      // An absent value is null, so every row of the JSON output has both keys (JSON.stringify drops undefined).
      before: c.before === undefined ? null : c.before,
      after: c.after === undefined ? null : c.after
    }))
  );
}

/** True when any resource needs a change. */
export function hasDrift(plan: Plan): boolean {
  return plan.resources.some((r) => r.changes.length > 0);
}

/**
 * Throws ActionError listing every resource that cannot be planned (`error`), so nothing is written when one of
 * them is broken. Returns normally when there is none.
 */
export function assertNoPlanErrors(plan: Plan): void {
  const broken = plan.resources.filter((r) => r.error);
  if (broken.length === 0) return;
  throw new ActionError(
    `Nothing was changed: ${broken.length} resource(s) cannot be reconciled: ` +
      broken.map((r) => `${r.label} (${r.resourceId}): ${r.error}`).join('; '),
    broken[0].resourceId
  );
}
