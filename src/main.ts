/**
 * The action's one flow (DESIGN §1): inputs → sign-in → observe (parallel ARM reads) → Plan (data) →
 * check: report, fail on drift | apply: execute the plan, read back → smoke → report → outputs.
 * Check mode is decided here, once. `reconcileTarget` is a self-contained unit for one APIM service + its APIs + one
 * Function App, so a loop or a matrix job can run it unchanged.
 */
import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { applyPlan, type ApplyOutcome, type WriteBasis } from './apply.js';
import { validatedArmPort } from './azure/validated-arm.js';
import { checkBackends } from './backend.js';
import { createArmPort, targetResourceIds } from './azure/arm.js';
import { createWorkflowCredential, signInError, tokenObjectId, withTokenCache, type OidcClaims } from './azure/auth.js';
import { createGraphPort } from './azure/graph.js';
import type { RetryInfo } from './azure/retry.js';
import { ActionError } from './errors.js';
import { createGitHubPort } from './github.js';
import { createHttpPort } from './http.js';
import { readSettings } from './inputs.js';
import { namedValueRefs, resolveNamedValues } from './named-values.js';
import type { OwnershipOptions } from './policy/index.js';
import {
  buildPlan,
  hasDrift,
  inspectPolicies,
  policyOwnership,
  planChanges,
  subscriptionKeyHeader,
  subscriptionKeyQuery,
  type Observed
} from './plan.js';
import { apimPrincipal } from './resources/apim-identity.js';
import {
  ArmError,
  GraphError,
  type ArmPort,
  type GraphPort,
  type HttpPort,
  type Json,
  type Logger,
  type TokenPort
} from './ports.js';
import { publishReport } from './report/publish.js';
import { createSecretRegistry, defuseCommands } from './secrets.js';
import { renderText } from './report/render.js';
import { PENDING_CLIENT_ID, planEasyAuth } from './resources/easy-auth.js';
import { excludedPathConflict, runSmoke, type SmokeTarget } from './smoke.js';
import type { Plan, RunReport, Settings, SmokeReport, TargetIds, Verdict } from './types.js';

/** Parallel ARM reads in flight at once (ARM throttles per principal and subscription; DESIGN §1). */
const READ_CONCURRENCY = 8;

/** Side effects one reconcile needs, handed in (the real adapters in `run`, or others in a loop/matrix). */
export interface TargetPorts {
  arm: ArmPort;
  graph: GraphPort;
  http: HttpPort;
  tokens: TokenPort;
  log: Logger;
  /** Registers a secret with the runner so it is masked in every log line. */
  mask(secret: string): void;
  /** Object ID (`oid`) of the signed-in workflow identity, when known (for the Graph pre-flight). */
  workflowObjectId?: string;
}

export interface TargetResult {
  report: RunReport;
  plan?: Plan;
  outcome?: ApplyOutcome;
  apimPrincipalId?: string;
  /** True when the step must fail (drift in check mode with fail-on-drift, apply or smoke failure). */
  failed: boolean;
  failure?: string;
}

/**
 * Reconciles one target: observe → plan → (check | apply → read back) → smoke. Never throws for drift; throws
 * ActionError for a broken precondition found before any write (bad input, unparsable policy, permissions).
 */
