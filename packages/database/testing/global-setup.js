const { setUpTestServer } = require('./index');

module.exports = async () => {
  globalThis.__OPENPLAY_TEST_SERVER__ = await setUpTestServer();
};
