/**
 * Shared data shapes of apim-function-auth. Pure: no imports of @actions/* or network code.
 *
 * The flow (../shared/DESIGN.md §1): Settings → desired state → observe (ARM reads) → diff → Plan (data)
 * → check: report / apply: execute the Plan's writes → read back → smoke → render → publish.
 */

import type { RestoreReport, SnapshotReport } from './snapshot/schema.js';

/**
 * `apply` brings Azure to the desired state, `check` reports drift and changes nothing, `restore` puts back what a
 * snapshot of an earlier run holds (input `snapshot`; src/snapshot).
 */
export type Mode = 'apply' | 'check' | 'restore';
/**
 * The `mode` input: a reconcile mode, or `list` (validate the targets file and set the `matrix` output; no Azure
 * request). RunSettings keeps `mode` a reconcile mode and says `list` with `listOnly`.
 */
export type RunMode = Mode | 'list';
/**
 * What apply does when it fails after writes, or the smoke requests fail after apply (input `on-failure`): `keep` the
 * change (the Function stays closed to callers without APIM's token), or `restore` Easy Auth and the policies as
 * they were (availability first; the system-assigned identity is never removed).
 */
export type OnFailure = 'keep' | 'restore';
export type AllowedCallers = 'apim-only' | 'tenant';
export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';
/**
 * How the action signs in (input `auth-type`): `oidc` exchanges the job's GitHub OIDC token for an Entra token
 * (federated credential); `azure-cli` reuses the Azure CLI session of an earlier step (azure/login, `az login`).
 */
export type AuthType = 'oidc' | 'azure-cli';
/**
 * When the sticky PR comment is posted (input `pr-comment`): `always` (alias `true`), `on-change` (only when the run
 * has drift, changes, a failure or a failed smoke check — and to update an earlier comment once the run is clean),
 * `never` (alias `false`).
 */
export type PrCommentMode = 'always' | 'on-change' | 'never';

/** Endpoints of one Azure cloud (or an override such as Azure Stack or the local twin). */
export interface CloudEndpoints {
  /** e.g. https://management.azure.com (no trailing slash) */
  armEndpoint: string;
  /** token scope for ARM, e.g. https://management.azure.com/.default */
  armScope: string;
  /** e.g. https://login.microsoftonline.com (no trailing slash) */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com (no trailing slash) */
  graphEndpoint: string;
  /** token scope for Microsoft Graph, e.g. https://graph.microsoft.com/.default */
  graphScope: string;
}

/**
 * Run-level settings (DESIGN §1): sign-in, cloud, mode and publishing — one per run, whatever the number of targets.
 * Built from the step's inputs (src/inputs).
 */
export interface RunSettings {
  clientId: string;
  tenantId: string;
  environment: CloudName;
  endpoints: CloudEndpoints;
  /** GitHub OIDC audience; default: the one of `environment` (src/azure/clouds.ts `defaultAudience`). */
  audience: string;
  /** How to sign in (input `auth-type`; readSettings always sets it); absent: `oidc`. */
  authType?: AuthType;
  mode: Mode;
  failOnDrift: boolean;
  githubToken?: string;
  /** False only for `pr-comment: never` (or `false`); see `prCommentMode` for when a comment is posted. */
  prComment: boolean;
  /** The `pr-comment` input as parsed (readSettings always sets it); absent: `prComment` alone decides. */
  prCommentMode?: PrCommentMode;
  /** Input `drift-issue`: keep one GitHub issue open while a check on a non-PR event finds drift. Absent: false. */
  driftIssue?: boolean;
  /** Input `drift-issue-labels`: labels added to the drift issue (readSettings always sets it; `[]` when none). */
  driftIssueLabels?: string[];
  /**
   * Non-fatal findings about the inputs, for the log (readSettings always sets it; `[]` when none): e.g. an
   * excluded path that covers the smoke path or every function, an API ID listed twice.
   */
  warnings?: string[];
  /** `mode: list`: validate the targets file and set the `matrix` output only (then `mode` is `check`). */
  listOnly?: boolean;
  /** Input `targets`: the targets file, relative to the workspace (as given); absent: one target from the step. */
  targetsFile?: string;
  /** Input `target`: the names of the targets file's targets to run (`[]` or absent: all of them). */
  targetFilter?: string[];
  /** Input `max-parallel`: targets reconciled at the same time (readRunSettings sets it; absent: 4). */
  maxParallel?: number;
  /** Input `arm-max-in-flight`: ARM requests in flight per subscription, all targets together (absent: 16). */
  armMaxInFlight?: number;
}

/**
 * One reconcile target (DESIGN §1): one APIM service + its APIs + one Function App (or slot), with its per-target
 * inputs. From the step's inputs, or (later) one entry of a targets file; `reconcileTarget` takes it unchanged.
 */
