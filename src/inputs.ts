/**
 * Action inputs → one typed, validated `Settings` object (the pattern of actions/checkout `input-helper.ts`).
 * Pure: the caller hands in a `core.getInput`-like lookup; no @actions/* import here.
 *
 * An empty input means "use the default" (running `node dist/index.js` by hand does not apply action.yml defaults —
 * DESIGN §2). The static defaults live in {@link INPUT_DEFAULTS}; __tests__/inputs.test.ts checks them against
 * action.yml so the two cannot disagree.
 */
import { ActionError } from './errors.js';
import { CLOUD_NAMES, cloudEndpoints, isCloudName } from './azure/clouds.js';
import type { AllowedCallers, CloudName, Mode, Settings } from './types.js';

/** Static defaults of the inputs that have one (same text as `default:` in action.yml). */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  environment: 'AzureCloud',
  audience: 'api://AzureADTokenExchange',
  'allowed-callers': 'apim-only',
  mode: 'apply',
  'fail-on-drift': 'true',
  'smoke-method': 'GET',
  'smoke-expected-status': '200',
  'smoke-timeout-seconds': '300',
  'smoke-subscription': 'master',
  'github-token': '${{ github.token }}',
  'pr-comment': 'true'
});

/** Inputs marked `required: true` in action.yml. */
export const REQUIRED_INPUTS: readonly string[] = Object.freeze([
  'client-id',
  'tenant-id',
  'subscription-id',
  'apim-name',
  'apim-resource-group',
  'api-ids',
  'function-app-name'
]);

/** Every input the action declares (action.yml `inputs:` keys). */
export const INPUT_NAMES: readonly string[] = Object.freeze([
  'client-id',
  'tenant-id',
  'subscription-id',
  'environment',
  'audience',
  'arm-endpoint',
  'authority-host',
  'graph-endpoint',
  'apim-name',
  'apim-resource-group',
  'api-ids',
  'function-app-name',
  'function-app-resource-group',
  'function-app-slot',
  'app-client-id',
  'token-resource',
  'open-id-issuer',
  'apim-identity-client-id',
  'allowed-callers',
  'excluded-paths',
  'mode',
  'fail-on-drift',
  'smoke-path',
  'smoke-method',
  'smoke-expected-status',
  'smoke-timeout-seconds',
  'subscription-key',
  'smoke-subscription',
  'github-token',
  'pr-comment'
]);

/** Inputs whose values are secrets: never echoed in an error message. */
export const SECRET_INPUTS: readonly string[] = Object.freeze(['subscription-key', 'github-token']);

const MODES: readonly Mode[] = ['apply', 'check'];
const ALLOWED_CALLERS: readonly AllowedCallers[] = ['apim-only', 'tenant'];
const SMOKE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` has the 8-4-4-4-12 hexadecimal GUID shape. */
export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/*
 * Naming rules, from Learn "Naming rules and restrictions for Azure resources"
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * - Microsoft.ApiManagement/service: 1-50, alphanumerics and hyphens, start with a letter, end with an alphanumeric.
 * - Microsoft.ApiManagement/service/apis: 1-80, alphanumerics and hyphens, start with a letter, end with an
 *   alphanumeric. A revision is addressed as `<apiId>;rev=<n>` (APIM revisions), which we also accept.
 * - resourcegroups: 1-90, alphanumerics, underscores, parentheses, hyphens, periods and Unicode letters/digits;
 *   cannot end with a period.
 * - Microsoft.Web/sites: 2-60, alphanumerics and hyphens (Unicode mapped to Punycode is not accepted here);
 *   cannot start or end with a hyphen. Microsoft.Web/sites/slots: 2-59, same characters.
 */
const APIM_NAME = /^[A-Za-z](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;
const API_ID = /^[A-Za-z](?:[A-Za-z0-9-]{0,78}[A-Za-z0-9])?(?:;rev=[0-9]+)?$/;
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{1,90}$/u;
const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/;
const SLOT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,57}[A-Za-z0-9]$/;
/** APIM subscription `sid` (REST spec: 1-256, none of `*#&+:<>?`); also no `/` or whitespace (it goes in a URL path). */
const APIM_SUBSCRIPTION = /^[^*#&+:<>?/\s]{1,256}$/;
const NAMING_RULES = 'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules';

/**
 * Splits a newline- or comma-separated list: entries trimmed, empty ones dropped, duplicates removed (first kept),
 * order kept. `parseList(' a, b\n\na ,c ')` → `['a', 'b', 'c']`.
 */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const item = raw.trim();
    if (item !== '' && !out.includes(item)) out.push(item);
  }
  return out;
}