export async function reconcileTarget(
  settings: Settings,
  ports: TargetPorts,
  started = Date.now()
): Promise<TargetResult> {
  const ids = targetResourceIds(settings, settings.apiIds);
  const target = { apim: settings.apimName, apis: settings.apiIds, functionApp: settings.functionAppName };
  // A 200 is not proof of content: every read below (the first ones and every re-read before a write) is checked.
  const siteLabel = settings.functionAppSlot
    ? `${settings.functionAppName}/slots/${settings.functionAppSlot}`
    : settings.functionAppName;
  ports = { ...ports, arm: validatedArmPort(ports.arm, ids, settings.apimName, siteLabel) };

  const observed = await group(ports.log, 'Observe (ARM reads)', () => observe(settings, ids, ports));
  const plan = await group(ports.log, 'Plan', async () => {
    const p = buildPlan(settings, ids, observed);
    for (const r of p.resources) {
      if (r.error) ports.log.info(`${r.label}: cannot be reconciled: ${r.error}`);
      else if (r.changes.length === 0) ports.log.info(`${r.label}: in sync`);
      else ports.log.info(`${r.label}: will update: ${r.changes.map((c) => c.path).join(', ')}`);
      ports.log.debug(`${r.label} plan: ${JSON.stringify(r.changes)}`);
    }
    for (const w of p.warnings) ports.log.warning(w);
    const broken = p.resources.filter((r) => r.error);
    if (broken.length) {
      throw new ActionError(
        `Nothing was changed: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`,
        broken[0].resourceId
      );
    }
    return p;
  });

  // Before anything else uses the backend: tokens for the Function's app registration must go to the Function App.
  const backends = checkBackends(
    observed.apis,
    observed.site,
    settings.functionAppSlot
      ? `${settings.functionAppName}/slots/${settings.functionAppSlot}`
      : settings.functionAppName
  );
  plan.warnings.push(...(settings.warnings ?? []), ...backends.warnings);
  for (const w of backends.warnings) ports.log.warning(w);
  if (backends.errors.length) throw new ActionError(`Nothing was changed: ${backends.errors.join(' ')}`);

  // The pre-flight protects writes: it runs only when apply has something to write (a token exchange costs three
  // sequential round trips, which a check or a no-drift run does not need).
  if (settings.mode === 'apply' && hasDrift(plan)) {
    await group(ports.log, 'Pre-flight: resources known to Entra ID', async () => {
      await Promise.all([preflightResources(plan, ports), preflightGraph(settings, plan, ports)]);
    });
  }
  const smokeCtx = await smokeContext(settings, observed, plan, ports);
  const drift = hasDrift(plan);
  let outcome: ApplyOutcome | undefined;
  let verdict: Verdict;
  let failure: string | undefined;
  let apimPrincipalId = plan.facts.apimPrincipalId;

  if (settings.mode === 'check') {
    verdict = drift ? 'drift' : 'in-sync';
    if (drift && settings.failOnDrift) {
      failure = `Drift found: ${planChanges(plan).length} change(s) needed (${plan.resources
        .filter((r) => r.changes.length)
        .map((r) => `${r.label}: ${r.changes.map((c) => c.path).join(', ')}`)
        .join('; ')}). Run with mode: apply to fix.`;
    }
  } else if (!drift) {
    verdict = 'in-sync';
  } else {
    outcome = await group(ports.log, 'Apply', () =>
      applyPlan(plan, {
        arm: ports.arm,
        log: ports.log,
        rederive: (rp) => rederiveEasyAuth(settings, observed, rp.resourceId, ports),
        basis: writeBasis(observed, plan, policyOwnership(settings, ids, observed))
      })
    );
    apimPrincipalId = outcome.apimPrincipalId ?? apimPrincipalId;
    // What was actually written replaces placeholders of deferred resources (e.g. APIM's principalId).
    plan.resources = plan.resources.map((r) => outcome?.replanned.find((n) => n.resourceId === r.resourceId) ?? r);
    // The report's facts describe the state after the run: the identity exists now.
    plan.facts.apimPrincipalId ??= apimPrincipalId;
    if (outcome.error) {
      verdict = 'failed';
      failure = `${outcome.error.message} ${describeOutcome(outcome)}`;
    } else {
      verdict = 'applied';
    }
  }

  let smoke: SmokeReport | undefined;
  if (!outcome?.error) {
    smoke = await group(ports.log, 'Smoke requests', () =>
      runSmoke(
        // Check mode changed nothing, so nothing is propagating: one attempt per check (C17: never retry reads).
        settings.mode === 'check' ? { ...settings.smoke, timeoutSeconds: 0 } : settings.smoke,
        { ...smokeCtx, changedNow: (outcome?.writes ?? 0) > 0 },
        { http: ports.http, tokens: ports.tokens }
      )
    );
    for (const c of smoke.checks) {
      ports.log.info(
        `smoke ${c.name}${c.api ? ` (${c.api})` : ''}: expected ${c.expected}, got ${c.got} after ${c.attempts} attempt(s) / ${c.seconds.toFixed(1)} s${c.diagnosis ? ` — ${c.diagnosis}` : ''}`
      );
    }
    // In check mode a smoke failure on a drifted target is the drift's consequence: it fails the step only when
    // drift does (fail-on-drift). With no drift, a failing chain is a failure of its own.
    const smokeFails = smoke.result === 'failed' && !(settings.mode === 'check' && drift && !settings.failOnDrift);
    if (smokeFails && !failure) {
      failure = `Smoke requests failed: ${smoke.checks
        .filter((c) => !c.passed)
        .map((c) => `${c.name}: ${c.diagnosis ?? c.got}`)
        .join('; ')}`;
      if (settings.mode === 'apply') verdict = 'failed';
    }
  }

  const report: RunReport = {
    mode: settings.mode,
    verdict,
    target,
    plan,
    applied: outcome?.applied ?? [],
    smoke,
    warnings: plan.warnings,
    error: verdict === 'failed' ? failure : undefined,
    durationSeconds: (Date.now() - started) / 1000
  };
  if (outcome?.notApplied.length) {
    report.applied.push(
      ...outcome.notApplied.map((label) => ({
        label,
        ok: false,
        state: 'not-attempted' as const,
        detail: 'not applied'
      }))
    );
  }
  return { report, plan, outcome, apimPrincipalId, failed: Boolean(failure), failure };
}

