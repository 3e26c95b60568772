/**
 * Action inputs → one typed, validated `Settings` object (the pattern of actions/checkout `input-helper.ts`).
 * Pure: the caller hands in a `core.getInput`-like lookup; no @actions/* import here.
 *
 * An empty input means "use the default" (running `node dist/index.js` by hand does not apply action.yml defaults —
 * DESIGN §2). The static defaults live in {@link INPUT_DEFAULTS}; __tests__/inputs.test.ts checks them against
 * action.yml so the two cannot disagree.
 *
 * Input hygiene (every rule is checked here, before anything reaches Azure, and every problem is reported at once):
 * - No control characters in any input (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F, U+2028, U+2029): a line
 *   break separates entries of the list inputs ({@link LIST_INPUTS}) only; a tab is never allowed. Spaces and line
 *   breaks around a value are not part of it (as `core.getInput` trims them).
 * - The value that is validated is byte for byte the value that is used: no parser (`new URL()` drops tabs and line
 *   breaks, resolves `..`, reads `\` as `/`) sees a different string than Azure later gets.
 * - Lengths and list sizes are bounded ({@link MAX_NAME_LENGTH}, {@link MAX_VALUE_LENGTH},
 *   {@link MAX_SUBSCRIPTION_KEY_LENGTH}, {@link MAX_LIST_ENTRIES}, {@link MAX_LIST_INPUT_LENGTH}).
 * - Names and paths cannot traverse: no `..`, no percent-encoded dots/slashes/backslashes, no `/` in a name.
 * - Secret inputs ({@link SECRET_INPUTS}) never appear in a message, not even in part.
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

/** List inputs: entries separated by commas or line breaks (LF or CRLF) — the only inputs a line break may be in. */
export const LIST_INPUTS: readonly string[] = Object.freeze(['api-ids', 'excluded-paths']);

/**
 * Longest accepted name, ID or keyword (ARM names, GUIDs, enumerations, each `api-ids` entry, `smoke-subscription`):
 * 256 characters, the APIM REST spec's maximum for an API ID (`apiId`) and a subscription ID (`sid`). The stricter
 * per-name rules (e.g. 1-50 for `apim-name`) still apply; this bound only keeps a pasted blob out of the checks.
 */
export const MAX_NAME_LENGTH = 256;

/**
 * Longest accepted URL, URI, path or token (`audience`, `arm-endpoint`, `authority-host`, `graph-endpoint`,
 * `token-resource`, `open-id-issuer`, `smoke-path`, each `excluded-paths` entry, `github-token`): 2,048 characters,
 * the conventional safe URL length; no legitimate value comes near it.
 */
export const MAX_VALUE_LENGTH = 2048;

/** Longest accepted `subscription-key`: 256 characters (APIM REST spec: subscription `primaryKey`, maxLength 256). */
export const MAX_SUBSCRIPTION_KEY_LENGTH = 256;

/**
 * Most entries in one list input (`api-ids`, `excluded-paths`), counted after exact duplicates are dropped: 50. Each
 * API costs ARM reads and a policy write per run (an unbounded list once made 24,004 GETs for 12,000 API IDs); Easy
 * Auth exclusions are meant for a few anonymous endpoints. Split larger sets across steps or jobs.
 */
export const MAX_LIST_ENTRIES = 50;

/**
 * Longest accepted text of a list input as a whole: 131,072 characters ({@link MAX_LIST_ENTRIES} entries of
 * {@link MAX_VALUE_LENGTH} characters with separators and indentation fit). Bounds the work before entries are counted.
 */
export const MAX_LIST_INPUT_LENGTH = 131_072;

/** Longest accepted (trimmed) text of each input, by input name; see the constants above for the reasons. */
export const INPUT_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    INPUT_NAMES.map((name) => {
      if (LIST_INPUTS.includes(name)) return [name, MAX_LIST_INPUT_LENGTH];
      if (name === 'subscription-key') return [name, MAX_SUBSCRIPTION_KEY_LENGTH];
      const long = [
        'audience',
        'arm-endpoint',
        'authority-host',
        'graph-endpoint',
        'token-resource',
        'open-id-issuer',
        'smoke-path',
        'github-token'
      ];
      return [name, long.includes(name) ? MAX_VALUE_LENGTH : MAX_NAME_LENGTH];
    })
  )
);

