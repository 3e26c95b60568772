/** Test helpers for the twin: scenario loading, trusting the twin's CA in-process, real SDK credentials. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { ClientAssertionCredential } from '@azure/identity';
import { startEmulator } from '../index.js';
import type { TwinState } from '../src/contracts.js';
import type { Twin } from '../src/server.js';

export const emulatorRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(emulatorRoot, '..');
export const sharedDir = path.resolve(repoRoot, '../shared');

/** The effective-policy scenarios (emulator/README.md "Scenarios for the effective policy"). */
export const EFFECTIVE_SCENARIOS = [
  'effective-op-key',
  'effective-op-no-base',
  'effective-fragment-auth',
  'effective-named-value',
  'effective-keyvault-lookup',
  'effective-keyvault-lookup-drifted'
] as const;

/** Loads `emulator/scenarios/<name>.json` as a fresh TwinState. */
export function loadScenario(name: 'drifted' | 'in-sync' | (typeof EFFECTIVE_SCENARIOS)[number]): TwinState {
  return JSON.parse(readFileSync(path.join(emulatorRoot, 'scenarios', `${name}.json`), 'utf8')) as TwinState;
}

const trusted = new Set<string>();
/**
 * Makes this process trust the twin's CA for `https` and `fetch` (Node ≥ 22.19/24: tls.setDefaultCACertificates
 * replaces the default store used by both; the bundled system roots are kept).
 */
export function trustTwin(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  // Node ≥ 22.19 API; @types/node here is 20, hence the cast.
  const t = tls as typeof tls & {
    setDefaultCACertificates(certs: string[]): void;
    getCACertificates(kind?: 'default' | 'system' | 'bundled' | 'extra'): string[];
  };
  t.setDefaultCACertificates([...t.getCACertificates('default'), ...trusted]);
}

/** Copies the twin's env into process.env (what the runner would do for the action); returns a restore function. */
export function applyEnv(twin: Twin): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(twin.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * Runs `f` with the runner's workflow commands (`::debug::`, `::add-mask::…`) that @actions/core writes to stdout
 * dropped: in-process tests have no runner to read them, and a JWT in a mask line is noise in the test log.
 */
export async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    String(chunk).startsWith('::')
      ? true
      : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  try {
    return await f();
  } finally {
    process.stdout.write = write;
  }
}

/** The action's sign-in: ClientAssertionCredential fed by core.getIDToken, against the twin's authority host. */
export function workflowCredential(
  twin: Twin,
  state: TwinState,
  audience = 'api://AzureADTokenExchange'
): ClientAssertionCredential {
  return new ClientAssertionCredential(
    state.tenantId,
    state.workflowIdentity.clientId,
    () => quietly(() => core.getIDToken(audience)),
    {
      authorityHost: twin.authorityHost,
      disableInstanceDiscovery: true
    }
  );
}

/** The ARM ID prefix of the scenario's resource group. */
export function rgId(state: TwinState, rg = 'rg-demo'): string {
  return `/subscriptions/${state.subscriptionId}/resourceGroups/${rg}`;
}

/**
 * Runs `f` against a twin started in-process from `state`, with its CA trusted and its env applied (both undone
 * afterwards), and stops the twin whatever `f` does.
 */
export async function withTwin(state: TwinState, f: (twin: Twin) => Promise<void>): Promise<void> {
  const twin = await startEmulator(state);
  trustTwin(twin.caPem);
  const restore = applyEnv(twin);
  try {
    await f(twin);
  } finally {
    restore();
    await twin.stop();
  }
}

/** The real APIM SDK client against the twin's ARM, signed in as the scenario's workflow identity. */
export function apimClient(twin: Twin, state: TwinState): ApiManagementClient {
  return new ApiManagementClient(workflowCredential(twin, state), state.subscriptionId, {
    endpoint: twin.armEndpoint,
    credentialScopes: [`${twin.armEndpoint}/.default`]
  });
}

/** The real App Service SDK client against the twin's ARM, signed in as the scenario's workflow identity. */
export function webClient(twin: Twin, state: TwinState): WebSiteManagementClient {
  return new WebSiteManagementClient(workflowCredential(twin, state), state.subscriptionId, {
    endpoint: twin.armEndpoint,
    credentials: { scopes: [`${twin.armEndpoint}/.default`] }
  });
}
