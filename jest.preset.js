// Shared jest settings. ts-jest transpiles only (isolatedModules); `npm run typecheck` does the type checking once.
module.exports = (tier = 'unit') => ({
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', require.resolve('./scripts/jest-totals-reporter.js')],
  testRegex: {
    unit: '(src|test)/.*\\.spec\\.ts$',
    e2e: 'test/.*\\.e2e-spec\\.ts$',
    int: 'test/.*\\.int-spec\\.ts$',
  }[tier],
  // The generated Prisma client imports './x.js' siblings that only exist as .ts under ts-jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  ...(tier !== 'unit'
    ? {
        globalSetup: require.resolve('./packages/database/testing/global-setup.js'),
        globalTeardown: require.resolve('./packages/database/testing/global-teardown.js'),
        testTimeout: 30_000,
      }
    : {}),
});
