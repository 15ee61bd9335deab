import { randomBytes } from 'node:crypto';
import {
  ExpressPlayError,
  LICENSE_CLOCK_SKEW_SECONDS,
  RELEASE_GRACE_SECONDS,
  RELEASE_MAX_AGE_SECONDS,
  TOKEN_EXPIRED,
  TOKEN_EXPIRED_NOT_ISSUER,
  TOKEN_EXPIRED_RELEASE_TOO_LATE,
} from '@openplay/core';
import {
  clientChallenge,
  decodeErrorResponse,
  inspectLicense,
  inspectRenewal,
  LicenseType,
  psshBox,
  renewalChallenge,
} from '../testing/widevine/client';
import { createDevice, createModel, dcsl, pb, pssSign, unpb } from '../testing/widevine/test-pki';
import { createWorld, grant, SYSTEM_ID, type World } from '../testing/widevine/world';
import { isCountedStreamSession, WidevineRefusal, type WidevineLicenser, type WidevineOutcome } from '.';

let world: World;
beforeAll(async () => {
  world = await createWorld();
}, 60_000);

/** The refusal `handle` throws; fails the test when it returns or throws anything else. */
function refusal(licenser: WidevineLicenser, challenge: Buffer, g = grant()): WidevineRefusal {
  let outcome: WidevineOutcome | Promise<WidevineOutcome>;
  try {
    outcome = licenser.handle(challenge, g);
  } catch (error) {
    expect(error).toBeInstanceOf(WidevineRefusal);
    expect(error).toBeInstanceOf(ExpressPlayError);
    return error as WidevineRefusal;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
}

function license(licenser: WidevineLicenser, challenge: Buffer, g = grant()): WidevineOutcome {
  return licenser.handle(challenge, g) as WidevineOutcome;
}

describe('license requests, checked by the independent widevine client', () => {
  it('issues the grant key under the grant kid to a clear client identity', () => {
    const g = grant();
    const session = clientChallenge(world.devices.L1);
    const outcome = license(world.licenser(), session.challenge, g);
    expect(outcome.kind).toBe('license');
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    expect(outcome.device).toMatchObject({ systemId: SYSTEM_ID.L1, level: 'L1', known: true, privacyMode: false });
    expect(outcome.device!.clientInfo).toMatchObject({ company_name: 'openplay-test' });
  });

  it('issues it to a privacy-mode (encrypted) client identity', () => {
    const g = grant();
    const session = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate });
    const request = unpb<any>('LicenseRequest', unpb<any>('SignedMessage', session.challenge).msg);
    expect(request.client_id).toBeUndefined();
    expect(request.encrypted_client_id).toBeDefined();
    const outcome = license(world.licenser(), session.challenge, g);
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    expect(outcome.device).toMatchObject({ systemId: SYSTEM_ID.L1, privacyMode: true });
  });

  it('ignores the key ids the PSSH names (ExpressPlay recommends a dummy one)', () => {
    const g = grant();
    const session = clientChallenge(world.devices.L1, { pssh: psshBox([randomBytes(16), randomBytes(16)]) });
    expect(session.parse(license(world.licenser(), session.challenge, g).body)).toEqual([
      { kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') },
    ]);
  });

  it('serves android-style and chrome-style devices and repeated requests (cached chain)', async () => {
    const chrome = await createDevice(world.models.L1, { deviceType: 1, keys: world.devices.L1.keys });
    const licenser = world.licenser();
    for (const device of [chrome, world.devices.L1, world.devices.L1]) {
      const g = grant();
      const session = clientChallenge(device);
      expect(session.parse(license(licenser, session.challenge, g).body)).toEqual([
        { kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') },
      ]);
    }
  });
});

describe('license contents (test-side CDM)', () => {
  it('echoes request_id, sets start time, policy, SIGNING key and a key control block with the nonce', () => {
    const g = grant({ licenseDuration: 600, hdcpOutputControl: 0, securityLevel: 1 });
    const session = clientChallenge(world.devices.L1);
    const before = Math.floor(Date.now() / 1000);
    const view = inspectLicense(
      world.devices.L1,
      session.challenge,
      license(world.licenser(), session.challenge, g).body,
    );
    const requestId = view.request.content_id.widevine_pssh_data.request_id;
    expect(Buffer.compare(view.license.id.request_id, requestId)).toBe(0);
    expect(view.license.id.type).toBe(1);
    expect(view.license.id.version).toBe(0);
    expect(Buffer.compare(view.license.id.purchase_id, g.tokenId)).toBe(0);
    expect(view.license.license_start_time).toBeGreaterThanOrEqual(before);
    expect(view.license.policy).toMatchObject({
      can_play: true,
      can_persist: false,
      can_renew: false,
      // licenseDuration counts from the start of playback: the license's own window (from issuance) is unlimited.
      license_duration_seconds: 0,
      playback_duration_seconds: 600,
    });
    expect(view.signingKeys?.macServer).toHaveLength(32);
    expect(view.contentKeys).toHaveLength(1);
    const [content] = view.contentKeys;
    expect(content.kid.equals(g.kid)).toBe(true);
    expect(content.key.equals(g.contentKey)).toBe(true);
    expect(content.container.level).toBe(1);
    expect(content.container.required_protection).toEqual({ hdcp: 0 });
    const kcb = content.keyControl;
    expect(kcb.toString('latin1', 0, 4)).toBe('kctl');
    // The key control duration counts from the license's load, so it does not carry the playback window either.
    expect(kcb.readUInt32BE(4)).toBe(0);
    expect(kcb.readUInt32BE(8)).toBe(view.request.key_control_nonce);
    expect(kcb.readUInt32BE(12)).toBe(1 << 3); // Nonce_Enable only
  });

  it.each([null, 0])('leaves playback unlimited for licenseDuration %s', (licenseDuration) => {
    const g = grant({ licenseDuration });
    const session = clientChallenge(world.devices.L1);
    const body = license(world.licenser(), session.challenge, g).body;
    expect(session.parse(body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    const view = inspectLicense(world.devices.L1, session.challenge, body);
    expect(view.license.policy).toMatchObject({
      can_play: true,
      license_duration_seconds: 0,
      playback_duration_seconds: 0,
    });
    expect(view.contentKeys[0].keyControl.readUInt32BE(4)).toBe(0);
  });

  it('maps HDCP and security levels 4–5 to kc09 HDCP bits and the secure data path', () => {
    const g = grant({ licenseDuration: null, hdcpOutputControl: 2, securityLevel: 5 });
    const session = clientChallenge(world.devices.L1);
    const view = inspectLicense(
      world.devices.L1,
      session.challenge,
      license(world.licenser(), session.challenge, g).body,
    );
    expect(view.license.policy.license_duration_seconds).toBe(0);
    expect(view.license.policy.playback_duration_seconds).toBe(0);
    const [content] = view.contentKeys;
    expect(content.container.level).toBe(5);
    expect(content.container.required_protection).toEqual({ hdcp: 2 });
    const kcb = content.keyControl;
    expect(kcb.toString('latin1', 0, 4)).toBe('kc09');
    expect(kcb.readUInt32BE(4)).toBe(0);
    const bits = kcb.readUInt32BE(12);
    expect(bits >>> 31).toBe(1); // observe data path
    expect((bits >>> 30) & 1).toBe(1); // observe HDCP
    expect((bits >>> 9) & 0xf).toBe(2); // HDCP 2.0
    expect((bits >>> 4) & 1).toBe(1); // secure data path
    expect((bits >>> 3) & 1).toBe(1); // nonce
    expect((bits >>> 2) & 1).toBe(1); // HDCP required
  });

  it('names the PSSH protection scheme (cbcs) in the license', () => {
    const cbcs = 0x63626373;
    const session = clientChallenge(world.devices.L1, { pssh: psshBox([Buffer.alloc(16)], cbcs) });
    const view = inspectLicense(world.devices.L1, session.challenge, license(world.licenser(), session.challenge).body);
    expect(view.license.protection_scheme).toBe(cbcs);
  });
});

describe('service certificate', () => {
  it('answers 08 04 with SignedMessage SERVICE_CERTIFICATE holding the configured certificate', () => {
    const cdm = clientChallenge(world.devices.L1);
    void cdm;
    const outcome = license(world.licenser(), Buffer.from([0x08, 0x04]));
    expect(outcome.kind).toBe('service-certificate');
    const message = unpb<any>('SignedMessage', outcome.body);
    expect(message.type).toBe(5);
    expect(Buffer.compare(message.msg, world.service.certificate)).toBe(0);
    expect(message.signature).toBeUndefined();
  });

  it('refuses 08 04 and privacy-mode requests without a configured service certificate', () => {
    const licenser = world.licenser({ serviceCertificate: undefined });
    expect(refusal(licenser, Buffer.from([0x08, 0x04])).code).toBe(-7008);
    const session = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate });
    const error = refusal(licenser, session.challenge);
    expect(error.code).toBe(-7008);
    expect(error.message).toMatch(/service certificate/);
  });
});

describe('offline licenses (persistent tokens)', () => {
  const offlineGrant = () => grant({ licenseDuration: 86_400, offline: { rentalDuration: 604_800 } });
  // Renewals configured: an offline license still never says can_renew.
  const licenser = () => world.licenser({ renewal: { delaySeconds: 60 } });

  it('answers an OFFLINE request of a persistent token: type OFFLINE, can_persist, rental and playback durations', () => {
    const g = offlineGrant();
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const outcome = license(licenser(), session.challenge, g);
    // The independent client loads it.
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    const view = inspectLicense(world.devices.L1, session.challenge, outcome.body);
    expect(view.request.content_id.widevine_pssh_data.license_type).toBe(LicenseType.OFFLINE);
    expect(view.license.id.type).toBe(LicenseType.OFFLINE);
    expect(view.license.policy).toEqual({
      can_play: true,
      can_persist: true,
      can_renew: false,
      rental_duration_seconds: 604_800,
      playback_duration_seconds: 86_400,
      license_duration_seconds: 0,
    });
    // Key control: 'kctl', no duration, nonce 0 and Nonce_Enable clear (unlimited offline: Replay 0 + Nonce 0).
    const kcb = view.contentKeys[0].keyControl;
    expect(kcb.toString('latin1', 0, 4)).toBe('kctl');
    expect(kcb.readUInt32BE(4)).toBe(0);
    expect(kcb.readUInt32BE(8)).toBe(0);
    expect(kcb.readUInt32BE(12)).toBe(0);
    expect(view.request.key_control_nonce).toBeGreaterThan(0);
  });

  it('keeps HDCP and the secure data path in the offline key control block', () => {
    const g = grant({ securityLevel: 5, hdcpOutputControl: 2, offline: { rentalDuration: 0 } });
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const view = inspectLicense(world.devices.L1, session.challenge, license(licenser(), session.challenge, g).body);
    const kcb = view.contentKeys[0].keyControl;
    expect(kcb.toString('latin1', 0, 4)).toBe('kc09');
    expect(kcb.readUInt32BE(8)).toBe(0);
    expect(kcb.readUInt32BE(12).toString(16)).toBe('c0000414'); // observe data path + HDCP, HDCP v2, secure path, required
    expect(view.license.policy.rental_duration_seconds ?? 0).toBe(0);
  });

  it('refuses a malformed offline grant with -7008', () => {
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const error = refusal(licenser(), session.challenge, grant({ offline: { rentalDuration: -1 } }));
    expect([error.code, error.message]).toEqual([-7008, expect.stringMatching(/offline.rentalDuration/)]);
  });

  it('answers a STREAMING request of a persistent token with a streaming license, as before', () => {
    const g = offlineGrant();
    const session = clientChallenge(world.devices.L1);
    const view = inspectLicense(world.devices.L1, session.challenge, license(licenser(), session.challenge, g).body);
    expect(view.license.id.type).toBe(LicenseType.STREAMING);
    expect(view.license.policy).toMatchObject({ can_persist: false, can_renew: true });
    expect(view.license.policy.rental_duration_seconds).toBeUndefined();
    expect(view.contentKeys[0].keyControl.readUInt32BE(8)).toBe(view.request.key_control_nonce);
  });

  it('refuses an OFFLINE request under a token without persistence: -11002, after the device is authenticated', () => {
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const error = refusal(licenser(), session.challenge, grant());
    expect(error.code).toBe(-11002);
    expect(error.status).toBe(403);
    expect(error.errorResponse).toBeUndefined();
    expect(error.device).toEqual({ systemId: SYSTEM_ID.L1, level: 'L1' });
    const revoked = clientChallenge(world.devices.REVOKED, { licenseType: LicenseType.OFFLINE });
    expect(refusal(licenser(), revoked.challenge, grant()).code).toBe(-4001);
  });

  it("answers the release of an offline license, usage report included, with the license's id and version + 1", () => {
    const g = offlineGrant();
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const view = inspectLicense(world.devices.L1, session.challenge, license(licenser(), session.challenge, g).body);
    const release = renewalChallenge(view, 'release', { sessionUsageTableEntry: randomBytes(64) });
    const outcome = license(licenser(), release, g);
    expect(outcome.kind).toBe('release');
    const answer = inspectRenewal(view, outcome.body, g.contentKey);
    expect(answer.license.id).toMatchObject({ type: LicenseType.OFFLINE, version: 1 });
    expect(answer.license.id.session_id).toEqual(view.license.id.session_id);
    expect(answer.license.policy).toEqual({ can_play: false, can_persist: false, can_renew: false });
    expect(answer.keyControls).toHaveLength(0);
  });
});

describe('renewal and release (stateless, HMAC with the issued client MAC key)', () => {
  const renewing = () => world.licenser({ renewal: { delaySeconds: 60, retryIntervalSeconds: 10 } });

  function issue(licenser: WidevineLicenser, g: ReturnType<typeof grant>) {
    const session = clientChallenge(world.devices.L1);
    return inspectLicense(world.devices.L1, session.challenge, license(licenser, session.challenge, g).body);
  }

  it('renews: version + 1, original start time, refreshed key control with the new nonce and the remaining time', () => {
    const g = grant({ licenseDuration: 600 });
    const view = issue(renewing(), g);
    expect(view.license.policy).toMatchObject({ can_renew: true, renewal_delay_seconds: 60 });
    // Another licenser instance with the same secret: nothing is kept between the license and its renewal.
    const outcome = license(
      renewing(),
      renewalChallenge(view, 'renewal', { nonce: 424242, secondsSinceStarted: 100 }),
      g,
    );
    expect(outcome.kind).toBe('renewal');
    const renewal = inspectRenewal(view, outcome.body, g.contentKey);
    expect(renewal.license.id.version).toBe(1);
    expect(Buffer.compare(renewal.license.id.session_id, view.license.id.session_id)).toBe(0);
    expect(renewal.license.license_start_time).toBe(view.license.license_start_time);
    expect(renewal.license.key).toHaveLength(1);
    expect(renewal.license.key[0].type).toBe(3);
    expect(Buffer.compare(renewal.license.key[0].id, g.kid)).toBe(0);
    const kcb = renewal.keyControls[0];
    expect(kcb.readUInt32BE(4)).toBe(500);
    expect(kcb.readUInt32BE(8)).toBe(424242);
  });

  it('marks the session id of a counted stream, under the HMAC, without moving the start time', () => {
    const counted = { ...grant({ licenseDuration: 600 }), countedStream: true };
    const view = issue(renewing(), counted);
    expect(isCountedStreamSession(view.license.id.session_id)).toBe(true);
    const outcome = license(renewing(), renewalChallenge(view, 'renewal', { secondsSinceStarted: 10 }), counted);
    expect(isCountedStreamSession(outcome.sessionId!)).toBe(true);
    expect(inspectRenewal(view, outcome.body, counted.contentKey).license.license_start_time).toBe(
      view.license.license_start_time,
    );
    const plain = issue(renewing(), grant({ licenseDuration: 600 }));
    expect(isCountedStreamSession(plain.license.id.session_id)).toBe(false);
  });

  it('renews a licenseDuration of 0 (unlimited) with an unlimited key control', () => {
    const g = grant({ licenseDuration: 0 });
    const view = issue(renewing(), g);
    const outcome = license(
      renewing(),
      renewalChallenge(view, 'renewal', { nonce: 7, secondsSinceStarted: 100_000 }),
      g,
    );
    expect(outcome.kind).toBe('renewal');
    expect(inspectRenewal(view, outcome.body, g.contentKey).keyControls[0].readUInt32BE(4)).toBe(0);
  });

  it('refuses renewal once the license duration has elapsed', () => {
    const g = grant({ licenseDuration: 600 });
    const view = issue(renewing(), g);
    const error = refusal(renewing(), renewalChallenge(view, 'renewal', { secondsSinceStarted: 600 }), g);
    expect(error.code).toBe(-7008);
    expect(error.message).toMatch(/elapsed/);
  });

  it('refuses renewals signed with another key, for another kid, with a forged license id or another secret', () => {
    const g = grant();
    const view = issue(renewing(), g);
    expect(refusal(renewing(), renewalChallenge(view, 'renewal', { macClient: randomBytes(32) }), g).code).toBe(-4001);
    expect(refusal(renewing(), renewalChallenge(view, 'renewal'), grant({}, { kid: randomBytes(16) })).code).toBe(
      -4001,
    );
    const forged = { ...view.license.id, session_id: Buffer.alloc(16, 1) };
    expect(refusal(renewing(), renewalChallenge(view, 'renewal', { licenseId: forged }), g).code).toBe(-4001);
    const other = world.licenser({ renewalSecret: randomBytes(32) });
    expect(refusal(other, renewalChallenge(view, 'renewal'), g).code).toBe(-4001);
    const noId = { ...view.license.id, session_id: undefined };
    expect(refusal(renewing(), renewalChallenge(view, 'renewal', { licenseId: noId }), g).code).toBe(-7008);
  });

  it('answers release with a signed confirmation', () => {
    const g = grant();
    const view = issue(world.licenser(), g);
    const outcome = license(world.licenser(), renewalChallenge(view, 'release'), g);
    expect(outcome.kind).toBe('release');
    const release = inspectRenewal(view, outcome.body, g.contentKey);
    expect(release.license.id.version).toBe(1);
    expect(release.license.policy.can_play).toBe(false);
    expect(release.keyControls).toHaveLength(0);
  });
});

describe('renewal under an expired token (grant.tokenExpired)', () => {
  const ISSUED = 1_800_000_000;
  /** A licenser whose clock reads `now`; renewals on, like the rights server with WIDEVINE_RENEWAL_DELAY. */
  const at = (now: number) => world.licenser({ renewal: { delaySeconds: 60 }, now: () => now });
  /** A grant of a token valid from ISSUED for 60 s, and the license it bought 10 s after issue. */
  function bought(licenseDuration: number | null) {
    const g = grant({ licenseDuration }, { issuedAt: ISSUED, expiresAt: ISSUED + 60 });
    const session = clientChallenge(world.devices.L1);
    const view = inspectLicense(
      world.devices.L1,
      session.challenge,
      license(at(ISSUED + 10), session.challenge, g).body,
    );
    return { g, view, expired: { ...g, tokenExpired: true } };
  }
  /** The -4010 details `fn` throws (not a WidevineRefusal: a token matter, not a device or license one). */
  function tokenRefusal(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressPlayError);
      expect(error).not.toBeInstanceOf(WidevineRefusal);
      expect((error as ExpressPlayError).code).toBe(-4010);
      return (error as ExpressPlayError).details;
    }
    throw new Error('expected a -4010 error');
  }

  it('renews a license the token bought while the playback duration allows, with the time that is left', () => {
    const { g, view, expired } = bought(3600);
    expect(view.license.license_start_time).toBe(ISSUED + 10);
    const outcome = license(
      at(ISSUED + 1000),
      renewalChallenge(view, 'renewal', { nonce: 99, secondsSinceStarted: 900 }),
      expired,
    );
    expect(outcome.kind).toBe('renewal');
    const renewal = inspectRenewal(view, outcome.body, g.contentKey);
    expect(renewal.license.license_start_time).toBe(ISSUED + 10);
    expect(renewal.license.policy).toMatchObject({ can_play: true, can_renew: true, playback_duration_seconds: 3600 });
    expect(renewal.keyControls[0].readUInt32BE(4)).toBe(2700);
    expect(renewal.keyControls[0].readUInt32BE(8)).toBe(99);
  });

  it('renews an unlimited license (licenseDuration 0 or none) whenever asked', () => {
    for (const duration of [0, null]) {
      const { g, view, expired } = bought(duration);
      const outcome = license(
        at(ISSUED + 365 * 86400),
        renewalChallenge(view, 'renewal', { secondsSinceStarted: 10 ** 7 }),
        expired,
      );
      expect(inspectRenewal(view, outcome.body, g.contentKey).keyControls[0].readUInt32BE(4)).toBe(0);
    }
  });

  it('refuses the renewal once the playback duration has elapsed (-7008), as with a valid token', () => {
    const { view, expired } = bought(600);
    const error = refusal(at(ISSUED + 700), renewalChallenge(view, 'renewal', { secondsSinceStarted: 600 }), expired);
    expect(error.code).toBe(-7008);
    expect(error.message).toMatch(/elapsed/);
  });

  it('refuses a license the token cannot have bought: issued before it (beyond the clock skew) or after its expiry', () => {
    const { g, view } = bought(3600);
    const challenge = renewalChallenge(view, 'renewal', { secondsSinceStarted: 1 });
    const later = {
      ...g,
      tokenExpired: true,
      issuedAt: ISSUED + 10 + LICENSE_CLOCK_SKEW_SECONDS + 1,
      expiresAt: ISSUED + 10 ** 4,
    };
    expect(tokenRefusal(() => at(ISSUED + 2 * 10 ** 4).handle(challenge, later))).toBe(TOKEN_EXPIRED_NOT_ISSUER);
    const earlier = { ...g, tokenExpired: true, issuedAt: ISSUED - 100, expiresAt: ISSUED + 9 };
    expect(tokenRefusal(() => at(ISSUED + 100).handle(challenge, earlier))).toBe(TOKEN_EXPIRED_NOT_ISSUER);
    // Within the skew, and a license issued in the second the token expired, are the token's own.
    const skewed = {
      ...g,
      tokenExpired: true,
      issuedAt: ISSUED + 10 + LICENSE_CLOCK_SKEW_SECONDS,
      expiresAt: ISSUED + 10,
    };
    expect(license(at(ISSUED + 100), challenge, skewed).kind).toBe('renewal');
  });

  it('still refuses a renewal not signed with the license keys (-4001) before looking at the token', () => {
    const { view, expired } = bought(3600);
    const forged = renewalChallenge(view, 'renewal', { macClient: randomBytes(32) });
    expect(refusal(at(ISSUED + 100), forged, expired).code).toBe(-4001);
  });

  it('serves nothing else: a new license and the service certificate request are -4010 token expired', () => {
    const licenser = at(ISSUED + 100);
    const { expired } = bought(3600);
    const offline = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE }).challenge;
    for (const challenge of [clientChallenge(world.devices.L1).challenge, offline, Buffer.from([8, 4])]) {
      const persistent = { ...expired, policy: { ...expired.policy, offline: { rentalDuration: 0 } } };
      expect(tokenRefusal(() => licenser.handle(challenge, expired))).toBe(TOKEN_EXPIRED);
      expect(tokenRefusal(() => licenser.handle(challenge, persistent))).toBe(TOKEN_EXPIRED);
    }
  });
});

