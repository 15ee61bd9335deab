/**
 * The development Widevine PKI committed in apps/rights/dev/widevine (what `npm start` uses in the test environment
 * and `npm run smoke` plays with): it works end to end with the independent client, and production refuses its root.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrustedRoot } from '@openplay/drm';
import { validateRightsConfig } from '../src/config/rights.config';
import { createCryptoImplementation, DEVELOPMENT_WIDEVINE_ROOT_FINGERPRINT } from '../src/drm/drm.module';
import { tokenUrl, useStack } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  useWidevineWorld,
  serviceCertificateRequest,
  serviceDrmCertificateOf,
  unpb,
  type TestDevice,
} from './support/widevine';

const DEV = join(__dirname, '..', 'dev', 'widevine');
const DEV_ENV = {
  WIDEVINE_TRUSTED_ROOTS: join(DEV, 'root.bin'),
  WIDEVINE_SERVICE_CERTIFICATE: join(DEV, 'service.bin'),
  WIDEVINE_SERVICE_PRIVATE_KEY: join(DEV, 'service-key.pem'),
  WIDEVINE_DEVICES: join(DEV, 'devices.json'),
};
const DEV_SYSTEM_ID = 7000;
const devRootKey = createPublicKey(createPrivateKey(readFileSync(join(DEV, 'root-key.pem'))));
/** What the client support needs of a device and a root: the .wvd, the root's public key. */
const devDevice = { wvd: readFileSync(join(DEV, 'device.wvd')) } as TestDevice;
const devRoot = { keys: { publicKey: devRootKey } } as Parameters<typeof serviceDrmCertificateOf>[0];

describe('the development Widevine PKI (apps/rights/dev/widevine)', () => {
  it('root.bin is the root the rights app recognises, self-signed with the committed root key', () => {
    const root = parseTrustedRoot(readFileSync(DEV_ENV.WIDEVINE_TRUSTED_ROOTS));
    expect(root.fingerprint).toBe(DEVELOPMENT_WIDEVINE_ROOT_FINGERPRINT);
    expect(root.publicKey.equals(devRootKey)).toBe(true);
    expect(JSON.parse(readFileSync(DEV_ENV.WIDEVINE_DEVICES, 'utf8'))).toEqual({
      [DEV_SYSTEM_ID]: { level: 'L1', status: 'valid' },
    });
  });

  describe('is for the test environment only', () => {
    const world = useWidevineWorld();

    const cryptoFor = (environment: string, widevine: Record<string, string>) => {
      const env = {
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/unused',
        ENVIRONMENT: environment,
        TOKEN_KEYS: `7:${'5a'.repeat(32)}`,
        WIDEVINE_RENEWAL_SECRET: 'c3'.repeat(32),
        ...widevine,
      };
      return createCryptoImplementation(validateRightsConfig(env));
    };
    const refusal =
      'Invalid configuration: WIDEVINE_TRUSTED_ROOTS: the development Widevine root (apps/rights/dev/widevine) cannot be used in production';

    it.each([
      ['the development PKI as npm start sets it', () => DEV_ENV],
      ['the development root alone', () => ({ WIDEVINE_TRUSTED_ROOTS: DEV_ENV.WIDEVINE_TRUSTED_ROOTS })],
      [
        'the development root beside a real one',
        () =>
          world.current.env({
            WIDEVINE_TRUSTED_ROOTS: `${join(world.current.dir, 'root.bin')},${DEV_ENV.WIDEVINE_TRUSTED_ROOTS}`,
          }),
      ],
    ])('production refuses %s at start-up with one line', (_name, widevine) => {
      expect(() => cryptoFor('production', widevine())).toThrow(refusal);
      expect(refusal).not.toContain('\n');
      expect(cryptoFor('test', widevine()).widevine).toBeDefined();
    });

    it('production accepts a root of its own', () => {
      expect(cryptoFor('production', world.current.env()).widevine).toBeDefined();
    });
  });

  describe('delivers licenses in the test environment', () => {
    const stack = useStack(() => DEV_ENV);

    it('to the development device, in privacy mode under the development service certificate, at security level 5', async () => {
      const created = await stack.admin.createAccount({
        name: 'dev-pki',
        credits: null,
        widevine: true,
        fairplay: false,
      });
      const kid = randomBytes(16).toString('hex');
      const contentKey = randomBytes(16).toString('hex');
      const query = new URLSearchParams({
        customerAuthenticator: created.authenticators.test,
        kid,
        contentKey,
        securityLevel: '5',
        hdcpOutputControl: '0',
        cookie: 'dev-pki',
      });
      const url = await tokenUrl(stack, 'wv', query.toString());
      const post = (body: Buffer) =>
        fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });

      const certificateResponse = await post(serviceCertificateRequest(devDevice));
      expect(certificateResponse.status).toBe(200);
      const serviceDrmCertificate = serviceDrmCertificateOf(
        devRoot,
        Buffer.from(await certificateResponse.arrayBuffer()),
      );
      expect(unpb<{ provider_id: string }>('DrmCertificate', serviceDrmCertificate).provider_id).toBe(
        'license.openplay.dev',
      );

      const client = clientChallenge(devDevice, { serviceDrmCertificate });
      const response = await post(client.challenge);
      expect(response.status).toBe(200);
      expect(client.parse(Buffer.from(await response.arrayBuffer()))).toEqual([{ kid, key: contentKey }]);

      const tokenId = claimsOf(url).tokenId.toString('hex');
      const { rows } = await stack.pool.query(
        "SELECT * FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id",
        [tokenId],
      );
      expect(rows.map((row) => [row.request_type, row.result_code])).toEqual([
        ['service-certificate', 0],
        ['new', 0],
      ]);
      expect(rows[1]!.device).toMatchObject({
        systemId: DEV_SYSTEM_ID,
        securityLevel: 'L1',
        known: true,
        privacyMode: true,
      });
    });
  });
});
