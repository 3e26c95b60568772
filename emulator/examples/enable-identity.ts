/**
 * A short script that drives the twin with the real SDKs, as issue 2's "done means" describes: with the `env` of the
 * twin's ready line (NODE_EXTRA_CA_CERTS, the OIDC variables, INPUT_ARM-ENDPOINT, INPUT_AUTHORITY-HOST) it signs in
 * with GitHub OIDC, reads the APIM service, enables the system-assigned identity through the long-running operation,
 * and prints the new principalId. Arguments: <tenantId> <clientId> <subscriptionId> <resourceGroup> <apimName>.
 *
 *   npm run -s emulator -- --state emulator/scenarios/drifted.json   # first line: {"env": {...}, ...}
 *   env <the env pairs> npx tsx emulator/examples/enable-identity.ts 1111… 3333… 2222… rg-demo apim-x
 */
import * as core from '@actions/core';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { ClientAssertionCredential } from '@azure/identity';

const [tenantId, clientId, subscriptionId, resourceGroup, apimName] = process.argv.slice(2);
const arm = process.env['INPUT_ARM-ENDPOINT'];
const authorityHost = process.env['INPUT_AUTHORITY-HOST'];
if (!tenantId || !clientId || !subscriptionId || !resourceGroup || !apimName || !arm || !authorityHost) {
  console.error(
    'usage: (twin env) enable-identity.ts <tenantId> <clientId> <subscriptionId> <resourceGroup> <apimName>'
  );
  process.exit(2);
}
const credential = new ClientAssertionCredential(
  tenantId,
  clientId,
  () => core.getIDToken('api://AzureADTokenExchange'),
  {
    authorityHost,
    disableInstanceDiscovery: true
  }
);
const client = new ApiManagementClient(credential, subscriptionId, {
  endpoint: arm,
  credentialScopes: [`${arm}/.default`]
});

const before = await client.apiManagementService.get(resourceGroup, apimName);
console.log(`before: identity.type=${before.identity?.type} principalId=${before.identity?.principalId ?? '-'}`);
const userAssignedIdentities = Object.fromEntries(
  Object.keys(before.identity?.userAssignedIdentities ?? {}).map((k) => [k, {}])
);
const after = await client.apiManagementService.beginUpdateAndWait(
  resourceGroup,
  apimName,
  { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities } },
  { updateIntervalInMs: 50 }
);
console.log(`after: identity.type=${after.identity?.type} principalId=${after.identity?.principalId ?? '-'}`);
