/**
 * End to end: nothing the action writes carries a secret or a token. Runs check, apply, a failing run and a run
 * with `subscription-key` as input against one twin, then scans stdout, stderr, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * the `summary-path` file and the PR comment bodies in the twin's state for: the APIM subscription keys, the
 * Function host keys, the `github-token` input, ACTIONS_ID_TOKEN_REQUEST_TOKEN, and any JWT (`eyJ…` three-part)
 * — the OIDC tokens and access tokens the twin issued. A secret may appear only in `::add-mask::` lines of stdout:
 * that is how the runner learns what to mask.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { startEmulator } from '../../emulator/index.js';
import type { TwinState } from '../../emulator/src/contracts.js';
import { baseInputs, runAction, scenario, type ActionRun, type Twin } from '../../scripts/action-runner.js';
import { row, stateOf, subscriptionKeys } from './smoke-helpers.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const MASK_LINE = /^::add-mask::(.*)$/;

/** Everything one run wrote, with stdout's `::add-mask::` lines set apart. */
function written(r: ActionRun): { where: string; text: string }[] {
  const lines = r.stdout.split('\n');
  const out = [
    { where: 'stdout', text: lines.filter((l) => !MASK_LINE.test(l)).join('\n') },
    { where: 'stderr', text: r.stderr },
    { where: 'GITHUB_OUTPUT', text: JSON.stringify(r.outputs) },
    { where: 'GITHUB_STEP_SUMMARY', text: r.summary }
  ];
  const p = r.outputs['summary-path'];
  if (p && existsSync(p)) out.push({ where: 'summary-path file', text: readFileSync(p, 'utf8') });
  return out;
}

function masked(r: ActionRun): string[] {
  return r.stdout
    .split('\n')
    .map((l) => MASK_LINE.exec(l)?.[1])
    .filter((x): x is string => Boolean(x));
}

/** Every place a secret or a JWT shows up outside `::add-mask::` lines. */
function leaks(texts: { where: string; text: string }[], secrets: string[]): string[] {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const s of secrets) if (s && text.includes(s)) found.push(`${where}: secret …${s.slice(-6)}`);
    for (const m of text.match(JWT) ?? []) found.push(`${where}: JWT ${m.slice(0, 16)}…`);
  }
  return found;
}

describe('secrets never reach logs, outputs, summary or the PR comment', () => {
  let twin: Twin;
  let state: TwinState;
  let secrets: string[];
  const runs: ActionRun[] = [];

  beforeAll(async () => {
    state = scenario('drifted');
    twin = await startEmulator(state);
    const keys = subscriptionKeys(state);
    secrets = [
      keys.primaryKey,
      keys.secondaryKey,
      ...Object.values(state.functionKeys ?? {}).flat(),
      baseInputs(state)['github-token']!,
      twin.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']!
    ];
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
  });
  afterAll(() => twin?.stop());

  function scan(r: ActionRun, extra: string[] = []): void {
    expect(leaks(written(r), [...secrets, ...extra])).toEqual([]);
    // The tokens the action registered for masking (OIDC and access tokens) appear nowhere else either.
    const maskedJwts = masked(r).filter((m) => m.startsWith('eyJ'));
    expect(leaks(written(r), maskedJwts)).toEqual([]);
  }

  it('C03: check mode (drift, smoke fails): no token or key in anything written; the tokens were registered for masking', async () => {
    const r = await runAction(twin, { ...baseInputs(state), mode: 'check', 'smoke-path': '/orders' });
    runs.push(r);
    expect(r.code).toBe(1);
    scan(r);
    const m = masked(r);
    expect(m).toContain(baseInputs(state)['github-token']);
    // The OIDC token and at least one access token (ARM) were issued and masked.
    expect(m.filter((x) => x.startsWith('eyJ')).length).toBeGreaterThanOrEqual(2);
    // The key fetched through listSecrets is masked as soon as it is known.
    expect(m).toContain(subscriptionKeys(state).primaryKey);
    // The scan is not blind: it finds the tokens and keys in the raw stdout, where the mask lines carry them.
    const raw = leaks([{ where: 'raw stdout', text: r.stdout }], secrets);
    expect(raw.some((x) => x.includes('JWT'))).toBe(true);
    expect(raw.some((x) => x.includes('secret'))).toBe(true);
  });

  it('C07: apply (smoke passes): no secret value in anything written', async () => {
    const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders' });
    runs.push(r);
    expect(r.code).toBe(0);
    expect(r.outputs['smoke-result']).toBe('passed');
    scan(r);
  });

  it('C01: a failing run (token-resource unknown to Entra: AADSTS500011) still writes no token or key', async () => {
    const r = await runAction(twin, {
      ...baseInputs(state),
      'smoke-path': '/orders',
      'token-resource': 'api://55555555-5555-4555-8555-555555555555'
    });
    runs.push(r);
    expect(r.code).toBe(1);
    expect(r.summary).toMatch(/AADSTS500011/);
    scan(r);
  });

  it('C15: subscription-key given as input (secondary key): masked, used, and never written', async () => {
    const key = subscriptionKeys(state).secondaryKey;
    const r = await runAction(twin, { ...baseInputs(state), 'smoke-path': '/orders', 'subscription-key': key });
    runs.push(r);
    expect(r.code).toBe(0);
    expect(row(r.summary, 'gateway').got).toBe('200');
    expect(masked(r)).toContain(key);
    // Given as input: not fetched.
    expect(masked(r)).not.toContain(subscriptionKeys(state).primaryKey);
    scan(r);
  });

  it('C03: the PR comment bodies in the twin carry no token or key', () => {
    const comments = stateOf(twin).github.comments;
    expect(comments.length).toBe(1);
    const allMasked = runs.flatMap(masked).filter((m) => m.startsWith('eyJ'));
    const texts = comments.map((c) => ({ where: `comment ${c.id}`, text: c.body }));
    expect(leaks(texts, [...secrets, ...allMasked])).toEqual([]);
  });
});
