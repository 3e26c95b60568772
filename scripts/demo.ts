/**
 * `npm run demo`: starts the local Azure twin with emulator/scenarios/drifted.json and runs the bundled action as the
 * runner would — check (drift found: exit 1 expected), apply (changes made, smoke passes), check again (in sync) —
 * printing each run's job summary. Needs nothing but Node and npm (after `npm ci`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { armWrites, baseInputs, repoRoot, runAction, scenario, withTwin } from './action-runner.js';

const steps = [
  { title: 'check on a drifted setup (drift expected → exit 1)', mode: 'check', expectCode: 1 },
  { title: 'apply', mode: 'apply', expectCode: 0 },
  { title: 'check again (in sync expected → exit 0)', mode: 'check', expectCode: 0 }
] as const;

const state = scenario('drifted');
/** Where the full markdown of each run is kept (overwritten on every demo; git-ignored). */
const outDir = path.join(repoRoot, '.demo');
mkdirSync(outDir, { recursive: true });
let ok = true;
await withTwin(state, async (twin) => {
  console.log(`Local Azure twin up (admin: ${twin.adminUrl}).`);
  const armWritesPerRun: string[] = [];
  for (const [i, step] of steps.entries()) {
    const before = armWrites(twin).length;
    const run = await runAction(twin, {
      ...baseInputs(state),
      mode: step.mode,
      'smoke-path': '/orders',
      'smoke-timeout-seconds': '60'
    });
    armWritesPerRun.push(`${step.mode} ${armWrites(twin).length - before}`);
    const asExpected = run.code === step.expectCode;
    ok &&= asExpected;
    const bar = '═'.repeat(100);
    console.log(
      `\n${bar}\n${i + 1}/3 ${step.title}: exit ${run.code} ${asExpected ? '(as expected)' : `(UNEXPECTED: wanted ${step.expectCode})`}, ${(run.ms / 1000).toFixed(1)} s\n${bar}`
    );
    console.log(readable(run.summary));
    console.log(
      `outputs: result=${run.outputs.result} drift=${run.outputs.drift} change-count=${run.outputs['change-count']} ` +
        `smoke-result=${run.outputs['smoke-result']} apim-principal-id=${run.outputs['apim-principal-id'] || '-'}`
    );
    // `drift` is what the run found before it wrote anything: true on an apply that fixed it (result=applied).
    if (run.outputs.drift === 'true' && run.outputs.result === 'applied') {
      console.log('(drift=true: what this run found before writing; result=applied: it is fixed now)');
    }
    const file = path.join(outDir, `${i + 1}-${step.mode}.md`);
    writeFileSync(file, run.summary);
    console.log(`full markdown: ${path.relative(process.cwd(), file)}`);
  }
  console.log(
    `\nThe twin served ${twin.requests().length} requests; ARM writes per run: ${armWritesPerRun.join(', ')} ` +
      '(the PR comment updates are GitHub requests, not counted).'
  );
});
process.exit(ok ? 0 : 1);

/** The summary markdown, lightly cleaned for a terminal (no HTML comments, no <details> tags). */
function readable(md: string): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?(details|summary)>|<wbr>/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
