/**
 * The gateway's inbound pipeline: the effective policy of one operation, run element by element.
 *
 * Sources:
 * - Scopes (Learn "Policies in Azure API Management", "Set or edit policies"): global → product → API → operation.
 *   `<base />` in a section runs the enclosing scope's same section at that point; a section without `<base />` does
 *   not run the enclosing scopes at all (Azure Policy "API Management policies should inherit parent scope policies
 *   using <base/>"; PSRule Azure.APIM.PolicyBase). A scope with no policy document behaves as `<base />` alone.
 * - `<include-fragment fragment-id="x" />` inserts the fragment's content (`<fragment>` root) as-is at that point
 *   (Learn "include-fragment policy"; fragment-id is literal, no expressions: MicrosoftDocs/azure-docs#103799). A
 *   fragment may hold neither `<base />` nor another `<include-fragment>` (Learn "Reuse policy configurations…",
 *   Limitations; the twin's ARM refuses both on save). A seeded state can still hold nested includes: the twin inlines
 *   them up to MAX_FRAGMENT_DEPTH levels and answers 500 beyond (a cycle ends there too); `<base />` inside one → 500.
 * - Named values are substituted in each document before it runs (scopes.ts). Elements: see gateway.ts.
 */
import type {
  GatewayContext,
  GatewayNamedValue,
  GatewaySubscription,
  Json,
  PolicyElement,
  TwinResponse
} from '../contracts.js';
import { parsePolicyText } from '../policy-text.js';
import { evaluateExpression, NamedValueFailure, substituteNamedValues } from './scopes.js';

/** Nesting bound for `<include-fragment>` inside fragments (APIM allows none; see the module comment). */
export const MAX_FRAGMENT_DEPTH = 8;

/** Optional extra inputs the twin server may add to the gateway context. */
export interface GatewayExtras {
  /** Backends of the service: backend id (name) → ARM body (`properties.url`, `properties.credentials.header`). */
  backends?: Record<string, Json>;
  /** Named values of the service: name → value (older form of `namedValueEntries`). */
  namedValues?: Record<string, string>;
}

export type GatewayContextWithExtras = GatewayContext & GatewayExtras;

/** The request as the policies change it. */
export interface Pipeline {
  headers: Record<string, string>;
  /** The query parameters in order (name, value), and whether a policy changed them (else forwarded verbatim). */
  query: [string, string][];
  queryChanged: boolean;
  backendUrl: string;
  variables: Record<string, string>;
}

/** `{stop}` ends the request with that answer (a policy failure). */
export type StepResult = { stop: TwinResponse } | undefined;

/** One scope of the effective policy, outermost first. `inbound` undefined = no document (acts as `<base />`). */
export interface Scope {
  /** e.g. `global`, `product starter`, `api orders`, `operation get-order` (for messages). */
  label: string;
  inbound?: PolicyElement;
}

/** What a run needs besides the pipeline state. */
export interface RunEnv {
  ctx: GatewayContextWithExtras;
  state: Pipeline;
  namedValues: Record<string, GatewayNamedValue>;
  /** The subscription of the request's key (for `context.Subscription`), with the key that was used. */
  subscription?: GatewaySubscription & { usedKey?: string };
}

interface Frame {
  /** Runs the enclosing scope (what `<base />` does here); undefined at the outermost scope. */
  base?: () => Promise<StepResult>;
  /** Fragment IDs being inlined, outermost first (empty outside fragments). */
  fragments: string[];
}

export function fail(message: string): StepResult {
  return {
    stop: {
      status: 500,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ statusCode: 500, message: `Internal server error: ${message}` })
    }
  };
}

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

