/**
 * One sign-in per run (GitHub OIDC → Entra ID, DESIGN §3) and the real ports for a target: the ARM and Graph
 * adapters over the SDK pipelines, the smoke HTTP client and the token port, all sharing one cached credential.
 */
import type { TokenCredential } from '@azure/core-auth';
import { armTimeoutMs, coreLogger, logRetry, mask } from '../action-io.js';
import { createHttpPort } from '../http.js';
import type { TargetPorts } from '../target.js';
import type { RunSettings, TargetSpec } from '../types.js';
import { createArmPort } from './arm.js';
import { createWorkflowCredential, signInError, tokenObjectId, withTokenCache, type OidcClaims } from './auth.js';
import { createGraphPort } from './graph.js';

/** The signed-in workflow identity: its credential (token cache shared by every pipeline) and object ID. */
export interface Session {
  credential: TokenCredential;
  workflowObjectId?: string;
}

/**
 * Signs in as the workflow identity with the GitHub OIDC token (`getIDToken(audience)`, e.g. core.getIDToken), logs
 * the token's iss/sub/aud (never the token) and masks every token. Throws ActionError (signInError) naming the
 * likely wrong input when Entra ID refuses.
 */
export async function signIn(run: RunSettings, getIDToken: (aud: string) => Promise<string>): Promise<Session> {
  let claims: OidcClaims = {};
  const credential = withTokenCache(
    createWorkflowCredential(run, getIDToken, {
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
  try {
    const t = await credential.getToken(run.endpoints.armScope);
    if (!t) throw new Error('Entra ID returned no token');
    mask(t.token);
    coreLogger.info(`Signed in as client ${run.clientId} in tenant ${run.tenantId} (${run.endpoints.armEndpoint}).`);
    return { credential, workflowObjectId: tokenObjectId(t.token) };
  } catch (e) {
    throw signInError(e, {
      clientId: run.clientId,
      tenantId: run.tenantId,
      subject: claims.sub,
      audience: run.audience
    });
  }
}

/** The real ports of one target, over the session's credential. */
export function targetPorts(run: RunSettings, spec: TargetSpec, session: Session): TargetPorts {
  const { credential } = session;
  return {
    arm: createArmPort(credential, run.endpoints, spec, {
      requestTimeoutMs: armTimeoutMs(),
      readRetry: { onRetry: logRetry('ARM read') }
    }),
    graph: createGraphPort(credential, run.endpoints, { retry: { onRetry: logRetry('Microsoft Graph read') } }),
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
    workflowObjectId: session.workflowObjectId
  };
}
