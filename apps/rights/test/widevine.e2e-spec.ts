import { randomBytes } from 'node:crypto';
import { parseKeyRing, sealToken } from '@openplay/core';
import { DEV_TOKEN_KEYS } from '@openplay/nest-kit';
import { LicenseType, Widevine } from 'widevine';
import { tokenUrl, useStack, type Stack } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  useWidevineWorld,
  decodeErrorResponse,
  inspectLicense,
  inspectRenewal,
  pb,
  pssSign,
  psshBox,
  renewalChallenge,
  serviceCertificateRequest,
  serviceDrmCertificateOf,
  SYSTEM_ID,
  unpb,
  type DeviceName,
  type WidevineWorld,
} from './support/widevine';

type Row = Record<string, any>;

const json = async (response: Response): Promise<any> => response.json();
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());

const UA = 'openplay-e2e-player/1.0';
/** ExpressPlay's recommended PSSH: WidevinePsshData naming the dummy key id 000102…0f, provider "intertrust". */
const EXPRESSPLAY_PSSH = Buffer.from('CAESEAABAgMEBQYHCAkKCwwNDg8aCmludGVydHJ1c3QiASo=', 'base64');
const RENEWAL_DELAY = 300;

/** POSTs a challenge as a player does: raw bytes, no content type unless given. */
const post = (url: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'user-agent': UA, ...headers } });

interface TokenOptions {
  kid?: string;
  contentKey?: string;
  securityLevel?: number;
  hdcpOutputControl?: number;
  licenseDuration?: number;
  cookie?: string;
}