export interface TargetSpec {
  subscriptionId: string;
  apimName: string;
  apimResourceGroup: string;
  apiIds: string[];
  functionAppName: string;
  functionAppResourceGroup: string;
  functionAppSlot?: string;
  /** The Function's app registration client ID; undefined → taken from the site's existing Easy Auth. */
  appClientId?: string;
  /**
   * The policy's `resource`; undefined → the (resolved) app client ID. Given as `{{name}}`, it is a named value:
   * reconcileTarget resolves it (src/token-resource.ts) to its value here and keeps the reference in
   * `tokenResourceRef`.
   */
  tokenResource?: string;
  /** The `{{name}}` reference token-resource was given as: what the policy's `resource` says (APIM substitutes it). */
  tokenResourceRef?: string;
  /** Issuer used only when the Azure AD provider is created from scratch. */
  openIdIssuer?: string;
  apimIdentityClientId?: string;
  allowedCallers: AllowedCallers;
  excludedPaths: string[];
  smoke: SmokeSettings;
  /** Input `on-failure`; absent: `keep`. */
  onFailure?: OnFailure;
  /** Input `snapshot`: the snapshot file `mode: restore` restores (absent otherwise). */
  snapshotPath?: string;
}

/**
 * The settings of a one-target run: run-level and target-level settings together, as readSettings builds them from
 * the step's inputs (see src/inputs). Code that needs only one side takes RunSettings or TargetSpec.
 */
export type Settings = RunSettings & TargetSpec;

export interface SmokeSettings {
  /** Path under the API ('' → smoke skipped). Starts with '/'. */
  path: string;
  method: string;
  /** Exact status (e.g. 200) or a class such as '2xx'. */
  expectedStatus: string;
  /** Whole budget for propagation, in seconds. */
  timeoutSeconds: number;
  /** Secret; masked. */
  subscriptionKey?: string;
  /** APIM subscription whose key is fetched through ARM listSecrets when needed (default 'master'). */
  subscriptionName: string;
}

/** ARM resource IDs of one reconcile target (one APIM service + its APIs + one Function App or slot). */
export interface TargetIds {
  apim: string;
  apis: Record<string, string>;
  site: string;
  authSettingsV2: string;
}

export type ResourceKind = 'apim-identity' | 'easy-auth' | 'api-policy';

