import { randomBytes } from 'node:crypto';
import { createKeyRing, parseKeyRing, sealToken, type TokenClaims } from '@openplay/core';
import { DEV_TOKEN_KEYS } from '@openplay/nest-kit';
import { useStack, widevineTokenUrl } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  useWidevineWorld,
  inspectLicense,
  inspectRenewal,
  renewalChallenge,
  type LicenseView,
} from './support/widevine';

type Row = Record<string, any>;

const RENEWAL_DELAY = 60;
/** Seconds a token of these tests lives: long enough to buy a license on a busy machine, short enough to wait out. */
const TOKEN_LIFETIME = 3;
const EXPIRED_NOTE = 'token expired; renewal governed by the license policy';

const post = (url: string, body: Uint8Array) =>
  fetch(url, { method: 'POST', body, headers: { 'user-agent': 'openplay-e2e-player/1.0' } });
const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves once the rights server's clock (this process's) has reached the token's expiry. */
const untilExpired = async (claims: TokenClaims) => {
  while (Date.now() / 1000 < claims.expiresAt) await sleep(Math.max(10, claims.expiresAt * 1000 - Date.now()));
};
/** A renewal's key control duration (seconds; 0 = unlimited). */
const kcbDuration = (block: Buffer) => block.readUInt32BE(4);

