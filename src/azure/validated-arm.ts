/**
 * "A 200 is not proof of content": every ARM read the planner relies on is checked for the shape the code needs
 * before anything is planned (or merged and written) on it. {@link validatedArmPort} wraps an ArmPort so the first
 * reads and every re-read before a write go through the same checks; the checks themselves are pure
 * ({@link checkRead}).
 *
 * Shapes relied on (REST specs in Azure/azure-rest-api-specs, examples in ../shared/fixtures/arm):
 * - ApiManagementService_Get: an object with `properties` (publisherEmail, gatewayUrl, …) and `identity` absent, null
 *   or an object whose `type` is a string (`None`, `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned`).
 * - WebApps_Get / WebApps_GetSlot: an object with non-empty `properties`.
 * - WebApps_GetAuthSettingsV2 (POST-less GET `config/authsettingsV2/list`): an object whose `properties` carries
 *   `platform` (the example response and every site, configured or not, return `platform` with `enabled`).
 * - WebApps_GetAuthSettings (POST `config/authsettings/list`): an object with an object `properties`.
 * - Api_Get: an object with non-empty `properties`.
 * - ApiPolicy_Get (`format=rawxml`): 404 when the API has no policy, else `properties.value` a non-empty string whose
 *   root element is `<policies>`.
 * - ApiOperation_ListByApi (apimapis.json, example ApiManagementListApiOperations.json): every item an object with a
 *   non-empty `name` and `properties.method` / `properties.urlTemplate` strings, of this API (`id` under it, `type`
 *   `Microsoft.ApiManagement/service/apis/operations`), no name twice.
 * - ApiOperationPolicy_Get (`format=rawxml`): 404 when the operation has no policy, else a `<policies>` document of
 *   that operation (no ETag needed: it is never written).
 * - PolicyFragment_Get (`format=rawxml`, apimpolicyfragments.json, example ApiManagementGetPolicyFragmentFormat.json):
 *   404 when there is no such fragment, else `properties.value` a `<fragment>` document of that fragment. For both:
 *   `properties.format`, when sent, is the `rawxml` asked for, and the text parses (APIM saves only policies it
 *   validated, so one that does not parse is a truncated answer).
 * - NamedValue_ListByService / NamedValue_Get / NamedValue_ListValue (apimnamedvalues.json, examples
 *   ApiManagementListNamedValues.json, ApiManagementNamedValueListValue.json): each contract an object with
 *   `properties.displayName` (and `value` unless secret or Key Vault-backed, for a GET); listValue `{value}`.
 * A body that is not JSON, `null`, `""`, `{}`, `[]`, a body of another resource (its `id` or `type` says so) or one
 * without what the planner needs is a broken precondition: {@link ReadShapeError}. "Absent" is concluded only from
 * a 404 (the ArmPort returns `undefined` for a policy only then).
 */
import { ActionError } from '../errors.js';
import { isPlainObject } from '../json-path.js';
import { PolicyParseError } from '../policy/errors.js';
import { parsePolicy } from '../policy/tree.js';
import type { ArmPort, Json, PolicyDocument } from '../ports.js';
import type { TargetIds } from '../types.js';

/** A read that answered 2xx without the content the plan relies on. Nothing is planned on it. */
export class ReadShapeError extends ActionError {
  constructor(
    /** What was read, e.g. `Easy Auth of func-x`. */
    readonly what: string,
    /** The request, e.g. `GET …/config/authsettingsV2/list`. */
    readonly request: string,
    /** What was missing or wrong. */
    readonly problem: string,
    resource?: string
  ) {
    super(
      `${request} (${what}) answered without the content this action relies on: ${problem}. ` +
        'A success status alone is not trusted, so nothing was planned on this answer; re-run (a transient fault) or ' +
        'check the resource in the portal.',
      resource
    );
    this.name = 'ReadShapeError';
  }
}

/** What kind of document a read should return. */
export type ReadKind = 'apim-service' | 'site' | 'auth-settings-v2' | 'auth-settings-v1' | 'api' | 'api-policy';

