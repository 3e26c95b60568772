/**
 * Octokit from `@actions/github` (GITHUB_API_URL is honoured by getOctokit), imported on first use: `@actions/github`
 * brings Octokit, its REST endpoint methods and paging (~0.3 MB of the bundle, a chunk of its own), which a run that
 * posts no comment and keeps no drift issue never needs.
 */
import type { getOctokit } from '@actions/github';
import { loadPart } from './bundle.js';
import { lazy } from './lazy.js';

export type Octokit = ReturnType<typeof getOctokit>;

/**
 * Returns a loader of one Octokit for `token`: the first call imports `@actions/github` and builds the client; later
 * calls return the same client. A failed import (a missing or damaged chunk) rejects with BundleLoadError
 * (./bundle.ts) and is not remembered (the next call tries again); the publishers turn it into a warning.
 * @param token the GitHub token (never logged).
 * @param baseUrl the REST API root; default: what `@actions/github` read from GITHUB_API_URL.
 */
export function octokitLoader(token: string, baseUrl?: string): () => Promise<Octokit> {
  return lazy(async () =>
    (await loadPart('the GitHub client (@actions/github)', () => import('@actions/github'))).getOctokit(
      token,
      baseUrl ? { baseUrl } : {}
    )
  );
}