/** The reads the writes were planned on, for the write guard (src/write-guard.ts). */
function writeBasis(observed: Observed, plan: Plan, ownership: OwnershipOptions): WriteBasis {
  const app = plan.facts.appClientId ?? '';
  // The guard's own, independent list of what a managed-identity element that sends the Function's token may carry:
  // the accepted resources, and the known wrong forms the merge rewrites in place (api://<client ID>, object IDs).
  const resources = [
    ...(ownership.acceptableResources ?? []),
    plan.facts.tokenResource,
    app,
    app && `api://${app}`,
    ...(ownership.appObjectIds ?? [])
  ].filter((x): x is string => Boolean(x));
  return {
    ownershipOptions: ownership,
    service: observed.service,
    easyAuth: observed.authSettingsV2,
    policies: Object.fromEntries(
      observed.apis.map((a) => [
        a.apiId,
        { value: a.policy?.value, keyHeader: subscriptionKeyHeader(a.api), keyQuery: subscriptionKeyQuery(a.api) }
      ])
    ),
    ownership: { resources, ...(ownership.namedValues ? { namedValues: ownership.namedValues } : {}) }
  };
}

/**
 * Before any write: asks Entra ID for a token for the app client ID and for `token-resource` as the workflow
 * identity. Entra answers AADSTS500011 ("resource principal … not found in the tenant") for an app that does not
 * exist or an App ID URI that is not registered in `identifierUris` (field case C01) — the same error APIM would meet
 * at run time, found before anything is changed. Any other refusal (e.g. an app that requires assignment) is only a
 * warning: it does not say the resource is wrong. The tokens are never logged (and the app's token is reused by the
 * foreign-token smoke check through the token cache).
 */
async function preflightResources(plan: Plan, ports: TargetPorts): Promise<void> {
  const checks = [
    { input: 'app-client-id', value: plan.facts.appClientId },
    { input: 'token-resource', value: plan.facts.tokenResource }
  ].filter((c, i, all) => c.value && all.findIndex((o) => o.value === c.value) === i);
  const problems: string[] = [];
  await Promise.all(
    checks.map(async (c) => {
      try {
        await ports.tokens.getToken(`${c.value}/.default`);
        ports.log.info(`${c.input} ${c.value}: known to Entra ID`);
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        if (/AADSTS500011/.test(text)) {
          problems.push(
            `${c.input} '${c.value}' is not known to Entra ID in this tenant (AADSTS500011). The policy's resource must be ` +
              "the Function app registration's client ID or an App ID URI registered in its identifierUris " +
              '(Expose an API → Application ID URI); an object ID is never valid.'
          );
        } else {
          ports.log.warning(
            `Could not verify ${c.input} '${c.value}' with Entra ID: ${text.split('\n')[0].slice(0, 300)}`
          );
        }
      }
    })
  );
  if (problems.length) throw new ActionError(`Nothing was changed: ${problems.join(' ')}`);
}

