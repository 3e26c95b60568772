/**
 * Smoke requests that prove the auth chain end to end, and the classification of their answers into messages a
 * person can act on. Pure logic: HTTP and tokens only through `HttpPort`/`TokenPort` (src/ports.ts); `sleep`/`now`
 * are injectable.
 *
 * Checks (DESIGN §3, field cases C01 C03 C10 C14 C15 C17):
 * 1. gateway, per API: `<gatewayUrl>/<apiPath><smoke-path>` (+ subscription key header when the API requires one)
 *    → the expected status (exact, or a class such as `2xx`).
 * 2. direct-no-token: `<serviceUrl><smoke-path>` → 401 with a `WWW-Authenticate: Bearer …` challenge, which proves
 *    Easy Auth refused (the Functions host key check answers 401 without a Bearer challenge — C15).
 * 3. direct-foreign-token (allowed-callers = apim-only): the workflow's own token for `<appClientId>/.default` → 403
 *    (Easy Auth's `defaultAuthorizationPolicy` refuses callers other than APIM — Learn "Configure Microsoft Entra
 *    authentication for App Service: use a built-in authorization policy").
 * A 3xx is never followed (HttpPort uses `redirect: manual`): it means `unauthenticatedClientAction` is
 * `RedirectToLoginPage` instead of `Return401` (authsettingsV2 REST reference, `GlobalValidation`).
 */
import { scrub, scrubDeep } from './secrets.js';

export { scrub };
import pRetry, { AbortError } from 'p-retry';
import { ActionError } from './errors.js';
import type { HttpPort, HttpResponse, TokenPort } from './ports.js';
import type { AllowedCallers, SmokeCheckName, SmokeCheckResult, SmokeReport, SmokeSettings } from './types.js';

/** One APIM API to smoke-test, as read from ARM (API `path`, `serviceUrl`, `subscriptionRequired`, …). */
export interface SmokeTarget {
  apiId: string;
  /** APIM gateway base URL, e.g. https://apim-x.azure-api.net (no trailing slash needed). */
  gatewayUrl: string;
  /** The API's `path` (URL suffix), e.g. `orders`; '' for an API at the gateway root. */
  apiPath: string;
  /** The API's backend `serviceUrl`, e.g. https://func-x.azurewebsites.net/api. */
  serviceUrl: string;
  subscriptionRequired: boolean;
  /** Header carrying the subscription key (`subscriptionKeyParameterNames.header`); default Ocp-Apim-Subscription-Key. */
  subscriptionKeyHeader: string;
}

export interface SmokeContext {
  targets: SmokeTarget[];
  /** Secret: never appears in any result, note or diagnosis. */
  subscriptionKey?: string;
  appClientId: string;
  tokenResource: string;
  allowedCallers: AllowedCallers;
  /** Easy Auth `globalValidation.excludedPaths` in effect (after the plan). */
  excludedPaths: string[];
  /** Easy Auth `registration.openIdIssuer` in effect, named in issuer diagnoses (C03). */
  openIdIssuer?: string;
  /** Audiences Easy Auth accepts (clientId + allowedAudiences), named in audience diagnoses (C02). */
  allowedAudiences?: string[];
  /** This run changed the configuration (default true): only then is the 24 h token-cache note worth adding. */
  changedNow?: boolean;
}

/** Backoff between attempts of one check, in ms: delay n = min(initialMs · factor^(n-1), maxMs). */
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

/** Default backoff: 1 s, ×2, at most 30 s. */
export const DEFAULT_BACKOFF: Backoff = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 30_000 });

export interface SmokePorts {
  http: HttpPort;
  tokens: TokenPort;
  /** Waits `ms` milliseconds (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Current time in ms (default: Date.now). */
  now?: () => number;
  backoff?: Backoff;
}

/** The verdict on one HTTP answer. `retry`: the failure may still be propagating, so trying again can help. */
export interface Classification {
  passed: boolean;
  got: string;
  diagnosis?: string;
  layer?: string;
  retry: boolean;
}

