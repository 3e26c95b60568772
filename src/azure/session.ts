/**
 * One sign-in per run (GitHub OIDC → Entra ID, DESIGN §3; or the Azure CLI session with `auth-type: azure-cli`) and the real ports for a target: the ARM and Graph
 * adapters over the SDK pipelines, the smoke HTTP client and the token port, all sharing one cached credential.
 *
 * Requests per run (what the end-to-end tests assert on the twin, __tests__/e2e/round-trips.test.ts): one GitHub
 * OIDC token (reused as the client assertion until shortly before its `exp`), the authority's metadata at most once
 * (in parallel with that token request, and never for the clouds MSAL knows), and one Entra token request per
 * audience. A no-drift check's critical path is four round trips: the OIDC token, the ARM token, one parallel round
 * of ARM reads (each API's operations list among them) alongside the pre-flight's token requests, and one round of
 * operation-policy reads — ARM has no request that returns the policies of all of an API's operations
 * (ApiOperationPolicy_ListByOperation takes one operation), so they wait for the list. Three for an API without
 * operations.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { armTimeoutMs, coreLogger, logRetry, mask, secrets } from '../action-io.js';
import { createHttpPort } from '../http.js';
import { preflightTokenScopes } from '../preflight.js';
import { fileSnapshotStore, snapshotDir } from '../snapshot/file.js';
import type { TargetPorts } from '../target.js';
import type { RunSettings, TargetSpec } from '../types.js';
import type { Logger } from '../ports.js';
import { createArmPort, targetResourceIds } from './arm.js';
import type { ArmLimits } from './arm-limits.js';
import { ActionError } from '../errors.js';
import {
  createSignInCredential,
  signInError,
  tokenIdentityClaims,
  tokenObjectId,
  withTokenCache,
  type OidcClaims,
  type WorkflowCredentialHooks
} from './auth.js';
import { createGraphPort } from './graph.js';
import { cliSessionProblems } from './sign-in-errors.js';

/** The signed-in workflow identity: its credential (token cache shared by every pipeline) and object ID. */
export interface Session {
  credential: TokenCredential;
  workflowObjectId?: string;
}

/**
 * Entra refusals that are final for the run, so the token cache keeps them instead of asking again: AADSTS500011
 * (the resource principal does not exist in the tenant — a wrong `app-client-id`/`token-resource`; the pre-flight
 * reports it, and the foreign-token smoke check would only meet it again).
 */
export function isFinalTokenRefusal(error: unknown): boolean {
  return /\bAADSTS500011\b/.test(error instanceof Error ? error.message : String(error));
}

/**
 * Signs in as the workflow identity — with `auth-type: oidc` (the default) through the GitHub OIDC token
 * (`getIDToken(audience)`, e.g. core.getIDToken), logging the token's iss/sub/aud (never the token); with
 * `auth-type: azure-cli` through the Azure CLI session of an earlier step (getIDToken is never called), checked
 * against tenant-id and client-id (cliSessionProblems). Masks every token. Asks for the ARM token (the first request
 * of every run); the credential it returns caches tokens per audience (withTokenCache) and, with OIDC, reuses the
 * GitHub token (createWorkflowCredential). Throws ActionError (signInError) naming the likely wrong input when
 * Entra ID or the Azure CLI refuses.
 * @param run the run settings; `subscriptionId` (when given) lets a tenant-not-found message say whether tenant-id
 *   and subscription-id are the same GUID.
 * @param cliCredential builds the Azure CLI credential (tests).
 */