describe('release under an expired token (grant.tokenExpired)', () => {
  const ISSUED = 1_800_000_000;
  const DAY = 86_400;
  const at = (now: number) => world.licenser({ now: () => now });
  /** An offline license bought 10 s after the token's issue (token valid 60 s), and its release. */
  function download(rentalDuration: number, licenseDuration: number | null) {
    const g = grant({ licenseDuration, offline: { rentalDuration } }, { issuedAt: ISSUED, expiresAt: ISSUED + 60 });
    const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    const outcome = license(at(ISSUED + 10), session.challenge, g);
    expect(session.parse(outcome.body)).toEqual([{ kid: g.kid.toString('hex'), key: g.contentKey.toString('hex') }]);
    const view = inspectLicense(world.devices.L1, session.challenge, outcome.body);
    expect(view.license.id.type).toBe(LicenseType.OFFLINE);
    const release = renewalChallenge(view, 'release', { sessionUsageTableEntry: randomBytes(48) });
    return { g, view, release, expired: { ...g, tokenExpired: true } };
  }
  function tokenRefusal(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressPlayError);
      expect(error).not.toBeInstanceOf(WidevineRefusal);
      expect((error as ExpressPlayError).code).toBe(-4010);
      return (error as ExpressPlayError).details;
    }
    throw new Error('expected a -4010 error');
  }

  it("answers an offline license's release for its rental and playback durations and the grace after them", () => {
    const { g, view, release, expired } = download(7 * DAY, DAY);
    // The license's end: its issue (ISSUED + 10) plus 7 days of rental and 1 of playback.
    const last = ISSUED + 10 + 8 * DAY + RELEASE_GRACE_SECONDS;
    for (const now of [ISSUED + 61, ISSUED + 8 * DAY, last]) {
      const outcome = license(at(now), release, expired);
      expect(outcome.kind).toBe('release');
      expect(outcome.sessionId).toEqual(view.license.id.session_id);
      const answer = inspectRenewal(view, outcome.body, g.contentKey);
      expect(answer.license.id).toMatchObject({ type: LicenseType.OFFLINE, version: 1 });
      expect(answer.license.policy).toEqual({ can_play: false, can_persist: false, can_renew: false });
      expect(answer.license.license_start_time).toBe(now);
      expect(answer.keyControls).toHaveLength(0);
    }
    expect(tokenRefusal(() => at(last + 1).handle(release, expired))).toBe(TOKEN_EXPIRED_RELEASE_TOO_LATE);
  });

  it('answers the release of a license that may play indefinitely for the maximum age, no longer', () => {
    for (const [rental, playback] of [
      [0, DAY],
      [7 * DAY, 0],
      [0, null],
    ] as const) {
      const { release, expired } = download(rental, playback);
      expect(license(at(ISSUED + 10 + RELEASE_MAX_AGE_SECONDS), release, expired).kind).toBe('release');
      expect(tokenRefusal(() => at(ISSUED + 11 + RELEASE_MAX_AGE_SECONDS).handle(release, expired))).toBe(
        TOKEN_EXPIRED_RELEASE_TOO_LATE,
      );
    }
  });

  it("answers a streaming license's release too (an acknowledgement), for the maximum age under a streaming token", () => {
    const g = grant({ licenseDuration: 600 }, { issuedAt: ISSUED, expiresAt: ISSUED + 60 });
    const session = clientChallenge(world.devices.L1);
    const view = inspectLicense(
      world.devices.L1,
      session.challenge,
      license(at(ISSUED + 10), session.challenge, g).body,
    );
    const expired = { ...g, tokenExpired: true };
    const release = renewalChallenge(view, 'release');
    const answer = inspectRenewal(view, license(at(ISSUED + 30 * DAY), release, expired).body, g.contentKey);
    expect(answer.license.id).toMatchObject({ type: LicenseType.STREAMING, version: 1 });
    expect(answer.license.policy.can_play).toBe(false);
    expect(tokenRefusal(() => at(ISSUED + 11 + RELEASE_MAX_AGE_SECONDS).handle(release, expired))).toBe(
      TOKEN_EXPIRED_RELEASE_TOO_LATE,
    );
  });

  it('refuses a forged release (-4001), one of a license the token did not buy (-4010), a relabelled one late', () => {
    const { g, view, expired } = download(7 * DAY, DAY);
    const forged = renewalChallenge(view, 'release', { macClient: randomBytes(32) });
    expect(refusal(at(ISSUED + 100), forged, expired).code).toBe(-4001);
    // The id's type is the CDM's word: calling the download a streaming license does not stretch its window.
    const relabelled = renewalChallenge(view, 'release', { licenseId: { ...view.license.id, type: 1 } });
    const last = ISSUED + 10 + 8 * DAY + RELEASE_GRACE_SECONDS;
    expect(license(at(last), relabelled, expired).kind).toBe('release');
    expect(tokenRefusal(() => at(last + 1).handle(relabelled, expired))).toBe(TOKEN_EXPIRED_RELEASE_TOO_LATE);
    const older = { ...g, tokenExpired: true, issuedAt: ISSUED - 1000, expiresAt: ISSUED - 500 };
    expect(tokenRefusal(() => at(ISSUED + 100).handle(renewalChallenge(view, 'release'), older))).toBe(
      TOKEN_EXPIRED_NOT_ISSUER,
    );
  });
});