/** Optional facts that make diagnoses precise (names only; never secrets). */
export interface ClassifyHints {
  tokenResource?: string;
  allowedAudiences?: string[];
  openIdIssuer?: string;
  appClientId?: string;
}

const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';

export const PROPAGATION_NOTE =
  'Role or claim changes can take up to 24 h to show: APIM caches the managed-identity token until it expires and ' +
  'the managed-identity service caches tokens for up to 24 h.';

/** Case-insensitive header lookup ('' when absent). */
function header(res: HttpResponse, name: string): string {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers ?? {})) if (k.toLowerCase() === want) return String(v);
  return '';
}

/** True when `WWW-Authenticate` carries a Bearer challenge (RFC 6750 §3), possibly among other challenges. */
export function hasBearerChallenge(res: HttpResponse): boolean {
  return /(^|,)\s*Bearer(\s|,|$)/i.test(header(res, 'www-authenticate'));
}

/** True when `status` matches `expected`: an exact status (`200`) or a class (`2xx`). */
export function statusMatches(status: number, expected: string): boolean {
  const cls = /^([1-5])xx$/i.exec(expected.trim());
  if (cls) return Math.floor(status / 100) === Number(cls[1]);
  return status === Number(expected);
}

/** A short, single-line, scrubbed excerpt of a body for a diagnosis. */
function excerpt(text: string, max = 200): string {
  const one = scrub(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** Error text from the Bearer challenge (`error_description` or `error`), if any. */
function challengeError(res: HttpResponse): string {
  const h = header(res, 'www-authenticate');
  const d = /error_description="([^"]*)"/i.exec(h) ?? /error="([^"]*)"/i.exec(h);
  return d ? excerpt(d[1]) : '';
}

/**
 * The token audience an IDX10214 message reports (`Audiences: 'x'`; Microsoft.IdentityModel's text, as Easy Auth
 * passes it on in `error_description` or the body), or undefined when the text does not carry one. With several
 * audiences (`'a, b'`) the whole list is returned.
 */
function reportedAudience(text: string): string | undefined {
  const m = /IDX10214[\s\S]*?Audiences:\s*'([^']*)'/i.exec(text);
  const aud = m?.[1].trim();
  return aud ? aud : undefined;
}

function redirectGot(res: HttpResponse): string {
  const loc = header(res, 'location');
  let where = '';
  try {
    const u = new URL(loc);
    where = ` → ${u.host}${u.pathname}`;
  } catch {
    where = loc ? ' → (relative location)' : '';
  }
  return `${res.status}${where}`;
}

const REDIRECT_DIAGNOSIS =
  'redirects to login instead of 401 (unauthenticatedClientAction is RedirectToLoginPage); an API behind APIM ' +
  'needs globalValidation.unauthenticatedClientAction = Return401. The redirect was not followed.';

function got401(res: HttpResponse): string {
  return hasBearerChallenge(res) ? '401 (Bearer challenge)' : '401 (no Bearer challenge)';
}

function transient(res: HttpResponse, what: string): Classification {
  return {
    passed: false,
    got: String(res.status),
    diagnosis: `${what} answered ${res.status}${res.body ? `: ${excerpt(res.body)}` : ''}`,
    retry: res.status >= 500 || res.status === 429 || res.status === 408
  };
}

function mentionsSubscriptionKey(res: HttpResponse): boolean {
  return /subscription key/i.test(res.body) || /subscription key/i.test(header(res, 'www-authenticate'));
}

/**
 * Classifies one gateway answer against `expected` (`200`, `2xx`, …).
 *
 * Failures, from status, headers and body: 3xx → login redirect; 500 + AADSTS500011 → token-resource not found
 * (C01, not retried); 5xx naming a managed identity → APIM managed identity missing (C10); 401 + IDX10214 →
 * audience rejected (C02), quoting the audience the Function reported (`Audiences: '…'`) — when it differs from
 * `hints.tokenResource`, the diagnosis says another element set the token instead of advising to allow it; 401 + issuer error (IDX10205/IDX10211/"issuer") → issuer rejected (C03); 401 naming a
 * subscription key → test-setup problem, not drift (C15, not retried); 401 with a Bearer challenge otherwise →
 * Easy Auth refused APIM's token; 401 without one → the function key check (C15, not retried); 403 → APIM's
 * identity not in the caller allow-list (C04); other 5xx/429 → transient. Bodies are scrubbed of JWTs.
 */
