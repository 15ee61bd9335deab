import { Test } from '@nestjs/testing';
import { ExpressPlayError } from '@openplay/core';
import { type WidevineGrant, type WidevineLicenser, type WidevineOutcome, WidevineRefusal } from '@openplay/drm';
import { DatabaseUnavailableError } from '@openplay/database';
import { WIDEVINE_LICENSER } from '../drm/drm.module';
import { ACCOUNT, account, CALLER, FakePorts, tokenFor } from '../redemption/testing/fake-ports';
import { WidevineRedemption } from './widevine-redemption';

/** SignedMessage{type: LICENSE_REQUEST, msg: LicenseRequest{type: NEW}}: enough for the request to be named. */
const NEW_LICENSE_REQUEST = Buffer.from('080112021801', 'hex');
const SERVICE_CERTIFICATE_REQUEST = Buffer.from('0804', 'hex');
/** The same with LicenseRequest{type: RENEWAL} and {type: RELEASE}. */
const RENEWAL_REQUEST = Buffer.from('080112021802', 'hex');
const RELEASE_REQUEST = Buffer.from('080112021803', 'hex');
const DEVICE = {
  systemId: 7,
  level: 'L1' as const,
  known: true,
  serialNumber: 'aa',
  modelSerialNumber: 'bb',
  privacyMode: false,
  clientInfo: { company_name: 'unit', model_name: 'm1' },
};
const DEVICE_FACTS = {
  systemId: 7,
  securityLevel: 'L1',
  known: true,
  privacyMode: false,
  serialNumber: 'aa',
  company: 'unit',
  model: 'm1',
};

