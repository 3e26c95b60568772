/**
 * `npm run check-config` (scripts/check-config.ts): a workflow file is checked with the examples' rules
 * (scripts/workflow-check.ts), a targets file with the action's own parser (src/targets/file.ts); the exit code is 1
 * with the problems, 0 with "ok". The CLI is run once through tsx for the exit codes and output.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkConfigText, isTargetsFile, untaggedRefs } from '../scripts/check-config.js';
import { repoRoot } from '../scripts/action-runner.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const GOOD_WORKFLOW = `name: apim-auth
on: [pull_request]
permissions: { id-token: write, contents: read }
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: contoso/apim-function-auth@${SHA}
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
          apim-name: apim-contoso
          apim-resource-group: rg-api
          api-ids: orders
          function-app-name: func-orders
          mode: check
`;
const BAD_WORKFLOW = GOOD_WORKFLOW.replace(`@${SHA}`, '@main')
  .replace('apim-resource-group: rg-api', 'function-app-rg: rg-api')
  .replace('id-token: write, ', '');
const GOOD_TARGETS = `defaults:
  subscription-id: 00000000-0000-4000-8000-000000000000
  apim-resource-group: rg-api
targets:
  - name: orders-prod
    apim-name: apim-contoso
    api-ids: [orders]
    function-app-name: func-orders
`;
const BAD_TARGETS = `${GOOD_TARGETS}  - name: orders-dev
    apim-name: apim-contoso-dev
    function-app-rg: rg-dev
    api-ids: [orders]
    function-app-name: func-orders-dev
`;

describe('check-config', () => {
  it("the README's placeholder ref is named as one, not as a missing step", () => {
    const r = checkConfigText(
      'w.yml',
      GOOD_WORKFLOW.replace(`contoso/apim-function-auth@${SHA}`, '<owner>/apim-function-auth@<commit-sha>')
    );
    expect(r.problems).toEqual([
      expect.stringMatching(/uses: <owner>\/apim-function-auth@<commit-sha>: replace the placeholder/)
    ]);
  });

  it('a release tag the clone does not have is a warning (no release yet), not a problem', () => {
    const text = GOOD_WORKFLOW.replace(`@${SHA}`, '@v1');
    expect(untaggedRefs(text, () => false)).toEqual([expect.stringMatching(/no tag v1 .* pin a commit SHA/)]);
    expect(untaggedRefs(text, () => true)).toEqual([]);
    expect(untaggedRefs(text, () => undefined)).toEqual([]); // git could not answer: nothing is claimed
    expect(untaggedRefs(GOOD_WORKFLOW, () => false)).toEqual([]); // a SHA is never a tag
    expect(checkConfigText('w.yml', text).problems).toEqual([]);
  });

  it('a good workflow (any owner, pinned by SHA) passes; a bad one lists every problem', () => {
    expect(checkConfigText('w.yml', GOOD_WORKFLOW)).toEqual({
      file: 'w.yml',
      kind: 'workflow',
      problems: [],
      warnings: []
    });
    const bad = checkConfigText('w.yml', BAD_WORKFLOW);
    expect(bad.kind).toBe('workflow');
    expect(bad.problems).toEqual([
      `jobs.check step contoso/apim-function-auth@main: inputs action.yml does not declare: function-app-rg`,
      'jobs.check step contoso/apim-function-auth@main: without targets: these inputs are needed: apim-resource-group',
      'jobs.check: grant permissions: id-token: write (the action signs in with GitHub OIDC)',
      'jobs.check: uses: contoso/apim-function-auth@main: pin a commit SHA (40 hex characters) or a release tag, not a branch'
    ]);
  });

  it('a targets file is validated by the action parser: every problem with its line and target', () => {
    expect(isTargetsFile(GOOD_TARGETS)).toBe(true);
    expect(isTargetsFile(GOOD_WORKFLOW)).toBe(false);
    expect(checkConfigText('t.yml', GOOD_TARGETS).problems).toEqual([]);
    expect(checkConfigText('t.yml', BAD_TARGETS).problems).toEqual([
      "- t.yml:11: target 'orders-dev': function-app-rg: 'function-app-rg' is not a per-target input (did you mean " +
        'function-app-resource-group?); see action.yml'
    ]);
    // A step input the targets fall back to can be given (--input name=value).
    const noSub = GOOD_TARGETS.replace(/ {2}subscription-id: .*\n/, '');
    expect(checkConfigText('t.yml', noSub).problems).toEqual([
      expect.stringContaining("t.yml:4: target 'orders-prod': subscription-id: is required")
    ]);
    expect(
      checkConfigText('t.yml', noSub, { 'subscription-id': '00000000-0000-4000-8000-000000000000' }).problems
    ).toEqual([]);
  });

  it('the CLI exits 0 with ok for good files and 1 with the problems for bad ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afa-check-'));
    const files = { 'good.yml': GOOD_WORKFLOW, 'bad.yml': BAD_WORKFLOW, 'targets.yml': GOOD_TARGETS };
    for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), t);
    fs.writeFileSync(path.join(dir, 'bad-targets.yml'), BAD_TARGETS);
    const cli = (...args: string[]) =>
      spawnSync(
        path.join(repoRoot, 'node_modules/.bin/tsx'),
        [path.join(repoRoot, 'scripts/check-config.ts'), ...args],
        {
          cwd: dir,
          encoding: 'utf8'
        }
      );
    const ok = cli('good.yml', 'targets.yml');
    expect([ok.status, ok.stdout]).toEqual([0, 'good.yml: ok (workflow)\ntargets.yml: ok (targets)\n']);
    const bad = cli('good.yml', 'bad.yml', 'bad-targets.yml');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('bad.yml: 4 problem(s) (workflow):');
    expect(bad.stdout).toContain("bad-targets.yml: 1 problem(s) (targets):\n  bad-targets.yml:11: target 'orders-dev'");
    fs.rmSync(dir, { recursive: true });
  }, 60_000);
});
