/**
 * Keeps the end-to-end tests off a stale bundle. The e2e tests run `dist/index.js`, not `src/`; this is the e2e
 * project's jest globalSetup (jest.config.js), so `npm test` and `npm run test:e2e` rebuild `dist/` first when the
 * bundle's inputs changed since it was built. Jest runs a globalSetup once per run, and only when a test of its project
 * is selected (`npm run test:unit` never gets here).
 *
 * Fresh means: the SHA-256 of the bundle's inputs (every file under src/, package.json, package-lock.json,
 * tsconfig.json, scripts/licenses.ts) and of the files in dist/ equal the ones `npm run build` recorded (its prebuild
 * and postbuild hooks call this script; the stamp lives in node_modules/.cache/, outside git). Checking costs a hash of
 * those files (tens of milliseconds), never a build, so in CI — which builds before the tests — it is a no-op. No stamp
 * (a fresh clone, after `npm ci`), changed inputs, or a dist/ that is not the one recorded (git checkout, a build by
 * other means) → one line on stderr and `npm run build`. A lock keeps two jest runs from building at once.
 *
 *   tsx scripts/ensure-dist.ts                  check, and rebuild when stale (what the globalSetup does)
 *   tsx scripts/ensure-dist.ts --check          exit 0 when fresh, 1 (with the reason) when not
 *   tsx scripts/ensure-dist.ts --before-build   npm prebuild hook: notes the inputs' hash as the build starts and
 *                                               removes the previous build's chunks (dist/<id>.index.js)
 *   tsx scripts/ensure-dist.ts --after-build    npm postbuild hook: records that hash with the hash of the new dist/
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files and folders the bundle is built from (relative to the repository root; folders are walked). */
const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/licenses.ts'];

interface Stamp {
  inputs: string;
  dist: string;
  builtAt: string;
}

const cacheDir = (root: string) => path.join(root, 'node_modules/.cache/apim-function-auth');
const stampFile = (root: string) => path.join(cacheDir(root), 'dist-stamp.json');
const pendingFile = (root: string) => path.join(cacheDir(root), 'dist-stamp.pending');
const lockDir = (root: string) => path.join(cacheDir(root), 'build.lock');

function filesUnder(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const p = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (statSync(abs).isDirectory()) walk(rel);
  else out.push(rel);
  return out;
}

/** SHA-256 over the files' paths and contents, in a stable order. */
function hashFiles(root: string, rels: string[]): string {
  const h = createHash('sha256');
  for (const rel of [...new Set(rels.flatMap((r) => filesUnder(root, r)))].sort()) {
    h.update(rel)
      .update('\0')
      .update(readFileSync(path.join(root, rel)))
      .update('\0');
  }
  return h.digest('hex');
}

export const inputsHash = (root: string) => hashFiles(root, INPUTS);
export const distHash = (root: string) => hashFiles(root, ['dist']);

function readStamp(root: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(stampFile(root), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Whether dist/ was built from the inputs as they are now; `reason` says why not. */
export function distStatus(root: string): { fresh: true } | { fresh: false; reason: string } {
  if (!existsSync(path.join(root, 'dist/index.js'))) return { fresh: false, reason: 'dist/index.js is missing' };
  const stamp = readStamp(root);
  if (!stamp) return { fresh: false, reason: 'no record of the last build (fresh clone or npm ci)' };
  if (stamp.inputs !== inputsHash(root))
    return { fresh: false, reason: `src/ (or package files) changed since the build of ${stamp.builtAt}` };
  if (stamp.dist !== distHash(root))
    return { fresh: false, reason: 'dist/ is not the one the last npm run build produced' };
  return { fresh: true };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `f` holding a lock directory (atomic mkdir); waits for a live holder, takes over from a dead one. */
async function withLock<T>(root: string, f: () => T): Promise<T> {
  mkdirSync(cacheDir(root), { recursive: true });
  const dir = lockDir(root);
  const started = Date.now();
  let said = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path.join(dir, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      // A lock without a pid is one being taken right now; give it a moment before calling it abandoned.
      if ((pid && !alive(pid)) || (!pid && Date.now() - started > 5000)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!said) process.stderr.write(`ensure-dist: waiting for the dist/ build of process ${pid} to finish\n`);
      said = true;
      if (Date.now() - started > 10 * 60_000) throw new Error(`ensure-dist: ${dir} held for 10 minutes; remove it`);
      await sleep(250);
    }
  }
  try {
    return f();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rebuilds dist/ with `npm run build` when it is stale; prints one line when it does. Returns whether it built. */
export async function ensureDist(root: string): Promise<boolean> {
  if (distStatus(root).fresh) return false;
  return withLock(root, () => {
    const status = distStatus(root); // another run may have built it while this one waited
    if (status.fresh) return false;
    process.stderr.write(`ensure-dist: ${status.reason}: rebuilding dist/ with npm run build before the e2e tests\n`);
    const t0 = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['run', 'build'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
      throw new Error(
        `ensure-dist: npm run build failed (${r.error?.message ?? `exit ${r.status}`}); dist/ may be stale`
      );
    }
    const after = distStatus(root);
    if (!after.fresh) process.stderr.write(`ensure-dist: built, but ${after.reason} (edited during the build?)\n`);
    else process.stderr.write(`ensure-dist: dist/ rebuilt in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return true;
  });
}

/**
 * Removes the bundle's chunks (dist/<id>.index.js: the parts src/ imports dynamically) before a build: ncc writes the
 * chunks of this build but leaves those of earlier builds, whose ids may differ, and a stale chunk would ship unused.
 */
function removeChunks(root: string): void {
  const dist = path.join(root, 'dist');
  if (!existsSync(dist)) return;
  for (const f of readdirSync(dist)) if (/^\d+\.index\.js$/.test(f)) rmSync(path.join(dist, f));
}

/** jest globalSetup (the e2e project's). */
export default async function globalSetup(_globalConfig: unknown, projectConfig?: { rootDir?: string }) {
  await ensureDist(projectConfig?.rootDir ?? process.cwd());
}

async function cli(argv: string[]) {
  const root = process.cwd();
  mkdirSync(cacheDir(root), { recursive: true });
  if (argv.includes('--before-build')) {
    writeFileSync(pendingFile(root), inputsHash(root));
    removeChunks(root);
  } else if (argv.includes('--after-build')) {
    // The inputs as the build started (an edit during the build makes the next check rebuild).
    const inputs = existsSync(pendingFile(root)) ? readFileSync(pendingFile(root), 'utf8') : inputsHash(root);
    const stamp: Stamp = { inputs, dist: distHash(root), builtAt: new Date().toISOString() };
    writeFileSync(stampFile(root), JSON.stringify(stamp, null, 2) + '\n');
    rmSync(pendingFile(root), { force: true });
  } else if (argv.includes('--check')) {
    const s = distStatus(root);
    console.log(s.fresh ? 'dist/ is fresh' : `dist/ is stale: ${s.reason}`);
    process.exitCode = s.fresh ? 0 : 1;
  } else {
    if (!(await ensureDist(root))) console.log('dist/ is fresh');
  }
}

// Run as a script (not imported by jest): no import.meta here, jest may load this file as CommonJS.
if (/ensure-dist\.ts$/.test(process.argv[1] ?? '')) {
  cli(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
