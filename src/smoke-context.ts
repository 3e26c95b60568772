/**
 * The smoke requests' context for one target, from what ARM said (gatewayUrl, each API's path, serviceUrl and
 * subscription-key header) and the plan's facts, plus the subscription key when the gateway needs one (ARM
 * `listSecrets` of the smoke subscription, masked at once).
 */
import { getPath } from './json-path.js';
import { ActionError } from './errors.js';
import type { Observed } from './plan.js';
import { excludedPathConflict, type SmokeTarget } from './smoke.js';
import type { TargetPorts } from './target.js';
import type { Plan, Settings } from './types.js';

/** What runSmoke needs besides the settings (see SmokeContext in src/smoke.ts), without `changedNow`. */
export type SmokeContextResult = Awaited<ReturnType<typeof smokeContext>>;

/** Smoke targets from what ARM said (gatewayUrl, API path, serviceUrl), and the subscription key when needed. */
export async function smokeContext(settings: Settings, observed: Observed, plan: Plan, ports: TargetPorts) {
  const gatewayUrl = String(getPath(observed.service, ['properties', 'gatewayUrl']) ?? '');
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
