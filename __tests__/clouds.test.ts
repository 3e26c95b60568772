import { AzureAuthorityHosts } from '@azure/identity';
import { CLOUD_NAMES, cloudEndpoints, isCloudName, trimTrailingSlashes } from '../src/azure/clouds.js';
import type { CloudName } from '../src/types.js';

describe('cloudEndpoints', () => {
  it.each<[CloudName, string, string, string]>([
    ['AzureCloud', 'https://management.azure.com', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    [
      'AzureUSGovernment',
      'https://management.usgovcloudapi.net',
      'https://login.microsoftonline.us',
      'https://graph.microsoft.us'
    ],
    [
      'AzureChinaCloud',
      'https://management.chinacloudapi.cn',
      'https://login.chinacloudapi.cn',
      'https://microsoftgraph.chinacloudapi.cn'
    ]
  ])('%s', (env, arm, authority, graph) => {
    expect(cloudEndpoints(env, {})).toEqual({
      armEndpoint: arm,
      armScope: `${arm}/.default`,
      authorityHost: authority,
      graphEndpoint: graph,
      graphScope: `${graph}/.default`
    });
  });

  it('uses the same authority hosts as @azure/identity AzureAuthorityHosts', () => {
    expect(cloudEndpoints('AzureCloud').authorityHost).toBe(AzureAuthorityHosts.AzurePublicCloud);
    expect(cloudEndpoints('AzureUSGovernment').authorityHost).toBe(AzureAuthorityHosts.AzureGovernment);
    expect(cloudEndpoints('AzureChinaCloud').authorityHost).toBe(AzureAuthorityHosts.AzureChina);
  });

  it('lets each override replace one endpoint, trailing slashes removed, and the scope follows the override', () => {
    const e = cloudEndpoints('AzureUSGovernment', {
      armEndpoint: 'https://127.0.0.1:8443//',
      authorityHost: 'https://login.twin.local/',
      graphEndpoint: ''
    });
    expect(e).toEqual({
      armEndpoint: 'https://127.0.0.1:8443',
      armScope: 'https://127.0.0.1:8443/.default',
      authorityHost: 'https://login.twin.local',
      graphEndpoint: 'https://graph.microsoft.us',
      graphScope: 'https://graph.microsoft.us/.default'
    });
  });

  it('overriding only the graph endpoint keeps the cloud ARM scope', () => {
    const e = cloudEndpoints('AzureCloud', { graphEndpoint: 'https://graph.twin.local' });
    expect(e.armScope).toBe('https://management.azure.com/.default');
    expect(e.graphScope).toBe('https://graph.twin.local/.default');
  });

  it('refuses an unknown cloud', () => {
    expect(() => cloudEndpoints('AzureGermanCloud' as CloudName)).toThrow(
      /AzureCloud, AzureUSGovernment, AzureChinaCloud/
    );
  });

  it('knows exactly the three cloud names', () => {
    expect([...CLOUD_NAMES]).toEqual(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']);
    expect(isCloudName('AzureCloud')).toBe(true);
    expect(isCloudName('azurecloud')).toBe(false);
  });

  it.each([
    ['https://x/', 'https://x'],
    ['https://x///', 'https://x'],
    ['https://x', 'https://x']
  ])('trimTrailingSlashes(%s)', (input, out) => {
    expect(trimTrailingSlashes(input)).toBe(out);
  });
});
