import { Test } from '@nestjs/testing';
import { ExpressPlayError } from '@openplay/core';
import { ACCOUNT, account, CALLER, FakePorts, tokenFor } from '../redemption/testing/fake-ports';
import { ClearKeyRedemption } from './clear-key-redemption';

// tokenFor('ck') carries kid 22×16 and key 33×16.
const KID = Buffer.alloc(16, 0x22).toString('base64url');
const OTHER_KID = Buffer.alloc(16, 0x55).toString('base64url');
const K = Buffer.alloc(16, 0x33).toString('base64url');
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('ClearKeyRedemption', () => {
  let ports: FakePorts;
  let service: ClearKeyRedemption;

  beforeEach(async () => {
    ports = new FakePorts();
    const module = await Test.createTestingModule({ providers: [...ports.providers(), ClearKeyRedemption] }).compile();
    service = module.get(ClearKeyRedemption);
  });

  const redeem = (token: string | null, message: Buffer) => service.redeem({ token, caller: CALLER, body: message });
  const refusal = async (run: Promise<unknown>): Promise<ExpressPlayError> => {
    const error: unknown = await run.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ExpressPlayError);
    return error as ExpressPlayError;
  };

  it("answers a license request with the token's key for its kid, spending one credit", async () => {
    const result = await redeem(tokenFor('ck'), body({ kids: [OTHER_KID, KID], type: 'temporary' }));
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(JSON.parse(result.body as string)).toEqual({
      keys: [{ kty: 'oct', kid: KID, k: K }],
      type: 'temporary',
    });
    expect(ports.redeemed).toHaveLength(1);
    expect(ports.redeemed[0]).toMatchObject({
      account: ACCOUNT,
      row: { drm: 'ck', kind: 'redemption', requestType: 'new', resultCode: 0, kid: '22'.repeat(16), device: null },
    });
    expect(ports.written).toEqual([]);
  });

  it('acknowledges a release with a plain row and no credit', async () => {
    const result = await redeem(tokenFor('ck'), body({ kids: [KID] }));
    expect(JSON.parse(result.body as string)).toEqual({ kids: [KID] });
    expect(ports.redeemed).toEqual([]);
    expect(ports.written).toEqual([expect.objectContaining({ requestType: 'release', resultCode: 0 })]);
  });

  it.each([
    ['no kid of the token', body({ kids: [OTHER_KID], type: 'temporary' }), -8004, 'new'],
    ['a message that is not JSON', Buffer.from('{'), -8003, null],
  ])('refuses %s after writing its row, spending nothing', async (_name, message, code, requestType) => {
    expect((await refusal(redeem(tokenFor('ck'), message))).code).toBe(code);
    expect(ports.redeemed).toEqual([]);
    expect(ports.written).toEqual([expect.objectContaining({ drm: 'ck', resultCode: code, requestType })]);
    expect(JSON.stringify(ports.written)).not.toContain('33'.repeat(16));
  });

  it('checks the token and the account before reading the body', async () => {
    expect((await refusal(redeem(null, Buffer.from('{')))).code).toBe(-4010);
    const wrong = await refusal(redeem(tokenFor('wv'), body({ kids: [KID], type: 'temporary' })));
    expect([wrong.code, wrong.details]).toEqual([-4010, 'the token is for Widevine']);
    ports.accounts.set(ACCOUNT, account({ clearKeyEnabled: false }));
    expect((await refusal(redeem(tokenFor('ck'), Buffer.from('{')))).code).toBe(-8001);
  });

  it('answers -2019 when the ledger has no credit left', async () => {
    ports.verdict = 'no-credit';
    expect((await refusal(redeem(tokenFor('ck'), body({ kids: [KID], type: 'temporary' })))).code).toBe(-2019);
  });
});
