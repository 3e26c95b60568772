/**
 * The twin's server: one HTTPS listener per "host" (ARM + admin, Entra login, Microsoft Graph, GitHub API,
 * GitHub OIDC), one per APIM service (its gateway) and one per site/slot (its default host), all on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {
  FunctionHostContext,
  GatewayContext,
  GatewayNamedValue,
  Json,
  TwinRequest,
  TwinResponse,
  TwinState
} from './contracts.js';
import { namedValuesOf, resolveNamedValue } from './apim.js';
import { ArmService } from './arm.js';
import { makeTlsMaterial } from './certs.js';
import { entraHandler, oidcHandler, OIDC_PATH } from './entra.js';
import { githubHandler } from './github.js';
import { graphHandler } from './graph.js';
import {
  asPublicResponse,
  PUBLIC_ARM_AUDIENCES,
  PUBLIC_GRAPH_AUDIENCES,
  PUBLIC_HOSTNAMES,
  publicHostOf,
  startTwinProxy,
  type ProxyLogEntry,
  type TwinProxy
} from './proxy.js';
import { clone, isObject, json, parseRequest, type Handler } from './http.js';
import { Tenant } from './tenant.js';
import type { FunctionHostHandler, GatewayHandler } from './contracts.js';

// The data plane is loaded lazily, so the control plane runs (and answers 501 on data-plane listeners) while
// emulator/src/dataplane/* is absent.
let gatewayImpl: Promise<GatewayHandler | undefined> | undefined;
let functionImpl: Promise<FunctionHostHandler | undefined> | undefined;
function loadGateway(): Promise<GatewayHandler | undefined> {
  return (gatewayImpl ??= import('./dataplane/gateway.js').then(
    (m) => m.handleGatewayRequest,
    () => undefined
  ));
}
function loadFunctionHost(): Promise<FunctionHostHandler | undefined> {
  return (functionImpl ??= import('./dataplane/function-host.js').then(
    (m) => m.handleFunctionRequest,
    () => undefined
  ));
}
const NO_DATAPLANE: TwinResponse = {
  status: 501,
  headers: { 'content-type': 'text/plain' },
  body: 'twin data plane not available'
};

/** One fault to inject (admin `POST /faults`): applied to the next `times` (default 1) matching requests. */
export interface Fault {
  match: { method?: string; pathRegex?: string };
  respond?: { status: number; headers?: Record<string, string>; body?: unknown };
  times?: number;
  /** Let this many matching requests through untouched first (e.g. `skip: 1` targets a read-back, not the read). */
  skip?: number;
  /** Delay (ms) before answering; without `respond` the request is then served normally. */
  delayMs?: number;
}

/** One served request as the admin API reports it. `url` carries the listener's origin. */
export interface RequestRecord {
  method: string;
  url: string;
  status: number;
  /** JSON body of an ARM write (PUT/PATCH), as sent; never recorded for other listeners (token requests carry secrets). */
  body?: unknown;
  /** The real hostname the request named (`Host`), when it came through the proxy (e.g. `management.azure.com`). */
  host?: string;
}

/** Options of startEmulator. */
export interface EmulatorOptions {
  /** Called with one line per served request (the CLI writes them to stderr). Default: silent. */
  log?: (line: string) => void;
  /**
   * Also serve the real Azure and GitHub hostnames through an HTTPS CONNECT proxy on loopback (./proxy.ts), for
   * clients that know only those (the action without endpoint overrides, the Azure CLI): `Twin.proxy`. Default off.
   */
  proxy?: boolean;
}

/** The proxy of a twin started with `proxy: true`. */
export interface TwinProxyInfo {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /**
   * Environment for a client with public-cloud defaults: `HTTPS_PROXY`/`https_proxy`/`HTTP_PROXY`/`http_proxy`,
   * `NODE_EXTRA_CA_CERTS` and `REQUESTS_CA_BUNDLE` (the twin's CA), the GitHub runner variables with real hostnames
   * (`ACTIONS_ID_TOKEN_REQUEST_URL` on `pipelines.actions.githubusercontent.com`, `GITHUB_API_URL`
   * `https://api.github.com`), and no `INPUT_*` endpoint overrides.
   */
  env: Record<string, string>;
  /** Every CONNECT (and refusal) the proxy saw. */
  log(): ProxyLogEntry[];
}

