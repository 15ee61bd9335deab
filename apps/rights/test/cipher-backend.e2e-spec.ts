import { nodeCryptoTokenAead, tokenAead } from '@openplay/core';
import { validateRightsConfig } from '../src/config/rights.config';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';
import { type Stack, tokenUrl, useStack } from './support/stack';

const json = async (response: Response): Promise<any> => response.json();
const KEY = '000102030405060708090a0b0c0d0e0f';
/** Where no addon is: OPENPLAY_NATIVE_ADDON points the loader at it. */
const MISSING_ADDON = '/nonexistent/openplay_cipher.node';

/** A Widevine token from token-gen, presented to FairPlay (-6002: it opened), and tampered with (-4010: it did not). */
async function tokensRoundTrip(stack: Stack): Promise<void> {
  const { authenticators } = await stack.admin.createAccount({
    name: 'C',
    credits: null,
    widevine: true,
    fairplay: true,
  });
  const wv = await tokenUrl(
    stack,
    'wv',
    `customerAuthenticator=${encodeURIComponent(authenticators.test)}&kid=^c&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`,
  );
  const post = (url: string) =>
    fetch(url, { method: 'POST', body: Buffer.from([8, 4]), headers: { 'content-type': 'application/octet-stream' } });
  expect((await json(await post(wv.replace('/hms/wv/', '/hms/fp/')))).code).toBe(-6002);
  const tampered = wv.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  expect(await json(await post(tampered))).toEqual({
    code: -4010,
    message: expect.stringMatching(/forged or corrupt/),
  });
}

const backendLine = (stack: Stack) => stack.rightsLogs.find((line) => 'cipherBackend' in line);

describe('OPENPLAY_NATIVE=auto where the addon loads (real apps, real Postgres)', () => {
  const stack = useStack(() => ({ LOG_LEVEL: 'info' }));

  it('runs the token codec on the addon, and says so once at start-up', async () => {
    expect(backendLine(stack)).toMatchObject({
      level: 30,
      cipherBackend: 'native',
      OPENPLAY_NATIVE: 'auto',
      msg: 'AES and HMAC run on native',
    });
    expect(stack.rightsLogs.filter((line) => 'cipherBackend' in line)).toHaveLength(1);
    expect(tokenAead()).not.toBe(nodeCryptoTokenAead);
    await tokensRoundTrip(stack);
  });
});

describe('OPENPLAY_NATIVE=auto where the addon does not load (real apps, real Postgres)', () => {
  beforeAll(() => {
    process.env.OPENPLAY_NATIVE_ADDON = MISSING_ADDON;
  });
  afterAll(() => {
    delete process.env.OPENPLAY_NATIVE_ADDON;
  });
  const stack = useStack(() => ({ LOG_LEVEL: 'info', OPENPLAY_NATIVE: 'auto' }));

  it('falls back to node:crypto with a warning that says why, and serves as before', async () => {
    expect(backendLine(stack)).toMatchObject({
      level: 40,
      cipherBackend: 'node:crypto',
      OPENPLAY_NATIVE: 'auto',
      reason: expect.stringContaining(`cannot load the native addon ${MISSING_ADDON}`),
      msg: expect.stringContaining('native cipher addon not loaded'),
    });
    expect(tokenAead()).toBe(nodeCryptoTokenAead);
    await tokensRoundTrip(stack);
  });
});

describe('OPENPLAY_NATIVE=required where the addon does not load', () => {
  afterEach(() => {
    delete process.env.OPENPLAY_NATIVE_ADDON;
  });

  it('refuses to start, naming the setting, the file and the fix', async () => {
    process.env.OPENPLAY_NATIVE_ADDON = MISSING_ADDON;
    const config = validateRightsConfig({
      DATABASE_URL: 'postgresql://127.0.0.1:1/none',
      OPENPLAY_NATIVE: 'required',
      LOG_LEVEL: 'silent',
    });
    await expect(createRightsApp(config, createCryptoImplementation(config))).rejects.toThrow(
      new RegExp(
        `^@openplay/cipher: OPENPLAY_NATIVE=required but cannot load the native addon ${MISSING_ADDON}: .*set OPENPLAY_NATIVE=auto to run on node:crypto$`,
      ),
    );
  });

  it('starts with it where it loads', async () => {
    const config = validateRightsConfig({
      DATABASE_URL: 'postgresql://127.0.0.1:1/none',
      OPENPLAY_NATIVE: 'required',
      LOG_LEVEL: 'silent',
    });
    const app = await createRightsApp(config, createCryptoImplementation(config));
    await app.close();
    expect(tokenAead()).not.toBe(nodeCryptoTokenAead);
  });
});
