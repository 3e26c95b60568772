/**
 * The small interfaces that side effects sit behind (ARM, Microsoft Graph, HTTP for smoke, GitHub, logging).
 * Pure modules take these as arguments; tests hand in the real adapters against the twin, or plain objects.
 * Bodies are plain JSON exactly as ARM returns them (no SDK model mapping), so no field is ever dropped.
 */
import type { Snapshot } from './snapshot/schema.js';

/** A JSON body plus the ETag ARM returned for it (if any). */
export interface Etagged<T> {
  body: T;
  etag?: string;
}

export type Json = Record<string, unknown>;

/** APIM policy document as read with `format=rawxml`. */
export interface PolicyDocument {
  value: string;
  format: 'rawxml';
  etag?: string;
  /** The body's `id` and `type` as ARM sent them (reads only), so a body of another resource can be refused. */
  id?: unknown;
  type?: unknown;
  /**
   * The body's `properties.format` as ARM sent it, when it sent one (operation policies and fragments only): a read
   * asked for `rawxml`, so any other format means the text is not what the checks assume.
   */
  servedFormat?: unknown;
}

/** ARM reads and writes for one reconcile target. Every method throws `ArmError` on a non-2xx answer. */
export interface ArmPort {
  /** GET Microsoft.ApiManagement/service/{name} (api-version 2024-05-01). */
  getApimService(): Promise<Etagged<Json>>;
  /**
   * PATCH Microsoft.ApiManagement/service/{name} with exactly `body` and wait for the long-running operation to
   * complete. Reading the result back is the caller's (a separate `getApimService`). A failure after ARM accepted the
   * PATCH (202; a poll failed or timed out) throws an ArmError with `accepted: true`: the operation may still complete.
   */
  patchApimService(body: Json): Promise<void>;
  /** GET .../apis/{apiId}. */
  getApi(apiId: string): Promise<Etagged<Json>>;
  /** GET .../apis/{apiId}/policies/policy?format=rawxml; undefined when the API has no policy (404). */
  getApiPolicy(apiId: string): Promise<PolicyDocument | undefined>;
  /** PUT .../apis/{apiId}/policies/policy with `{properties:{format:'rawxml', value}}` and `If-Match`. */
  putApiPolicy(apiId: string, value: string, ifMatch: string): Promise<PolicyDocument>;
  /**
   * DELETE .../apis/{apiId}/policies/policy with `If-Match` (REST ApiPolicy_Delete, api-version 2024-05-01: If-Match
   * required; 200 or 204). Used only by a restore, to remove a policy this action created. Optional only so that
   * older plain-object fakes still type-check: without it, such a policy is not restored (the report says so).
   */
  deleteApiPolicy?(apiId: string, ifMatch: string): Promise<void>;
  /**
   * GET .../apis/{apiId}/operations (REST ApiOperation_ListByApi, api-version 2024-05-01, x-ms-pageable with
   * `nextLink`; Azure/azure-rest-api-specs apimanagement/…/stable/2024-05-01/apimapis.json, example
   * ApiManagementListApiOperations.json): every page, at most `maxItems` contracts (default 2000) —
   * `{id, type, name, properties: {displayName, method, urlTemplate, …}}` exactly as ARM returns them. `truncated`:
   * more operations exist than were read (the caller must not judge the API as complete); `invalid`: a page came
   * without a `value` array (said in words; src/azure/validated-arm.ts refuses such a read).
   */
  listApiOperations(apiId: string, maxItems?: number): Promise<{ value: Json[]; truncated: boolean; invalid?: string }>;
  /**
   * GET .../apis/{apiId}/operations/{operationId}/policies/policy?format=rawxml (REST ApiOperationPolicy_Get,
   * 2024-05-01; the text as authored, DESIGN §3); undefined when the operation has no policy (404). Read only: the
   * action never writes an operation policy.
   */
  getOperationPolicy(apiId: string, operationId: string): Promise<PolicyDocument | undefined>;
  /**
   * GET .../service/{name}/policyFragments/{id}?format=rawxml (REST PolicyFragment_Get, 2024-05-01,
   * apimpolicyfragments.json, example ApiManagementGetPolicyFragmentFormat.json: `properties.value` is the
   * `<fragment>…</fragment>` text, `properties.format` `rawxml`); undefined on 404. Read only.
   */
  getPolicyFragment(fragmentId: string): Promise<PolicyDocument | undefined>;
  /** GET Microsoft.Web/sites/{name} (or the slot). */
  getSite(): Promise<Etagged<Json>>;
  /** GET .../config/authsettingsV2/list — the whole Easy Auth document. */
  getAuthSettingsV2(): Promise<Json>;
  /** PUT .../config/authsettingsV2 (replaces the whole document); returns the response body. */
  putAuthSettingsV2(body: Json): Promise<Json>;
  /** POST .../config/authsettings/list — v1 settings; `properties.configVersion` tells v1 from v2. */
  getAuthSettingsV1(): Promise<Json>;
  /** POST .../subscriptions/{sid}/listSecrets → `{primaryKey, secondaryKey}`. */
  listSubscriptionSecrets(subscriptionName: string): Promise<{ primaryKey?: string; secondaryKey?: string }>;
  /**
   * GET .../service/{name}/namedValues?$filter=… (REST NamedValue_ListByService, api-version 2024-05-01;
   * Azure/azure-rest-api-specs apimanagement/…/stable/2024-05-01/apimnamedvalues.json: `$filter` on `displayName`
   * with eq/ne/…/substringof/contains/startswith/endswith), following `nextLink`, at most `maxItems` contracts
   * (default 100) — `{id, name, properties: {displayName, value?, secret, keyVault?}}` exactly as ARM returns them.
   * A secret (or Key Vault-backed) named value comes without `value`. Optional only so that older plain-object fakes
   * still type-check: without it, named values are never resolved (src/named-values.ts reports them unresolved).
   */
  listNamedValues?(filter: string, maxItems?: number): Promise<Json[]>;
  /** GET .../namedValues/{namedValueId} (REST NamedValue_Get): the contract, "No secrets included". Optional as above. */
  getNamedValue?(namedValueId: string): Promise<Etagged<Json>>;
  /**
   * POST .../namedValues/{namedValueId}/listValue (REST NamedValue_ListValue) → `{value}`: the value of a secret or
   * Key Vault-backed named value. Never logged. Optional as above.
   */
  listNamedValueSecret?(namedValueId: string): Promise<{ value?: string }>;
  /**
   * Runs `f` while no other target of the run reads-and-updates this APIM service (a run over a targets file: the
   * lock is per service; absent for a single target). The identity's re-read, PATCH and read-back run inside it, so a
   * target sharing the service sees an earlier target's PATCH instead of sending its own from a stale read.
   */
  exclusiveApimUpdate?<T>(f: () => Promise<T>): Promise<T>;
  /**
   * Starts loading what patchApimService needs (the typed APIM client, a chunk of dist/ of its own: src/azure/
   * arm-pipeline.ts) and returns at once, so that it compiles while the run waits on the network before the PATCH.
   * Never throws: a failed load is not remembered, and the PATCH meets (and reports) it. Optional: a port with nothing
   * to load leaves it out.
   */
  prepareApimUpdate?(): void;
}

