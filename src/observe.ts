/**
 * Observe one target (DESIGN §1): every reconciler's reads in one bounded, parallel round (src/reconcilers) together
 * with each API's operations, then the observers whose findings feed the plan — the operations' policies and the
 * policy fragments the policies include (src/observe-pipeline.ts), APIM's identity client ID (Microsoft Graph, when
 * needed) and the `{{named values}}` the owned elements and the guards depend on (ARM namedValues). Reads go through the validated
 * ArmPort (src/azure/validated-arm.ts); a failed read becomes an ActionError naming what was read and the fix.
 */
import { getPath } from './json-path.js';
import pLimit from 'p-limit';
import { ActionError } from './errors.js';
import { namedValueReference, namedValueRefs, resolveNamedValues } from './named-values.js';
import { observeFragments, observeOperations } from './observe-pipeline.js';
import { pipelineNamedValueRefs } from './policy/pipeline-refs.js';
import type { Observed } from './plan.js';
import { ArmError, GraphError, type ArmPort, type Json } from './ports.js';
import { RECONCILERS } from './reconcilers/index.js';
import { apimPrincipal } from './resources/apim-identity.js';
import type { TargetPorts } from './target.js';
import type { Settings, TargetIds } from './types.js';

/**
 * Parallel ARM reads in flight at once for one target, by default: the run's `arm-max-in-flight` (16), which also
 * bounds all targets of a run together per subscription (src/azure/arm-limits.ts; ARM throttles per principal and
 * subscription, DESIGN §1).
 */
const READ_CONCURRENCY = 16;

/** The site's name as messages give it: `func-x`, or `func-x/slots/staging`. */
export function siteLabel(settings: Pick<Settings, 'functionAppName' | 'functionAppSlot'>): string {
  return settings.functionAppSlot
    ? `${settings.functionAppName}/slots/${settings.functionAppSlot}`
    : settings.functionAppName;
}

/**
 * All reads for one target: the reconcilers' reads (at most READ_CONCURRENCY in flight), then the observers.
 * Throws ActionError (what was read, the fix) when a read fails; nothing has been written then.
 */
export async function observeTarget(settings: Settings, ids: TargetIds, ports: TargetPorts): Promise<Observed> {
  const arm = boundedReads(ports.arm, settings);
  // The operations (and their policies) do not depend on the reconcilers' reads: they start in the same round.
  const operations = observeOperations(arm, Object.keys(ids.apis));
  operations.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const parts = await Promise.all(RECONCILERS.map((r) => r.observe(arm, ids)));
  const observed = Object.assign({}, ...parts) as Observed;
  const unresolved = (n: string, why: string) =>
    ports.log.warning(`Named value {{${n}}} used by a policy or token-resource cannot be resolved: ${why}`);
  const apiTexts = observed.apis.flatMap((a) => (a.policy ? [a.policy.value] : []));
  const first = refsOf(apiTexts, settings.tokenResource);
  const early = Promise.all([
    resolveApimClientId(settings, observed.service, observed.authSettingsV2, ports),
    first.length ? resolveNamedValues(arm, first, unresolved) : undefined
  ]);
  early.catch(() => undefined);
  const byApi = await operations;
  for (const a of observed.apis) a.operations = byApi[a.apiId] ?? [];
  const opTexts = observed.apis.flatMap((a) => (a.operations ?? []).flatMap((o) => (o.policy ? [o.policy.value] : [])));
  observed.fragments = await observeFragments(arm, [...apiTexts, ...opTexts]);
  const fragTexts = [...observed.fragments.values()].flatMap((f) => ('value' in f ? [f.value] : []));
  const more = refsOf([...opTexts, ...fragTexts]).filter((n) => !first.includes(n));
  const [[apimIdentityClientId, namedValues], moreValues] = await Promise.all([
    early,
    more.length ? resolveNamedValues(arm, more, unresolved) : undefined
  ]);
  observed.apimIdentityClientId = apimIdentityClientId;
  if (namedValues || moreValues) observed.namedValues = new Map([...(namedValues ?? []), ...(moreValues ?? [])]);
  // Object IDs known from ARM (APIM's and its user-assigned identities' principalIds): a policy `resource` holding one
  // is the Function's element in a wrong form (field case C01: an object ID is never a valid resource).
  const principal = apimPrincipal(observed.service);
  const objectIds = [principal.principalId, ...principal.userAssigned.map((u) => u.principalId)];
  observed.appObjectIds = objectIds.filter((x): x is string => typeof x === 'string' && x !== '');
  logObserved(settings, observed, ports);
  return observed;
}

/**
 * The named values (display names) that judging `texts` needs — those of the managed-identity elements and of the
 * guard attributes — and the one `tokenResource` refers to when it is given as `{{name}}`, without duplicates.
 */
function refsOf(texts: string[], tokenResource?: string): string[] {
  const names = texts.flatMap((t) => [...namedValueRefs(t), ...pipelineNamedValueRefs(t)]);
  const ref = tokenResource ? namedValueReference(tokenResource) : undefined;
  return [...new Set([...(ref ? [ref] : []), ...names])];
}

