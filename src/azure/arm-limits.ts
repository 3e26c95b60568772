/**
 * ARM requests in flight, bounded per subscription across every target of a run, as an `@azure/core-rest-pipeline`
 * policy added to the SDK clients' pipelines (so SDK operations, raw requests through those pipelines and
 * long-running-operation polls all count). ARM throttles per principal and subscription (Learn: "Understand how
 * Azure Resource Manager throttles requests" — a 429 with `Retry-After` when the bucket is empty), so one queue per
 * subscription, shared by all targets: the run never has more than `maxInFlight` requests in flight in one
 * subscription, whatever `max-parallel` is.
 *
 * A 429 that carries `Retry-After` (seconds or an HTTP date; also `retry-after-ms` / `x-ms-retry-after-ms`, as
 * core-rest-pipeline's throttlingRetryStrategy reads them) pauses that subscription's queue for that long: requests
 * waiting or retried meanwhile start only after it. The pipeline's own throttling retry still resends the throttled
 * request. The policy sits after the Sign phase, next to the HTTP client: each attempt (retries included) takes a
 * slot, the waits between retries and token requests do not.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import pLimit, { type LimitFunction } from 'p-limit';

/** Name of the policy in the pipelines. */
export const ARM_IN_FLIGHT_POLICY = 'apimFunctionAuthArmInFlight';

/** Longest pause one `Retry-After` may impose (ms): a bound against a wrong header value. */
export const MAX_PAUSE_MS = 5 * 60_000;

/** What one subscription's queue saw, for tests and the benchmark. */
export interface QueueStats {
  /** Requests sent (attempts). */
  sent: number;
  /** Most requests in flight at once. */
  peakInFlight: number;
  /** Pauses caused by a 429 with Retry-After. */
  pauses: number;
}

/** The run's ARM limits: one pipeline policy shared by every client of every target. */
export interface ArmLimits {
  readonly maxInFlight: number;
  /** The pipeline policy (add it with `afterPhase: 'Sign'` or as a `perRetry` additional policy). */
  readonly policy: PipelinePolicy;
  /** Per subscription ID (lower case; '' for a request without one). */
  stats(): Record<string, QueueStats>;
}

/** Options of {@link createArmLimits}. */
export interface ArmLimitsOptions {
  /** Requests in flight per subscription (≥ 1). */
  maxInFlight: number;
  /** Called when a 429 pauses a subscription's queue: its ID and the pause in ms. */
  onPause?: (subscriptionId: string, ms: number) => void;
  /** Clock (ms) and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The subscription ID in an ARM URL (`…/subscriptions/{id}/…`), lower case; '' when there is none. */
export function subscriptionOf(url: string): string {
  const m = /\/subscriptions\/([^/?#]+)/i.exec(url);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : '';
}

/**
 * The wait a throttled answer asks for, in ms, or undefined: `retry-after-ms` / `x-ms-retry-after-ms`
 * (milliseconds), else `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3). Capped at
 * {@link MAX_PAUSE_MS}; a past date or 0 gives undefined.
 */
export function retryAfterMs(headers: { get(name: string): string | undefined }, now = Date.now()): number | undefined {
  const num = (v: string | undefined): number | undefined => {
    if (v === undefined || !/^\s*[0-9]+(\.[0-9]+)?\s*$/.test(v)) return undefined;
    return Number(v);
  };
  const ms = num(headers.get('retry-after-ms')) ?? num(headers.get('x-ms-retry-after-ms'));
  let wait = ms;
  const ra = headers.get('retry-after');
  if (wait === undefined && ra !== undefined) {
    const s = num(ra);
    wait = s !== undefined ? s * 1000 : Number.isNaN(Date.parse(ra)) ? undefined : Date.parse(ra) - now;
  }
  if (wait === undefined || !(wait > 0)) return undefined;
  return Math.min(wait, MAX_PAUSE_MS);
}

interface Queue {
  limit: LimitFunction;
  pausedUntil: number;
  inFlight: number;
  stats: QueueStats;
}

/**
 * Creates the run's ARM limits (see the module comment). Requests of one subscription beyond `maxInFlight` wait in
 * order; the policy never fails a request by itself (an error of the request or a later policy propagates).
 */
export function createArmLimits(o: ArmLimitsOptions): ArmLimits {
  const maxInFlight = Math.max(1, Math.floor(o.maxInFlight));
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const queues = new Map<string, Queue>();
  const queueOf = (sub: string): Queue => {
    let q = queues.get(sub);
    if (!q) {
      q = { limit: pLimit(maxInFlight), pausedUntil: 0, inFlight: 0, stats: { sent: 0, peakInFlight: 0, pauses: 0 } };
      queues.set(sub, q);
    }
    return q;
  };
  const send = async (q: Queue, sub: string, request: PipelineRequest, next: SendRequest) => {
    // A pause that starts while this request waits for its slot or its turn holds it too.
    for (let wait = q.pausedUntil - now(); wait > 0; wait = q.pausedUntil - now()) await sleep(wait);
    q.inFlight++;
    q.stats.sent++;
    q.stats.peakInFlight = Math.max(q.stats.peakInFlight, q.inFlight);
    let response: PipelineResponse;
    try {
      response = await next(request);
    } finally {
      q.inFlight--;
    }
    if (response.status === 429) {
      const ms = retryAfterMs(response.headers, now());
      if (ms !== undefined && now() + ms > q.pausedUntil) {
        q.pausedUntil = now() + ms;
        q.stats.pauses++;
        o.onPause?.(sub, ms);
      }
    }
    return response;
  };
  const policy: PipelinePolicy = {
    name: ARM_IN_FLIGHT_POLICY,
    sendRequest(request, next) {
      const sub = subscriptionOf(request.url);
      const q = queueOf(sub);
      return q.limit(() => send(q, sub, request, next));
    }
  };
  return {
    maxInFlight,
    policy,
    stats: () => Object.fromEntries([...queues].map(([k, q]) => [k, { ...q.stats }]))
  };
}