/** Microsoft Graph: service principal lookup (needs Application.Read.All or Directory.Read.All). */
export interface GraphPort {
  /** GET /v1.0/servicePrincipals/{objectId} → `{id, appId}`; throws `GraphError` (status 403 when refused). */
  getServicePrincipal(objectId: string): Promise<{ id: string; appId: string }>;
}

/** One HTTP exchange for smoke requests. Redirects are never followed. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Body text, truncated to a few KiB. */
  body: string;
}

export interface HttpPort {
  /**
   * Sends one request; rejects only on network errors and timeouts. `redirect: manual` always. `timeoutMs`
   * (milliseconds, optional): the whole exchange (headers and body) must finish within it, else the promise rejects
   * with a `TimeoutError` (a DOMException named `TimeoutError`, as `AbortSignal.timeout` gives); absent → the
   * adapter's default.
   */
  request(req: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    timeoutMs?: number;
  }): Promise<HttpResponse>;
}

/** Obtains access tokens as the workflow identity (for the foreign-token smoke check). */
export interface TokenPort {
  /** Returns a bearer token for `scope` (e.g. `<appClientId>/.default`). Never logged. */
  getToken(scope: string): Promise<string>;
}

/**
 * GitHub issue comments for the sticky PR comment (REST "Issue comments"; a pull request is an issue here). Every
 * method rejects with GitHub's error (octokit's RequestError carries `status`: 403 "Resource not accessible by
 * integration", 404, 422, …).
 */