/** A running twin. */
export interface Twin {
  /** Environment variables to add to the action's process (DESIGN §4). */
  env: Record<string, string>;
  /** `https://127.0.0.1:PORT/_emulator` */
  adminUrl: string;
  caCertPath: string;
  caPem: string;
  /** `https://127.0.0.1:PORT` (no trailing slash); the ARM resource for token scopes is this string. */
  armEndpoint: string;
  authorityHost: string;
  graphEndpoint: string;
  githubApiUrl: string;
  /** Azure hostname (lower-case) → `127.0.0.1:PORT` of the listener that plays it. */
  hostMap: Record<string, string>;
  getState(): TwinState;
  requests(): RequestRecord[];
  /** Adds faults, as admin `POST /faults` does. */
  addFaults(faults: Fault[]): void;
  /** Present when started with `proxy: true`. */
  proxy?: TwinProxyInfo;
  stop(): Promise<void>;
}

const SERVICE_RE = /\/providers\/microsoft\.apimanagement\/service\/[^/]+$/i;
const SITE_RE = /\/providers\/microsoft\.web\/sites\/[^/]+(\/slots\/[^/]+)?$/i;

function hostOf(u: unknown): string | undefined {
  if (typeof u !== 'string' || !u) return undefined;
  try {
    return new URL(u.includes('://') ? u : `https://${u}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function toTwinRequest(req: IncomingMessage, body: Buffer): TwinRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { method: (req.method ?? 'GET').toUpperCase(), url: req.url ?? '/', headers, body };
}

/**
 * Starts the twin for `initial` (cloned; never modified). Resolves when every listener is bound on 127.0.0.1
 * (ephemeral ports). Throws when a listener cannot bind. Listeners for APIM services and sites are created for
 * those present in `initial.resources`.
 */
export async function startEmulator(initial: TwinState, opts: EmulatorOptions = {}): Promise<Twin> {
  const state = clone(initial);
  state.servicePrincipals ??= [];
  state.github.comments ??= [];
  state.github.issues ??= [];
  state.behaviour ??= {};
  state.functionRoutes ??= {};
  const getState = (): TwinState => state;
  const mutate = (f: (s: TwinState) => void): void => f(state);

  const tls = makeTlsMaterial();
  const dir = mkdtempSync(path.join(tmpdir(), 'azure-twin-'));
  const caCertPath = path.join(dir, 'twin-ca.pem');
  writeFileSync(caCertPath, tls.caPem);

  const records: RequestRecord[] = [];
  const faults: (Fault & { left: number; skipLeft: number })[] = [];
  const servers: https.Server[] = [];
  /** Listener port → the real hostnames it plays through the proxy (empty without `opts.proxy`). */
  const publicHosts = new Map<number, string[]>();

  async function listen(
    name: string,
    handler: () => Handler,
    admin?: Handler
  ): Promise<{ base: string; port: number }> {
    const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      void serve(name, server, req, res, handler(), admin);
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return { base: `https://127.0.0.1:${port}`, port };
  }

  async function serve(
    name: string,
    server: https.Server,
    nreq: IncomingMessage,
    nres: ServerResponse,
    handler: Handler,
    admin?: Handler
  ): Promise<void> {
    const port = (server.address() as AddressInfo).port;
    let out: TwinResponse;
    let record = true;
    const treq = toTwinRequest(nreq, await readBody(nreq));
    const url = `https://127.0.0.1:${port}${treq.url}`;
    try {
      const parsed = parseRequest(treq);
      if (admin && (parsed.path === '/_emulator' || parsed.path.startsWith('/_emulator/'))) {
        record = false;
        out = await admin({ ...parsed, path: parsed.path.slice('/_emulator'.length) || '/' });
      } else {
        const f = faults.find((x) => {
          const hit =
            x.left > 0 &&
            (!x.match.method || x.match.method.toUpperCase() === treq.method) &&
            (!x.match.pathRegex || new RegExp(x.match.pathRegex).test(treq.url));
          if (hit && x.skipLeft > 0) {
            x.skipLeft--;
            return false;
          }
          return hit;
        });
        if (f) {
          f.left--;
          if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
        }
        if (f?.respond) {
          const b = f.respond.body;
          out = {
            status: f.respond.status,
            headers: {
              ...(typeof b === 'string' || b === undefined ? {} : { 'content-type': 'application/json' }),
              ...(f.respond.headers ?? {})
            },
            body: b === undefined ? '' : typeof b === 'string' ? b : JSON.stringify(b)
          };
        } else out = await handler(parsed);
      }
    } catch (e) {
      out = json(500, { error: { code: 'TwinInternalError', message: (e as Error).message } });
    }
    const via = publicHostOf(treq.headers['host'], publicHosts.get(port));
    if (via) out = asPublicResponse(out, `https://127.0.0.1:${port}`, via);
    if (record) {
      records.push({
        method: treq.method,
        url,
        status: out.status,
        ...writeBody(name, treq),
        ...(via ? { host: via } : {})
      });
      opts.log?.(`${name} ${treq.method} ${url} -> ${out.status}`);
    }
    const headers = { ...out.headers };
    const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
    headers['content-length'] = String(body.length);
    nres.writeHead(out.status, headers);
    nres.end(treq.method === 'HEAD' ? undefined : body);
  }

  // Placeholders until everything is bound (handlers read these at request time).
  const hostMap: Record<string, string> = {};
  let toTwin: (s: string) => string = (s) => s;
  let toAzure: (s: string) => string = (s) => s;
  const handlers: Record<string, Handler> = {};
  const byName =
    (n: string): (() => Handler) =>
    () =>
      handlers[n]!;

  const adminHandler: Handler = async (req) => {
    if (req.method === 'GET' && req.path === '/state') return json(200, state);
    if (req.method === 'GET' && req.path === '/requests') return json(200, records);
    if (req.method === 'POST' && req.path === '/faults') {
      const list = JSON.parse(req.body.toString('utf8') || '[]') as Fault[];
      if (!Array.isArray(list)) return json(400, { error: 'expected a JSON list of faults' });
      addFaults(list);
      return json(200, { added: list.length });
    }
    if (req.method === 'DELETE' && req.path === '/faults') {
      faults.length = 0;
      return json(200, { cleared: true });
    }
    return json(404, { error: `unknown admin route ${req.method} ${req.path}` });
  };
  function addFaults(list: Fault[]): void {
    for (const f of list) faults.push({ ...f, match: f.match ?? {}, left: f.times ?? 1, skipLeft: f.skip ?? 0 });
  }

  const armL = await listen('arm', byName('arm'), adminHandler);
  const loginL = await listen('login', byName('login'));
  const graphL = await listen('graph', byName('graph'));
  const githubL = await listen('github', byName('github'));
  const oidcL = await listen('oidc', byName('oidc'));
  const tenant = await Tenant.create(getState, {
    armResource: armL.base,
    graphResource: graphL.base,
    ...(opts.proxy ? { armAudiences: PUBLIC_ARM_AUDIENCES, graphAudiences: PUBLIC_GRAPH_AUDIENCES } : {})
  });
  const arm = new ArmService({ base: () => armL.base, getState, mutate, tenant });
  const requestToken = randomBytes(24).toString('hex');

  // ARM: bodies are rewritten so Azure hostnames point at the twin's listeners, and back on writes — except for a
  // client that came through the proxy as management.azure.com: it reaches Azure hostnames through the proxy too.
  const armInner = arm.handler();
  handlers['arm'] = async (req) => {
    const body = req.body.length ? Buffer.from(toAzure(req.body.toString('utf8'))) : req.body;
    const res = await armInner({ ...req, body });
    if (publicHostOf(req.headers['host'], publicHosts.get(armL.port))) return res;
    return typeof res.body === 'string' && res.body ? { ...res, body: toTwin(res.body) } : res;
  };
  handlers['login'] = entraHandler(() => loginL.base, getState, tenant);
  handlers['graph'] = graphHandler(getState, tenant);
  handlers['github'] = githubHandler(() => githubL.base, getState, mutate);
  handlers['oidc'] = oidcHandler(requestToken, getState, tenant);

  // Data plane: one listener per APIM service and per site/slot present at start.
  for (const [id, body] of Object.entries(state.resources)) {
    if (SERVICE_RE.test(id)) {
      const l = await listen(`gateway:${id.split('/').pop()}`, byName(`gw:${id}`));
      handlers[`gw:${id}`] = async (req) => {
        const h = await loadGateway();
        return h ? h(gatewayContext(id), req) : NO_DATAPLANE;
      };
      const p = isObject(body['properties']) ? body['properties'] : {};
      const hosts = [hostOf(p['gatewayUrl']), hostOf(p['gatewayRegionalUrl'])];
      for (const hc of Array.isArray(p['hostnameConfigurations']) ? p['hostnameConfigurations'] : []) {
        if (isObject(hc) && hc['type'] === 'Proxy') hosts.push(hostOf(hc['hostName']));
      }
      for (const h of hosts) if (h) hostMap[h] = `127.0.0.1:${l.port}`;
    } else if (SITE_RE.test(id)) {
      const l = await listen(`site:${id.split('/').slice(-1)[0]}`, byName(`site:${id}`));
      handlers[`site:${id}`] = async (req) => {
        const h = await loadFunctionHost();
        return h ? h(functionContext(id), req) : NO_DATAPLANE;
      };
      const p = isObject(body['properties']) ? body['properties'] : {};
      const hosts = [hostOf(p['defaultHostName'])];
      for (const k of ['hostNames', 'enabledHostNames'])
        for (const h of Array.isArray(p[k]) ? p[k] : []) hosts.push(hostOf(h));
      for (const h of hosts) if (h) hostMap[h] = `127.0.0.1:${l.port}`;
    }
  }
  const pairs = Object.entries(hostMap).sort((a, b) => b[0].length - a[0].length);
  const fwd = pairs.map(
    ([h, t]) => [new RegExp(`(?<![A-Za-z0-9.-])${escapeRe(h)}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, 'gi'), t] as const
  );
  const back = pairs.map(([h, t]) => [new RegExp(`${escapeRe(t)}(?![0-9])`, 'g'), h] as const);
  toTwin = (s) => fwd.reduce((acc, [re, t]) => acc.replace(re, t), s);
  toAzure = (s) => back.reduce((acc, [re, h]) => acc.replace(re, h), s);

  function related(prefix: string, re: RegExp): [string, Json][] {
    const p = prefix.toLowerCase() + '/';
    return Object.entries(state.resources).filter(([k]) => k.toLowerCase().startsWith(p) && re.test(k.slice(p.length)));
  }

  function policyRaw(id: string): string | undefined {
    const key = arm.findKey(id);
    const v = key ? (state.resources[key]!['properties'] as Json | undefined)?.['value'] : undefined;
    return typeof v === 'string' ? v : undefined;
  }

  function gatewayContext(serviceId: string): GatewayContext {
    const key = arm.findKey(serviceId) ?? serviceId;
    const service = state.resources[key];
    const apis = related(key, /^apis\/[^/]+$/i).map(([id, body]) => ({
      id,
      body: clone(body),
      policyRaw: policyRaw(`${id}/policies/policy`),
      operations: related(id, /^operations\/[^/]+$/i).map(([opId, op]) => {
        const p = (op['properties'] ?? {}) as Json;
        return {
          name: opId.split('/').pop()!,
          method: String(p['method'] ?? '').toUpperCase(),
          urlTemplate: String(p['urlTemplate'] ?? ''),
          policyRaw: policyRaw(`${opId}/policies/policy`)
        };
      })
    }));
    const subscriptions = related(key, /^subscriptions\/[^/]+$/i).flatMap(([id, b]) => {
      const p = (b['properties'] ?? {}) as Json;
      if (p['state'] !== undefined && String(p['state']).toLowerCase() !== 'active') return [];
      const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
      return [
        {
          name: id.split('/').pop()!,
          scope: String(p['scope'] ?? ''),
          primaryKey: str(p['primaryKey']),
          secondaryKey: str(p['secondaryKey'])
        }
      ];
    });
    const subscriptionKeys = subscriptions
      .flatMap((x) => [x.primaryKey, x.secondaryKey])
      .filter((k): k is string => k !== undefined);
    const productPolicies: Record<string, string> = {};
    for (const [id] of related(key, /^products\/[^/]+$/i)) {
      const raw = policyRaw(`${id}/policies/policy`);
      if (raw !== undefined) productPolicies[id.split('/').pop()!] = raw;
    }
    const fragments: Record<string, string> = {};
    for (const [id, b] of related(key, /^policyFragments\/[^/]+$/i)) {
      const v = (b['properties'] as Json | undefined)?.['value'];
      if (typeof v === 'string') fragments[id.split('/').pop()!] = v;
    }
    // Backends by name (`set-backend-service backend-id`); named values by display name and by name (`{{…}}`), Key
    // Vault–backed ones through the twin's Key Vault (src/apim.ts resolveNamedValue).
    const backends: Record<string, Json> = {};
    for (const [id, b] of related(key, /^backends\/[^/]+$/i)) backends[id.split('/').pop()!] = clone(b);
    const namedValueEntries: Record<string, GatewayNamedValue> = {};
    const namedValues: Record<string, string> = {};
    for (const [name, { body }] of namedValuesOf(state, key)) {
      const r = resolveNamedValue(state, service, body);
      namedValueEntries[name] = r;
      if ('value' in r) namedValues[name] = r.value;
    }
    // The optional `GatewayExtras` of emulator/src/dataplane/gateway.ts (typed here so the data plane stays optional).
    const ctx: GatewayContext & { backends: Record<string, Json>; namedValues: Record<string, string> } = {
      tenant,
      service: clone(service ?? {}),
      serviceId: key,
      apis,
      globalPolicyRaw: policyRaw(`${key}/policies/policy`),
      subscriptionKeys,
      subscriptions,
      productPolicies,
      fragments,
      namedValueEntries,
      forward,
      backends,
      namedValues
    };
    return ctx;
  }

  function functionContext(siteId: string): FunctionHostContext {
    const routesKey = Object.keys(state.functionRoutes).find((k) => k.toLowerCase() === siteId.toLowerCase());
    const keysKey = Object.keys(state.functionKeys ?? {}).find((k) => k.toLowerCase() === siteId.toLowerCase());
    return {
      tenant,
      siteId,
      authSettingsV2: arm.authInEffect(siteId),
      routes: routesKey ? clone(state.functionRoutes[routesKey]!) : [],
      functionKeys: keysKey ? [...state.functionKeys![keysKey]!] : []
    };
  }

  /**
   * Sends a backend request to the listener that plays the URL's Azure host, over HTTPS (so it appears in
   * /requests and faults apply). Rejects with an Error whose `code` is `ENOTFOUND` for a host the twin does not play.
   */
  async function forward(r: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: Buffer;
  }): Promise<TwinResponse> {
    const u = new URL(r.url);
    const target = hostMap[u.host.toLowerCase()] ?? (u.hostname === '127.0.0.1' ? u.host : undefined);
    if (!target) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${u.hostname}`), { code: 'ENOTFOUND' });
    const [hostname, port] = target.split(':');
    const headers: Record<string, string> = { ...r.headers, host: u.host };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    return new Promise((resolve, reject) => {
      const q = https.request(
        {
          hostname,
          port: Number(port),
          method: r.method,
          path: u.pathname + u.search,
          headers: { ...headers, 'content-length': String(r.body.length) },
          ca: tls.caPem,
          servername: 'localhost'
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        }
      );
      q.on('error', reject);
      q.end(r.body);
    });
  }

  // The event payload the runner writes (docs.github.com "Webhook events and payloads": pull_request / push).
  const gh = state.github;
  const [owner, repoName] = gh.repository.split('/');
  const isPr = gh.eventName === 'pull_request' || gh.eventName === 'pull_request_target';
  const eventPath = path.join(dir, 'event.json');
  const repository = { full_name: gh.repository, name: repoName, owner: { login: owner } };
  const event = isPr
    ? {
        action: 'synchronize',
        number: gh.pullRequestNumber,
        pull_request: {
          number: gh.pullRequestNumber,
          head: { ref: 'feature', sha: '0'.repeat(40), repo: { full_name: gh.headRepository ?? gh.repository } },
          base: { ref: 'main', repo: { full_name: gh.repository } }
        },
        repository
      }
    : { ref: 'refs/heads/main', repository };
  writeFileSync(eventPath, JSON.stringify(event, null, 2));

  /** `Twin.proxy.env`: the runner's variables with real hostnames, no endpoint overrides. */
  const proxyEnv = (url: string): Record<string, string> => {
    const out = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_')));
    return {
      ...out,
      HTTPS_PROXY: url,
      https_proxy: url,
      HTTP_PROXY: url,
      http_proxy: url,
      REQUESTS_CA_BUNDLE: caCertPath,
      ACTIONS_ID_TOKEN_REQUEST_URL: `https://${PUBLIC_HOSTNAMES.oidc[0]}${OIDC_PATH}?api-version=2.0`,
      GITHUB_API_URL: `https://${PUBLIC_HOSTNAMES.github[0]}`
    };
  };
  const env: Record<string, string> = {
    NODE_EXTRA_CA_CERTS: caCertPath,
    ACTIONS_ID_TOKEN_REQUEST_URL: `${oidcL.base}${OIDC_PATH}?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    GITHUB_API_URL: githubL.base,
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_EVENT_NAME: gh.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: isPr ? `refs/pull/${gh.pullRequestNumber ?? 1}/merge` : 'refs/heads/main',
    GITHUB_SHA: '0'.repeat(40),
    'INPUT_ARM-ENDPOINT': armL.base,
    'INPUT_AUTHORITY-HOST': loginL.base,
    'INPUT_GRAPH-ENDPOINT': graphL.base
  };

  const proxy = opts.proxy ? await startProxy() : undefined;

  /** Certificates for the real hostnames on every listener, and the proxy that tunnels those names to them. */
  async function startProxy(): Promise<TwinProxy> {
    const fixed: [number, readonly string[]][] = [
      [armL.port, PUBLIC_HOSTNAMES.arm],
      [loginL.port, PUBLIC_HOSTNAMES.login],
      [graphL.port, PUBLIC_HOSTNAMES.graph],
      [githubL.port, PUBLIC_HOSTNAMES.github],
      [oidcL.port, PUBLIC_HOSTNAMES.oidc]
    ];
    for (const [port, hosts] of fixed) publicHosts.set(port, [...hosts]);
    for (const [host, target] of Object.entries(hostMap)) {
      const port = Number(target.split(':')[1]);
      publicHosts.set(port, [...(publicHosts.get(port) ?? []), host]);
    }
    const routes = new Map<string, number>();
    const ports = new Set<number>();
    for (const server of servers) {
      const port = (server.address() as AddressInfo).port;
      ports.add(port);
      const hosts = publicHosts.get(port) ?? [];
      for (const h of hosts) routes.set(h.includes(':') ? h : `${h}:443`, port);
      server.setSecureContext({ key: tls.keyPem, cert: tls.issue(hosts.map((h) => h.replace(/:\d+$/, ''))) });
    }
    const loopback = new Set(['127.0.0.1', 'localhost']);
    return startTwinProxy(
      (host, port) => routes.get(`${host}:${port}`) ?? (loopback.has(host) && ports.has(port) ? port : undefined),
      { log: opts.log }
    );
  }

  return {
    env,
    ...(proxy ? { proxy: { url: proxy.url, env: proxyEnv(proxy.url), log: () => proxy.log() } } : {}),
    adminUrl: `${armL.base}/_emulator`,
    caCertPath,
    caPem: tls.caPem,
    armEndpoint: armL.base,
    authorityHost: loginL.base,
    graphEndpoint: graphL.base,
    githubApiUrl: githubL.base,
    hostMap: { ...hostMap },
    getState: () => clone(state),
    requests: () => records.map((r) => ({ ...r })),
    addFaults,
    stop: async () => {
      await proxy?.stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            })
        )
      );
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** The parsed JSON body of an ARM PUT/PATCH, for `/requests` (other listeners' bodies may carry secrets). */
function writeBody(listener: string, req: TwinRequest): { body?: unknown } {
  if (listener !== 'arm' || !['PUT', 'PATCH'].includes(req.method) || !req.body.length) return {};
  try {
    return { body: JSON.parse(req.body.toString('utf8')) };
  } catch {
    return {};
  }
}
