/**
 * HttpPort for smoke requests over Node's fetch (undici). Redirects are never followed (a 3xx is a finding:
 * "redirects to login instead of 401"). Trusts the CAs Node trusts, including NODE_EXTRA_CA_CERTS.
 */
import type { HttpPort, HttpResponse } from './ports.js';

/** Largest body kept for classification (bytes of text). */
const MAX_BODY = 4096;

/**
 * Creates the HttpPort. Each request times out after its own `timeoutMs` when given, else `opts.timeoutMs`
 * (default 15000 ms), through `AbortSignal.timeout` (covers the headers and the body); a timeout rejects with a
 * DOMException named `TimeoutError`, a network error with fetch's TypeError (the smoke module records either as
 * the attempt's result).
 */
export function createHttpPort(opts: { timeoutMs?: number } = {}): HttpPort {
  return {
    async request(req): Promise<HttpResponse> {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1, req.timeoutMs ?? opts.timeoutMs ?? 15000))
      });
      const text = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k.toLowerCase()] = v;
      });
      return { status: res.status, headers, body: text.slice(0, MAX_BODY) };
    }
  };
}