function widevineHelpers(stack: Stack) {
  const token = async (authenticator: string, options: TokenOptions = {}) => {
    const contentKey = options.contentKey ?? randomBytes(16).toString('hex');
    const kid = options.kid ?? randomBytes(16).toString('hex');
    const query = new URLSearchParams({
      customerAuthenticator: authenticator,
      kid,
      contentKey,
      securityLevel: String(options.securityLevel ?? 1),
      hdcpOutputControl: String(options.hdcpOutputControl ?? 0),
      ...(options.licenseDuration !== undefined ? { licenseDuration: String(options.licenseDuration) } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
    });
    const url = await tokenUrl(stack, 'wv', query.toString());
    const claims = claimsOf(url);
    return { url, contentKey, kid: claims.kid!.toString('hex'), tokenId: claims.tokenId.toString('hex'), claims };
  };
  const account = async (credits: number | null = null) => {
    const created = await stack.admin.createAccount({
      name: 'WV',
      credits: credits === null ? null : BigInt(credits),
      widevine: true,
      fairplay: true,
    });
    return { number: created.account.number, auth: created.authenticators.test };
  };
  const credits = async (number: number): Promise<number | null> => {
    const { rows } = await stack.pool.query('SELECT credits::int AS credits FROM accounts WHERE number = $1', [number]);
    return rows[0].credits;
  };
  const rowsOf = async (tokenId: string): Promise<Row[]> =>
    (
      await stack.pool.query("SELECT * FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id", [
        tokenId,
      ])
    ).rows;
  return { token, account, credits, rowsOf };
}

/** Key control block fields (big-endian): verification ‖ duration ‖ nonce ‖ control bits. */
const kcb = (block: Buffer) => ({
  verification: block.toString('latin1', 0, 4),
  duration: block.readUInt32BE(4),
  nonce: block.readUInt32BE(8),
  bits: block.readUInt32BE(12),
});
const BIT = {
  OBSERVE_DATA_PATH: 2 ** 31,
  OBSERVE_HDCP: 2 ** 30,
  DATA_PATH: 1 << 4,
  NONCE: 1 << 3,
  HDCP_REQUIRED: 1 << 2,
};

/** A challenge whose LicenseRequest the test edits, then signs with `signer` (the device's own key by default). */
function editedChallenge(
  world: WidevineWorld,
  name: DeviceName,
  edit: (request: Row) => void,
  signer = world.devices[name].keys.privateKey,
) {
  const original = unpb<Row>('SignedMessage', clientChallenge(world.devices[name]).challenge);
  const request = unpb<Row>('LicenseRequest', original.msg);
  edit(request);
  const msg = pb('LicenseRequest', request);
  return pb('SignedMessage', { type: 1, msg, signature: pssSign(signer, msg) });
}

describe('rights: Widevine redemption with the independent client (real apps, real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() =>
    world.current.env({ WIDEVINE_UNKNOWN_DEVICES: 'reject', WIDEVINE_RENEWAL_DELAY: String(RENEWAL_DELAY) }),
  );
  const { token, account, credits, rowsOf } = widevineHelpers(stack);
  let acct: { number: number; auth: string };

  beforeAll(async () => {
    acct = await account();
  });

  describe('licenses', () => {
    it('delivers exactly the token content key under its kid, with a clear client identity', async () => {
      const t = await token(acct.auth, { cookie: 'wv-clear' });
      const client = clientChallenge(world.current.devices.L1);
      const response = await post(t.url, client.challenge);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(client.parse(await bytes(response))).toEqual([{ kid: t.kid, key: t.contentKey }]);

      const rows = await rowsOf(t.tokenId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        drm: 'wv',
        account_number: acct.number,
        cookie: 'wv-clear',
        kid: t.kid,
        result_code: 0,
        request_type: 'new',
        client_address: '127.0.0.1',
        user_agent: UA,
        device: {
          systemId: SYSTEM_ID.L1,
          securityLevel: 'L1',
          known: true,
          privacyMode: false,
          company: 'openplay-test',
        },
      });
    });

    it('serves a device whose client_info holds a NUL and non-UTF-8 bytes, recorded as U+FFFD, and its batch neighbours', async () => {
      // PostgreSQL refuses such text; before, one such row failed the group commit and every request that shared it.
      const odd = await token(acct.auth, { cookie: 'wv-odd' });
      const plain = await token(acct.auth, { cookie: 'wv-odd-neighbour' });
      const oddClient = clientChallenge(world.current.oddClientInfo);
      const plainClient = clientChallenge(world.current.devices.L1);
      const [oddResponse, plainResponse] = await Promise.all([
        post(odd.url, oddClient.challenge),
        post(plain.url, plainClient.challenge),
      ]);
      expect([oddResponse.status, plainResponse.status]).toEqual([200, 200]);
      expect(oddClient.parse(await bytes(oddResponse))).toEqual([{ kid: odd.kid, key: odd.contentKey }]);
      expect(plainClient.parse(await bytes(plainResponse))).toEqual([{ kid: plain.kid, key: plain.contentKey }]);
      const [row] = await rowsOf(odd.tokenId);
      // The NUL becomes U+FFFD here; the bytes that are not UTF-8 already did in the decoding, one per byte.
      expect(row).toMatchObject({
        result_code: 0,
        device: {
          systemId: SYSTEM_ID.L1,
          company: expect.stringMatching(/^odd\ufffdco\ufffd+$/),
          model: 'model\ufffd',
        },
      });
      expect(await rowsOf(plain.tokenId)).toHaveLength(1);
    });

    it('serves the 08 04 service certificate request, then a privacy-mode (encrypted client id) license', async () => {
      const t = await token(acct.auth, { cookie: 'wv-privacy' });
      const device = world.current.devices.L2;
      const request = serviceCertificateRequest(device);
      expect(request).toEqual(Buffer.from([0x08, 0x04]));
      const certificateResponse = await post(t.url, request, { 'content-type': 'application/octet-stream' });
      expect(certificateResponse.status).toBe(200);
      const certificateMessage = await bytes(certificateResponse);
      const serviceDrmCertificate = serviceDrmCertificateOf(world.current.root, certificateMessage);
      expect(serviceDrmCertificate).toEqual(world.current.service.drmCertificate);
      // The independent client parses the message and refuses only because a test root is not Google's.
      const session = Widevine.initWVD(device.wvd).createSession(psshBox(), LicenseType.STREAMING);
      expect(() => session.setServiceCertificateFromMessage(certificateMessage)).toThrow(
        /not signed by the Widevine root/,
      );

      const client = clientChallenge(device, { serviceDrmCertificate });
      const sent = unpb<Row>('LicenseRequest', unpb<Row>('SignedMessage', client.challenge).msg);
      expect(sent.client_id).toBeUndefined();
      expect(sent.encrypted_client_id).toBeDefined();
      const response = await post(t.url, client.challenge);
      expect(response.status).toBe(200);
      expect(client.parse(await bytes(response))).toEqual([{ kid: t.kid, key: t.contentKey }]);

      const rows = await rowsOf(t.tokenId);
      expect(rows.map((r) => [r.request_type, r.result_code])).toEqual([
        ['service-certificate', 0],
        ['new', 0],
      ]);
      expect(rows[1].device).toMatchObject({ systemId: SYSTEM_ID.L2, securityLevel: 'L2', privacyMode: true });
    });

    it("gives the token's key to a PSSH naming ExpressPlay's dummy key id", async () => {
      const t = await token(acct.auth);
      const client = clientChallenge(world.current.devices.L1, { pssh: EXPRESSPLAY_PSSH });
      const response = await post(t.url, client.challenge);
      expect(response.status).toBe(200);
      const keys = client.parse(await bytes(response));
      expect(keys).toEqual([{ kid: t.kid, key: t.contentKey }]);
      expect(keys[0].kid).not.toBe('000102030405060708090a0b0c0d0e0f');
    });

    it('accepts the challenge whatever media type the player declares', async () => {
      for (const type of [
        'application/octet-stream',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json',
      ]) {
        const t = await token(acct.auth);
        const client = clientChallenge(world.current.devices.L1);
        const response = await post(t.url, client.challenge, { 'content-type': type });
        expect([type, response.status]).toEqual([type, 200]);
        expect(client.parse(await bytes(response))).toEqual([{ kid: t.kid, key: t.contentKey }]);
      }
    });

    it('puts the token licenseDuration, HDCP and security level in the policy and the key control block', async () => {
      const t = await token(acct.auth, { securityLevel: 5, hdcpOutputControl: 2, licenseDuration: 600 });
      const device = world.current.devices.L1;
      const client = clientChallenge(device);
      const response = await bytes(await post(t.url, client.challenge));
      expect(client.parse(response)).toEqual([{ kid: t.kid, key: t.contentKey }]);
      const view = inspectLicense(device, client.challenge, response);
      expect(view.license.policy).toMatchObject({
        can_play: true,
        can_renew: true,
        // Playback stops licenseDuration seconds after it starts; the license's own window (from issuance) is open.
        license_duration_seconds: 0,
        playback_duration_seconds: 600,
        renewal_delay_seconds: RENEWAL_DELAY,
      });
      expect(view.license.id.request_id).toEqual(view.request.content_id.widevine_pssh_data.request_id);
      expect(view.contentKeys).toHaveLength(1);
      const [key] = view.contentKeys;
      expect(key.kid.toString('hex')).toBe(t.kid);
      expect(key.key.toString('hex')).toBe(t.contentKey);
      expect(key.container.level).toBe(5);
      expect(key.container.required_protection).toEqual({ hdcp: 2 });
      expect(kcb(key.keyControl)).toEqual({
        verification: 'kc09',
        duration: 0,
        nonce: view.request.key_control_nonce,
        bits: BIT.OBSERVE_DATA_PATH + BIT.OBSERVE_HDCP + (2 << 9) + BIT.DATA_PATH + BIT.NONCE + BIT.HDCP_REQUIRED,
      });
    });

    it.each([undefined, 0])(
      'with licenseDuration %s and no HDCP: unlimited policy, kctl without HDCP or data-path bits',
      async (licenseDuration) => {
        const t = await token(acct.auth, { securityLevel: 1, hdcpOutputControl: 0, licenseDuration });
        const device = world.current.devices.L3;
        const client = clientChallenge(device);
        const view = inspectLicense(device, client.challenge, await bytes(await post(t.url, client.challenge)));
        expect(view.license.policy).toMatchObject({
          can_play: true,
          license_duration_seconds: 0,
          playback_duration_seconds: 0,
        });
        expect(view.contentKeys[0].container.level).toBe(1);
        expect(kcb(view.contentKeys[0].keyControl)).toEqual({
          verification: 'kctl',
          duration: 0,
          nonce: view.request.key_control_nonce,
          bits: BIT.NONCE,
        });
      },
    );
  });

  describe('renewal and release', () => {
    it('renews and releases on the same URL, without consuming credits', async () => {
      const limited = await account(1);
      const t = await token(limited.auth, { licenseDuration: 3600, cookie: 'wv-renew' });
      const device = world.current.devices.L1;
      const client = clientChallenge(device);
      const view = inspectLicense(device, client.challenge, await bytes(await post(t.url, client.challenge)));
      expect(view.license.policy).toMatchObject({ can_renew: true, renewal_delay_seconds: RENEWAL_DELAY });
      expect(await credits(limited.number)).toBe(0);

      const renewal = await post(
        t.url,
        renewalChallenge(view, 'renewal', { nonce: 0x2468ace, secondsSinceStarted: 100 }),
      );
      expect(renewal.status).toBe(200);
      const renewed = inspectRenewal(view, await bytes(renewal), Buffer.from(t.contentKey, 'hex'));
      expect(renewed.license.id).toMatchObject({ session_id: view.license.id.session_id, version: 1 });
      expect(renewed.license.license_start_time).toBe(view.license.license_start_time);
      expect(renewed.keyControls.map(kcb)).toEqual([
        { verification: 'kctl', duration: 3500, nonce: 0x2468ace, bits: BIT.NONCE },
      ]);

      const release = await post(t.url, renewalChallenge(view, 'release'));
      expect(release.status).toBe(200);
      const released = inspectRenewal(view, await bytes(release), Buffer.from(t.contentKey, 'hex'));
      expect(released.license.policy).toMatchObject({ can_play: false });
      expect(released.keyControls).toEqual([]);

      // The account has no credit left, yet renewals, releases and the 08 04 request are still served.
      expect(await credits(limited.number)).toBe(0);
      expect((await post(t.url, Buffer.from([8, 4]))).status).toBe(200);
      const rows = await rowsOf(t.tokenId);
      expect(rows.map((r) => [r.request_type, r.result_code])).toEqual([
        ['new', 0],
        ['renewal', 0],
        ['release', 0],
        ['service-certificate', 0],
      ]);
      expect(await credits(limited.number)).toBe(0);
    });

    it('refuses a renewal not signed with the issued keys (-4001), recorded as a renewal', async () => {
      const t = await token(acct.auth);
      const device = world.current.devices.L1;
      const client = clientChallenge(device);
      const view = inspectLicense(device, client.challenge, await bytes(await post(t.url, client.challenge)));
      const forged = await post(t.url, renewalChallenge(view, 'renewal', { macClient: randomBytes(32) }));
      expect(forged.status).toBe(401);
      expect((await json(forged)).code).toBe(-4001);
      // Another token (another kid) cannot renew this license either.
      const other = await token(acct.auth);
      expect((await json(await post(other.url, renewalChallenge(view, 'renewal')))).code).toBe(-4001);
      const rows = await rowsOf(t.tokenId);
      expect(rows.map((r) => [r.request_type, r.result_code])).toEqual([
        ['new', 0],
        ['renewal', -4001],
      ]);
      expect((await rowsOf(other.tokenId)).map((r) => [r.request_type, r.result_code])).toEqual([['renewal', -4001]]);
    });
  });

  describe('device refusals', () => {
    it.each([
      ['L3', 1, true],
      ['L3', 2, true],
      ['L3', 3, false],
      ['L2', 3, true],
      ['L2', 4, false],
      ['L1', 4, true],
      ['L1', 5, true],
    ] as const)('a %s device and a token of securityLevel %d: licensed = %s', async (name, securityLevel, licensed) => {
      const t = await token(acct.auth, { securityLevel });
      const client = clientChallenge(world.current.devices[name]);
      const response = await post(t.url, client.challenge);
      expect(response.status).toBe(200);
      const body = await bytes(response);
      if (licensed) {
        expect(response.headers.get('x-expressplay-error-code')).toBeNull();
        expect(client.parse(body)).toEqual([{ kid: t.kid, key: t.contentKey }]);
      } else {
        // A SignedMessage ERROR_RESPONSE the CDM understands (SERVICE_UNAVAILABLE), the spec code in headers.
        expect(response.headers.get('x-expressplay-error-code')).toBe('-7008');
        expect(response.headers.get('x-expressplay-error-message')).toMatch(/cannot meet security level/);
        expect(decodeErrorResponse(body)).toBe(3);
        expect(() => client.parse(body)).toThrow();
      }
      const [row] = await rowsOf(t.tokenId);
      expect(row).toMatchObject({
        result_code: licensed ? 0 : -7008,
        request_type: 'new',
        device: { systemId: SYSTEM_ID[name], securityLevel: name },
      });
    });

    it.each([
      ['a revoked device', 'REVOKED', 2, /revoked/],
      ['an unknown device (WIDEVINE_UNKNOWN_DEVICES=reject)', 'UNKNOWN', 3, /unknown/],
      ['a chain signed by an untrusted root', 'UNTRUSTED', 1, /root/],
    ] as const)(
      'refuses %s with -4001: ERROR_RESPONSE to the CDM, JSON on request',
      async (_name, device, licenseError, reason) => {
        const t = await token(acct.auth);
        const cdm = await post(t.url, clientChallenge(world.current.devices[device]).challenge);
        expect(cdm.status).toBe(200);
        expect(cdm.headers.get('content-type')).toBe('application/octet-stream');
        expect(cdm.headers.get('x-expressplay-error-code')).toBe('-4001');
        expect(decodeErrorResponse(await bytes(cdm))).toBe(licenseError);

        const asJson = await post(t.url, clientChallenge(world.current.devices[device]).challenge, {
          accept: 'application/json',
        });
        expect(asJson.status).toBe(401);
        expect(asJson.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body = await json(asJson);
        expect(body.code).toBe(-4001);
        expect(body.message).toMatch(reason);

        const rows = await rowsOf(t.tokenId);
        expect(rows.map((r) => [r.request_type, r.result_code])).toEqual([
          ['new', -4001],
          ['new', -4001],
        ]);
        if (device !== 'UNTRUSTED') expect(rows[0].device).toMatchObject({ systemId: SYSTEM_ID[device] });
      },
    );
  });

  describe('token and account checks', () => {
    const refused = async (url: string, device: DeviceName = 'L1') => {
      const response = await post(url, clientChallenge(world.current.devices[device]).challenge);
      return { status: response.status, body: await json(response) };
    };

    it('refuses an expired token with -4010 and the reason', async () => {
      const t = await token(acct.auth);
      const now = Math.floor(Date.now() / 1000);
      const expired = sealToken(
        { ...t.claims, issuedAt: now - 120, expiresAt: now - 60 },
        parseKeyRing(DEV_TOKEN_KEYS),
      );
      const response = await refused(`${stack.rightsUrl}/hms/wv/rights/?ExpressPlayToken=${expired}`);
      expect(response).toEqual({ status: 401, body: { code: -4010, message: '[-4010] Invalid token: token expired' } });
    });

    it('refuses a tampered token with -4010 and the reason', async () => {
      const t = await token(acct.auth);
      const at = t.url.length - 20;
      const tampered = t.url.slice(0, at) + (t.url[at] === 'A' ? 'B' : 'A') + t.url.slice(at + 1);
      const response = await refused(tampered);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: -4010, message: '[-4010] Invalid token: token forged or corrupt' });
    });

    it('refuses a FairPlay token with -4010', async () => {
      const fp = await tokenUrl(
        stack,
        'fp',
        `customerAuthenticator=${encodeURIComponent(acct.auth)}&contentKey=${randomBytes(16).toString('hex')}&iv=${randomBytes(16).toString('hex')}`,
      );
      const response = await refused(fp.replace('/hms/fp/', '/hms/wv/'));
      expect(response).toEqual({
        status: 401,
        body: { code: -4010, message: '[-4010] Invalid token: the token is for FairPlay' },
      });
    });

    it('refuses by account state at redemption: disabled (-2031), Widevine off (-7011)', async () => {
      const own = await account();
      const t = await token(own.auth);
      await stack.admin.setStatus(own.number, 'disabled');
      expect((await refused(t.url)).body.code).toBe(-2031);
      await stack.admin.setStatus(own.number, 'active');
      await stack.admin.setOptions(own.number, { widevineEnabled: false });
      expect((await refused(t.url)).body.code).toBe(-7011);
      await stack.admin.setOptions(own.number, { widevineEnabled: true });
      expect((await post(t.url, clientChallenge(world.current.devices.L1).challenge)).status).toBe(200);
      expect((await rowsOf(t.tokenId)).map((r) => r.result_code)).toEqual([-2031, -7011, 0]);
    });
  });

  describe('credits', () => {
    it('an account with M credits gets exactly M of N concurrent new licenses; the others get -2019', async () => {
      const M = 3;
      const N = 10;
      const limited = await account(M);
      const t = await token(limited.auth, { cookie: 'wv-credits' });
      const clients = Array.from({ length: N }, (_, i) => clientChallenge(world.current.devices[i % 2 ? 'L1' : 'L2']));
      const responses = await Promise.all(clients.map((c) => post(t.url, c.challenge)));
      const outcomes = await Promise.all(
        responses.map(async (response, i) => {
          if (response.status === 200) return clients[i].parse(await bytes(response));
          return { status: response.status, body: await json(response) };
        }),
      );
      const granted = outcomes.filter(Array.isArray);
      expect(granted).toHaveLength(M);
      for (const keys of granted) expect(keys).toEqual([{ kid: t.kid, key: t.contentKey }]);
      const refusals = outcomes.filter((o) => !Array.isArray(o));
      expect(refusals).toEqual(
        Array.from({ length: N - M }, () => ({
          status: 400,
          body: { code: -2019, message: '[-2019] Insufficient tokens available: the account has no credits left' },
        })),
      );
      expect(await credits(limited.number)).toBe(0);

      const rows = await rowsOf(t.tokenId);
      expect(rows).toHaveLength(N);
      expect(rows.filter((r) => r.result_code === 0)).toHaveLength(M);
      expect(
        rows.filter(
          (r) =>
            r.result_code === -2019 &&
            r.message === '[-2019] Insufficient tokens available: the account has no credits left',
        ),
      ).toHaveLength(N - M);
      for (const row of rows)
        expect(row).toMatchObject({ request_type: 'new', cookie: 'wv-credits', account_number: limited.number });
    });

    it('refusals consume no credit', async () => {
      const limited = await account(1);
      const t = await token(limited.auth, { securityLevel: 5 });
      await post(t.url, Buffer.from('not a challenge'));
      await post(t.url, clientChallenge(world.current.devices.REVOKED).challenge);
      await post(t.url, clientChallenge(world.current.devices.L3).challenge);
      expect(await credits(limited.number)).toBe(1);
      expect((await post(t.url, clientChallenge(world.current.devices.L1).challenge)).status).toBe(200);
      expect(await credits(limited.number)).toBe(0);
    });
  });

  describe('audit rows', () => {
    it('never hold key material', async () => {
      const t = await token(acct.auth, { cookie: 'wv-audit' });
      const device = world.current.devices.L1;
      const client = clientChallenge(device);
      const response = await bytes(await post(t.url, client.challenge));
      const view = inspectLicense(device, client.challenge, response);
      await post(t.url, renewalChallenge(view, 'renewal'));
      await post(t.url, clientChallenge(world.current.devices.REVOKED).challenge);
      const rows = await rowsOf(t.tokenId);
      expect(rows).toHaveLength(3);
      const text = JSON.stringify(rows).toLowerCase();
      const key = Buffer.from(t.contentKey, 'hex');
      for (const secret of [key, view.signingKeys!.macServer, view.signingKeys!.macClient]) {
        expect(text).not.toContain(secret.toString('hex'));
        expect(text).not.toContain(secret.toString('base64').toLowerCase());
      }
      expect(text).not.toContain(
        device.keys.privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64').slice(40, 80).toLowerCase(),
      );
    });
  });

  describe('bad input: a clear error, never a 500', () => {
    const expectError = async (response: Response, status: number, code: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = await json(response);
      expect(body.code).toBe(code);
      expect(body.message).toMatch(new RegExp(`^\\[${code}\\] `));
      return body;
    };

    it('an empty body, random bytes', async () => {
      const t = await token(acct.auth);
      expect((await expectError(await post(t.url, Buffer.alloc(0)), 400, -7008)).message).toMatch(/empty challenge/);
      expect((await expectError(await post(t.url, randomBytes(300)), 400, -7008)).message).toMatch(/challenge|request/);
    });

    it('every kind of truncated challenge', async () => {
      const t = await token(acct.auth);
      const { challenge } = clientChallenge(world.current.devices.L1);
      for (const length of [
        1,
        2,
        5,
        50,
        Math.floor(challenge.length / 2),
        challenge.length - 300,
        challenge.length - 1,
      ]) {
        const response = await post(t.url, challenge.subarray(0, length));
        expect([length, response.status]).toEqual([length, expect.any(Number)]);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect([-7008, -4001]).toContain((await json(response)).code);
      }
    });

    it('a challenge altered after signing, or re-signed by another key', async () => {
      const t = await token(acct.auth);
      const w = world.current;
      const altered = unpb<Row>('SignedMessage', clientChallenge(w.devices.L1).challenge);
      const request = unpb<Row>('LicenseRequest', altered.msg);
      request.key_control_nonce = (request.key_control_nonce + 1) >>> 0;
      const unsigned = pb('SignedMessage', { ...altered, msg: pb('LicenseRequest', request) });
      expect(
        (await expectError(await post(t.url, unsigned, { accept: 'application/json' }), 401, -4001)).message,
      ).toMatch(/signature/);
      const resigned = editedChallenge(w, 'L1', (r) => (r.request_time += 1), w.devices.L2.keys.privateKey);
      expect(
        (await expectError(await post(t.url, resigned, { accept: 'application/json' }), 401, -4001)).message,
      ).toMatch(/signature/);
      // Re-signed by the device itself, an edited request is simply a valid one.
      const own = editedChallenge(w, 'L1', (r) => (r.request_time += 1));
      expect((await post(t.url, own)).status).toBe(200);
    });

    it('a body over MAX_BODY_BYTES: JSON 413', async () => {
      const t = await token(acct.auth);
      await expectError(await post(t.url, Buffer.alloc(stack.rightsConfig.MAX_BODY_BYTES + 1)), 413, 413);
      await expectError(
        await post(t.url, Buffer.alloc(1_000_000), { 'content-type': 'application/octet-stream' }),
        413,
        413,
      );
    });

    it('a bounded fuzz of mutated challenges: only licenses, ERROR_RESPONSEs or JSON 4xx', async () => {
      const t = await token(acct.auth);
      const { challenge } = clientChallenge(world.current.devices.L1);
      let seed = 0x5eed;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let i = 0; i < 60; i++) {
        const mutated = Buffer.from(challenge);
        for (let j = 0, flips = 1 + random(4); j < flips; j++) mutated[random(mutated.length)] = random(256);
        const body = i % 5 === 0 ? Buffer.concat([mutated, randomBytes(random(40))]) : mutated;
        const response = await post(t.url, body);
        expect(response.status).toBeLessThan(500);
        if (response.status === 200) {
          const type = unpb<Row>('SignedMessage', await bytes(response)).type;
          expect([2, 3]).toContain(type);
        } else {
          expect([-7008, -4001]).toContain((await json(response)).code);
        }
      }
    });
  });
});

