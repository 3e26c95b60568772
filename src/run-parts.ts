/**
 * What a run needs beyond reading a one-target step's inputs and signing in — reconcile (observe, plan, apply,
 * verify, smoke), the policy engine, the report and its publishing, the targets file (its YAML parser included) and
 * its runs — as one module that src/main.ts imports dynamically: ncc bundles it as a chunk of its own, and main
 * starts importing it before sign-in, so compiling it overlaps the GitHub OIDC and Entra token round trips instead of
 * preceding them (issue "Fast and faithful" item 2).
 */
import type { GetInput } from './inputs/index.js';
import { readTargetsFile } from './targets/read.js';
import { selectRun, type RunSelection } from './targets/select.js';

export { reconcileTarget } from './target.js';
export { failStep, publishRun } from './report/outputs.js';
export { runConfigMarker } from './report/render.js';
export { failTargetsRun, listTargets, runTargetsFile } from './targets/action.js';

/** selectRun (./targets/select.ts) over the workspace's files (./targets/read.ts): a step that sets `targets`. */
export function selectTargetsRun(getInput: GetInput): RunSelection {
  return selectRun(getInput, readTargetsFile);
}
