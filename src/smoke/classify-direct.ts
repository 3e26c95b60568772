/** The verdicts on direct calls to the Function (bypassing APIM): without a token, and with a foreign one. Pure. */
import type { HttpResponse } from '../ports.js';
import { challengeError, got401, hasBearerChallenge, loginRedirect, transient } from './answer.js';
import type { Classification } from './types.js';

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
  if (res.status >= 300 && res.status < 400) return loginRedirect(res);
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
  if (res.status >= 300 && res.status < 400) return loginRedirect(res);
  return transient(res, 'The Function');
}
