/**
 * GraphPort: Microsoft Graph `GET /v1.0/servicePrincipals/{id}` through an Azure pipeline (bearer token for the
 * Graph scope, retries). Needs Application.Read.All (or Directory.Read.All) for the workflow identity.
 * REST: https://learn.microsoft.com/graph/api/serviceprincipal-get
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  exponentialRetryPolicy,
  throttlingRetryPolicy
} from '@azure/core-rest-pipeline';
import { GraphError, type GraphPort } from '../ports.js';
import type { CloudEndpoints } from '../types.js';

/** Creates the GraphPort. Throws GraphError (with HTTP status and Graph's `error.code`) on a non-2xx answer. */
export function createGraphPort(credential: TokenCredential, endpoints: CloudEndpoints): GraphPort {
  const pipeline = createEmptyPipeline();
  pipeline.addPolicy(throttlingRetryPolicy());
  pipeline.addPolicy(exponentialRetryPolicy({ maxRetries: 3 }));
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [endpoints.graphScope] }));
  const http = createDefaultHttpClient();
  return {
    async getServicePrincipal(objectId: string) {
      const url = `${endpoints.graphEndpoint}/v1.0/servicePrincipals/${encodeURIComponent(objectId)}?$select=id,appId`;
      const res = await pipeline.sendRequest(
        http,
        createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }) })
      );
      const text = res.bodyAsText ?? '';
      let body: { id?: string; appId?: string; error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(text);
      } catch {
        /* keep empty */
      }
      if (res.status >= 400 || !body.appId) {
        throw new GraphError(
          `Microsoft Graph GET servicePrincipals/${objectId} → ${res.status}${body.error?.code ? ` ${body.error.code}` : ''}: ${body.error?.message ?? text.slice(0, 200)}`,
          res.status,
          body.error?.code
        );
      }
      return { id: body.id ?? objectId, appId: body.appId };
    }
  };
}
