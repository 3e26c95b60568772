/**
 * The snapshot in the job summary (src/report/restore-sections.ts): collapsed JSON of the snapshot file, without the
 * policies' texts — a policy may hold credentials inline that the run cannot know to scrub, and a run's summary is
 * readable by anyone who can see the run.
 */
import { describe, expect, it } from '@jest/globals';
import { renderComment, renderSummary } from '../../src/report/render.js';
import type { RunReport } from '../../src/types.js';
import { easyAuthEntry, policyEntry, snapshotOf } from '../support/snapshots.js';

const PASSWORD = 'Sup3rS3cretPassw0rd';
const USER_POLICY =
  '<policies>\n    <inbound>\n        <base />\n        <send-request mode="new" response-variable-name="r">' +
  `<set-url>https://legacy.contoso.com</set-url><authentication-basic username="svc" password="${PASSWORD}" />` +
  '</send-request>\n    </inbound>\n</policies>';

function reportWith(json: string): RunReport {
  return {
    mode: 'apply',
    verdict: 'failed',
    target: { apim: 'apim-x', apis: ['orders'], functionApp: 'func-x' },
    applied: [],
    warnings: [],
    error: 'Smoke requests failed',
    durationSeconds: 1,
    snapshot: { path: '/runner/_temp/apim-function-auth/snapshot-apim-x-func-x-0123456789ab.json', json }
  };
}

describe('the snapshot in the job summary', () => {
  const snap = snapshotOf([
    easyAuthEntry({ platform: { enabled: false }, login: { tokenStore: { enabled: true } } }, { platform: {} }),
    policyEntry(USER_POLICY, '"e1"', { value: USER_POLICY.replace('<base />', '<base />\n<x/>'), etag: '"e2"' })
  ]);
  const json = `${JSON.stringify(snap, null, 2)}\n`;

  it('shows the JSON collapsed, with each policy text replaced by its size; the file keeps it', () => {
    const md = renderSummary(reportWith(json));
    expect(md).toMatch(/<details><summary>snapshot JSON \(2 resources, \d+ KiB; policy texts in the file\)<\/summary>/);
    expect(md).not.toContain(PASSWORD);
    expect(md).not.toContain('authentication-basic');
    expect(md).toContain(`"value": "<policy text: ${USER_POLICY.length} characters, in the snapshot file>"`);
    expect(md).toContain(`<policy text: ${USER_POLICY.length + 5} characters, in the snapshot file>`);
    // Easy Auth (setting names only) and the ETags stay readable.
    expect(md).toContain('"tokenStore"');
    expect(md).toContain('"etag": "\\"e2\\""');
    expect(md).toContain(snap.resources[1]!.resourceId);
  });

  it('shows no JSON for a text that does not parse, and none in the PR comment', () => {
    const md = renderSummary(reportWith(`{"resources": [{"before": {"value": "${PASSWORD}"`));
    expect(md).not.toContain(PASSWORD);
    expect(md).toContain('snapshot-apim-x-func-x-0123456789ab.json');
    expect(renderComment(reportWith(json), '<!-- m -->')).not.toContain(PASSWORD);
  });
});
