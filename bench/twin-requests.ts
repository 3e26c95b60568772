/**
 * What the twin served, measured (used by `npm run bench` and the end-to-end tests that count requests): request
 * kinds, by the listener that served each request (the twin's `/requests` log names it by its origin,
 * `https://127.0.0.1:PORT/path?query`), and the critical path of a run whose every request was delayed.
 */
import type { Twin } from '../scripts/action-runner.js';

/** Request kinds, in table order. */
export const KINDS = [
  'OIDC',
  'metadata',
  'token',
  'ARM read',
  'ARM write',
  'LRO poll',
  'Graph',
  'data plane',
  'GitHub'
] as const;
export type RequestKind = (typeof KINDS)[number] | 'other';

/** The kind of one request the twin served (its `url` names the listener: `https://127.0.0.1:PORT/path?query`). */
export function requestKind(twin: Twin, r: { method: string; url: string }): RequestKind {
  const origin = new URL(r.url).origin;
  const path = new URL(r.url).pathname;
  const is = (base: string) => new URL(base).origin === origin;
  if (is(twin.env.ACTIONS_ID_TOKEN_REQUEST_URL)) return 'OIDC';
  if (is(twin.authorityHost)) return /\/oauth2\/(v2\.0\/)?token$/.test(path) ? 'token' : 'metadata';
  if (is(twin.graphEndpoint)) return 'Graph';
  if (is(twin.githubApiUrl)) return 'GitHub';
  if (is(twin.armEndpoint)) {
    if (/\/operationresults\//i.test(path)) return 'LRO poll';
    if (['PUT', 'PATCH', 'DELETE'].includes(r.method)) return 'ARM write';
    return 'ARM read';
  }
  if (Object.values(twin.hostMap).some((h) => origin === `https://${h}`)) return 'data plane';
  return 'other';
}

/** Requests of each kind. */
export function countByKind(twin: Twin): Record<RequestKind, number> {
  const counts = Object.fromEntries([...KINDS, 'other'].map((k) => [k, 0])) as Record<RequestKind, number>;
  for (const r of twin.requests()) counts[requestKind(twin, r)]++;
  return counts;
}

/** One request as the twin's `log` option reports it (at its answer): when, and `<listener> <METHOD> <url> -> <status>`. */
export interface ServedAt {
  at: number;
  line: string;
}

/**
 * Critical-path round trips of a run in which the twin delayed every request by `delayMs` (a fault with `delayMs`):
 * a request's depth is one more than the deepest request that had been answered before it arrived (arrival = answer −
 * delay), and the run's depth is the deepest request's. With a delay well above the time the action spends between
 * requests this counts requests that waited for each other, independently of the machine's speed (the wall-time
 * method, (wall with delay − wall without) / delay, also counts the action's own work). `chain` is one deepest chain,
 * as log lines without query strings (for a failure message).
 */
export function criticalPath(served: ServedAt[], delayMs: number): { depth: number; chain: string[] } {
  const reqs = served.map((s) => ({ ...s, arrived: s.at - delayMs, depth: 1, prev: -1 })).sort((a, b) => a.at - b.at);
  for (let i = 0; i < reqs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (reqs[j].at <= reqs[i].arrived && reqs[j].depth + 1 > reqs[i].depth) {
        reqs[i].depth = reqs[j].depth + 1;
        reqs[i].prev = j;
      }
    }
  }
  let last = reqs.reduce((best, r, i) => (r.depth > reqs[best].depth ? i : best), 0);
  const chain: string[] = [];
  while (last >= 0 && reqs[last]) {
    chain.unshift(reqs[last].line.replace(/\?\S*/, ''));
    last = reqs[last].prev;
  }
  return { depth: Math.max(0, ...reqs.map((r) => r.depth)), chain };
}
