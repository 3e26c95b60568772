/**
 * The twin's HTTPS proxy: lets a client that knows only the real Azure and GitHub hostnames (the action with its
 * public-cloud defaults, the Azure CLI) run against the twin unmodified, through nothing but `HTTPS_PROXY` and trust
 * in the twin's CA.
 *
 * An HTTP/1.1 server on 127.0.0.1 that understands only `CONNECT host:port` (RFC 9110 §9.3.6), the method every
 * HTTPS client uses through a proxy (Node's https-proxy-agent in @azure/core-rest-pipeline, undici's ProxyAgent in
 * @actions/http-client, urllib3 in Python `requests`). A host in its table is tunnelled to the twin listener that plays
 * it, on loopback; the TLS inside the tunnel is the listener's own, which presents a certificate for that hostname
 * issued by the twin's CA (./certs.ts `issue`). It **never connects out**: any other host, a CONNECT without a port,
 * and every plain (non-CONNECT) proxy request are answered `403` and logged as refused.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The real hostnames each fixed twin listener answers for (port 443 through the proxy). The data-plane listeners
 * answer for the Azure hostnames of the state (`twin.hostMap`: APIM `*.azure-api.net`, sites `*.azurewebsites.net`).
 * - `arm`: Azure Resource Manager, public cloud (Learn "Azure Resource Manager overview": management.azure.com).
 * - `login`: Microsoft Entra ID authority, public cloud (@azure/identity `AzureAuthorityHosts.AzurePublicCloud`).
 * - `graph`: Microsoft Graph global service (Learn "Microsoft Graph national cloud deployments").
 * - `github`: GitHub REST API (the runner's `GITHUB_API_URL` on github.com: https://api.github.com).
 * - `oidc`: GitHub Actions OIDC: the runner's token request host (`ACTIONS_ID_TOKEN_REQUEST_URL` points at a
 *   `pipelines…actions.githubusercontent.com` host) and the issuer `token.actions.githubusercontent.com` (its JWKS).
 */
export const PUBLIC_HOSTNAMES: Readonly<Record<'arm' | 'login' | 'graph' | 'github' | 'oidc', readonly string[]>> = {
  arm: ['management.azure.com'],
  login: ['login.microsoftonline.com'],
  graph: ['graph.microsoft.com'],
  github: ['api.github.com'],
  oidc: ['pipelines.actions.githubusercontent.com', 'token.actions.githubusercontent.com']
};

/** One CONNECT (or refused plain request) the proxy saw. */
export interface ProxyLogEntry {
  /** `CONNECT` or the method of a refused plain proxy request. */
  method: string;
  /** `host:port` as the client asked (a plain request's absolute URL). */
  target: string;
  /** 200 (tunnelled to a twin listener) or 403 (refused). */
  status: number;
  /** The twin listener's loopback port for a tunnel. */
  port?: number;
}

/** A running proxy. */
export interface TwinProxy {
  /** `http://127.0.0.1:PORT` (what `HTTPS_PROXY` gets). */
  url: string;
  port: number;
  /** Every CONNECT and refused request so far, in order. */
  log(): ProxyLogEntry[];
  /** Closes the listener and every open tunnel. */
  stop(): Promise<void>;
}

/**
 * Resolves a CONNECT target to the loopback port of the twin listener that plays it, or undefined to refuse it.
 * `host` is lower-case without brackets; `port` is the requested port.
 */
export type ProxyRoute = (host: string, port: number) => number | undefined;

/** Splits a CONNECT authority `host:port` / `[v6]:port`; undefined when it has no valid port. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]!).toLowerCase(), port };
}

const REFUSAL =
  'the twin proxy tunnels only to hosts the twin plays (it never connects out); see emulator/README.md "Unmodified clients"';

/**
 * Starts the proxy on 127.0.0.1 (ephemeral port). `route` is asked for every CONNECT; a tunnel connects only to
 * `127.0.0.1:<port it returns>`. Resolves when listening; rejects when it cannot bind.
 * @param opts.log called with one line per CONNECT or refusal (`proxy CONNECT host:443 -> 200`).
 */
export async function startTwinProxy(
  route: ProxyRoute,
  opts: { log?: (line: string) => void } = {}
): Promise<TwinProxy> {
  const entries: ProxyLogEntry[] = [];
  const sockets = new Set<net.Socket>();
  const note = (e: ProxyLogEntry): void => {
    entries.push(e);
    opts.log?.(`proxy ${e.method} ${e.target} -> ${e.status}`);
  };
  const server = http.createServer((req, res) => {
    // A plain proxy request (absolute-form URL, e.g. `GET http://example.com/`) would need connecting out: refused.
    note({ method: req.method ?? 'GET', target: req.url ?? '', status: 403 });
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end(REFUSAL + '\n');
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const where = parseAuthority(target);
    const port = where ? route(where.host, where.port) : undefined;
    client.on('error', () => client.destroy());
    if (port === undefined) {
      note({ method: 'CONNECT', target, status: 403 });
      client.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n` +
          `content-length: ${Buffer.byteLength(REFUSAL) + 1}\r\n\r\n${REFUSAL}\n`
      );
      return;
    }
    note({ method: 'CONNECT', target, status: 200, port });
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => entries.map((e) => ({ ...e })),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  };
}

/**
 * Token audiences real ARM accepts, as its 401 `InvalidAuthenticationTokenAudience` lists them ("It should exactly
 * match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net',
 * 'https://management.azure.com/','https://management.azure.com'"). The Azure CLI asks for
 * `https://management.core.windows.net//.default` (azure-cli-core cloud.py `active_directory_resource_id`), the action
 * for `https://management.azure.com/.default`. With the proxy on, the twin's ARM accepts them too.
 */
export const PUBLIC_ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];
/** Microsoft Graph's resource (Learn "Microsoft Graph permissions reference": `https://graph.microsoft.com/.default`). */
export const PUBLIC_GRAPH_AUDIENCES = ['https://graph.microsoft.com'];

/**
 * The public hostname a request named (its `Host` header, `:443` dropped, lower-case) when it is one of `hosts` — the
 * names the listener that served it plays through the proxy —, else undefined (a request to `127.0.0.1:PORT`).
 */
export function publicHostOf(hostHeader: string | undefined, hosts: readonly string[] | undefined): string | undefined {
  if (!hostHeader || !hosts?.length) return undefined;
  const h = hostHeader.toLowerCase().replace(/:443$/, '');
  return hosts.includes(h) ? h : undefined;
}

/**
 * A response as the real host would word it: every `https://127.0.0.1:PORT` of the listener (`loopbackBase`) in a
 * text body and in header values (`Location`, `Azure-AsyncOperation`, `Link`, …) becomes `https://<publicHost>`, so
 * a client that came through the proxy keeps using real hostnames (ARM's operation URLs, Entra's OpenID
 * configuration, GitHub's `Link` pages). Binary bodies are left as they are.
 */
export function asPublicResponse<R extends { headers: Record<string, string>; body: string | Buffer }>(
  res: R,
  loopbackBase: string,
  publicHost: string
): R {
  const re = new RegExp(loopbackBase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![0-9])', 'g');
  const to = `https://${publicHost}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = typeof v === 'string' ? v.replace(re, to) : v;
  const body = typeof res.body === 'string' ? res.body.replace(re, to) : res.body;
  return { ...res, headers, body };
}