/** Shows a user-given (non-secret) value in a message: quoted and cut to 80 characters. */
function show(value: string): string {
  const v = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return `'${v}'`;
}

/**
 * Checks that `value` is an absolute `https://` URL with no path (other than `/`), query or fragment.
 * Returns a problem text, or undefined when it is fine. Both Azure SDKs refuse bearer tokens over http (DESIGN §3).
 */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${show(value)} is not an absolute URL; give e.g. https://management.azure.com`;
  }
  if (url.protocol !== 'https:') {
    return `${show(value)} must use https:// (the Azure SDKs refuse to send bearer tokens over http)`;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return `${show(value)} must be the host only (no path, query or fragment), e.g. https://${url.host}`;
  }
  if (url.username !== '' || url.password !== '') {
    return `${show(value)} must not contain credentials`;
  }
  return undefined;
}

/**
 * Problem with a `token-resource` value, or undefined. Accepts an application (client) ID GUID or an absolute URI
 * (App ID URI such as `api://…` or `https://…`); refuses a scope (`…/.default`, C02). The `resource` attribute of
 * `authentication-managed-identity` is "the application ID of the target web API" or a registered App ID URI
 * (Learn: API Management policy reference, authentication-managed-identity).
 */
export function tokenResourceProblem(value: string): string | undefined {
  if (/\/\.default$/i.test(value)) {
    return (
      `${show(value)} is a scope, not a resource: give the resource without '/.default' ` +
      `(e.g. ${show(value.replace(/\/\.default$/i, ''))}); APIM requests the token for the resource itself`
    );
  }
  if (isGuid(value)) return undefined;
  if (/\s/.test(value)) return `${show(value)} contains whitespace; give the app's client ID or its App ID URI`;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) || value.length <= url.protocol.length) {
    return (
      `${show(value)} is neither a GUID nor an absolute URI; give the Function app registration's client ID ` +
      `(GUID) or a registered App ID URI such as api://<client-id>`
    );
  }
  return undefined;
}

