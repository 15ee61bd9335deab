import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { clientChallenge } from '../../test/support/widevine/client';
import { dcsl, pb } from '../../test/support/widevine/test-pki';
import { createWorld, grant, SYSTEM_ID, type World } from '../../test/support/widevine/world';
import { createSoftwareWidevineLicenser, loadWidevineConfig, parseDevicesJson, type WidevineOutcome } from '.';

let world: World;
let dir: string;
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

beforeAll(async () => {
  world = await createWorld();
  dir = mkdtempSync(join(tmpdir(), 'widevine-config-'));
}, 60_000);

describe('loadWidevineConfig', () => {
  it('reads roots, service certificate and key, devices and DCSL files into a working licenser', () => {
    const env = {
      WIDEVINE_TRUSTED_ROOTS: `${file('root.bin', world.root.certificate)}, ${file('other.b64', world.otherRoot.certificate.toString('base64'))}`,
      // the SERVICE_CERTIFICATE SignedMessage form, as a 08 04 answer would hold it
      WIDEVINE_SERVICE_CERTIFICATE: file('service.bin', pb('SignedMessage', { type: 5, msg: world.service.certificate })),
      WIDEVINE_SERVICE_PRIVATE_KEY: file('service.pem', world.service.privateKeyPem),
      WIDEVINE_DEVICES: file('devices.json', JSON.stringify({ [SYSTEM_ID.L1]: { level: 'L1', status: 'valid' }, [SYSTEM_ID.UNTRUSTED]: { level: 'L2' } })),
      WIDEVINE_DCSL: file('dcsl.bin', dcsl([{ systemId: SYSTEM_ID.REVOKED, status: 1, level: 1 }])),
      WIDEVINE_UNKNOWN_DEVICES: 'reject',
    };
    const config = loadWidevineConfig(env, 'production');
    expect(config.unknownDevices).toBe('reject');
    expect(config.trustedRoots).toHaveLength(2);
    expect(config.serviceCertificate?.certificate.equals(world.service.certificate)).toBe(true);
    const licenser = createSoftwareWidevineLicenser({ ...config, renewalSecret: randomBytes(32) });

    const g = grant({ securityLevel: 3 });
    const session = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate });
    const outcome = licenser.handle(session.challenge, g) as WidevineOutcome;
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    expect((licenser.handle(clientChallenge(world.devices.UNTRUSTED).challenge, g) as WidevineOutcome).device?.level).toBe('L2');
    expect(() => licenser.handle(clientChallenge(world.devices.REVOKED).challenge, g)).toThrow(/revoked/);
    expect(() => licenser.handle(clientChallenge(world.devices.UNKNOWN).challenge, g)).toThrow(/unknown/);
    expect((licenser.handle(Buffer.from([8, 4]), g) as WidevineOutcome).kind).toBe('service-certificate');
  });

  it('defaults unknown devices to L3 in test and reject in production; nothing else is required', () => {
    expect(loadWidevineConfig({}, 'test')).toEqual({
      trustedRoots: [],
      serviceCertificate: undefined,
      devices: undefined,
      deviceStatusList: undefined,
      unknownDevices: 'L3',
    });
    expect(loadWidevineConfig({ WIDEVINE_UNKNOWN_DEVICES: '' }, 'production').unknownDevices).toBe('reject');
    expect(loadWidevineConfig({ WIDEVINE_UNKNOWN_DEVICES: 'L2' }, 'production').unknownDevices).toBe('L2');
  });

  it.each([
    [{ WIDEVINE_UNKNOWN_DEVICES: 'maybe' }, /^WIDEVINE_UNKNOWN_DEVICES must be reject, L1, L2 or L3 \(got "maybe"\)$/],
    [{ WIDEVINE_SERVICE_CERTIFICATE: '/nonexistent' }, /^WIDEVINE_SERVICE_CERTIFICATE and WIDEVINE_SERVICE_PRIVATE_KEY must be set together$/],
    [{ WIDEVINE_TRUSTED_ROOTS: '/nonexistent/root.bin' }, /^WIDEVINE_TRUSTED_ROOTS: cannot read \/nonexistent\/root.bin \(ENOENT\)$/],
    [{ WIDEVINE_DEVICES: 'devices-bad.json' }, /^WIDEVINE_DEVICES is not valid JSON$/],
    [{ WIDEVINE_DCSL: 'dcsl-bad.bin' }, /^WIDEVINE_DCSL .*not a Device Certificate Status List/],
  ])('one clear line for %j', (env, message) => {
    file('devices-bad.json', '{"7777": ');
    file('dcsl-bad.bin', Buffer.from([0xff, 0xff]));
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v.startsWith('/') || v === 'maybe' ? v : join(dir, v)]),
    );
    expect(() => loadWidevineConfig(resolved, 'test')).toThrow(message);
  });

  it('names bad device entries', () => {
    expect(() => parseDevicesJson('[]')).toThrow(/must be a JSON object/);
    expect(() => parseDevicesJson('{"abc": {"level": "L1"}}')).toThrow(/"abc" is not a system id/);
    expect(() => parseDevicesJson('{"7": {"level": "L4"}}')).toThrow(/entry 7 level must be L1, L2 or L3 \(got "L4"\)/);
    expect(() => parseDevicesJson('{"7": {"level": "L1", "status": "gone"}}')).toThrow(/entry 7 status must be valid or revoked/);
    expect(parseDevicesJson('{"7": {"level": "L2"}}').get(7)).toEqual({ level: 'L2', status: 'valid' });
  });

  it('names the file of a bad root, a service certificate from an untrusted root, or a mismatched key', () => {
    const service = file('svc.bin', world.service.certificate);
    const key = file('svc.pem', world.service.privateKeyPem);
    const root = file('root.bin', world.root.certificate);
    expect(() => loadWidevineConfig({ WIDEVINE_TRUSTED_ROOTS: service }, 'test')).toThrow(
      `WIDEVINE_TRUSTED_ROOTS ${service}: root certificate has type 3, not ROOT`,
    );
    expect(() => loadWidevineConfig({ WIDEVINE_SERVICE_CERTIFICATE: service, WIDEVINE_SERVICE_PRIVATE_KEY: key }, 'test')).toThrow(
      `WIDEVINE_SERVICE_CERTIFICATE ${service}: service certificate is not signed by a trusted root`,
    );
    const otherKey = file('other.pem', world.devices.L1.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(() =>
      loadWidevineConfig({ WIDEVINE_TRUSTED_ROOTS: root, WIDEVINE_SERVICE_CERTIFICATE: service, WIDEVINE_SERVICE_PRIVATE_KEY: otherKey }, 'test'),
    ).toThrow(`WIDEVINE_SERVICE_PRIVATE_KEY ${otherKey}: does not match the service certificate`);
    const der = file('svc.der', world.service.keys.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer);
    const config = loadWidevineConfig({ WIDEVINE_TRUSTED_ROOTS: root, WIDEVINE_SERVICE_CERTIFICATE: service, WIDEVINE_SERVICE_PRIVATE_KEY: der }, 'test');
    expect(createSoftwareWidevineLicenser({ ...config, renewalSecret: randomBytes(32) }).roots).toHaveLength(2);
  });
});
