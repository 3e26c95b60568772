/**
 * The local Azure twin: shared internal contract between its parts (control plane, data plane, policy text).
 * The external contract (CLI, ready line, state file, admin API) is fixed in ../shared/DESIGN.md §4.
 */

export type Json = Record<string, unknown>;

/** State file, `version: 1` (DESIGN §4). Resource bodies are exactly as ARM GET returns them. */
export interface TwinState {
  version: 1;
  tenantId: string;
  subscriptionId: string;
  workflowIdentity: {
    clientId: string;
    objectId: string;
    /** e.g. `repo:octo/app:pull_request`, `repo:octo/app:ref:refs/heads/main` */
    federatedSubjects: string[];
    /** ARM ID prefixes the identity may write under (case-insensitive); reads are allowed anywhere in the subscription. */
    scopes: string[];
    /** May read service principals through Microsoft Graph. */
    graphRead?: boolean;
  };
  appRegistrations: {
    appId: string;
    objectId: string;
    identifierUris: string[];
    /** null|1 → v1 access tokens (iss https://sts.windows.net/{tid}/, aud = requested resource string); 2 → v2 (iss https://login.microsoftonline.com/{tid}/v2.0, aud = appId). */
    requestedAccessTokenVersion: null | 1 | 2;
    displayName?: string;
  }[];
  /** Service principals of managed identities created by the twin (system-assigned on APIM) and pre-seeded ones. */
  servicePrincipals?: { id: string; appId: string; displayName?: string; kind?: 'managedIdentity' | 'application' }[];
  /**
   * ARM resource ID → body as ARM GET returns it. Policies (global `service/{s}/policies/policy`, product, API and
   * operation scope) are `{properties: {format: "rawxml", value}}`; policy fragments (`service/{s}/policyFragments/{id}`)
   * are `{properties: {format: "rawxml", value: "<fragment>…</fragment>", description?}}`; operations
   * (`…/apis/{api}/operations/{op}`) carry `properties.method` and `properties.urlTemplate`; named values
   * (`service/{s}/namedValues/{id}`) carry `properties.displayName` and either `value` (+ `secret`) or
   * `keyVault: {secretIdentifier, identityClientId?, lastStatus?}` (no `value`). See emulator/README.md "State".
   */
  resources: Record<string, Json>;
  /**
   * The twin's Azure Key Vault: secret identifier (`https://{vault}.vault.azure.net/secrets/{name}[/{version}]`) →
   * secret value. A Key Vault–backed named value resolves only when its `keyVault.secretIdentifier` is here (and the
   * identity it names is on the APIM service); otherwise `listValue` fails and the gateway cannot run a policy that
   * uses it. Default: empty (no Key Vault secret resolves).
   */
  keyVaultSecrets?: Record<string, string>;
  /** site ARM ID → function routes (path is the full path, e.g. `/api/orders`). */
  functionRoutes: Record<string, FunctionRoute[]>;
  /** site ARM ID → host keys accepted by authLevel=function routes (x-functions-key header or ?code=). */
  functionKeys?: Record<string, string[]>;
  github: {
    repository: string;
    eventName: string;
    pullRequestNumber?: number;
    /** `owner/name` of the PR head; differs from `repository` for a fork PR. */
    headRepository?: string;
    /**
     * Issue comments. `issueNumber` absent: on the pull request (`pullRequestNumber`), as before issues were modelled;
     * otherwise on that issue of `issues`.
     */
    comments: { id: number; body: string; user?: string; issueNumber?: number }[];
    /** When false, comment writes answer 403 (a token without `pull-requests: write`). Default true. */
    tokenCanWrite?: boolean;
    /**
     * Issues (not pull requests). Numbers share one sequence with the pull request's, as on GitHub (REST "Issues":
     * "GitHub's REST API considers every pull request an issue"). `user` (the author's login) defaults to
     * `github-actions[bot]`; `stateReason` is `completed`, `not_planned`, `duplicate`, `reopened` or absent.
     */
    issues?: GitHubIssue[];
    /**
     * When false, issue writes (create, update, labels, comments on an issue) answer 403 "Resource not accessible by
     * integration" (a GITHUB_TOKEN without `issues: write`). Default: `tokenCanWrite`.
     */
    tokenCanWriteIssues?: boolean;
  };
  behaviour: {
    /** Delay (ms) after an authsettingsV2 write before the Function host applies it. */
    authPropagationMs?: number;
    /**
     * Number of "still running" answers an APIM PUT/PATCH long-running operation gives on each URL a client may poll
     * (the Azure-AsyncOperation URL, the Location URL, GET of the resource itself) before it completes. Default 1.
     */
    lroPolls?: number;
    /** The operation also completes this many ms after the PUT/PATCH, whichever comes first. Default: never by time. */
    lroMs?: number;
    /** `Retry-After` (seconds) on the 202 and on every "still running" poll answer. Default: no header. */
    lroRetryAfterSeconds?: number;
    /**
     * Page size of APIM collection lists (`…/apis`, `…/operations`, `…/namedValues`, `…/policyFragments`, …): a longer
     * list answers this many items and a `nextLink` (`$top`/`$skip`). Default 100.
     */
    listPageSize?: number;
    /**
     * Refuse a policy/fragment PUT that names a `{{x}}` no named value has (400 ValidationError "Cannot find a property
     * 'x'", as APIM does). Default false: the policy corpus round trip writes documents without seeding their named
     * values. The effective-* scenarios turn it on.
     */
    namedValueRefsOnSave?: boolean;
  };
}

/** One issue of the twin's repository (state file `github.issues`). */
export interface GitHubIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  user?: string;
  stateReason?: 'completed' | 'not_planned' | 'duplicate' | 'reopened';
}