/** Problem with a `smoke-path` value (non-empty), or undefined. */
export function smokePathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return `${show(value)} must start with '/' (a path under each API, e.g. /health)`;
  if (value.startsWith('//')) return `${show(value)} must not start with '//' (that names a host)`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /:\/\//.test(value)) {
    return `${show(value)} must be a path, not a URL with a scheme`;
  }
  if (value.split(/[/?#]/).some((seg) => seg === '..' || /^(\.|%2e){2}$/i.test(seg))) {
    return `${show(value)} must not contain '..' segments`;
  }
  if (/[\s\\]/.test(value)) return `${show(value)} must not contain whitespace or backslashes`;
  return undefined;
}

/** Parses `true`/`false` (case-insensitive, trimmed); undefined for anything else. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/**
 * Reads and validates every input, collecting ALL problems before failing.
 *
 * `getInput(name)` returns the raw input text ('' when not set), like `core.getInput(name)`; empty means default.
 * Returns the typed {@link Settings}: lists parsed with {@link parseList}, endpoints resolved with `cloudEndpoints`,
 * `smoke.timeoutSeconds` in seconds, `functionAppResourceGroup` defaulted to `apimResourceGroup`, `openIdIssuer`
 * undefined when not given (the Easy Auth planner applies the v1 default `https://sts.windows.net/<tenant-id>/` —
 * DESIGN §3 "Tokens" — and reports where the issuer came from), `githubToken` undefined when
 * empty or an unexpanded `${{ … }}` expression. `appClientId`/`tokenResource` stay undefined when not given (resolved
 * later from the site's Easy Auth).
 *
 * @throws ActionError listing every problem, one per line, each naming the input and how to fix it. Values of
 *   secret inputs (subscription-key, github-token) never appear in the message.
 */
export function readSettings(getInput: (name: string) => string): Settings {
  const problems: string[] = [];
  const problem = (name: string, text: string): void => {
    problems.push(`- ${name}: ${text}`);
  };
  const raw = (name: string): string => (getInput(name) ?? '').trim();
  const get = (name: string): string => {
    const v = raw(name);
    return v !== '' ? v : (INPUT_DEFAULTS[name] ?? '');
  };
  const optional = (name: string): string | undefined => {
    const v = raw(name);
    return v === '' ? undefined : v;
  };

  for (const name of REQUIRED_INPUTS) {
    if (raw(name) === '') problem(name, 'is required; set it in the `with:` block of the step');
  }

  const guidInput = (name: string, value: string | undefined, what: string): void => {
    if (value !== undefined && value !== '' && !isGuid(value)) {
      problem(name, `${show(value)} is not a GUID; give the ${what} (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
    }
  };
  const clientId = raw('client-id');
  const tenantId = raw('tenant-id');
  const subscriptionId = raw('subscription-id');
  guidInput('client-id', clientId, 'client ID of the identity the workflow signs in as');
  guidInput('tenant-id', tenantId, 'Entra tenant ID');
  guidInput('subscription-id', subscriptionId, 'Azure subscription ID');

  const environmentText = get('environment');
  let environment: CloudName = 'AzureCloud';
  if (isCloudName(environmentText)) environment = environmentText;
  else problem('environment', `${show(environmentText)} is not supported; use one of ${CLOUD_NAMES.join(', ')}`);

  const audience = get('audience');

  const overrides: { armEndpoint?: string; authorityHost?: string; graphEndpoint?: string } = {};
  for (const [name, key] of [
    ['arm-endpoint', 'armEndpoint'],
    ['authority-host', 'authorityHost'],
    ['graph-endpoint', 'graphEndpoint']
  ] as const) {
    const v = optional(name);
    if (v === undefined) continue;
    const p = endpointProblem(v);
    if (p) problem(name, p);
    else overrides[key] = v;
  }

  const nameInput = (name: string, value: string, re: RegExp, rule: string): void => {
    if (value !== '' && !re.test(value)) problem(name, `${show(value)} is not a valid name: ${rule} (${NAMING_RULES})`);
  };
  const apimName = raw('apim-name');
  nameInput(
    'apim-name',
    apimName,
    APIM_NAME,
    '1-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit'
  );
  const rgRule = '1-90 letters, digits, underscores, parentheses, hyphens and periods, not ending with a period';
  const rgProblem = (name: string, value: string): void => {
    if (value !== '' && (!RESOURCE_GROUP.test(value) || value.endsWith('.'))) {
      problem(name, `${show(value)} is not a valid resource group name: ${rgRule} (${NAMING_RULES})`);
    }
  };
  const apimResourceGroup = raw('apim-resource-group');
  rgProblem('apim-resource-group', apimResourceGroup);

  const apiIds = parseList(raw('api-ids'));
  if (raw('api-ids') !== '' && apiIds.length === 0) problem('api-ids', 'lists no API ID; give at least one');
  for (const id of apiIds) {
    nameInput(
      'api-ids',
      id,
      API_ID,
      'an API ID (the name in the API resource ID, not its display name or path) has 1-80 letters, digits and ' +
        'hyphens, starting with a letter and ending with a letter or digit'
    );
  }

  const functionAppName = raw('function-app-name');
  nameInput(
    'function-app-name',
    functionAppName,
    SITE_NAME,
    '2-60 letters, digits and hyphens, not starting or ending with a hyphen'
  );
  const functionAppResourceGroup = optional('function-app-resource-group') ?? apimResourceGroup;
  if (optional('function-app-resource-group') !== undefined) {
    rgProblem('function-app-resource-group', functionAppResourceGroup);
  }
  const functionAppSlot = optional('function-app-slot');
  if (functionAppSlot !== undefined) {
    nameInput(
      'function-app-slot',
      functionAppSlot,
      SLOT_NAME,
      '2-59 letters, digits and hyphens, not starting or ending with a hyphen (leave empty for production)'
    );
  }

  const appClientId = optional('app-client-id');
  guidInput('app-client-id', appClientId, "application (client) ID of the Function's app registration");
  const tokenResource = optional('token-resource');
  if (tokenResource !== undefined) {
    const p = tokenResourceProblem(tokenResource);
    if (p) problem('token-resource', p);
  }

  const openIdIssuer = optional('open-id-issuer');
  if (openIdIssuer !== undefined) {
    let ok = false;
    try {
      ok = new URL(openIdIssuer).protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) {
      problem(
        'open-id-issuer',
        `${show(openIdIssuer)} must be an https:// issuer URL, e.g. https://sts.windows.net/<tenant-id>/ (v1 tokens) ` +
          'or https://login.microsoftonline.com/<tenant-id>/v2.0 (v2 tokens)'
      );
    }
  }
  // Left undefined when not given: the Easy Auth planner applies the v1 default (https://sts.windows.net/<tenant>/)
  // and can then tell the report whether the issuer came from the input or the default.

  const apimIdentityClientId = optional('apim-identity-client-id');
  guidInput('apim-identity-client-id', apimIdentityClientId, "client ID (appId) of APIM's system-assigned identity");

  const allowedCallersText = get('allowed-callers');
  let allowedCallers: AllowedCallers = 'apim-only';
  if ((ALLOWED_CALLERS as readonly string[]).includes(allowedCallersText)) {
    allowedCallers = allowedCallersText as AllowedCallers;
  } else {
    problem('allowed-callers', `${show(allowedCallersText)} is not allowed; use one of ${ALLOWED_CALLERS.join(', ')}`);
  }

  const excludedPaths = parseList(raw('excluded-paths'));
  for (const p of excludedPaths) {
    if (!p.startsWith('/')) problem('excluded-paths', `${show(p)} must start with '/' (e.g. /api/health)`);
    // A path that covers the whole site switches Easy Auth off for every request, and the action only ever adds
    // excluded paths, so it could never take it back (globalValidation.excludedPaths; "/*" is a prefix wildcard).
    else if (/^\/+(\*+)?$/.test(p) || /^\/\*\*?\/?$/.test(p)) {
      problem(
        'excluded-paths',
        `${show(p)} would exclude every path from authentication, leaving the Function open to anyone; list only the ` +
          'paths that must stay anonymous (e.g. /api/health)'
      );
    }
  }

  const modeText = get('mode');
  let mode: Mode = 'apply';
  if ((MODES as readonly string[]).includes(modeText)) mode = modeText as Mode;
  else problem('mode', `${show(modeText)} is not allowed; use one of ${MODES.join(', ')}`);

  const boolInput = (name: string): boolean => {
    const text = get(name);
    const b = parseBoolean(text);
    if (b === undefined) {
      problem(name, `${show(text)} is not a boolean; use true or false`);
      return parseBoolean(INPUT_DEFAULTS[name] ?? 'false') ?? false;
    }
    return b;
  };
  const failOnDrift = boolInput('fail-on-drift');
  const prComment = boolInput('pr-comment');

  const smokePath = raw('smoke-path');
  if (smokePath !== '') {
    const p = smokePathProblem(smokePath);
    if (p) problem('smoke-path', p);
  }
  const method = get('smoke-method').toUpperCase();
  if (!SMOKE_METHODS.includes(method)) {
    problem('smoke-method', `${show(get('smoke-method'))} is not supported; use one of ${SMOKE_METHODS.join(', ')}`);
  }
  const expectedStatus = get('smoke-expected-status').toLowerCase();
  if (!/^[1-5](?:[0-9]{2}|xx)$/.test(expectedStatus)) {
    problem(
      'smoke-expected-status',
      `${show(get('smoke-expected-status'))} is not a status; use an exact status such as 200 or a class such as 2xx`
    );
  }
  const timeoutText = get('smoke-timeout-seconds');
  let timeoutSeconds = Number(INPUT_DEFAULTS['smoke-timeout-seconds']);
  if (/^[0-9]+$/.test(timeoutText) && Number(timeoutText) <= 3600) timeoutSeconds = Number(timeoutText);
  else problem('smoke-timeout-seconds', `${show(timeoutText)} must be a whole number of seconds from 0 to 3600`);

  const subscriptionKey = optional('subscription-key');
  const subscriptionName = get('smoke-subscription');
  if (!APIM_SUBSCRIPTION.test(subscriptionName)) {
    problem(
      'smoke-subscription',
      `${show(subscriptionName)} is not an APIM subscription ID (the name in its resource ID, e.g. master)`
    );
  }

  const githubTokenText = optional('github-token');
  const githubToken = githubTokenText === undefined || githubTokenText.startsWith('${{') ? undefined : githubTokenText;

  if (problems.length > 0) {
    const n = problems.length;
    throw new ActionError(`Invalid inputs (${n} problem${n === 1 ? '' : 's'}):\n${problems.join('\n')}`);
  }

  return {
    clientId,
    tenantId,
    subscriptionId,
    environment,
    endpoints: cloudEndpoints(environment, overrides),
    audience,
    apimName,
    apimResourceGroup,
    apiIds,
    functionAppName,
    functionAppResourceGroup,
    ...(functionAppSlot !== undefined ? { functionAppSlot } : {}),
    ...(appClientId !== undefined ? { appClientId } : {}),
    ...(tokenResource !== undefined ? { tokenResource } : {}),
    ...(openIdIssuer !== undefined ? { openIdIssuer } : {}),
    ...(apimIdentityClientId !== undefined ? { apimIdentityClientId } : {}),
    allowedCallers,
    excludedPaths,
    mode,
    failOnDrift,
    smoke: {
      path: smokePath,
      method,
      expectedStatus,
      timeoutSeconds,
      ...(subscriptionKey !== undefined ? { subscriptionKey } : {}),
      subscriptionName
    },
    ...(githubToken !== undefined ? { githubToken } : {}),
    prComment
  };
}
