import { randomBytes } from 'node:crypto';
import { createKeyRing, sealToken, type TokenClaims } from '@openplay/core';
import { LicenseType } from 'widevine';
import { useStack, widevineTokenUrl } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  inspectLicense,
  inspectRenewal,
  type LicenseView,
  renewalChallenge,
  useWidevineWorld,
} from './support/widevine';

// A download outlives its token: the CDM's release of an offline license, sent when the user deletes the download
// after the token expired, is still answered, under the same checks as renewals after expiry (token key still in
// TOKEN_KEYS, account enabled). Real token-gen, real rights, real PostgreSQL, loopback HTTP; the independent
// `widevine` client buys the license, the test-side CDM signs the release and checks the answer as a CDM does.

type Row = Record<string, any>;

/** Seconds a token of these tests lives: long enough to buy a license on a busy machine, short enough to wait out. */
const TOKEN_LIFETIME = 3;
const RELEASED_NOTE = 'token expired; release of a license it bought';

const post = (url: string, body: Uint8Array) =>
  fetch(url, { method: 'POST', body, headers: { 'user-agent': 'openplay-e2e-player/1.0' } });
const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves once the rights server's clock (this process's) has reached the token's expiry. */
const untilExpired = async (claims: TokenClaims) => {
  while (Date.now() / 1000 < claims.expiresAt) await sleep(Math.max(10, claims.expiresAt * 1000 - Date.now()));
};
const error = async (response: Response): Promise<{ status: number; body: Row }> => ({
  status: response.status,
  body: (await response.json()) as Row,
});