describe('device policy', () => {
  it.each([
    ['L1', [1, 2, 3, 4, 5], []],
    ['L2', [1, 2, 3], [4, 5]],
    ['L3', [1, 2], [3, 4, 5]],
  ] as const)('a %s device gets security levels %j and is refused %j', (level, allowed, refused) => {
    const device = world.devices[level];
    for (const securityLevel of allowed) {
      const g = grant({ securityLevel });
      const session = clientChallenge(device);
      expect(session.parse(license(world.licenser(), session.challenge, g).body)[0].key).toBe(
        g.contentKey.toString('hex'),
      );
    }
    for (const securityLevel of refused) {
      const error = refusal(world.licenser(), clientChallenge(device).challenge, grant({ securityLevel }));
      expect(error.code).toBe(-7008);
      expect(error.message).toMatch(new RegExp(`device level ${level} cannot meet security level ${securityLevel}`));
      expect(decodeErrorResponse(error.errorResponse!)).toBe(3);
      expect(error.device).toMatchObject({ systemId: SYSTEM_ID[level], level });
    }
  });

  it('refuses a revoked device with -4001 and ERROR_RESPONSE REVOKED_DRM_DEVICE_CERTIFICATE', () => {
    const error = refusal(world.licenser(), clientChallenge(world.devices.REVOKED).challenge);
    expect(error.code).toBe(-4001);
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `[-4001] Device could not be authenticated: device system id ${SYSTEM_ID.REVOKED} is revoked`,
    );
    expect(error.licenseError).toBe(2);
    expect(decodeErrorResponse(error.errorResponse!)).toBe(2);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: -4001, message: error.message });
  });

  it('refuses unknown devices when configured to, and assumes a level otherwise', () => {
    const rejected = refusal(
      world.licenser({ unknownDevices: 'reject' }),
      clientChallenge(world.devices.UNKNOWN).challenge,
    );
    expect(rejected.code).toBe(-4001);
    expect(rejected.message).toMatch(/unknown/);
    expect(decodeErrorResponse(rejected.errorResponse!)).toBe(3);

    const assumed = world.licenser({ unknownDevices: 'L3' });
    const g = grant({ securityLevel: 2 });
    const session = clientChallenge(world.devices.UNKNOWN);
    const outcome = license(assumed, session.challenge, g);
    expect(outcome.device).toMatchObject({ systemId: SYSTEM_ID.UNKNOWN, level: 'L3', known: false });
    expect(session.parse(outcome.body)[0].key).toBe(g.contentKey.toString('hex'));
    expect(refusal(assumed, clientChallenge(world.devices.UNKNOWN).challenge, grant({ securityLevel: 3 })).code).toBe(
      -7008,
    );
    expect(
      license(
        world.licenser({ unknownDevices: 'L1' }),
        clientChallenge(world.devices.UNKNOWN).challenge,
        grant({ securityLevel: 5 }),
      ).device?.level,
    ).toBe('L1');
  });

  it('takes levels and revocations from a DCSL (model serial first, then system id); the device map wins', () => {
    const list = dcsl([
      { serial: world.models.UNKNOWN.serialNumber, systemId: 1, status: 0, level: 1 },
      { systemId: SYSTEM_ID.L1, status: 1, level: 1 },
    ]);
    const licenser = world.licenser({ devices: {}, deviceStatusList: list });
    expect(
      license(licenser, clientChallenge(world.devices.UNKNOWN).challenge, grant({ securityLevel: 5 })).device,
    ).toMatchObject({
      level: 'L1',
      known: true,
    });
    expect(refusal(licenser, clientChallenge(world.devices.L1).challenge).licenseError).toBe(2);
    const overridden = world.licenser({ deviceStatusList: list }); // the device map says 7777 is valid L1
    expect(license(overridden, clientChallenge(world.devices.L1).challenge).device?.level).toBe('L1');
  });
});

