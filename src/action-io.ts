/**
 * The runner side of the action (@actions/core): the run's secret registry, log masking, the Logger with log groups,
 * and small knobs read from the environment. Everything the action logs passes through here: secrets scrubbed, and
 * no line can start a workflow command.
 */
import * as core from '@actions/core';
import type { RetryInfo } from './azure/retry.js';
import type { Logger } from './ports.js';
import { createSecretRegistry, defuseCommands } from './secrets.js';

/** The run's secrets: registered with the runner (log masking) and scrubbed from everything else the action writes. */
export const secrets = createSecretRegistry();

/** Registers a secret for log masking and for scrubbing the report, comment, outputs and failure message. */
export function mask(secret: string | undefined): void {
  if (!secret) return;
  core.setSecret(secret);
  secrets.add(secret);
}

/** The runner's log: scrubbed, defused, with collapsible groups (`core.group`). */
export const coreLogger: Logger = {
  info: (m) => core.info(defuseCommands(secrets.scrub(m))),
  warning: (m) => core.warning(secrets.scrub(m), { title: 'apim-function-auth' }),
  debug: (m) => core.debug(secrets.scrub(m)),
  group: (name, f) => core.group(name, f)
};

/**
 * A retry hook that logs one line per retry to `log` (default: the runner's log; the info carries a status or error
 * code, never a body or a token).
 */
export function logRetry(what: string, log: Logger = coreLogger): (i: RetryInfo) => void {
  return (i) =>
    log.info(`${what}: attempt ${i.attempt}/${i.attempts} failed (${i.reason}); retrying in ${i.delayMs} ms`);
}

/**
 * Timeout of each ARM request in ms: `APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS` when it is a whole number from 100 to 600000
 * (tests and the fault matrix use a short one), else undefined (the adapter's default, 60000 ms).
 */
export function armTimeoutMs(): number | undefined {
  const v = Number(process.env.APIM_FUNCTION_AUTH_ARM_TIMEOUT_MS);
  return Number.isInteger(v) && v >= 100 && v <= 600_000 ? v : undefined;
}