/**
 * "Changed: …. Written but not verified: …. Outcome unknown: …. Not changed: …." — what a failed apply did, from the
 * write states, so a reader knows what to look at (DESIGN: a failure midway says what was and was not changed).
 */
export function describeOutcome(outcome: ApplyOutcome): string {
  const by = (st: string[]) => outcome.applied.filter((a) => a.state && st.includes(a.state)).map((a) => a.label);
  const parts = [
    `Changed: ${by(['verified']).join(', ') || 'nothing'}.`,
    ...(by(['written-unverified']).length
      ? [`Written but not verified: ${by(['written-unverified']).join(', ')}.`]
      : []),
    ...(by(['unknown']).length ? [`Outcome unknown (check it): ${by(['unknown']).join(', ')}.`] : []),
    `Not changed: ${[...by(['not-written']), ...outcome.notApplied].join(', ') || 'nothing'}.`
  ];
  const easyAuthOn = outcome.applied.some((a) => a.label.startsWith('Easy Auth') && a.state !== 'not-written');
  const policyMissed = [...outcome.applied.filter((a) => !a.ok).map((a) => a.label), ...outcome.notApplied].some((l) =>
    l.startsWith('API policy')
  );
  if (easyAuthOn && policyMissed) {
    parts.push(
      'If the Easy Auth change took effect, it requires a token that the API policy does not send yet: calls through ' +
        'APIM may get 401 until a re-run writes the policy.'
    );
  }
  return parts.join(' ');
}

/**
 * When APIM's client ID will be needed only after the identity is created (allowedApplications is set and the
 * system identity does not exist yet), checks before any write that Microsoft Graph answers the workflow identity
 * (field case C04): otherwise the identity would be created and the run would stop at Easy Auth.
 */
async function preflightGraph(settings: Settings, plan: Plan, ports: TargetPorts): Promise<void> {
  const needsLater = plan.resources.some(
    (r) =>
      r.kind === 'easy-auth' &&
      r.deferredUntil &&
      r.changes.some((c) => Array.isArray(c.after) && c.after.includes(PENDING_CLIENT_ID))
  );
  if (!needsLater || settings.apimIdentityClientId || !ports.workflowObjectId) return;
  try {
    await ports.graph.getServicePrincipal(ports.workflowObjectId);
    ports.log.info(
      "Microsoft Graph answers the workflow identity: APIM's client ID can be resolved after the identity write."
    );
  } catch (e) {
    if (e instanceof GraphError && (e.status === 401 || e.status === 403)) {
      throw new ActionError(
        'Nothing was changed: Easy Auth restricts allowedApplications, so the client ID of the APIM identity this run ' +
          'creates must be added, and Microsoft Graph refused to look it up (' +
          `${e.code ?? e.status}). Grant the workflow identity Application.Read.All, or run once to create the identity ` +
          'and set apim-identity-client-id.'
      );
    }
    ports.log.warning(`Could not check Microsoft Graph access in advance: ${(e as Error).message}`);
  }
}

