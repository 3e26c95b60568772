/**
 * HttpPort for smoke requests over Node's fetch (undici). Redirects are never followed (a 3xx is a finding:
 * "redirects to login instead of 401"). Trusts the CAs Node trusts, including NODE_EXTRA_CA_CERTS. Honours
 * `HTTPS_PROXY`/`HTTP_PROXY` and `NO_PROXY` like the action's other requests (see proxyDispatcher).
 */
import { HttpClient } from '@actions/http-client';
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
      const dispatcher = proxyDispatcher(req.url);
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1, req.timeoutMs ?? opts.timeoutMs ?? 15000)),
        ...(dispatcher ? { dispatcher } : {})
      } as RequestInit);
      const text = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k.toLowerCase()] = v;
      });
      return { status: res.status, headers, body: text.slice(0, MAX_BODY) };
    }
  };
}

let proxies: HttpClient | undefined;

/**
 * The proxy to send a request to `url` through, as an undici dispatcher (a `ProxyAgent`), or undefined for a direct
 * request. The rules are @actions/http-client's, which the action's GitHub OIDC and REST requests already follow
 * (`getProxyUrl`: `https_proxy`/`HTTPS_PROXY` for https, `http_proxy`/`HTTP_PROXY` for http; `no_proxy`/`NO_PROXY`
 * by host and host:port, `*`, and `.suffix`; loopback never proxied); the Azure SDK's requests honour the same
 * variables (@azure/core-rest-pipeline proxyPolicy). Node's own fetch ignores them unless Node was started with
 * `NODE_USE_ENV_PROXY=1` (nodejs.org/api/cli.html), so without this a runner behind a proxy would reach ARM through it
 * but send the smoke requests straight out. Node's fetch accepts the dispatcher (`RequestInit.dispatcher`, undici).
 */
export function proxyDispatcher(url: string): object | undefined {
  try {
    proxies ??= new HttpClient('apim-function-auth');
    return proxies.getAgentDispatcher(url) as object | undefined;
  } catch {
    return undefined; // an unparsable proxy or URL: fetch reports the URL itself
  }
}
