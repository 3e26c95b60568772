// ESM TypeScript through ts-jest, as the actions/typescript-action template does.
// Run with NODE_OPTIONS=--experimental-vm-modules (see package.json "test").
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts', '<rootDir>/emulator/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  verbose: false
};