export interface GitHubPort {
  /**
   * Every comment of the issue, all pages, oldest first (ids grow with creation time), with its author (`user.login`
   * and `user.type`: `Bot` for github-actions[bot] and apps) when the adapter knows it.
   */
  listComments(
    issueNumber: number
  ): Promise<{ id: number; body: string; url?: string; author?: { login: string; type?: string } }[]>;
  /**
   * The login the token acts as (GET /user), or undefined when GitHub does not say (an installation token such as
   * GITHUB_TOKEN gets 403 there: its comments are authored by a Bot).
   */
  whoAmI?(): Promise<string | undefined>;
  /** Creates a comment; resolves with its id (adapters that cannot tell resolve with nothing). */
  createComment(issueNumber: number, body: string): Promise<{ id: number; url?: string } | void>;
  updateComment(commentId: number, body: string): Promise<void>;
  /**
   * Deletes a comment (DELETE /repos/{o}/{r}/issues/comments/{id}, 204). A comment that is already gone rejects with
   * status 404; callers that only want it gone treat that as done (the sticky comment removes duplicates that
   * concurrent runs left with it).
   */
  deleteComment(commentId: number): Promise<void>;
}

/** One issue as {@link IssuesPort} gives it (REST schema "issue": `number`, `title`, `body`, `state`, `labels[].name`). */
export interface IssueItem {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  /** `html_url`. */
  url?: string;
  /** `user.login` and `user.type` (`Bot` for github-actions[bot] and apps). */
  author?: { login: string; type?: string };
}

/**
 * GitHub issues for the drift issue (REST "Issues" and "Labels"; the closing note through "Create an issue comment").
 * Every method rejects with GitHub's error (octokit's RequestError carries `status`: 403 "Resource not accessible by
 * integration" for a GITHUB_TOKEN without `issues: write`, 404, 410 when issues are disabled, 422).
 */
export interface IssuesPort {
  /** Every open issue of the repository, all pages; pull requests (items with a `pull_request` key) left out. */
  listOpenIssues(): Promise<IssueItem[]>;
  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<IssueItem>;
  /** PATCH the issue: only the fields given. `stateReason` only with `state` (GitHub ignores it otherwise). */
  updateIssue(
    issueNumber: number,
    patch: { title?: string; body?: string; state?: 'open' | 'closed'; stateReason?: 'completed' | 'not_planned' }
  ): Promise<IssueItem>;
  /** Adds labels to the issue's existing ones (never removes one). */
  addLabels(issueNumber: number, labels: string[]): Promise<void>;
  /** Comments on the issue. */
  createComment(issueNumber: number, body: string): Promise<void>;
  /** The login the token acts as (GET /user), or undefined when GitHub does not say (GITHUB_TOKEN). */
  whoAmI?(): Promise<string | undefined>;
}

/**
 * Where a target's snapshot lives (src/snapshot): one file per target, replaced on every save. The runner's adapter
 * (src/snapshot/file.ts) writes under RUNNER_TEMP and scrubs the run's secrets first; tests may keep it in memory.
 */
export interface SnapshotStore {
  /** Writes (replaces) the snapshot of its target; resolves with the file's path and the JSON text written. */
  save(snapshot: Snapshot): Promise<{ path: string; json: string }>;
  /** Reads the file at `path` and parses it as JSON, unvalidated (parseSnapshot checks it); throws ActionError. */
  load(path: string): Promise<unknown>;
}

/** Logging as the action does it (grouped, masked). */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Runs `f` inside a collapsible log group named `name` (the runner's `::group::`); absent: no groups. */
  group?<T>(name: string, f: () => Promise<T>): Promise<T>;
}

/**
 * What an ArmError's message ends with when a write was refused after an earlier attempt of it ended without a
 * clear answer (the ARM transport, src/azure/arm-transport.ts): its outcome is unknown, and the message says so.
 */
export const EARLIER_ATTEMPT_NOTE =
  '(after an earlier attempt that failed without a clear answer and may have been applied)';

/** An ARM error with the HTTP status and ARM's `error.code`. */
export class ArmError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (timeout, network error). */
    readonly status: number,
    /** ARM's `error.code`; for status 0, `Timeout` or the transport error's code (e.g. `ECONNRESET`). */
    readonly code: string | undefined,
    readonly url: string,
    /**
     * True when the write may have been applied before the failure — ARM had accepted it (202), or an earlier attempt
     * of the same request ended without a clear answer before this refusal: its outcome is unknown.
     */
    readonly accepted = false
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

/** A Microsoft Graph error with HTTP status and `error.code`. */
export class GraphError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined
  ) {
    super(message);
    this.name = 'GraphError';
  }
}