export function classifyGateway(res: HttpResponse, expected: string, hints: ClassifyHints = {}): Classification {
  const body = res.body ?? '';
  if (statusMatches(res.status, expected))
    return { passed: true, got: String(res.status), layer: 'function', retry: false };
  if (res.status >= 300 && res.status < 400) {
    return { passed: false, got: redirectGot(res), diagnosis: REDIRECT_DIAGNOSIS, layer: 'easy-auth', retry: true };
  }
  const resource = hints.tokenResource ? `'${hints.tokenResource}'` : 'the configured token-resource';
  if (res.status >= 500 && /AADSTS500011/i.test(body)) {
    return {
      passed: false,
      got: `${res.status} (AADSTS500011)`,
      diagnosis:
        `APIM could not obtain a token: resource not found (AADSTS500011) for ${resource} — token-resource must ` +
        "be the app's client ID or a registered App ID URI (never an object ID or an unregistered api:// URI).",
      layer: 'apim',
      retry: false
    };
  }
  if (res.status >= 500 && /managed identity|managed-identity|\bMSI\b/i.test(body)) {
    return {
      passed: false,
      got: `${res.status} (managed identity)`,
      diagnosis:
        'APIM managed identity missing: the authentication-managed-identity policy ran but the service has no ' +
        `usable identity (enable the system-assigned identity, or set apim-identity-client-id). APIM said: ${excerpt(body)}`,
      layer: 'apim',
      retry: true
    };
  }
  if (res.status === 401) {
    const text = `${header(res, 'www-authenticate')} ${body}`;
    if (mentionsSubscriptionKey(res)) {
      return {
        passed: false,
        got: '401 (subscription key)',
        diagnosis:
          'The gateway refused the subscription key (missing or invalid): a smoke-test setup problem, not drift. ' +
          'Give subscription-key, or smoke-subscription naming an active APIM subscription that covers this API.',
        layer: 'apim',
        retry: false
      };
    }
    const detail = challengeError(res) || excerpt(body);
    if (/IDX10214|audience/i.test(text)) {
      const auds = hints.allowedAudiences?.length ? hints.allowedAudiences.map((a) => `'${a}'`).join(', ') : 'unknown';
      const reported = reportedAudience(text);
      const differs =
        reported !== undefined &&
        hints.tokenResource !== undefined &&
        reported.toLowerCase() !== hints.tokenResource.toLowerCase();
      const said = detail ? ` Function said: ${detail}` : '';
      if (differs) {
        return {
          passed: false,
          got: got401(res),
          diagnosis:
            `Easy Auth rejected APIM's token: audience not allowed (IDX10214). The Function reported the token's aud ` +
            `as '${excerpt(reported, 120)}', not token-resource ${resource}: another authentication-managed-identity ` +
            "(or a set-header of Authorization) in the API's policy, or in a parent scope, set the token that " +
            `reached the Function. Make the managed element the last one that sets Authorization. Easy Auth ` +
            `accepts only (exact match): ${auds}.${said}`,
          layer: 'easy-auth',
          retry: true
        };
      }
      const aud = reported !== undefined ? `'${excerpt(reported, 120)}'` : resource;
      return {
        passed: false,
        got: got401(res),
        diagnosis:
          `Easy Auth rejected APIM's token: audience not allowed (IDX10214). The token's aud is ${aud}; Easy Auth ` +
          `accepts only (exact match): ${auds}. Add it to validation.allowedAudiences or use the client ID.${said}`,
        layer: 'easy-auth',
        retry: true
      };
    }
    if (/IDX10205|IDX10211|issuer/i.test(text)) {
      const iss = hints.openIdIssuer ? `'${hints.openIdIssuer}'` : '(not known)';
      return {
        passed: false,
        got: got401(res),
        diagnosis:
          `Easy Auth rejected APIM's token: issuer not accepted. The configured openIdIssuer is ${iss}; managed ` +
          'identities get v1 tokens (iss https://sts.windows.net/<tenant>/) unless the app registration requests ' +
          'v2 (iss https://login.microsoftonline.com/<tenant>/v2.0).' +
          (detail ? ` Function said: ${detail}` : ''),
        layer: 'easy-auth',
        retry: true
      };
    }
    if (hasBearerChallenge(res)) {
      return {
        passed: false,
        got: got401(res),
        diagnosis:
          "Easy Auth refused the call: no acceptable token reached the Function (check that the API's inbound " +
          'policy runs authentication-managed-identity and that the change has propagated).' +
          (detail ? ` Function said: ${detail}` : ''),
        layer: 'easy-auth',
        retry: true
      };
    }
    return {
      passed: false,
      got: got401(res),
      diagnosis:
        '401 without a Bearer challenge after Easy Auth passed: the function key check refused (authLevel function ' +
        'requires x-functions-key). Keep the key in the APIM backend credentials, or make the function anonymous ' +
        '(Easy Auth protects it).',
      layer: 'function-key',
      retry: false
    };
  }
  if (res.status === 403) {
    if (mentionsSubscriptionKey(res) || /subscription/i.test(body)) {
      return {
        passed: false,
        got: '403 (subscription)',
        diagnosis: `The gateway refused the subscription (a smoke-test setup problem, not drift): ${excerpt(body)}`,
        layer: 'apim',
        retry: false
      };
    }
    return {
      passed: false,
      got: '403',
      diagnosis:
        "APIM's identity is not in the caller allow-list: Easy Auth's defaultAuthorizationPolicy must list APIM's " +
        'client ID in allowedApplications or its object (principal) ID in allowedPrincipals.identities.',
      layer: 'easy-auth',
      retry: true
    };
  }
  if (res.status === 404) {
    return {
      passed: false,
      got: '404',
      diagnosis: `Not found: check smoke-path, the API's path and that an operation matches${res.body ? ` (${excerpt(body)})` : ''}.`,
      retry: false
    };
  }
  return transient(res, 'The gateway');
}

