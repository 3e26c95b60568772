/**
 * src/report/outputs.ts in-process with typed fakes of @actions/core (__fixtures__/core.ts) and @actions/github (an
 * Octokit over an in-memory comment store), and a pull_request event as the runner gives it (GITHUB_EVENT_NAME and
 * the payload's file at GITHUB_EVENT_PATH): the new outputs (`result`, `change-count`,
 * `comment-url`), the run link in the report, and annotations titled `apim-function-auth` (issue "Ready for users",
 * items 1, 2 and 5).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '../../__fixtures__/core.js';
import type { TargetResult } from '../../src/target.js';
import type { RunSettings } from '../../src/types.js';

const PR_URL = 'https://github.com/octo/orders-app/pull/7';
const comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
const context = {
  eventName: 'pull_request',
  payload: {
    pull_request: {
      number: 7,
      html_url: PR_URL,
      head: { repo: { full_name: 'octo/orders-app' } },
      base: { repo: { full_name: 'octo/orders-app' } }
    }
  } as Record<string, unknown>
};
const octokit = {
  paginate: async () => comments.map((c) => ({ ...c })),
  rest: {
    issues: {
      listComments: async () => ({ data: comments }),
      createComment: async ({ body }: { body: string }) => {
        const id = 900 + comments.length;
        comments.push({ id, body, user: { login: 'github-actions[bot]', type: 'Bot' } });
        return { data: { id } };
      },
      updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
        comments.find((c) => c.id === comment_id)!.body = body;
      },
      deleteComment: async () => {}
    },
    users: {
      getAuthenticated: async () => {
        throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
      }
    }
  }
};

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('@actions/github', () => ({ getOctokit: () => octokit }));

/** Writes `context` as the runner's event: GITHUB_EVENT_NAME, and the payload in the file GITHUB_EVENT_PATH names. */
function writeEvent(): void {
  const file = path.join(process.env.RUNNER_TEMP!, 'event.json');
  writeFileSync(file, JSON.stringify(context.payload));
  Object.assign(process.env, { GITHUB_EVENT_NAME: context.eventName, GITHUB_EVENT_PATH: file });
}
const { failStep, publishRun, ANNOTATION_TITLE } = await import('../../src/report/outputs.js');
const { secrets } = await import('../../src/action-io.js');

const run = (over: Partial<RunSettings> = {}): RunSettings => ({
  clientId: 'c',
  tenantId: 't',
  environment: 'AzureCloud',
  endpoints: {
    armEndpoint: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default'
  },
  audience: 'api://AzureADTokenExchange',
  mode: 'check',
  failOnDrift: true,
  githubToken: 'ghs_token',
  prComment: true,
  prCommentMode: 'on-change',
  ...over
});

const drift: TargetResult = {
  failed: true,
  failure: 'Drift found',
  plan: {
    resources: [
      {
        kind: 'api-policy',
        resourceId: '/subscriptions/s/x/apis/orders/policies/policy',
        label: 'API policy orders',
        changes: [
          { path: 'policy.resource', before: 'api://a', after: 'a' },
          { path: 'policy.set-header[Ocp-Apim-Subscription-Key]', before: undefined, after: 'delete' }
        ],
        notes: []
      }
    ],
    warnings: [],
    facts: { effectiveAudiences: [], excludedPaths: [] }
  },
  report: {
    mode: 'check',
    verdict: 'drift',
    target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
    applied: [],
    warnings: [],
    durationSeconds: 1
  }
};
drift.report.plan = drift.plan;

const outputs = () => Object.fromEntries(core.setOutput.mock.calls.map(([k, v]) => [k, v]));