const TYPES: Record<ReadKind, RegExp> = {
  'apim-service': /^Microsoft\.ApiManagement\/service$/i,
  site: /^Microsoft\.Web\/sites(\/slots)?$/i,
  // Real ARM says `Microsoft.Web/sites/config`; the REST example says `Microsoft.Web/sites/authsettingsv2`.
  'auth-settings-v2': /^Microsoft\.Web\/sites(\/slots)?\/(config|authsettingsv2)$/i,
  'auth-settings-v1': /^Microsoft\.Web\/sites(\/slots)?\/(config|authsettings)$/i,
  api: /^Microsoft\.ApiManagement\/service\/apis$/i,
  'api-policy': /^Microsoft\.ApiManagement\/service\/apis\/policies$/i
};

const OPERATION_TYPE = /^Microsoft\.ApiManagement\/service\/apis\/operations$/i;
const OPERATION_POLICY_TYPE = /^Microsoft\.ApiManagement\/service\/apis\/operations\/policies$/i;
const FRAGMENT_TYPE = /^Microsoft\.ApiManagement\/service\/policyFragments$/i;

/**
 * Checks one read's body against what the planner relies on (see the module docstring). `expectedId` is the ARM ID
 * the body must describe when it carries an `id` (compared case-insensitively; for config documents the site's ID
 * must prefix it). Returns the problem in words, or undefined when the body is usable. Pure.
 */
export function checkRead(kind: ReadKind, body: unknown, expectedId?: string): string | undefined {
  if (!isPlainObject(body)) return `the body is ${describe(body)}, not a JSON object`;
  if (Object.keys(body).length === 0) return 'the body is an empty object';
  const type = body.type;
  if (type !== undefined && (typeof type !== 'string' || !TYPES[kind].test(type))) {
    return `the body describes a resource of type ${JSON.stringify(type)}`;
  }
  if (expectedId && typeof body.id === 'string' && !sameResource(kind, body.id, expectedId)) {
    return `the body describes another resource (${body.id})`;
  }
  const props = body.properties;
  if (!isPlainObject(props)) return `properties is ${describe(props)}`;
  switch (kind) {
    case 'apim-service': {
      if (Object.keys(props).length === 0) return 'properties is empty';
      const identity = body.identity;
      if (identity === undefined || identity === null) return undefined;
      if (!isPlainObject(identity)) return `identity is ${describe(identity)}`;
      if (typeof identity.type !== 'string' || identity.type.trim() === '') return 'identity has no type';
      const uai = identity.userAssignedIdentities;
      if (uai !== undefined && uai !== null && !isPlainObject(uai)) {
        return `identity.userAssignedIdentities is ${describe(uai)}`;
      }
      return undefined;
    }
    case 'site':
    case 'api':
      return Object.keys(props).length === 0 ? 'properties is empty' : undefined;
    case 'auth-settings-v2':
      return isPlainObject(props.platform) ? undefined : `properties.platform is ${describe(props.platform)}`;
    case 'auth-settings-v1':
      return undefined;
    case 'api-policy':
      return checkPolicyText(props.value);
  }
}

/**
 * The problem with a policy read (2xx), or undefined: a `<policies>` document ({@link checkPolicyText}) of this API
 * (`id`/`type`, when the body carries them, must be `expectedId` / an API policy) with an ETag — without one the PUT
 * could not be guarded by If-Match (ApiPolicy_Get always answers with an ETag header).
 */
export function checkPolicyRead(doc: PolicyDocument | null, expectedId: string): string | undefined {
  if (!doc || typeof doc !== 'object') return `the body is ${describe(doc)}`;
  if (doc.type !== undefined && (typeof doc.type !== 'string' || !TYPES['api-policy'].test(doc.type))) {
    return `the body describes a resource of type ${JSON.stringify(doc.type)}`;
  }
  if (doc.id !== undefined && (typeof doc.id !== 'string' || !sameResource('api-policy', doc.id, expectedId))) {
    return `the body describes another resource (${String(doc.id)})`;
  }
  const text = checkPolicyText(doc.value);
  if (text) return text;
  return doc.etag ? undefined : 'no ETag (the write could not be guarded with If-Match)';
}