describe('rights: a Widevine license outlives its token (renewals after expiry; real apps, real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() =>
    world.current.env({ WIDEVINE_UNKNOWN_DEVICES: 'reject', WIDEVINE_RENEWAL_DELAY: String(RENEWAL_DELAY) }),
  );

  const account = async (credits: number | null = null) => {
    const created = await stack.admin.createAccount({
      name: 'renewals',
      credits: credits === null ? null : BigInt(credits),
      widevine: true,
      fairplay: false,
    });
    return { number: created.account.number, auth: created.authenticators.test };
  };
  /** A short-lived token from token-gen, and the license the independent client bought with it at once. */
  const bought = async (auth: string, options: { licenseDuration?: number; cookie?: string } = {}) => {
    const url = await widevineTokenUrl(stack, auth, {
      expirationTime: `+${TOKEN_LIFETIME}`,
      ...(options.licenseDuration !== undefined ? { licenseDuration: String(options.licenseDuration) } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
    });
    const claims = claimsOf(url);
    const device = world.current.devices.L1;
    const client = clientChallenge(device);
    const response = await post(url, client.challenge);
    expect(response.status).toBe(200);
    const body = await bytes(response);
    expect(client.parse(body)).toEqual([{ kid: claims.kid!.toString('hex'), key: claims.contentKey.toString('hex') }]);
    return { url, claims, view: inspectLicense(device, client.challenge, body) };
  };
  const rowsOf = async (claims: TokenClaims): Promise<Row[]> =>
    (
      await stack.pool.query(
        "SELECT request_type, result_code, message FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id",
        [claims.tokenId.toString('hex')],
      )
    ).rows;
  const renew = (url: string, view: LicenseView, secondsSinceStarted: number, nonce = 0x5150) =>
    post(url, renewalChallenge(view, 'renewal', { secondsSinceStarted, nonce }));
  const error = async (response: Response): Promise<{ status: number; body: Row }> => ({
    status: response.status,
    body: (await response.json()) as Row,
  });
  const rightsUrlFor = (token: string) => `${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=${token}`;

  it('renews a license after its token expired while the playback duration allows, then refuses -7008', async () => {
    const own = await account(1);
    const { url, claims, view } = await bought(own.auth, { licenseDuration: 600, cookie: 'mid-playback' });
    expect(view.license.policy).toMatchObject({
      can_renew: true,
      playback_duration_seconds: 600,
      license_duration_seconds: 0,
      renewal_delay_seconds: RENEWAL_DELAY,
    });
    expect((await renew(url, view, 1)).status).toBe(200);
    await untilExpired(claims);

    // The token no longer buys a license...
    expect(await error(await post(url, clientChallenge(world.current.devices.L1).challenge))).toEqual({
      status: 401,
      body: { code: -4010, message: '[-4010] Invalid token: token expired' },
    });
    // ...but the license it bought renews under its own policy: 600 s of playback, 300 s of them spent.
    const renewal = await renew(url, view, 300, 0xabcdef);
    expect(renewal.status).toBe(200);
    const renewed = inspectRenewal(view, await bytes(renewal), claims.contentKey);
    expect(renewed.license.id).toMatchObject({ session_id: view.license.id.session_id, version: 1 });
    expect(renewed.license.license_start_time).toBe(view.license.license_start_time);
    expect(renewed.license.policy).toMatchObject({ can_play: true, playback_duration_seconds: 600 });
    expect(renewed.keyControls.map((block) => [kcbDuration(block), block.readUInt32BE(8)])).toEqual([[300, 0xabcdef]]);

    // Once the playback duration has run out, the license's policy refuses the renewal.
    expect(await error(await renew(url, view, 600))).toEqual({
      status: 400,
      body: {
        code: -7008,
        message: '[-7008] Failed to generate Widevine license: the license duration has elapsed; renewal refused',
      },
    });
    // A release outlives the token too (decision 0022): an acknowledgement that grants nothing.
    const release = await post(url, renewalChallenge(view, 'release'));
    expect(release.status).toBe(200);
    expect(inspectRenewal(view, await bytes(release), claims.contentKey).license.policy.can_play).toBe(false);

    const { rows } = await stack.pool.query('SELECT credits::int AS credits FROM accounts WHERE number = $1', [
      own.number,
    ]);
    expect(rows[0].credits).toBe(0);
    // The expired token's refusals carry no token id (it is only read once the token is admitted).
    expect(await rowsOf(claims)).toEqual([
      { request_type: 'new', result_code: 0, message: null },
      { request_type: 'renewal', result_code: 0, message: null },
      { request_type: 'renewal', result_code: 0, message: EXPIRED_NOTE },
      {
        request_type: 'renewal',
        result_code: -7008,
        message: `[-7008] Failed to generate Widevine license: the license duration has elapsed; renewal refused (${EXPIRED_NOTE})`,
      },
      { request_type: 'release', result_code: 0, message: 'token expired; release of a license it bought' },
    ]);
  });

  it('renews an unlimited license for as long as the account is enabled: a disabled account is -2031', async () => {
    const own = await account();
    const { url, claims, view } = await bought(own.auth);
    expect(view.license.policy).toMatchObject({ playback_duration_seconds: 0, license_duration_seconds: 0 });
    await untilExpired(claims);

    const renewal = await renew(url, view, 10 ** 6);
    expect(renewal.status).toBe(200);
    expect(inspectRenewal(view, await bytes(renewal), claims.contentKey).keyControls.map(kcbDuration)).toEqual([0]);

    await stack.admin.setStatus(own.number, 'disabled');
    expect(await error(await renew(url, view, 10 ** 6 + 60))).toEqual({
      status: 401,
      body: { code: -2031, message: '[-2031] Service Account Disabled' },
    });
    await stack.admin.setStatus(own.number, 'active');
    await stack.admin.setOptions(own.number, { widevineEnabled: false });
    expect((await error(await renew(url, view, 10 ** 6 + 120))).body.code).toBe(-7011);
    await stack.admin.setOptions(own.number, { widevineEnabled: true });
    expect((await renew(url, view, 10 ** 6 + 180)).status).toBe(200);
    expect((await rowsOf(claims)).map((row) => [row.request_type, row.result_code])).toEqual([
      ['new', 0],
      ['renewal', 0],
      ['renewal', -2031],
      ['renewal', -7011],
      ['renewal', 0],
    ]);
  });

  it('still refuses after expiry a forged token, a retired key, a forged renewal, and a token that did not buy the license', async () => {
    const own = await account();
    const { url, claims, view } = await bought(own.auth, { licenseDuration: 3600 });
    await untilExpired(claims);
    const token = new URL(url).searchParams.get('ExpressPlayToken')!;
    const renewalBody = renewalChallenge(view, 'renewal', { secondsSinceStarted: 5 });

    const at = token.length - 20;
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    expect(await error(await post(rightsUrlFor(tampered), renewalBody))).toEqual({
      status: 401,
      body: { code: -4010, message: '[-4010] Invalid token: token forged or corrupt' },
    });

    // The same claims under a key the rights server's ring no longer holds.
    const retired = sealToken(claims, createKeyRing([{ id: 77, key: randomBytes(32) }]));
    expect(await error(await post(rightsUrlFor(retired), renewalBody))).toEqual({
      status: 401,
      body: { code: -4010, message: '[-4010] Invalid token: unknown token key' },
    });

    // A renewal not signed with the license's keys.
    const forged = renewalChallenge(view, 'renewal', { macClient: randomBytes(32) });
    expect((await error(await post(url, forged))).body.code).toBe(-4001);

    // An older token of the same kid, expired before this license was issued, cannot renew it.
    const older = sealToken(
      { ...claims, tokenId: randomBytes(16), issuedAt: claims.issuedAt - 7200, expiresAt: claims.issuedAt - 3600 },
      parseKeyRing(DEV_TOKEN_KEYS),
    );
    expect(await error(await post(rightsUrlFor(older), renewalBody))).toEqual({
      status: 401,
      body: {
        code: -4010,
        message: '[-4010] Invalid token: token expired, and the license was not issued while it was valid',
      },
    });

    // The genuine token, expired, still renews it.
    expect((await post(url, renewalBody)).status).toBe(200);
    expect((await rowsOf(claims)).map((row) => [row.request_type, row.result_code])).toEqual([
      ['new', 0],
      ['renewal', -4001],
      ['renewal', 0],
    ]);
  });
});