describe('device authentication', () => {
  it('refuses a device chained to an untrusted root', () => {
    const error = refusal(world.licenser(), clientChallenge(world.devices.UNTRUSTED).challenge);
    expect(error.code).toBe(-4001);
    expect(error.message).toMatch(/not signed by a trusted root/);
    expect(decodeErrorResponse(error.errorResponse!)).toBe(1);
    // Trusting that root makes the same device acceptable.
    const trusting = world.licenser({ trustedRoots: [world.root.certificate, world.otherRoot.certificate] });
    expect(license(trusting, clientChallenge(world.devices.UNTRUSTED).challenge).kind).toBe('license');
  });

  it('refuses a chain that carries an untrusted root as signer, and accepts one that carries the trusted root', async () => {
    const foreign = await createModel(world.otherRoot, SYSTEM_ID.L1, { keys: world.models.L1.keys, includeRoot: true });
    const foreignDevice = await createDevice(foreign, { keys: world.devices.L1.keys });
    expect(refusal(world.licenser(), clientChallenge(foreignDevice).challenge).message).toMatch(/untrusted root/);
    const carried = await createModel(world.root, SYSTEM_ID.L1, { keys: world.models.L1.keys, includeRoot: true });
    const carriedDevice = await createDevice(carried, { keys: world.devices.L1.keys });
    expect(license(world.licenser(), clientChallenge(carriedDevice).challenge).kind).toBe('license');
  });

  it('refuses a device certificate not signed by its model, an expired one, and a system id mismatch', async () => {
    const { L1 } = world.models;
    const keys = world.devices.L1.keys;
    const badSignature = await createDevice(L1, { keys, signWith: world.otherRoot.keys.privateKey });
    expect(refusal(world.licenser(), clientChallenge(badSignature).challenge).message).toMatch(
      /device certificate signature/,
    );
    const expired = await createDevice(L1, { keys, expiration: Math.floor(Date.now() / 1000) - 10 });
    expect(refusal(world.licenser(), clientChallenge(expired).challenge).message).toMatch(/expired/);
    const mismatch = await createDevice(L1, { keys, systemId: 1234 });
    expect(refusal(world.licenser(), clientChallenge(mismatch).challenge).message).toMatch(/system id/);
  });

  it('refuses a challenge whose msg was altered and re-signed with another key, or not re-signed', () => {
    const signed = unpb<any>('SignedMessage', clientChallenge(world.devices.L1).challenge);
    const request = unpb<any>('LicenseRequest', signed.msg);
    request.key_control_nonce = (request.key_control_nonce + 1) >>> 0;
    const altered = pb('LicenseRequest', request);
    const resigned = pb('SignedMessage', {
      type: 1,
      msg: altered,
      signature: pssSign(world.devices.L3.keys.privateKey, altered),
    });
    const unsigned = pb('SignedMessage', { type: 1, msg: altered, signature: signed.signature });
    for (const challenge of [resigned, unsigned]) {
      const error = refusal(world.licenser(), challenge);
      expect(error.code).toBe(-4001);
      expect(error.message).toMatch(/signature does not verify/);
    }
  });
});

