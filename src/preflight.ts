/**
 * Pre-flights (observers whose findings stop a run before any write): the token resources are known to Entra ID,
 * and Microsoft Graph answers when APIM's client ID will be needed after the identity write.
 */
import { ActionError } from './errors.js';
import { GraphError } from './ports.js';
import { PENDING_CLIENT_ID } from './resources/easy-auth.js';
import type { TargetPorts } from './target.js';
import type { Plan, Settings } from './types.js';

/**
 * Runs both pre-flights in parallel; throws ActionError ("Nothing was changed: …") when one of them finds that a
 * write would fail. Only for an apply with something to write (a token exchange costs three sequential round trips).
 */
export async function preflight(settings: Settings, plan: Plan, ports: TargetPorts): Promise<void> {
  await Promise.all([preflightResources(plan, ports), preflightGraph(settings, plan, ports)]);
}

/**
 * Before any write: asks Entra ID for a token for the app client ID and for `token-resource` as the workflow
 * identity. Entra answers AADSTS500011 ("resource principal … not found in the tenant") for an app that does not
 * exist or an App ID URI that is not registered in `identifierUris` (field case C01) — the same error APIM would meet
 * at run time, found before anything is changed. Any other refusal (e.g. an app that requires assignment) is only a
 * warning: it does not say the resource is wrong. The tokens are never logged (and the app's token is reused by the
 * foreign-token smoke check through the token cache).
 */
async function preflightResources(plan: Plan, ports: TargetPorts): Promise<void> {
  const checks = [
    { input: 'app-client-id', value: plan.facts.appClientId },
    { input: 'token-resource', value: plan.facts.tokenResource }
  ].filter((c, i, all) => c.value && all.findIndex((o) => o.value === c.value) === i);
  const problems: string[] = [];
  await Promise.all(
    checks.map(async (c) => {
      try {
        await ports.tokens.getToken(`${c.value}/.default`);
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