describe('rights: the release of an offline Widevine license after its token expired (real apps, real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() => world.current.env({ WIDEVINE_UNKNOWN_DEVICES: 'reject' }));

  const account = async () => {
    const created = await stack.admin.createAccount({
      name: 'downloads',
      credits: 1n,
      widevine: true,
      fairplay: false,
    });
    return { number: created.account.number, auth: created.authenticators.test };
  };
  /** A short-lived token, and the license of `licenseType` the independent client bought with it at once. */
  const bought = async (auth: string, licenseType: number, extra: Record<string, string> = {}) => {
    const url = await widevineTokenUrl(stack, auth, { expirationTime: `+${TOKEN_LIFETIME}`, ...extra });
    const claims = claimsOf(url);
    const device = world.current.devices.L1;
    const client = clientChallenge(device, { licenseType });
    const response = await post(url, client.challenge);
    expect(response.status).toBe(200);
    const body = await bytes(response);
    expect(client.parse(body)).toEqual([{ kid: claims.kid!.toString('hex'), key: claims.contentKey.toString('hex') }]);
    const view = inspectLicense(device, client.challenge, body);
    expect(view.license.id.type).toBe(licenseType);
    return { url, claims, view };
  };
  const download = (auth: string) =>
    bought(auth, LicenseType.OFFLINE, { persistent: 'true', rentalDuration: '604800', licenseDuration: '86400' });
  /** Checks a release answer as the CDM does (HMAC with the license's server MAC key) and returns its license. */
  const released = async (view: LicenseView, claims: TokenClaims, response: Response) => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const answer = inspectRenewal(view, await bytes(response), claims.contentKey);
    expect(answer.keyControls).toEqual([]);
    return answer.license;
  };
  const rowsOf = async (claims: TokenClaims): Promise<Row[]> =>
    (
      await stack.pool.query(
        "SELECT request_type, result_code, message FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id",
        [claims.tokenId.toString('hex')],
      )
    ).rows;
  const creditsOf = async (number: number): Promise<number> =>
    (await stack.pool.query('SELECT credits::int AS credits FROM accounts WHERE number = $1', [number])).rows[0]
      .credits;
  const rightsUrlFor = (token: string) => `${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=${token}`;

  it('answers the release of a download after its token expired: same id, version + 1, can_play false, free', async () => {
    const own = await account();
    const { url, claims, view } = await download(own.auth);
    expect(view.license.policy).toMatchObject({ can_persist: true, rental_duration_seconds: 604800 });
    await untilExpired(claims);

    // The token no longer buys a license, offline or not...
    const again = clientChallenge(world.current.devices.L1, { licenseType: LicenseType.OFFLINE }).challenge;
    expect(await error(await post(url, again))).toEqual({
      status: 401,
      body: { code: -4010, message: '[-4010] Invalid token: token expired' },
    });
    // ...but the user deleting the download gets the release answered, usage report and all.
    const release = renewalChallenge(view, 'release', { sessionUsageTableEntry: randomBytes(48) });
    const license = await released(view, claims, await post(url, release));
    expect(license.id).toMatchObject({ type: LicenseType.OFFLINE, version: 1, session_id: view.license.id.session_id });
    expect(license.policy).toEqual({ can_play: false, can_persist: false, can_renew: false });
    expect(license.license_start_time).toBeGreaterThanOrEqual(claims.expiresAt);
    // A CDM that retries (its answer was lost) gets the same answer again.
    expect((await released(view, claims, await post(url, release))).id.version).toBe(1);

    expect(await creditsOf(own.number)).toBe(0);
    // (The refused license's row has no token id: an expired token is only read once it is admitted.)
    expect(await rowsOf(claims)).toEqual([
      { request_type: 'new', result_code: 0, message: null },
      { request_type: 'release', result_code: 0, message: RELEASED_NOTE },
      { request_type: 'release', result_code: 0, message: RELEASED_NOTE },
    ]);
  });

  it("answers a streaming license's release after expiry too: it is only an acknowledgement", async () => {
    const own = await account();
    const { url, claims, view } = await bought(own.auth, LicenseType.STREAMING, { licenseDuration: '600' });
    await untilExpired(claims);
    const license = await released(view, claims, await post(url, renewalChallenge(view, 'release')));
    expect(license.id).toMatchObject({ type: LicenseType.STREAMING, version: 1 });
    expect(license.policy.can_play).toBe(false);
    expect((await rowsOf(claims)).map((row) => [row.request_type, row.result_code, row.message])).toEqual([
      ['new', 0, null],
      ['release', 0, RELEASED_NOTE],
    ]);
  });

  it('still refuses after expiry a retired token key, a disabled account, Widevine switched off and a forged release', async () => {
    const own = await account();
    const { url, claims, view } = await download(own.auth);
    await untilExpired(claims);
    const release = renewalChallenge(view, 'release');

    // The same claims under a key the rights server's ring no longer holds.
    const retired = sealToken(claims, createKeyRing([{ id: 77, key: randomBytes(32) }]));
    expect(await error(await post(rightsUrlFor(retired), release))).toEqual({
      status: 401,
      body: { code: -4010, message: '[-4010] Invalid token: unknown token key' },
    });

    await stack.admin.setStatus(own.number, 'disabled');
    expect(await error(await post(url, release))).toEqual({
      status: 401,
      body: { code: -2031, message: '[-2031] Service Account Disabled' },
    });
    await stack.admin.setStatus(own.number, 'active');
    await stack.admin.setOptions(own.number, { widevineEnabled: false });
    expect((await error(await post(url, release))).body.code).toBe(-7011);
    await stack.admin.setOptions(own.number, { widevineEnabled: true });

    // A release not signed with the license's keys.
    const forged = renewalChallenge(view, 'release', { macClient: randomBytes(32) });
    expect((await error(await post(url, forged))).body.code).toBe(-4001);

    // The account enabled again, the genuine release is answered.
    expect((await released(view, claims, await post(url, release))).id.version).toBe(1);
    expect((await rowsOf(claims)).map((row) => [row.request_type, row.result_code, row.message])).toEqual([
      ['new', 0, null],
      ['release', -2031, `[-2031] Service Account Disabled (${RELEASED_NOTE})`],
      ['release', -7011, expect.stringContaining(RELEASED_NOTE)],
      ['release', -4001, expect.stringContaining(RELEASED_NOTE)],
      ['release', 0, RELEASED_NOTE],
    ]);
  });
});
