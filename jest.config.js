// ESM TypeScript through ts-jest, as the actions/typescript-action template does.
// Run with NODE_OPTIONS=--experimental-vm-modules (see package.json "test").
//
// Two projects, one run (`npm test` runs both; `npm run test:unit` / `npm run test:e2e` set JEST_PROJECT to run one;
// jest's own `--selectProjects unit|e2e` works too, but it swallows the test paths that follow it):
// - unit: in-process tests, including the twin's in-process tests (emulator/__tests__ except the CLI test).
// - e2e: tests that spawn processes — the bundled dist/index.js against the twin (__tests__/e2e), the twin's CLI.
//   Its globalSetup (scripts/ensure-dist.ts) rebuilds dist/ first when src/ changed since the last build, so an
//   end-to-end test never runs a stale bundle; it runs only when an e2e test is selected.
/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }]
  }
};

/** Tests that spawn processes (dist/index.js, the twin's CLI): the e2e project, and only there. */
const spawning = ['<rootDir>/__tests__/e2e/', '<rootDir>/emulator/__tests__/cli\\.test\\.ts$'];

/** @type {import('jest').Config[]} */
const projects = [
  {
    ...shared,
    displayName: 'unit',
    testMatch: ['<rootDir>/__tests__/**/*.test.ts', '<rootDir>/emulator/__tests__/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', ...spawning]
  },
  {
    ...shared,
    displayName: 'e2e',
    testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts', '<rootDir>/emulator/__tests__/cli.test.ts'],
    globalSetup: '<rootDir>/scripts/ensure-dist.ts'
  }
];

const only = process.env.JEST_PROJECT?.split(',').filter(Boolean);
const unknown = only?.filter((name) => !projects.some((p) => p.displayName === name)) ?? [];
if (unknown.length) throw new Error(`JEST_PROJECT: no project ${unknown.join(', ')} (there are unit, e2e)`);

/** @type {import('jest').Config} */
export default {
  projects: only?.length ? projects.filter((p) => only.includes(p.displayName)) : projects,
  // 2 cores: jest's default (cores − 1 = 1 worker) runs everything in band, one file after another. The e2e files
  // mostly wait on child processes and the twin, so two workers overlap them with the in-process files.
  maxWorkers: 2,
  testTimeout: 60000,
  verbose: false
};