/** All reads for one target, in parallel (bounded). */
async function observe(settings: Settings, ids: TargetIds, ports: TargetPorts): Promise<Observed> {
  const limit = pLimit(READ_CONCURRENCY);
  const siteName = settings.functionAppSlot
    ? `${settings.functionAppName}/slots/${settings.functionAppSlot}`
    : settings.functionAppName;
  const read = <T>(what: string, f: () => Promise<T>) =>
    limit(() => f().catch((e) => Promise.reject(readError(what, e))));
  const [service, site, authSettingsV2, authSettingsV1, ...apis] = await Promise.all([
    read(`APIM service ${settings.apimName}`, () => ports.arm.getApimService()),
    read(`Function App ${siteName}`, () => ports.arm.getSite()),
    read(`Easy Auth of ${siteName}`, () => ports.arm.getAuthSettingsV2()),
    read(`auth settings (v1) of ${siteName}`, () => ports.arm.getAuthSettingsV1()),
    ...settings.apiIds.map((apiId) =>
      Promise.all([
        read(`API ${apiId}`, () => ports.arm.getApi(apiId)),
        read(`policy of API ${apiId}`, () => ports.arm.getApiPolicy(apiId))
      ]).then(([api, policy]) => ({ apiId, api, policy }))
    )
  ]);
  const observed: Observed = {
    service: service.body,
    site: site.body,
    authSettingsV2,
    authSettingsV1,
    apis: (apis as { apiId: string; api: { body: Json }; policy?: { value: string; etag?: string } }[]).map((a) => ({
      apiId: a.apiId,
      resourceId: ids.apis[a.apiId],
      api: a.api.body,
      policy: a.policy
    }))
  };
  // `{{named values}}` in the managed-identity elements are judged by their values (never logged).
  const names = [...new Set(observed.apis.flatMap((a) => (a.policy ? namedValueRefs(a.policy.value) : [])))];
  const [apimIdentityClientId, namedValues] = await Promise.all([
    resolveApimClientId(settings, service.body, authSettingsV2, ports),
    names.length
      ? resolveNamedValues(ports.arm, names, (n, why) =>
          ports.log.warning(`Named value {{${n}}} used by an API policy cannot be resolved: ${why}`)
        )
      : undefined
  ]);
  observed.apimIdentityClientId = apimIdentityClientId;
  if (namedValues) observed.namedValues = namedValues;
  const identity = (service.body.identity ?? {}) as { type?: string; principalId?: string };
  const platform = get(authSettingsV2, ['properties', 'platform', 'enabled']);
  ports.log.info(
    `APIM ${settings.apimName}: identity ${identity.type ?? 'None'}${identity.principalId ? ` (principalId ${identity.principalId})` : ''}`
  );
  ports.log.info(`Function App ${siteName}: Easy Auth ${platform === true ? 'enabled' : 'disabled'}`);
  for (const a of observed.apis) {
    ports.log.info(`API ${a.apiId}: ${a.policy ? `policy of ${a.policy.value.length} characters` : 'no policy'}`);
  }
  return observed;
}

/**
 * APIM's system-assigned identity client ID: ARM gives only its object ID (principalId). Needed only when
 * `allowed-callers: apim-only` and the site already restricts `allowedApplications` (client IDs; C04). From the
 * input, else Microsoft Graph. A Graph refusal is left to the planner, which names the permission and the input.
 */
async function resolveApimClientId(settings: Settings, service: Json, authV2: Json, ports: TargetPorts) {
  if (settings.apimIdentityClientId) return settings.apimIdentityClientId;
  if (settings.allowedCallers !== 'apim-only') return undefined;
  const principalId = (service.identity as { principalId?: string } | undefined)?.principalId;
  const apps = get(authV2, [
    'properties',
    'identityProviders',
    'azureActiveDirectory',
    'validation',
    'defaultAuthorizationPolicy',
    'allowedApplications'
  ]);
  if (!principalId || !Array.isArray(apps) || apps.length === 0) return undefined;
  try {
    return (await ports.graph.getServicePrincipal(principalId)).appId;
  } catch (e) {
    ports.log.warning(
      `Could not resolve APIM's identity client ID through Microsoft Graph (${(e as Error).message}). ` +
        'Grant the workflow identity Application.Read.All, or set the input apim-identity-client-id.'
    );
    return undefined;
  }
}