/** One log line per resource: APIM's identity, Easy Auth on/off, each API's policy size. */
function logObserved(settings: Settings, observed: Observed, ports: TargetPorts): void {
  const identity = (observed.service.identity ?? {}) as { type?: string; principalId?: string };
  const platform = getPath(observed.authSettingsV2, ['properties', 'platform', 'enabled']);
  ports.log.info(
    `APIM ${settings.apimName}: identity ${identity.type ?? 'None'}${identity.principalId ? ` (principalId ${identity.principalId})` : ''}`
  );
  ports.log.info(`Function App ${siteLabel(settings)}: Easy Auth ${platform === true ? 'enabled' : 'disabled'}`);
  for (const a of observed.apis) {
    const ops = a.operations ?? [];
    const withPolicy = ops.filter((o) => o.policy).length;
    ports.log.info(
      `API ${a.apiId}: ${a.policy ? `policy of ${a.policy.value.length} characters` : 'no policy'}; ` +
        `${ops.length} operation(s), ${withPolicy} with a policy`
    );
  }
  if (observed.fragments?.size) ports.log.info(`Policy fragments read: ${[...observed.fragments.keys()].join(', ')}`);
}

/**
 * `arm` with every read bounded (`settings.armMaxInFlight`, default READ_CONCURRENCY) and its failure explained
 * (readError); writes unchanged.
 */
function boundedReads(arm: ArmPort, settings: Settings): ArmPort {
  const limit = pLimit(settings.armMaxInFlight ?? READ_CONCURRENCY);
  const site = siteLabel(settings);
  const read =
    <A extends unknown[], T>(what: (...a: A) => string, f: (...a: A) => Promise<T>) =>
    (...a: A) =>
      limit(() => f(...a).catch((e) => Promise.reject(readError(what(...a), e))));
  const bounded =
    <A extends unknown[], T>(f: (...a: A) => Promise<T>) =>
    (...a: A) =>
      limit(() => f(...a));
  return Object.assign(Object.create(arm) as ArmPort, {
    getApimService: read(
      () => `APIM service ${settings.apimName}`,
      () => arm.getApimService()
    ),
    getSite: read(
      () => `Function App ${site}`,
      () => arm.getSite()
    ),
    getAuthSettingsV2: read(
      () => `Easy Auth of ${site}`,
      () => arm.getAuthSettingsV2()
    ),
    getAuthSettingsV1: read(
      () => `auth settings (v1) of ${site}`,
      () => arm.getAuthSettingsV1()
    ),
    getApi: read(
      (apiId: string) => `API ${apiId}`,
      (apiId: string) => arm.getApi(apiId)
    ),
    getApiPolicy: read(
      (apiId: string) => `policy of API ${apiId}`,
      (apiId: string) => arm.getApiPolicy(apiId)
    ),
    listApiOperations: read(
      (apiId: string) => `operations of API ${apiId}`,
      (apiId: string, maxItems?: number) => arm.listApiOperations(apiId, maxItems)
    ),
    getOperationPolicy: read(
      (apiId: string, operationId: string) => `policy of operation ${operationId} of API ${apiId}`,
      (apiId: string, operationId: string) => arm.getOperationPolicy(apiId, operationId)
    ),
    getPolicyFragment: read(
      (id: string) => `policy fragment ${id}`,
      (id: string) => arm.getPolicyFragment(id)
    ),
    // Named values: bounded too, but their refusals (403/404) are resolveNamedValues' to judge, not read errors.
    ...(arm.listNamedValues && { listNamedValues: bounded(arm.listNamedValues.bind(arm)) }),
    ...(arm.getNamedValue && { getNamedValue: bounded(arm.getNamedValue.bind(arm)) }),
    ...(arm.listNamedValueSecret && { listNamedValueSecret: bounded(arm.listNamedValueSecret.bind(arm)) })
  });
}

/**
 * APIM's system-assigned identity client ID: ARM gives only its object ID (principalId). Needed only when
 * `allowed-callers: apim-only` and the site already restricts `allowedApplications` (client IDs; C04). From the
 * input, else Microsoft Graph. A Graph refusal is left to the planner, which names the permission and the input.
 */
export async function resolveApimClientId(settings: Settings, service: Json, authV2: Json, ports: TargetPorts) {
  if (settings.apimIdentityClientId) return settings.apimIdentityClientId;
  if (settings.allowedCallers !== 'apim-only') return undefined;
  const principalId = (service.identity as { principalId?: string } | undefined)?.principalId;
  const apps = getPath(authV2, [
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

/**
 * Explains a failed read of `what`: 404 (a subscription that does not exist — often the tenant ID given as
 * subscription-id — or another missing resource), 403 (the role to assign), otherwise the error itself.
 */
export function readError(what: string, e: unknown): Error {
  if (e instanceof ActionError) return e;
  if (e instanceof ArmError) {
    if (e.status === 404 && e.code === 'SubscriptionNotFound') {
      const sub = /\/subscriptions\/([^/]+)/i.exec(e.url)?.[1] ?? '(unknown)';
      return new ActionError(
        `subscription-id ${sub} was not found (SubscriptionNotFound) reading ${what}: check subscription-id (is it ` +
          'the tenant ID?) and that the workflow identity has a role in that subscription.',
        e.url
      );
    }
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