/**
 * The problem with one page of an API's operations (ApiOperation_ListByApi), or undefined: every item an operation
 * contract of the API `apiId` (ARM ID) with a name, a method and a URL template; no name twice. Pure.
 */
export function checkOperations(items: unknown, apiId: string): string | undefined {
  if (!Array.isArray(items)) return `the list is ${describe(items)}, not an array`;
  const seen = new Set<string>();
  for (const [i, op] of items.entries()) {
    const at = `item ${i + 1}`;
    if (!isPlainObject(op)) return `${at} is ${describe(op)}`;
    if (typeof op.name !== 'string' || op.name.trim() === '') return `${at} has no name`;
    if (op.type !== undefined && (typeof op.type !== 'string' || !OPERATION_TYPE.test(op.type))) {
      return `${at} describes a resource of type ${JSON.stringify(op.type)}`;
    }
    const expected = `${apiId}/operations/${op.name}`;
    if (op.id !== undefined && (typeof op.id !== 'string' || !sameResource('api', op.id, expected))) {
      return `${at} describes another resource (${String(op.id)})`;
    }
    const p = op.properties;
    if (!isPlainObject(p)) return `${at} (${op.name}) has properties ${describe(p)}`;
    if (typeof p.method !== 'string' || typeof p.urlTemplate !== 'string') {
      return `${at} (${op.name}) has no method or urlTemplate`;
    }
    if (seen.has(op.name.toLowerCase())) return `operation ${op.name} is listed twice`;
    seen.add(op.name.toLowerCase());
  }
  return undefined;
}

/**
 * The problem with an operation policy or a policy fragment read (2xx), or undefined: the document of resource
 * `expectedId` (`id` / `type` when the body carries them) whose `value` has the root `<root>` (`policies` for an
 * operation policy, `fragment` for a fragment). Pure.
 */
export function checkReadOnlyPolicy(
  doc: PolicyDocument | null | undefined,
  expectedId: string,
  root: 'policies' | 'fragment'
): string | undefined {
  if (!doc || typeof doc !== 'object') return `the body is ${describe(doc)}`;
  const type = root === 'policies' ? OPERATION_POLICY_TYPE : FRAGMENT_TYPE;
  if (doc.type !== undefined && (typeof doc.type !== 'string' || !type.test(doc.type))) {
    return `the body describes a resource of type ${JSON.stringify(doc.type)}`;
  }
  if (doc.id !== undefined && (typeof doc.id !== 'string' || !sameResource('api', doc.id, expectedId))) {
    return `the body describes another resource (${String(doc.id)})`;
  }
  if (doc.servedFormat !== undefined && String(doc.servedFormat).toLowerCase() !== 'rawxml') {
    return `properties.format is ${JSON.stringify(doc.servedFormat)}, not the rawxml that was asked for`;
  }
  return checkPolicyText(doc.value, root) ?? parseProblem(doc.value);
}

/**
 * The problem with a policy text that cannot be parsed (`cannot be parsed: …`), or undefined. APIM stores only
 * policies it validated (a save is refused otherwise), so a text that cannot be parsed is a truncated or broken
 * answer — or a construct this action's parser does not know: either way it cannot be judged.
 */
function parseProblem(value: string): string | undefined {
  try {
    parsePolicy(value);
    return undefined;
  } catch (e) {
    if (!(e instanceof PolicyParseError)) throw e;
    return `properties.value cannot be parsed as a policy document (${e.message}): a truncated answer, or a construct this action cannot read, so what runs before the Function cannot be judged`;
  }
}

/** The problem with a policy read's `properties.value`, or undefined when it is a `<root>` document (default `policies`). */
export function checkPolicyText(value: unknown, rootName: 'policies' | 'fragment' = 'policies'): string | undefined {
  if (typeof value !== 'string') return `properties.value is ${describe(value)}`;
  if (value.trim() === '') return 'properties.value is empty';
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.:-]*)/.exec(
    value.replace(/^\uFEFF/, '')
  );
  if (!root) return 'properties.value does not start with an XML element';
  if (root[1] !== rootName) return `properties.value has root <${root[1]}>, not <${rootName}>`;
  return undefined;
}

