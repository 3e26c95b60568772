/**
 * The effective pipeline in the plan (pure): each API's operation policies and fragments judged against the API
 * policy as it will run after the plan (src/policy/effective.ts). A finding refuses that API's policy plan (its
 * `error`: nothing is written, check mode fails); the action never edits operation policies or fragments. Also the
 * policies' part of the security lint (src/policy/lint.ts, ignore-error on the owned element).
 */
import type { Observed } from '../plan.js';
import { describeFinding, judgeEffective, type EffectiveFinding, type FragmentRead } from '../policy/effective.js';
import {
  HEADER_TOKEN,
  ownedManagedIdentity,
  PolicyParseError,
  QUERY_TOKEN,
  type OwnershipOptions
} from '../policy/index.js';
import { tokenExposures, type LintDoc } from '../policy/lint.js';
import { includedFragments } from '../policy/pipeline-refs.js';
import type { LintFinding, ResourcePlan } from '../types.js';

/** What the effective pipeline adds to the plan. */
export interface EffectivePlan {
  /** Per API ID: the refusal to add to its policy plan's `error`. */
  errors: Map<string, string>;
  findings: EffectiveFinding[];
  warnings: string[];
  lint: LintFinding[];
}

/** One API as the planner has it: the reads and the policy plan (its write holds the text after the plan). */
export interface EffectiveApi {
  api: Observed['apis'][number];
  plan: ResourcePlan;
  keyHeader: string;
  keyQuery: string;
}

/** The text of the API policy once the plan is applied: what it writes, else what was read ('' when none). */
function plannedText(a: EffectiveApi): string {
  return a.plan.write?.op === 'put-api-policy' ? a.plan.write.value : (a.api.policy?.value ?? '');
}

/** The fragments reachable from `texts` through `<include-fragment>` (nested ones too) that were read. */
function reachable(texts: string[], fragments: ReadonlyMap<string, FragmentRead>): string[] {
  const seen: string[] = [];
  const next = texts.flatMap(includedFragments);
  while (next.length) {
    const id = next.shift()!;
    if (seen.includes(id)) continue;
    seen.push(id);
    const f = fragments.get(id);
    if (f && 'value' in f) next.push(...includedFragments(f.value));
  }
  return seen;
}

/** The refusal for `findings` (one API): each with its scope, element, line, the operations it breaks, the fix. */
function refusal(findings: EffectiveFinding[]): string {
  const items = findings.map((f) => {
    // A fragment's element breaks the operations that include it (the API policy's: all of them).
    const ops =
      f.scope === 'fragment' && f.operations !== 'all'
        ? ` [breaks operation${f.operations.length > 1 ? 's' : ''} ${f.operations.join(', ')}]`
        : '';
    return `${describeFinding(f)}${ops}`;
  });
  return (
    `what runs before the Function undoes the managed-identity setup (${findings.length} finding` +
    `${findings.length > 1 ? 's' : ''}), and this action never changes operation policies or policy fragments (they ` +
    `are yours): ${items.join('; ')}. Fix them (APIM portal → API → operation / Policy fragments) and re-run`
  );
}

/** ignore-error="true" on the owned element of an API policy (as read: the merge keeps it). */
function ignoreErrorLint(a: EffectiveApi, ownership: OwnershipOptions): LintFinding[] {
  if (!a.api.policy) return [];
  let owned: ReturnType<typeof ownedManagedIdentity>;
  try {
    owned = ownedManagedIdentity(a.api.policy.value, ownership);
  } catch (e) {
    if (e instanceof PolicyParseError) return [];
    throw e;
  }
  if (owned?.ignoreError?.trim().toLowerCase() !== 'true') return [];
  return [
    {
      rule: 'ignore-error',
      where: `API policy ${a.api.apiId}, line ${owned.line}`,
      message:
        'the owned <authentication-managed-identity> has ignore-error="true": when APIM cannot get a token it sends ' +
        'the call on without one, and the failure shows only as 401s from the Function',
      fix: 'Remove ignore-error (or set it to false) so a failed token request fails the call at APIM, where it is diagnosed'
    }
  ];
}

/**
 * Judges every API whose operations were read (`api.operations` present): findings become the API's refusal
 * (`errors`), what could not be judged becomes warnings; the policy lint covers the API policy, its operations'
 * policies and the fragments they reach. `resource` is what the owned element asks for (token-resource as written
 * into the policy), `ownership` as buildPlan's (src/plan.ts policyOwnership).
 */
export function planEffective(
  apis: EffectiveApi[],
  fragments: ReadonlyMap<string, FragmentRead>,
  resource: string,
  ownership: OwnershipOptions
): EffectivePlan {
  const out: EffectivePlan = { errors: new Map(), findings: [], warnings: [], lint: [] };
  for (const a of apis) {
    out.lint.push(...ignoreErrorLint(a, ownership));
    // Not read (old callers), or key names the planner already refused (planApiPolicy names them).
    if (!a.api.operations || !HEADER_TOKEN.test(a.keyHeader.trim()) || !QUERY_TOKEN.test(a.keyQuery.trim())) continue;
    const operations = a.api.operations.flatMap((o) => (o.policy ? [{ id: o.id, policy: o.policy.value }] : []));
    const apiPolicy = plannedText(a);
    const r = judgeEffective({
      apiId: a.api.apiId,
      apiPolicy,
      operations,
      fragments,
      resource,
      ownership,
      keyHeader: a.keyHeader,
      keyQuery: a.keyQuery
    });
    out.findings.push(...r.findings);
    out.warnings.push(...r.warnings);
    if (r.findings.length) out.errors.set(a.api.apiId, refusal(r.findings));
    const docs: LintDoc[] = [
      ...(apiPolicy ? [{ label: `API policy ${a.api.apiId}`, raw: apiPolicy }] : []),
      ...operations.map((o) => ({ label: `operation ${o.id} of API ${a.api.apiId}`, raw: o.policy }))
    ];
    for (const id of reachable(
      docs.map((d) => d.raw),
      fragments
    )) {
      const f = fragments.get(id);
      if (f && 'value' in f) docs.push({ label: `policy fragment ${id}`, raw: f.value });
    }
    out.lint.push(...tokenExposures(docs).map((l) => ({ rule: 'token-exposed' as const, ...l })));
  }
  return out;
}