/**
 * Classifies the direct call without a token: passes only on 401 with a Bearer challenge (Easy Auth refused, C15).
 * 2xx → reachable anonymously; 401 without a challenge → the function key check, not Easy Auth; 3xx → login
 * redirect; 404/403 → authentication not enforced before routing. Retried: these may be propagation (C17).
 */
export function classifyDirectNoToken(res: HttpResponse): Classification {
  if (res.status === 401) {
    if (hasBearerChallenge(res)) return { passed: true, got: got401(res), layer: 'easy-auth', retry: false };
    return {
      passed: false,
      got: got401(res),
      diagnosis:
        '401 came from the function key check, not Easy Auth: without a token Easy Auth must answer 401 with a ' +
        'Bearer challenge (requireAuthentication true, unauthenticatedClientAction Return401).',
      layer: 'function-key',
      retry: true
    };
  }
  if (res.status >= 200 && res.status < 300) {
    return {
      passed: false,
      got: String(res.status),
      diagnosis:
        'Function reachable anonymously: Easy Auth did not require a token (platform.enabled and ' +
        'globalValidation.requireAuthentication must be true, and the path must not be excluded).',
      layer: 'function',
      retry: true
    };
  }
  if (res.status >= 300 && res.status < 400) {
    return { passed: false, got: redirectGot(res), diagnosis: REDIRECT_DIAGNOSIS, layer: 'easy-auth', retry: true };
  }
  if (res.status === 404 || res.status === 403) {
    return {
      passed: false,
      got: String(res.status),
      diagnosis: `Expected Easy Auth's 401 before routing, got ${res.status}: authentication is not enforced on this path.`,
      layer: 'function',
      retry: true
    };
  }
  return transient(res, 'The Function');
}