function sameResource(kind: ReadKind, actual: string, expected: string): boolean {
  const a = actual.toLowerCase().replace(/\/+$/, '');
  const e = expected.toLowerCase().replace(/\/+$/, '');
  if (kind === 'auth-settings-v2' || kind === 'auth-settings-v1') return a.startsWith(`${e.split('/config/')[0]}/`);
  return a === e;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? 'an empty object' : 'an object';
  return `a ${typeof v}`;
}

/**
 * Wraps `arm` so every read is checked with {@link checkRead} before it is returned; throws {@link ReadShapeError}
 * (an ActionError naming the resource, the request and what was missing) instead of returning a body the planner
 * cannot trust. Every other method (writes, list actions) is `arm`'s own, inherited unchanged. `ids`: the target's ARM IDs (TargetIds), for the `id` checks and the
 * messages. `siteName`: the site (or `site/slots/slot`) for messages.
 */
export function validatedArmPort(arm: ArmPort, ids: TargetIds, apimName: string, siteName: string): ArmPort {
  const checked = <T>(kind: ReadKind, what: string, request: string, id: string, body: T): T => {
    const problem = checkRead(kind, body, id);
    if (problem) throw new ReadShapeError(what, request, problem, id);
    return body;
  };
  // Every other method (writes, list actions) is inherited from `arm` unchanged.
  const wrapped: Partial<ArmPort> = {
    async getApimService() {
      const r = await arm.getApimService();
      checked('apim-service', `APIM service ${apimName}`, `GET ${ids.apim}`, ids.apim, r?.body);
      return r;
    },
    async getSite() {
      const r = await arm.getSite();
      checked('site', `Function App ${siteName}`, `GET ${ids.site}`, ids.site, r?.body);
      return r;
    },
    async getAuthSettingsV2() {
      const req = `GET ${ids.authSettingsV2}/list`;
      return checked(
        'auth-settings-v2',
        `Easy Auth of ${siteName}`,
        req,
        ids.authSettingsV2,
        await arm.getAuthSettingsV2()
      );
    },
    async getAuthSettingsV1() {
      const req = `POST ${ids.site}/config/authsettings/list`;
      const id = `${ids.site}/config/authsettings`;
      return checked('auth-settings-v1', `auth settings (v1) of ${siteName}`, req, id, await arm.getAuthSettingsV1());
    },
    async getApi(apiId: string) {
      const id = `${ids.apim}/apis/${apiId}`;
      const r = await arm.getApi(apiId);
      checked('api', `API ${apiId}`, `GET ${id}`, id, r?.body);
      return r;
    },
    async getApiPolicy(apiId: string): Promise<PolicyDocument | undefined> {
      const doc = await arm.getApiPolicy(apiId);
      if (doc === undefined) return undefined; // a 404: the API has no policy
      const id = `${ids.apim}/apis/${apiId}/policies/policy`;
      const problem = checkPolicyRead(doc, id);
      if (problem) throw new ReadShapeError(`policy of API ${apiId}`, `GET ${id}?format=rawxml`, problem, id);
      return doc;
    },
    ...pipelineReads(arm, ids),
    ...namedValueReads(arm, ids)
  };
  return Object.assign(Object.create(arm) as ArmPort, wrapped);
}