export async function signIn(
  run: RunSettings & { subscriptionId?: string },
  getIDToken: (aud: string) => Promise<string>,
  cliCredential?: () => TokenCredential
): Promise<Session> {
  let claims: OidcClaims = {};
  const hooks: WorkflowCredentialHooks = {
    onToken: (t) => mask(t),
    onClaims: (c) => {
      claims = c;
      coreLogger.info(`GitHub OIDC token: iss=${c.iss ?? '?'} sub=${c.sub ?? '?'} aud=${JSON.stringify(c.aud ?? '?')}`);
    },
    retry: { onRetry: logRetry('GitHub OIDC token request') }
  };
  const credential = withTokenCache(createSignInCredential(run, getIDToken, hooks, cliCredential), {
    keepFailure: isFinalTokenRefusal
  });
  let token: string;
  try {
    const t = await credential.getToken(run.endpoints.armScope);
    if (!t) throw new Error('Entra ID returned no token');
    token = t.token;
  } catch (e) {
    throw signInError(e, {
      clientId: run.clientId,
      tenantId: run.tenantId,
      subscriptionId: run.subscriptionId,
      subject: claims.sub,
      audience: run.audience,
      authType: run.authType,
      repository: process.env.GITHUB_REPOSITORY || undefined
    });
  }
  mask(token);
  if (run.authType === 'azure-cli') {
    const found = cliSessionProblems(tokenIdentityClaims(token), run);
    if (found.error) throw new ActionError(found.error);
    if (found.warning) coreLogger.warning(found.warning);
  }
  const how = run.authType === 'azure-cli' ? 'with the Azure CLI session' : `as client ${run.clientId}`;
  coreLogger.info(`Signed in ${how} in tenant ${run.tenantId} (${run.endpoints.armEndpoint}).`);
  return { credential, workflowObjectId: tokenObjectId(token) };
}

/** What the targets of one run share besides the session (a run over a targets file hands them in). */
export interface SharedPorts {
  /** The target's log (e.g. each line prefixed with its name); default: the runner's log. */
  log?: Logger;
  /** The run's ARM in-flight limits per subscription (./arm-limits.ts). */
  limits?: ArmLimits;
  /** One HTTP client for every target's raw ARM requests. */
  httpClient?: HttpClient;
  /**
   * Runs `f` while holding the lock named `key`; the APIM identity's re-read, PATCH (a service update with a
   * long-running operation) and read-back hold their service's (ArmPort.exclusiveApimUpdate), so two targets on one
   * APIM service never update it at the same time, and the later one sees the earlier one's update.
   */
  lock?: <T>(key: string, f: () => Promise<T>) => Promise<T>;
}

/**
 * The real ports of one target, over the session's credential. Starts the Entra pre-flight's token requests for the
 * target's `app-client-id`/`token-resource` inputs at once (preflightTokenScopes), so they run alongside the reads
 * that follow instead of after the plan; the pre-flight (src/preflight.ts) and the foreign-token smoke check then
 * take them from the token cache, outcome included. When `app-client-id` is not given (it comes from the site's
 * Easy Auth), nothing is started here and the pre-flight asks after the plan.
 *
 * `shared` (a run over a targets file): the target's log (default: the runner's), the run's ARM in-flight limits and
 * HTTP client for the ARM port (./arm-limits.ts), and a lock: the APIM identity's re-read, PATCH (a service update
 * with a long-running operation) and read-back then hold the lock named by the APIM service's ARM ID (lower case;
 * ArmPort.exclusiveApimUpdate), so targets on one APIM service never update it at the same time.
 */
export function targetPorts(
  run: RunSettings,
  spec: TargetSpec,
  session: Session,
  shared: SharedPorts = {}
): TargetPorts {
  const { credential } = session;
  const log = shared.log ?? coreLogger;
  for (const { scope } of preflightTokenScopes(spec)) {
    credential.getToken(scope).then(
      (t) => t && mask(t.token),
      () => undefined // the pre-flight reads the outcome from the cache and reports it
    );
  }
  const arm = createArmPort(credential, run.endpoints, spec, {
    requestTimeoutMs: armTimeoutMs(),
    readRetry: { onRetry: logRetry('ARM read', log) },
    onPoll: (p) => log.info(p.text),
    ...(shared.limits ? { limits: shared.limits } : {}),
    ...(shared.httpClient ? { httpClient: shared.httpClient } : {})
  });
  const lock = shared.lock;
  if (lock) {
    const apimId = targetResourceIds(spec, []).apim.toLowerCase();
    arm.exclusiveApimUpdate = (f) => lock(apimId, f);
  }
  return {
    arm,
    graph: createGraphPort(credential, run.endpoints, {
      retry: { onRetry: logRetry('Microsoft Graph read', log) }
    }),
    http: createHttpPort(),
    tokens: {
      async getToken(scope) {
        const t = await credential.getToken(scope);
        if (!t) throw new Error(`no token for ${scope}`);
        mask(t.token);
        return t.token;
      }
    },
    log,
    mask,
    workflowObjectId: session.workflowObjectId,
    // One file per target under RUNNER_TEMP, scrubbed of the run's secrets (src/snapshot/file.ts).
    snapshots: fileSnapshotStore(snapshotDir(process.env.RUNNER_TEMP), (v) => secrets.scrubDeep(v))
  };
}