export const isExpr = (v: string | undefined): boolean => v !== undefined && /^\s*@[({]/.test(v);

/**
 * The `<inbound>` of a raw policy document with named values substituted, or undefined when it has none.
 * @throws Error when the text does not parse; NamedValueFailure for a named value that cannot be substituted.
 */
export function inboundOf(raw: string | undefined, env: RunEnv): PolicyElement | undefined {
  if (!raw) return undefined;
  const root = substituteNamedValues(parsePolicyText(raw), env.namedValues);
  for (const c of root.children) if (c.type === 'element' && c.element.name === 'inbound') return c.element;
  return undefined;
}

/** Runs scope `i` (and, through `<base />`, the ones around it). */
export function runScope(env: RunEnv, scopes: Scope[], i: number): Promise<StepResult> {
  const s = scopes[i];
  if (!s) return Promise.resolve(undefined);
  const base = i > 0 ? () => runScope(env, scopes, i - 1) : undefined;
  if (!s.inbound) return base ? base() : Promise.resolve(undefined);
  return runElements(env, s.inbound, { base, fragments: [] });
}

function loadFragment(env: RunEnv, id: string, frame: Frame): PolicyElement | StepResult {
  if (frame.fragments.length >= MAX_FRAGMENT_DEPTH) {
    return fail(
      `include-fragment: fragments nested deeper than ${MAX_FRAGMENT_DEPTH} levels (${[...frame.fragments, id].join(' → ')})`
    );
  }
  const raw = env.ctx.fragments?.[id];
  if (raw === undefined) return fail(`include-fragment: policy fragment '${id}' not found`);
  try {
    const root = substituteNamedValues(parsePolicyText(raw), env.namedValues);
    if (root.name !== 'fragment') return fail(`include-fragment: policy fragment '${id}' has no <fragment> root`);
    return root;
  } catch (e) {
    const what = e instanceof NamedValueFailure ? '' : 'could not be read: ';
    return fail(`include-fragment: policy fragment '${id}' ${what}${(e as Error).message}`);
  }
}

async function runElements(env: RunEnv, section: PolicyElement, frame: Frame): Promise<StepResult> {
  for (const child of section.children) {
    if (child.type !== 'element') continue;
    const el = child.element;
    let r: StepResult;
    if (el.name === 'base') {
      if (frame.fragments.length > 0)
        return fail(`policy fragment '${frame.fragments.at(-1)}' contains <base />, which a fragment cannot hold`);
      r = frame.base ? await frame.base() : undefined;
    } else if (el.name === 'include-fragment') {
      const id = el.attributes['fragment-id'] ?? '';
      const loaded = loadFragment(env, id, frame);
      if (loaded && 'stop' in loaded) return loaded;
      r = await runElements(env, loaded as PolicyElement, { ...frame, fragments: [...frame.fragments, id] });
    } else {
      const handler = ELEMENTS[el.name];
      r = handler ? await handler(env, el) : undefined; // not modelled (choose, set-variable, rate-limit, …): skipped
    }
    if (r) return r;
  }
  return undefined;
}

type ElementHandler = (env: RunEnv, el: PolicyElement) => Promise<StepResult> | StepResult;

function managedIdentityCaller(
  service: Json,
  clientId: string | undefined
): { appId: string; objectId: string } | { missing: string } {
  const identity = obj(service['identity']);
  const type = String(identity['type'] ?? 'None');
  if (clientId) {
    const uais = obj(identity['userAssignedIdentities']);
    const hit = Object.values(uais)
      .map(obj)
      .find((u) => String(u['clientId'] ?? '').toLowerCase() === clientId.toLowerCase());
    if (!/UserAssigned/i.test(type) || !hit || typeof hit['principalId'] !== 'string') {
      return { missing: `User-assigned managed identity with client id '${clientId}' is not assigned to this service` };
    }
    return { appId: clientId, objectId: hit['principalId'] };
  }
  const principalId = identity['principalId'];
  if (!/SystemAssigned/i.test(type) || typeof principalId !== 'string' || principalId === '') {
    return { missing: 'System-assigned managed identity is not enabled for this service' };
  }
  // appId '' → TenantServices looks the client ID up from the service principal with this object ID.
  return { appId: '', objectId: principalId };
}

async function managedIdentity(env: RunEnv, el: PolicyElement): Promise<StepResult> {
  const a = el.attributes;
  if (isExpr(a['resource']) || isExpr(a['client-id'])) return undefined; // expressions are not evaluated
  const resource = a['resource'] ?? '';
  const ignoreError = (a['ignore-error'] ?? 'false').toLowerCase() === 'true';
  const caller = managedIdentityCaller(env.ctx.service, a['client-id'] || undefined);
  let failure: string | undefined;
  let token: string | undefined;
  if ('missing' in caller) {
    failure = `Managed identity is not configured for use with the authentication-managed-identity policy. ${caller.missing}.`;
  } else {
    const r = await env.ctx.tenant.issueAccessToken(caller, resource);
    if ('token' in r) token = r.token;
    else failure = `Obtaining managed identity token for '${resource}' audience failed: ${r.error}`;
  }
  if (failure !== undefined) return ignoreError ? undefined : fail(`authentication-managed-identity: ${failure}`);
  // output-token-variable-name keeps the token in a variable and leaves Authorization alone (Learn
  // "authentication-managed-identity policy", attributes).
  const variable = a['output-token-variable-name'];
  if (variable) env.state.variables[variable] = token!;
  else env.state.headers['authorization'] = `Bearer ${token!}`;
  return undefined;
}

/**
 * The `<value>` children of a set-header / set-query-parameter: literal text, or an expression the twin evaluates
 * exactly (scopes.ts evaluateExpression). `skip` when any other expression is among them (not evaluated: element
 * skipped); `error` when an evaluated expression fails.
 */
function valuesOf(env: RunEnv, el: PolicyElement): { values: string[] } | { skip: true } | { error: string } {
  const values: string[] = [];
  for (const v of el.children) {
    if (v.type !== 'element' || v.element.name !== 'value') continue;
    const text = v.element.children
      .map((c) => (c.type === 'text' || c.type === 'cdata' ? c.text : ''))
      .join('')
      .trim();
    if (!isExpr(text)) {
      values.push(text);
      continue;
    }
    const r = evaluateExpression(text, env.subscription);
    if (!r) return { skip: true };
    if ('error' in r) return r;
    values.push(r.value);
  }
  return { values };
}

function setHeader(env: RunEnv, el: PolicyElement): StepResult {
  const a = el.attributes;
  const name = (a['name'] ?? '').toLowerCase();
  if (!name || isExpr(a['name'])) return undefined;
  const h = env.state.headers;
  const action = (a['exists-action'] ?? 'override').toLowerCase();
  if (action === 'delete') {
    delete h[name];
    return undefined;
  }
  const got = valuesOf(env, el);
  if ('skip' in got) return undefined;
  if ('error' in got) return fail(`set-header: ${got.error}`);
  const joined = got.values.join(',');
  if (action === 'skip') {
    if (h[name] === undefined) h[name] = joined;
  } else if (action === 'append' && h[name] !== undefined) h[name] = `${h[name]},${joined}`;
  else h[name] = joined;
  return undefined;
}

function setQueryParameter(env: RunEnv, el: PolicyElement): StepResult {
  const a = el.attributes;
  const name = a['name'] ?? '';
  if (!name.trim() || isExpr(name)) return undefined;
  const s = env.state;
  const lc = name.trim().toLowerCase();
  const action = (a['exists-action'] ?? 'override').toLowerCase();
  const present = s.query.some(([n]) => n.toLowerCase() === lc);
  if (action === 'delete') {
    if (present) {
      s.query = s.query.filter(([n]) => n.toLowerCase() !== lc);
      s.queryChanged = true;
    }
    return undefined;
  }
  const got = valuesOf(env, el);
  if ('skip' in got || (action === 'skip' && present)) return undefined;
  if ('error' in got) return fail(`set-query-parameter: ${got.error}`);
  if (action !== 'append') s.query = s.query.filter(([n]) => n.toLowerCase() !== lc);
  for (const v of got.values) s.query.push([name.trim(), v]);
  s.queryChanged = true;
  return undefined;
}

function setBackendService(env: RunEnv, el: PolicyElement): StepResult {
  const a = el.attributes;
  if (a['base-url'] !== undefined) {
    if (!isExpr(a['base-url'])) env.state.backendUrl = a['base-url'];
    return undefined;
  }
  if (a['backend-id'] === undefined || isExpr(a['backend-id'])) return undefined;
  const backend = env.ctx.backends?.[a['backend-id']];
  if (!backend) return fail(`set-backend-service: backend '${a['backend-id']}' not found`);
  const props = obj(backend['properties']);
  if (typeof props['url'] === 'string') env.state.backendUrl = props['url'];
  const credHeaders = obj(obj(props['credentials'])['header']);
  for (const [h, v] of Object.entries(credHeaders)) {
    const vals = Array.isArray(v) ? v.map(String) : [String(v)];
    try {
      env.state.headers[h.toLowerCase()] = vals.map((x) => substituteText(x, env.namedValues)).join(',');
    } catch (e) {
      return fail(`set-backend-service: backend '${a['backend-id']}' credentials: ${(e as Error).message}`);
    }
  }
  return undefined;
}

function substituteText(text: string, entries: Record<string, GatewayNamedValue>): string {
  const el = substituteNamedValues({ name: 'v', attributes: {}, children: [{ type: 'text', text }] }, entries)
    .children[0]!;
  return el.type === 'text' ? el.text : text;
}

const ELEMENTS: Record<string, ElementHandler> = {
  'authentication-managed-identity': managedIdentity,
  'set-header': setHeader,
  'set-query-parameter': setQueryParameter,
  'set-backend-service': setBackendService
};
