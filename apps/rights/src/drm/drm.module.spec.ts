import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRightsConfig } from '../config/rights.config';
import { createCryptoImplementation } from './drm.module';

const dir = mkdtempSync(join(tmpdir(), 'rights-widevine-settings-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('the Widevine files at start-up', () => {
  const base = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' };

  it.each([
    [
      'WIDEVINE_TRUSTED_ROOTS',
      () => '/nonexistent/root.bin',
      /^Invalid configuration: WIDEVINE_TRUSTED_ROOTS: cannot read \/nonexistent\/root.bin \(ENOENT\)$/,
    ],
    [
      'WIDEVINE_TRUSTED_ROOTS',
      () => file('not-a-root.bin', Buffer.from([0x0a, 0x01, 0x00])),
      /^Invalid configuration: WIDEVINE_TRUSTED_ROOTS: \/.*not-a-root.bin: /,
    ],
    [
      'WIDEVINE_DEVICES',
      () => file('devices.json', '{"7777": '),
      /^Invalid configuration: WIDEVINE_DEVICES: \/.*devices.json: not valid JSON$/,
    ],
    [
      'WIDEVINE_DEVICES',
      () => file('levels.json', '{"7": {"level": "L4"}}'),
      /^Invalid configuration: WIDEVINE_DEVICES: \/.*levels.json: entry 7 level must be L1, L2 or L3/,
    ],
    [
      'WIDEVINE_DCSL',
      () => file('dcsl.bin', Buffer.from([0xff, 0xff])),
      /^Invalid configuration: WIDEVINE_DCSL: \/.*dcsl.bin: .*not a Device Certificate Status List/,
    ],
  ])('a bad %s stops the start-up with one line naming it', (setting, path, message) => {
    const config = validateRightsConfig({ ...base, [setting]: path() });
    expect(() => createCryptoImplementation(config)).toThrow(message);
  });

  it('names the service certificate or its key, whichever cannot be read', () => {
    const key = file('service.pem', 'not a key');
    const config = validateRightsConfig({
      ...base,
      WIDEVINE_SERVICE_CERTIFICATE: '/nonexistent/service.bin',
      WIDEVINE_SERVICE_PRIVATE_KEY: key,
    });
    expect(() => createCryptoImplementation(config)).toThrow(
      /^Invalid configuration: WIDEVINE_SERVICE_CERTIFICATE: cannot read \/nonexistent\/service.bin \(ENOENT\)$/,
    );
    const certificate = file('service.bin', Buffer.from([0x0a, 0x01, 0x00]));
    const missingKey = validateRightsConfig({
      ...base,
      WIDEVINE_SERVICE_CERTIFICATE: certificate,
      WIDEVINE_SERVICE_PRIVATE_KEY: '/nonexistent/key.pem',
    });
    expect(() => createCryptoImplementation(missingKey)).toThrow(
      /^Invalid configuration: WIDEVINE_SERVICE_PRIVATE_KEY: cannot read \/nonexistent\/key.pem \(ENOENT\)$/,
    );
  });

  it('starts with no Widevine file at all', () => {
    expect(createCryptoImplementation(validateRightsConfig(base)).widevine).toBeDefined();
  });
});
