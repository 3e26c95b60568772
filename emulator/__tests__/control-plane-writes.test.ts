import { getOctokit } from '@actions/github';
import { loadScenario, rgId, workflowCredential, withTwin, apimClient as apim, webClient as web } from './helpers.js';

const SUB_RG = 'rg-demo';

function errorOf(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: { statusCode?: number; code?: string; message: string }) => e
  );
}

describe('twin: APIM identity PATCH (long-running operation)', () => {
  it('adds SystemAssigned, keeps the user-assigned identity, creates a service principal after the LRO', async () => {
    const state = loadScenario('drifted');
    const uai = Object.keys(
      (
        state.resources[`${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x`]!['identity'] as {
          userAssignedIdentities: object;
        }
      ).userAssignedIdentities
    )[0]!;
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const poller = await client.apiManagementService.beginUpdate(
        SUB_RG,
        'apim-x',
        { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [uai]: {} } } },
        { updateIntervalInMs: 10 }
      );
      // principalId appears only after the operation completes.
      const during = await client.apiManagementService.get(SUB_RG, 'apim-x');
      expect(during.identity?.principalId).toBeUndefined();
      const done = await poller.pollUntilDone();
      expect(done.identity?.type).toBe('SystemAssigned, UserAssigned');
      expect(done.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(done.identity?.userAssignedIdentities ?? {})).toEqual([uai]);
      expect(done.identity?.userAssignedIdentities?.[uai]?.principalId).toBe('88888888-8888-4888-8888-888888888888');
      const sps = twin.getState().servicePrincipals ?? [];
      expect(sps.find((s) => s.id === done.identity?.principalId)?.kind).toBe('managedIdentity');
      const polls = twin.requests().filter((r) => r.url.includes('/operationresults/'));
      expect(polls.length).toBeGreaterThanOrEqual(2); // lroPolls=1 InProgress, then Succeeded (+ final GET)
    });
  });

  it('rejects user-assigned values sent back from a GET with InvalidIdentityValues', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const svc = await client.apiManagementService.get(SUB_RG, 'apim-x');
      const e = await errorOf(
        client.apiManagementService.beginUpdateAndWait(
          SUB_RG,
          'apim-x',
          {
            identity: {
              type: 'SystemAssigned, UserAssigned',
              userAssignedIdentities: svc.identity!.userAssignedIdentities
            }
          },
          { updateIntervalInMs: 10 }
        )
      );
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('InvalidIdentityValues');
    });
  });
});

describe('twin: policies, Easy Auth, RBAC', () => {
  it('refuses a policy PUT with a stale ETag (412) and accepts the current one', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      let raw = '';
      const got = await client.apiPolicy.get(SUB_RG, 'apim-x', 'orders', 'policy', {
        format: 'rawxml',
        onResponse: (r) => {
          raw = r.bodyAsText ?? '';
        }
      });
      const value = (JSON.parse(raw) as { properties: { value: string; format: string } }).properties;
      expect(value.format).toBe('rawxml');
      expect(value.value).toContain('GetValueOrDefault("X-Caller","none")');
      const newValue = value.value.replace(
        '<base />',
        '<base />\n        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />'
      );
      const e = await errorOf(
        client.apiPolicy.createOrUpdate(
          SUB_RG,
          'apim-x',
          'orders',
          'policy',
          { value: newValue, format: 'rawxml' },
          { ifMatch: '"AAAAAAAAAAA="' }
        )
      );
      expect(e.statusCode).toBe(412);
      expect(e.code).toBe('PreconditionFailed');
      const ok = await client.apiPolicy.createOrUpdate(
        SUB_RG,
        'apim-x',
        'orders',
        'policy',
        { value: newValue, format: 'rawxml' },
        { ifMatch: got.eTag! }
      );
      expect(ok.eTag).toBeDefined();
      expect(ok.eTag).not.toBe(got.eTag);
      const stored =
        twin.getState().resources[
          `${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x/apis/orders/policies/policy`
        ]!;
      expect((stored['properties'] as { value: string }).value).toContain('Ocp-Apim-Subscription-Key');
    });
  });

  it('replaces the whole authsettingsV2 document on PUT and reports configVersion v2', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      const client = web(twin, state);
      const before = await client.webApps.getAuthSettingsV2(SUB_RG, 'func-x');
      expect(before.platform?.enabled).toBe(false);
      expect(before.httpSettings?.requireHttps).toBe(true);
      await client.webApps.updateAuthSettingsV2(SUB_RG, 'func-x', {
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' }
      });
      const after = await client.webApps.getAuthSettingsV2(SUB_RG, 'func-x');
      expect(after.platform?.enabled).toBe(true);
      expect(after.httpSettings).toBeUndefined(); // PUT replaced the document: unsent sections are gone
      const v1 = await client.webApps.getAuthSettings(SUB_RG, 'func-x');
      expect(v1.configVersion).toBe('v2');
    });
  });

  it('reports configVersion v1 when the site still uses the v1 document', async () => {
    const state = loadScenario('drifted');
    const site = `${rgId(state)}/providers/Microsoft.Web/sites/func-x`;
    state.resources[`${site}/config/authsettings`] = {
      id: `${site}/config/authsettings`,
      name: 'authsettings',
      type: 'Microsoft.Web/sites/config',
      properties: { enabled: true, configVersion: 'v1', clientId: '55555555-5555-4555-8555-555555555555' }
    };
    await withTwin(state, async (twin) => {
      const v1 = await web(twin, state).webApps.getAuthSettings(SUB_RG, 'func-x');
      expect(v1.configVersion).toBe('v1');
      expect(v1.enabled).toBe(true);
    });
  });

  it('answers 403 AuthorizationFailed for a write outside the identity scopes', async () => {
    const state = loadScenario('drifted');
    state.workflowIdentity.scopes = [`${rgId(state)}/providers/Microsoft.Web/sites/func-x`];
    await withTwin(state, async (twin) => {
      const e = await errorOf(
        apim(twin, state).apiPolicy.createOrUpdate(SUB_RG, 'apim-x', 'orders', 'policy', {
          value: '<policies><inbound><base /></inbound></policies>',
          format: 'rawxml'
        })
      );
      expect(e.statusCode).toBe(403);
      expect(e.code).toBe('AuthorizationFailed');
      expect(e.message).toContain(`The client '${state.workflowIdentity.objectId}' with object id`);
      expect(e.message).toContain("'Microsoft.ApiManagement/service/apis/policies/write'");
    });
  });
});

