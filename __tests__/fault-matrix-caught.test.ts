/**
 * The fault matrix's verdict on what stopped a run (scripts/fault-matrix.ts caughtBy) reads the error line the
 * action prints — `::error title=apim-function-auth::…` — and the pipeline scenario adds the effective pipeline's
 * reads (an operation policy, a fragment, a secret named value) to the rich scenario.
 */
import { describe, expect, it } from '@jest/globals';
import { caughtBy, richScenario } from '../scripts/fault-matrix.js';

describe('caughtBy', () => {
  it('reads the titled error line the action prints', () => {
    const out = (e: string) => `::group::Plan\n::endgroup::\n::error title=apim-function-auth::${e}\n`;
    expect(caughtBy(1, out('GET /x (policy fragment f) answered without the content this action relies on: …'))).toBe(
      'read validation'
    );
    expect(caughtBy(1, out('Easy Auth func-x: write refused by the guard: …'))).toBe('write guard');
    expect(caughtBy(1, '::error::PUT /x → 500 InternalServerError: x')).toBe('unclear answer');
    expect(caughtBy(0, '')).toBe('—');
  });
});

describe('richScenario with MATRIX_SCENARIO=pipeline', () => {
  it('adds an operation policy that includes a fragment named by a secret named value', () => {
    const plain = Object.keys(richScenario().resources);
    process.env.MATRIX_SCENARIO = 'pipeline';
    try {
      const added = Object.keys(richScenario().resources).filter((k) => !plain.includes(k));
      expect(added.map((k) => k.split('/service/apim-x/')[1])).toEqual([
        'apis/orders/operations/get-order',
        'apis/orders/operations/get-order/policies/policy',
        'policyFragments/tracing',
        'namedValues/trace-header'
      ]);
    } finally {
      delete process.env.MATRIX_SCENARIO;
    }
  });
});
