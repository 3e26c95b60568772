/**
 * Endpoints of the Azure clouds the action supports, with per-endpoint overrides (Azure Stack, the local twin).
 * Pure: no I/O.
 *
 * Sources:
 * - ARM and Microsoft Graph endpoints per cloud: Learn "National clouds" (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud)
 *   and "Microsoft Graph national cloud deployments" (https://learn.microsoft.com/graph/deployments).
 * - Authority hosts: @azure/identity `AzureAuthorityHosts` (AzurePublicCloud https://login.microsoftonline.com,
 *   AzureGovernment https://login.microsoftonline.us, AzureChina https://login.chinacloudapi.cn).
 * - Scope form `<resource>/.default` for client-credential tokens: Learn "Scopes and permissions — the .default scope".
 */
import type { CloudEndpoints, CloudName } from '../types.js';

/** Cloud names accepted by the `environment` input (same spelling as azure/login). */
export const CLOUD_NAMES: readonly CloudName[] = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'];

interface KnownCloud {
  armEndpoint: string;
  authorityHost: string;
  graphEndpoint: string;
}

const KNOWN: Record<CloudName, KnownCloud> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com'
  },
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us'
  },
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn'
  }
};

/** Optional endpoint overrides (the `arm-endpoint`, `authority-host`, `graph-endpoint` inputs); empty = not given. */
export interface CloudOverrides {
  armEndpoint?: string;
  authorityHost?: string;
  graphEndpoint?: string;
}

/** Removes every trailing `/` (e.g. `https://management.azure.com/` → `https://management.azure.com`). */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** True when `name` is one of {@link CLOUD_NAMES} (case-sensitive, as azure/login spells them). */
export function isCloudName(name: string): name is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(name);
}

/**
 * Resolves the endpoints of `environment`, each replaceable by an override.
 *
 * Shape: `{armEndpoint, armScope, authorityHost, graphEndpoint, graphScope}`, all without a trailing slash;
 * scopes are `<endpoint>/.default` and follow an overridden endpoint (so an Azure Stack or twin ARM endpoint gets a
 * token for itself, not for the public cloud — DESIGN §3: pass the scope explicitly to both SDK clients).
 * Overrides are used as given (validation of https/absolute URL is in src/inputs.ts); empty strings count as absent.
 *
 * @throws Error when `environment` is not a known cloud name (inputs validation prevents this).
 */
export function cloudEndpoints(environment: CloudName, overrides: CloudOverrides = {}): CloudEndpoints {
  const known = KNOWN[environment];
  if (!known) {
    throw new Error(`Unknown Azure environment '${String(environment)}'; expected one of ${CLOUD_NAMES.join(', ')}`);
  }
  const pick = (override: string | undefined, dflt: string): string =>
    trimTrailingSlashes(override && override.trim() !== '' ? override.trim() : dflt);
  const armEndpoint = pick(overrides.armEndpoint, known.armEndpoint);
  const authorityHost = pick(overrides.authorityHost, known.authorityHost);
  const graphEndpoint = pick(overrides.graphEndpoint, known.graphEndpoint);
  return {
    armEndpoint,
    armScope: `${armEndpoint}/.default`,
    authorityHost,
    graphEndpoint,
    graphScope: `${graphEndpoint}/.default`
  };
}
