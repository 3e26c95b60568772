/**
 * Reads the targets file from the workspace (GITHUB_WORKSPACE, where actions/checkout puts the repository; the
 * current directory when it is not set). The file must stay inside the workspace after symbolic links are followed,
 * and is at most MAX_TARGETS_FILE_LENGTH bytes.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_TARGETS_FILE_LENGTH } from './file.js';

/**
 * The text of the targets file `relPath` (relative to `workspace`), without a leading byte order mark.
 * @throws Error whose message says what is wrong and what to do: not found (check the path, check out the repository
 *   first), not a file, outside the workspace, too large, or another read error (its code).
 */
export function readTargetsFile(
  relPath: string,
  workspace: string = process.env.GITHUB_WORKSPACE || process.cwd()
): string {
  const full = path.resolve(workspace, relPath);
  let real: string;
  try {
    real = realpathSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `was not found in the workspace (${workspace}); check the path, and that the job checks out the repository ` +
          '(actions/checkout) before this step'
      );
    }
    throw new Error(`could not be read (${code ?? 'error'})`);
  }
  const root = realpathSync(workspace);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new Error('leads outside the workspace (a symbolic link); keep the targets file in the repository');
  }
  const st = statSync(real);
  if (!st.isFile()) throw new Error('is not a file; give the path of a YAML file');
  if (st.size > MAX_TARGETS_FILE_LENGTH) {
    throw new Error(`is ${st.size} bytes; the limit is ${MAX_TARGETS_FILE_LENGTH}: split it across files and jobs`);
  }
  return readFileSync(real, 'utf8').replace(/^\uFEFF/, '');
}