/** Longest accepted entry of each list input: an API ID as a name, an excluded path as a path. */
export const LIST_ENTRY_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  'api-ids': MAX_NAME_LENGTH,
  'excluded-paths': MAX_VALUE_LENGTH
});

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
 *   The APIM REST spec is looser (`apiId`: 1-256, pattern `^[^*#&+:<>?]+$`, which allows spaces, `/` and `%`);
 *   every ID accepted here also matches it.
 * - resourcegroups: 1-90, alphanumerics, underscores, parentheses, hyphens, periods and Unicode letters/digits;
 *   cannot end with a period.
 * - Microsoft.Web/sites: 2-60, alphanumerics and hyphens (Unicode mapped to Punycode is not accepted here);
 *   cannot start or end with a hyphen. Microsoft.Web/sites/slots: 2-59, same characters.
 * ARM compares names case-insensitively, so `api-ids` entries that differ only in case name one API.
 */
const APIM_NAME = /^[A-Za-z](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;
const API_ID = /^[A-Za-z](?:[A-Za-z0-9-]{0,78}[A-Za-z0-9])?(?:;rev=[0-9]+)?$/;
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{1,90}$/u;
const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/;
const SLOT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,57}[A-Za-z0-9]$/;
/** APIM subscription `sid` (REST spec: 1-256, none of `*#&+:<>?`); also no `/` or whitespace (it goes in a URL path). */
const APIM_SUBSCRIPTION = /^[^*#&+:<>?/\s]{1,256}$/;
const NAMING_RULES = 'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules';
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
const HEADER_VALUE = /^[\x20-\x7e]*$/;
/** Percent-encoded dot, slash or backslash: a server may decode them into `..` segments or extra path levels. */
const ENCODED_TRAVERSAL = /%(?:2e|2f|5c)/i;

/** True for the code points refused in every input: C0, DEL, C1, U+2028 and U+2029. */
function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0b: 'vertical tab',
  0x0c: 'form feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'delete',
  0x85: 'next line',
  0x2028: 'line separator',
  0x2029: 'paragraph separator'
};

/** A control character found by {@link findControlCharacter}. */
export interface ControlCharacter {
  /** 0-based index in the text given. */
  index: number;
  /** The code point, e.g. 0x0a. */
  code: number;
  /** e.g. `U+000A (line feed)`. */
  label: string;
}

/**
 * The first control character `text` may not contain, or undefined when it is clean.
 *
 * Refused everywhere: C0 (U+0000–U+001F, tab included), DEL (U+007F), C1 (U+0080–U+009F), U+2028 and U+2029 — except
 * line breaks (LF, or CR directly followed by LF): those are allowed anywhere when `lineBreaksSeparate` (a list input),
 * and otherwise only among the spaces and line breaks before or after the value (they are trimmed off, as
 * `core.getInput` does; a YAML block scalar ends with one). Linear in `text.length`.
 */
export function findControlCharacter(text: string, lineBreaksSeparate: boolean): ControlCharacter | undefined {
  const isEdge = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d;
  let lead = 0;
  while (lead < text.length && isEdge(text.charCodeAt(lead))) lead++;
  let trail = text.length;
  while (trail > lead && isEdge(text.charCodeAt(trail - 1))) trail--;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code)) continue;
    const lineBreak = code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) === 0x0a);
    if (lineBreak && (lineBreaksSeparate || i < lead || i >= trail)) continue;
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    const name = CONTROL_NAMES[code] ?? 'control character';
    const label = code === 0x0d ? `U+${hex} (carriage return without a line feed)` : `U+${hex} (${name})`;
    return { index: i, code, label };
  }
  return undefined;
}

/**
 * Splits a newline- or comma-separated list into its entries, trimmed, empty ones dropped, duplicates and order kept.
 * `splitList(' a, b\r\n\na ,c ')` → `['a', 'b', 'a', 'c']`. Does not check characters (see {@link readSettings}).
 */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((raw) => raw.trim())
    .filter((item) => item !== '');
}