/** One owned field that differs between actual and desired state. */
export interface FieldChange {
  /** Dotted path of the owned field, e.g. `identity.type`, `globalValidation.requireAuthentication`, `policy.resource`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** The one write that brings a resource to its desired state (executed by src/apply.ts). */
export type Write =
  | {
      op: 'patch-apim-identity';
      /** Exactly the PATCH body: `{ identity: { type, userAssignedIdentities?: { [armId]: {} } } }`. */
      body: { identity: { type: string; userAssignedIdentities?: Record<string, Record<string, never>> } };
    }
  | {
      op: 'put-authsettings-v2';
      /** The whole authsettingsV2 resource body to PUT (read, merged in owned paths only). */
      body: Record<string, unknown>;
      /** Owned paths this write changes (the read-back must match them, and differ from the read only there). */
      ownedPaths: string[];
    }
  | {
      op: 'put-api-policy';
      apiId: string;
      /** Policy document text in `rawxml` format (the format it was read in). */
      value: string;
      format: 'rawxml';
      /** ETag of the policy that was read ('*' when creating a policy that did not exist). */
      ifMatch: string;
    };

/** What the plan says about one resource. `changes` empty → in sync, and `write` is absent. */
export interface ResourcePlan {
  kind: ResourceKind;
  /** ARM resource ID. */
  resourceId: string;
  /** Human label, e.g. `APIM apim-x identity`, `Easy Auth func-x`, `API policy orders`. */
  label: string;
  changes: FieldChange[];
  write?: Write;
  /** Facts worth reporting, e.g. `preserved 1 user-assigned identity`. */
  notes: string[];
  /** Set when this resource cannot be reconciled (e.g. unparsable policy): nothing is written for it. */
  error?: string;
  /**
   * The write needs a value known only after an earlier write (e.g. APIM's `principalId` once the system identity
   * exists): apply re-derives it with the same pure planning function after that resource is applied.
   */
  deferredUntil?: ResourceKind;
}

/** What a security lint finding is about (see LintFinding). */
export type LintRule =
  'ignore-error' | 'token-exposed' | 'groups-with-identities' | 'excluded-path-covers-api' | 'anonymous-allowed';

/**
 * One security lint finding: a warning with its fix, shown in its own section of the report. Lint never fails a
 * check by itself.
 */
export interface LintFinding {
  rule: LintRule;
  /** What it is about, e.g. `API policy orders, line 4`, `Easy Auth func-x`. */
  where: string;
  /** What is wrong and why it matters (no trailing period). */
  message: string;
  /** How to fix it (no trailing period). */
  fix: string;
  /** The resource whose planned write fixes it: once that write is verified, the report leaves it out. */
  fixedBy?: ResourceKind;
}

/** The plan is data: rendered for humans, and the exact list of writes `apply` executes, in order. */
export interface Plan {
  resources: ResourcePlan[];
  /** Non-fatal findings (input hygiene, what was left alone, what could not be judged). */
  warnings: string[];
  /** Security lint (warnings with the fix; their own report section); absent: none. */
  lint?: LintFinding[];
  /** The facts the plan was built from, for the report. */
  facts: PlanFacts;
}

export interface PlanFacts {
  apimPrincipalId?: string;
  apimIdentityClientId?: string;
  appClientId?: string;
  tokenResource?: string;
  /** Audiences Easy Auth accepts after the plan (clientId + allowedAudiences). */
  effectiveAudiences: string[];
  excludedPaths: string[];
  openIdIssuer?: string;
  gatewayUrl?: string;
  defaultHostName?: string;
}

export type SmokeCheckName = 'gateway' | 'direct-no-token' | 'direct-foreign-token';

export interface SmokeCheckResult {
  name: SmokeCheckName;
  /** What was expected, e.g. `200`, `2xx`, `401 (Easy Auth)`, `403`. */
  expected: string;
  /** What was last seen, e.g. `200`, `401 (Bearer challenge)`, `302 → login`, `timed out after 15 s`, `network error`. */
  got: string;
  passed: boolean;
  attempts: number;
  /** Wall time spent on this check, in seconds. */
  seconds: number;
  /** A message a person can act on when the check failed (classified from status, headers, body). */
  diagnosis?: string;
  /** Which layer answered: `apim`, `easy-auth`, `function-key`, `function`. */
  layer?: string;
  /** The APIM API ID the check ran for (gateway checks; direct checks name the first API sharing the backend). */
  api?: string;
}

export interface SmokeReport {
  result: 'passed' | 'failed' | 'skipped';
  checks: SmokeCheckResult[];
  notes: string[];
}

export type Verdict = 'in-sync' | 'drift' | 'applied' | 'failed' | 'restored';

/**
 * What became of one resource in apply (src/apply.ts WriteState, plus `not-attempted` after an earlier failure):
 * the report, the `changes` output and the failure text all derive from these.
 */
export type AppliedState = 'verified' | 'in-sync' | 'written-unverified' | 'unknown' | 'not-written' | 'not-attempted';

/** The target a report is about: names for the reader, and where they live (`scope`) to tell configurations apart. */
export interface ReportTarget {
  apim: string;
  apis: string[];
  functionApp: string;
  /**
   * Where the names live, when the run got that far (reconcileTarget sets it): two configurations with the same names
   * in another subscription, resource group or slot are other targets (the drift issue's marker carries it).
   */
  scope?: { subscriptionId: string; apimResourceGroup: string; functionAppResourceGroup: string; slot?: string };
}

/** Everything the report renders. Secrets never enter this object. */
export interface RunReport {
  mode: Mode;
  verdict: Verdict;
  target: ReportTarget;
  plan?: Plan;
  /** In apply mode: which resources were written (label), and which were not. */
  applied: { label: string; ok: boolean; state?: AppliedState; detail?: string }[];
  smoke?: SmokeReport;
  warnings: string[];
  /** The failure message when verdict is `failed`. */
  error?: string;
  /**
   * True when the run stopped after the plan was built and before any write (a plan blocker, Easy Auth managed by a
   * file, an API whose backend is not the Function App, a pre-flight, the smoke requests' context): the plan is shown
   * marked not applied, and `error` says why.
   */
  stoppedBeforeWrites?: boolean;
  durationSeconds: number;
  /** Where the run can be seen, for the report's footer (set by the publisher on a runner; absent elsewhere). */
  source?: RunSource;
  /** The snapshot taken before the first write (apply with writes), or restored from (`mode: restore`). */
  snapshot?: SnapshotReport;
  /** What a restore did (`on-failure: restore` after a failure, or `mode: restore`), per resource. */
  restore?: RestoreReport;
}

/**
 * The GitHub Actions run and commit a report belongs to, from the runner's default variables (GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_SHA). Each field is absent when its variables are not set.
 */
export interface RunSource {
  /** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}` */
  runUrl?: string;
  /** GITHUB_RUN_ID */
  runId?: string;
  /** GITHUB_SHA (the full commit SHA). */
  commit?: string;
  /** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}` */
  commitUrl?: string;
}
