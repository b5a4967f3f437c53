/** What every project of the suite shares: TypeScript through ts-jest, plain log lines. */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // The CEL interpreter ships as ES modules only; Jest on Node 20 loads CommonJS.
    '/node_modules/@marcbachmann/cel-js/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  // Relative imports carry `.js` (NodeNext style); the sources are `.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/support/plain-console.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      // Unit tests beside the code they test, and the import rules: no server, no database, so
      // `npx jest src/shared` starts nothing.
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{src,subgraphs,gateway}/**/*.test.ts', '<rootDir>/test/layers.test.ts'],
    },
    {
      // Through real servers: each run gets its own databases (from templates) and temp folder.
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/layers.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  // A worker leaves when its event loop is empty; Jest kills it (and prints "failed to exit
  // gracefully") after 500 ms. On two loaded cores a worker that has just stopped hubs and
  // databases can need longer, with no handle left open (--detectOpenHandles finds none).
  workerGracefulExitTimeout: 5_000,
  // Two cores: two test files at a time, each with its own stack and databases.
  maxWorkers: 2,
};