/** The validated reads of what runs around the API policy: operations, operation policies, fragments. */
function pipelineReads(
  arm: ArmPort,
  ids: TargetIds
): Pick<ArmPort, 'listApiOperations' | 'getOperationPolicy' | 'getPolicyFragment'> {
  return {
    async listApiOperations(apiId: string, maxItems?: number) {
      const id = `${ids.apim}/apis/${apiId}`;
      const r = await arm.listApiOperations(apiId, maxItems);
      const problem = !isPlainObject(r) ? `the answer is ${describe(r)}` : (r.invalid ?? checkOperations(r.value, id));
      if (problem) throw new ReadShapeError(`operations of API ${apiId}`, `GET ${id}/operations`, problem, id);
      return r;
    },
    async getOperationPolicy(apiId: string, operationId: string) {
      const doc = await arm.getOperationPolicy(apiId, operationId);
      if (doc === undefined) return undefined; // a 404: the operation has no policy
      const id = `${ids.apim}/apis/${apiId}/operations/${operationId}/policies/policy`;
      const problem = checkReadOnlyPolicy(doc, id, 'policies');
      const what = `policy of operation ${operationId} of API ${apiId}`;
      if (problem) throw new ReadShapeError(what, `GET ${id}?format=rawxml`, problem, id);
      return doc;
    },
    async getPolicyFragment(fragmentId: string) {
      const doc = await arm.getPolicyFragment(fragmentId);
      if (doc === undefined) return undefined; // a 404: no such fragment
      const id = `${ids.apim}/policyFragments/${fragmentId}`;
      const problem = checkReadOnlyPolicy(doc, id, 'fragment');
      if (problem) throw new ReadShapeError(`policy fragment ${fragmentId}`, `GET ${id}?format=rawxml`, problem, id);
      return doc;
    }
  };
}

/**
 * The problem with one named-value contract of a list or GET (apimnamedvalues.json 2024-05-01, NamedValueContract):
 * an object whose `properties` carry a `displayName` string and, unless it is secret or Key Vault-backed, a `value`
 * string (`requireValue`: a GET, which is only made for such a one). Pure.
 */
export function checkNamedValue(c: unknown, requireValue: boolean): string | undefined {
  if (!isPlainObject(c)) return `the contract is ${describe(c)}`;
  const p = c.properties;
  if (!isPlainObject(p)) return `properties is ${describe(p)}`;
  if (typeof p.displayName !== 'string' || p.displayName === '') return 'properties.displayName is missing';
  const hidden = p.secret === true || isPlainObject(p.keyVault);
  if (requireValue && !hidden && typeof p.value !== 'string') return 'properties.value is missing (not a secret)';
  return undefined;
}

/**
 * The validated named-value reads (present only when `arm` has them): every listed contract and a GET checked with
 * {@link checkNamedValue}; a listValue answer must carry its `value` string — a 200 without it is a broken answer,
 * never "the value cannot be read" (a refusal is a 4xx, which src/named-values.ts judges).
 */
function namedValueReads(
  arm: ArmPort,
  ids: TargetIds
): Pick<ArmPort, 'listNamedValues' | 'getNamedValue' | 'listNamedValueSecret'> {
  const out: Pick<ArmPort, 'listNamedValues' | 'getNamedValue' | 'listNamedValueSecret'> = {};
  const fail = (what: string, request: string, problem: string) => {
    throw new ReadShapeError(what, request, problem, ids.apim);
  };
  const list = arm.listNamedValues?.bind(arm);
  const get = arm.getNamedValue?.bind(arm);
  const secret = arm.listNamedValueSecret?.bind(arm);
  if (list) {
    out.listNamedValues = async (filter: string, maxItems?: number) => {
      const r = await list(filter, maxItems);
      const problem = Array.isArray(r)
        ? r.map((c, i) => checkNamedValue(c, false) && `item ${i + 1}: ${checkNamedValue(c, false)}`).find(Boolean)
        : `the answer is ${describe(r)}`;
      if (problem) fail(`named values (${filter})`, `GET ${ids.apim}/namedValues`, problem);
      return r;
    };
  }
  if (get) {
    out.getNamedValue = async (id: string) => {
      const r = await get(id);
      const problem = checkNamedValue(r?.body, true);
      if (problem) fail(`named value ${id}`, `GET ${ids.apim}/namedValues/${id}`, problem);
      return r;
    };
  }
  if (secret) {
    out.listNamedValueSecret = async (id: string) => {
      const r = await secret(id);
      if (typeof (r as Json | undefined)?.value !== 'string') {
        fail(`value of named value ${id}`, `POST ${ids.apim}/namedValues/${id}/listValue`, 'the answer has no value');
      }
      return r;
    };
  }
  return out;
}
