import {
  clientChallenge,
  inspectLicense,
  inspectRenewal,
  LicenseType,
  renewalChallenge,
  usageTableEntry,
  type LicenseView,
  type TestUsageReport,
} from '../testing/widevine/client';
import { createWorld, grant, type World } from '../testing/widevine/world';
import { readUsageReport, type WidevineOutcome } from '.';

// The usage report (OEMCrypto PST report) in a release: read, its HMAC verified with the license's client MAC key.
// The `widevine` client cannot make one, so the test-side CDM writes it from the documented layout (usageTableEntry).

let world: World;
beforeAll(async () => {
  world = await createWorld();
}, 60_000);

const DAY = 86_400;
const g = grant({ licenseDuration: DAY, offline: { rentalDuration: 7 * DAY } });

/** An offline license for the L1 test device and the test-side CDM's view of it (MAC keys included). */
function download(): LicenseView {
  const session = clientChallenge(world.devices.L1, { licenseType: LicenseType.OFFLINE });
  return inspectLicense(world.devices.L1, session.challenge, world.licenser().handle(session.challenge, g).body);
}

function release(view: LicenseView, entry: Buffer): WidevineOutcome {
  return world.licenser().handle(renewalChallenge(view, 'release', { sessionUsageTableEntry: entry }), g);
}

const PLAYED: TestUsageReport = {
  status: 3, // inactive-used: released after playback
  sinceLicenseReceived: 3n * BigInt(DAY),
  sinceFirstDecrypt: 2n * BigInt(DAY),
  sinceLastDecrypt: 3_600n,
};

describe('the usage report of a Widevine release', () => {
  it('is read and verified: status, clock and the seconds since receipt, first and last decrypt', () => {
    const view = download();
    const outcome = release(view, usageTableEntry(PLAYED, view.signingKeys!.macClient));
    expect(outcome.kind).toBe('release');
    expect(outcome.usageReport).toEqual({
      verified: true,
      status: 'inactive-used',
      clockSecurityLevel: 'secure-clock',
      secondsSinceLicenseReceived: 3 * DAY,
      secondsSinceFirstDecrypt: 2 * DAY,
      secondsSinceLastDecrypt: 3600,
      pstMatches: true,
    });
    // The answer is the release confirmation it always was.
    const answer = inspectRenewal(view, outcome.body, g.contentKey);
    expect(answer.license.policy).toEqual({ can_play: false, can_persist: false, can_renew: false });
  });

  it('gives no decrypt times for a download never played (OEMCrypto counts them from time 0)', () => {
    const view = download();
    const now = BigInt(Math.floor(Date.now() / 1000));
    const unused = { status: 4, sinceLicenseReceived: 600n, sinceFirstDecrypt: now, sinceLastDecrypt: now };
    expect(release(view, usageTableEntry(unused, view.signingKeys!.macClient)).usageReport).toMatchObject({
      verified: true,
      status: 'inactive-unused',
      secondsSinceLicenseReceived: 600,
      secondsSinceFirstDecrypt: null,
      secondsSinceLastDecrypt: null,
    });
  });

  it("says when its provider session token is not the license's (ours carry none)", () => {
    const view = download();
    const entry = usageTableEntry({ ...PLAYED, pst: Buffer.from('other') }, view.signingKeys!.macClient);
    expect(release(view, entry).usageReport).toMatchObject({ verified: true, pstMatches: false });
  });

  it.each<[string, (entry: Buffer) => Buffer, RegExp]>([
    ['a bad HMAC', (entry) => Buffer.concat([Buffer.from([entry[0] ^ 1]), entry.subarray(1)]), /HMAC does not verify/],
    ['a changed fact', (entry) => Buffer.concat([entry.subarray(0, 40), Buffer.alloc(8), entry.subarray(48)]), /HMAC/],
    ['a short report', (entry) => entry.subarray(0, 47), /47 bytes, shorter than the 48-byte report/],
    ['a length that disagrees with the PST length', (entry) => Buffer.concat([entry, Buffer.from([0])]), /49 bytes/],
  ])('records only that %s does not verify, and still answers the release', (_name, spoil, problem) => {
    const view = download();
    const outcome = release(view, spoil(usageTableEntry(PLAYED, view.signingKeys!.macClient)));
    expect(outcome.kind).toBe('release');
    expect(outcome.usageReport).toEqual({ verified: false, problem: expect.stringMatching(problem) });
  });

  it("is verified with the license's own client MAC key, not another license's", () => {
    const view = download();
    const other = download();
    expect(release(view, usageTableEntry(PLAYED, other.signingKeys!.macClient)).usageReport).toMatchObject({
      verified: false,
    });
  });

  it('is absent without an entry, and not read from a renewal', () => {
    const view = download();
    expect(world.licenser().handle(renewalChallenge(view, 'release'), g).usageReport).toBeUndefined();
    const streaming = grant({ licenseDuration: 600 });
    const session = clientChallenge(world.devices.L1);
    const licenser = world.licenser({ renewal: { delaySeconds: 60 } });
    const live = inspectLicense(
      world.devices.L1,
      session.challenge,
      licenser.handle(session.challenge, streaming).body,
    );
    const renewal = renewalChallenge(live, 'renewal', {
      sessionUsageTableEntry: usageTableEntry(PLAYED, live.signingKeys!.macClient),
    });
    const outcome = licenser.handle(renewal, streaming);
    expect(outcome.kind).toBe('renewal');
    expect(outcome.usageReport).toBeUndefined();
  });

  it('clears times that are negative or out of order, and names unknown statuses and clocks', () => {
    const key = Buffer.alloc(32, 7);
    const odd = {
      status: 9,
      clockSecurityLevel: 8,
      sinceLicenseReceived: -1n,
      sinceFirstDecrypt: 5n,
      sinceLastDecrypt: 6n,
    };
    expect(readUsageReport(usageTableEntry(odd, key), key, undefined)).toEqual({
      verified: true,
      status: 'unknown (9)',
      clockSecurityLevel: 'unknown (8)',
      secondsSinceLicenseReceived: null,
      secondsSinceFirstDecrypt: null,
      secondsSinceLastDecrypt: null,
      pstMatches: true,
    });
    const lastBeforeFirst = { ...PLAYED, status: 1, sinceFirstDecrypt: 10n, sinceLastDecrypt: 20n };
    expect(readUsageReport(usageTableEntry(lastBeforeFirst, key), key, undefined)).toMatchObject({
      status: 'active',
      secondsSinceFirstDecrypt: 10,
      secondsSinceLastDecrypt: null,
    });
  });
});
