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
 *
 * The code lives in src/smoke/: types.ts (targets, context, ports, verdicts), answer.ts (reading one answer),
 * classify-gateway.ts and classify-direct.ts (the verdicts), request-failure.ts (timeouts, network errors), urls.ts
 * (request URLs, excluded-path conflict), budget.ts (backoff, request timeouts), checks.ts (the checks to run) and
 * run.ts (`runSmoke`: retries inside the budget, the report). This module is their public face.
 */
export { scrub } from './secrets.js';
export type { Backoff, Classification, ClassifyHints, SmokeContext, SmokePorts, SmokeTarget } from './smoke/types.js';
export { hasBearerChallenge, statusMatches } from './smoke/answer.js';
export { classifyGateway } from './smoke/classify-gateway.js';
export { classifyDirectForeign, classifyDirectNoToken } from './smoke/classify-direct.js';
export { directRequestUrl, excludedPathConflict, gatewayRequestUrl } from './smoke/urls.js';
export {
  backoffDelayMs,
  DEFAULT_BACKOFF,
  MIN_REQUEST_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  requestTimeoutMs
} from './smoke/budget.js';
export { PROPAGATION_NOTE, runSmoke } from './smoke/run.js';
