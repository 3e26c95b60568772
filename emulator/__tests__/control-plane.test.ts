import { ApiManagementClient } from '@azure/arm-apimanagement';
import * as core from '@actions/core';
import { decodeJwt } from 'jose';
import { startEmulator, type Twin } from '../index.js';
import type { TwinState } from '../src/contracts.js';
import { applyEnv, loadScenario, quietly, rgId, trustTwin, workflowCredential } from './helpers.js';

describe('twin: sign-in and ARM reads through the real clients', () => {
  let twin: Twin;
  let state: TwinState;
  let restore: () => void;
  beforeAll(async () => {
    state = loadScenario('drifted');
    twin = await startEmulator(state);
    trustTwin(twin.caPem);
    restore = applyEnv(twin);
  });
  afterAll(async () => {
    restore();
    await twin.stop();
  });

  it('issues a GitHub OIDC token for the requested audience with the PR subject', async () => {
    const jwt = await quietly(() => core.getIDToken('api://AzureADTokenExchange'));
    const claims = decodeJwt(jwt);
    expect(claims.iss).toBe('https://token.actions.githubusercontent.com');
    expect(claims.aud).toBe('api://AzureADTokenExchange');
    expect(claims.sub).toBe('repo:octo/orders-app:pull_request');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
  });

  it('reads the APIM service with ClientAssertionCredential + ApiManagementClient', async () => {
    const client = new ApiManagementClient(workflowCredential(twin, state), state.subscriptionId, {
      endpoint: twin.armEndpoint,
      credentialScopes: [`${twin.armEndpoint}/.default`]
    });
    const svc = await client.apiManagementService.get('rg-demo', 'apim-x');
    expect(svc.identity?.type).toBe('UserAssigned');
    // gatewayUrl is rewritten to the twin's gateway listener; /state keeps the Azure hostname.
    expect(svc.gatewayUrl).toBe(`https://${twin.hostMap['apim-x.azure-api.net']}`);
    expect(
      (
        twin.getState().resources[`${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x`]![
          'properties'
        ] as Record<string, unknown>
      )['gatewayUrl']
    ).toBe('https://apim-x.azure-api.net');
  });
});
