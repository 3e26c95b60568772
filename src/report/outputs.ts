/**
 * Publishes a finished run on the runner: the step outputs, the job summary, the report file under RUNNER_TEMP, the
 * sticky PR comment and the plain-text report in the log. Everything is scrubbed of the run's secrets first (ARM,
 * Entra ID or a gateway may echo a key or a token in an error text). A failure to publish never hides the run's own
 * result: it is a warning.
 */
import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { coreLogger, secrets } from '../action-io.js';
import { createGitHubPort } from '../github.js';
import { hasDrift, planChanges } from '../plan.js';
import type { TargetResult } from '../target.js';
import type { RunReport, RunSettings } from '../types.js';
import { publishReport } from './publish.js';
import { renderText } from './render.js';

/**
 * Sets the outputs (`drift` only when a plan was made; `changes` with a `state` per row in apply mode — the write
 * states, never the plan alone; `apim-principal-id`; `smoke-result`; `summary-path`) and publishes the report.
 * `run` undefined: the inputs were refused (no token, no PR comment preference: the defaults apply).
 */
export async function publishRun(run: RunSettings | undefined, result: TargetResult): Promise<void> {
  const report = secrets.scrubDeep(result.report);
  const plan = result.plan;
  if (plan) core.setOutput('drift', String(hasDrift(plan)));
  const applied = report.mode === 'apply' && result.outcome ? report.applied : undefined;
  core.setOutput('changes', secrets.scrub(JSON.stringify(plan ? planChanges(plan, applied) : [])));
  core.setOutput('apim-principal-id', result.apimPrincipalId ?? '');
  core.setOutput('smoke-result', report.smoke?.result ?? 'skipped');
  try {
    const summaryPath = await publishFiles(run, report);
    core.setOutput('summary-path', summaryPath);
    coreLogger.info(renderText(report));
  } catch (e) {
    core.warning(`Could not publish the report: ${(e as Error).message}`);
  }
}

/** The summary, the report file and the PR comment; returns the report file's path. */
async function publishFiles(run: RunSettings | undefined, report: RunReport): Promise<string> {
  const dir = process.env.RUNNER_TEMP || os.tmpdir();
  const summaryPath = path.join(
    dir,
    `apim-function-auth-${safe(report.target.apim)}-${safe(report.target.functionApp)}.md`
  );
  await mkdir(dir, { recursive: true });
  const ctx = github.context;
  const pr = ctx.payload.pull_request as
    { number: number; head?: { repo?: { full_name?: string } }; base?: { repo?: { full_name?: string } } } | undefined;
  const token = run?.githubToken;
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const headRepo = pr?.head?.repo?.full_name;
  await publishReport(
    report,
    {
      summary: {
        async write(md) {
          if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(md).write();
        }
      },
      github: token && repository ? createGitHubPort(token, repository) : undefined,
      log: coreLogger
    },
    {
      eventName: ctx.eventName ?? '',
      prNumber: pr?.number,
      isFork: Boolean(pr && headRepo && headRepo !== (pr.base?.repo?.full_name ?? repository)),
      prComment: run?.prComment ?? true,
      summaryPath
    }
  );
  return summaryPath;
}

/** A file-name-safe, bounded rendering of a resource name (a bad input may be arbitrarily long). */
function safe(s: string): string {
  return (s || 'target').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}
