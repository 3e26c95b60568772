/**
 * src/azure/arm-pipeline.ts: the one ARM pipeline of a target (as the generated clients build theirs) and the typed
 * APIM client over it, loaded on first use.
 */
import { describe, expect, it } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';
import { bearerTokenAuthenticationPolicyName } from '@azure/core-rest-pipeline';
import { ARM_IN_FLIGHT_POLICY, createArmLimits } from '../src/azure/arm-limits.js';
import { apimClientLoader, createArmPipeline } from '../src/azure/arm-pipeline.js';

const credential: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600e3 }) };

describe('createArmPipeline', () => {
  it('signs with one bearer policy, and the limit runs after it (per retry)', () => {
    const pipeline = createArmPipeline(
      credential,
      { armScope: 'https://management.azure.com/.default' },
      createArmLimits({ maxInFlight: 4 })
    );
    const names = pipeline.getOrderedPolicies().map((p) => p.name);
    expect(names.filter((n) => n === bearerTokenAuthenticationPolicyName)).toHaveLength(1);
    expect(names.indexOf(ARM_IN_FLIGHT_POLICY)).toBeGreaterThan(names.indexOf(bearerTokenAuthenticationPolicyName));
    expect(names).toEqual(expect.arrayContaining(['defaultRetryPolicy', 'userAgentPolicy']));
  });

  it('no limits: no limit policy', () => {
    const pipeline = createArmPipeline(credential, { armScope: 'https://management.azure.com/.default' });
    expect(pipeline.getOrderedPolicies().map((p) => p.name)).not.toContain(ARM_IN_FLIGHT_POLICY);
  });
});

describe('apimClientLoader', () => {
  it('builds one typed client over the same pipeline, on first use, with no second bearer policy', async () => {
    const pipeline = createArmPipeline(credential, { armScope: 'https://management.azure.com/.default' });
    const before = pipeline.getOrderedPolicies().length;
    const load = apimClientLoader(credential, 'sub-1', 'https://management.azure.com', pipeline);
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(a.pipeline).toBe(pipeline);
    expect(a.subscriptionId).toBe('sub-1');
    expect(pipeline.getOrderedPolicies()).toHaveLength(before);
  });
});
