/**
 * Publishes a run over a targets file on the runner, as src/report/outputs.ts does for one target: the aggregated
 * step outputs (./aggregate-outputs.ts), the job summary and report file, one sticky comment for the run
 * configuration (its marker names the targets file and the `target` filter), and the plain-text result in the log.
 * Everything is scrubbed of the run's secrets first; a failure to publish is a warning.
 */
import * as core from '@actions/core';
import { secrets } from '../action-io.js';
import type { RunSettings } from '../types.js';
import { aggregateOutputs, matrixOutput, type TargetsRunReport } from './aggregate-outputs.js';
import { renderListSummary, renderTargetsComment, renderTargetsSummary, renderTargetsText } from './aggregate.js';
import type { ListedTarget } from './aggregate.js';
import { targetsIssueDoc } from './drift-issue.js';
import { publishAndLog, safe } from './outputs.js';
import { runConfigMarker } from './render.js';
import { runSource } from './run-outputs.js';
import { targetsNeedAttention } from './aggregate.js';

/**
 * Sets the aggregated outputs (`drift`, `changes` with `target` per row, `result`, `change-count`,
 * `apim-principal-id`, `smoke-result`, `targets`) and publishes the summary and the run configuration's sticky
 * comment (`runConfigMarker({targetsFile, filter})`). `run` undefined: the inputs were refused.
 */
export async function publishTargets(run: RunSettings | undefined, report: TargetsRunReport): Promise<void> {
  const scrubbed: TargetsRunReport = { ...secrets.scrubDeep(report), source: runSource(process.env) };
  for (const [name, value] of Object.entries(aggregateOutputs(scrubbed, (t) => secrets.scrub(t)))) {
    core.setOutput(name, value);
  }
  const marker = runConfigMarker({ targetsFile: scrubbed.targetsFile, filter: scrubbed.filter });
  const doc = {
    summary: renderTargetsSummary(scrubbed),
    comment: (m: string) => renderTargetsComment(scrubbed, m),
    attention: targetsNeedAttention(scrubbed),
    marker
  };
  const stem = `targets-${safe(scrubbed.targetsFile)}`;
  await publishAndLog(run, doc, stem, () => renderTargetsText(scrubbed), targetsIssueDoc(scrubbed, marker));
}

/**
 * `mode: list`: sets `matrix` (`{"include":[{"target":…},…]}`) and writes a short job summary listing the targets;
 * no comment, no Azure request.
 */
export async function publishList(
  targetsFile: string,
  filter: readonly string[],
  targets: ListedTarget[]
): Promise<void> {
  core.setOutput('matrix', matrixOutput(targets.map((t) => t.name)));
  core.info(`Targets of ${targetsFile}: ${targets.map((t) => t.name).join(', ')}`);
  try {
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(renderListSummary(targetsFile, filter, targets)).write();
    }
  } catch (e) {
    core.warning(`Could not write the job summary: ${secrets.scrub((e as Error).message)}`);
  }
}