/**
 * Classifies the direct call with the workflow's own token (a caller that is not APIM): passes only on 403
 * (Easy Auth authorization policy refused it). 2xx, or a 401 without a Bearer challenge (Easy Auth let it through
 * to the key check) → callers are not restricted to APIM; 401 with a challenge → inconclusive (Easy Auth rejected
 * the token itself, so the allow-list was not exercised); 3xx → login redirect.
 */
export function classifyDirectForeign(res: HttpResponse): Classification {
  if (res.status === 403) return { passed: true, got: '403', layer: 'easy-auth', retry: false };
  const notRestricted =
    "callers are not restricted to APIM: Easy Auth accepted the workflow identity's token; set " +
    "defaultAuthorizationPolicy so only APIM's identity is allowed.";
  if (res.status >= 200 && res.status < 300) {
    return { passed: false, got: String(res.status), diagnosis: notRestricted, layer: 'function', retry: true };
  }
  if (res.status === 401 && !hasBearerChallenge(res)) {
    return {
      passed: false,
      got: got401(res),
      diagnosis: `${notRestricted} (the function key check answered after Easy Auth passed)`,
      layer: 'function-key',
      retry: true
    };
  }
  if (res.status === 401) {
    const detail = challengeError(res);
    return {
      passed: false,
      got: got401(res),
      diagnosis:
        "Inconclusive: Easy Auth rejected the workflow identity's token itself (401), so the caller allow-list " +
        `was not exercised (expected 403).${detail ? ` Function said: ${detail}` : ''}`,
      layer: 'easy-auth',
      retry: true
    };
  }
  if (res.status >= 300 && res.status < 400) {
    return { passed: false, got: redirectGot(res), diagnosis: REDIRECT_DIAGNOSIS, layer: 'easy-auth', retry: true };
  }
  return transient(res, 'The Function');
}

/** The Function-side path a direct request reaches: the serviceUrl's path + smoke path, without query. */
function directPath(serviceUrl: string, smokePath: string): string {
  let base = '';
  try {
    base = new URL(serviceUrl).pathname;
  } catch {
    base = '';
  }
  const path = `${base.replace(/\/+$/, '')}${smokePath.split(/[?#]/)[0]}`;
  return path === '' ? '/' : path;
}

/**
 * C14: the direct no-token check on a path Easy Auth excludes would get 200 and prove nothing (a false alarm).
 * Returns a message (listing the excluded paths and the fix) when `<serviceUrl path><smokePath>` equals an excluded
 * path, lies under one (`/x` covers `/x/…`), or matches a trailing-`*` pattern — case-insensitively; else undefined.
 * Call it before any write. Matching is deliberately broad: Learn does not document the exact matching rule.
 */
export function excludedPathConflict(
  serviceUrl: string,
  smokePath: string,
  excludedPaths: string[]
): string | undefined {
  if (!smokePath || excludedPaths.length === 0) return undefined;
  const direct = directPath(serviceUrl, smokePath).toLowerCase().replace(/\/+$/, '') || '/';
  const hit = excludedPaths.find((raw) => {
    const ex = raw.trim().toLowerCase();
    if (ex === '') return false;
    if (ex.endsWith('*')) return direct.startsWith(ex.slice(0, -1));
    const e = ex.replace(/\/+$/, '') || '/';
    return e === '/' || direct === e || direct.startsWith(`${e}/`);
  });
  if (hit === undefined) return undefined;
  return (
    `smoke-path '${smokePath}' reaches ${directPath(serviceUrl, smokePath)} on the Function, which Easy Auth ` +
    `excludes from authentication ('${hit}'): the direct no-token check would get 200 there and prove nothing. ` +
    `Choose a smoke-path outside the excluded paths. Excluded paths: ${excludedPaths.join(', ')}`
  );
}

