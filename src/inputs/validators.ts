/**
 * Value rules of the inputs, as pure `…Problem(value) → problem text | undefined` functions: each problem names what
 * is wrong and the fix. They take the trimmed value exactly as it will be used (the value validated is the value used:
 * no parser sees a different string than Azure later gets). Used by the per-input parsers (src/inputs/parsers.ts).
 */
import { isGuid, show } from './text.js';

/*
 * Naming rules, from Learn "Naming rules and restrictions for Azure resources"
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * - Microsoft.ApiManagement/service: 1-50, alphanumerics and hyphens, start with a letter, end with an alphanumeric.
 * - Microsoft.ApiManagement/service/apis: 1-80, alphanumerics and hyphens, start with a letter, end with an
 *   alphanumeric. A revision is addressed as `<apiId>;rev=<n>` (APIM revisions), which we also accept.
 *   The APIM REST spec is looser (`apiId`: 1-256, pattern `^[^*#&+:<>?]+$`, which allows spaces, `/` and `%`);
 *   every ID accepted here also matches it.
 * - resourcegroups: 1-90, alphanumerics, underscores, parentheses, hyphens, periods and Unicode letters/digits;
 *   cannot end with a period.
 * - Microsoft.Web/sites: 2-60, alphanumerics and hyphens (Unicode mapped to Punycode is not accepted here);
 *   cannot start or end with a hyphen. Microsoft.Web/sites/slots: 2-59, same characters.
 * ARM compares names case-insensitively, so `api-ids` entries that differ only in case name one API.
 */
