/**
 * What a failed sign-in tells the user: which input is likely wrong and how to fix it. Pure (no SDK or runner
 * imports): the callers (src/azure/auth.ts, src/azure/session.ts) hand in the error text and the environment.
 *
 * Entra error codes (Learn: "Microsoft Entra authentication and authorization error codes"): AADSTS90002 tenant not
 * found; AADSTS700016 application not found in the tenant; AADSTS700213 no federated credential matches the token's
 * subject; AADSTS70021 no matching federated identity record (subject or audience); AADSTS700024 client assertion
 * outside its valid time range. MSAL's `endpoints_resolution_error` means it could not read the authority's OpenID
 * configuration — for a tenant that does not exist Entra answers that request with AADSTS90002 (or the host could not
 * be reached).
 */
import { ActionError } from '../errors.js';
import type { AuthType } from '../types.js';

/** What a sign-in error message may name: the inputs, the token's subject, how the run signed in. */
export interface SignInContext {
  clientId: string;
  tenantId: string;
  audience: string;
  /** The GitHub OIDC token's `sub` (undefined when no token was fetched). */
  subject?: string;
  subscriptionId?: string;
  authType?: AuthType;
  /** `owner/repo` for the usual subjects; default: taken from `subject`. */
  repository?: string;
}

/**
 * Turns a sign-in failure into an ActionError that names the likely wrong input and the fix (see the module comment
 * for the codes). An ActionError passes through unchanged; anything else is `Sign-in to Entra ID failed: <first line>`.
 */
export function signInError(e: unknown, ctx: SignInContext): Error {
  if (e instanceof ActionError) return e;
  const text = e instanceof Error ? e.message : String(e);
  // oidcTokenError's ActionError, as @azure/identity wraps it (AuthenticationError): its text, unprefixed.
  if (/^Could not get a GitHub OIDC token: /.test(text)) return new ActionError(text.split('\n')[0]);
  const hint = (ctx.authType === 'azure-cli' ? cliHint(text, ctx) : undefined) ?? entraHint(text, ctx);
  return new ActionError(hint ?? `Sign-in to Entra ID failed: ${firstLine(text)}`);
}

function entraHint(text: string, ctx: SignInContext): string | undefined {
  if (/AADSTS700213|AADSTS70021\b/.test(text)) return noFederatedCredential(ctx);
  if (/AADSTS700016/.test(text)) {
    return (
      `Sign-in refused (AADSTS700016): client-id ${ctx.clientId} was not found in tenant ${ctx.tenantId}: check ` +
      'client-id (the Application (client) ID of the app registration or managed identity, not its object ID) and ' +
      'that tenant-id is the tenant it is registered in.'
    );
  }
  if (/AADSTS90002|endpoints_resolution_error/.test(text)) {
    const how = /AADSTS90002/.test(text)
      ? 'AADSTS90002'
      : 'MSAL endpoints_resolution_error: the tenant was not found, or the authority host could not be reached';
    const same =
      ctx.subscriptionId && ctx.subscriptionId.toLowerCase() === ctx.tenantId.toLowerCase()
        ? ' tenant-id and subscription-id are the same GUID: one of them is wrong.'
        : '';
    return (
      `Sign-in refused: tenant-id ${ctx.tenantId} was not found (${how}): check tenant-id (is it the subscription ID?` +
      ` The tenant ID is the Directory (tenant) ID shown in Entra ID → Overview, or \`az account show --query tenantId\`)` +
      ` and environment (or authority-host).${same}`
    );
  }
  return undefined;
}

/** AADSTS700213 / AADSTS70021: the subject (and audience) the token carried, and the subjects jobs usually have. */
function noFederatedCredential(ctx: SignInContext): string {
  const repo = ctx.repository ?? /^repo:([^:]+):/.exec(ctx.subject ?? '')?.[1] ?? '<owner>/<repo>';
  const subject = ctx.subject ? `'${ctx.subject}'` : '(unknown: the token was not read)';
  return (
    `Sign-in refused: no federated credential on client-id ${ctx.clientId} matches this job's GitHub OIDC token ` +
    `(subject ${subject}, audience '${ctx.audience}', issuer https://token.actions.githubusercontent.com). Add one ` +
    'with exactly that subject and audience (Entra ID → App registrations → Certificates & secrets → Federated ' +
    `credentials, or \`az ad app federated-credential create --id ${ctx.clientId} …\`). Usual subjects: ` +
    `repo:${repo}:ref:refs/heads/main (pushes to main), repo:${repo}:pull_request (pull requests), ` +
    `repo:${repo}:environment:<name> (jobs with an environment: it replaces the branch and pull_request subjects), ` +
    `repo:${repo}:ref:refs/tags/<tag> (tags). A different audience means the audience input does not match the ` +
    'credential.'
  );
}

