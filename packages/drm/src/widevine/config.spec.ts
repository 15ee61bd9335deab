import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { clientChallenge } from '../testing/widevine/client';
import { dcsl, pb } from '../testing/widevine/test-pki';
import { createWorld, grant, SYSTEM_ID, type World } from '../testing/widevine/world';
import { createSoftwareWidevineLicenser, loadWidevineConfig, parseDevicesJson, WidevineSettingError } from '.';

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

/** The error `run` throws (the test fails if it throws none). */
const thrown = (run: () => unknown): Error => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
};

describe('loadWidevineConfig', () => {
  it('reads roots, service certificate and key, devices and DCSL files into a working licenser', () => {
    const config = loadWidevineConfig({
      trustedRoots: [
        file('root.bin', world.root.certificate),
        file('other.b64', world.otherRoot.certificate.toString('base64')),
      ],
      serviceCertificate: {
        // the SERVICE_CERTIFICATE SignedMessage form, as a 08 04 answer would hold it
        certificate: file('service.bin', pb('SignedMessage', { type: 5, msg: world.service.certificate })),
        privateKey: file('service.pem', world.service.privateKeyPem),
      },
      devices: file(
        'devices.json',
        JSON.stringify({ [SYSTEM_ID.L1]: { level: 'L1', status: 'valid' }, [SYSTEM_ID.UNTRUSTED]: { level: 'L2' } }),
      ),
      deviceStatusList: file('dcsl.bin', dcsl([{ systemId: SYSTEM_ID.REVOKED, status: 1, level: 1 }])),
      unknownDevices: 'reject',
    });
    expect(config.unknownDevices).toBe('reject');
    expect(config.trustedRoots).toHaveLength(2);
    expect(config.serviceCertificate?.certificate.equals(world.service.certificate)).toBe(true);
    const licenser = createSoftwareWidevineLicenser({ ...config, renewalSecret: randomBytes(32) });

    const g = grant({ securityLevel: 3 });
    const session = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate });
    const outcome = licenser.handle(session.challenge, g);
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    expect(licenser.handle(clientChallenge(world.devices.UNTRUSTED).challenge, g).device?.level).toBe('L2');
    expect(() => licenser.handle(clientChallenge(world.devices.REVOKED).challenge, g)).toThrow(/revoked/);
    expect(() => licenser.handle(clientChallenge(world.devices.UNKNOWN).challenge, g)).toThrow(/unknown/);
    expect(licenser.handle(Buffer.from([8, 4]), g).kind).toBe('service-certificate');
  });

  it('needs no file: the unknown-device policy is all', () => {
    expect(loadWidevineConfig({ unknownDevices: 'L3' })).toEqual({
      trustedRoots: [],
      serviceCertificate: undefined,
      devices: undefined,
      deviceStatusList: undefined,
      unknownDevices: 'L3',
    });
    expect(loadWidevineConfig({ trustedRoots: [], unknownDevices: 'reject' }).unknownDevices).toBe('reject');
  });

  it.each([
    [{ trustedRoots: ['/nonexistent/root.bin'] }, 'trustedRoots', /^cannot read \/nonexistent\/root.bin \(ENOENT\)$/],
    [{ trustedRoots: ['empty.bin'] }, 'trustedRoots', /^\/.*\/empty.bin is empty$/],
    [{ devices: 'devices-bad.json' }, 'devices', /^\/.*\/devices-bad.json: not valid JSON$/],
    [
      { deviceStatusList: 'dcsl-bad.bin' },
      'deviceStatusList',
      /^\/.*\/dcsl-bad.bin: .*not a Device Certificate Status List/,
    ],
    [
      { serviceCertificate: { certificate: '/nonexistent/svc.bin', privateKey: '/nonexistent/svc.pem' } },
      'serviceCertificate',
      /^cannot read \/nonexistent\/svc.bin \(ENOENT\)$/,
    ],
  ] as const)('one clear line naming the setting for %j', (settings, setting, message) => {
    file('devices-bad.json', '{"7777": ');
    file('dcsl-bad.bin', Buffer.from([0xff, 0xff]));
    file('empty.bin', '');
    const resolved = JSON.parse(JSON.stringify(settings), (key, value) =>
      typeof value === 'string' && !value.startsWith('/') ? join(dir, value) : value,
    ) as typeof settings;
    const error = thrown(() => loadWidevineConfig({ ...resolved, unknownDevices: 'L3' }));
    expect(error).toBeInstanceOf(WidevineSettingError);
    expect(error).toMatchObject({ setting });
    expect(error.message).toMatch(message);
  });

  it('names bad device entries', () => {
    expect(() => parseDevicesJson('[]')).toThrow(/^must be a JSON object/);
    expect(() => parseDevicesJson('{"abc": {"level": "L1"}}')).toThrow(/^"abc" is not a system id/);
    expect(() => parseDevicesJson('{"7": {"level": "L4"}}')).toThrow(
      /^entry 7 level must be L1, L2 or L3 \(got "L4"\)$/,
    );
    expect(() => parseDevicesJson('{"7": {"level": "L1", "status": "gone"}}')).toThrow(
      /^entry 7 status must be valid or revoked/,
    );
    expect(parseDevicesJson('{"7": {"level": "L2"}}').get(7)).toEqual({ level: 'L2', status: 'valid' });
  });

  it('names the file of a bad root, a service certificate from an untrusted root, or a mismatched key', () => {
    const service = file('svc.bin', world.service.certificate);
    const key = file('svc.pem', world.service.privateKeyPem);
    const root = file('root.bin', world.root.certificate);
    expect(thrown(() => loadWidevineConfig({ trustedRoots: [service], unknownDevices: 'L3' }))).toMatchObject({
      setting: 'trustedRoots',
      message: `${service}: root certificate has type 3, not ROOT`,
    });
    expect(
      thrown(() =>
        loadWidevineConfig({ serviceCertificate: { certificate: service, privateKey: key }, unknownDevices: 'L3' }),
      ),
    ).toMatchObject({
      setting: 'serviceCertificate',
      message: `${service}: service certificate is not signed by a trusted root`,
    });
    const otherKey = file('other.pem', world.devices.L1.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(
      thrown(() =>
        loadWidevineConfig({
          trustedRoots: [root],
          serviceCertificate: { certificate: service, privateKey: otherKey },
          unknownDevices: 'L3',
        }),
      ),
    ).toMatchObject({
      setting: 'serviceCertificate.privateKey',
      message: `${otherKey}: does not match the service certificate`,
    });
    const der = file('svc.der', world.service.keys.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const config = loadWidevineConfig({
      trustedRoots: [root],
      serviceCertificate: { certificate: service, privateKey: der },
      unknownDevices: 'L3',
    });
    expect(createSoftwareWidevineLicenser({ ...config, renewalSecret: randomBytes(32) }).roots).toHaveLength(2);
  });
});
