/**
 * Reconciles one target (DESIGN §1): observe → Plan (data) → check: report, fail on drift | apply: snapshot, execute
 * the plan through the reconcilers, read back → smoke → (on-failure: restore) → report; `mode: restore` puts a
 * snapshot back instead (src/snapshot). Check mode is decided here, once. `reconcileTarget` is a
 * self-contained unit for one APIM service + its APIs + one Function App, so a loop or a matrix job runs it
 * unchanged; its side effects are the ports handed in (src/ports.ts), so tests drive it in-process.
 */
import { applyPlan, describeOutcome, outcomeHint, type ApplyOutcome, type WriteBasis } from './apply.js';
import { targetResourceIds } from './azure/arm.js';
import { validatedArmPort } from './azure/validated-arm.js';
import { checkBackends } from './backend.js';
import { ActionError } from './errors.js';
import { observeTarget, resolveApimClientId, siteLabel } from './observe.js';
import {
  buildPlan,
  hasDrift,
  inspectPolicies,
  planBlockers,
  planChanges,
  policyOwnership,
  subscriptionKeyHeader,
  subscriptionKeyQuery,
  type Observed
} from './plan.js';
import type { OwnershipOptions } from './policy/index.js';
import type { ArmPort, GraphPort, HttpPort, Logger, SnapshotStore, TokenPort } from './ports.js';
import { preflight } from './preflight.js';
import { apimPrincipal } from './resources/apim-identity.js';
import { planEasyAuth } from './resources/easy-auth.js';
import { runSmoke } from './smoke.js';
import { smokeContext, type SmokeContextResult } from './smoke-context.js';
import { captureSnapshot } from './snapshot/capture.js';
import { restoreOnFailure, restoreSentence, restoreTarget } from './snapshot/restore-target.js';
import type { RestoreReport } from './snapshot/schema.js';
import { SnapshotSession } from './snapshot/session.js';
import { resolveTokenResource } from './token-resource.js';
import { ACTION_VERSION } from './version.js';
import type { Plan, RunReport, Settings, SmokeReport, TargetIds, Verdict } from './types.js';

/** Side effects one reconcile needs, handed in (the real adapters in `run`, or plain objects in tests). */
export interface TargetPorts {
  arm: ArmPort;
  graph: GraphPort;
  http: HttpPort;
  tokens: TokenPort;
  log: Logger;
  /** Registers a secret with the runner so it is masked in every log line. */
  mask(secret: string): void;
  /** Object ID (`oid`) of the signed-in workflow identity, when known (for the Graph pre-flight). */
  workflowObjectId?: string;
  /** Where the target's snapshot is saved before the first write (absent: kept in memory only). */
  snapshots?: SnapshotStore;
}

export interface TargetResult {
  report: RunReport;
  plan?: Plan;
  outcome?: ApplyOutcome;
  apimPrincipalId?: string;
  /** True when the step must fail (drift in check mode with fail-on-drift, apply or smoke failure). */
  failed: boolean;
  failure?: string;
  /** The snapshot file written before the first write (output `snapshot-path`), when one was. */
  snapshotPath?: string;
}

/**
 * What the mode decided: the verdict, the failure (if the step must fail; the annotation, read on its own), what the
 * report says of it (`error`, default `failure`: said once, without what the report's sections already say) and the
 * apply outcome (apply only).
 */
interface Decision {
  verdict: Verdict;
  failure?: string;
  error?: string;
  outcome?: ApplyOutcome;
  /** The target's snapshot (apply with writes), taken before the first write. */
  snapshot?: SnapshotSession;
}

/**
 * Reconciles one target: observe → plan → (check | apply → read back) → smoke, then with `on-failure: restore` and a
 * failed apply or smoke, the snapshot put back (src/snapshot/restore-target.ts); `mode: restore` restores the
 * `snapshot` file instead (restoreTarget). Never throws for drift. Throws (ActionError) when the run stops before a
 * plan is built (bad input, a read failed or came without the content relied on, a snapshot that cannot be restored).
 * Once the plan is built it does not throw: a refusal before any write (a plan blocker, Easy Auth managed by a file, a
 * foreign backend, a pre-flight, the smoke requests' context, a snapshot that cannot be saved) returns a failed result
 * whose report carries the plan, marked not applied (`stoppedBeforeWrites`), and the reason. `started`: the run's
 * start (ms since the epoch), for the report's duration.
 */
