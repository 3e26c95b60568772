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

/**
 * Cloud names accepted by the `environment` input, as azure/login names them. The input is read in any letter case
 * ({@link cloudNameOf}): azure/login lowercases it (`core.getInput("environment").toLowerCase()`,
 * Azure/login src/common/LoginConfig.ts), so `azurecloud` and `AzureUSGovernment` both work there.
 */
export const CLOUD_NAMES: readonly CloudName[] = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'];

interface KnownCloud {
  armEndpoint: string;
  authorityHost: string;
  graphEndpoint: string;
  /** Audience of the GitHub OIDC token a federated credential in this cloud expects (see defaultAudience). */
  audience: string;
}

const KNOWN: Record<CloudName, KnownCloud> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    audience: 'api://AzureADTokenExchange'
  },
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    audience: 'api://AzureADTokenExchangeUSGov'
  },
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    audience: 'api://AzureADTokenExchangeChina'
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

/** True when `name` is one of {@link CLOUD_NAMES} exactly as spelled there (see {@link cloudNameOf} for the input). */
export function isCloudName(name: string): name is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(name);
}

/**
 * The cloud an `environment` value names, in any letter case (`azurecloud`, `AzureUSGovernment`,
 * `AZURECHINACLOUD`), as its canonical spelling in {@link CLOUD_NAMES}; undefined for anything else. Surrounding
 * spaces are not trimmed (the inputs layer trims).
 */
export function cloudNameOf(text: string): CloudName | undefined {
  const lower = text.toLowerCase();
  return CLOUD_NAMES.find((n) => n.toLowerCase() === lower);
}

/**
 * The GitHub OIDC audience a federated credential expects in `environment` when the `audience` input is empty:
 * `api://AzureADTokenExchange` (AzureCloud), `api://AzureADTokenExchangeUSGov` (AzureUSGovernment),
 * `api://AzureADTokenExchangeChina` (AzureChinaCloud). An explicit `audience` input always wins.
 *
 * Sources:
 * - Learn, "Configure an application to trust a managed identity" (Microsoft Entra Workload ID,
 *   https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity),
 *   federated credential `audiences`: "Public cloud: api://AzureADTokenExchange; Fairfax:
 *   api://AzureADTokenExchangeUSGov; Mooncake: api://AzureADTokenExchangeChina".
 * - @azure/identity `GitHubActionsCredential` (Azure/azure-sdk-for-js,
 *   sdk/identity/identity/src/credentials/gitHubActionsCredential.ts, `deriveAudience`): for GitHub Actions OIDC it
 *   requests the token with audience `api://AzureADTokenExchangeUSGov` for authority host login.microsoftonline.us,
 *   `api://AzureADTokenExchangeChina` for login.chinacloudapi.cn, and `api://AzureADTokenExchange` otherwise.
 * Note: azure/login keeps `api://AzureADTokenExchange` in every cloud (its `audience` default does not follow
 * `environment`); a workflow whose federated credential was set up that way in a sovereign cloud sets `audience`.
 */
export function defaultAudience(environment: CloudName): string {
  return KNOWN[environment]?.audience ?? KNOWN.AzureCloud.audience;
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
