/**
 * Tags a release: `npm run release -- 1.2.3` (add `--dry-run` to run the checks and tag nothing).
 *
 * Checks, in this order (each failure stops the release and tags nothing):
 * 1. the version is semver (`1.2.3`, or a pre-release such as `1.3.0-rc.1`) and its tag `v1.2.3` does not exist;
 * 2. the working tree is clean (no staged, unstaged or untracked changes) and HEAD is the branch `main`;
 * 3. CHANGELOG.md has a heading for the version (`## [1.2.3] - 2025-01-31`);
 * 4. dist/ is fresh: `npm run build`, then `git status --porcelain -- dist` must be empty.
 * Then it creates the annotated tag `v1.2.3` (its message is the CHANGELOG section) and moves the major tag `v1` to
 * the same commit (not for pre-releases, nor for a release older than the newest of its major version), and prints
 * the `git push` commands. It never pushes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export interface Version {
  version: string;
  major: number;
  prerelease: boolean;
}

/** `1.2.3` or `v1.2.3` → the version; anything else throws. */
export function parseVersion(arg: string | undefined): Version {
  const version = (arg ?? '').replace(/^v/, '');
  const m = SEMVER.exec(version);
  if (!m) throw new Error(`usage: npm run release -- <version>, e.g. 1.2.3 (got '${arg ?? ''}')`);
  return { version, major: Number(m[1]), prerelease: m[4] !== undefined };
}

/** Compares release versions (major, minor, patch; pre-releases are never compared here). */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** The newest release tag of a major version among `tags` (pre-releases ignored), without its `v`. */
export function newestRelease(tags: string[], major: number): string | undefined {
  return tags
    .map((t) => t.replace(/^v/, ''))
    .filter((t) => new RegExp(`^${major}\\.\\d+\\.\\d+$`).test(t))
    .sort(compareReleases)
    .pop();
}

/**
 * The CHANGELOG section of a version (Keep a Changelog: `## [1.2.3] - 2025-01-31`), without its heading; undefined
 * when there is no such heading.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.replace(/\r\n?/g, '\n').split('\n');
  const escaped = version.replace(/[.+-]/g, (c) => `\\${c}`);
  const heading = new RegExp(`^##\\s+\\[?v?${escaped}\\]?(\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^##\s/.test(l) || /^\[[^\]]+\]:\s/.test(l));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

function gitOk(args: string[]): boolean {
  try {
    git(args);
    return true;
  } catch {
    return false;
  }
}

function fail(message: string): never {
  console.error(`release: ${message}`);
  process.exit(1);
}

function main(argv: string[]): void {
  const dryRun = argv.includes('--dry-run');
  const positional = argv.filter((a) => a !== '--dry-run');
  if (positional.length !== 1) fail('usage: npm run release -- <version> [--dry-run], e.g. 1.2.3');
  let v: Version;
  try {
    v = parseVersion(positional[0]);
  } catch (e) {
    fail((e as Error).message);
  }
  const tag = `v${v.version}`;
  const majorTag = `v${v.major}`;

  // 1. The tag is new.
  if (gitOk(['rev-parse', '-q', '--verify', `refs/tags/${tag}`])) fail(`tag ${tag} exists already`);

  // 2. A clean tree on main.
  const dirty = git(['status', '--porcelain']);
  if (dirty) fail(`the working tree is not clean; commit or stash first:\n${dirty}`);
  const branch = gitOk(['symbolic-ref', '-q', 'HEAD']) ? git(['rev-parse', '--abbrev-ref', 'HEAD']) : '(detached)';
  if (branch !== 'main') fail(`releases are tagged on main (HEAD is ${branch})`);
  const head = git(['rev-parse', 'HEAD']);
  if (gitOk(['rev-parse', '-q', '--verify', 'refs/remotes/origin/main'])) {
    const remote = git(['rev-parse', 'refs/remotes/origin/main']);
    if (remote !== head) {
      console.warn(
        `release: warning: HEAD (${head.slice(0, 12)}) is not origin/main (${remote.slice(0, 12)}) as last fetched; ` +
          'push main before the tags'
      );
    }
  }

  // 3. CHANGELOG has the version.
  const changelogFile = path.join(repoRoot, 'CHANGELOG.md');
  const changelog = fs.existsSync(changelogFile) ? fs.readFileSync(changelogFile, 'utf8') : '';
  const notes = changelogSection(changelog, v.version);
  if (notes === undefined) {
    fail(
      `CHANGELOG.md has no heading for ${v.version}: move the Unreleased entries under ` +
        `'## [${v.version}] - YYYY-MM-DD', commit, and run again`
    );
  }
  const pkgVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version?: string })
    .version;
  if (pkgVersion !== v.version) {
    console.warn(`release: note: package.json says ${pkgVersion ?? '(none)'}; the tag says ${v.version}`);
  }

  // 4. dist/ is a fresh build of src/.
  console.log('release: npm run build (dist/ must not change)');
  execFileSync('npm', ['run', 'build'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32'
  });
  const distChanges = git(['status', '--porcelain', '--', 'dist']);
  if (distChanges) {
    fail(`dist/ is stale: the build changed it. Review and commit dist/, then run again:\n${distChanges}`);
  }

  // The major tag follows the newest release: a patch of an older minor line (1.2.4 after 1.3.0) leaves it alone.
  const newest = newestRelease(git(['tag', '--list', `v${v.major}.*`]).split('\n'), v.major);
  const moveMajor = !v.prerelease && (newest === undefined || compareReleases(v.version, newest) > 0);

  const message = `${tag}\n\n${notes || '(no notes)'}\n`;
  const pushMain = `git push origin main`;
  const pushTag = `git push origin refs/tags/${tag}`;
  const pushMajor = `git push --force origin refs/tags/${majorTag}`;
  if (dryRun) {
    console.log(`release: dry run: all checks passed; would tag ${head.slice(0, 12)} as ${tag}`);
    if (moveMajor) console.log(`release: dry run: would move ${majorTag} to ${tag}`);
    return;
  }

  // Tag: the release tag never moves; the major tag follows the newest release of its major version.
  // verbatim-ish: the default cleanup would drop the notes' '### Added' lines as comments.
  execFileSync('git', ['tag', '-a', '--cleanup=whitespace', tag, '-F', '-', head], { cwd: repoRoot, input: message });
  console.log(`release: created ${tag} at ${head.slice(0, 12)}`);
  if (moveMajor) {
    execFileSync(
      'git',
      ['tag', '-f', '-a', majorTag, '-m', `${majorTag}: latest ${majorTag}.x release, ${tag}`, head],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'inherit']
      }
    );
    console.log(`release: moved ${majorTag} to ${tag}`);
  } else {
    const why = v.prerelease ? 'is a pre-release' : `is older than v${newest ?? ''}`;
    console.log(`release: ${tag} ${why}: ${majorTag} stays where it is`);
  }
  console.log('\nNothing is pushed. To publish:\n');
  console.log(`  ${pushMain}`);
  console.log(`  ${pushTag}`);
  if (moveMajor) console.log(`  ${pushMajor}`);
  console.log(
    `\nThen create the GitHub release from the tag (e.g. gh release create ${tag} --verify-tag --notes-from-tag` +
      (v.prerelease ? ' --prerelease' : '') +
      ').'
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2));
}
