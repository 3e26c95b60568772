/**
 * The workflow's event, read as `@actions/github`'s `Context` reads it (lib/context.js: `GITHUB_EVENT_NAME`, and the
 * webhook payload from the JSON file at `GITHUB_EVENT_PATH`) without importing `@actions/github`, which would load
 * Octokit in every run (src/octokit.ts). GitHub docs: "Variables" (default environment variables) and "Events that
 * trigger workflows".
 */
import { readFileSync } from 'node:fs';

export interface WorkflowEvent {
  /** e.g. `pull_request`, `push`, `schedule`; '' outside GitHub Actions. */
  eventName: string;
  /** The event's webhook payload; `{}` when there is no event file. */
  payload: Record<string, unknown>;
  /** Why the payload could not be read (a missing or malformed event file), for a warning; absent when it was. */
  problem?: string;
}

/**
 * Reads the event from `env` (default: process.env). Never throws: a missing file or one that is not a JSON object
 * gives `payload: {}` and says so in `problem` (`@actions/github` would throw on malformed JSON when imported).
 * @param read reads a file as UTF-8 (tests).
 */
export function workflowEvent(
  env: NodeJS.ProcessEnv = process.env,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8')
): WorkflowEvent {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return { eventName, payload: {} };
  try {
    const payload: unknown = JSON.parse(read(file));
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
      return { eventName, payload: payload as Record<string, unknown> };
    }
    return { eventName, payload: {}, problem: `GITHUB_EVENT_PATH ${file} does not hold a JSON object` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `could not be read: ${(e as Error).message}`;
    return { eventName, payload: {}, problem: `GITHUB_EVENT_PATH ${file} ${why}` };
  }
}
