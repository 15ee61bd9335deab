import { randomBytes } from 'node:crypto';
import { clientChallenge, inspectLicense, inspectRenewal, renewalChallenge } from '../testing/widevine/client';
import { createWorld, grant, type World } from '../testing/widevine/world';
import { WidevineRefusal, type WidevineGrant, type WidevineGrantKey } from '.';

// Multi-key grants (docs/decisions/0016-multi-key-tokens.md): one content key container per key the device's level
// allows, each with its track, level and HDCP; the others left out and reported.

let world: World;
beforeAll(async () => {
  world = await createWorld();
}, 60_000);

const key = (
  track: WidevineGrantKey['track'],
  securityLevel: WidevineGrantKey['securityLevel'],
  hdcp: WidevineGrantKey['hdcpOutputControl'],
): WidevineGrantKey => ({
  kid: randomBytes(16),
  contentKey: randomBytes(16),
  track,
  securityLevel,
  hdcpOutputControl: hdcp,
});

function multiGrant(keys: WidevineGrantKey[]): WidevineGrant {
  return grant({ licenseDuration: 600 }, { kid: keys[0].kid, contentKey: keys[0].contentKey, keys });
}

const FOUR = () => [key('AUDIO', 1, 0), key('SD', 1, 0), key('HD', 3, 1), key('UHD1', 5, 4)];
const pairs = (keys: readonly WidevineGrantKey[]) =>
  keys.map((k) => ({ kid: k.kid.toString('hex'), key: k.contentKey.toString('hex') }));

