/**
 * Reads the targets file from the workspace (GITHUB_WORKSPACE, where actions/checkout puts the repository; the
 * current directory when it is not set). The file must stay inside the workspace after symbolic links are followed,
 * is at most MAX_TARGETS_FILE_LENGTH bytes, and is UTF-8 text.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_TARGETS_FILE_LENGTH } from './file.js';

/**
 * The text of the targets file `relPath` (relative to `workspace`), without a leading byte order mark.
 * @throws Error whose message says what is wrong and what to do: not found (check the path, check out the repository
 *   first), not a file, outside the workspace, too large, not UTF-8, or another read error (its code).
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
  return decodeUtf8(readFileSync(real)).replace(/^\uFEFF/, '');
}

/**
 * The file's bytes as UTF-8 text (YAML 1.2 files are Unicode; GitHub and editors default to UTF-8). A UTF-16 byte
 * order mark or bytes that are not UTF-8 (e.g. Latin-1 `é`) are refused with the line, rather than read as U+FFFD
 * replacement characters that would surface later as puzzling values.
 */
function decodeUtf8(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error('is UTF-16 text; save it as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new Error(`is not UTF-8 text (line ${line}); save it as UTF-8`);
  }
}