describe('malformed challenges: a clear ExpressPlayError, never another exception', () => {
  const cases: Array<[string, () => Buffer, number]> = [
    ['empty body', () => Buffer.alloc(0), -7008],
    ['random bytes', () => randomBytes(300), -7008],
    ['a lone 08', () => Buffer.from([0x08]), -7008],
    ['a SignedMessage of type LICENSE', () => pb('SignedMessage', { type: 2, msg: Buffer.from('x') }), -7008],
    ['a license request without msg', () => pb('SignedMessage', { type: 1 }), -7008],
    [
      'a license request naming no content',
      () => pb('SignedMessage', { type: 1, msg: pb('LicenseRequest', { type: 1 }) }),
      -7008,
    ],
    ['an oversized body', () => Buffer.alloc(70 * 1024, 0x0a), -7008],
  ];
  it.each(cases)('%s', (_name, body, code) => {
    expect(refusal(world.licenser(), body()).code).toBe(code);
  });

  it('refuses every truncation of a valid challenge', () => {
    const { challenge } = clientChallenge(world.devices.L1);
    const licenser = world.licenser();
    for (let length = 0; length < challenge.length; length += 7) {
      const error = refusal(licenser, challenge.subarray(0, length));
      expect([-4001, -7008]).toContain(error.code);
      expect(error.message).not.toMatch(/unexpected/);
    }
  });

  it('refuses a request from a keybox client and offline license requests', () => {
    const keybox = pb('LicenseRequest', {
      client_id: { type: 0, token: randomBytes(72) },
      content_id: {
        widevine_pssh_data: { pssh_data: [randomBytes(20)], license_type: 1, request_id: randomBytes(16) },
      },
      type: 1,
    });
    expect(
      refusal(world.licenser(), pb('SignedMessage', { type: 1, msg: keybox, signature: randomBytes(256) })).code,
    ).toBe(-4001);
    const offline = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
    expect(refusal(world.licenser(), offline.challenge).message).toMatch(/offline/);
  });

  it('refuses a privacy-mode identity encrypted to another service certificate', () => {
    const session = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate });
    const signed = unpb<any>('SignedMessage', session.challenge);
    const msg = Buffer.from(signed.msg);
    const serialAt = msg.indexOf(world.service.serialNumber);
    randomBytes(16).copy(msg, serialAt);
    const error = refusal(world.licenser(), pb('SignedMessage', { ...signed, msg }));
    expect(error.code).toBe(-7008);
    expect(error.message).toMatch(/another service certificate/);
  });

  it('refuses a malformed grant with -7008', () => {
    const { challenge } = clientChallenge(world.devices.L1);
    expect(refusal(world.licenser(), challenge, grant({}, { contentKey: Buffer.alloc(15) })).message).toMatch(
      /content key/,
    );
    expect(refusal(world.licenser(), challenge, grant({}, { kid: Buffer.alloc(8) })).message).toMatch(/kid/);
  });
});

describe('configuration', () => {
  it('rejects a short renewal secret, a bad root, a service certificate from an untrusted root or with the wrong key', async () => {
    expect(() => world.licenser({ renewalSecret: Buffer.alloc(8) })).toThrow(/renewalSecret/);
    expect(() => world.licenser({ trustedRoots: [Buffer.from('nonsense')] })).toThrow(/trusted root #1/);
    expect(() => world.licenser({ trustedRoots: [] })).toThrow(/service certificate: .*trusted root/);
    expect(() =>
      world.licenser({
        serviceCertificate: { certificate: world.service.certificate, privateKey: world.devices.L1.keys.privateKey },
      }),
    ).toThrow(/does not match/);
    expect(() => world.licenser({ unknownDevices: 'L4' as never })).toThrow(/unknownDevices/);
  });

  it("trusts Google's Widevine root by default", () => {
    const licenser = world.licenser();
    expect(licenser.roots.map((r) => r.fingerprint)).toContain(
      '4d37517967d93c1fe39ea841f17a88da28c4aba7f3f09505224cafdf33f75c32',
    );
  });
});
