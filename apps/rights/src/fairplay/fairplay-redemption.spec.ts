import { createHash } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ExpressPlayError } from '@openplay/core';
import type { CkcResult, FairPlayGrant, FairPlayKsm } from '@openplay/drm';
import { FAIRPLAY_KSM } from '../drm/drm.module';
import { CALLER, FakePorts, tokenFor } from '../redemption/testing/fake-ports';
import { FairPlayRedemption } from './fairplay-redemption';

const SPC = Buffer.from('an spc');
const CKC = Buffer.from('a ckc');
const FACTS = {
  deviceType: 'iPhone',
  osVersion: '17.0',
  streaming: false,
  hdcp: 'type0',
  spcVersion: 1,
  assetIdText: 'asset-1',
};

describe('FairPlayRedemption', () => {
  let ports: FakePorts;
  let ksm: { createCkc: jest.Mock<Promise<CkcResult>, [Buffer, FairPlayGrant]> };
  let service: FairPlayRedemption;

  beforeEach(async () => {
    ports = new FakePorts();
    ksm = { createCkc: jest.fn().mockResolvedValue({ ckc: CKC, facts: FACTS }) };
    const module = await Test.createTestingModule({
      providers: [...ports.providers(), FairPlayRedemption, { provide: FAIRPLAY_KSM, useValue: ksm as FairPlayKsm }],
    }).compile();
    service = module.get(FairPlayRedemption);
  });

  const redeem = (token: string | null, contentType: string | undefined, body: unknown) =>
    service.redeem({ token, caller: CALLER, contentType, body });

  it.each([
    ['raw', undefined, SPC, { 'content-type': 'application/octet-stream' }, CKC],
    [
      'form',
      'application/x-www-form-urlencoded',
      `spc=${SPC.toString('base64')}`,
      { 'content-type': 'text/plain; charset=utf-8' },
      `<ckc>${CKC.toString('base64')}</ckc>`,
    ],
    [
      'JSON',
      'application/json',
      JSON.stringify({ spc: SPC.toString('base64') }),
      { 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ ckc: CKC.toString('base64') }),
    ],
  ])(
    'answers a %s SPC with its CKC in the same form, spending one credit',
    async (_wire, contentType, body, headers, answer) => {
      expect(await redeem(tokenFor('fp'), contentType, body)).toEqual({ headers, body: answer });
      const [spc, grant] = ksm.createCkc.mock.calls[0];
      expect(spc).toEqual(SPC);
      expect(grant).toEqual({
        contentKey: Buffer.alloc(16, 0x33),
        iv: Buffer.alloc(16, 0x44),
        policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [] },
      });
      expect(ports.redeemed).toEqual([
        {
          account: expect.any(Number),
          row: expect.objectContaining({
            resultCode: 0,
            requestType: 'ckc',
            device: expect.objectContaining({ deviceType: 'iPhone', assetId: 'asset-1' }),
          }),
        },
      ]);
    },
  );

  it('checks the token before reading the SPC: a bad token is told so whatever the body', async () => {
    await expect(redeem('forged', 'application/json', '{')).rejects.toMatchObject({ code: -4010 });
    await expect(redeem(tokenFor('wv'), undefined, SPC)).rejects.toEqual(
      new ExpressPlayError(-6002, 'the token is for Widevine'),
    );
    expect(ksm.createCkc).not.toHaveBeenCalled();
    expect(ports.written.map((row) => [row.resultCode, row.requestType])).toEqual([
      [-4010, 'ckc'],
      [-6002, 'ckc'],
    ]);
  });

  it('refuses an SPC it cannot read (-6004) and a KSM refusal (-4001), each with its row', async () => {
    await expect(redeem(tokenFor('fp'), 'application/json', '{"spc": 1}')).rejects.toThrow(
      '[-6004] Failed to generate CKC for FP: the JSON body has no "spc" string',
    );
    ksm.createCkc.mockRejectedValue(new ExpressPlayError(-4001, 'no credential set matches'));
    await expect(redeem(tokenFor('fp'), undefined, SPC)).rejects.toMatchObject({ code: -4001 });
    expect(ports.written.map((row) => row.resultCode)).toEqual([-6004, -4001]);
    expect(ports.redeemed).toEqual([]);
  });

  describe('a token with stream and device limits', () => {
    const HU = Buffer.alloc(20, 0xd3);
    const LIMITED = { ...FACTS, deviceId: HU.toString('hex'), assetId: Buffer.from('one').toString('hex') };
    const sha256 = (...parts: Buffer[]) => parts.reduce((h, part) => h.update(part), createHash('sha256')).digest();
    const limited = () => tokenFor('fp', { maxStreams: 2, stopOldestStream: true, maxDevices: 3, deviceWindow: 600 });

    it('hands the ledger the stream (device and asset), the lease it lives by and the device (its HU)', async () => {
      ksm.createCkc.mockResolvedValue({
        ckc: CKC,
        facts: { ...LIMITED, playbackState: 'playing', keyType: 'rental', leaseSeconds: 0, rentalSeconds: 120 },
      } as unknown as CkcResult);
      await redeem(limited(), undefined, SPC);
      expect(ports.admissions).toEqual([
        {
          stream: expect.objectContaining({
            sessionId: sha256(HU, Buffer.from('a'), Buffer.from('one')),
            maxStreams: 2,
            stopOldest: true,
            // The rental the CKC states, plus the default grace of 30 s.
            leaseSeconds: 150,
            renewal: true,
          }),
          device: expect.objectContaining({ deviceId: sha256(HU), maxDevices: 3, windowSeconds: 600 }),
        },
      ]);
    });

    it('answers a stopped stream’s lease renewal with -9005', async () => {
      ksm.createCkc.mockResolvedValue({ ckc: CKC, facts: LIMITED } as unknown as CkcResult);
      ports.verdict = 'stream-stopped';
      await expect(redeem(limited(), undefined, SPC)).rejects.toEqual(
        new ExpressPlayError(-9005, 'the stream was stopped by a newer one or its lease ran out'),
      );
      // Without playback state the CKC is a new stream's, and without a key duration it lives the grace alone.
      expect(ports.admissions[0].stream).toMatchObject({ renewal: false, leaseSeconds: 30 });
    });

    it('a token without limits hands the ledger no stream and no device', async () => {
      await redeem(tokenFor('fp'), undefined, SPC);
      expect(ports.admissions).toEqual([{}]);
    });
  });
});