describe('multi-key Widevine licenses', () => {
  it('give an L1 device all four keys, each container with its track, level and HDCP', () => {
    const keys = FOUR();
    const session = clientChallenge(world.devices.L1);
    const outcome = world.licenser().handle(session.challenge, multiGrant(keys));
    expect(session.parse(outcome.body)).toEqual(pairs(keys));
    expect(outcome.delivered).toEqual(keys.map((k) => k.kid.toString('hex')));
    expect(outcome.withheld).toEqual([]);
    const view = inspectLicense(world.devices.L1, session.challenge, outcome.body);
    expect(
      view.contentKeys.map((c) => [c.container.track_label, c.container.level, c.container.required_protection]),
    ).toEqual([
      ['AUDIO', 1, { hdcp: 0 }],
      ['SD', 1, { hdcp: 0 }],
      ['HD', 3, { hdcp: 1 }],
      ['UHD1', 5, { hdcp: 4 }],
    ]);
    // HDCP 2.2 (4) in the key control block's HDCP_Version bits, with the secure data path of level 5.
    const uhd = view.contentKeys[3].keyControl;
    expect(uhd.toString('latin1', 0, 4)).toBe('kc09');
    expect((uhd.readUInt32BE(12) >>> 9) & 0x0f).toBe(4);
    expect(uhd.readUInt32BE(12) & (1 << 4)).not.toBe(0);
  });

  it('cap a key at its resolution with one constraint under its HDCP, and leave the other keys without any', () => {
    const keys = FOUR();
    keys[2] = { ...keys[2], maxResolutionPixels: 1920 * 1080 };
    keys[1] = { ...keys[1], maxResolutionPixels: null };
    const session = clientChallenge(world.devices.L1);
    const outcome = world.licenser().handle(session.challenge, multiGrant(keys));
    expect(session.parse(outcome.body)).toEqual(pairs(keys));
    const view = inspectLicense(world.devices.L1, session.challenge, outcome.body);
    expect(view.contentKeys.map((c) => [c.container.track_label, c.container.video_resolution_constraints])).toEqual([
      ['AUDIO', undefined],
      ['SD', undefined],
      ['HD', [{ min_resolution_pixels: 0, max_resolution_pixels: 2_073_600, required_protection: { hdcp: 1 } }]],
      ['UHD1', undefined],
    ]);
    // On the wire, once in the whole response: field 10 (0x52), 10 bytes: min 0 written (08 00), max 2073600
    // (10 80 c8 7e), required_protection { hdcp 1 } (1a 02 08 01).
    const constraint = Buffer.from('520a08001080c87e1a020801', 'hex');
    expect(outcome.body.indexOf(constraint)).toBeGreaterThan(0);
    expect(outcome.body.indexOf(constraint, outcome.body.indexOf(constraint) + 1)).toBe(-1);
    expect(outcome.body.includes(Buffer.from([0x52, 0x0a, 0x08, 0x00]))).toBe(true);
  });

  it('give an L3 device only the keys of levels 1 and 2, and say which were left out and why', () => {
    const keys = FOUR();
    const session = clientChallenge(world.devices.L3);
    const outcome = world.licenser().handle(session.challenge, multiGrant(keys));
    expect(session.parse(outcome.body)).toEqual(pairs(keys.slice(0, 2)));
    expect(outcome.withheld).toEqual([
      {
        kid: keys[2].kid.toString('hex'),
        track: 'HD',
        securityLevel: 3,
        reason: 'device level L3 cannot meet security level 3 (needs L1 or L2)',
      },
      {
        kid: keys[3].kid.toString('hex'),
        track: 'UHD1',
        securityLevel: 5,
        reason: 'device level L3 cannot meet security level 5 (needs L1)',
      },
    ]);
    expect(JSON.stringify(outcome.withheld)).not.toContain(keys[2].contentKey.toString('hex'));
  });

  it('refuse with -7008 when the device meets no key', () => {
    const session = clientChallenge(world.devices.L3);
    let error: unknown;
    try {
      world.licenser().handle(session.challenge, multiGrant([key('HD', 3, 0), key('UHD1', 5, 0)]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WidevineRefusal);
    expect(error).toMatchObject({ code: -7008 });
    expect((error as Error).message).toMatch(/any key of the token \(lowest 3, needs L1 or L2\)/);
  });

  it('renew exactly the keys the license holds', () => {
    const keys = FOUR();
    const g = multiGrant(keys);
    const licenser = world.licenser({ renewal: { delaySeconds: 60 } });
    const session = clientChallenge(world.devices.L3);
    const view = inspectLicense(world.devices.L3, session.challenge, licenser.handle(session.challenge, g).body);
    const outcome = licenser.handle(renewalChallenge(view, 'renewal', { nonce: 7, secondsSinceStarted: 100 }), g);
    expect(outcome.kind).toBe('renewal');
    const renewed = inspectRenewal(view, outcome.body, keys[0].contentKey).license.key as Array<{
      id: Buffer;
      type: number;
    }>;
    expect(renewed.map((c) => [c.id.toString('hex'), c.type])).toEqual([
      [keys[0].kid.toString('hex'), 3],
      [keys[1].kid.toString('hex'), 3],
    ]);
    keys.slice(0, 2).forEach((k, i) => {
      const block = inspectRenewal(view, outcome.body, k.contentKey).keyControls[i];
      expect(block.toString('latin1', 0, 4)).toBe('kctl');
      expect(block.readUInt32BE(4)).toBe(500);
      expect(block.readUInt32BE(8)).toBe(7);
    });
  });

  it.each([0, 2 ** 32, 1.5])('refuse a grant key capped at %p pixels (a caller bug)', (cap) => {
    const keys = FOUR();
    keys[2] = { ...keys[2], maxResolutionPixels: cap };
    const session = clientChallenge(world.devices.L1);
    expect(() => world.licenser().handle(session.challenge, multiGrant(keys))).toThrow(/maxResolutionPixels/);
  });

  it('refuse a grant whose keys do not start with its kid (a caller bug, -7008)', () => {
    const keys = FOUR();
    const session = clientChallenge(world.devices.L1);
    expect(() => world.licenser().handle(session.challenge, { ...multiGrant(keys), kid: randomBytes(16) })).toThrow(
      /grant keys must start with the grant kid/,
    );
  });
});
