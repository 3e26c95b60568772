/** The verdict on a gateway answer (client → APIM → Function), with a diagnosis a person can act on. Pure. */
import type { HttpResponse } from '../ports.js';
import {
  challengeError,
  excerpt,
  got401,
  hasBearerChallenge,
  header,
  loginRedirect,
  mentionsSubscriptionKey,
  reportedAudience,
  statusMatches,
  transient
} from './answer.js';
import type { Classification, ClassifyHints } from './types.js';

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
  if (res.status >= 300 && res.status < 400) return loginRedirect(res);
  const resource = hints.tokenResource ? `'${hints.tokenResource}'` : 'the configured token-resource';
  const apimFailure = res.status >= 500 ? tokenNotObtained(res.status, body, resource) : undefined;
  if (apimFailure) return apimFailure;
  if (res.status === 401) return gateway401(res, body, resource, hints);
  if (res.status === 403) return gateway403(res, body);
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
 * A 5xx in which APIM says why it could not get the managed-identity token: the resource is unknown (AADSTS500011,
 * C01) or the service has no usable identity (C10). Undefined for any other 5xx.
 */
function tokenNotObtained(status: number, body: string, resource: string): Classification | undefined {
  if (/AADSTS500011/i.test(body)) {
    return {
      passed: false,
      got: `${status} (AADSTS500011)`,
      diagnosis:
        `APIM could not obtain a token: resource not found (AADSTS500011) for ${resource} — token-resource must ` +
        "be the app's client ID or a registered App ID URI (never an object ID or an unregistered api:// URI).",
      layer: 'apim',
      retry: false
    };
  }
  if (/managed identity|managed-identity|\bMSI\b/i.test(body)) {
    return {
      passed: false,
      got: `${status} (managed identity)`,
      diagnosis:
        'APIM managed identity missing: the authentication-managed-identity policy ran but the service has no ' +
        `usable identity (enable the system-assigned identity, or set apim-identity-client-id). APIM said: ${excerpt(body)}`,
      layer: 'apim',
      retry: true
    };
  }
  return undefined;
}

/** A gateway 401: the subscription key, then Easy Auth (audience, issuer, any token), then the function key check. */
function gateway401(res: HttpResponse, body: string, resource: string, hints: ClassifyHints): Classification {
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
  if (/IDX10214|audience/i.test(text)) return audienceRejected(res, text, detail, resource, hints);
  if (/IDX10205|IDX10211|issuer/i.test(text)) return issuerRejected(res, detail, hints);
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

/**
 * Easy Auth refused the token's audience (IDX10214, C02). When the audience the Function reported differs from
 * token-resource, another element set the token; otherwise the audience is missing from the allowed list.
 */
function audienceRejected(
  res: HttpResponse,
  text: string,
  detail: string,
  resource: string,
  hints: ClassifyHints
): Classification {
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

/** Easy Auth refused the token's issuer (IDX10205/IDX10211, C03): v1 and v2 issuers differ. */
function issuerRejected(res: HttpResponse, detail: string, hints: ClassifyHints): Classification {
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

/** A gateway 403: APIM refused the subscription (setup), or Easy Auth's caller allow-list refused APIM (C04). */
function gateway403(res: HttpResponse, body: string): Classification {
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
