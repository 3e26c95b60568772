import { describe, expect, it } from '@jest/globals';
import { checkBackends } from '../src/backend.js';

const site = {
  properties: {
    defaultHostName: 'func-x.azurewebsites.net',
    hostNames: ['func-x.azurewebsites.net', 'api.contoso.com']
  }
};
const api = (serviceUrl: string) => ({ apiId: 'orders', api: { properties: { serviceUrl } } });

describe('checkBackends', () => {
  it.each([
    ['https://func-x.azurewebsites.net/api', 0],
    ['https://FUNC-X.azurewebsites.net:443/api', 0],
    ['https://api.contoso.com/orders', 0],
    ['https://evil.example.com/api', 1],
    ['https://func-y.azurewebsites.net/api', 1]
  ])('%s → %i error(s)', (url, n) => {
    const r = checkBackends([api(url)], site, 'func-x');
    expect(r.errors).toHaveLength(n);
    if (n) expect(r.errors[0]).toMatch(/not Function App func-x .*would send tokens .* to another host/);
  });

  it('a policy that sets the backend is not judged by serviceUrl, only warned about', () => {
    const r = checkBackends(
      [
        {
          ...api('https://evil.example.com/api'),
          policy: {
            value: '<policies><inbound><base /><set-backend-service backend-id="func-x" /></inbound></policies>'
          }
        }
      ],
      site,
      'func-x'
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]).toMatch(/set-backend-service/);
  });

  it('a set-backend-service inside a comment does not count', () => {
    const r = checkBackends(
      [
        {
          ...api('https://evil.example.com/api'),
          policy: { value: '<policies><inbound><!-- <set-backend-service base-url="x" /> --></inbound></policies>' }
        }
      ],
      site,
      'func-x'
    );
    expect(r.errors).toHaveLength(1);
  });
});