export async function reconcileTarget(
  settings: Settings,
  ports: TargetPorts,
  started = Date.now()
): Promise<TargetResult> {
  if (settings.mode === 'restore') return restoreTarget(settings, ports, started);
  const ids = targetResourceIds(settings, settings.apiIds);
  // A 200 is not proof of content: every read (the first ones and every re-read before a write) is checked.
  ports = { ...ports, arm: validatedArmPort(ports.arm, ids, settings.apimName, siteLabel(settings)) };
  const observed = await group(ports.log, 'Observe (ARM reads)', () => observeTarget(settings, ids, ports));
  // token-resource given as {{name}}: its value from here on; the policy keeps the reference (tokenResourceRef).
  settings = resolveTokenResource(settings, observed.namedValues);
  const plan = await group(ports.log, 'Plan', async () => planTarget(settings, ids, observed, ports.log));
  // An apply that adds APIM's identity PATCHes it with the typed APIM client: start loading that chunk now, so it
  // compiles while the pre-flight and the snapshot wait on the network instead of just before the PATCH.
  if (settings.mode === 'apply' && plan.resources.some((r) => r.kind === 'apim-identity' && r.changes.length > 0)) {
    ports.arm.prepareApimUpdate?.();
  }
  let smokeCtx: SmokeContextResult;
  try {
    smokeCtx = await beforeWrites(settings, observed, plan, ports);
  } catch (e) {
    // The plan was built (and logged): the report shows it, not applied, with the reason.
    return stoppedResult(settings, plan, e, started);
  }
  let decision: Decision;
  try {
    decision =
      settings.mode === 'check'
        ? checkDecision(settings, plan)
        : await applyDecision(settings, ids, observed, plan, ports);
  } catch (e) {
    // applyPlan throws (ActionError) only when it refuses the plan before its first write; a failed write is in
    // the outcome instead.
    if (e instanceof ActionError) return stoppedResult(settings, plan, e, started);
    throw e;
  }
  const smoke = decision.outcome?.error ? undefined : await smokeStep(settings, plan, smokeCtx, decision, ports);
  const facts = { applyError: decision.outcome?.error, smoke, namedValues: observed.namedValues };
  const restore = await restoreOnFailure(settings, decision.snapshot, facts, ports);
  if (restore && decision.failure) {
    decision.failure = `${decision.failure} ${restoreSentence(restore)}`;
    if (decision.error) decision.error = `${decision.error} ${restoreSentence(restore)}`;
  }
  return result(settings, plan, decision, smoke, started, restore);
}

/** Builds the plan and logs it. */
function planTarget(settings: Settings, ids: TargetIds, observed: Observed, log: Logger): Plan {
  const p = buildPlan(settings, ids, observed);
  for (const r of p.resources) {
    if (r.error) log.info(`${r.label}: cannot be reconciled: ${r.error}`);
    else if (r.changes.length === 0) log.info(`${r.label}: in sync`);
    else log.info(`${r.label}: will update: ${r.changes.map((c) => c.path).join(', ')}`);
    log.debug(`${r.label} plan: ${JSON.stringify(r.changes)}`);
  }
  for (const w of p.warnings) log.warning(w);
  return p;
}

/**
 * What must hold before anything is written, in every mode, in order: no resource that cannot be reconciled
 * (planBlockers), Easy Auth managed through ARM and backends that are the Function App (checkTarget), the Entra
 * pre-flight, and the smoke requests' context, which it returns. Throws (ActionError, nothing written) at the first
 * that does not hold.
 */