describe('rights: Widevine with the test-environment defaults (unknown devices L3, no renewals, no service certificate)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() => {
    const env = world.current.env();
    delete env.WIDEVINE_SERVICE_CERTIFICATE;
    delete env.WIDEVINE_SERVICE_PRIVATE_KEY;
    return env;
  });
  const { token, account, rowsOf } = widevineHelpers(stack);

  it('licenses an unknown device as L3 and says so in the audit row; licenses do not renew', async () => {
    const own = await account();
    const t = await token(own.auth);
    const device = world.current.devices.UNKNOWN;
    const client = clientChallenge(device);
    const response = await bytes(await post(t.url, client.challenge));
    expect(client.parse(response)).toEqual([{ kid: t.kid, key: t.contentKey }]);
    expect(inspectLicense(device, client.challenge, response).license.policy).toMatchObject({
      can_play: true,
      can_renew: false,
    });
    const [row] = await rowsOf(t.tokenId);
    expect(row.device).toMatchObject({ systemId: SYSTEM_ID.UNKNOWN, securityLevel: 'L3', known: false });

    const refused = await post((await token(own.auth, { securityLevel: 3 })).url, clientChallenge(device).challenge);
    expect(decodeErrorResponse(await bytes(refused))).toBe(3);
  });

  it('answers 08 04 and privacy-mode requests with -7008 when no service certificate is configured', async () => {
    const own = await account();
    const t = await token(own.auth);
    const response = await post(t.url, Buffer.from([8, 4]));
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      code: -7008,
      message: '[-7008] Failed to generate Widevine license: no service certificate is configured',
    });
  });
});
