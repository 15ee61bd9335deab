// The data shaping (src/lib) runs under the repository's jest; the app itself is ESM for Vite, so ts-jest compiles
// these files to CommonJS here.
const preset = require('../../jest.preset.js')('unit');

module.exports = {
  ...preset,
  testRegex: 'src/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'ES2022', isolatedModules: true } }],
  },
};
