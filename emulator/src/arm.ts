/**
 * The twin's Azure Resource Manager: a resource store keyed by ARM ID (case-insensitive, as ARM is), with the
 * semantics the action depends on. Each behaviour names its source in a comment.
 */
import { randomUUID } from 'node:crypto';
import type { Json, TwinResponse, TwinState } from './contracts.js';
import {
  bearer,
  clone,
  isObject,
  json,
  mergePatch,
  readJson,
  requestId,
  type Handler,
  type ParsedRequest
} from './http.js';
import type { Tenant } from './tenant.js';
import { fromXmlFormat, normalizeOnSave, parsePolicyText, toXmlFormat } from './policy-text.js';
import { fragmentProblem, namedValueRefs, namedValuesOf, pageOf, resolveNamedValue } from './apim.js';

/** ARM's error body `{error:{code, message}}` (ARM RPC common-api-details.md "Error response content"). */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {}
): TwinResponse {
  return json(status, { error: { code, message } }, { 'x-ms-request-id': requestId(), ...headers });
}

/** A parsed ARM resource ID. `types`/`names` alternate after `providers/{namespace}`. */
export interface ArmId {
  subscriptionId: string;
  resourceGroup: string;
  namespace: string;
  types: string[];
  names: string[];
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}…`; undefined when not that shape. */
export function parseArmId(path: string): ArmId | undefined {
  const s = path.split('/').filter(Boolean);
  if (s.length < 6 || s[0]!.toLowerCase() !== 'subscriptions' || s[2]!.toLowerCase() !== 'resourcegroups')
    return undefined;
  if (s[4]!.toLowerCase() !== 'providers') return undefined;
  const rest = s.slice(6);
  return {
    subscriptionId: s[1]!,
    resourceGroup: s[3]!,
    namespace: s[5]!,
    types: rest.filter((_, i) => i % 2 === 0),
    names: rest.filter((_, i) => i % 2 === 1)
  };
}

/** `Microsoft.ApiManagement/service/apis/policies` for an ID (or a collection path). */
export function resourceType(id: ArmId): string {
  return [id.namespace, ...id.types].join('/');
}

/** The URLs a client may poll for a long-running operation (each answers "still running" `lroPolls` times). */
type PollVia = 'operation' | 'location' | 'resource';

interface LroOp {
  id: string;
  resourceId: string;
  target: Json;
  /** "Still running" answers left per polled URL; the first URL polled once more completes the operation. */
  pollsLeft: Record<PollVia, number>;
  /** ms since epoch after which the operation is complete (`behaviour.lroMs`), whoever polls or not. */
  deadline?: number;
  timer?: ReturnType<typeof setTimeout>;
  done: boolean;
  startTime: string;
  endTime?: string;
}

/** Options of the ARM handler. */
export interface ArmOptions {
  base: () => string;
  getState: () => TwinState;
  mutate: (f: (s: TwinState) => void) => void;
  tenant: Tenant;
}

/** A site or slot ID (lower-case). */
const SITE_OR_SLOT = /\/providers\/microsoft\.web\/sites\/[^/]+(\/slots\/[^/]+)?$/;

const NOT_FOUND_NAMES: Record<string, string> = {
  apis: 'Api',
  operations: 'Operation',
  policies: 'Policy',
  products: 'Product',
  subscriptions: 'Subscription',
  backends: 'Backend',
  namedvalues: 'NamedValue',
  policyfragments: 'PolicyFragment'
};

/** Policy-like resources: policies at every scope and policy fragments (both `{properties: {format, value}}`). */
const isPolicyType = (type: string): boolean => type.endsWith('/policies') || type.endsWith('/policyfragments');

/**
 * The ARM store and handler. History of authsettingsV2 writes is kept for the Function host (propagation delay).
 */
export class ArmService {
  private readonly etags = new Map<string, string>();
  private etagCounter = BigInt(Date.now()) * 1000n;
  private readonly ops = new Map<string, LroOp>();
  /** site ID (lower) → authsettingsV2 bodies with their write time (ms since epoch); the first entry is the start state. */
  private readonly authHistory = new Map<string, { at: number; body: Json | undefined }[]>();

  constructor(private readonly o: ArmOptions) {
    const st = o.getState();
    for (const [k, v] of Object.entries(st.resources)) {
      if (/\/config\/authsettingsv2$/i.test(k))
        this.authHistory.set(k.replace(/\/config\/authsettingsv2$/i, '').toLowerCase(), [{ at: 0, body: clone(v) }]);
    }
  }

  /**
   * The authsettingsV2 document in effect on the site's workers at `now` (ms): writes become visible
   * `behaviour.authPropagationMs` after they were made (Easy Auth rollout is asynchronous: MicrosoftDocs/azure-docs#84159).
   */
  authInEffect(siteId: string, now = Date.now()): Json | undefined {
    const delay = this.o.getState().behaviour.authPropagationMs ?? 0;
    const h = this.authHistory.get(siteId.toLowerCase());
    if (!h) return undefined;
    let cur = h[0]!.body;
    for (const e of h) if (e.at + delay <= now) cur = e.body;
    return clone(cur);
  }

  /** Finds the stored key matching `id` case-insensitively (ARM IDs are case-insensitive: ARM RPC resource-api-reference). */
  findKey(id: string): string | undefined {
    const l = id.toLowerCase().replace(/\/+$/, '');
    return Object.keys(this.o.getState().resources).find((k) => k.toLowerCase() === l);
  }

  private etagOf(key: string): string {
    const l = key.toLowerCase();
    let e = this.etags.get(l);
    if (!e) {
      const body = this.o.getState().resources[key];
      e = typeof body?.['etag'] === 'string' ? (body['etag'] as string).replace(/^W\/|"/g, '') : this.newEtag();
      this.etags.set(l, e);
    }
    return e;
  }

  private newEtag(): string {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(this.etagCounter++);
    return b.toString('base64');
  }

  /** Stores `body` under `key` with a fresh ETag (also in the body where ARM puts one: top-level `etag`). */
  private store(key: string, body: Json): string {
    const e = this.newEtag();
    this.etags.set(key.toLowerCase(), e);
    if ('etag' in body) body['etag'] = e;
    this.o.mutate((s) => {
      s.resources[key] = body;
    });
    return e;
  }

  /** The request handler. Admin paths are not handled here. */
  handler(): Handler {
    return (req) => this.handle(req);
  }

  private async handle(req: ParsedRequest): Promise<TwinResponse> {
    const state = this.o.getState();
    // Every ARM request carries a bearer token for ARM (ARM RPC; error codes as ARM answers them).
    const token = bearer(req);
    if (!token)
      return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
        'www-authenticate':
          'Bearer authorization_uri="https://login.microsoftonline.com/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."'
      });
    const claims = await this.o.tenant.verifyAccessToken(token);
    if (!claims)
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
        'www-authenticate': 'Bearer error="invalid_token"'
      });
    if (!this.o.tenant.acceptsAudience('arm', claims.aud)) {
      return armError(
        401,
        'InvalidAuthenticationTokenAudience',
        "The access token has been obtained for wrong audience or resource '" +
          claims.aud +
          "'. It should exactly match with one of the allowed audiences '" +
          this.o.tenant.resources.armResource +
          "/'."
      );
    }
    if (!req.query.get('api-version')) {
      return armError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.'
      );
    }
    this.settleDue();
    const path = req.path.replace(/\/+$/, '');
    const subs = this.subscriptions(req.method, path);
    if (subs) return subs;
    const id = parseArmId(path);
    if (!id) return armError(400, 'InvalidResourceId', `The resource ID '${path}' is not valid.`);
    if (id.subscriptionId.toLowerCase() !== state.subscriptionId.toLowerCase()) {
      return armError(404, 'SubscriptionNotFound', `The subscription '${id.subscriptionId}' could not be found.`);
    }

    const lower = path.toLowerCase();
    // POST/GET actions on a resource (…/listSecrets, …/config/authsettingsV2/list, sites/…/publishxml,
    // …/operationresults/{id}).
    const action = /\/(listsecrets|listvalue|list|publishxml)$/.exec(lower)?.[1];
    const isOpResult = /\/providers\/microsoft\.apimanagement\/service\/[^/]+\/operationresults\/[^/]+$/.test(lower);
    const write = ['PUT', 'PATCH', 'DELETE', 'POST'].includes(req.method) || (action !== undefined && !isOpResult);
    if (write) {
      const denied = this.rbac(req.method, action ? path.slice(0, path.lastIndexOf('/')) : path, action, claims.oid);
      if (denied) return denied;
    }
    if (isOpResult && req.method === 'GET') return this.opResult(path, req.query);
    if (action) return this.handleAction(req, path.slice(0, path.lastIndexOf('/')), action);

    let body: Json | undefined;
    if (req.method === 'PUT' || req.method === 'PATCH') {
      try {
        const raw = readJson(req);
        if (!isObject(raw)) throw new Error('not an object');
        body = raw;
      } catch {
        return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
    }
    const collection = id.types.length !== id.names.length;
    if (collection) {
      if (req.method !== 'GET')
        return armError(
          405,
          'MethodNotAllowed',
          `The requested resource does not support http method '${req.method}'.`
        );
      return this.list(path, id, req.query);
    }
    const key = this.findKey(path);
    const type = resourceType(id).toLowerCase();
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== '*' && req.method !== 'GET') {
      // Optimistic concurrency: a stale If-Match → 412 PreconditionFailed (ARM RPC resource-api-reference "ETags").
      const want = ifMatch.split(',').map((s) => s.trim().replace(/^W\/|"/g, ''));
      if (!key || !want.includes(this.etagOf(key))) {
        return armError(
          412,
          'PreconditionFailed',
          'The resource has been modified since it was last read (If-Match does not match the current ETag).'
        );
      }
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const isAuthV2 = /\/config\/authsettingsv2$/.test(lower);
      if (!key) {
        if (isAuthV2 && this.exists(path.slice(0, path.length - '/config/authsettingsV2'.length))) {
          // App Service answers a default (disabled) document for a site that never configured Easy Auth.
          return json(200, this.defaultAuthV2(path));
        }
        const webConfig = /\/config\/web$/.test(lower) ? this.siteConfig(path) : undefined;
        if (webConfig) return json(200, webConfig);
        return this.notFound(path, id);
      }
      // GET of a resource with an operation running on it is a poll too (DESIGN §3: whichever URL the client polls).
      const running = req.method === 'GET' ? this.runningOn(key) : undefined;
      if (running) this.poll(running, 'resource');
      const view = this.view(type, state.resources[key]!, req.query.get('format'));
      return json(req.method === 'HEAD' ? 200 : 200, req.method === 'HEAD' ? undefined : view, {
        etag: `"${this.etagOf(key)}"`
      });
    }
    if (req.method === 'DELETE') {
      if (!key) return { status: 204, headers: {}, body: '' };
      this.o.mutate((s) => {
        for (const k of Object.keys(s.resources))
          if (k.toLowerCase() === key.toLowerCase() || k.toLowerCase().startsWith(key.toLowerCase() + '/'))
            delete s.resources[k];
      });
      return json(200, undefined);
    }
    if (req.method !== 'PUT' && req.method !== 'PATCH')
      return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`);
    if (id.types.length > 1 && !this.exists(this.topLevel(path))) return this.notFound(path, id);
    const parent = path.split('/').slice(0, -2).join('/');
    if (type.startsWith('microsoft.apimanagement/') && id.types.length > 2 && !this.exists(parent)) {
      // A nested APIM resource needs its parent (an operation policy its operation, an operation its API): APIM
      // answers 404 "<Parent> not found." (the shape of notFound; NOT_FOUND_NAMES).
      return this.notFound(parent, { ...id, types: id.types.slice(0, -1), names: id.names.slice(0, -1) });
    }
    if (type === 'microsoft.apimanagement/service') return this.writeService(req.method, path, key, body!);
    if (req.method === 'PATCH' && !key) return this.notFound(path, id);
    if (isPolicyType(type)) return this.putPolicy(path, key, id, body!);

    // PUT replaces the whole resource; PATCH is a JSON merge patch (ARM RPC resource-api-reference "PUT"/"PATCH").
    const old = key ? state.resources[key]! : undefined;
    const next = (req.method === 'PATCH' ? mergePatch(old, body) : clone(body)) as Json;
    const k = key ?? path;
    next['id'] = old?.['id'] ?? path;
    next['name'] = old?.['name'] ?? id.names[id.names.length - 1];
    next['type'] =
      old?.['type'] ?? (/\/config$/.test(type) ? `${id.namespace}/${id.types[0]}/config` : resourceType(id));
    const e = this.store(k, next);
    if (/\/config\/authsettingsv2$/.test(lower)) {
      const site = k.replace(/\/config\/authsettingsv2$/i, '').toLowerCase();
      const h = this.authHistory.get(site) ?? [{ at: 0, body: undefined }];
      h.push({ at: Date.now(), body: clone(next) });
      this.authHistory.set(site, h);
    }
    return json(key ? 200 : 201, this.view(type, next, null), { etag: `"${e}"` });
  }

  private defaultAuthV2(path: string): Json {
    return {
      id: path,
      name: 'authsettingsV2',
      type: 'Microsoft.Web/sites/config',
      properties: {
        platform: { enabled: false },
        globalValidation: {},
        identityProviders: {},
        login: {},
        httpSettings: {}
      }
    };
  }

  private topLevel(path: string): string {
    const s = path.split('/');
    return s.slice(0, 9).join('/');
  }

  private exists(path: string): boolean {
    return this.findKey(path) !== undefined;
  }

  /**
   * RBAC: writes and actions need the workflow identity's scope (prefix of the ID, case-insensitive); else 403
   * AuthorizationFailed with ARM's wording (Learn: troubleshooting Azure RBAC, "AuthorizationFailed").
   */
  private rbac(method: string, path: string, action: string | undefined, oid: string): TwinResponse | undefined {
    const l = path.toLowerCase();
    const ok = this.o.getState().workflowIdentity.scopes.some((s) => {
      const p = s.toLowerCase().replace(/\/+$/, '');
      return l === p || l.startsWith(p + '/');
    });
    if (ok) return undefined;
    const id = parseArmId(path);
    const type = id ? resourceType(id) : 'Microsoft.Resources/subscriptions';
    // e.g. Microsoft.Web/sites/config/list/action, Microsoft.ApiManagement/service/subscriptions/listSecrets/action,
    // Microsoft.Web/sites/publishxml/action (Learn: resource provider operations, Microsoft.Web)
    const actionName: Record<string, string> = { listsecrets: 'listSecrets', listvalue: 'listValue' };
    const act = action
      ? `${type}/${actionName[action] ?? action}/action`
      : `${type}/${method === 'DELETE' ? 'delete' : 'write'}`;
    return armError(
      403,
      'AuthorizationFailed',
      `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${act}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`
    );
  }

  private notFound(path: string, id: ArmId): TwinResponse {
    const top = this.topLevel(path);
    if (id.types.length === 1) {
      // Shape of ARM's ResourceNotFound (aka.ms/ARMResourceNotFoundFix).
      return armError(
        404,
        'ResourceNotFound',
        `The Resource '${id.namespace}/${id.types[0]}/${id.names[0]}' under resource group '${id.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
      );
    }
    if (!this.exists(top)) {
      // ARM's answer for a nested resource whose parent is missing (e.g. Azure/azure-powershell#19200).
      return armError(
        404,
        'ParentResourceNotFound',
        `Can not perform requested operation on nested resource. Parent resource '${id.names.slice(0, id.types.length - 1).join('/')}' not found.`
      );
    }
    const t = id.types[id.types.length - 1]!.toLowerCase();
    return json(
      404,
      {
        error: {
          code: 'ResourceNotFound',
          message: `${NOT_FOUND_NAMES[t] ?? id.types[id.types.length - 1]} not found.`,
          details: null
        }
      },
      { 'x-ms-request-id': requestId() }
    );
  }

  /** The GET view of a stored body: subscription keys and secret named values hidden, policy format applied. */
  private view(type: string, stored: Json, format: string | null): Json {
    const v = clone(stored);
    const props = isObject(v['properties']) ? v['properties'] : undefined;
    if (type === 'microsoft.apimanagement/service/subscriptions' && props) {
      // GET no longer returns keys since api-version 2019-12-01; use POST listSecrets (Learn: APIM REST Subscription - Get).
      delete props['primaryKey'];
      delete props['secondaryKey'];
    }
    if (type === 'microsoft.apimanagement/service/namedvalues' && props?.['secret'] === true) delete props['value'];
    if (isPolicyType(type) && props && typeof props['value'] === 'string') {
      // format=rawxml returns the stored text; xml (the default) returns the escaped form (APIM REST ApiPolicy - Get,
      // `format`; PolicyFragment_Get `format`, examples ApiManagementGetPolicyFragment[Format].json; a list answers
      // the xml form: ApiManagementListPolicyFragments.json).
      if (format?.toLowerCase() === 'rawxml') props['format'] = 'rawxml';
      else {
        props['value'] = toXmlFormat(props['value'] as string);
        props['format'] = 'xml';
      }
    }
    return v;
  }

  private list(path: string, id: ArmId, query: URLSearchParams): TwinResponse {
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (id.types.length > 1 && !this.exists(parent))
      return this.notFound(parent, { ...id, types: id.types.slice(0, -1) });
    const prefix = path.toLowerCase() + '/';
    const st = this.o.getState();
    const type = resourceType(id).toLowerCase();
    let value = Object.entries(st.resources)
      .filter(([k]) => k.toLowerCase().startsWith(prefix) && !k.slice(prefix.length).includes('/'))
      .map(([, b]) => this.view(type, b, null));
    const filter = query.get('$filter');
    if (filter !== null && type === 'microsoft.apimanagement/service/namedvalues') {
      // NamedValue_ListByService `$filter` (apimnamedvalues.json 2024-05-01: displayName with eq, …): the twin models
      // `displayName eq '<name>'` only; anything else is refused as APIM refuses a filter it cannot read.
      const m = /^\s*displayName\s+eq\s+'([^']*)'\s*$/.exec(filter);
      if (!m) {
        return armError(
          400,
          'ValidationError',
          `Invalid filter clause specified: '${filter}' (the twin supports displayName eq '…').`
        );
      }
      value = value.filter((v) => isObject(v['properties']) && v['properties']['displayName'] === m[1]);
    }
    if (!type.startsWith('microsoft.apimanagement/')) return json(200, { value, count: value.length });
    // APIM collections are pageable (x-ms-pageable nextLink; $top/$skip): apim.ts pageOf.
    const page = pageOf(value, query, Math.max(1, st.behaviour.listPageSize ?? 100), `${this.o.base()}${path}`);
    if ('error' in page) return armError(400, 'ValidationError', page.error);
    return json(200, page);
  }

  /**
   * PUT of a policy (any scope) or a policy fragment. `rawxml` stores the text as authored after APIM's save-time
   * reformatting; `xml` must be well-formed and is unescaped first (APIM REST ApiPolicy - Create Or Update,
   * PolicyContentFormat; DESIGN §3). Refused with 400 ValidationError: unparsable text, fragment rules (apim.ts
   * fragmentProblem), and — with `behaviour.namedValueRefsOnSave` — a `{{name}}` with no such named value ("Error in
   * element 'address' on line 5, column 14: Cannot find a property 'ip1'": Learn Q&A 711104, APIM's answer to a policy
   * that names a missing named value).
   */
  private putPolicy(path: string, key: string | undefined, id: ArmId, body: Json): TwinResponse {
    const props = isObject(body['properties']) ? body['properties'] : {};
    const value = props['value'];
    const format = String(props['format'] ?? 'xml').toLowerCase();
    const fragment = resourceType(id).toLowerCase().endsWith('/policyfragments');
    if (typeof value !== 'string') return armError(400, 'ValidationError', "'value' is required.");
    let raw: string;
    let problem: { target: string; message: string } | undefined;
    try {
      if (format === 'rawxml') raw = normalizeOnSave(value);
      else if (format === 'xml') raw = normalizeOnSave(fromXmlFormat(value));
      else return armError(400, 'ValidationError', `Policy format '${format}' is not supported by the twin.`);
      const root = parsePolicyText(raw);
      const fp = fragment ? fragmentProblem(root, raw) : undefined;
      if (fp) problem = { target: 'value', message: fp };
    } catch (e) {
      problem = { target: 'representation', message: (e as Error).message };
    }
    if (!problem && this.o.getState().behaviour.namedValueRefsOnSave === true) {
      const known = namedValuesOf(this.o.getState(), this.findKey(this.topLevel(path)) ?? this.topLevel(path));
      const ref = namedValueRefs(raw!).find((r) => !known.has(r.name));
      if (ref) {
        const at = `Error in element '${ref.element}' on line ${ref.line}, column ${ref.column}`;
        problem = { target: ref.element, message: `${at}: Cannot find a property '${ref.name}'` };
      }
    }
    if (problem) {
      return json(400, {
        error: {
          code: 'ValidationError',
          message: 'One or more fields contain incorrect values:',
          details: [{ code: 'ValidationError', ...problem }]
        }
      });
    }
    const stored: Json = {
      id: key ? (this.o.getState().resources[key]!['id'] ?? path) : path,
      type: resourceType(id),
      name: fragment ? id.names[id.names.length - 1] : 'policy',
      properties: {
        format: 'rawxml',
        ...(fragment && typeof props['description'] === 'string' ? { description: props['description'] } : {}),
        value: raw!
      }
    };
    const e = this.store(key ?? path, stored);
    // A policy PUT answers the stored document in xml format without `format` (spec example
    // ApiManagementCreateApiPolicyNonXmlEncoded.json); a fragment PUT answers it with `format: xml` and its
    // description (ApiManagementCreatePolicyFragment.json; the twin completes it at once, without the LRO headers).
    const answer: Json = fragment
      ? { ...(stored['properties'] as Json), format: 'xml', value: toXmlFormat(raw!) }
      : { value: toXmlFormat(raw!) };
    return json(
      key ? 200 : 201,
      { id: stored['id'], type: stored['type'], name: stored['name'], properties: answer },
      { etag: `"${e}"` }
    );
  }

  private handleAction(req: ParsedRequest, path: string, action: string): TwinResponse {
    const lower = path.toLowerCase();
    const id = parseArmId(path)!;
    const key = this.findKey(path);
    if (action === 'publishxml' && req.method === 'POST' && SITE_OR_SLOT.test(lower)) {
      if (!key) return this.notFound(path, id);
      return this.publishXml(key, req);
    }
    if (action === 'listsecrets' && req.method === 'POST') {
      if (!key) return this.notFound(path, id);
      const p = (this.o.getState().resources[key]!['properties'] ?? {}) as Json;
      // POST …/subscriptions/{sid}/listSecrets → {primaryKey, secondaryKey} (APIM REST Subscription - List Secrets).
      return json(
        200,
        { primaryKey: p['primaryKey'], secondaryKey: p['secondaryKey'] },
        { etag: `"${this.etagOf(key)}"` }
      );
    }
    if (action === 'listvalue' && req.method === 'POST') {
      // POST …/namedValues/{id}/listValue → {value} (NamedValue_ListValue, apimnamedvalues.json 2024-05-01): plain and
      // secret values as stored; a Key Vault–backed one through the twin's Key Vault (apim.ts resolveNamedValue).
      if (!key) return this.notFound(path, id);
      const st = this.o.getState();
      const r = resolveNamedValue(st, st.resources[this.findKey(this.topLevel(path)) ?? ''], st.resources[key]!);
      if ('unresolved' in r) {
        // Message as ARM words its refusal for a Key Vault–derived named value (Azure/azure-powershell#15494, seen
        // through Get-AzApiManagementNamedValueSecretValue); status 400 is the twin's choice (not published).
        return armError(
          400,
          'BadRequest',
          `Operation not allowed for keyVault derived NamedValue with id '${id.names[id.names.length - 1]}'.`
        );
      }
      return json(200, { value: r.value }, { etag: `"${this.etagOf(key)}"` });
    }
    if (
      action === 'list' &&
      /\/config\/authsettingsv2$/.test(lower) &&
      (req.method === 'GET' || req.method === 'POST')
    ) {
      // The SDK's getAuthSettingsV2 sends GET …/config/authsettingsV2/list (@azure/arm-appservice 19 dist; spec ListAuthSettingsV2.json).
      if (key) return json(200, clone(this.o.getState().resources[key]!), { etag: `"${this.etagOf(key)}"` });
      if (this.exists(path.slice(0, -'/config/authsettingsV2'.length))) return json(200, this.defaultAuthV2(path));
      return this.notFound(path, id);
    }
    if (action === 'list' && /\/config\/authsettings$/.test(lower) && req.method === 'POST') {
      // POST …/config/authsettings/list → v1 settings; `configVersion` says which generation is in use (DESIGN §3).
      const site = path.slice(0, -'/config/authsettings'.length);
      if (!this.exists(site)) return this.notFound(path, id);
      if (key) {
        const b = clone(this.o.getState().resources[key]!);
        const p = (isObject(b['properties']) ? b['properties'] : (b['properties'] = {})) as Json;
        if (p['configVersion'] === undefined) p['configVersion'] = 'v1';
        return json(200, b);
      }
      const v2 = this.findKey(site + '/config/authsettingsV2');
      const p2 = (v2 ? this.o.getState().resources[v2]!['properties'] : {}) as Json;
      const platform = (p2?.['platform'] ?? {}) as Json;
      return json(200, {
        id: path,
        name: 'authsettings',
        type: 'Microsoft.Web/sites/config',
        properties: {
          enabled: platform['enabled'] === true,
          configVersion: 'v2',
          runtimeVersion: platform['runtimeVersion'] ?? '~1'
        }
      });
    }
    return armError(
      404,
      'NoRegisteredProviderFound',
      `No registered resource provider found for action '${action}' on '${path}'.`
    );
  }

  /**
   * APIM service PUT/PATCH: a long-running operation (202 + Azure-AsyncOperation + Location; spec example
   * ApiManagementUpdateServiceDisableTls10.json). The change (and a new system identity's principalId) is applied
   * when the operation completes: after `behaviour.lroPolls` "still running" answers on whichever URL the client
   * polls (operation status, Location, or GET of the resource itself; see poll), or `behaviour.lroMs` after the
   * request, whichever comes first.
   */
  private writeService(method: string, path: string, key: string | undefined, body: Json): TwinResponse {
    const st = this.o.getState();
    if (method === 'PATCH' && !key) return this.notFound(path, parseArmId(path)!);
    const reqIdentity = body['identity'];
    if (isObject(reqIdentity) && isObject(reqIdentity['userAssignedIdentities'])) {
      // User-assigned entries in a write must be {} or null; read-only principalId/clientId → 400 InvalidIdentityValues
      // (Azure/terraform-provider-azapi#840, #682, #746).
      const bad = Object.entries(reqIdentity['userAssignedIdentities']).filter(
        ([, v]) => v !== null && (!isObject(v) || Object.keys(v).length > 0)
      );
      if (bad.length) {
        return armError(
          400,
          'InvalidIdentityValues',
          `Invalid value for the identities '${bad.map(([k]) => k).join(',')}'. The 'UserAssignedIdentities' property keys should only be empty json objects or null.`
        );
      }
    }
    const old = key ? st.resources[key]! : undefined;
    // PATCH merges (an omitted user-assigned entry is kept, null removes it); PUT replaces (ARM RPC; Learn
    // ManagedServiceIdentity "PATCH merges the supplied entries… a null PATCH entry removes that individual identity").
    const target = (method === 'PATCH' ? mergePatch(old, body) : { ...clone(body), id: old?.['id'] ?? path }) as Json;
    const idErr = this.resolveIdentity(old, target);
    if (idErr) return idErr;
    const polls = Math.max(0, st.behaviour.lroPolls ?? 1);
    const op: LroOp = {
      id: randomUUID(),
      resourceId: key ?? path,
      target,
      pollsLeft: { operation: polls, location: polls, resource: polls },
      done: false,
      startTime: new Date().toISOString()
    };
    this.ops.set(op.id, op);
    if (old) {
      // While it runs, GET shows provisioningState Updating and the old values (DESIGN §3).
      const updating = clone(old);
      if (isObject(updating['properties'])) updating['properties']['provisioningState'] = 'Updating';
      this.store(key!, updating);
    }
    const lroMs = st.behaviour.lroMs;
    if (typeof lroMs === 'number' && lroMs >= 0) {
      // Completes by time too (real operations end after a while whether anyone polls or not), so /state and the
      // data plane see the result without a poll; handle() also settles due operations before serving a request.
      op.deadline = Date.now() + lroMs;
      op.timer = setTimeout(() => {
        if (!op.done) this.complete(op);
      }, lroMs);
      op.timer.unref?.();
    }
    const base = `${this.o.base()}${op.resourceId}/operationresults/${op.id}`;
    const apiVersion = '2024-05-01';
    return json(202, undefined, {
      'azure-asyncoperation': `${base}?api-version=${apiVersion}&asyncResponse`,
      location: `${base}?api-version=${apiVersion}`,
      'x-ms-request-id': requestId(),
      ...this.retryAfter()
    });
  }

  /**
   * `Retry-After` (seconds) for a 202 and for "still running" answers, when `behaviour.lroRetryAfterSeconds` is set
   * (Learn "Track asynchronous Azure operations": Azure-AsyncOperation, Location, Retry-After). Default: none, as
   * before — core-lro then polls every `updateIntervalInMs` (default 2 s); it ignores `Retry-After: 0`.
   */
  private retryAfter(): Record<string, string> {
    const s = this.o.getState().behaviour.lroRetryAfterSeconds;
    return typeof s === 'number' && s >= 0 ? { 'retry-after': String(Math.floor(s)) } : {};
  }

  /** The operation still running on a stored resource key, if any. */
  private runningOn(key: string): LroOp | undefined {
    const l = key.toLowerCase();
    for (const op of this.ops.values()) if (!op.done && op.resourceId.toLowerCase() === l) return op;
    return undefined;
  }

  /**
   * One poll of `op` through `via`: each URL answers "still running" `behaviour.lroPolls` times, then the next poll
   * of any of them completes the operation (for every URL). Past `behaviour.lroMs` it is complete whoever polls.
   */
  private poll(op: LroOp, via: PollVia): void {
    if (op.done) return;
    if (op.deadline !== undefined && Date.now() >= op.deadline) this.complete(op);
    else if (op.pollsLeft[via] > 0) op.pollsLeft[via]--;
    else this.complete(op);
  }

  /** Completes every operation whose `lroMs` deadline has passed (a timer does too; this makes it exact). */
  private settleDue(): void {
    const now = Date.now();
    for (const op of this.ops.values())
      if (!op.done && op.deadline !== undefined && now >= op.deadline) this.complete(op);
  }

  /** Validates and normalises `identity.type`; keeps existing principal IDs; drops what a narrower type excludes. */
  private resolveIdentity(old: Json | undefined, target: Json): TwinResponse | undefined {
    const ident = target['identity'];
    if (!isObject(ident)) return undefined;
    const parts = String(ident['type'] ?? 'None')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const sys = parts.includes('systemassigned');
    const uai = parts.includes('userassigned');
    if (
      parts.some((p) => !['systemassigned', 'userassigned', 'none'].includes(p)) ||
      (parts.includes('none') && parts.length > 1)
    ) {
      return armError(
        400,
        'InvalidIdentityType',
        `The identity type '${String(ident['type'])}' is not supported. Supported values: None, SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned'.`
      );
    }
    ident['type'] =
      sys && uai ? 'SystemAssigned, UserAssigned' : sys ? 'SystemAssigned' : uai ? 'UserAssigned' : 'None';
    const oldIdent = isObject(old?.['identity']) ? (old!['identity'] as Json) : {};
    if (sys && oldIdent['principalId']) {
      ident['principalId'] = oldIdent['principalId'];
      ident['tenantId'] = oldIdent['tenantId'];
    } else {
      // principalId/tenantId appear only when the operation completes (see opResult).
      delete ident['principalId'];
      delete ident['tenantId'];
    }
    if (uai) {
      const map = isObject(ident['userAssignedIdentities']) ? ident['userAssignedIdentities'] : {};
      if (Object.keys(map).length === 0) {
        return armError(
          400,
          'BadRequest',
          "The 'userAssignedIdentities' property must be set when the identity type includes 'UserAssigned'."
        );
      }
      const oldMap = isObject(oldIdent['userAssignedIdentities']) ? oldIdent['userAssignedIdentities'] : {};
      for (const k of Object.keys(map)) {
        const prev = Object.entries(oldMap).find(([ok]) => ok.toLowerCase() === k.toLowerCase())?.[1];
        map[k] =
          isObject(prev) && prev['principalId'] ? clone(prev) : { principalId: randomUUID(), clientId: randomUUID() };
      }
      ident['userAssignedIdentities'] = map;
    } else delete ident['userAssignedIdentities'];
    return undefined;
  }

  private opResult(path: string, query: URLSearchParams): TwinResponse {
    const opId = path.slice(path.lastIndexOf('/') + 1);
    const op = this.ops.get(opId);
    if (!op) return armError(404, 'OperationNotFound', `The operation '${opId}' was not found.`);
    this.poll(op, query.has('asyncResponse') ? 'operation' : 'location');
    if (query.has('asyncResponse')) {
      // Azure-AsyncOperation status body (ARM RPC async-api-reference.md): {id, name, status, startTime, endTime}.
      return json(
        200,
        {
          id: op.id,
          name: op.id,
          status: op.done ? 'Succeeded' : 'InProgress',
          startTime: op.startTime,
          ...(op.endTime ? { endTime: op.endTime } : {})
        },
        op.done ? {} : this.retryAfter()
      );
    }
    // Location: 202 while running, then the resource (ARM RPC async-api-reference.md "Location").
    if (!op.done)
      return json(202, undefined, { location: `${this.o.base()}${path}?${query.toString()}`, ...this.retryAfter() });
    const key = this.findKey(op.resourceId)!;
    return json(200, this.view('microsoft.apimanagement/service', this.o.getState().resources[key]!, null), {
      etag: `"${this.etagOf(key)}"`
    });
  }

  private complete(op: LroOp): void {
    const st = this.o.getState();
    const target = op.target;
    const ident = target['identity'];
    const name = String(target['name'] ?? op.resourceId.split('/').pop());
    const old = this.findKey(op.resourceId);
    const oldIdent = old && isObject(st.resources[old]!['identity']) ? (st.resources[old]!['identity'] as Json) : {};
    let newSp: { id: string; appId: string } | undefined;
    if (isObject(ident) && String(ident['type']).startsWith('SystemAssigned') && !ident['principalId']) {
      // Enabling SystemAssigned creates a service principal (Learn: managed identities overview).
      newSp = { id: randomUUID(), appId: randomUUID() };
      ident['principalId'] = newSp.id;
      ident['tenantId'] = st.tenantId;
    }
    const removedSp =
      oldIdent['principalId'] && (!isObject(ident) || ident['principalId'] !== oldIdent['principalId'])
        ? String(oldIdent['principalId'])
        : undefined;
    if (isObject(target['properties'])) target['properties']['provisioningState'] = 'Succeeded';
    this.o.mutate((s) => {
      s.servicePrincipals = (s.servicePrincipals ?? []).filter((sp) => sp.id !== removedSp);
      if (newSp) s.servicePrincipals.push({ ...newSp, displayName: name, kind: 'managedIdentity' });
    });
    this.store(old ?? op.resourceId, target);
    op.done = true;
    op.endTime = new Date().toISOString();
    if (op.timer) clearTimeout(op.timer);
  }

  /**
   * `GET /subscriptions` (Subscriptions_List) and `GET /subscriptions/{id}` (Subscriptions_Get): the state's
   * subscription only (ARM lists what the caller can see); another ID → 404 SubscriptionNotFound. Shape of the
   * resources spec 2022-12-01 (subscriptions.json; examples GetSubscriptions.json, GetSubscription.json). `az login`
   * lists subscriptions. Other paths → undefined.
   */
  private subscriptions(method: string, path: string): TwinResponse | undefined {
    const m = /^\/subscriptions(?:\/([^/]+))?$/i.exec(path);
    if (!m || method !== 'GET') return undefined;
    const st = this.o.getState();
    const sub = {
      id: `/subscriptions/${st.subscriptionId}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId: st.subscriptionId,
      tenantId: st.tenantId,
      displayName: 'Azure subscription 1',
      state: 'Enabled',
      subscriptionPolicies: {
        locationPlacementId: 'Public_2014-09-01',
        quotaId: 'PayAsYouGo_2014-09-01',
        spendingLimit: 'Off'
      }
    };
    if (m[1] === undefined) return json(200, { value: [sub] });
    if (m[1].toLowerCase() !== st.subscriptionId.toLowerCase())
      return armError(404, 'SubscriptionNotFound', `The subscription '${m[1]}' could not be found.`);
    return json(200, sub);
  }

  /**
   * `GET sites/{name}[/slots/{slot}]/config/web` when no `config/web` body is stored (WebApps_GetConfiguration, spec
   * example GetSiteConfig.json 2025-05-01): a SiteConfigResource with the spec example's defaults, overlaid with the
   * non-null fields of the site's own `properties.siteConfig`. Undefined when the site/slot does not exist.
   */
  private siteConfig(path: string): Json | undefined {
    const siteKey = this.findKey(path.slice(0, -'/config/web'.length));
    if (!siteKey || !SITE_OR_SLOT.test(siteKey.toLowerCase())) return undefined;
    const site = this.o.getState().resources[siteKey]!;
    const sp = isObject(site['properties']) ? site['properties'] : {};
    const own = isObject(sp['siteConfig']) ? sp['siteConfig'] : {};
    const linux = sp['reserved'] === true || /linux/i.test(String(site['kind'] ?? ''));
    const properties: Json = {
      numberOfWorkers: 1,
      defaultDocuments: ['Default.htm', 'Default.html', 'index.htm', 'index.html', 'hostingstart.html'],
      netFrameworkVersion: 'v4.0',
      phpVersion: '',
      pythonVersion: '',
      nodeVersion: '',
      powerShellVersion: '',
      linuxFxVersion: '',
      requestTracingEnabled: false,
      remoteDebuggingEnabled: false,
      httpLoggingEnabled: false,
      detailedErrorLoggingEnabled: false,
      use32BitWorkerProcess: !linux,
      webSocketsEnabled: false,
      alwaysOn: false,
      managedPipelineMode: 'Integrated',
      virtualApplications: [{ virtualPath: '/', physicalPath: 'site\\wwwroot', preloadEnabled: false }],
      loadBalancing: 'LeastRequests',
      autoHealEnabled: false,
      vnetRouteAllEnabled: false,
      http20Enabled: false,
      minTlsVersion: '1.2',
      scmMinTlsVersion: '1.2',
      ftpsState: 'AllAllowed',
      functionAppScaleLimit: 0,
      functionsRuntimeScaleMonitoringEnabled: false,
      minimumElasticInstanceCount: 0,
      publicNetworkAccess: sp['publicNetworkAccess'] ?? 'Enabled',
      ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== null && v !== undefined))
    };
    const slot = /\/slots\/[^/]+$/i.test(siteKey);
    return {
      id: `${siteKey}/config/web`,
      name: 'web',
      type: slot ? 'Microsoft.Web/sites/slots/config' : 'Microsoft.Web/sites/config',
      ...(site['kind'] !== undefined ? { kind: site['kind'] } : {}),
      ...(site['location'] !== undefined ? { location: site['location'] } : {}),
      properties: clone(properties)
    };
  }

  /**
   * `POST sites/{name}[/slots/{slot}]/publishxml` (WebApps_ListPublishingProfileXmlWithSecrets; the SDK sends
   * `{format}` and accepts `application/xml`): a `<publishData>` with the MSDeploy, FTP and Zip Deploy profiles App
   * Service returns, password placeholders only (the twin has no Kudu/FTP). Any `format` gets the same document.
   * Sent as bytes so the ARM body host rewrite leaves the Azure hostnames (the SCM/FTP hosts are not played).
   */
  private publishXml(siteKey: string, req: ParsedRequest): TwinResponse {
    try {
      readJson(req);
    } catch {
      return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    }
    const site = this.o.getState().resources[siteKey]!;
    const sp = isObject(site['properties']) ? site['properties'] : {};
    const parts = siteKey.split('/');
    const slotIdx = parts.findIndex((p) => p.toLowerCase() === 'slots');
    const siteName = slotIdx > 0 ? parts[slotIdx - 1]! : parts[parts.length - 1]!;
    const slot = slotIdx > 0 ? parts[slotIdx + 1] : undefined;
    const appName = slot ? `${siteName}__${slot}` : siteName;
    const host = typeof sp['defaultHostName'] === 'string' ? sp['defaultHostName'] : `${appName}.azurewebsites.net`;
    const scm = host.replace(/^([^.]+)\./, '$1.scm.');
    const user = `$${appName}`;
    const pwd = 'twin-placeholder-not-a-secret';
    const esc = (s: string): string =>
      s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const common = `destinationAppUrl="https://${esc(host)}" SQLServerDBConnectionString="" mySQLDBConnectionString="" hostingProviderForumLink="" controlPanelLink="https://portal.azure.com" webSystem="WebSites"`;
    const profile = (attrs: string): string => `<publishProfile ${attrs} ${common}><databases /></publishProfile>`;
    const xml =
      '<publishData>' +
      profile(
        `profileName="${esc(siteName)}${slot ? `-${esc(slot)}` : ''} - Web Deploy" publishMethod="MSDeploy" publishUrl="${esc(scm)}:443" msdeploySite="${esc(appName)}" userName="${esc(user)}" userPWD="${pwd}"`
      ) +
      profile(
        `profileName="${esc(siteName)}${slot ? `-${esc(slot)}` : ''} - FTP" publishMethod="FTP" publishUrl="ftps://waws-prod-twin-001.ftp.azurewebsites.windows.net/site/wwwroot" ftpPassiveMode="True" userName="${esc(`${appName}\\${user}`)}" userPWD="${pwd}"`
      ) +
      profile(
        `profileName="${esc(siteName)}${slot ? `-${esc(slot)}` : ''} - Zip Deploy" publishMethod="ZipDeploy" publishUrl="${esc(scm)}:443" userName="${esc(user)}" userPWD="${pwd}"`
      ) +
      '</publishData>';
    return {
      status: 200,
      headers: { 'content-type': 'application/xml', 'x-ms-request-id': requestId() },
      body: Buffer.from(xml, 'utf8')
    };
  }
}