async function beforeWrites(
  settings: Settings,
  observed: Observed,
  plan: Plan,
  ports: TargetPorts
): Promise<SmokeContextResult> {
  const broken = planBlockers(plan);
  if (broken.length) {
    throw new ActionError(
      `Nothing was changed: ${broken.map((r) => `${r.label}: ${r.error}`).join('; ')}`,
      broken[0].resourceId
    );
  }
  checkTarget(settings, observed, plan, ports.log);
  // The Entra pre-flight runs in every mode (a check fails on a refused token resource as apply does); its token
  // requests started right after sign-in, so it adds no round trip. Its Graph part guards apply's writes only.
  await group(ports.log, 'Pre-flight: resources known to Entra ID', () => preflight(settings, plan, ports));
  return smokeContext(settings, observed, plan, ports);
}

/**
 * The result of a run that stopped after the plan was built and before any write: failed, the report carrying the
 * plan (`stoppedBeforeWrites`) and `e`'s message once as its error; in apply mode every resource with a change is
 * `not-written` (so the `changes` output says so row by row).
 */
function stoppedResult(settings: Settings, plan: Plan, e: unknown, started: number): TargetResult {
  const message = e instanceof Error ? e.message : String(e);
  const applied =
    settings.mode === 'apply'
      ? plan.resources
          .filter((r) => r.changes.length > 0)
          .map((r) => ({ label: r.label, ok: false, state: 'not-written' as const }))
      : [];
  const report: RunReport = {
    mode: settings.mode,
    verdict: 'failed',
    target: targetOf(settings),
    plan,
    applied,
    warnings: plan.warnings,
    error: message,
    stoppedBeforeWrites: true,
    durationSeconds: (Date.now() - started) / 1000
  };
  return { report, plan, apimPrincipalId: plan.facts.apimPrincipalId, failed: true, failure: message };
}

/** The report's target: the names, and the subscription, resource groups and slot they live in. */
export function targetOf(settings: Settings): RunReport['target'] {
  return {
    apim: settings.apimName,
    apis: settings.apiIds,
    functionApp: settings.functionAppName,
    scope: {
      subscriptionId: settings.subscriptionId,
      apimResourceGroup: settings.apimResourceGroup,
      functionAppResourceGroup: settings.functionAppResourceGroup,
      ...(settings.functionAppSlot ? { slot: settings.functionAppSlot } : {})
    }
  };
}

/**
 * Before anything else uses the backend: tokens for the Function's app registration must go to the Function App
 * (throws ActionError otherwise), and Easy Auth must be managed through ARM, not a configuration file. Adds the
 * inputs' and the backends' warnings to the plan.
 */
function checkTarget(settings: Settings, observed: Observed, plan: Plan, log: Logger): void {
  // File-based configuration (platform.configFilePath): App Service then ignores the ARM settings this action writes
  // (Learn: "File-based configuration in Azure App Service authentication").
  const configFile = (observed.authSettingsV2.properties as { platform?: { configFilePath?: unknown } } | undefined)
    ?.platform?.configFilePath;
  if (typeof configFile === 'string' && configFile.trim() !== '') {
    throw new ActionError(
      `Nothing was changed: Easy Auth of ${siteLabel(settings)} is configured from the file ${JSON.stringify(configFile)} ` +
        '(platform.configFilePath), so App Service ignores the ARM settings this action would write. Put the ' +
        'settings in that file, or clear configFilePath to manage them through ARM, and re-run.'
    );
  }
  const backends = checkBackends(observed.apis, observed.site, siteLabel(settings));
  plan.warnings.push(...(settings.warnings ?? []), ...backends.warnings);
  for (const w of backends.warnings) log.warning(w);
  if (backends.errors.length) throw new ActionError(`Nothing was changed: ${backends.errors.join(' ')}`);
}

/** Check mode: drift is the verdict; it fails the step with fail-on-drift. */
function checkDecision(settings: Settings, plan: Plan): Decision {
  const drift = hasDrift(plan);
  if (!drift || !settings.failOnDrift) return { verdict: drift ? 'drift' : 'in-sync' };
  const needed = plan.resources
    .filter((r) => r.changes.length)
    .map((r) => `${r.label}: ${r.changes.map((c) => c.path).join(', ')}`)
    .join('; ');
  return {
    verdict: 'drift',
    failure: `Drift found: ${planChanges(plan).length} change(s) needed (${needed}). Run with mode: apply to fix.`
  };
}

