/**
 * The one ARM pipeline of a target's port, and the typed APIM client that shares it, loaded on first use.
 *
 * The generated ARM clients (`@azure/arm-apimanagement` 10.0.0 `ApiManagementClient`, `@azure/arm-appservice` 19.0.0
 * `WebSiteManagementClient`) build their pipeline in their constructor: `@azure/core-client` `createClientPipeline`
 * (log, retry with throttling, user agent, tracing, redirect, proxy, TLS; serialization) and a bearer-token policy for
 * the configured scope with the claims-challenge callback (`authorizeRequestOnClaimChallenge`, for Continuous Access
 * Evaluation). createArmPipeline builds that same pipeline without loading the generated clients: they are ~4 MB of
 * the bundle (every operation group and model mapper of the service) and most runs make no typed call — every read,
 * the Easy Auth PUT and the policy PUT go through the pipeline as raw JSON (./arm.ts says why). The typed client is
 * loaded (a dynamic import: its own chunk of the bundle) only when a typed operation runs, and is handed the same
 * pipeline (`options.pipeline`; the generated constructor keeps a pipeline that already has a bearer policy), so its
 * requests get the same token, retries and in-flight bound as the raw ones.
 */
import type { ApiManagementClient } from '@azure/arm-apimanagement';
import type { TokenCredential } from '@azure/core-auth';
import { authorizeRequestOnClaimChallenge, createClientPipeline } from '@azure/core-client';
import { bearerTokenAuthenticationPolicy, type Pipeline } from '@azure/core-rest-pipeline';
import { lazy } from '../lazy.js';
import type { CloudEndpoints } from '../types.js';
import { USER_AGENT_PREFIX } from '../version.js';
import { loadPart } from '../bundle.js';
import type { ArmLimits } from './arm-limits.js';

/**
 * Builds the pipeline of a target's ARM requests, as the generated ARM clients build theirs (see the module comment):
 * requests are signed with a token for `endpoints.armScope`, the User-Agent starts with USER_AGENT_PREFIX, and — when
 * `limits` is given — every request, retries included, waits for a slot of its subscription (the policy runs after
 * the Sign phase, where `additionalPolicies` with `position: 'perRetry'` would put it).
 * @param credential the run's token credential (its cache is shared by every pipeline of the run).
 * @param endpoints ARM endpoint and scope of the cloud.
 * @param limits the run's ARM in-flight limits (./arm-limits.ts), or undefined for no bound.
 * @returns a Pipeline for `pipeline.sendRequest(httpClient, request)` and for the typed client (apimClientLoader).
 */
export function createArmPipeline(
  credential: TokenCredential,
  endpoints: Pick<CloudEndpoints, 'armScope'>,
  limits?: ArmLimits
): Pipeline {
  const pipeline = createClientPipeline({ userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX } });
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({
      credential,
      scopes: endpoints.armScope,
      challengeCallbacks: { authorizeRequestOnChallenge: authorizeRequestOnClaimChallenge }
    })
  );
  if (limits) pipeline.addPolicy(limits.policy, { afterPhase: 'Sign' });
  return pipeline;
}

/**
 * Returns a loader of the target's typed APIM client: the first call imports `@azure/arm-apimanagement` and builds the
 * client over `pipeline`; later calls return the same client. A failed import is not cached (the next call tries
 * again). A failed import (a missing or damaged chunk of the bundle) throws BundleLoadError (../bundle.ts): the
 * typed request was never sent.
 * @param credential passed to the client, as the generated constructor requires one (the pipeline's bearer policy
 *   is the one that signs).
 * @param subscriptionId the target's subscription.
 * @param endpoint the ARM endpoint (the client's `$host` for its typed requests).
 * @param pipeline the target's ARM pipeline (createArmPipeline).
 */
export function apimClientLoader(
  credential: TokenCredential,
  subscriptionId: string,
  endpoint: string,
  pipeline: Pipeline
): () => Promise<ApiManagementClient> {
  return lazy(async () => {
    const { ApiManagementClient } = await loadPart(
      'the typed APIM client (@azure/arm-apimanagement)',
      () => import('@azure/arm-apimanagement')
    );
    return new ApiManagementClient(credential, subscriptionId, { endpoint, pipeline });
  });
}
