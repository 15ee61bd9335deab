import { DEV_TOKEN_KEYS } from '@openplay/nest-kit';
import { DEV_RENEWAL_SECRET, validateRightsConfig } from './rights.config';

const base = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' };

describe('rights configuration', () => {
  it('reads OPENPLAY_NATIVE: auto by default (also when empty), required or off, nothing else', () => {
    expect(validateRightsConfig(base).OPENPLAY_NATIVE).toBe('auto');
    expect(validateRightsConfig({ ...base, OPENPLAY_NATIVE: '' }).OPENPLAY_NATIVE).toBe('auto');
    expect(validateRightsConfig({ ...base, OPENPLAY_NATIVE: 'required' }).OPENPLAY_NATIVE).toBe('required');
    expect(validateRightsConfig({ ...base, OPENPLAY_NATIVE: 'off' }).OPENPLAY_NATIVE).toBe('off');
    expect(() => validateRightsConfig({ ...base, OPENPLAY_NATIVE: 'on' })).toThrow(
      'Invalid configuration: OPENPLAY_NATIVE: OPENPLAY_NATIVE must be auto, required or off',
    );
  });

  it('has working development defaults in the test environment', () => {
    expect(validateRightsConfig(base)).toMatchObject({
      RIGHTS_PORT: 8081,
      ENVIRONMENT: 'test',
      TOKEN_KEYS: DEV_TOKEN_KEYS,
      WIDEVINE_RENEWAL_SECRET: DEV_RENEWAL_SECRET,
      CRYPTO_MODULE: 'software',
      CORS_ORIGINS: '*',
      WIDEVINE_TRUSTED_ROOTS: [],
      WIDEVINE_UNKNOWN_DEVICES: 'L3',
    });
  });

  it('reads the Widevine settings: paths trimmed, roots split on commas, unknown devices refused in production by default', () => {
    const config = validateRightsConfig({
      ...base,
      WIDEVINE_TRUSTED_ROOTS: ' a.bin, ,b.bin ',
      WIDEVINE_SERVICE_CERTIFICATE: ' service.bin',
      WIDEVINE_SERVICE_PRIVATE_KEY: 'service.pem ',
      WIDEVINE_DEVICES: 'devices.json',
      WIDEVINE_DCSL: 'dcsl.bin',
      WIDEVINE_UNKNOWN_DEVICES: 'L2',
    });
    expect(config).toMatchObject({
      WIDEVINE_TRUSTED_ROOTS: ['a.bin', 'b.bin'],
      WIDEVINE_SERVICE_CERTIFICATE: 'service.bin',
      WIDEVINE_SERVICE_PRIVATE_KEY: 'service.pem',
      WIDEVINE_DEVICES: 'devices.json',
      WIDEVINE_DCSL: 'dcsl.bin',
      WIDEVINE_UNKNOWN_DEVICES: 'L2',
    });
    const production = {
      ...base,
      ENVIRONMENT: 'production',
      TOKEN_KEYS: `2:${'12'.repeat(32)}`,
      WIDEVINE_RENEWAL_SECRET: '34'.repeat(32),
    };
    expect(validateRightsConfig(production).WIDEVINE_UNKNOWN_DEVICES).toBe('reject');
    expect(validateRightsConfig({ ...production, WIDEVINE_UNKNOWN_DEVICES: '' }).WIDEVINE_UNKNOWN_DEVICES).toBe(
      'reject',
    );
    expect(validateRightsConfig({ ...production, WIDEVINE_UNKNOWN_DEVICES: 'L3' }).WIDEVINE_UNKNOWN_DEVICES).toBe('L3');
    expect(
      validateRightsConfig({ ...base, WIDEVINE_SERVICE_CERTIFICATE: ' ', WIDEVINE_SERVICE_PRIVATE_KEY: ' ' })
        .WIDEVINE_SERVICE_CERTIFICATE,
    ).toBeUndefined();
  });

  it.each([
    [{ RIGHTS_PORT: '-1' }, /RIGHTS_PORT/],
    [{ CRYPTO_MODULE: 'hsm' }, /CRYPTO_MODULE must be software/],
    [{ WIDEVINE_RENEWAL_SECRET: 'abcd' }, /WIDEVINE_RENEWAL_SECRET must be 64 to 128 hex digits/],
    [{ WIDEVINE_RENEWAL_DELAY: '0' }, /WIDEVINE_RENEWAL_DELAY/],
    [
      { WIDEVINE_UNKNOWN_DEVICES: 'maybe' },
      /^Invalid configuration: WIDEVINE_UNKNOWN_DEVICES: WIDEVINE_UNKNOWN_DEVICES must be reject, L1, L2 or L3$/,
    ],
    [
      { WIDEVINE_SERVICE_CERTIFICATE: 'service.bin' },
      /^Invalid configuration: WIDEVINE_SERVICE_PRIVATE_KEY: WIDEVINE_SERVICE_CERTIFICATE and WIDEVINE_SERVICE_PRIVATE_KEY must be set together$/,
    ],
    [
      { WIDEVINE_SERVICE_PRIVATE_KEY: 'service.pem' },
      /^Invalid configuration: WIDEVINE_SERVICE_CERTIFICATE: WIDEVINE_SERVICE_CERTIFICATE and WIDEVINE_SERVICE_PRIVATE_KEY must be set together$/,
    ],
    [{ TOKEN_KEYS: 'nonsense' }, /^Invalid configuration: TOKEN_KEYS: /],
    [
      { ENVIRONMENT: 'production', TOKEN_KEYS: `2:${'12'.repeat(32)}` },
      /WIDEVINE_RENEWAL_SECRET: the development secret cannot be used in production/,
    ],
    [
      { ENVIRONMENT: 'production', WIDEVINE_RENEWAL_SECRET: '34'.repeat(32) },
      /TOKEN_KEYS: the development key ring cannot be used in production/,
    ],
  ])('refuses %o with one clear line', (change, message) => {
    expect(() => validateRightsConfig({ ...base, ...change })).toThrow(message);
  });
});