/** Delay before retry number `n` (1-based), in ms. */
export function backoffDelayMs(n: number, b: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(b.initialMs * b.factor ** Math.max(0, n - 1), b.maxMs);
}

function joinUrl(base: string, ...parts: string[]): string {
  let url = base.replace(/\/+$/, '');
  for (const p of parts) {
    const t = p.replace(/^\/+/, '').replace(/\/+$/, '');
    if (t !== '') url += `/${t}`;
  }
  return url;
}

/** `<gatewayUrl>/<apiPath><smokePath>` (no doubled or missing slashes; trailing slash of smokePath kept). */
export function gatewayRequestUrl(target: SmokeTarget, smokePath: string): string {
  return joinUrl(target.gatewayUrl, target.apiPath) + smokePath;
}

/** `<serviceUrl><smokePath>`. */
export function directRequestUrl(serviceUrl: string, smokePath: string): string {
  return serviceUrl.replace(/\/+$/, '') + smokePath;
}

/** Thrown inside the retry loop when an attempt did not pass (its result is kept aside). */
class CheckFailed extends Error {
  constructor() {
    super('smoke check did not pass');
    this.name = 'CheckFailed';
  }
}

interface CheckSpec {
  name: SmokeCheckName;
  expected: string;
  api?: string;
  attempt: () => Promise<Classification>;
}

/** Longest wait for one smoke request, in ms (also when the budget has more time left). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Shortest wait for one smoke request, in ms (even when the budget is almost spent). */
export const MIN_REQUEST_TIMEOUT_MS = 1_000;

/**
 * Per-request timeout in ms for a request sent at `now` with the budget ending at `deadline` (both ms):
 * min(15 s, remaining budget), but at least 1 s. `budgetSeconds` ≤ 0 means "one attempt, no retry budget"
 * (check mode): the request gets the full 15 s.
 */
export function requestTimeoutMs(now: number, deadline: number, budgetSeconds: number): number {
  if (budgetSeconds <= 0) return REQUEST_TIMEOUT_MS;
  return Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, deadline - now));
}

/** True for a rejection that is a timeout (AbortSignal.timeout's TimeoutError, undici/socket timeout codes). */
function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.name === 'TimeoutError') return true;
  if (typeof e.code === 'string' && /TIMEOUT|ETIMEDOUT/i.test(e.code)) return true;
  return e.cause !== undefined && e.cause !== err && isTimeout(e.cause);
}

function timedOut(ms: number): Classification {
  const s = Math.round(ms / 100) / 10;
  return {
    passed: false,
    got: `timed out after ${s} s`,
    diagnosis:
      `No answer within ${s} s: the Function or the gateway did not answer in time (a cold start, a slow or hung ` +
      'function, or a firewall dropping the connection). Check that the endpoint answers quickly from the runner.',
    retry: true
  };
}

/** The error code of a network failure (fetch wraps it in `cause`), e.g. `ENOTFOUND`, `ECONNREFUSED`. */
function netCode(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 4;
    e = e.cause as typeof e, i++
  ) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

function netError(err: unknown): Classification {
  const code = netCode(err);
  const text = code ?? (err instanceof Error ? err.message : String(err));
  // A host name that does not resolve will not start resolving while we wait: final, not propagation.
  if (code === 'ENOTFOUND') {
    return {
      passed: false,
      got: `network error (${code})`,
      diagnosis: 'The host name does not resolve from the runner (ENOTFOUND): check the URL (API serviceUrl, gateway).',
      retry: false
    };
  }
  return {
    passed: false,
    got: `network error (${excerpt(text, 80)})`,
    diagnosis: 'The request did not get an answer (network error); the endpoint must be reachable from the runner.',
    retry: true
  };
}