/** Apply mode: executes the plan's writes (none when in sync) and records what was written in the plan. */
async function applyDecision(
  settings: Settings,
  ids: TargetIds,
  observed: Observed,
  plan: Plan,
  ports: TargetPorts
): Promise<Decision> {
  if (!hasDrift(plan)) return { verdict: 'in-sync' };
  const ownership = policyOwnership(settings, ids, observed);
  const basis = writeBasis(observed, plan, ownership);
  // Before the first write: the documents as read, saved where a later restore can find them (src/snapshot).
  const meta = { actionVersion: ACTION_VERSION, now: new Date() };
  const snapshot = await SnapshotSession.start(
    captureSnapshot(settings, observed, plan, basis, meta),
    ports.snapshots,
    ports.log
  );
  const outcome = await group(ports.log, 'Apply', () =>
    applyPlan(plan, {
      arm: ports.arm,
      log: ports.log,
      rederive: (rp) => rederiveEasyAuth(settings, observed, ownership, rp.resourceId, ports),
      basis,
      onWritten: (rec) => snapshot.record(rec)
    })
  );
  // What was actually written replaces placeholders of deferred resources (e.g. APIM's principalId).
  plan.resources = plan.resources.map((r) => outcome.replanned.find((n) => n.resourceId === r.resourceId) ?? r);
  // The report's facts describe the state after the run: the identity exists now.
  plan.facts.apimPrincipalId ??= outcome.apimPrincipalId;
  if (!outcome.error) return { verdict: 'applied', outcome, snapshot };
  // The report's Applied section says what was and was not changed: its error is the write's error (and the hint).
  const hint = outcomeHint(outcome);
  return {
    verdict: 'failed',
    failure: `${outcome.error.message} ${describeOutcome(outcome)}`,
    error: hint ? `${outcome.error.message} ${hint}` : outcome.error.message,
    outcome,
    snapshot
  };
}

/** The smoke requests; a failure fails the step unless it is the consequence of drift that does not (check mode). */
async function smokeStep(
  settings: Settings,
  plan: Plan,
  smokeCtx: SmokeContextResult,
  decision: Decision,
  ports: TargetPorts
): Promise<SmokeReport> {
  const smoke = await group(ports.log, 'Smoke requests', () =>
    runSmoke(
      // Check mode changed nothing, so nothing is propagating: one attempt per check (C17: never retry reads).
      settings.mode === 'check' ? { ...settings.smoke, timeoutSeconds: 0 } : settings.smoke,
      { ...smokeCtx, changedNow: (decision.outcome?.writes ?? 0) > 0 },
      { http: ports.http, tokens: ports.tokens, onAttempt: (a) => ports.log.info(a.text) }
    )
  );
  for (const c of smoke.checks) {
    ports.log.info(
      `smoke ${c.name}${c.api ? ` (${c.api})` : ''}: expected ${c.expected}, got ${c.got} after ${c.attempts} attempt(s) / ${c.seconds.toFixed(1)} s${c.diagnosis ? ` — ${c.diagnosis}` : ''}`
    );
  }
  // In check mode a smoke failure on a drifted target is the drift's consequence: it fails the step only when drift
  // does (fail-on-drift). With no drift, a failing chain is a failure of its own.
  const drift = hasDrift(plan);
  const smokeFails = smoke.result === 'failed' && !(settings.mode === 'check' && drift && !settings.failOnDrift);
  if (smokeFails && !decision.failure) {
    const failed = smoke.checks.filter((c) => !c.passed);
    const name = (c: (typeof failed)[number]) => `${c.name}${c.api ? ` (API ${c.api})` : ''}`;
    decision.failure = `Smoke requests failed: ${failed.map((c) => `${name(c)}: ${c.diagnosis ?? c.got}`).join('; ')}`;
    // The report's smoke checks say why, once.
    decision.error = `Smoke requests failed: ${failed.map(name).join(', ')} (the smoke checks say why).`;
    if (settings.mode === 'apply') decision.verdict = 'failed';
  }
  return smoke;
}