/** After the identity write: re-read the service and Easy Auth, resolve APIM's client ID, plan Easy Auth again. */
async function rederiveEasyAuth(settings: Settings, observed: Observed, resourceId: string, ports: TargetPorts) {
  const [service, current, v1] = await Promise.all([
    ports.arm.getApimService(),
    ports.arm.getAuthSettingsV2(),
    ports.arm.getAuthSettingsV1()
  ]);
  const apimPrincipalId = (service.body.identity as { principalId?: string } | undefined)?.principalId;
  const apimIdentityClientId = await resolveApimClientId(settings, service.body, current, ports);
  const plan = planEasyAuth({
    resourceId,
    current,
    v1,
    tenantId: settings.tenantId,
    appClientId: settings.appClientId,
    tokenResource: settings.tokenResource,
    openIdIssuer: settings.openIdIssuer,
    allowedCallers: settings.allowedCallers,
    excludedPaths: settings.excludedPaths,
    apimPrincipalId,
    apimIdentityClientId,
    // A `client-id` on a policy element makes that user-assigned identity a caller too (see buildPlan).
    extraCallers: inspectPolicies(
      observed.apis,
      apimPrincipal(service.body),
      policyOwnership(settings, targetResourceIds(settings, settings.apiIds), observed)
    ).extraCallers
  });
  return { plan, before: current };
}

/** Smoke targets from what ARM said (gatewayUrl, API path, serviceUrl), and the subscription key when needed. */
async function smokeContext(settings: Settings, observed: Observed, plan: Plan, ports: TargetPorts) {
  const gatewayUrl = String(get(observed.service, ['properties', 'gatewayUrl']) ?? '');
  const targets: SmokeTarget[] = observed.apis.map((a) => {
    const p = (a.api.properties ?? {}) as {
      path?: string;
      serviceUrl?: string;
      subscriptionRequired?: boolean;
      subscriptionKeyParameterNames?: { header?: string };
    };
    return {
      apiId: a.apiId,
      gatewayUrl,
      apiPath: p.path ?? '',
      serviceUrl: p.serviceUrl ?? '',
      subscriptionRequired: p.subscriptionRequired !== false,
      subscriptionKeyHeader: p.subscriptionKeyParameterNames?.header ?? 'Ocp-Apim-Subscription-Key'
    };
  });
  if (settings.smoke.path) {
    for (const t of targets) {
      if (!t.serviceUrl) {
        throw new ActionError(`API ${t.apiId} has no serviceUrl: the direct smoke requests need the backend URL.`);
      }
      const conflict = excludedPathConflict(t.serviceUrl, settings.smoke.path, plan.facts.excludedPaths);
      if (conflict) throw new ActionError(conflict);
    }
  }
  let subscriptionKey = settings.smoke.subscriptionKey;
  if (settings.smoke.path && !subscriptionKey && targets.some((t) => t.subscriptionRequired)) {
    try {
      const keys = await ports.arm.listSubscriptionSecrets(settings.smoke.subscriptionName);
      subscriptionKey = keys.primaryKey ?? keys.secondaryKey;
      if (subscriptionKey) ports.mask(subscriptionKey);
    } catch (e) {
      ports.log.warning(
        `Could not fetch a key of APIM subscription '${settings.smoke.subscriptionName}' (${(e as Error).message}); ` +
          'set the input subscription-key or smoke-subscription. The gateway check will report a missing key.'
      );
    }
  }
  return {
    targets,
    subscriptionKey,
    appClientId: plan.facts.appClientId ?? '',
    tokenResource: plan.facts.tokenResource ?? plan.facts.appClientId ?? '',
    allowedCallers: settings.allowedCallers,
    excludedPaths: plan.facts.excludedPaths,
    openIdIssuer: plan.facts.openIdIssuer,
    allowedAudiences: plan.facts.effectiveAudiences
  };
}