/**
 * Runs the smoke checks (sequentially, inside ONE shared budget of `settings.timeoutSeconds` s) and reports them.
 *
 * - `settings.path` empty → `{result: 'skipped'}` with a note; nothing is sent.
 * - Each check is retried with exponential backoff (`ports.backoff`, default 1 s ×2 up to 30 s; waits through
 *   `ports.sleep`, clamped to the remaining budget) while its failure may still be propagating (C17). Attempts and
 *   elapsed seconds are recorded per check; every check gets at least one attempt. When the budget is spent with
 *   a check still failing, the report is `failed` with each check's last result and a "not yet propagated" note.
 * - Each request is sent with `timeoutMs` = {@link requestTimeoutMs} (min(15 s, remaining budget), at least 1 s;
 *   15 s when the budget is 0), so a request never runs far past the budget; a timeout is reported as
 *   `timed out after N s` (retried while budget remains), other network failures as `network error (…)`.
 * - Gateway checks run per API; direct checks once per distinct backend URL; the foreign-token check only with
 *   `allowedCallers: 'apim-only'`.
 * - The subscription key and tokens never appear in the report (all strings are scrubbed).
 *
 * @throws ActionError when the smoke path falls under an Easy Auth excluded path (C14) — main should have called
 *   {@link excludedPathConflict} before any write.
 */
