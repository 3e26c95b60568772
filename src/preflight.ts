/**
 * Pre-flights (observers whose findings stop a run): the token resources are known to Entra ID (every mode), and —
 * before an apply writes — Microsoft Graph answers when APIM's client ID will be needed after the identity write.
 */
import { ActionError } from './errors.js';
import { GraphError } from './ports.js';
import { PENDING_CLIENT_ID } from './resources/easy-auth.js';
import type { TargetPorts } from './target.js';
import type { Plan, Settings } from './types.js';

/**
 * Runs the pre-flights in parallel; throws ActionError ("Nothing was changed: …") when one of them finds that the
 * setup cannot work. The token resources are checked in every mode (in check mode a refusal fails the check with the
 * same message); the Microsoft Graph pre-flight protects the identity write, so it runs only in apply mode. The
 * resources' token requests are normally already in flight: the real ports start them right after sign-in
 * (`targetPorts` in src/azure/session.ts, with preflightTokenScopes), so this adds no round trip.
 */
export async function preflight(settings: Settings, plan: Plan, ports: TargetPorts): Promise<void> {
  await Promise.all([
    preflightResources(plan, ports),
    settings.mode === 'apply' ? preflightGraph(settings, plan, ports) : undefined
  ]);
}

/** One token resource the pre-flight checks: the input it comes from, its value, and the scope asked for. */
export interface TokenResourceCheck {
  input: 'app-client-id' | 'token-resource';
  value: string;
  scope: string;
}

/**
 * The token resources the Entra pre-flight checks, without duplicates: `app-client-id` and `token-resource` (the
 * latter defaults to the former), each as the client-credential scope `<resource>/.default` (Learn: "The .default
 * scope"). Used with the plan's facts by the pre-flight, and with the inputs by the real ports to start the token
 * requests right after sign-in; empty values are left out.
 */
export function preflightTokenScopes(resources: {
  appClientId?: string;
  tokenResource?: string;
}): TokenResourceCheck[] {
  const checks: TokenResourceCheck[] = [];
  for (const [input, value] of [
    ['app-client-id', resources.appClientId],
    ['token-resource', resources.tokenResource || resources.appClientId]
  ] as const) {
    // A `{{named value}}` token-resource is known only once it is read (the plan's facts carry its value).
    if (value && !value.includes('{{') && !checks.some((c) => c.value === value)) {
      checks.push({ input, value, scope: `${value}/.default` });
    }
  }
  return checks;
}

/**
 * Asks Entra ID for a token for the app client ID and for `token-resource` as the workflow identity (before any
 * write in apply mode; as part of the check in check mode). Entra answers AADSTS500011 ("resource principal … not
 * found in the tenant") for an app that does not exist or an App ID URI that is not registered in `identifierUris`
 * (field case C01) — the same error APIM would meet at run time, found before anything is changed. Any other refusal (e.g. an app that requires assignment) is only a
 * warning: it does not say the resource is wrong. The tokens are never logged; the token port's cache (withTokenCache in
 * src/azure/auth.ts) makes these the run's only token requests for those audiences: the foreign-token smoke check
 * reuses the app's token, and a refusal is remembered rather than asked again.
 */
async function preflightResources(plan: Plan, ports: TargetPorts): Promise<void> {
  const checks = preflightTokenScopes(plan.facts);
  const problems: string[] = [];
  await Promise.all(
    checks.map(async (c) => {
      try {
        await ports.tokens.getToken(c.scope);
        ports.log.info(`${c.input} ${c.value}: known to Entra ID`);
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        if (/AADSTS500011/.test(text)) {
          problems.push(
            `${c.input} '${c.value}' is not known to Entra ID in this tenant (AADSTS500011). The policy's resource must be ` +
              "the Function app registration's client ID or an App ID URI registered in its identifierUris " +
              '(Expose an API → Application ID URI); an object ID is never valid.'
          );
        } else {
          ports.log.warning(
            `Could not verify ${c.input} '${c.value}' with Entra ID: ${text.split('\n')[0].slice(0, 300)}`
          );
        }
      }
    })
  );
  if (problems.length) throw new ActionError(`Nothing was changed: ${problems.join(' ')}`);
}

/**
 * When APIM's client ID will be needed only after the identity is created (allowedApplications is set and the
 * system identity does not exist yet), checks before any write that Microsoft Graph answers the workflow identity
 * (field case C04): otherwise the identity would be created and the run would stop at Easy Auth.
 */
async function preflightGraph(settings: Settings, plan: Plan, ports: TargetPorts): Promise<void> {
  const needsLater = plan.resources.some(
    (r) =>
      r.kind === 'easy-auth' &&
      r.deferredUntil &&
      r.changes.some((c) => Array.isArray(c.after) && c.after.includes(PENDING_CLIENT_ID))
  );
  if (!needsLater || settings.apimIdentityClientId || !ports.workflowObjectId) return;
  try {
    await ports.graph.getServicePrincipal(ports.workflowObjectId);
    ports.log.info(
      "Microsoft Graph answers the workflow identity: APIM's client ID can be resolved after the identity write."
    );
  } catch (e) {
    if (e instanceof GraphError && (e.status === 401 || e.status === 403)) {
      throw new ActionError(
        'Nothing was changed: Easy Auth restricts allowedApplications, so the client ID of the APIM identity this run ' +
          'creates must be added, and Microsoft Graph refused to look it up (' +
          `${e.code ?? e.status}). Grant the workflow identity Application.Read.All, or run once to create the identity ` +
          'and set apim-identity-client-id.'
      );
    }
    ports.log.warning(`Could not check Microsoft Graph access in advance: ${(e as Error).message}`);
  }
}
