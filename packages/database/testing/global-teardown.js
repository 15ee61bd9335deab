const { tearDownTestServer } = require('./index');

module.exports = async () => {
  if (globalThis.__OPENPLAY_TEST_SERVER__) await tearDownTestServer(globalThis.__OPENPLAY_TEST_SERVER__);
};