export const APIM_NAME = /^[A-Za-z](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;
export const API_ID = /^[A-Za-z](?:[A-Za-z0-9-]{0,78}[A-Za-z0-9])?(?:;rev=[0-9]+)?$/;
export const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{1,90}$/u;
export const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/;
export const SLOT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,57}[A-Za-z0-9]$/;
/** APIM subscription `sid` (REST spec: 1-256, none of `*#&+:<>?`); also no `/` or whitespace (it goes in a URL path). */
export const APIM_SUBSCRIPTION = /^[^*#&+:<>?/\s]{1,256}$/;
export const NAMING_RULES = 'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules';
/** Characters of an RFC 3986 URI (unreserved, reserved and `%`): nothing a URL parser or an XML attribute rewrites. */
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const URI_CHARS_TEXT = "letters, digits and -._~:/?#[]@!$&'()*+,;=%";
/** A percent sign that does not start a `%XX` escape. */
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/**
 * Host of an endpoint or issuer URL as written: a DNS name (labels of letters, digits, `-`, `_`, joined by single
 * dots, optionally ending with a dot) or an IPv4/bracketed IPv6 address, with an optional port. The WHATWG parser
 * accepts more (`,`, `"`, `*`, empty labels) that no Azure endpoint has.
 */
const URL_HOST = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const URL_HOST_TEXT = 'a DNS name (letters, digits, hyphens, single dots between labels) or an IP address';
/** Printable ASCII (U+0020–U+007E): what an HTTP header value (subscription key, token) can carry as is. */
export const HEADER_VALUE = /^[\x20-\x7e]*$/;
/** Percent-encoded dot, slash or backslash: a server may decode them into `..` segments or extra path levels. */
const ENCODED_TRAVERSAL = /%(?:2e|2f|5c)/i;

/**
 * Checks that `value` is an absolute `https://` URL with no path (other than `/`), query or fragment, written as the
 * URL parser reads it: `https://<host>[:<port>]` plus optional trailing slashes, the host a DNS name or IP address in
 * any letter case, nothing the parser would drop or rewrite (`\`, `%`-escapes, IDN, `:443`, a missing `//`). Returns
 * a problem text, or undefined when it is fine. Both Azure SDKs refuse bearer tokens over http (DESIGN §3).
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
  const written = /^https:\/\/([^/]*)\/*$/i.exec(value);
  if (!written || written[1].toLowerCase() !== url.host) {
    return (
      `${show(value)} is not written as a URL parser reads it (https://${url.host}); give exactly ` +
      `https://${url.host} so the endpoint checked is the endpoint used`
    );
  }
  if (!URL_HOST.test(written[1])) return `${show(value)} must name its host as ${URL_HOST_TEXT}`;
  return undefined;
}

/**
 * Problem with a `token-resource` value, or undefined. Accepts an application (client) ID GUID or an absolute URI
 * (App ID URI such as `api://…` or `https://…`) made of URI characters only; refuses a scope (`…/.default`, C02). The
 * `resource` attribute of `authentication-managed-identity` is "the application ID of the target web API" or a
 * registered App ID URI (Learn: API Management policy reference, authentication-managed-identity). The value is used
 * exactly as given. A named-value reference `{{name}}` (the whole value; `name` a valid display name,
 * `^[A-Za-z0-9-._]+$`, 1–256 characters — apimnamedvalues.json) is accepted too: the policy then carries the reference
 * (APIM substitutes it before the policy runs — Learn: "Use named values in Azure API Management policies") and the
 * action resolves it through ARM for everything else; its value is checked like a literal one after it is read.
 */
export function tokenResourceProblem(value: string): string | undefined {
  if (/^\{\{[A-Za-z0-9\-._]{1,256}\}\}$/.test(value)) return undefined;
  if (value.includes('{{')) {
    return `${show(value)} mixes a named-value reference with other text; give the whole value as {{name}} or none`;
  }
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
  if (!URI_CHARS.test(value) || BAD_PERCENT.test(value)) {
    return (
      `${show(value)} contains characters an App ID URI cannot have (allowed: ${URI_CHARS_TEXT}, '%' only as ` +
      `%XX); give the URI exactly as in the app registration's identifierUris`
    );
  }
  return undefined;
}

/**
 * Problem with an `open-id-issuer` value, or undefined. The issuer must be an `https://` URL without credentials or
 * fragment, its host a DNS name or IP address, written exactly as the URL parser normalizes it
 * (`new URL(value).href === value`), so what is validated is what Easy Auth gets: no `..` or `.` segments, `\`,
 * upper-case host, default port or missing path `/`.
 */
export function issuerProblem(value: string): string | undefined {
  const fix =
    'e.g. https://sts.windows.net/<tenant-id>/ (v1 tokens) or https://login.microsoftonline.com/<tenant-id>/v2.0 ' +
    '(v2 tokens)';
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:') return `${show(value)} must be an https:// issuer URL, ${fix}`;
  if (url.username !== '' || url.password !== '') return `${show(value)} must not contain credentials; ${fix}`;
  if (url.hash !== '') return `${show(value)} must not have a fragment ('#…'); ${fix}`;
  if (!URL_HOST.test(url.host)) return `${show(value)} must name its host as ${URL_HOST_TEXT}; ${fix}`;
  if (url.href !== value) {
    return (
      `${show(value)} is not written as a URL parser reads it (${show(url.href)}); give the issuer exactly as the ` +
      `tokens' 'iss' claim spells it, ${fix}`
    );
  }
  return undefined;
}

/**
 * Problem with an `audience` value (the GitHub OIDC token's `aud`, matched against the federated credential), or
 * undefined. URI characters only (no whitespace); the value is used exactly as given.
 */
export function audienceProblem(value: string): string | undefined {
  if (!URI_CHARS.test(value)) {
    return (
      `${show(value)} is not a valid audience: use URI characters only (${URI_CHARS_TEXT}); leave it empty for the ` +
      `default of the environment (api://AzureADTokenExchange in AzureCloud), which is what a federated credential ` +
      'expects unless you chose another'
    );
  }
  return undefined;
}

/** Problem with a path-like input that could traverse (`..` anywhere, `%2e`/`%2f`/`%5c`), or undefined. */
function traversalProblem(value: string): string | undefined {
  if (value.includes('..')) return `${show(value)} must not contain '..' (path traversal)`;
  // Look-alikes (fullwidth dots U+FF0E, …) are normalised by some servers: a path is ASCII here.
  if (/[^\x20-\x7e]/.test(value)) {
    return `${show(value)} must contain only ASCII characters (percent-encode others, e.g. %C3%A9)`;
  }
  if (/%25/i.test(value)) {
    return `${show(value)} must not contain a percent-encoded '%' (%25): decoded twice it hides another character`;
  }
  if (ENCODED_TRAVERSAL.test(value)) {
    return (
      `${show(value)} must not contain percent-encoded dots, slashes or backslashes (%2e, %2f, %5c): a server may ` +
      "decode them into '..' segments or extra path levels; write the characters themselves"
    );
  }
  return undefined;
}

/**
 * Problem with a name that becomes one segment of an ARM request path (resource names, API IDs, slot, subscription
 * ID), or undefined: no `/`, `\`, `%`, `..`, and not `.` alone. Checked after the name's own pattern.
 */
export function nameSegmentProblem(value: string): string | undefined {
  if (value === '.' || value.includes('..')) {
    return `${show(value)} must not be '.' or contain '..' (it is a segment of the ARM request path)`;
  }
  if (/[/\\%]/.test(value)) {
    return `${show(value)} must not contain '/', '\\' or '%' (it is a segment of the ARM request path)`;
  }
  return undefined;
}

/**
 * Problem with a `smoke-path` value (non-empty), or undefined. A path under each API: starts with one `/`, no scheme,
 * no whitespace or `\`, no `.` or `..` segments (a URL parser drops or resolves them, so the request would go
 * elsewhere than the path given), no `..` anywhere, no `%2e`/`%2f`/`%5c`.
 */
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
  if (value.split(/[/?#]/).some((seg) => seg === '.' || /^%2e$/i.test(seg))) {
    return `${show(value)} must not contain '.' segments (a URL parser drops them); write the path without them`;
  }
  return traversalProblem(value);
}

/**
 * Problem with one `excluded-paths` entry, or undefined: starts with `/`; does not cover the whole site (`/`, `/*`,
 * `/**`, `//` — Easy Auth would be off for every request, and the action only ever adds excluded paths, so it could
 * never take that back); no whitespace or `\`; no `..`, `%2e`, `%2f`, `%5c`.
 */
export function excludedPathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return `${show(value)} must start with '/' (e.g. /api/health)`;
  // globalValidation.excludedPaths; "/*" is a prefix wildcard.
  if (/^\/+(\*+)?$/.test(value) || /^\/\*\*?\/?$/.test(value)) {
    return (
      `${show(value)} would exclude every path from authentication, leaving the Function open to anyone; list only the ` +
      'paths that must stay anonymous (e.g. /api/health)'
    );
  }
  if (/[\s\\]/.test(value)) return `${show(value)} must not contain whitespace or backslashes`;
  return traversalProblem(value);
}