function readError(what: string, e: unknown): Error {
  if (e instanceof ActionError) return e;
  if (e instanceof ArmError) {
    if (e.status === 404)
      return new ActionError(
        `${what} was not found (${e.url}). Check the names, resource groups and subscription-id.`,
        e.url
      );
    if (e.status === 403) {
      // List actions (…/config/authsettings(V2)/list, …/listSecrets) are not granted by Reader: they need the
      // resource's contributor role (Learn: "Azure built-in roles" — Website Contributor includes
      // Microsoft.Web/sites/config/list/action; API Management Service Contributor includes …/subscriptions/listSecrets).
      const isList = /\/list(Secrets)?$/i.test(e.url);
      const role = /Microsoft\.Web\//i.test(e.url) ? 'Website Contributor' : 'API Management Service Contributor';
      return new ActionError(
        `The workflow identity may not read ${what} (${e.code ?? '403'}). ` +
          (isList
            ? `Reading it is a list action that Reader does not grant: assign ${role} on ${e.url.replace(/\/(config\/[^/]+\/list|subscriptions\/[^/]+\/listSecrets)$/i, '')}.`
            : `Assign it at least Reader (and ${role} to apply) on ${e.url}.`),
        e.url
      );
    }
    return new ActionError(`Reading ${what} failed: ${e.message}`, e.url);
  }
  if (e instanceof GraphError) return new ActionError(e.message);
  // Network errors and timeouts (no HTTP answer): name what was being read.
  return new ActionError(`Reading ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
}

async function group<T>(log: Logger, name: string, f: () => Promise<T>): Promise<T> {
  if (log === coreLogger) return core.group(name, f);
  return f();
}

function get(obj: unknown, p: string[]): unknown {
  let cur = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The run's secrets: registered with the runner (log masking) and scrubbed from everything else the action writes. */
const secrets = createSecretRegistry();

/** Registers a secret for log masking and for scrubbing the report, comment, outputs and failure message. */
function mask(secret: string | undefined): void {
  if (!secret) return;
  core.setSecret(secret);
  secrets.add(secret);
}

const coreLogger: Logger = {
  info: (m) => core.info(defuseCommands(secrets.scrub(m))),
  warning: (m) => core.warning(secrets.scrub(m)),
  debug: (m) => core.debug(secrets.scrub(m))
};

/** A retry hook that logs one line per retry (the info carries a status or error code, never a body or a token). */
function logRetry(what: string): (i: RetryInfo) => void {
  return (i) =>
    coreLogger.info(`${what}: attempt ${i.attempt}/${i.attempts} failed (${i.reason}); retrying in ${i.delayMs} ms`);
}

/**
 * Timeout of each ARM request in ms: `APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS` when it is a whole number from 100 to 600000
 * (tests and the fault matrix use a short one), else undefined (the adapter's default, 60000 ms).
 */
function armTimeoutMs(): number | undefined {
  const v = Number(process.env.APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS);
  return Number.isInteger(v) && v >= 100 && v <= 600_000 ? v : undefined;
}

/** The action's entry: reads inputs, signs in, reconciles the target, publishes the report, sets outputs. */
export async function run(): Promise<void> {
  const started = Date.now();
  let settings: Settings | undefined;
  let result: TargetResult | undefined;
  try {
    // Untrimmed: readSettings trims spaces and line breaks itself and refuses every other control character
    // (core.getInput would silently drop a leading or trailing tab).
    settings = readSettings((name) => core.getInput(name, { trimWhitespace: false }));
    for (const w of settings.warnings ?? []) coreLogger.warning(w);
    for (const s of [settings.smoke.subscriptionKey, settings.githubToken]) mask(s);
    const s = settings;
    let claims: OidcClaims = {};
    let workflowObjectId: string | undefined;
    const credential = withTokenCache(
      createWorkflowCredential(s, (aud) => core.getIDToken(aud), {
        onToken: (t) => mask(t),
        onClaims: (c) => {
          claims = c;
          coreLogger.info(
            `GitHub OIDC token: iss=${c.iss ?? '?'} sub=${c.sub ?? '?'} aud=${JSON.stringify(c.aud ?? '?')}`
          );
        },
        retry: { onRetry: logRetry('GitHub OIDC token request') }
      })
    );
    await group(coreLogger, 'Sign in (GitHub OIDC → Entra ID)', async () => {
      try {
        const t = await credential.getToken(s.endpoints.armScope);
        if (!t) throw new Error('Entra ID returned no token');
        mask(t.token);
        workflowObjectId = tokenObjectId(t.token);
        coreLogger.info(`Signed in as client ${s.clientId} in tenant ${s.tenantId} (${s.endpoints.armEndpoint}).`);
      } catch (e) {
        throw signInError(e, { clientId: s.clientId, tenantId: s.tenantId, subject: claims.sub, audience: s.audience });
      }
    });
    const ports: TargetPorts = {
      arm: createArmPort(credential, s.endpoints, s, {
        requestTimeoutMs: armTimeoutMs(),
        readRetry: { onRetry: logRetry('ARM read') }
      }),
      graph: createGraphPort(credential, s.endpoints, { retry: { onRetry: logRetry('Microsoft Graph read') } }),
      http: createHttpPort(),
      tokens: {
        async getToken(scope) {
          const t = await credential.getToken(scope);
          if (!t) throw new Error(`no token for ${scope}`);
          mask(t.token);
          return t.token;
        }
      },
      log: coreLogger,
      mask,
      workflowObjectId
    };
    result = await reconcileTarget(s, ports, started);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    result = {
      failed: true,
      failure: message,
      report: {
        mode: settings?.mode ?? 'apply',
        verdict: 'failed',
        target: {
          apim: settings?.apimName ?? printable(core.getInput('apim-name')),
          apis: settings?.apiIds ?? [],
          functionApp: settings?.functionAppName ?? printable(core.getInput('function-app-name'))
        },
        applied: [],
        warnings: [],
        error: message,
        durationSeconds: (Date.now() - started) / 1000
      }
    };
  }
  await publish(settings, result);
  if (result.failed) core.setFailed(secrets.scrub(result.failure ?? 'failed'));
}

/** Summary, sticky PR comment, outputs. A failure to publish never hides the run's own result. */
async function publish(settings: Settings | undefined, result: TargetResult): Promise<void> {
  // ARM, Entra ID or a gateway may echo a key or a token in an error text: nothing leaves unscrubbed.
  const report = secrets.scrubDeep(result.report);
  const plan = result.plan;
  // No plan (the run stopped before one was made): drift is unknown, so `drift` stays unset.
  if (plan) core.setOutput('drift', String(hasDrift(plan)));
  // In apply mode each row carries what became of its resource's write (the write states, never the plan alone).
  const applied = report.mode === 'apply' && result.outcome ? report.applied : undefined;
  core.setOutput('changes', secrets.scrub(JSON.stringify(plan ? planChanges(plan, applied) : [])));
  core.setOutput('apim-principal-id', result.apimPrincipalId ?? '');
  core.setOutput('smoke-result', report.smoke?.result ?? 'skipped');
  const dir = process.env.RUNNER_TEMP || os.tmpdir();
  const summaryPath = path.join(
    dir,
    `apim-function-auth-${safe(report.target.apim)}-${safe(report.target.functionApp)}.md`
  );
  try {
    await mkdir(dir, { recursive: true });
    const ctx = github.context;
    const pr = ctx.payload.pull_request as
      | { number: number; head?: { repo?: { full_name?: string } }; base?: { repo?: { full_name?: string } } }
      | undefined;
    const token = settings?.githubToken;
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    await publishReport(
      report,
      {
        summary: {
          async write(md) {
            if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(md).write();
          }
        },
        github: token && repository ? createGitHubPort(token, repository) : undefined,
        log: coreLogger
      },
      {
        eventName: ctx.eventName ?? '',
        prNumber: pr?.number,
        isFork: Boolean(
          pr && pr.head?.repo?.full_name && pr.head.repo.full_name !== (pr.base?.repo?.full_name ?? repository)
        ),
        prComment: settings?.prComment ?? true,
        summaryPath
      }
    );
    core.setOutput('summary-path', summaryPath);
    coreLogger.info(renderText(report));
  } catch (e) {
    core.warning(`Could not publish the report: ${(e as Error).message}`);
  }
}

/** An unvalidated input for the report when the inputs were refused: name characters only, bounded. */
function printable(s: string): string {
  return s.replace(/[^A-Za-z0-9_.()-]/g, '?').slice(0, 80);
}

/** A file-name-safe, bounded rendering of a resource name (a bad input may be arbitrarily long). */
function safe(s: string): string {
  return (s || 'target').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}