describe('publishRun', () => {
  beforeEach(() => {
    jest.clearAllMocks();
    comments.length = 0;
    process.env.RUNNER_TEMP = mkdtempSync(path.join(os.tmpdir(), 'outputs-test-'));
    Object.assign(process.env, {
      GITHUB_REPOSITORY: 'octo/orders-app',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01'
    });
    context.payload.pull_request = {
      ...(context.payload.pull_request as object),
      head: { repo: { full_name: 'octo/orders-app' } }
    };
    writeEvent();
  });

  it('sets result, change-count and comment-url; the report links the run and the commit', async () => {
    await publishRun(run(), drift);
    const out = outputs();
    expect(out).toMatchObject({ drift: 'true', result: 'drift', 'change-count': '2', 'smoke-result': 'skipped' });
    expect(comments).toHaveLength(1);
    expect(out['comment-url']).toBe(`${PR_URL}#issuecomment-${comments[0].id}`);
    expect(comments[0].body).toContain('[run 4242](https://github.com/octo/orders-app/actions/runs/4242)');
    const file = readFileSync(String(out['summary-path']), 'utf8');
    expect(file).toContain(
      'commit [abcdef0](https://github.com/octo/orders-app/commit/abcdef0123456789abcdef0123456789abcdef01)'
    );
  });

  it('on-change and a clean run with no earlier comment: no comment, comment-url empty', async () => {
    const clean: TargetResult = {
      failed: false,
      plan: { ...drift.plan!, resources: [{ ...drift.plan!.resources[0], changes: [] }] },
      report: { ...drift.report, verdict: 'in-sync' }
    };
    clean.report.plan = clean.plan;
    await publishRun(run(), clean);
    expect(outputs()).toMatchObject({ result: 'in-sync', 'change-count': '0', 'comment-url': '' });
    expect(comments).toHaveLength(0);
  });

  it('warnings go out as annotations titled apim-function-auth (a fork PR here)', async () => {
    context.payload.pull_request = {
      ...(context.payload.pull_request as object),
      head: { repo: { full_name: 'someone/fork' } }
    };
    writeEvent();
    await publishRun(run(), drift);
    const forkWarning = core.warning.mock.calls.find(([m]) => String(m).includes('fork'));
    expect(forkWarning?.[1]).toEqual({ title: ANNOTATION_TITLE });
    expect(ANNOTATION_TITLE).toBe('apim-function-auth');
    expect(outputs()['comment-url']).toBe('');
  });

  it('a malformed event file is a titled warning; the report is still written, with no PR comment', async () => {
    const file = path.join(process.env.RUNNER_TEMP!, 'event.json');
    writeFileSync(file, '{"pull_request": ');
    await publishRun(run(), drift);
    const w = core.warning.mock.calls.find(([m]) =>
      String(m).startsWith(`GITHUB_EVENT_PATH ${file} could not be read`)
    );
    expect(w?.[1]).toEqual({ title: ANNOTATION_TITLE });
    expect(readFileSync(String(outputs()['summary-path']), 'utf8')).toContain('apim-x');
    expect(comments).toHaveLength(0);
  });

  it('a report that cannot be written is a titled warning, never a throw', async () => {
    process.env.RUNNER_TEMP = '/dev/null/not-a-directory';
    await expect(publishRun(run(), drift)).resolves.toBeUndefined();
    const w = core.warning.mock.calls.find(([m]) => String(m).startsWith('Could not publish the report'));
    expect(w?.[1]).toEqual({ title: ANNOTATION_TITLE });
    expect(outputs()).toMatchObject({ result: 'drift', 'comment-url': '' });
  });
});

describe('failStep', () => {
  it('fails the step with one error annotation titled apim-function-auth, secrets scrubbed', () => {
    const before = process.exitCode;
    secrets.add('sk-secret-value-123');
    try {
      failStep('Smoke requests failed: gateway: key sk-secret-value-123 refused');
      expect(process.exitCode).toBe(1);
      expect(core.error).toHaveBeenCalledTimes(1);
      expect(core.error.mock.calls[0]).toEqual([
        'Smoke requests failed: gateway: key *** refused',
        { title: 'apim-function-auth' }
      ]);
      expect(core.setFailed).not.toHaveBeenCalled();
    } finally {
      process.exitCode = before;
    }
  });
});