/** The target's result and report, from the decision and the write states. */
function result(
  settings: Settings,
  plan: Plan,
  decision: Decision,
  smoke: SmokeReport | undefined,
  started: number,
  restore?: RestoreReport
): TargetResult {
  const { verdict, failure, outcome } = decision;
  // Worded by the report (one wording per state: "not attempted").
  const notAttempted = (outcome?.notApplied ?? []).map((label) => ({
    label,
    ok: false,
    state: 'not-attempted' as const
  }));
  const report: RunReport = {
    mode: settings.mode,
    verdict,
    target: targetOf(settings),
    plan,
    applied: [...(outcome?.applied ?? []), ...notAttempted],
    smoke,
    warnings: plan.warnings,
    error: verdict === 'failed' ? (decision.error ?? failure) : undefined,
    durationSeconds: (Date.now() - started) / 1000,
    ...(decision.snapshot ? { snapshot: decision.snapshot.report() } : {}),
    ...(restore ? { restore } : {})
  };
  const apimPrincipalId = outcome?.apimPrincipalId ?? plan.facts.apimPrincipalId;
  const snapshotPath = decision.snapshot?.report().path;
  return { report, plan, outcome, apimPrincipalId, failed: Boolean(failure), failure, snapshotPath };
}

/** The reads the writes were planned on, for the write guard (src/write-guard.ts). */
export function writeBasis(observed: Observed, plan: Plan, ownership: OwnershipOptions): WriteBasis {
  const app = plan.facts.appClientId ?? '';
  // The guard's own, independent list of what a managed-identity element that sends the Function's token may carry:
  // the accepted resources, and the known wrong forms the merge rewrites in place (api://<client ID>, object IDs).
  const resources = [
    ...(ownership.acceptableResources ?? []),
    plan.facts.tokenResource,
    app,
    app && `api://${app}`,
    ...(ownership.appObjectIds ?? [])
  ].filter((x): x is string => Boolean(x));
  return {
    ownershipOptions: ownership,
    service: observed.service,
    easyAuth: observed.authSettingsV2,
    policies: Object.fromEntries(
      observed.apis.map((a) => [
        a.apiId,
        { value: a.policy?.value, keyHeader: subscriptionKeyHeader(a.api), keyQuery: subscriptionKeyQuery(a.api) }
      ])
    ),
    ownership: { resources, ...(ownership.namedValues ? { namedValues: ownership.namedValues } : {}) }
  };
}

/** After the identity write: re-read the service and Easy Auth, resolve APIM's client ID, plan Easy Auth again. */
async function rederiveEasyAuth(
  settings: Settings,
  observed: Observed,
  ownership: OwnershipOptions,
  resourceId: string,
  ports: TargetPorts
) {
  const [service, current, v1] = await Promise.all([
    ports.arm.getApimService(),
    ports.arm.getAuthSettingsV2(),
    ports.arm.getAuthSettingsV1()
  ]);
  const apimPrincipalId = (service.body.identity as { principalId?: string } | undefined)?.principalId;
  const apimIdentityClientId = await resolveApimClientId(settings, service.body, current, ports);
  const plan = planEasyAuth({
    resourceId,
    current,
    v1,
    tenantId: settings.tenantId,
    appClientId: settings.appClientId,
    tokenResource: settings.tokenResource,
    openIdIssuer: settings.openIdIssuer,
    allowedCallers: settings.allowedCallers,
    excludedPaths: settings.excludedPaths,
    apimPrincipalId,
    apimIdentityClientId,
    // A `client-id` on a policy element makes that user-assigned identity a caller too (see buildPlan).
    extraCallers: inspectPolicies(observed.apis, apimPrincipal(service.body), ownership).extraCallers
  });
  return { plan, before: current };
}

/** Runs `f` inside a log group when the logger has groups (the runner's), else plainly. */
async function group<T>(log: Logger, name: string, f: () => Promise<T>): Promise<T> {
  return log.group ? log.group(name, f) : f();
}