/**
 * Splits a newline- or comma-separated list: entries trimmed, empty ones dropped, duplicates removed (first kept),
 * order kept. `parseList(' a, b\n\na ,c ')` → `['a', 'b', 'c']`. Exact comparison; {@link readSettings} refuses
 * `api-ids` entries that differ only in letter case.
 */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const item of splitList(text)) {
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * Shows a user-given (non-secret) value in a message: quoted and cut to 80 characters; control and format characters
 * (which could start a workflow command on a new log line or reorder the text) appear as `\u{…}` escapes.
 */
function show(value: string): string {
  const v = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  const safe = v.replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`
  );
  return `'${safe}'`;
}

/** `1234` → `1,234` (limits in messages). */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

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
 * exactly as given.
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
      `${show(value)} is not a valid audience: use URI characters only (${URI_CHARS_TEXT}); the default ` +
      `api://AzureADTokenExchange is what a federated credential expects unless you chose another`
    );
  }
  return undefined;
}

/** Problem with a path-like input that could traverse (`..` anywhere, `%2e`/`%2f`/`%5c`), or undefined. */
function traversalProblem(value: string): string | undefined {
  if (value.includes('..')) return `${show(value)} must not contain '..' (path traversal)`;
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
function nameSegmentProblem(value: string): string | undefined {
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

/**
 * True when Easy Auth's excluded path `excluded` covers the Function-side `path`: equal, under it (`/x` covers
 * `/x/…`), or a trailing-`*` prefix match — case-insensitively. The same deliberately broad rule as the smoke
 * pre-check (src/smoke.ts `excludedPathConflict`): Learn does not document the exact matching rule.
 */
function excludedPathCovers(excluded: string, path: string): boolean {
  const direct = path.split(/[?#]/)[0].toLowerCase().replace(/\/+$/, '') || '/';
  const ex = excluded.toLowerCase();
  if (ex.endsWith('*')) return direct.startsWith(ex.replace(/\*+$/, ''));
  const e = ex.replace(/\/+$/, '') || '/';
  return e === '/' || direct === e || direct.startsWith(`${e}/`);
}

/** The Functions host's default HTTP route prefix: a Function App's HTTP functions live under `/api/…`. */
const DEFAULT_ROUTE_PREFIX = '/api';

/**
 * Warnings (never errors) about `excluded-paths` entries that are valid but probably wrong:
 * - an entry that covers every path under `/api` (the Functions default route prefix: `/api`, `/api/*`, `/api*`,
 *   `/a*`, …) switches Easy Auth off for every HTTP function of a default Function App;
 * - an entry that covers `smokePath` as the Function sees it (`/api<smoke-path>` for the usual serviceUrl
 *   `https://<app>.azurewebsites.net/api`, or `<smoke-path>` for a serviceUrl without a path): the direct no-token
 *   smoke check would prove nothing there, and the run stops before any write once it knows the serviceUrl (C14).
 * Paths that cover the whole site (`/`, `/*`) are refused by {@link excludedPathProblem}, not warned about here.
 * Returns one message per finding, in input order; `[]` when `smokePath` is '' and no entry covers `/api`.
 */
export function excludedPathWarnings(excludedPaths: readonly string[], smokePath: string): string[] {
  const warnings: string[] = [];
  for (const p of excludedPaths) {
    const prefix = p.toLowerCase().replace(/\*+$/, '');
    const coversApi = p.endsWith('*')
      ? `${DEFAULT_ROUTE_PREFIX}/`.startsWith(prefix)
      : (p.toLowerCase().replace(/\/+$/, '') || '/') === DEFAULT_ROUTE_PREFIX;
    if (coversApi) {
      warnings.push(
        `excluded-paths: ${show(p)} covers every path under ${DEFAULT_ROUTE_PREFIX}/, where a Function App's HTTP ` +
          'functions live by default (route prefix "api"): Easy Auth lets anonymous requests reach all of them. ' +
          'List only the paths that must stay anonymous (e.g. /api/health).'
      );
      continue;
    }
    if (smokePath === '') continue;
    const viaApi = excludedPathCovers(p, `${DEFAULT_ROUTE_PREFIX}${smokePath}`);
    if (viaApi || excludedPathCovers(p, smokePath)) {
      const where = viaApi
        ? `${DEFAULT_ROUTE_PREFIX}${smokePath.split(/[?#]/)[0]} (the usual serviceUrl ends in ${DEFAULT_ROUTE_PREFIX})`
        : `${smokePath.split(/[?#]/)[0]} (a serviceUrl without a path)`;
      warnings.push(
        `excluded-paths: ${show(p)} covers smoke-path ${show(smokePath)}, which reaches ${where} on the Function: ` +
          'the direct no-token check would get 200 there and prove nothing, and the run stops before any write ' +
          'when it does. Choose a smoke-path outside the excluded paths.'
      );
    }
  }
  return warnings;
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
 * Spaces and line breaks around a value are dropped; the rest is the value, validated and used as is.
 * Returns the typed {@link Settings}: lists parsed with {@link parseList}, endpoints resolved with `cloudEndpoints`,
 * `smoke.timeoutSeconds` in seconds, `functionAppResourceGroup` defaulted to `apimResourceGroup`, `openIdIssuer`
 * undefined when not given (the Easy Auth planner applies the v1 default `https://sts.windows.net/<tenant-id>/` —
 * DESIGN §3 "Tokens" — and reports where the issuer came from), `githubToken` undefined when
 * empty or an unexpanded `${{ … }}` expression. `appClientId`/`tokenResource` stay undefined when not given (resolved
 * later from the site's Easy Auth). `warnings` lists non-fatal findings for the log (an `api-ids` entry listed twice,
 * excluded paths that cover the smoke path or every function — {@link excludedPathWarnings}); `[]` when none.
 *
 * Limits: each input's trimmed text at most {@link INPUT_MAX_LENGTH}; each list entry at most
 * {@link LIST_ENTRY_MAX_LENGTH}; at most {@link MAX_LIST_ENTRIES} distinct entries per list input; no control
 * characters ({@link findControlCharacter}); `api-ids` entries differing only in letter case are refused (ARM names
 * are case-insensitive), exact repeats are used once (with a warning); secrets are printable ASCII (HTTP headers).
 *
 * @throws ActionError listing every problem, one per line (`- <input>: <problem>; <fix>`), at most one per input for
 *   control characters and length (the value is then not checked further, nor shown), one per entry otherwise. Values
 *   of secret inputs (subscription-key, github-token) never appear in the message.
 */
export function readSettings(getInput: (name: string) => string): Settings & { warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  /** Inputs already reported for a control character or their length: no further (value-showing) problems. */
  const refused = new Set<string>();
  const problem = (name: string, text: string): void => {
    if (!refused.has(name)) problems.push(`- ${name}: ${text}`);
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

  for (const name of INPUT_NAMES) {
    const text = getInput(name) ?? '';
    const list = LIST_INPUTS.includes(name);
    const secret = SECRET_INPUTS.includes(name);
    const bad = findControlCharacter(text, list);
    if (bad) {
      const where = secret ? '(value not shown: secret)' : `at character ${bad.index + 1}`;
      const rule = list
        ? 'entries are separated by commas or line breaks (LF or CRLF); no other control character (tab, CR, ' +
          'U+0000–U+001F, U+007F–U+009F, U+2028, U+2029) may appear'
        : 'a single value has no line breaks, tabs or other control characters (U+0000–U+001F, U+007F–U+009F, ' +
          'U+2028, U+2029); only api-ids and excluded-paths take one entry per line';
      problem(name, `contains control character ${bad.label} ${where}; ${rule}: remove it`);
      refused.add(name);
      continue;
    }
    const length = text.trim().length;
    const max = INPUT_MAX_LENGTH[name] ?? MAX_NAME_LENGTH;
    if (length > max) {
      const size = secret ? 'is too long' : `is ${count(length)} characters long`;
      problem(
        name,
        `${size}; the limit is ${count(max)} characters${list ? ' for the whole list' : ''}: give only the value ` +
          '(check for text pasted by mistake)'
      );
      refused.add(name);
    }
  }

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
  const audienceP = audienceProblem(audience);
  if (audienceP) problem('audience', audienceP);

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
    if (value === '') return;
    if (!re.test(value)) problem(name, `${show(value)} is not a valid name: ${rule} (${NAMING_RULES})`);
    else {
      const p = nameSegmentProblem(value);
      if (p) problem(name, p);
    }
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
    if (value === '') return;
    if (!RESOURCE_GROUP.test(value) || value.endsWith('.')) {
      problem(name, `${show(value)} is not a valid resource group name: ${rgRule} (${NAMING_RULES})`);
    } else {
      const p = nameSegmentProblem(value);
      if (p) problem(name, p);
    }
  };
  const apimResourceGroup = raw('apim-resource-group');
  rgProblem('apim-resource-group', apimResourceGroup);

  const apiIdEntries = splitList(raw('api-ids'));
  const apiIds = parseList(raw('api-ids'));
  if (raw('api-ids') !== '' && apiIds.length === 0) problem('api-ids', 'lists no API ID; give at least one');
  if (apiIds.length > MAX_LIST_ENTRIES) {
    problem(
      'api-ids',
      `lists ${count(apiIds.length)} API IDs; the limit is ${MAX_LIST_ENTRIES} per run (each API costs ARM reads and ` +
        'a policy write): split them across several steps or jobs (entries are checked once the list is within it)'
    );
    refused.add('api-ids');
  }
  if (!refused.has('api-ids')) {
    for (const id of apiIds) {
      if (id.length > MAX_NAME_LENGTH) {
        problem(
          'api-ids',
          `${show(id)} is ${count(id.length)} characters long; an API ID has at most ${MAX_NAME_LENGTH}`
        );
        continue;
      }
      nameInput(
        'api-ids',
        id,
        API_ID,
        'an API ID (the name in the API resource ID, not its display name or path) has 1-80 letters, digits and ' +
          'hyphens, starting with a letter and ending with a letter or digit'
      );
    }
    // ARM names are case-insensitive: 'orders' and 'ORDERS' are one API, whose policy would be planned twice.
    // Refusing is safer than guessing which spelling is meant.
    const byLower = new Map<string, string[]>();
    for (const id of apiIds) {
      const key = id.toLowerCase();
      const spellings = byLower.get(key);
      if (spellings) spellings.push(id);
      else byLower.set(key, [id]);
    }
    for (const spellings of byLower.values()) {
      if (spellings.length > 1) {
        problem(
          'api-ids',
          `${spellings.map(show).join(', ')} name the same API (ARM compares API IDs case-insensitively); list it ` +
            'once, spelled as in its resource ID'
        );
      }
    }
    // Exact repeats are harmless (used once, as parseList always did), but worth a line in the log.
    const times = new Map<string, number>();
    for (const e of apiIdEntries) times.set(e, (times.get(e) ?? 0) + 1);
    for (const id of apiIds) {
      const n = times.get(id) ?? 1;
      if (n > 1) warnings.push(`api-ids: ${show(id)} is listed ${n} times; it is used once`);
    }
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
    const p = issuerProblem(openIdIssuer);
    if (p) problem('open-id-issuer', p);
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
  if (excludedPaths.length > MAX_LIST_ENTRIES) {
    problem(
      'excluded-paths',
      `lists ${count(excludedPaths.length)} paths; the limit is ${MAX_LIST_ENTRIES} (exclusions are for a few ` +
        'anonymous endpoints such as /api/health): group paths under a wildcard such as /api/public/* ' +
        '(entries are checked once the list is within it)'
    );
    refused.add('excluded-paths');
  }
  let excludedPathsOk = !refused.has('excluded-paths');
  for (const p of excludedPathsOk ? excludedPaths : []) {
    const max = LIST_ENTRY_MAX_LENGTH['excluded-paths'];
    const text =
      p.length > max
        ? `${show(p)} is ${count(p.length)} characters long; an excluded path has at most ${count(max)}`
        : excludedPathProblem(p);
    if (text) {
      problem('excluded-paths', text);
      excludedPathsOk = false;
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
  let smokePathOk = true;
  if (smokePath !== '') {
    const p = smokePathProblem(smokePath);
    if (p) problem('smoke-path', p);
    smokePathOk = p === undefined && !refused.has('smoke-path');
  }
  if (excludedPathsOk) {
    warnings.push(...excludedPathWarnings(excludedPaths, smokePathOk ? smokePath : ''));
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

  // Secrets go into HTTP headers (Ocp-Apim-Subscription-Key, Authorization): anything else fails only at the request.
  for (const name of SECRET_INPUTS) {
    if (!HEADER_VALUE.test(raw(name))) {
      problem(
        name,
        'contains a character outside printable ASCII (U+0020–U+007E) (value not shown: secret); it is sent in an ' +
          'HTTP header: copy the value again without invisible or non-ASCII characters'
      );
    }
  }
  const subscriptionKey = optional('subscription-key');
  const subscriptionName = get('smoke-subscription');
  if (!APIM_SUBSCRIPTION.test(subscriptionName)) {
    problem(
      'smoke-subscription',
      `${show(subscriptionName)} is not an APIM subscription ID (the name in its resource ID, e.g. master)`
    );
  } else {
    const p = nameSegmentProblem(subscriptionName);
    if (p) problem('smoke-subscription', p);
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
    prComment,
    warnings
  };
}
