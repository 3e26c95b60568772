/** The shapes the smoke checks share: what to test (targets, context), the ports they use, and one verdict. */
import type { HttpPort, TokenPort } from '../ports.js';
import type { AllowedCallers, SmokeCheckName } from '../types.js';

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

export interface SmokePorts {
  http: HttpPort;
  tokens: TokenPort;
  /** Waits `ms` milliseconds (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Current time in ms (default: Date.now). */
  now?: () => number;
  backoff?: Backoff;
  /**
   * Called after every attempt of every check, before any wait (progress while changes propagate), e.g.
   * `(a) => log.info(a.text)`. An exception it throws is ignored: progress never changes a result.
   */
  onAttempt?: (attempt: SmokeAttempt) => void;
}

/** One attempt of one smoke check, as reported to {@link SmokePorts.onAttempt}. Secrets are never in it. */
export interface SmokeAttempt {
  check: SmokeCheckName;
  /** The API the check runs for (as in the report), if any. */
  api?: string;
  /** 1-based attempt number of this check. */
  attempt: number;
  /** What this attempt got, e.g. `401 (Bearer challenge)`, `timed out after 15 s`. */
  got: string;
  passed: boolean;
  /** Wait before the next attempt of this check (ms); absent when there is none (passed, final, budget spent). */
  nextWaitMs?: number;
  /** Why there is no next attempt of a failing check: not a propagation delay, or the budget is spent. */
  final?: 'not-retryable' | 'budget-spent';
  /** Time left in the shared smoke budget (ms, ≥ 0) after this attempt. */
  remainingMs: number;
  /** The whole budget (s); 0 means one attempt per check (check mode). */
  budgetSeconds: number;
  /**
   * The attempt as one log line, e.g.
   * `smoke gateway (orders) attempt 2: got 401 (Bearer challenge); next attempt in 4 s, 286 s of 300 s left`.
   */
  text: string;
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
