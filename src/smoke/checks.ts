/**
 * The smoke checks to run, each as one spec with its own attempt: the gateway per API, the direct no-token check
 * once per distinct backend URL, and the foreign-token check (only with `allowedCallers: 'apim-only'`).
 * HTTP and tokens go through the ports handed in; nothing here waits or retries (see ./run.ts).
 */
import type { HttpPort, HttpResponse, TokenPort } from '../ports.js';
import type { SmokeCheckName, SmokeSettings } from '../types.js';
import { excerpt } from './answer.js';
import { requestTimeoutMs } from './budget.js';
import { classifyDirectForeign, classifyDirectNoToken } from './classify-direct.js';
import { classifyGateway } from './classify-gateway.js';
import { isTimeout, netError, timedOut } from './request-failure.js';
import type { Classification, ClassifyHints, SmokeContext, SmokeTarget } from './types.js';
import { directRequestUrl, gatewayRequestUrl } from './urls.js';

const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';

/** One check: its name, what it expects, the API it speaks for, and how to make one attempt. */
export interface CheckSpec {
  name: SmokeCheckName;
  expected: string;
  api?: string;
  attempt: () => Promise<Classification>;
}

/** Sends one smoke request; a request that got no answer comes back already classified. */
export type Send = (url: string, headers: Record<string, string>) => Promise<HttpResponse | Classification>;

/** What the attempts use. `secrets` collects the tokens they obtain, so the report can be scrubbed of them. */
export interface CheckDeps {
  send: Send;
  tokens: TokenPort;
  secrets: string[];
}

/**
 * A `Send` over `http` whose every request gets {@link requestTimeoutMs} for the moment it is sent (`now`) and the
 * budget's `deadline` (ms); a timeout becomes `timed out after N s`, any other failure `network error (…)`.
 */
export function smokeSender(
  http: HttpPort,
  method: string,
  now: () => number,
  deadline: number,
  budgetSeconds: number
): Send {
  return async (url, headers) => {
    const timeoutMs = requestTimeoutMs(now(), deadline, budgetSeconds);
    try {
      return await http.request({ method, url, headers, timeoutMs });
    } catch (err) {
      return isTimeout(err) ? timedOut(timeoutMs) : netError(err);
    }
  };
}

const isResponse = (r: HttpResponse | Classification): r is HttpResponse => 'status' in r;

/** The checks for `ctx`, in the order they run: gateways, then direct no-token, then direct foreign-token. */
export function smokeChecks(settings: SmokeSettings, ctx: SmokeContext, deps: CheckDeps): CheckSpec[] {
  const hints: ClassifyHints = {
    tokenResource: ctx.tokenResource,
    allowedAudiences: ctx.allowedAudiences,
    openIdIssuer: ctx.openIdIssuer,
    appClientId: ctx.appClientId
  };
  const directs = directUrls(ctx.targets, settings.path);
  const scope = `${ctx.appClientId}/.default`;
  return [
    ...ctx.targets.map((t) => gatewayCheck(t, settings, ctx.subscriptionKey, hints, deps.send)),
    ...[...directs].map(([url, api]) => directNoTokenCheck(url, api, deps.send)),
    ...(ctx.allowedCallers === 'apim-only'
      ? [...directs].map(([url, api]) => foreignTokenCheck(url, api, scope, deps))
      : [])
  ];
}

/** Distinct direct URLs (`<serviceUrl><smokePath>`), each with the first API that reaches it. */
function directUrls(targets: SmokeTarget[], smokePath: string): Map<string, string> {
  const directs = new Map<string, string>();
  for (const t of targets) {
    const url = directRequestUrl(t.serviceUrl, smokePath);
    if (!directs.has(url)) directs.set(url, t.apiId);
  }
  return directs;
}

/** Client → APIM → Function for one API, with the subscription key when the API requires one. */
function gatewayCheck(
  t: SmokeTarget,
  settings: SmokeSettings,
  subscriptionKey: string | undefined,
  hints: ClassifyHints,
  send: Send
): CheckSpec {
  return {
    name: 'gateway',
    expected: settings.expectedStatus,
    api: t.apiId,
    attempt: async () => {
      const headers: Record<string, string> = {};
      if (t.subscriptionRequired) {
        if (!subscriptionKey) return noSubscriptionKey(t.apiId);
        headers[t.subscriptionKeyHeader || DEFAULT_KEY_HEADER] = subscriptionKey;
      }
      const r = await send(gatewayRequestUrl(t, settings.path), headers);
      return isResponse(r) ? classifyGateway(r, settings.expectedStatus, hints) : r;
    }
  };
}

function noSubscriptionKey(apiId: string): Classification {
  return {
    passed: false,
    got: 'not sent',
    diagnosis:
      `API ${apiId} requires a subscription key and none was available: a smoke-test setup problem, ` +
      'not drift. Give subscription-key, or smoke-subscription naming a subscription that covers the API.',
    layer: 'apim',
    retry: false
  };
}

/** The Function without a token: Easy Auth must answer 401 with a Bearer challenge. */
function directNoTokenCheck(url: string, api: string, send: Send): CheckSpec {
  return {
    name: 'direct-no-token',
    expected: '401 (Easy Auth Bearer challenge)',
    api,
    attempt: async () => {
      const r = await send(url, {});
      return isResponse(r) ? classifyDirectNoToken(r) : r;
    }
  };
}

/** The Function with the workflow identity's own token for `scope`: Easy Auth must refuse it with 403. */
function foreignTokenCheck(url: string, api: string, scope: string, deps: CheckDeps): CheckSpec {
  return {
    name: 'direct-foreign-token',
    expected: '403',
    api,
    attempt: async () => {
      let token: string;
      try {
        token = await deps.tokens.getToken(scope);
      } catch (err) {
        return noToken(scope, err);
      }
      if (token) deps.secrets.push(token);
      const r = await deps.send(url, { Authorization: `Bearer ${token}` });
      return isResponse(r) ? classifyDirectForeign(r) : r;
    }
  };
}

function noToken(scope: string, err: unknown): Classification {
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
