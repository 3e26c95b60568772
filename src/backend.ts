/**
 * Is each API's backend the Function App? APIM will send a token for the Function's app registration to the API's
 * backend; when that backend is some other host, the token (and the calls) go elsewhere. The backend is the API's
 * `serviceUrl` unless the policy sets one (`set-backend-service`), which is not checked here (a warning says so).
 * Pure. Sources: APIM REST `ApiContract.serviceUrl`; App Service REST `Site.defaultHostName`, `hostNames`,
 * `enabledHostNames` (custom domains bound to the site are in `hostNames`).
 */
import type { Json } from './ports.js';

export interface BackendFindings {
  /** APIs whose serviceUrl host is not one of the site's host names (and whose policy sets no backend). */
  errors: string[];
  warnings: string[];
}

/**
 * Compares each API's `serviceUrl` host with the site's host names (case-insensitive, port ignored).
 * @param apis observed APIs: `api` is the ARM API body, `policy` its rawxml text when any.
 * @param site the ARM site (or slot) body.
 */
export function checkBackends(
  apis: { apiId: string; api: Json; policy?: { value: string } }[],
  site: Json,
  siteName: string
): BackendFindings {
  const props = (site.properties ?? {}) as {
    defaultHostName?: unknown;
    hostNames?: unknown;
    enabledHostNames?: unknown;
  };
  const hosts = new Set(
    [props.defaultHostName, ...asArray(props.hostNames), ...asArray(props.enabledHostNames)]
      .filter((h): h is string => typeof h === 'string' && h !== '')
      .map(hostOf)
  );
  const out: BackendFindings = { errors: [], warnings: [] };
  for (const a of apis) {
    const serviceUrl = (a.api.properties as { serviceUrl?: unknown } | undefined)?.serviceUrl;
    const setsBackend = a.policy ? /<set-backend-service\b/i.test(stripComments(a.policy.value)) : false;
    if (setsBackend) {
      out.warnings.push(
        `API ${a.apiId}: its policy sets the backend (set-backend-service), which is not checked against Function App ` +
          `${siteName}; make sure it points at ${[...hosts][0] ?? 'the Function App'}.`
      );
      continue;
    }
    if (typeof serviceUrl !== 'string' || serviceUrl === '') continue;
    let host: string;
    try {
      host = hostOf(new URL(serviceUrl).host);
    } catch {
      out.errors.push(`API ${a.apiId}: serviceUrl '${serviceUrl}' is not a URL.`);
      continue;
    }
    if (hosts.size > 0 && !hosts.has(host)) {
      out.errors.push(
        `API ${a.apiId}: its serviceUrl '${serviceUrl}' is not Function App ${siteName} (host names: ${[...hosts].join(', ')}), ` +
          "so APIM would send tokens for the Function's app registration to another host. Point the API's serviceUrl at " +
          'the Function App, or check api-ids and function-app-name.'
      );
    }
  }
  return out;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Host without port, lower-case (a serviceUrl may carry :443; site host names never do). */
function hostOf(hostWithPort: string): string {
  return hostWithPort.toLowerCase().replace(/:443$/, '');
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '');
}