describe('twin: Entra, Graph, faults, GitHub', () => {
  it('surfaces AADSTS700213 through the credential when the subject does not match', async () => {
    const state = loadScenario('drifted');
    state.workflowIdentity.federatedSubjects = ['repo:octo/orders-app:ref:refs/heads/main'];
    await withTwin(state, async (twin) => {
      const e = await errorOf(workflowCredential(twin, state).getToken(`${twin.armEndpoint}/.default`));
      expect(e.message).toContain(
        "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo/orders-app:pull_request'"
      );
    });
  });

  it('refuses Graph reads without graphRead (403) and serves them with it (200)', async () => {
    for (const graphRead of [false, true]) {
      const state = loadScenario('in-sync');
      state.workflowIdentity.graphRead = graphRead;
      await withTwin(state, async (twin) => {
        const token = await workflowCredential(twin, state).getToken(`${twin.graphEndpoint}/.default`);
        const res = await fetch(`${twin.graphEndpoint}/v1.0/servicePrincipals/66666666-6666-4666-8666-666666666666`, {
          headers: { authorization: `Bearer ${token.token}` }
        });
        const body = (await res.json()) as { appId?: string; error?: { code: string } };
        if (graphRead) {
          expect(res.status).toBe(200);
          expect(body.appId).toBe('77777777-7777-4777-8777-777777777777');
        } else {
          expect(res.status).toBe(403);
          expect(body.error?.code).toBe('Authorization_RequestDenied');
        }
      });
    }
  });

  it('lets the SDK retry an injected 429 with Retry-After and succeed', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      twin.addFaults([
        {
          match: { method: 'GET', pathRegex: '/service/apim-x\\?' },
          respond: {
            status: 429,
            headers: { 'retry-after': '1' },
            body: { error: { code: 'TooManyRequests', message: 'throttled' } }
          },
          times: 1
        }
      ]);
      const svc = await apim(twin, state).apiManagementService.get(SUB_RG, 'apim-x');
      expect(svc.name).toBe('apim-x');
      const gets = twin.requests().filter((r) => r.method === 'GET' && /\/service\/apim-x\?/.test(r.url));
      expect(gets.map((r) => r.status)).toEqual([429, 200]);
    });
  });

  it('creates, pages through and updates PR comments via getOctokit', async () => {
    const state = loadScenario('drifted');
    state.github.comments = Array.from({ length: 5 }, (_, i) => ({ id: 100 + i, body: `old ${i}` }));
    await withTwin(state, async (twin) => {
      const octokit = getOctokit('ghs_fake', { baseUrl: twin.githubApiUrl });
      const created = await octokit.rest.issues.createComment({
        owner: 'octo',
        repo: 'orders-app',
        issue_number: 7,
        body: '<!-- apim-function-auth --> plan'
      });
      expect(created.status).toBe(201);
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner: 'octo',
        repo: 'orders-app',
        issue_number: 7,
        per_page: 2
      });
      expect(all.map((c) => c.id)).toEqual([100, 101, 102, 103, 104, created.data.id]);
      expect(twin.requests().filter((r) => r.url.includes('/issues/7/comments') && r.method === 'GET')).toHaveLength(3);
      await octokit.rest.issues.updateComment({
        owner: 'octo',
        repo: 'orders-app',
        comment_id: created.data.id,
        body: 'updated'
      });
      expect(twin.getState().github.comments.find((c) => c.id === created.data.id)?.body).toBe('updated');
    });
  });

  it('answers 403 to comment writes when the token cannot write', async () => {
    const state = loadScenario('drifted');
    state.github.tokenCanWrite = false;
    await withTwin(state, async (twin) => {
      const octokit = getOctokit('ghs_fake', { baseUrl: twin.githubApiUrl });
      const e = await errorOf(
        octokit.rest.issues.createComment({ owner: 'octo', repo: 'orders-app', issue_number: 7, body: 'x' })
      );
      expect(e.message).toContain('Resource not accessible by integration');
    });
  });
});
