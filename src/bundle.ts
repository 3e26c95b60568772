/**
 * Parts of the bundle that src/ imports on first use (dist/<id>.index.js chunks: the run's reconcile and report code,
 * `@azure/identity`, the typed APIM client, Octokit). A chunk that is missing or damaged (a partial checkout, a
 * truncated file) fails its import with Node's module error, which names a file but not the cause; loadPart says what
 * could not be loaded and what to do, and marks the error so callers can tell it from an Azure failure — in
 * particular, a write whose client could not be loaded was never sent.
 */
import { ActionError } from './errors.js';

/** A part of the action's own files could not be loaded: nothing that needed it ran. */
export class BundleLoadError extends ActionError {
  constructor(message: string) {
    super(message);
    this.name = 'BundleLoadError';
  }
}

/**
 * Runs `load` (a dynamic import) and turns its failure into a BundleLoadError naming `what`.
 * @param what e.g. `the typed APIM client (@azure/arm-apimanagement)`.
 */
export async function loadPart<T>(what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new BundleLoadError(
      `Could not load ${what} from the action's files (${why}): the action's dist/ is incomplete or damaged. ` +
        `Re-run the job; if it fails again, use a release tag or a commit of the action whose dist/ is complete.`
    );
  }
}