/** Failures of `auth-type: azure-cli` (@azure/identity AzureCliCredential's messages, or az's own error text). */
function cliHint(text: string, ctx: SignInContext): string | undefined {
  if (/Azure CLI could not be found/i.test(text)) {
    return (
      'Sign-in with auth-type azure-cli failed: the Azure CLI (az) is not installed on this runner. Install it, or ' +
      'use auth-type: oidc.'
    );
  }
  if (/az login/.test(text)) {
    return (
      'Sign-in with auth-type azure-cli failed: the Azure CLI has no session. Sign in first in the same job ' +
      `(azure/login with client-id, tenant-id ${ctx.tenantId} and subscription-id), or run \`az login\` on your ` +
      'machine; or use auth-type: oidc.'
    );
  }
  if (/AADSTS700024/.test(text)) {
    return (
      'Sign-in with auth-type azure-cli failed (AADSTS700024): the GitHub OIDC token azure/login signed in with has ' +
      'expired (the Azure CLI cannot refresh such a session). Run azure/login again right before this step, or use ' +
      'auth-type: oidc (it fetches a new GitHub token when needed).'
    );
  }
  return undefined;
}

/**
 * The message for a GitHub OIDC token request that failed (`core.getIDToken` threw), from the runner's environment:
 * outside GitHub Actions without the OIDC variables; a job without `permissions: id-token: write`; an `@actions/core`
 * stand-in without getIDToken (@github/local-action's throws `Not implemented`); otherwise the error itself.
 */
export function oidcTokenError(e: unknown, env: NodeJS.ProcessEnv): ActionError {
  const message = e instanceof Error ? e.message : String(e);
  const noVariables = !env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (env.GITHUB_ACTIONS !== 'true' && !env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    return new ActionError(
      "Could not get a GitHub OIDC token: this run is outside GitHub Actions (GITHUB_ACTIONS is not 'true') and the " +
        'OIDC variables ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. Sign in with ' +
        '`az login` and set auth-type: azure-cli, or set those variables (the local twin prints them in its ready line).'
    );
  }
  if (noVariables) {
    return new ActionError(
      'Could not get a GitHub OIDC token: the job has no OIDC endpoint. Add `permissions: id-token: write` to ' +
        'the job (or workflow) that runs this action; pull requests from forks never get one.'
    );
  }
  if (/^not implemented$/i.test(message.trim())) {
    return new ActionError(
      'Could not get a GitHub OIDC token: this @actions/core does not implement getIDToken (e.g. the stand-in of ' +
        '@github/local-action). Use auth-type: azure-cli there, or run dist/index.js.'
    );
  }
  return new ActionError(`Could not get a GitHub OIDC token: ${firstLine(message)}`);
}

/**
 * Checks an `auth-type: azure-cli` session against the inputs, from the claims of its ARM token: a tenant (`tid`)
 * other than tenant-id is an error (the run would read and write another tenant's resources); an identity
 * (`appid`, v1 tokens, or `azp`, v2) other than client-id is a warning (a developer's own `az login` is allowed).
 */
export function cliSessionProblems(
  claims: { tid?: string; appid?: string; azp?: string },
  ctx: { clientId: string; tenantId: string }
): { error?: string; warning?: string } {
  if (claims.tid && claims.tid.toLowerCase() !== ctx.tenantId.toLowerCase()) {
    return {
      error:
        `The Azure CLI session is signed in to tenant ${claims.tid}, but tenant-id is ${ctx.tenantId}: sign in to ` +
        "tenant-id's tenant (azure/login with the same tenant-id, or `az login --tenant`), or fix tenant-id."
    };
  }
  const app = claims.appid ?? claims.azp;
  if (app && app.toLowerCase() !== ctx.clientId.toLowerCase()) {
    return {
      warning:
        `The Azure CLI session signs in as client ${app}, not client-id ${ctx.clientId}: the run uses the session's ` +
        'identity and its role assignments.'
    };
  }
  return {};
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 400);
}