export async function runSmoke(settings: SmokeSettings, ctx: SmokeContext, ports: SmokePorts): Promise<SmokeReport> {
  if (!settings.path) {
    return { result: 'skipped', checks: [], notes: ['smoke-path is empty: smoke checks skipped.'] };
  }
  for (const t of ctx.targets) {
    const conflict = excludedPathConflict(t.serviceUrl, settings.path, ctx.excludedPaths);
    if (conflict) throw new ActionError(conflict);
  }
  const now = ports.now ?? (() => Date.now());
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoff = ports.backoff ?? DEFAULT_BACKOFF;
  const deadline = now() + Math.max(0, settings.timeoutSeconds) * 1000;
  const secrets: string[] = ctx.subscriptionKey ? [ctx.subscriptionKey] : [];
  const hints: ClassifyHints = {
    tokenResource: ctx.tokenResource,
    allowedAudiences: ctx.allowedAudiences,
    openIdIssuer: ctx.openIdIssuer,
    appClientId: ctx.appClientId
  };
  const method = settings.method || 'GET';
  const send = async (url: string, headers: Record<string, string>): Promise<HttpResponse | Classification> => {
    const timeoutMs = requestTimeoutMs(now(), deadline, settings.timeoutSeconds);
    try {
      return await ports.http.request({ method, url, headers, timeoutMs });
    } catch (err) {
      return isTimeout(err) ? timedOut(timeoutMs) : netError(err);
    }
  };
  const isResponse = (r: HttpResponse | Classification): r is HttpResponse => 'status' in r;

  const specs: CheckSpec[] = [];
  for (const t of ctx.targets) {
    specs.push({
      name: 'gateway',
      expected: settings.expectedStatus,
      api: t.apiId,
      attempt: async () => {
        const headers: Record<string, string> = {};
        if (t.subscriptionRequired) {
          if (!ctx.subscriptionKey) {
            return {
              passed: false,
              got: 'not sent',
              diagnosis:
                `API ${t.apiId} requires a subscription key and none was available: a smoke-test setup problem, ` +
                'not drift. Give subscription-key, or smoke-subscription naming a subscription that covers the API.',
              layer: 'apim',
              retry: false
            };
          }
          headers[t.subscriptionKeyHeader || DEFAULT_KEY_HEADER] = ctx.subscriptionKey;
        }
        const r = await send(gatewayRequestUrl(t, settings.path), headers);
        return isResponse(r) ? classifyGateway(r, settings.expectedStatus, hints) : r;
      }
    });
  }
  const directs = new Map<string, string>();
  for (const t of ctx.targets) {
    const url = directRequestUrl(t.serviceUrl, settings.path);
    if (!directs.has(url)) directs.set(url, t.apiId);
  }
  for (const [url, api] of directs) {
    specs.push({
      name: 'direct-no-token',
      expected: '401 (Easy Auth Bearer challenge)',
      api,
      attempt: async () => {
        const r = await send(url, {});
        return isResponse(r) ? classifyDirectNoToken(r) : r;
      }
    });
  }
  if (ctx.allowedCallers === 'apim-only') {
    const scope = `${ctx.appClientId}/.default`;
    for (const [url, api] of directs) {
      specs.push({
        name: 'direct-foreign-token',
        expected: '403',
        api,
        attempt: async () => {
          let token: string;
          try {
            token = await ports.tokens.getToken(scope);
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            return {
              passed: false,
              got: 'no token',
              diagnosis:
                `Could not obtain a token for '${scope}' as the workflow identity (${excerpt(msg, 200)}); the ` +
                'foreign-token check needs one. Set allowed-callers: tenant to skip it.',
              retry: false
            };
          }
          if (token) secrets.push(token);
          const r = await send(url, { Authorization: `Bearer ${token}` });
          return isResponse(r) ? classifyDirectForeign(r) : r;
        }
      });
    }
  }

  const checks: SmokeCheckResult[] = [];
  let budgetSpent = false;
  for (const spec of specs) {
    const started = now();
    let attempts = 0;
    let last: Classification | undefined;
    try {
      await pRetry(
        async (attemptNumber: number) => {
          if (attemptNumber > 1) {
            await sleep(Math.max(0, Math.min(backoffDelayMs(attemptNumber - 1, backoff), deadline - now())));
          }
          attempts = attemptNumber;
          last = await spec.attempt();
          if (last.passed) return;
          if (!last.retry) throw new AbortError(new CheckFailed());
          throw new CheckFailed();
        },
        // p-retry drives the attempts; waits happen above through the injected sleep, so its own delay is 0.
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 0,
          maxTimeout: 0,
          factor: 1,
          shouldRetry: () => now() < deadline
        }
      );
    } catch (err) {
      if (!(err instanceof CheckFailed)) throw err; // a bug, not a check result
    }
    const c = last ?? { passed: false, got: 'not run', retry: false };
    const seconds = Math.round((now() - started) / 100) / 10;
    // Still failing in a way that may be propagating when the budget ran out (C17): say so in the check's own
    // diagnosis, which is what the step's failure message quotes, with its last status.
    const exhausted = !c.passed && c.retry && now() >= deadline && settings.timeoutSeconds > 0;
    if (exhausted) budgetSpent = true;
    const diagnosis = exhausted
      ? `not yet propagated (smoke budget of ${settings.timeoutSeconds} s spent; last ${c.got} after ` +
        `${attempts} attempt${attempts === 1 ? '' : 's'} / ${seconds} s)${c.diagnosis ? `: ${c.diagnosis}` : ''}`
      : c.diagnosis;
    checks.push({
      name: spec.name,
      expected: spec.expected,
      got: c.got,
      passed: c.passed,
      attempts,
      seconds,
      ...(diagnosis && !c.passed ? { diagnosis } : {}),
      ...(c.layer ? { layer: c.layer } : {}),
      ...(spec.api !== undefined ? { api: spec.api } : {})
    });
  }

  const passed = checks.every((c) => c.passed);
  const notes: string[] = [];
  for (const c of checks) {
    if (c.passed && c.attempts > 1) {
      notes.push(`${label(c)} ${c.got} after ${c.attempts} attempts / ${c.seconds} s`);
    }
  }
  if (budgetSpent) {
    notes.push(
      `not yet propagated: the smoke budget of ${settings.timeoutSeconds} s is spent; last result per check: ` +
        checks.map((c) => `${label(c)} ${c.got}`).join('; ') +
        '. Easy Auth changes can take up to ~30 min to reach the workers: re-run later or raise smoke-timeout-seconds.'
    );
  }
  if (ctx.changedNow !== false) notes.push(PROPAGATION_NOTE);
  const report: SmokeReport = { result: passed ? 'passed' : 'failed', checks, notes };
  return scrubDeep(report, secrets);
}

function label(c: SmokeCheckResult): string {
  return c.api !== undefined ? `${c.name}[${c.api}]` : c.name;
}