export interface FunctionRoute {
  path: string;
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
  status: number;
  body: unknown;
}

/** One HTTP request as the data plane sees it. Header names are lower-case. */
export interface TwinRequest {
  method: string;
  /** Path + query, e.g. `/orders/ping?x=1` */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface TwinResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Claims of an Entra-like access token issued by the twin. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid?: string;
  azp?: string;
  oid: string;
  sub: string;
  ver: '1.0' | '2.0';
  iat: number;
  nbf: number;
  exp: number;
  idtyp?: 'app' | 'user';
}

/** The tenant services the data plane needs (implemented by the control plane: emulator/src/tenant.ts). */
export interface TenantServices {
  tenantId: string;
  /**
   * Issues an access token for a service principal (by its appId/object ID) to `resource`, the way Entra would:
   * resolves `resource` against appRegistrations (appId, identifierUris), picks v1/v2 from
   * requestedAccessTokenVersion. Returns `{error}` with an AADSTS500011-style message when the resource is unknown.
   */
  issueAccessToken(
    caller: { appId: string; objectId: string },
    resource: string
  ): Promise<{ token: string } | { error: string; code: string }>;
  /** Verifies signature and lifetime of a twin-issued token; returns its claims, or undefined when invalid. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined>;
}

/** One API operation as the gateway matches it (ARM `…/apis/{api}/operations/{op}`). */
export interface GatewayOperation {
  /** Operation ID (the ARM resource name), e.g. `get-order`. */
  name: string;
  /** HTTP method, upper-case (`GET`). */
  method: string;
  /** `properties.urlTemplate`, e.g. `/orders/{id}` (query part ignored for matching). */
  urlTemplate: string;
  /** Operation-scope policy raw text, if any. */
  policyRaw?: string;
}

/** One active APIM subscription as the gateway sees it. */
export interface GatewaySubscription {
  /** ARM resource name (`master`, `sub-1`). */
  name: string;
  /** `properties.scope`: `/apis`, `/apis/{api}`, `/products/{product}` (relative or full ARM ID). */
  scope: string;
  primaryKey?: string;
  secondaryKey?: string;
}

/** A named value as the gateway substitutes it: its value, or why the twin cannot resolve it (Key Vault). */
export type GatewayNamedValue = { value: string } | { unresolved: string };

/** What the gateway handler needs from the twin for one APIM service. */
export interface GatewayContext {
  tenant: TenantServices;
  /** The APIM service ARM body (identity, gatewayUrl as stored). */
  service: Json;
  serviceId: string;
  /**
   * APIs of this service (ARM ID → body), their policies (raw text) and operations. `operations` undefined = not
   * modelled (any method and path under the API matches, as the twin did before operations); `[]` = none, so every
   * request to the API is 404 as in APIM.
   */
  apis: { id: string; body: Json; policyRaw?: string; operations?: GatewayOperation[] }[];
  /** Global (service-level) policy raw text, if any; `<base />` in an API policy runs it. */
  globalPolicyRaw?: string;
  /** All subscription keys (primary and secondary) of active subscriptions of this service. */
  subscriptionKeys: string[];
  /** Active subscriptions with their scope (for the product scope and `context.Subscription`). Optional. */
  subscriptions?: GatewaySubscription[];
  /** Product ID (ARM name) → product-scope policy raw text (only products that have a policy). Optional. */
  productPolicies?: Record<string, string>;
  /** Policy fragment ID (ARM name) → raw text (`<fragment>…</fragment>`). Optional. */
  fragments?: Record<string, string>;
  /**
   * Named values by display name and by resource name → value, or the reason the twin cannot resolve it (a Key
   * Vault–backed value whose secret is not in `keyVaultSecrets`). Optional; supersedes `GatewayExtras.namedValues`.
   */
  namedValueEntries?: Record<string, GatewayNamedValue>;
  /** Forwards to a backend URL (serviceUrl + path) — the twin resolves hostnames to its own listeners. */
  forward(req: { method: string; url: string; headers: Record<string, string>; body: Buffer }): Promise<TwinResponse>;
}

/** What the Function host handler needs. */
export interface FunctionHostContext {
  tenant: TenantServices;
  siteId: string;
  /** The authsettingsV2 resource body currently in effect on the workers (after propagation delay). */
  authSettingsV2?: Json;
  routes: FunctionRoute[];
  functionKeys: string[];
}

/** Data-plane entry points (emulator/src/dataplane/*.ts). */
export type GatewayHandler = (ctx: GatewayContext, req: TwinRequest) => Promise<TwinResponse>;
export type FunctionHostHandler = (ctx: FunctionHostContext, req: TwinRequest) => Promise<TwinResponse>;

/**
 * APIM policy text handling inside the twin (emulator/src/policy-text.ts), as APIM does it:
 * - `parsePolicyText(raw)` parses the tolerant `rawxml` form (expressions `@(...)`/`@{...}` may hold raw `"`, `<`, `&`);
 *   throws `Error` with line/column for a document APIM would reject (400 ValidationError).
 * - `toXmlFormat(raw)` → the `format=xml` view (expressions entity-escaped; well-formed XML).
 * - `fromXmlFormat(xml)` → raw text from an `xml`-format write (must be well-formed XML; entities in expressions decoded).
 * - `normalizeOnSave(raw)` → the text APIM stores (CRLF→LF, tabs→4 spaces, `<x/>`→`<x />`), semantics unchanged.
 */
export interface PolicyElement {
  name: string;
  /** Attribute values decoded as APIM sees them (expressions verbatim). */
  attributes: Record<string, string>;
  children: PolicyNode[];
}
export type PolicyNode =
  | { type: 'element'; element: PolicyElement }
  | { type: 'text'; text: string }
  | { type: 'comment'; text: string }
  | { type: 'cdata'; text: string };