describe('WidevineRedemption', () => {
  let ports: FakePorts;
  let licenser: { handle: jest.Mock<Promise<WidevineOutcome>, [Buffer, WidevineGrant]> };
  let service: WidevineRedemption;

  beforeEach(async () => {
    ports = new FakePorts();
    licenser = { handle: jest.fn() };
    const module = await Test.createTestingModule({
      providers: [
        ...ports.providers(),
        WidevineRedemption,
        { provide: WIDEVINE_LICENSER, useValue: licenser as WidevineLicenser },
      ],
    }).compile();
    service = module.get(WidevineRedemption);
  });

  const redeem = (token: string | null, challenge = NEW_LICENSE_REQUEST, cdmRefusals = true) =>
    service.redeem({ token, caller: CALLER, challenge, cdmRefusals });

  it('delivers a license: the grant is the token, one credit is spent with the row', async () => {
    licenser.handle.mockResolvedValue({ kind: 'license', body: Buffer.from('license'), device: DEVICE });
    const result = await redeem(tokenFor('wv'));
    expect(result).toEqual({ body: Buffer.from('license'), headers: { 'content-type': 'application/octet-stream' } });
    const [challenge, grant] = licenser.handle.mock.calls[0];
    expect(challenge).toBe(NEW_LICENSE_REQUEST);
    expect(grant).toMatchObject({
      kid: Buffer.alloc(16, 0x22),
      contentKey: Buffer.alloc(16, 0x33),
      policy: { drm: 'wv', securityLevel: 1 },
    });
    expect(ports.redeemed).toEqual([
      {
        account: ACCOUNT,
        row: expect.objectContaining({
          resultCode: 0,
          requestType: 'new',
          device: DEVICE_FACTS,
          cookie: 'unit-cookie',
          tokenId: '11'.repeat(16),
          userAgent: 'unit-player',
        }),
      },
    ]);
    expect(ports.written).toEqual([]);
  });

  it.each(['renewal', 'release', 'service-certificate'] as const)(
    'answers a %s without spending a credit',
    async (kind) => {
      licenser.handle.mockResolvedValue({ kind, body: Buffer.from(kind) });
      expect((await redeem(tokenFor('wv'))).body).toEqual(Buffer.from(kind));
      expect(ports.redeemed).toEqual([]);
      expect(ports.written).toEqual([expect.objectContaining({ resultCode: 0, requestType: kind, device: null })]);
    },
  );

  describe("the account's limits (docs/decisions/0023-account-stream-limits.md)", () => {
    const SESSION = Buffer.alloc(16, 0x05);
    /** A session id the licenser marked as a counted stream (top bit of its issue time). */
    const COUNTED = Buffer.concat([Buffer.from([0x80]), Buffer.alloc(15, 0x05)]);
    const SCOPE = `u:${ACCOUNT}:unit-cookie`;

    it('without settings and token limits, the ledger gets no limit (its old statement) and the grant counts nothing', async () => {
      licenser.handle.mockResolvedValue({ kind: 'license', body: Buffer.alloc(1), device: DEVICE, sessionId: SESSION });
      await redeem(tokenFor('wv'));
      expect(ports.admissions).toEqual([{ stream: undefined, device: undefined }]);
      expect(licenser.handle.mock.calls[0][1].countedStream).toBe(false);
    });

    it("counts a license against the account's stream limit and the user's default device limit, as cached now", async () => {
      ports.accounts.set(
        ACCOUNT,
        account({ maxStreams: 2, streamLimitMode: 'stopOldest', maxDevices: 3, deviceWindow: 600 }),
      );
      licenser.handle.mockResolvedValue({ kind: 'license', body: Buffer.alloc(1), device: DEVICE, sessionId: COUNTED });
      await redeem(tokenFor('wv'));
      expect(licenser.handle.mock.calls[0][1].countedStream).toBe(true);
      expect(ports.admissions).toEqual([
        {
          stream: expect.objectContaining({
            scope: SCOPE,
            sessionId: COUNTED,
            maxStreams: null,
            stopOldest: false,
            accountMaxStreams: 2,
            accountStopOldest: true,
          }),
          device: expect.objectContaining({ scope: SCOPE, maxDevices: 3, windowSeconds: 600 }),
        },
      ]);
    });

    it('renews a counted stream as a heartbeat even after the limit is cleared; an uncounted one is left alone', async () => {
      licenser.handle.mockResolvedValue({ kind: 'renewal', body: Buffer.alloc(1), sessionId: COUNTED });
      await redeem(tokenFor('wv'), RENEWAL_REQUEST);
      expect(ports.renewed).toEqual([[SCOPE, COUNTED.toString('hex')]]);
      ports.streamLive = false;
      await expect(redeem(tokenFor('wv'), RENEWAL_REQUEST)).rejects.toMatchObject({ code: -9005 });
      // Delivered before the account had a limit: not counted, so its renewal is no heartbeat even with one now.
      ports.accounts.set(ACCOUNT, account({ maxStreams: 2, streamLimitMode: 'deny' }));
      licenser.handle.mockResolvedValue({ kind: 'renewal', body: Buffer.alloc(1), sessionId: SESSION });
      await redeem(tokenFor('wv'), RENEWAL_REQUEST);
      expect(ports.renewed).toHaveLength(2);
      licenser.handle.mockResolvedValue({ kind: 'release', body: Buffer.alloc(1), sessionId: COUNTED });
      await redeem(tokenFor('wv'), RELEASE_REQUEST);
      expect(ports.released).toEqual([[SCOPE, COUNTED.toString('hex')]]);
    });
  });

  it('answers a device refusal to the CDM as its ERROR_RESPONSE, with the code in headers and the device in the row', async () => {
    const refusal = new WidevineRefusal(-4001, 'device system id 7 is revoked\n', {
      licenseError: 2,
      device: { systemId: 7, level: 'L1' },
    });
    licenser.handle.mockRejectedValue(refusal);
    const result = await redeem(tokenFor('wv'));
    expect(result).toEqual({
      body: refusal.errorResponse,
      headers: {
        'content-type': 'application/octet-stream',
        'x-expressplay-error-code': '-4001',
        'x-expressplay-error-message': '[-4001] Device could not be authenticated: device system id 7 is revoked?',
      },
      resultCode: -4001,
    });
    expect(ports.written).toEqual([
      expect.objectContaining({
        resultCode: -4001,
        requestType: 'new',
        device: expect.objectContaining({ systemId: 7, securityLevel: 'L1' }),
      }),
    ]);
  });

  it('throws the same refusal to a client that asked for JSON, after its row', async () => {
    licenser.handle.mockRejectedValue(new WidevineRefusal(-4001, 'revoked', { licenseError: 2 }));
    await expect(redeem(tokenFor('wv'), NEW_LICENSE_REQUEST, false)).rejects.toMatchObject({ code: -4001 });
    expect(ports.written).toEqual([expect.objectContaining({ resultCode: -4001, requestType: 'new' })]);
  });

  it('refuses a bad token before the licenser; the row names the request from its bytes', async () => {
    await expect(redeem('not-a-token', SERVICE_CERTIFICATE_REQUEST)).rejects.toMatchObject({ code: -4010 });
    await expect(redeem(null, Buffer.from('garbage'))).rejects.toMatchObject({ code: -4010 });
    await expect(redeem(tokenFor('fp'))).rejects.toThrow('[-4010] Invalid token: the token is for FairPlay');
    expect(licenser.handle).not.toHaveBeenCalled();
    expect(ports.written.map((row) => [row.resultCode, row.requestType])).toEqual([
      [-4010, 'service-certificate'],
      [-4010, null],
      [-4010, 'new'],
    ]);
  });

  describe('a token that has expired', () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = () => tokenFor('wv', { issuedAt: now - 7200, expiresAt: now - 3600 });

    it('admits a renewal, telling the licenser the token expired; the row says so', async () => {
      licenser.handle.mockResolvedValue({ kind: 'renewal', body: Buffer.from('renewed') });
      expect((await redeem(expired(), RENEWAL_REQUEST)).body).toEqual(Buffer.from('renewed'));
      expect(licenser.handle.mock.calls[0][1]).toMatchObject({
        tokenExpired: true,
        issuedAt: now - 7200,
        expiresAt: now - 3600,
      });
      expect(ports.redeemed).toEqual([]);
      expect(ports.written).toEqual([
        expect.objectContaining({
          resultCode: 0,
          requestType: 'renewal',
          accountNumber: ACCOUNT,
          message: 'token expired; renewal governed by the license policy',
        }),
      ]);
    });

    it("says so in a refused renewal's row too", async () => {
      licenser.handle.mockRejectedValue(new WidevineRefusal(-7008, 'the license duration has elapsed'));
      await expect(redeem(expired(), RENEWAL_REQUEST)).rejects.toMatchObject({ code: -7008 });
      expect(ports.written).toEqual([
        expect.objectContaining({
          resultCode: -7008,
          requestType: 'renewal',
          message:
            '[-7008] Failed to generate Widevine license: the license duration has elapsed (token expired; renewal governed by the license policy)',
        }),
      ]);
    });

    it('admits a release, telling the licenser the token expired; free, and the row says so', async () => {
      licenser.handle.mockResolvedValue({
        kind: 'release',
        body: Buffer.from('released'),
        sessionId: Buffer.alloc(16),
      });
      expect((await redeem(expired(), RELEASE_REQUEST)).body).toEqual(Buffer.from('released'));
      expect(licenser.handle.mock.calls[0][1]).toMatchObject({ tokenExpired: true, issuedAt: now - 7200 });
      expect(ports.redeemed).toEqual([]);
      expect(ports.written).toEqual([
        expect.objectContaining({
          resultCode: 0,
          requestType: 'release',
          accountNumber: ACCOUNT,
          message: 'token expired; release of a license it bought',
        }),
      ]);
    });

    it("says so in a refused release's row too", async () => {
      licenser.handle.mockRejectedValue(
        new ExpressPlayError(-4010, 'token expired, and its license is past the release window'),
      );
      await expect(redeem(expired(), RELEASE_REQUEST)).rejects.toMatchObject({ code: -4010 });
      expect(ports.written).toEqual([
        expect.objectContaining({
          resultCode: -4010,
          requestType: 'release',
          message:
            '[-4010] Invalid token: token expired, and its license is past the release window (token expired; release of a license it bought)',
        }),
      ]);
    });

    it('refuses everything else with -4010 token expired, before the licenser', async () => {
      for (const challenge of [NEW_LICENSE_REQUEST, SERVICE_CERTIFICATE_REQUEST, Buffer.from('x')]) {
        await expect(redeem(expired(), challenge)).rejects.toThrow('[-4010] Invalid token: token expired');
      }
      expect(licenser.handle).not.toHaveBeenCalled();
      expect(ports.written.map((row) => [row.resultCode, row.requestType, row.accountNumber, row.message])).toEqual([
        [-4010, 'new', null, '[-4010] Invalid token: token expired'],
        [-4010, 'service-certificate', null, '[-4010] Invalid token: token expired'],
        [-4010, null, null, '[-4010] Invalid token: token expired'],
      ]);
    });

    it.each([
      ['renewal', RENEWAL_REQUEST],
      ['release', RELEASE_REQUEST],
    ])('refuses a %s of a disabled account (-2031)', async (_kind, challenge) => {
      ports.accounts.set(ACCOUNT, account({ status: 'disabled' }));
      await expect(redeem(expired(), challenge)).rejects.toMatchObject({ code: -2031 });
      expect(licenser.handle).not.toHaveBeenCalled();
    });

    it('tells the licenser nothing expired on the normal path', async () => {
      licenser.handle.mockResolvedValue({ kind: 'renewal', body: Buffer.from('renewed') });
      await redeem(tokenFor('wv'), RENEWAL_REQUEST);
      expect(licenser.handle.mock.calls[0][1]).toMatchObject({ tokenExpired: false });
      expect(ports.written).toEqual([expect.objectContaining({ resultCode: 0, message: null })]);
    });
  });

  it('refuses an account that may not use Widevine (-7011) with a row', async () => {
    ports.accounts.set(ACCOUNT, account({ widevineEnabled: false }));
    await expect(redeem(tokenFor('wv'))).rejects.toMatchObject({ code: -7011 });
    expect(ports.written).toEqual([expect.objectContaining({ resultCode: -7011, accountNumber: ACCOUNT })]);
  });

  it('refuses -2019 when no credit is left: the ledger wrote the one row', async () => {
    licenser.handle.mockResolvedValue({ kind: 'license', body: Buffer.from('license'), device: DEVICE });
    ports.verdict = 'no-credit';
    await expect(redeem(tokenFor('wv'))).rejects.toEqual(
      new ExpressPlayError(-2019, 'the account has no credits left'),
    );
    expect(ports.redeemed).toHaveLength(1);
    expect(ports.written).toEqual([]);
  });

  it('writes no row when the database is what failed, and lets the failure through', async () => {
    licenser.handle.mockResolvedValue({ kind: 'license', body: Buffer.from('license'), device: DEVICE });
    const unavailable = new DatabaseUnavailableError('no batch took the write within 2000 ms');
    ports.verdict = unavailable;
    await expect(redeem(tokenFor('wv'))).rejects.toBe(unavailable);
    expect(ports.written).toEqual([]);
  });
});
